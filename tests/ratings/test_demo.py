"""The demo's star ratings: last year's campaign of the district taken to its final lists, this
year's of 学院街道 in its survey (open to the demo resident), and a second seed adds nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from committees.models import PropertyContract
from governance.accounts.models import Notification, User
from governance.ratings import demo, services
from governance.ratings.models import (
    Answer,
    Appeal,
    AppealStatus,
    Ballot,
    Campaign,
    Entry,
    Phase,
    Reminder,
    Scope,
    Score,
    Snapshot,
    SnapshotStatus,
    Subject,
    SubjectKind,
)

MODELS = (Campaign, Subject, Ballot, Answer, Entry, Snapshot, Score, Appeal, Reminder, Notification, PropertyContract)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "flags": PropertyContract.objects.exclude(renewal_flag="").count(),
        "history": Campaign.history.count() + Score.history.count() + Entry.history.count() + Appeal.history.count(),
    }


@pytest.mark.django_db(transaction=False)
def test_the_demo_has_a_finished_campaign_and_one_in_its_survey_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first

    today = timezone.localdate()
    year, _dates = demo.finished_dates(today)
    done = Campaign.objects.get(phase=Phase.FINAL)
    assert (done.year, done.scope, done.created_by.username) == (year, Scope.DISTRICT, "district")
    assert done.finalised_at is not None and done.appeals_end <= today
    snap = done.snapshot
    assert snap.status == SnapshotStatus.DONE
    # Every contract in force and every owners' committee, each scored once.
    assert done.subjects.filter(kind=SubjectKind.PROJECT).count() == PropertyContract.objects.filter(status="active").count()
    assert done.subjects.filter(kind=SubjectKind.COMMITTEE).exists()
    assert set(Score.objects.filter(snapshot=snap).values_list("subject", flat=True)) == set(
        done.subjects.values_list("pk", flat=True)
    )
    assert services.snapshot_rescore(snap=snap) == []
    scores = Score.objects.filter(snapshot=snap)
    assert scores.filter(listing="white").exists()
    black = scores.get(listing="black")
    assert black.red_card and black.recommendation == "do_not_renew"
    assert black.subject.contract.renewal_flag == "do_not_renew"
    assert len({s.stars for s in scores}) >= 4  # from good to poor
    # Survey, appraisal, inspection and yellow card all counted.
    assert done.ballots.count() > 20
    assert Entry.objects.filter(subject__campaign=done, indicator__source="appraisal").count() == 3 * done.subjects.count()
    assert Entry.objects.filter(subject__campaign=done, indicator__code="card-yellow", value=1).count() == 1
    assert not done.subjects.filter(inspector__isnull=True).exists()
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.ADJUSTED and appeal.decided_by.username == "district"
    assert appeal.filed_by.username in {"wuye1", "wuye2", "wuye3"}
    assert appeal.score.total == appeal.score.computed + appeal.adjustment
    # Last year's notices are history: read, and dated within the campaign.
    old = Notification.objects.filter(kind__startswith="rating_", created_at__date__lte=done.appeals_end)
    assert old.exists() and not old.filter(read_at__isnull=True).exists()

    open_now = Campaign.objects.get(phase=Phase.SURVEY)
    assert (open_now.scope, open_now.subdistrict.code, open_now.created_by.username) == (Scope.SUBDISTRICT, "XL-XY", "xueyuan")
    assert open_now.survey_starts < today < open_now.appraisal_starts
    assert open_now.ballots.count() > 5
    resident = User.objects.get(username="resident")
    households = services.survey_households(resident, open_now)
    assert households and not open_now.ballots.filter(household__in=households).exists()
    assert Notification.objects.filter(user=resident, kind="rating_survey_open", read_at__isnull=True).count() == 1
    rows = services.survey_response(open_now)
    assert all(r["ballots"] for r in rows) and all(0 < r["rate"] < 1 for r in rows)
