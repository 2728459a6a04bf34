"""The demo's yearly star ratings: one finished campaign of the district for last year and one
campaign of 学院街道 in its household survey now.

The finished one is opened by the district admin with the default templates and taken through
every phase by ``services.campaign_advance(today=<the phase's date>)``, so each phase's side
effects (reminders, the scoring run, the publication notices, the final flags) are the services'
own: ballots from a share of the verified households of every rated compound (answers vary by
company and compound: 安泰 good, 三峡城市 middling, 居安 poor), appraisals by each compound's
branch secretary, inspections, bonus items and cards by the community officers (made the
inspectors), one yellow card (三峡城市 at 东湾小区) and one red card (居安 at 葛洲坝小区: the black list
and a contract flagged "do not renew"), scoring in-process, publication, one appeal by 三峡城市's
staff contact decided with an adjustment by the district admin, and the final lists.

Which year: a finished campaign can only rate the last full year (2025 when seeded in November
2026). The demo's issues are filed over the last 365 days (see ``governance/issues/demo.py``), so
they cover only the end of that year (seeded on 2026-11-24: 24 November to 31 December 2025, about
40 issues; seeded in 2027, none of it). The issue-handling indicators are computed from whichever
of those real issues there are; a company or committee that handled none that year gets the
template's no-data points (the maximum). Rating the issues' own year instead would mean a
"finished" campaign for a year not yet over.

Where a service has no ``now=`` (ballots, entries, notices and reminders, the audit trail, the
scoring run's times), the rows are back-dated right after with ``queryset.update`` — each place is
marked "demo back-dating"; the one appeal of last year's campaign is filed with ``appeal_file`` on
the day it would have been (``today=``) and decided by ``appeal_decide``.

Deterministic (a fixed random seed; dates relative to the day of seeding) and idempotent: a
campaign is made only if its place has none for its year.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from committees.models import PropertyContract, PropertyStaff
from compounds import demo as compounds_demo
from compounds.models import District, Household, Residency, ResidencyStatus, RoleAssignment, Subdistrict
from governance.accounts.models import Notification, User
from governance.accounts.roles import Role

from . import services
from .models import (
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
    Source,
    SubjectKind,
    Template,
)

SEED = 20261126
SURVEY_SUBDISTRICT = "XL-XY"  # 学院街道, opened by the subdistrict admin `xueyuan`
# Survey answers' centre (1–5) by company credit code prefix, then by compound for committees.
COMPANY_QUALITY = {"91420500": 4.5, "91420502": 3.8, "91420503": 2.9}  # 安泰, 三峡城市, 居安
PROJECT_QUALITY = {"SD": 4.2, "JGHY": 4.1, "YMZ": 3.6}  # a compound's own project, where it differs
COMMITTEE_QUALITY = {"JGSY": 4.7, "THL": 3.0, "GZB": 3.4}
DEFAULT_COMMITTEE_QUALITY = 4.0
YELLOW_CARD = ("DW", "检查发现消防通道被车辆长期占用，限期整改通知下发后仍未落实。")
RED_CARD = ("GZB", "擅自将电梯广告等公共收益用于企业经营且拒不公开，经查属实，情节严重。")
APPEAL_AT = "DW"
APPEAL_REASON = (
    "黄牌所涉消防通道占用问题已于检查次日全部清理，并加装了禁停标识和隔离桩，整改照片和业委会"
    "出具的情况说明已提交社区。请复核扣分。"
)
APPEAL_DECISION = "经社区现场复核，整改及时到位，黄牌维持，酌情加 3 分。"
BONUS = {
    # compound code → [(indicator code, points)] for the project; committees below.
    "JGSY": [("bonus-party-org", 5), ("bonus-station", 5), ("bonus-volunteer", 3)],
    "AJ": [("bonus-party-org", 5), ("bonus-volunteer", 4)],
    "SD": [("bonus-party-org", 5)],
    "JGHY": [("bonus-station", 3)],
    "BJHY": [("bonus-party-org", 3)],
}
COMMITTEE_BONUS = {"JGSY": [("bonus-cross", 5), ("bonus-mediation", 3)], "AJ": [("bonus-cross", 3)]}
INSPECTION_NOTES = ["", "", "门岗登记不规范。", "楼道有杂物堆放。", "绿化带有枯死苗木未补植。", "单元门闭门器损坏未修。"]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def finished_dates(today: date) -> tuple[int, dict]:
    """The last year whose campaign (surveyed in January, published in March) is over by now."""
    year = today.year - 1 if today > date(today.year, 3, 20) else today.year - 2
    return year, {
        "survey_starts": date(year + 1, 1, 5),
        "appraisal_starts": date(year + 1, 2, 2),
        "scoring_starts": date(year + 1, 3, 1),
        "publication_starts": date(year + 1, 3, 10),
        "appeal_days": 7,
    }


def survey_dates(today: date) -> tuple[int, dict]:
    """The survey opened a week ago; appraisal in three weeks, then scoring and publication."""
    starts = today - timedelta(days=7)
    return starts.year, {
        "survey_starts": starts,
        "appraisal_starts": today + timedelta(days=21),
        "scoring_starts": today + timedelta(days=42),
        "publication_starts": today + timedelta(days=52),
        "appeal_days": 7,
    }


def templates() -> tuple[Template, Template]:
    """The default templates as installed (version 1)."""
    return Template.objects.get(code="property-project", version=1), Template.objects.get(code="owners-committee", version=1)


class _Backdate:
    """Demo back-dating: rows the services wrote at the wall clock since the last mark are dated
    at the moment they happened (notices and reminders, the audit trail)."""

    def __init__(self, campaign_id=None):
        self.campaign_id = campaign_id
        self.models = [Notification, Reminder]
        for model in (Campaign, Entry, Score, Appeal, PropertyContract):
            self.models.append(model.history.model)
        self.mark()

    def mark(self):
        self.marks = {m: m.objects.aggregate(n=Max("pk"))["n"] or 0 for m in self.models}

    def to(self, moment: datetime, *, read: bool = True, unread_for=()):
        for model in self.models:
            rows = model.objects.filter(pk__gt=self.marks[model])
            if model is Notification:
                rows.update(created_at=moment, read_at=moment + timedelta(hours=5) if read else None)
                if unread_for:
                    rows.filter(user_id__in=unread_for).update(read_at=None)
            elif model is Reminder:
                rows.update(sent_at=moment)
            else:
                rows.update(history_date=moment)
        self.mark()


class _People:
    """The demo's actors, one object per person so each one's scopes load once."""

    def __init__(self):
        self._users = {}

    def get(self, username: str) -> User:
        if username not in self._users:
            self._users[username] = User.objects.get(username=username)
        return self._users[username]

    def cached(self, user: User) -> User:
        return self._users.setdefault(user.username, user)

    def secretaries(self) -> dict[int, User]:
        out = {}
        for row in RoleAssignment.objects.filter(role=Role.BRANCH_SECRETARY, ended_at__isnull=True).select_related("user").order_by("pk"):
            out.setdefault(row.compound_id, self.cached(row.user))
        return out

    def officers(self) -> dict[int, User]:
        out = {}
        for row in RoleAssignment.objects.filter(role=Role.COMMUNITY_OFFICER, ended_at__isnull=True).select_related("user").order_by("pk"):
            out.setdefault(row.community_id, self.cached(row.user))
        return out


def _voters(people: _People, compound_ids, *, exclude_households=()) -> dict[int, list[tuple[Household, User]]]:
    """compound → (household, a verified resident of it) for every verified household."""
    out: dict[int, list] = {}
    seen = set()
    rows = (
        Residency.objects.filter(status=ResidencyStatus.VERIFIED, household__building__compound_id__in=compound_ids)
        .exclude(household_id__in=exclude_households)
        .select_related("user", "household__building")
        .order_by("household_id", "user__username")
    )
    for residency in rows:
        if residency.household_id in seen:
            continue
        seen.add(residency.household_id)
        out.setdefault(residency.household.building.compound_id, []).append((residency.household, people.cached(residency.user)))
    return out


def _answer(rng: random.Random, centre: float) -> int:
    return max(1, min(5, round(rng.gauss(centre, 0.75))))


def _quality(campaign: Campaign) -> tuple[dict, dict]:
    """compound → the centre of its answers about its property service and its committee."""
    project, committee = {}, {}
    for subject in campaign.subjects.select_related("company", "compound"):
        if subject.kind == SubjectKind.PROJECT:
            project[subject.compound_id] = PROJECT_QUALITY.get(
                subject.compound.code, COMPANY_QUALITY.get(subject.company.credit_code[:8], 3.8)
            )
        else:
            committee[subject.compound_id] = COMMITTEE_QUALITY.get(subject.compound.code, DEFAULT_COMMITTEE_QUALITY)
    return project, committee


def _ballots(campaign, voters, rng, *, share, window) -> list[int]:
    """A share of each compound's verified households answer, each at some moment of ``window``."""
    project_q, committee_q = _quality(campaign)
    start, end = window
    seconds = int((end - start).total_seconds())
    answered = []
    for compound_id, pairs in sorted(voters.items()):
        questions = services.survey_questions(campaign, compound_id)
        if not questions:
            continue
        n = max(1, round(len(pairs) * rng.uniform(*share)))
        noise = rng.uniform(-0.3, 0.3)
        for household, user in rng.sample(pairs, min(n, len(pairs))):
            answers = {}
            for question in questions:
                kind = question.section.template.subject_kind
                centre = (project_q if kind == SubjectKind.PROJECT else committee_q).get(compound_id, 3.8) + noise
                answers[question.pk] = _answer(rng, centre)
            ballot = services.survey_submit(actor=user, campaign=campaign, household=household, answers=answers)
            # Demo back-dating: answered during the survey.
            Ballot.objects.filter(pk=ballot.pk).update(submitted_at=start + timedelta(seconds=rng.randrange(seconds)))
            answered.append(user.pk)
    return answered


def seed(stdout=None, now=None) -> dict:
    say = stdout.write if stdout else (lambda s: None)
    now = now or timezone.now()
    today = timezone.localdate(now)
    district = District.objects.get(code=compounds_demo.DISTRICT[0])
    subdistrict = Subdistrict.objects.get(code=SURVEY_SUBDISTRICT)
    year, _dates = finished_dates(today)
    if not Campaign.objects.filter(year=year, scope=Scope.DISTRICT, district=district).exists():
        with transaction.atomic():
            _finished(district, today)
    year_now, _dates = survey_dates(today)
    if not Campaign.objects.filter(year=year_now, subdistrict=subdistrict).exists():
        with transaction.atomic():
            _surveying(subdistrict, today, now)
    campaigns = Campaign.objects.filter(district=district)
    scores = Score.objects.filter(snapshot_id__in=campaigns.exclude(snapshot=None).values("snapshot_id"))
    counts = {
        "campaigns": campaigns.count(),
        "final": campaigns.filter(phase=Phase.FINAL).count(),
        "in_survey": campaigns.filter(phase=Phase.SURVEY).count(),
        "subjects": sum(c.subjects.count() for c in campaigns),
        "ballots": Ballot.objects.filter(campaign__in=campaigns).count(),
        "entries": Entry.objects.filter(subject__campaign__in=campaigns).count(),
        "scores": scores.count(),
        "white": scores.filter(listing="white").count(),
        "black": scores.filter(listing="black").count(),
        "appeals": Appeal.objects.filter(score__snapshot__campaign__in=campaigns).count(),
    }
    say(f"Demo ratings: {counts}")
    return counts


def _finished(district: District, today: date) -> Campaign:
    rng = random.Random(SEED)
    people = _People()
    admin = people.get("district")
    year, dates = finished_dates(today)
    project_t, committee_t = templates()
    back = _Backdate()
    campaign = services.campaign_open(
        actor=admin, year=year, scope=Scope.DISTRICT, district=district,
        title=f"{district.name}{year}年度红色物业星级评价", project_template=project_t, committee_template=committee_t,
        today=dates["survey_starts"] - timedelta(days=16), **dates,
    )
    opened = _at(dates["survey_starts"] - timedelta(days=16), 10)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=opened)  # demo back-dating
    back.to(opened)

    # Survey: the notices go out; the officers are named inspectors of their communities.
    services.campaign_advance(campaign_id=campaign.pk, today=dates["survey_starts"])
    back.to(_at(dates["survey_starts"], 8))
    campaign.refresh_from_db()
    officers = people.officers()
    for community_id, officer in sorted(officers.items()):
        services.inspector_assign(actor=admin, campaign=campaign, user=officer, community=community_id)
    back.to(_at(dates["survey_starts"], 10))
    compound_ids = set(campaign.subjects.values_list("compound_id", flat=True))
    voters = _voters(people, compound_ids)
    window = (_at(dates["survey_starts"], 9), _at(dates["appraisal_starts"] - timedelta(days=1), 21))
    _ballots(campaign, voters, rng, share=(0.4, 0.7), window=window)
    back.to(_at(dates["survey_starts"] + timedelta(days=3), 20))

    # Appraisal and inspection.
    services.campaign_advance(campaign_id=campaign.pk, today=dates["appraisal_starts"])
    back.to(_at(dates["appraisal_starts"], 8))
    campaign.refresh_from_db()
    _entries(campaign, people, officers, rng, dates)
    back.to(_at(dates["appraisal_starts"] + timedelta(days=12), 17))

    # Scoring, run here chunk by chunk as the worker would; issues counted as of the scoring day.
    services.campaign_advance(campaign_id=campaign.pk, today=dates["scoring_starts"])
    scored_at = _at(dates["scoring_starts"], 1)
    snap = Snapshot.objects.get(campaign=campaign, status="running")
    Snapshot.objects.filter(pk=snap.pk).update(as_of=scored_at)  # demo back-dating, before any chunk reads it
    while services.snapshot_score_chunk(snapshot_id=snap.pk):
        pass
    Snapshot.objects.filter(pk=snap.pk).update(  # demo back-dating
        started_at=scored_at, touched_at=scored_at + timedelta(minutes=1), finished_at=scored_at + timedelta(minutes=1)
    )
    back.to(scored_at)

    # Publication, and the appeal of the company with the yellow card.
    services.campaign_advance(campaign_id=campaign.pk, today=dates["publication_starts"])
    back.to(_at(dates["publication_starts"], 9))
    campaign.refresh_from_db()
    score = Score.objects.select_related("subject__company").get(
        snapshot_id=campaign.snapshot_id, subject__kind=SubjectKind.PROJECT, subject__compound__code=APPEAL_AT
    )
    _appeal(campaign, score, people, admin, dates, back)

    # Final: the lists stand and the red-carded contract is flagged.
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.appeals_end)
    final_at = _at(campaign.appeals_end, 1)
    Campaign.objects.filter(pk=campaign.pk).update(finalised_at=final_at, phase_changed_at=final_at)  # demo back-dating
    back.to(final_at)
    return campaign


def _entries(campaign, people, officers, rng, dates) -> None:
    secretaries = people.secretaries()
    admin = people.get("district")
    indicators = {}
    for template_id in (campaign.project_template_id, campaign.committee_template_id):
        t = Template.objects.prefetch_related("sections__indicators").get(pk=template_id)
        indicators[t.subject_kind] = {i.code: i for s in t.sections.all() for i in s.indicators.all()}
    start = _at(dates["appraisal_starts"], 9)
    subjects = campaign.subjects.select_related("compound", "company", "campaign").order_by("compound__code", "kind")
    project_q, committee_q = _quality(campaign)
    for subject in subjects:
        code = subject.compound.code
        quality = project_q[subject.compound_id] if subject.kind == SubjectKind.PROJECT else committee_q[subject.compound_id]
        by_code = indicators[subject.kind]
        secretary = secretaries.get(subject.compound_id) or admin
        inspector = officers[subject.compound.community_id]
        entered = []
        for ind in by_code.values():
            if ind.source == Source.APPRAISAL:
                points = Decimal(ind.max_points) * Decimal(str(min(1.0, quality / 5 + rng.uniform(-0.08, 0.06))))
                value = (points * 2).quantize(Decimal("1")) / 2  # to half points
                entered.append(services.entry_record(actor=secretary, subject=subject, indicator=ind, value=value))
            elif ind.source == Source.INSPECTION:
                worst = max(0, round((4.8 - quality) * (2 if subject.kind == SubjectKind.PROJECT else 1)))
                defects = rng.randint(max(0, worst - 2), worst)
                note = rng.choice(INSPECTION_NOTES) if defects else ""
                entered.append(services.entry_record(actor=inspector, subject=subject, indicator=ind, value=defects, note=note))
        bonus = BONUS.get(code, []) if subject.kind == SubjectKind.PROJECT else COMMITTEE_BONUS.get(code, [])
        for indicator_code, points in bonus:
            entered.append(services.entry_record(actor=inspector, subject=subject, indicator=by_code[indicator_code], value=points))
        if subject.kind == SubjectKind.PROJECT:
            for (where, note), colour in ((YELLOW_CARD, "card-yellow"), (RED_CARD, "card-red")):
                if code == where:
                    entered.append(services.entry_record(actor=inspector, subject=subject, indicator=by_code[colour], value=1, note=note))
        for entry in entered:
            # Demo back-dating: entered during the appraisal weeks.
            Entry.objects.filter(pk=entry.pk).update(entered_at=start + timedelta(hours=rng.randrange(0, 24 * 20)))


def _appeal(campaign, score, people, admin, dates, back: _Backdate) -> Appeal:
    """Filed by the company's staff contact two days after publication, decided three days later."""
    staff = PropertyStaff.objects.filter(company_id=score.subject.company_id, ended_on__isnull=True, is_contact=True)
    contact = people.cached(staff.select_related("user").order_by("pk").first().user)
    if not services.is_rated_party(contact, score.subject):
        raise RuntimeError(f"{contact} is not staff of {score.subject.company}")
    filed_at = _at(dates["publication_starts"] + timedelta(days=2), 15, 20)
    appeal = services.appeal_file(actor=contact, score=score, reason=APPEAL_REASON, today=filed_at.date())
    Appeal.objects.filter(pk=appeal.pk).update(filed_at=filed_at)  # demo back-dating
    back.to(filed_at)
    services.appeal_decide(actor=admin, appeal=appeal, decision=AppealStatus.ADJUSTED, reason=APPEAL_DECISION, adjustment="3")
    decided_at = _at(dates["publication_starts"] + timedelta(days=5), 10, 30)
    Appeal.objects.filter(pk=appeal.pk).update(decided_at=decided_at)  # demo back-dating
    back.to(decided_at)
    return appeal


def _surveying(subdistrict: Subdistrict, today: date, now: datetime) -> Campaign:
    rng = random.Random(SEED + 1)
    people = _People()
    admin = people.get("xueyuan")
    year, dates = survey_dates(today)
    project_t, committee_t = templates()
    back = _Backdate()
    campaign = services.campaign_open(
        actor=admin, year=year, scope=Scope.SUBDISTRICT, subdistrict=subdistrict,
        title=f"{subdistrict.name}{year}年度红色物业星级评价", project_template=project_t, committee_template=committee_t,
        today=dates["survey_starts"] - timedelta(days=10), **dates,
    )
    opened = _at(dates["survey_starts"] - timedelta(days=10), 10)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=opened)  # demo back-dating
    back.to(opened)
    services.campaign_advance(campaign_id=campaign.pk, today=dates["survey_starts"])
    started = _at(dates["survey_starts"], 8)
    Campaign.objects.filter(pk=campaign.pk).update(phase_changed_at=started)  # demo back-dating
    campaign.refresh_from_db()
    for community_id, officer in sorted(people.officers().items()):
        services.inspector_assign(actor=admin, campaign=campaign, user=officer, community=community_id)
    # `resident`'s household has not answered yet: the demo resident can.
    theirs = Residency.objects.filter(user__username="resident").values_list("household_id", flat=True)
    compound_ids = set(campaign.subjects.values_list("compound_id", flat=True))
    voters = _voters(people, compound_ids, exclude_households=list(theirs))
    answered = _ballots(campaign, voters, rng, share=(0.3, 0.55), window=(started + timedelta(hours=1), now - timedelta(hours=2)))
    # The survey notices stay unread for those who have not answered.
    everyone = set(Notification.objects.filter(pk__gt=back.marks[Notification]).values_list("user_id", flat=True))
    back.to(started, unread_for=everyone - set(answered))
    return campaign
