"""Scoring from the database: a year of A1's issues, three ballots and the branch's and the
inspector's entries give the totals computed here by hand; the stored inputs score again to the
same bytes; later changes to issues or answers change nothing stored or published; a chunk run
twice writes each score once; a second scoring run is the one published.

The rated year is last year (the ``campaign`` fixture), so every deadline of its issues has passed
by the time the snapshot is taken: the figures do not depend on the day the suite runs.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.issues import services as issues
from governance.ratings import engine, scoring, selectors, services
from governance.ratings.models import Answer, Ballot, Phase, Score, Snapshot, SubjectKind
from tests import factories
from tests.committees.factories import CompanyFactory, active_contract
from tests.issues.factories import file_issue

from .conftest import open_campaign
from .factories import answers, committee, enter, project, to_phase

TZ = ZoneInfo("Asia/Shanghai")

# Ballots (project: service, order, sanitation, greening, maintenance; committee: duty, disclosure,
# supervision), one per household of resident, neighbour and committee_member; 2 号楼 102 is silent.
BALLOTS = {
    "resident": ((5, 4, 3, 5, 4), (4, 3, 5)),
    "neighbour": ((4, 4, 2, 5, 3), (5, 5, 4)),
    "committee_member": ((3, 5, 4, 4, 3), (3, 4, 4)),
}
PROJECT_QUESTIONS = ("survey-service", "survey-order", "survey-sanitation", "survey-greening", "survey-maintenance")
COMMITTEE_QUESTIONS = ("survey-duty", "survey-disclosure", "survey-supervision")


def h(n):
    return timedelta(hours=n)


def d(n):
    return timedelta(days=n)


@pytest.fixture
def inspector(campaign, subdistrict_admin):
    user = factories.UserFactory(username="inspector", display_name="检查员")
    services.inspector_assign(actor=subdistrict_admin, campaign=campaign, user=user)
    return user


@pytest.fixture
def year(campaign, world, resident, neighbour, committee_member, clerk, secretary, inspector, django_capture_on_commit_callbacks):
    """A1's rated year, ready to score (the campaign is left in its appraisal phase).

    Issues of the rated year (T0 = 2 March, 09:00; sanitation and property service: response due
    in 24 h, resolution in 168 h = 7 days):

    issue  handler    story                                                      responded resolved rating
    P1     company    ack +2h, resolved +1d, rated +2d                           yes       yes      satisfied
    P2     company    ack +30h (late), resolved +3d, rated +4d                   no        yes      basic
    P3     company    ack +1h, resolved +10d (late: overdue)                     yes       yes      -
    P4     company    ack +1h, resolved +1d, reopened +2d, ack +2d1h,
                      resolved +4d, rated +5d                                   yes       no (reopened) dissatisfied
    P5     company    ack +1h, resolved +2d, rated +3d                           yes       yes      satisfied
    P6     company    ack +3h, resolved +1d                                      yes       yes      -
    P7     company    ack +1h, never resolved (overdue)                          yes       no       -
    P8     company    cancelled +1h                                              left out of everything
    N1     branch     noise: not the company's, not the committee's              left out
    P-     company    31 Dec of the year before, 23:00; and 1 Jan after, 00:30   left out (other years)
    C1     committee  property service: ack +1h, resolved +1d, rated +2d         yes       yes      satisfied
    C2     committee  property service: never acknowledged                       no        no       -
    """
    y = campaign.year
    t0 = datetime(y, 3, 2, 9, 0, tzinfo=TZ)
    home = world.home
    i = {}

    def filed(key, code="sanitation", at=t0):
        i[key] = file_issue(resident, home, code=code, now=at)
        return i[key]

    s = issues
    filed("P1")
    s.issue_acknowledge(actor=clerk, issue=i["P1"], now=t0 + h(2))
    s.issue_resolve(actor=clerk, issue=i["P1"], note="已清理", now=t0 + d(1))
    s.issue_rate(actor=resident, issue=i["P1"], rating="satisfied", now=t0 + d(2))
    filed("P2")
    s.issue_acknowledge(actor=clerk, issue=i["P2"], now=t0 + h(30))
    s.issue_resolve(actor=clerk, issue=i["P2"], note="已清理", now=t0 + d(3))
    s.issue_rate(actor=resident, issue=i["P2"], rating="basic", now=t0 + d(4))
    filed("P3")
    s.issue_acknowledge(actor=clerk, issue=i["P3"], now=t0 + h(1))
    s.issue_resolve(actor=clerk, issue=i["P3"], note="已清理", now=t0 + d(10))
    filed("P4")
    s.issue_acknowledge(actor=clerk, issue=i["P4"], now=t0 + h(1))
    s.issue_resolve(actor=clerk, issue=i["P4"], note="已清理", now=t0 + d(1))
    s.issue_reopen(actor=resident, issue=i["P4"], reason="又堆满了", now=t0 + d(2))
    s.issue_acknowledge(actor=clerk, issue=i["P4"], now=t0 + d(2) + h(1))
    s.issue_resolve(actor=clerk, issue=i["P4"], note="已清理", now=t0 + d(4))
    s.issue_rate(actor=resident, issue=i["P4"], rating="dissatisfied", now=t0 + d(5))
    filed("P5")
    s.issue_acknowledge(actor=clerk, issue=i["P5"], now=t0 + h(1))
    s.issue_resolve(actor=clerk, issue=i["P5"], note="已清理", now=t0 + d(2))
    s.issue_rate(actor=resident, issue=i["P5"], rating="satisfied", now=t0 + d(3))
    filed("P6")
    s.issue_acknowledge(actor=clerk, issue=i["P6"], now=t0 + h(3))
    s.issue_resolve(actor=clerk, issue=i["P6"], note="已清理", now=t0 + d(1))
    filed("P7")
    s.issue_acknowledge(actor=clerk, issue=i["P7"], now=t0 + h(1))
    filed("P8")
    s.issue_cancel(actor=resident, issue=i["P8"], now=t0 + h(1))
    filed("N1", code="noise")
    filed("P-before", at=datetime(y - 1, 12, 31, 23, 0, tzinfo=TZ))
    filed("P-after", at=datetime(y + 1, 1, 1, 0, 30, tzinfo=TZ))
    filed("C1", code="property-service")
    s.issue_acknowledge(actor=committee_member, issue=i["C1"], now=t0 + h(1))
    s.issue_resolve(actor=committee_member, issue=i["C1"], note="已协调", now=t0 + d(1))
    s.issue_rate(actor=resident, issue=i["C1"], rating="satisfied", now=t0 + d(2))
    filed("C2", code="property-service")
    assert {i[k].handler_company_id for k in ("P1", "P7", "P-before")} == {project(campaign).company_id}
    assert i["N1"].handler_company_id is None and i["N1"].handler_committee_id is None
    assert i["C2"].handler_committee_id == committee(campaign).committee_id

    people = {"resident": (resident, world.home), "neighbour": (neighbour, world.next_door),
              "committee_member": (committee_member, world.households[("WA1", "2 号楼", "101")])}
    for name, (ours, theirs) in BALLOTS.items():
        user, household = people[name]
        by_code = {("project", c): v for c, v in zip(PROJECT_QUESTIONS, ours, strict=True)}
        by_code |= {("committee", c): v for c, v in zip(COMMITTEE_QUESTIONS, theirs, strict=True)}
        services.survey_submit(actor=user, campaign=campaign, household=household, answers=answers(campaign, world.a1, by_code))

    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    enter(campaign, secretary, project(campaign), {"appraisal-lead": "4.5", "appraisal-meetings": "5", "appraisal-disclosure": "3"})
    enter(
        campaign, inspector, project(campaign),
        {"inspect-service": "2", "inspect-order": "0", "inspect-sanitation": "3", "inspect-greening": "1",
         "inspect-maintenance": "4", "bonus-party-org": "5", "bonus-station": "5", "bonus-volunteer": "4",
         "bonus-honour": "3", "card-yellow": "1", "card-red": "0"},
        {"card-yellow": "消防通道堆放杂物"},
    )
    enter(campaign, secretary, committee(campaign), {"appraisal-lead": "9", "appraisal-meetings": "7.5", "appraisal-disclosure": "10"})
    enter(campaign, inspector, committee(campaign), {"inspect-records": "3"})
    campaign.issues = i
    return campaign


@pytest.fixture
def scored(year, django_capture_on_commit_callbacks):
    return to_phase(year, Phase.SCORING, django_capture_on_commit_callbacks)


def lines(score: Score) -> dict:
    breakdown = engine.parse(score.breakdown)
    return {ln["code"]: ln for section in breakdown["sections"] for ln in section["indicators"]}


def points(score: Score) -> dict:
    return {code: ln["points"] for code, ln in lines(score).items()}


def score_of(campaign, subject) -> Score:
    return Score.objects.get(snapshot_id=campaign.snapshot_id, subject=subject)


def stored(campaign) -> list:
    return list(
        Score.objects.filter(snapshot__campaign=campaign)
        .order_by("pk")
        .values_list("pk", "inputs", "breakdown", "digest", "computed", "total", "stars", "recommendation", "listing")
    )


# --- (a) the totals equal a hand computation --------------------------------------------------------


def test_the_project_s_score_equals_the_hand_computation(scored):
    score = score_of(scored, project(scored))
    inputs = engine.parse(score.inputs)

    # Counted: P1–P7 (P8 cancelled, N1 someone else's, two of other years).
    assert inputs["metrics"] == {
        "counted": 7, "response_base": 7, "responded": 6, "resolution_base": 7, "resolved": 5,
        "rated": 4, "satisfied": 2, "basic": 1, "overdue": 2, "reopened": 1,
    }
    assert inputs["households"] == 4
    assert inputs["survey"]["ballots"] == 3
    by_line = lines(score)
    assert {code: by_line[code]["value"] for code in ("response", "resolution", "satisfaction", "overdue", "reopen")} == {
        "response": "85.71",  # 6 / 7
        "resolution": "71.43",  # 5 / 7 (P4 was reopened)
        "satisfaction": "72.50",  # (2 + 0.9 × 1) / 4
        "overdue": "28.57",  # 2 / 7: P3 resolved late, P7 still open past its deadline
        "reopen": "14.29",  # 1 / 7
    }
    assert points(score) == {
        # Issue handling: 2 (≥ 80) + 1 (≥ 60) + 2 (≥ 70) + 0 (> 20) + 0 (> 8) = 5
        "response": "2.00", "resolution": "1.00", "satisfaction": "2.00", "overdue": "0.00", "reopen": "0.00",
        # Survey, 6 × sum / (3 answers × 5): 12 → 4.80, 13 → 5.20, 9 → 3.60, 14 → 5.60, 10 → 4.00 = 23.20
        "survey-service": "4.80", "survey-order": "5.20", "survey-sanitation": "3.60", "survey-greening": "5.60",
        "survey-maintenance": "4.00",
        # Appraisal: 4.5 + 5 + 3 = 12.50
        "appraisal-lead": "4.50", "appraisal-meetings": "5.00", "appraisal-disclosure": "3.00",
        # Inspection, 7 − defects: 5 + 7 + 4 + 6 + 3 = 25
        "inspect-service": "5.00", "inspect-order": "7.00", "inspect-sanitation": "4.00", "inspect-greening": "6.00",
        "inspect-maintenance": "3.00",
        # Bonus: 5 + 5 + 4 + 3 = 17, capped at 15
        "bonus-party-org": "5.00", "bonus-station": "5.00", "bonus-volunteer": "4.00", "bonus-honour": "3.00",
        "card-yellow": "0.00", "card-red": "0.00",
    }
    breakdown = engine.parse(score.breakdown)
    assert [s["points"] for s in breakdown["sections"]] == ["5.00", "23.20", "12.50", "25.00", "0.00", "0.00"]
    assert (breakdown["base"], breakdown["bonus_raw"], breakdown["bonus"], breakdown["deductions"]) == (
        "65.70", "17.00", "15.00", "5.00"  # one yellow card: −5
    )
    # 65.70 + 15 − 5 = 75.70: two stars (70 ≤ 75.70 < 80), below the three renewal needs.
    assert (score.computed, score.total, score.stars, score.red_card) == (Decimal("75.70"), Decimal("75.70"), 2, False)
    assert (score.recommendation, score.rule, score.listing) == ("rectify", "stars_rectify", "")
    assert score.rectify_by == scored.appeals_end + timedelta(days=90)
    assert score.digest == engine.digest(score.inputs + "\n" + score.breakdown)


def test_the_committee_s_score_equals_the_hand_computation(scored):
    score = score_of(scored, committee(scored))

    assert engine.parse(score.inputs)["metrics"] | {} == {
        "counted": 2, "response_base": 2, "responded": 1, "resolution_base": 2, "resolved": 1,
        "rated": 1, "satisfied": 1, "basic": 0, "overdue": 1, "reopened": 0,
    }
    assert points(score) == {
        # 50 % < 60 → 0; 50 % < 60 → 0; 100 % ≥ 90 → 7
        "response": "0.00", "resolution": "0.00", "satisfaction": "7.00",
        # 10 × sum / 15: 12 → 8.00, 12 → 8.00, 13 → 8.666… → 8.67
        "survey-duty": "8.00", "survey-disclosure": "8.00", "survey-supervision": "8.67",
        "appraisal-lead": "9.00", "appraisal-meetings": "7.50", "appraisal-disclosure": "10.00",
        # 10 − 3 defects × 2; the revenue was never inspected: no points
        "inspect-records": "4.00", "inspect-revenue": "0.00",
        "bonus-cross": "0.00", "bonus-mediation": "0.00", "bonus-honour": "0.00",
        "card-yellow": "0.00", "card-red": "0.00",
    }
    assert lines(score)["inspect-revenue"]["applied"] == "missing"
    # 7 + 24.67 + 26.50 + 4 = 62.17: one star, rectify; a first starless year would not list it.
    assert (score.total, score.stars, score.recommendation, score.listing) == (Decimal("62.17"), 1, "rectify", "")


# --- (b) the stored inputs score again to the same bytes ---------------------------------------------


def test_scoring_the_snapshot_again_gives_the_same_bytes(scored):
    snap = Snapshot.objects.get(pk=scored.snapshot_id)
    scores = list(Score.objects.filter(snapshot=snap).select_related("subject__compound").order_by("pk"))
    specs = scoring._spec_cache(scored)

    assert services.snapshot_rescore(snap=snap) == []
    for score in scores:
        again = scoring._row(snap, score.subject_id, specs[score.subject.kind], engine.parse(score.inputs))
        assert (again.inputs, again.breakdown, again.digest) == (score.inputs, score.breakdown, score.digest)
    # Collected afresh from the unchanged database, the inputs are the very same bytes.
    collected = scoring.collect(snap, [s.subject for s in scores])
    assert [engine.canonical(collected[s.subject_id]) for s in scores] == [s.inputs for s in scores]


# --- (c) later changes change nothing stored or published -------------------------------------------


def test_changes_after_the_snapshot_change_no_stored_or_published_score(scored, world, resident, clerk, django_capture_on_commit_callbacks):
    before = stored(scored)
    snap = Snapshot.objects.get(pk=scored.snapshot_id)
    i = scored.issues
    y = scored.year
    issues.issue_rate(actor=resident, issue=i["P6"], rating="dissatisfied", now=datetime(y, 3, 4, 9, 0, tzinfo=TZ))
    issues.issue_reopen(actor=resident, issue=i["P3"], reason="还是很脏", now=datetime(y, 3, 13, 9, 0, tzinfo=TZ))
    file_issue(resident, world.home, code="sanitation", now=datetime(y, 6, 1, 9, 0, tzinfo=TZ))
    # A late ballot of the silent household, written straight to the table (the survey is closed).
    late = Ballot.objects.create(
        campaign=scored, household=world.households[("WA1", "2 号楼", "102")], compound=world.a1, submitted_by=resident
    )
    Answer.objects.bulk_create([Answer(ballot=late, indicator_id=pk, value=1) for pk in answers(scored, world.a1)])

    # The changes would have mattered: collected now, the inputs differ.
    subjects = [project(scored), committee(scored)]
    fresh = scoring.collect(snap, subjects)
    assert engine.canonical(fresh[subjects[0].pk]) != score_of(scored, subjects[0]).inputs
    assert fresh[subjects[0].pk]["survey"]["ballots"] == 4

    assert stored(scored) == before
    assert services.snapshot_rescore(snap=snap) == []
    to_phase(scored, Phase.PUBLICATION, django_capture_on_commit_callbacks)
    assert stored(scored) == before
    published = selectors.published_for_compound(world.a1.pk).get(subject__kind=SubjectKind.PROJECT)
    assert published.total == Decimal("75.70")
    assert services.snapshot_rescore(snap=snap) == []


# --- (d) a chunk done twice writes each score once ---------------------------------------------------


@pytest.fixture
def running(year, world, django_capture_on_commit_callbacks):
    """The campaign moved into scoring with its first chunk not yet run (nothing executed on commit)."""
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        services.campaign_advance(campaign_id=year.pk, today=year.scoring_starts)
    year.refresh_from_db()
    assert year.phase == Phase.SCORING
    assert len(enqueued) >= 1  # the first chunk, queued after commit
    snap = Snapshot.objects.get(campaign=year)
    assert (snap.status, snap.done, snap.total) == ("running", 0, 2)
    return snap


def test_a_chunk_run_twice_scores_each_subject_once(running):
    assert services.snapshot_score_chunk(snapshot_id=running.pk) is False  # 2 subjects < one chunk
    first = list(Score.objects.filter(snapshot=running).order_by("pk").values_list("pk", "digest"))
    assert services.snapshot_score_chunk(snapshot_id=running.pk) is False

    running.refresh_from_db()
    assert list(Score.objects.filter(snapshot=running).order_by("pk").values_list("pk", "digest")) == first
    assert len(first) == 2
    assert (running.status, running.done, running.total, running.progress) == ("done", 2, 2, 100)
    assert running.finished_at is not None


def test_chunks_of_one_count_their_progress_and_stop_when_done(running):
    progress = []
    for _ in range(4):
        more = services.snapshot_score_chunk(snapshot_id=running.pk, size=1)
        running.refresh_from_db()
        progress.append((more, running.done, running.total, running.status))

    assert progress == [(True, 1, 2, "running"), (False, 2, 2, "done"), (False, 2, 2, "done"), (False, 2, 2, "done")]
    assert Score.objects.filter(snapshot=running).count() == 2
    assert services.snapshot_rescore(snap=running) == []


def test_chunks_of_one_over_three_subjects_score_each_once(
    rated, subdistrict_admin, django_capture_on_commit_callbacks, tasks_in_process
):
    a2 = factories.CompoundFactory(community=rated.a, code="WA2", name="桃花苑")
    active_contract(a2, CompanyFactory(name="桃花物业"))
    with django_capture_on_commit_callbacks(execute=True):
        campaign = open_campaign(subdistrict_admin, rated)
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_advance(campaign_id=campaign.pk, today=campaign.scoring_starts)
    snap = Snapshot.objects.get(campaign=campaign)

    results = [services.snapshot_score_chunk(snapshot_id=snap.pk, size=1) for _ in range(5)]
    snap.refresh_from_db()

    assert results == [True, True, False, False, False]
    assert (snap.done, snap.total, snap.status) == (3, 3, "done")
    assert sorted(Score.objects.filter(snapshot=snap).values_list("subject_id", flat=True)) == sorted(
        campaign.subjects.values_list("pk", flat=True)
    )


# --- (e) a second scoring run is the one published ---------------------------------------------------


def test_a_second_scoring_run_makes_snapshot_2_and_it_is_published(
    scored, world, resident, subdistrict_admin, officer, django_capture_on_commit_callbacks
):
    first = Snapshot.objects.get(campaign=scored)
    # Between the runs two resolved issues are rated after all: satisfaction (4 + 0.9) / 6 = 81.67 %
    # earns 4 points instead of 2, so the project's total is 75.70 + 2 = 77.70.
    issues.issue_rate(actor=resident, issue=scored.issues["P6"], rating="satisfied", now=datetime(scored.year, 3, 4, tzinfo=TZ))
    issues.issue_rate(actor=resident, issue=scored.issues["P3"], rating="satisfied", now=datetime(scored.year, 3, 13, tzinfo=TZ))

    with pytest.raises(PermissionDenied):
        services.scoring_start(campaign=scored, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.scoring_start(campaign=scored, actor=subdistrict_admin)

    second.refresh_from_db()
    scored.refresh_from_db()
    assert (second.number, second.status, second.done, second.total, second.started_by) == (2, "done", 2, 2, subdistrict_admin)
    assert scored.snapshot_id == second.pk
    assert Score.objects.filter(snapshot=first).count() == 2  # the first run is kept
    old, new = score_of_snapshot(first), score_of_snapshot(second)
    assert engine.parse(new.inputs)["metrics"]["satisfied"] == 4
    assert (old.total, new.total) == (Decimal("75.70"), Decimal("77.70"))

    to_phase(scored, Phase.PUBLICATION, django_capture_on_commit_callbacks)
    assert scored.snapshot_id == second.pk
    published = selectors.published_for_compound(world.a1.pk)
    assert {s.snapshot_id for s in published} == {second.pk}
    assert published.get(subject__kind=SubjectKind.PROJECT).total == new.total
    # Resident sees the published run's score, not the first one's.
    assert set(selectors.scores_visible(resident).values_list("snapshot_id", flat=True)) == {second.pk}
    with pytest.raises(ValidationError):
        services.scoring_start(campaign=scored, actor=subdistrict_admin)
    assert Snapshot.objects.filter(campaign=scored).count() == 2


def score_of_snapshot(snap) -> Score:
    return Score.objects.get(snapshot=snap, subject__kind=SubjectKind.PROJECT)


def test_a_scoring_run_asked_for_while_one_runs_is_that_run(running, subdistrict_admin, django_capture_on_commit_callbacks):
    campaign = running.campaign
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        again = services.scoring_start(campaign=campaign, actor=subdistrict_admin)

    assert again.pk == running.pk
    assert enqueued == []
    assert Snapshot.objects.filter(campaign=campaign).count() == 1
