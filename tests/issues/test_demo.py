"""The demo's year of issues: every state, real rates, content for every demo role, and a
department that sees only what it was summoned to. Seeding twice files nothing new."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from governance.accounts.models import User
from governance.issues import rates, selectors
from governance.issues.models import DeadlineExtension, Issue, IssueEvent, Summons
from governance.issues.states import OPEN_STATES, State


def _counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Issue, IssueEvent, Summons, DeadlineExtension)}


def test_the_demo_year_of_issues_fills_every_state_rate_and_role_and_seeds_once(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert "chengguan" in out.getvalue()

    now = timezone.now()
    # A year of issues, in every state, with nothing written in the future.
    assert first["Issue"] >= 300
    assert set(Issue.objects.values_list("state", flat=True)) == set(State.values)
    assert not IssueEvent.objects.filter(at__gt=now).exists()
    assert Issue.objects.filter(created_at__lt=now - timedelta(days=330)).exists()
    assert Issue.objects.filter(reopen_count__gt=0).exists() and Issue.objects.filter(escalation_count__gt=0).exists()
    assert {"approved", "rejected", "pending"} <= set(DeadlineExtension.objects.values_list("status", flat=True))
    overdue = selectors.filter_queue(Issue.objects.filter(state__in=OPEN_STATES), overdue=True, now=now)
    assert overdue.count() >= 3

    # The rates are real figures, neither empty nor perfect, and differ between compounds.
    today = timezone.localdate()
    year = rates.rates_for("compound", None, today - timedelta(days=365), today)
    for value in (year.response_rate, year.resolution_rate, year.satisfaction_rate):
        assert 0.6 < value < 1
    by_compound = rates.rates_by("compound", today - timedelta(days=365), today)
    assert len(by_compound) == 12
    assert len({round(r.composite, 4) for r in by_compound.values()}) > 6
    ratings = dict(Issue.objects.exclude(rating="").values_list("rating").annotate(n=Count("id")))
    assert ratings["satisfied"] > ratings["basic"] > ratings["dissatisfied"] > 0

    # Every demo role has something on its pages.
    for username in ("resident", "dangyuan", "shuji", "wuye1", "wuye2", "wuye3", "dongwan", "xueyuan", "chengguan"):
        user = User.objects.get(username=username)
        assert selectors.issues_visible(user).exists(), username
    for username in ("dangyuan", "shuji", "wuye1", "dongwan", "shangdong", "jiguang", "anju", "chengguan"):
        assert selectors.work_queue(User.objects.get(username=username)).exists(), username
    resident = User.objects.get(username="resident")
    assert Issue.objects.filter(reporter=resident, state=State.RESOLVED).exists()  # hers to rate

    # The department responder sees exactly the issues summoned to its department.
    chengguan = User.objects.get(username="chengguan")
    summoned = set(Summons.objects.filter(department__name="区城市管理执法局").values_list("issue_id", flat=True))
    elsewhere = set(Summons.objects.exclude(department__name="区城市管理执法局").values_list("issue_id", flat=True))
    assert summoned and elsewhere
    assert set(selectors.issues_visible(chengguan).values_list("pk", flat=True)) == summoned
