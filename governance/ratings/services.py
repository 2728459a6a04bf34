"""Every write of the yearly ratings: templates and their versions, campaigns and their phases,
the household survey, appraisal and inspection entries, scoring in chunks, appeals, publication
and the final lists.

Idempotence lives in the database: a phase moves by compare-and-set on the phase, a reminder is a
unique row per (campaign, person, kind) written in the transaction of its notification, a score is
a unique row per (snapshot, subject), and a household's ballot a unique row per campaign.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import BodyKind, Committee, ContractStatus, PropertyContract, PropertyStaff, Seat
from committees.services import contract_flag_renewal
from compounds.models import Compound, Household, Residency, ResidencyStatus, RoleAssignment
from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.accounts.services import notification_send

from . import notifications as kinds
from . import scoring
from .models import (
    ENTERED_SOURCES,
    PHASE_ORDER,
    Answer,
    Appeal,
    AppealAttachment,
    AppealStatus,
    Ballot,
    Campaign,
    Entry,
    Indicator,
    Phase,
    Reminder,
    ReminderKind,
    Scope,
    Score,
    Section,
    Snapshot,
    SnapshotStatus,
    Source,
    Subject,
    SubjectKind,
    Template,
)

CHUNK_SIZE = 500
# A scoring run whose last chunk is older than this is re-enqueued by the periodic job.
STALLED_AFTER = timedelta(minutes=10)
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


# --- who may ----------------------------------------------------------------------------------


def can_administer(user, campaign: Campaign) -> bool:
    """System admins; the district's admins; the subdistrict's admins for a subdistrict campaign."""
    if not getattr(user, "is_authenticated", False):
        return False
    s = scopes_for(user)
    if s.system_admin or campaign.district_id in s.districts:
        return True
    return campaign.scope == Scope.SUBDISTRICT and campaign.subdistrict_id in s.subdistricts


def can_open(user, *, scope: str, subdistrict=None, district=None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    s = scopes_for(user)
    if s.system_admin:
        return True
    if scope == Scope.DISTRICT:
        return district is not None and district.pk in s.districts
    return subdistrict is not None and (subdistrict.pk in s.subdistricts or subdistrict.district_id in s.districts)


def manages_subject(user, subject: Subject) -> bool:
    """Admins of the campaign and the officers of the subject's community."""
    if can_administer(user, subject.campaign):
        return True
    return subject.compound.community_id in scopes_for(user).communities


def is_secretary_of(user, compound_id: int) -> bool:
    return Role.BRANCH_SECRETARY in scopes_for(user).compound_roles.get(compound_id, set())


def can_enter(user, subject: Subject, indicator: Indicator) -> bool:
    """Appraisal items: the compound's branch secretary (and admins). Inspection items, bonus items
    and cards: the subject's inspector, the community's officers and the campaign's admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if indicator.source == Source.APPRAISAL:
        return is_secretary_of(user, subject.compound_id) or can_administer(user, subject.campaign)
    if indicator.source in (Source.INSPECTION, Source.BONUS, Source.CARD):
        return subject.inspector_id == user.pk or manages_subject(user, subject)
    return False


def is_rated_party(user, subject: Subject) -> bool:
    """The company's staff (for a project) or the committee's seat holders (for a committee)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if subject.kind == SubjectKind.PROJECT:
        return PropertyStaff.objects.filter(company_id=subject.company_id, user=user, ended_on__isnull=True).exists()
    return Seat.objects.filter(committee_id=subject.committee_id, user=user, ended_on__isnull=True).exists()


# --- templates --------------------------------------------------------------------------------


def _require_template_admin(actor) -> None:
    s = scopes_for(actor)
    if not (s.system_admin or s.districts or s.subdistricts):
        raise PermissionDenied


@transaction.atomic
def template_new_version(*, actor, template: Template) -> Template:
    """Copy a template into its next version, which is editable until a campaign uses it."""
    _require_template_admin(actor)
    latest = Template.objects.filter(code=template.code).aggregate(v=Max("version"))["v"] or 0
    copy = Template.objects.create(
        code=template.code,
        version=latest + 1,
        subject_kind=template.subject_kind,
        name=template.name,
        description=template.description,
        star_bands=template.star_bands,
        bonus_cap=template.bonus_cap,
        renew_min_stars=template.renew_min_stars,
        rectify_days=template.rectify_days,
        white_list_stars=template.white_list_stars,
        black_list_starless_years=template.black_list_starless_years,
        created_by=actor,
    )
    for section in template.sections.prefetch_related("indicators"):
        new_section = Section.objects.create(template=copy, name_zh=section.name_zh, name_en=section.name_en, order=section.order)
        Indicator.objects.bulk_create(
            [
                Indicator(
                    section=new_section,
                    code=ind.code,
                    name_zh=ind.name_zh,
                    name_en=ind.name_en,
                    source=ind.source,
                    max_points=ind.max_points,
                    config=ind.config,
                    guidance=ind.guidance,
                    order=ind.order,
                )
                for ind in section.indicators.all()
            ]
        )
    return copy


def _parse_bands(value) -> list:
    try:
        bands = sorted([[float(Decimal(str(low))), int(stars)] for low, stars in value])
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationError({"star_bands": _("Give each band as a lowest score and a number of stars.")}) from None
    stars = [b[1] for b in bands]
    if not bands or stars != sorted(stars) or len(set(stars)) != len(stars) or not all(1 <= n <= 5 for n in stars):
        raise ValidationError({"star_bands": _("Stars must rise from 1 to at most 5 as the lowest score rises.")})
    if not all(0 <= b[0] <= 200 for b in bands):
        raise ValidationError({"star_bands": _("Band scores must be between 0 and 200.")})
    return bands


@transaction.atomic
def template_update(*, actor, template: Template, **fields) -> Template:
    """Change a version not yet used. A used version never changes: make a new version instead."""
    _require_template_admin(actor)
    locked = Template.objects.select_for_update().get(pk=template.pk)
    if locked.frozen:
        raise ValidationError(_("This version is used by a campaign and can no longer change; make a new version."))
    allowed = {"name", "description", "star_bands", "bonus_cap", "renew_min_stars", "rectify_days", "white_list_stars", "black_list_starless_years"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(name)
        if name == "star_bands":
            value = _parse_bands(value)
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    return locked


def _validate_config(source: str, max_points: Decimal, config: dict) -> dict:
    config = dict(config or {})
    if source == Source.METRIC:
        from .models import Metric

        if config.get("metric") not in Metric.values:
            raise ValidationError({"config": _("Choose which figure of the issue system this indicator uses.")})
        try:
            pairs = [[float(Decimal(str(b))), float(Decimal(str(p)))] for b, p in config.get("thresholds", [])]
        except (TypeError, ValueError, InvalidOperation):
            raise ValidationError({"config": _("Give each threshold as a value and the points it earns.")}) from None
        if any(p < 0 or p > float(max_points) for _b, p in pairs):
            raise ValidationError({"config": _("A threshold cannot earn more than the indicator's maximum.")})
        config["thresholds"] = pairs
    if source == Source.INSPECTION:
        try:
            if Decimal(str(config.get("per_defect", 1))) < 0:
                raise ValidationError({"config": _("The deduction per defect cannot be negative.")})
        except InvalidOperation:
            raise ValidationError({"config": _("The deduction per defect must be a number.")}) from None
    if source == Source.CARD and config.get("colour") not in ("yellow", "red"):
        raise ValidationError({"config": _("A card is yellow or red.")})
    return config


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, max_points, config: dict, guidance: str = "") -> Indicator:
    _require_template_admin(actor)
    template = Template.objects.select_for_update().get(pk=indicator.section.template_id)
    if template.frozen:
        raise ValidationError(_("This version is used by a campaign and can no longer change; make a new version."))
    try:
        max_points = Decimal(str(max_points))
    except InvalidOperation:
        raise ValidationError({"max_points": _("Enter a number.")}) from None
    indicator.max_points = max_points
    indicator.config = _validate_config(indicator.source, max_points, config)
    indicator.guidance = guidance
    indicator.full_clean()
    indicator.save()
    return indicator


# --- campaigns ----------------------------------------------------------------------------------


def _scope_compounds(campaign: Campaign):
    if campaign.scope == Scope.DISTRICT:
        return Compound.objects.filter(community__subdistrict__district_id=campaign.district_id)
    return Compound.objects.filter(community__subdistrict_id=campaign.subdistrict_id)


def _enrol(campaign: Campaign, on: date) -> int:
    """Create a subject for every contract in force and every owners' committee in office."""
    compounds = _scope_compounds(campaign)
    subjects = []
    if campaign.project_template_id:
        for contract in PropertyContract.objects.filter(compound__in=compounds, status=ContractStatus.ACTIVE).only(
            "pk", "compound_id", "company_id"
        ):
            subjects.append(
                Subject(campaign=campaign, kind=SubjectKind.PROJECT, compound_id=contract.compound_id, contract=contract, company_id=contract.company_id)
            )
    if campaign.committee_template_id:
        committees = Committee.objects.filter(
            compound__in=compounds,
            kind=BodyKind.OWNERS_COMMITTEE,
            dissolved_on__isnull=True,
            term_start__lte=on,
            term_end__gte=on,
        ).only("pk", "compound_id")
        for committee in committees:
            subjects.append(Subject(campaign=campaign, kind=SubjectKind.COMMITTEE, compound_id=committee.compound_id, committee=committee))
    Subject.objects.bulk_create(subjects, batch_size=2000, ignore_conflicts=True)
    return len(subjects)


@transaction.atomic
def campaign_open(
    *,
    actor,
    year: int,
    scope: str,
    title: str,
    subdistrict=None,
    district=None,
    project_template: Template | None = None,
    committee_template: Template | None = None,
    survey_starts: date,
    appraisal_starts: date,
    scoring_starts: date,
    publication_starts: date,
    appeal_days: int = 7,
    today: date | None = None,
) -> Campaign:
    """Open a campaign: freeze its templates, enrol every project and committee in scope, and move
    it into the phase its dates say (the periodic job does the rest)."""
    today = today or timezone.localdate()
    if scope == Scope.SUBDISTRICT:
        if subdistrict is None:
            raise ValidationError({"subdistrict": _("Choose the subdistrict to rate.")})
        district = subdistrict.district
    elif district is None:
        raise ValidationError({"district": _("Choose the district to rate.")})
    else:
        subdistrict = None
    if not can_open(actor, scope=scope, subdistrict=subdistrict, district=district):
        raise PermissionDenied
    if project_template is None and committee_template is None:
        raise ValidationError(_("Pick a template for property projects, for owners' committees, or both."))
    for field, template, kind in (
        ("project_template", project_template, SubjectKind.PROJECT),
        ("committee_template", committee_template, SubjectKind.COMMITTEE),
    ):
        if template is not None and template.subject_kind != kind:
            raise ValidationError({field: _("This template rates something else.")})
    if not (survey_starts < appraisal_starts < scoring_starts < publication_starts):
        raise ValidationError(_("The phases must follow each other: survey, appraisal and inspection, scoring, publication."))
    if year > survey_starts.year:
        raise ValidationError({"survey_starts": _("The survey cannot open before the rated year begins.")})
    if year < 2000:
        raise ValidationError({"year": _("Enter the rated year, e.g. %(year)s.") % {"year": today.year - 1}})
    clash = Campaign.objects.filter(year=year)
    clash = clash.filter(subdistrict=subdistrict) if subdistrict else clash.filter(scope=Scope.DISTRICT, district=district)
    if clash.exists():
        raise ValidationError({"year": _("This place already has a campaign for %(year)s.") % {"year": year}})
    campaign = Campaign(
        year=year,
        scope=scope,
        title=(title or "").strip() or _("%(year)s star ratings") % {"year": year},
        subdistrict=subdistrict,
        district=district,
        project_template=project_template,
        committee_template=committee_template,
        survey_starts=survey_starts,
        appraisal_starts=appraisal_starts,
        scoring_starts=scoring_starts,
        publication_starts=publication_starts,
        appeal_days=appeal_days,
        created_by=actor,
    )
    campaign.full_clean(validate_constraints=False)
    campaign.save()
    now = timezone.now()
    Template.objects.filter(
        pk__in=[t.pk for t in (project_template, committee_template) if t is not None], frozen_at__isnull=True
    ).update(frozen_at=now)
    if not _enrol(campaign, survey_starts):
        raise ValidationError(_("There is nothing to rate here: no contract in force and no owners' committee in office."))
    # The first phase may remind every household of a district: that is the worker's job.
    from .tasks import advance_campaign

    advance_campaign.delay_on_commit(campaign.pk)
    return campaign


@transaction.atomic
def inspector_assign(*, actor, campaign: Campaign, user, community=None, subjects=None) -> int:
    """Make a person the inspector of the campaign's subjects (all, of a community, or listed)."""
    if not can_administer(actor, campaign):
        raise PermissionDenied
    if campaign.phase in (Phase.SCORING, Phase.PUBLICATION, Phase.FINAL):
        raise ValidationError(_("Inspections are over for this campaign."))
    qs = campaign.subjects.all()
    if community is not None:
        qs = qs.filter(compound__community=community)
    if subjects is not None:
        qs = qs.filter(pk__in=[s.pk for s in subjects])
    return qs.update(inspector=user)


# --- phases -------------------------------------------------------------------------------------


def campaigns_advance(*, today: date | None = None) -> int:
    """The periodic job: move every campaign to the phase its dates say, repair stalled scoring,
    and remind whoever still owes input. Safe to run twice or on two workers at once."""
    moved = 0
    for pk in Campaign.objects.exclude(phase=Phase.FINAL).values_list("pk", flat=True):
        moved += campaign_advance(campaign_id=pk, today=today)
    return moved


def campaign_advance(*, campaign_id: int, today: date | None = None) -> int:
    today = today or timezone.localdate()
    moved = 0
    while True:
        campaign = Campaign.objects.get(pk=campaign_id)
        due = campaign.phase_due(today)
        current = PHASE_ORDER.index(campaign.phase)
        if current >= PHASE_ORDER.index(due):
            break
        nxt = PHASE_ORDER[current + 1]
        if not _may_enter(campaign, nxt):
            break
        with transaction.atomic():
            won = Campaign.objects.filter(pk=campaign.pk, phase=campaign.phase).update(phase=nxt, phase_changed_at=timezone.now())
            if not won:
                continue  # another run moved it; look again
            campaign.phase = nxt
            campaign.save(update_fields=["phase"])  # for the audit trail
            _on_enter(campaign, nxt)
        moved += 1
    campaign = Campaign.objects.get(pk=campaign_id)
    if campaign.phase == Phase.SCORING:
        _repair_scoring(campaign)
    reminders_send(campaign=campaign)
    return moved


def _may_enter(campaign: Campaign, phase: str) -> bool:
    if phase == Phase.PUBLICATION:
        # Publish only a finished scoring run.
        return campaign.snapshot_id is not None and Snapshot.objects.filter(pk=campaign.snapshot_id, status=SnapshotStatus.DONE).exists()
    if phase == Phase.FINAL:
        # Every appeal is decided before the result is final.
        return not Appeal.objects.filter(score__snapshot_id=campaign.snapshot_id, status=AppealStatus.PENDING).exists()
    return True


def _on_enter(campaign: Campaign, phase: str) -> None:
    if phase == Phase.SCORING:
        scoring_start(campaign=campaign, actor=None)
    elif phase == Phase.PUBLICATION:
        _notify_published(campaign)
    elif phase == Phase.FINAL:
        _finalise(campaign)


def _repair_scoring(campaign: Campaign) -> None:
    """Re-enqueue a scoring run whose last chunk is old: a lost task only delays it."""
    stalled = Snapshot.objects.filter(
        campaign=campaign, status=SnapshotStatus.RUNNING, touched_at__lt=timezone.now() - STALLED_AFTER
    ).values_list("pk", flat=True)
    from .tasks import score_chunk

    for pk in stalled:
        Snapshot.objects.filter(pk=pk).update(touched_at=timezone.now())
        score_chunk.delay_on_commit(pk)


# --- reminders ----------------------------------------------------------------------------------


def _owed(campaign: Campaign) -> list[tuple[str, int, dict, str]]:
    """(kind, user id, params, url) for everyone who still owes input in the current phase."""
    out = []
    url = reverse("ratings:detail", args=[campaign.pk])
    if campaign.phase == Phase.SURVEY:
        answered = Ballot.objects.filter(campaign=campaign).values("household_id")
        compounds = campaign.subjects.values("compound_id")
        users = (
            Residency.objects.filter(
                status=ResidencyStatus.VERIFIED, household__building__compound_id__in=compounds
            )
            .exclude(household_id__in=answered)
            .exclude(user_id__in=Reminder.objects.filter(campaign=campaign, kind=ReminderKind.SURVEY).values("user_id"))
            .values_list("user_id", flat=True)
            .distinct()
        )
        survey_url = reverse("ratings:survey", args=[campaign.pk])
        params = {"campaign": campaign.title}
        out += [(ReminderKind.SURVEY, uid, params, survey_url) for uid in users.iterator(chunk_size=5000)]
    elif campaign.phase == Phase.APPRAISAL:
        appraisal_ids = _indicator_ids(campaign, Source.APPRAISAL)
        inspection_ids = _indicator_ids(campaign, Source.INSPECTION)
        missing_appraisal = campaign.subjects.exclude(
            pk__in=Entry.objects.filter(subject__campaign=campaign, indicator_id__in=appraisal_ids)
            .values("subject_id")
            .annotate(n=Count("id"))
            .filter(n__gte=_per_subject_count(campaign, Source.APPRAISAL))
            .values("subject_id")
        )
        secretaries = RoleAssignment.objects.filter(
            role=Role.BRANCH_SECRETARY, ended_at__isnull=True, compound_id__in=missing_appraisal.values("compound_id")
        ).values_list("user_id", flat=True).distinct()
        out += [(ReminderKind.APPRAISAL, uid, {"campaign": campaign.title}, url) for uid in secretaries]
        uninspected = campaign.subjects.filter(inspector__isnull=False).exclude(
            pk__in=Entry.objects.filter(subject__campaign=campaign, indicator_id__in=inspection_ids).values("subject_id")
        )
        inspectors = uninspected.values_list("inspector_id", flat=True).distinct()
        out += [(ReminderKind.INSPECTION, uid, {"campaign": campaign.title}, url) for uid in inspectors]
    return out


def _indicator_ids(campaign: Campaign, source: str) -> list[int]:
    templates = [t for t in (campaign.project_template_id, campaign.committee_template_id) if t]
    return list(Indicator.objects.filter(section__template_id__in=templates, source=source).values_list("pk", flat=True))


def _per_subject_count(campaign: Campaign, source: str) -> int:
    """The fewest items of a source any of the campaign's templates has (≥ 1)."""
    counts = [
        Indicator.objects.filter(section__template_id=t, source=source).count()
        for t in (campaign.project_template_id, campaign.committee_template_id)
        if t
    ]
    return max(min(counts or [1]), 1)


REMINDER_NOTIFICATION = {
    ReminderKind.SURVEY: kinds.SURVEY_OPEN,
    ReminderKind.APPRAISAL: kinds.APPRAISAL_DUE,
    ReminderKind.INSPECTION: kinds.INSPECTION_DUE,
}


def reminders_send(*, campaign: Campaign, batch: int = 1000) -> int:
    """Remind each person who owes input, once per campaign and kind: the Reminder row and the
    in-app notification are one transaction, and the row is unique, so a second run (or one
    running at the same moment) sends nothing more. Works in batches: a district's survey may
    owe reminders to a million residents."""
    from django.contrib.auth import get_user_model

    sent = 0
    owed = _owed(campaign)
    for start in range(0, len(owed), batch):
        part = owed[start : start + batch]
        done = set(
            Reminder.objects.filter(campaign=campaign, user_id__in=[uid for _k, uid, _p, _u in part]).values_list("kind", "user_id")
        )
        todo = [row for row in part if (row[0], row[1]) not in done]
        if not todo:
            continue
        users = get_user_model().objects.in_bulk({uid for _k, uid, _p, _u in todo})
        for kind, uid, params, url in todo:
            if uid not in users:
                continue
            try:
                with transaction.atomic():
                    Reminder.objects.create(campaign=campaign, user_id=uid, kind=kind)
                    notification_send(user=users[uid], kind=REMINDER_NOTIFICATION[kind], params=params, url=url)
            except IntegrityError:
                continue
            sent += 1
    return sent


# --- the survey --------------------------------------------------------------------------------


def survey_questions(campaign: Campaign, compound_id: int) -> list[Indicator]:
    """The survey questions a household of the compound answers: those of the templates of the
    subjects rated there."""
    kinds_here = set(campaign.subjects.filter(compound_id=compound_id).values_list("kind", flat=True))
    templates = []
    if SubjectKind.PROJECT in kinds_here and campaign.project_template_id:
        templates.append(campaign.project_template_id)
    if SubjectKind.COMMITTEE in kinds_here and campaign.committee_template_id:
        templates.append(campaign.committee_template_id)
    return list(
        Indicator.objects.filter(section__template_id__in=templates, source=Source.SURVEY)
        .select_related("section__template")
        .order_by("section__template__subject_kind", "section__order", "order", "pk")
    )


def survey_households(user, campaign: Campaign) -> list[Household]:
    """The caller's verified households in the campaign's rated compounds."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Household.objects.filter(
            residencies__user=user,
            residencies__status=ResidencyStatus.VERIFIED,
            building__compound_id__in=campaign.subjects.values("compound_id"),
        )
        .select_related("building__compound")
        .distinct()
        .order_by("building__compound_id", "pk")
    )


def survey_submit(*, actor, campaign: Campaign, household: Household, answers: dict) -> Ballot:
    """One ballot per household: a second one (even at the same moment) is refused."""
    if campaign.phase != Phase.SURVEY:
        raise ValidationError(_("The survey of this campaign is not open."))
    if household not in survey_households(actor, campaign):
        raise PermissionDenied
    compound_id = household.building.compound_id
    questions = survey_questions(campaign, compound_id)
    values = {}
    for question in questions:
        raw = answers.get(question.pk, answers.get(str(question.pk)))
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({f"q{question.pk}": _("Answer this question (1 to 5).")}) from None
        if not 1 <= value <= 5:
            raise ValidationError({f"q{question.pk}": _("Answer with 1 (very poor) to 5 (very good).")})
        values[question.pk] = value
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(campaign=campaign, household=household, compound_id=compound_id, submitted_by=actor)
            Answer.objects.bulk_create([Answer(ballot=ballot, indicator_id=pk, value=v) for pk, v in values.items()])
    except IntegrityError:
        raise ValidationError(_("Your household has already answered this survey; one answer per household.")) from None
    return ballot


def survey_response(campaign: Campaign, *, within: Q | None = None) -> list[dict]:
    """Per rated compound: households, ballots and the response rate (officers' running figure)."""
    compounds = Compound.objects.filter(pk__in=campaign.subjects.values("compound_id"))
    if within is not None:
        compounds = compounds.filter(within)
    households = dict(
        Household.objects.filter(building__compound__in=compounds)
        .values("building__compound_id")
        .annotate(n=Count("id"))
        .values_list("building__compound_id", "n")
    )
    ballots = dict(
        Ballot.objects.filter(campaign=campaign, compound__in=compounds).values("compound_id").annotate(n=Count("id")).values_list("compound_id", "n")
    )
    rows = []
    for compound in compounds.select_related("community").order_by("community__name", "name"):
        n, b = households.get(compound.pk, 0), ballots.get(compound.pk, 0)
        rows.append({"compound": compound, "households": n, "ballots": b, "rate": (b / n) if n else None})
    return rows


# --- entries ------------------------------------------------------------------------------------

# The most defects or cards one entry records, and the largest adjustment an appeal may make.
MAX_COUNT = 999
MAX_ADJUSTMENT = Decimal("100")


def _points(raw, *, field: str) -> Decimal:
    """A finite number with at most two decimals (what the columns hold), or a ValidationError."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not value.is_finite() or abs(value) >= 10000:
        raise ValidationError({field: _("Enter a number.")})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Use at most two decimals.")})
    return value.quantize(Decimal("0.01"))



@transaction.atomic
def entry_record(*, actor, subject: Subject, indicator: Indicator, value, note: str = "") -> Entry:
    """Record (or correct) the points, defects or cards of one indicator for one subject."""
    campaign = subject.campaign
    if campaign.phase != Phase.APPRAISAL:
        raise ValidationError(_("Appraisals and inspections are entered during their phase only."))
    template_id = campaign.project_template_id if subject.kind == SubjectKind.PROJECT else campaign.committee_template_id
    if indicator.section.template_id != template_id or indicator.source not in ENTERED_SOURCES:
        raise ValidationError(_("This item is not entered for this subject."))
    if not can_enter(actor, subject, indicator):
        raise PermissionDenied
    value = _points(value, field="value")
    if value < 0:
        raise ValidationError({"value": _("Enter zero or more.")})
    if indicator.source in (Source.INSPECTION, Source.CARD) and value > MAX_COUNT:
        raise ValidationError({"value": _("At most %(max)s.") % {"max": MAX_COUNT}})
    if indicator.source in (Source.APPRAISAL, Source.BONUS) and value > indicator.max_points:
        raise ValidationError({"value": _("At most %(max)s points.") % {"max": indicator.max_points}})
    if indicator.source in (Source.INSPECTION, Source.CARD) and value != value.to_integral_value():
        raise ValidationError({"value": _("Enter a whole number.")})
    if indicator.source == Source.CARD and indicator.config.get("colour") == "red" and value > 1:
        raise ValidationError({"value": _("A red card is given once (1) or not at all (0).")})
    note = (note or "").strip()
    if indicator.source in (Source.CARD,) and value and not note:
        raise ValidationError({"note": _("Say why the card is given.")})
    entry, _created = Entry.objects.update_or_create(
        subject=subject,
        indicator=indicator,
        defaults={"value": value, "note": note[:300], "entered_by": actor, "entered_at": timezone.now()},
    )
    return entry


# --- scoring ------------------------------------------------------------------------------------


def scoring_start(*, campaign: Campaign, actor=None) -> Snapshot:
    """Start a scoring run (a new snapshot) and enqueue its first chunk after commit. An admin may
    score again during the scoring phase (e.g. after a correction); publication uses the last."""
    if actor is not None:
        if not can_administer(actor, campaign):
            raise PermissionDenied
        if campaign.phase != Phase.SCORING:
            raise ValidationError(_("Scores are computed during the scoring phase."))
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        running = Snapshot.objects.filter(campaign=campaign, status=SnapshotStatus.RUNNING).first()
        if running is not None:
            return running
        number = (Snapshot.objects.filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0) + 1
        snap = Snapshot.objects.create(
            campaign=campaign, number=number, as_of=timezone.now(), total=campaign.subjects.count(), started_by=actor
        )
        Campaign.objects.filter(pk=campaign.pk).update(snapshot=snap)
        campaign.snapshot = snap
        from .tasks import score_chunk

        score_chunk.delay_on_commit(snap.pk)
    return snap


def snapshot_score_chunk(*, snapshot_id: int, size: int | None = None) -> bool:
    """Score the next ``size`` subjects of a run that have no score yet; True while more remain.
    Scores are unique per (snapshot, subject), so a chunk done twice writes nothing twice."""
    size = size or getattr(settings, "RATINGS_CHUNK_SIZE", CHUNK_SIZE)
    snap = Snapshot.objects.select_related("campaign").get(pk=snapshot_id)
    if snap.status != SnapshotStatus.RUNNING:
        return False
    subjects = list(
        snap.campaign.subjects.exclude(pk__in=Score.objects.filter(snapshot=snap).values("subject_id"))
        .select_related("compound")
        .order_by("pk")[:size]
    )
    if subjects:
        try:
            rows = scoring.score_subjects(snap, subjects)
        except Exception as exc:
            # A template or input the rules cannot score: stop the run and say why on the
            # campaign's page; an admin corrects it and scores again (a new snapshot).
            Snapshot.objects.filter(pk=snap.pk, status=SnapshotStatus.RUNNING).update(
                status=SnapshotStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
            )
            raise
        Score.objects.bulk_create(rows, ignore_conflicts=True)
    done = Score.objects.filter(snapshot=snap).count()
    Snapshot.objects.filter(pk=snap.pk).update(done=done, touched_at=timezone.now())
    if done >= snap.total:
        finished = Snapshot.objects.filter(pk=snap.pk, status=SnapshotStatus.RUNNING).update(
            status=SnapshotStatus.DONE, finished_at=timezone.now(), done=done
        )
        if finished:
            from .tasks import advance_campaign

            advance_campaign.delay_on_commit(snap.campaign_id)
        return False
    return True


def snapshot_rescore(*, snap: Snapshot) -> list[int]:
    """Score every subject of a run again from its stored inputs; the subject ids whose bytes differ."""
    return scoring.rescore(snap)


# --- publication, appeals, final ----------------------------------------------------------------


def _notify_published(campaign: Campaign) -> None:
    """Tell each rated party its results: one notification per person and campaign (a company's
    staff contact may serve hundreds of compounds), linking the one result or the campaign's list."""
    scores = Score.objects.filter(snapshot_id=campaign.snapshot_id).values_list("pk", "subject__kind", "subject__company_id", "subject__committee_id", "stars", "total")
    by_company: dict[int, list] = {}
    by_committee: dict[int, list] = {}
    for pk, kind, company_id, committee_id, stars, total in scores.iterator(chunk_size=2000):
        row = (pk, stars, total)
        if kind == SubjectKind.PROJECT:
            by_company.setdefault(company_id, []).append(row)
        else:
            by_committee.setdefault(committee_id, []).append(row)
    people: dict[int, list] = {}
    for company_id, user_id in PropertyStaff.objects.filter(company_id__in=by_company, ended_on__isnull=True).values_list("company_id", "user_id"):
        people.setdefault(user_id, []).extend(by_company[company_id])
    for committee_id, user_id in Seat.objects.filter(committee_id__in=by_committee, ended_on__isnull=True).values_list("committee_id", "user_id"):
        people.setdefault(user_id, []).extend(by_committee[committee_id])
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(list(people))
    for user_id, rows in people.items():
        if len(rows) == 1:
            pk, stars, total = rows[0]
            params = {"campaign": campaign.title, "results": 1, "stars": stars, "score": str(total)}
            url = reverse("ratings:score", args=[pk])
        else:
            params = {"campaign": campaign.title, "results": len(rows), "stars": "", "score": ""}
            url = reverse("ratings:list")
        notification_send(user=users[user_id], kind=kinds.RESULT_PUBLISHED, params=params, url=url)


def _finalise(campaign: Campaign) -> None:
    """Flag the contracts recommended not to renew and tell the compounds' officers."""
    Campaign.objects.filter(pk=campaign.pk).update(finalised_at=timezone.now())
    scores = Score.objects.filter(
        snapshot_id=campaign.snapshot_id, subject__kind=SubjectKind.PROJECT, recommendation="do_not_renew"
    ).select_related("subject__contract", "subject__compound", "subject__company")
    for score in scores.iterator(chunk_size=500):
        contract = score.subject.contract
        note = _("%(campaign)s: %(score)s points, %(stars)s stars — do not renew.") % {
            "campaign": campaign.title,
            "score": score.total,
            "stars": score.stars,
        }
        if contract.status == ContractStatus.ACTIVE and contract_flag_renewal(contract=contract, flag="do_not_renew", note=note):
            officers = RoleAssignment.objects.filter(
                role=Role.COMMUNITY_OFFICER, ended_at__isnull=True, community_id=score.subject.compound.community_id
            ).select_related("user")
            for assignment in officers:
                notification_send(
                    user=assignment.user,
                    kind=kinds.CONTRACT_FLAGGED,
                    params={"compound": score.subject.compound.name, "company": score.subject.company.name, "campaign": campaign.title},
                    url=reverse("ratings:score", args=[score.pk]),
                )


def appeal_file(*, actor, score: Score, reason: str, files=(), today: date | None = None) -> Appeal:
    campaign = score.snapshot.campaign
    if not is_rated_party(actor, score.subject):
        raise PermissionDenied
    if campaign.phase != Phase.PUBLICATION or score.snapshot_id != campaign.snapshot_id:
        raise ValidationError(_("Appeals are accepted only while the result is published for appeals."))
    if (today or timezone.localdate()) >= campaign.appeals_end:
        raise ValidationError(_("The appeal period ended on %(date)s.") % {"date": campaign.appeals_end - timedelta(days=1)})
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say what you dispute and why (at least 10 characters).")})
    if len(reason) > 4000:
        raise ValidationError({"reason": _("At most 4,000 characters.")})
    files = list(files or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"files": _("At most %(n)s files.") % {"n": MAX_ATTACHMENTS}})
    checked = [_check_attachment(f) for f in files]
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(score=score, filed_by=actor, reason=reason)
            for upload, content_type, name in checked:
                AppealAttachment.objects.create(appeal=appeal, file=upload, name=name, content_type=content_type, size=upload.size)
    except IntegrityError:
        raise ValidationError(_("An appeal of this result is already waiting for a decision.")) from None
    admins = _campaign_admins(campaign)
    for user in admins:
        notification_send(
            user=user, kind=kinds.APPEAL_FILED, params={"campaign": campaign.title, "subject": str(score.subject)},
            url=reverse("ratings:score", args=[score.pk]),
        )
    return appeal


def _check_attachment(upload):
    """PDF, JPEG or PNG, by content; at most 10 MB. Images are re-encoded (drops EXIF/GPS)."""
    name = (getattr(upload, "name", "") or "file")[:200]
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"files": _("%(name)s is larger than 10 MB.") % {"name": name}})
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return upload, "application/pdf", name
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        from governance.issues.images import clean_image

        return clean_image(upload), "image/jpeg", name
    raise ValidationError({"files": _("%(name)s is not a PDF, JPEG or PNG file.") % {"name": name}})


def _campaign_admins(campaign: Campaign) -> list:
    q = Q(role=Role.DISTRICT_ADMIN, district_id=campaign.district_id)
    if campaign.subdistrict_id:
        q |= Q(role=Role.SUBDISTRICT_ADMIN, subdistrict_id=campaign.subdistrict_id)
    return [a.user for a in RoleAssignment.objects.filter(q, ended_at__isnull=True).select_related("user")]


@transaction.atomic
def appeal_decide(*, actor, appeal: Appeal, decision: str, reason: str, adjustment=0) -> Appeal:
    """Uphold the score, or adjust it by some points; the new stars, recommendation and list
    follow the template's rules. The score's and the appeal's history keep every change."""
    score = Score.objects.select_for_update().select_related("snapshot__campaign", "subject").get(pk=appeal.score_id)
    campaign = score.snapshot.campaign
    if not can_administer(actor, campaign):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decision_reason": _("Give the reason for the decision; it is shown to the appellant.")})
    if decision not in (AppealStatus.UPHELD, AppealStatus.ADJUSTED):
        raise ValidationError({"decision": _("Uphold or adjust.")})
    try:
        adjustment = _points(adjustment or 0, field="adjustment")
    except ValidationError:
        raise ValidationError({"adjustment": _("Enter a number of points with at most two decimals, e.g. 2.5 or -1.")}) from None
    if abs(adjustment) > MAX_ADJUSTMENT:
        raise ValidationError({"adjustment": _("An adjustment is at most %(max)s points either way.") % {"max": MAX_ADJUSTMENT}})
    if decision == AppealStatus.ADJUSTED and not adjustment:
        raise ValidationError({"adjustment": _("An adjustment changes the score by some points.")})
    if decision == AppealStatus.UPHELD:
        adjustment = Decimal("0")
    won = Appeal.objects.filter(pk=appeal.pk, status=AppealStatus.PENDING).update(
        status=decision, decided_by=actor, decided_at=timezone.now(), decision_reason=reason[:4000], adjustment=adjustment
    )
    if not won:
        raise ValidationError(_("This appeal has already been decided."))
    appeal.refresh_from_db()
    appeal.save(update_fields=["status"])  # for the audit trail
    if adjustment:
        scoring.apply_adjustment(score, adjustment)
    for user in [appeal.filed_by]:
        notification_send(
            user=user,
            kind=kinds.APPEAL_DECIDED,
            params={"campaign": campaign.title, "subject": str(score.subject), "decision": decision},
            url=reverse("ratings:score", args=[score.pk]),
        )
    return appeal


def phase_dates(campaign: Campaign) -> list[tuple[str, date | None]]:
    return [
        (Phase.SURVEY, campaign.survey_starts),
        (Phase.APPRAISAL, campaign.appraisal_starts),
        (Phase.SCORING, campaign.scoring_starts),
        (Phase.PUBLICATION, campaign.publication_starts),
        (Phase.FINAL, campaign.appeals_end),
    ]

