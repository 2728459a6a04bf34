"""One campaign from opening to the final lists, through the services."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from governance.ratings import services
from governance.ratings.models import Appeal, Ballot, Campaign, Indicator, Phase, Score, Snapshot, SubjectKind


def test_a_campaign_runs_from_survey_to_final_lists(campaign, resident, secretary, clerk, subdistrict_admin, tasks_in_process, django_capture_on_commit_callbacks, world):
    assert campaign.phase == Phase.SURVEY
    assert campaign.subjects.count() == 2  # A1's project and A1's committee; B1 is in S2
    questions = services.survey_questions(campaign, world.a1.pk)
    assert len(questions) == 8
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers={q.pk: 4 for q in questions})
    assert Ballot.objects.count() == 1

    today = timezone.localdate()
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.appraisal_starts)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.APPRAISAL
    project = campaign.subjects.get(kind=SubjectKind.PROJECT)
    for ind in Indicator.objects.filter(section__template=campaign.project_template, source="appraisal"):
        services.entry_record(actor=secretary, subject=project, indicator=ind, value="4")

    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_advance(campaign_id=campaign.pk, today=campaign.scoring_starts)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.SCORING
    snap = Snapshot.objects.get(campaign=campaign)
    assert snap.status == "done", snap.error
    score = Score.objects.get(snapshot=snap, subject=project)
    assert score.computed > 0
    assert services.snapshot_rescore(snap=snap) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_advance(campaign_id=campaign.pk, today=campaign.publication_starts)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.PUBLICATION
    appeal = services.appeal_file(actor=clerk, score=score, reason="检查当天下雨，绿化扣分不合理。")
    services.appeal_decide(actor=subdistrict_admin, appeal=appeal, decision="adjusted", reason="复核后加 2 分", adjustment="2")
    score.refresh_from_db()
    assert score.total == score.computed + Decimal("2")
    assert Appeal.objects.get().status == "adjusted"
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.appeals_end + timedelta(days=1))
    campaign.refresh_from_db()
    assert campaign.phase == Phase.FINAL
    assert Campaign.objects.get().finalised_at is not None
    del today
