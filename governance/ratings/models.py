"""Yearly star ratings (红色物业星级评价) of property projects and owners' committees.

- A **template** (versioned; a version used by a campaign never changes, an edit makes the next
  version) has sections of **indicators**, each with its maximum points and a source: a metric of
  the issue system mapped to points by thresholds, a household survey question, a branch appraisal
  item, an inspection item with deductions per defect, a bonus item or a card.
- A **campaign** rates, for one year and one scope (a subdistrict or the district), every
  **subject**: each property contract in force (a "project") and each owners' committee in office.
  Its phases follow dates: survey → appraisal and inspection → scoring → publication (appeals) →
  final. A periodic job moves it (compare-and-set on the phase) and reminds whoever owes input.
- Households answer the survey once each (a unique row per campaign and household); the branch
  secretary, inspectors and admins record **entries** (one per subject and indicator).
- Scoring takes a **snapshot**: every input it used, per subject, stored with the score. The score
  is a pure function of that snapshot (``engine.py``), so scoring it again gives the same bytes,
  and later changes to issues or answers change nothing published.
- **Appeals** during publication are upheld or adjust a score with a reason; scores, entries,
  appeals and campaigns keep their history (django-simple-history) as the audit trail.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from committees.models import Committee, PropertyCompany, PropertyContract
from compounds.models import Compound, District, Household, Subdistrict


class SubjectKind(models.TextChoices):
    PROJECT = "project", _("Property project")
    COMMITTEE = "committee", _("Owners' committee")


def default_star_bands() -> list:
    # [lowest score, stars]: below the first band no star.
    return [[60, 1], [70, 2], [80, 3], [90, 4], [95, 5]]


class Template(models.Model):
    """One version of a rating template. ``code`` groups the versions of one template."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    subject_kind = models.CharField(_("rates"), max_length=16, choices=SubjectKind.choices)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    star_bands = models.JSONField(_("star bands"), default=default_star_bands)
    bonus_cap = models.DecimalField(_("bonus cap (points)"), max_digits=6, decimal_places=2, default=Decimal("15"))
    renew_min_stars = models.PositiveSmallIntegerField(
        _("stars needed for renewal"), default=3, validators=[MaxValueValidator(5)]
    )
    rectify_days = models.PositiveSmallIntegerField(_("days given to rectify"), default=90)
    white_list_stars = models.PositiveSmallIntegerField(
        _("stars for the white list"), default=5, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    black_list_starless_years = models.PositiveSmallIntegerField(
        _("consecutive years without a star for the black list"), default=2, validators=[MinValueValidator(1)]
    )
    # Set when a campaign first uses this version; from then on it never changes.
    frozen_at = models.DateTimeField(_("in use since"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("rating template")
        verbose_name_plural = _("rating templates")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="rating_template_one_per_version")]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


class Source(models.TextChoices):
    METRIC = "metric", _("Issue system figure")
    SURVEY = "survey", _("Household survey question")
    APPRAISAL = "appraisal", _("Branch appraisal")
    INSPECTION = "inspection", _("Inspection checklist")
    BONUS = "bonus", _("Bonus item")
    CARD = "card", _("Card")


# Sources whose value a person enters (one entry per subject and indicator).
ENTERED_SOURCES = (Source.APPRAISAL, Source.INSPECTION, Source.BONUS, Source.CARD)


class Metric(models.TextChoices):
    RESPONSE_RATE = "response_rate", _("Response rate")
    RESOLUTION_RATE = "resolution_rate", _("Resolution rate")
    SATISFACTION_RATE = "satisfaction_rate", _("Satisfaction rate")
    OVERDUE_SHARE = "overdue_share", _("Share of issues resolved late or still overdue")
    REOPEN_SHARE = "reopen_share", _("Share of issues reopened")
    ISSUES_PER_100 = "issues_per_100_households", _("Issues per 100 households")


class CardColour(models.TextChoices):
    YELLOW = "yellow", _("Yellow card")
    RED = "red", _("Red card")


class Section(models.Model):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="sections")
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template_id", "order", "id"]
        verbose_name = _("template section")
        verbose_name_plural = _("template sections")

    def __str__(self):
        return self.name_zh


class Indicator(models.Model):
    """One scored line of a template.

    ``config`` by source (all numbers as strings or numbers; read by ``engine``):
    - metric: ``metric`` (a ``Metric``), ``thresholds`` [[bound, points], …] — the first pair the
      value reaches (≥ bound; ≤ bound where less is better) gives the points, none gives 0 —
      and ``no_data_points`` (when nothing could be measured; default the maximum);
    - survey: ``no_data_points`` (default 0); the points are max × average answer / 5;
    - appraisal, bonus: the entered points (0 … max);
    - inspection: ``per_defect`` (points deducted per defect found) and ``cap`` (the most it can
      deduct, default the maximum); the points are max − min(defects × per_defect, cap);
    - card: ``colour`` (yellow or red) and, for yellow, ``per_card`` (points deducted per card).
    """

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=6, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    config = models.JSONField(_("rule"), default=dict, blank=True)
    guidance = models.CharField(_("guidance for whoever scores it"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["section__order", "order", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name_zh


class Scope(models.TextChoices):
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    DISTRICT = "district", _("District")


class Phase(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SURVEY = "survey", _("Household survey")
    APPRAISAL = "appraisal", _("Appraisal and inspection")
    SCORING = "scoring", _("Scoring")
    PUBLICATION = "publication", _("Publication and appeals")
    FINAL = "final", _("Final")


PHASE_ORDER = [Phase.SCHEDULED, Phase.SURVEY, Phase.APPRAISAL, Phase.SCORING, Phase.PUBLICATION, Phase.FINAL]


class Campaign(models.Model):
    year = models.PositiveSmallIntegerField(_("rated year"), validators=[MinValueValidator(2000)])
    title = models.CharField(_("title"), max_length=120)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    subdistrict = models.ForeignKey(
        Subdistrict, verbose_name=_("subdistrict"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+")
    project_template = models.ForeignKey(
        Template,
        verbose_name=_("template for property projects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    committee_template = models.ForeignKey(
        Template,
        verbose_name=_("template for owners' committees"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    survey_starts = models.DateField(_("survey opens"))
    appraisal_starts = models.DateField(_("appraisal and inspection open"))
    scoring_starts = models.DateField(_("scoring starts"))
    publication_starts = models.DateField(_("results published"))
    appeal_days = models.PositiveSmallIntegerField(
        _("days for appeals"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.SCHEDULED)
    phase_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The snapshot whose scores are (or will be) published.
    snapshot = models.ForeignKey(
        "Snapshot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("rating campaign")
        verbose_name_plural = _("rating campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="district", subdistrict__isnull=True) | Q(scope="subdistrict", subdistrict__isnull=False),
                name="campaign_scope_matches_place",
            ),
            models.CheckConstraint(
                condition=Q(appraisal_starts__gt=models.F("survey_starts"))
                & Q(scoring_starts__gt=models.F("appraisal_starts"))
                & Q(publication_starts__gt=models.F("scoring_starts")),
                name="campaign_phases_ordered",
            ),
            models.CheckConstraint(
                condition=Q(project_template__isnull=False) | Q(committee_template__isnull=False),
                name="campaign_has_a_template",
            ),
            # One campaign per year and place.
            models.UniqueConstraint(fields=["year", "subdistrict"], name="campaign_one_per_subdistrict_year"),
            models.UniqueConstraint(
                fields=["year", "district"], condition=Q(scope="district"), name="campaign_one_per_district_year"
            ),
        ]
        indexes = [models.Index(fields=["phase"], name="campaign_phase_idx")]

    def __str__(self):
        return self.title

    @property
    def appeals_end(self):
        from datetime import timedelta

        return self.publication_starts + timedelta(days=self.appeal_days)

    def phase_due(self, today) -> str:
        """The phase the calendar says the campaign should be in on ``today``."""
        if today >= self.appeals_end:
            return Phase.FINAL
        if today >= self.publication_starts:
            return Phase.PUBLICATION
        if today >= self.scoring_starts:
            return Phase.SCORING
        if today >= self.appraisal_starts:
            return Phase.APPRAISAL
        if today >= self.survey_starts:
            return Phase.SURVEY
        return Phase.SCHEDULED

    @property
    def published(self) -> bool:
        return self.phase in (Phase.PUBLICATION, Phase.FINAL)


class Subject(models.Model):
    """What a campaign rates: a property project (a contract at a compound) or an owners' committee."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField(_("kind"), max_length=16, choices=SubjectKind.choices)
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(PropertyContract, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    company = models.ForeignKey(
        PropertyCompany, verbose_name=_("company"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["compound_id", "kind", "id"]
        verbose_name = _("rated subject")
        verbose_name_plural = _("rated subjects")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contract"], name="subject_one_per_contract"),
            models.UniqueConstraint(fields=["campaign", "committee"], name="subject_one_per_committee"),
            models.CheckConstraint(
                condition=Q(kind="project", contract__isnull=False, company__isnull=False, committee__isnull=True)
                | Q(kind="committee", committee__isnull=False, contract__isnull=True, company__isnull=True),
                name="subject_kind_matches",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "compound"], name="subject_campaign_compound_idx"),
            models.Index(fields=["company", "campaign"], name="subject_company_idx"),
        ]

    def __str__(self):
        if self.kind == SubjectKind.PROJECT:
            return f"{self.company} @ {self.compound}"
        return f"{self.compound} {SubjectKind.COMMITTEE.label}"


class Ballot(models.Model):
    """One household's survey answers; a second ballot of the household is refused by the database."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ballots")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey ballot")
        verbose_name_plural = _("survey ballots")
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="ballot_one_per_household")]
        indexes = [models.Index(fields=["campaign", "compound"], name="ballot_campaign_compound_idx")]

    def __str__(self):
        return f"{self.campaign} · {self.household}"


class Answer(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "indicator"], name="answer_one_per_question"),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="answer_one_to_five"),
        ]

    def __str__(self):
        return f"{self.indicator_id}: {self.value}"


class Entry(models.Model):
    """What a person recorded for one subject and indicator: points (appraisal, bonus), defects
    found (inspection) or cards given (card)."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="entries")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating entry")
        verbose_name_plural = _("rating entries")
        constraints = [models.UniqueConstraint(fields=["subject", "indicator"], name="entry_one_per_indicator")]

    def __str__(self):
        return f"{self.subject} · {self.indicator}: {self.value}"


class SnapshotStatus(models.TextChoices):
    RUNNING = "running", _("Scoring")
    DONE = "done", _("Scored")
    FAILED = "failed", _("Failed")


class Snapshot(models.Model):
    """One scoring run: the inputs it froze and the scores it gave, per subject."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots")
    number = models.PositiveIntegerField(default=1)
    # Issues are counted as of this moment (deadlines passed by then), whenever the chunk runs.
    as_of = models.DateTimeField()
    status = models.CharField(max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Last time a chunk was written: the periodic job re-enqueues a run that stopped moving.
    touched_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["campaign_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="snapshot_number_unique")]

    def __str__(self):
        return f"{self.campaign} #{self.number}"

    @property
    def progress(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


class Recommendation(models.TextChoices):
    RENEW = "renew", _("Renew")
    RECTIFY = "rectify", _("Rectify by a deadline")
    DO_NOT_RENEW = "do_not_renew", _("Do not renew")


class Listing(models.TextChoices):
    NONE = "", _("Neither list")
    WHITE = "white", _("White list")
    BLACK = "black", _("Black list")


class Score(models.Model):
    """A subject's result in one snapshot. ``inputs`` and ``breakdown`` are canonical JSON text
    (sorted keys, fixed decimals), so equal results are equal bytes."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="scores")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="scores")
    inputs = models.TextField()
    breakdown = models.TextField()
    digest = models.CharField(max_length=64)
    computed = models.DecimalField(_("score as computed"), max_digits=7, decimal_places=2)
    # An appeal decided with an adjustment moves the final score; both stay visible.
    adjustment = models.DecimalField(_("adjustment"), max_digits=7, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    stars = models.PositiveSmallIntegerField(_("stars"), default=0)
    red_card = models.BooleanField(_("red card"), default=False)
    recommendation = models.CharField(_("recommendation"), max_length=16, choices=Recommendation.choices)
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    rule = models.CharField(_("rule applied"), max_length=300)
    listing = models.CharField(_("list"), max_length=8, choices=Listing.choices, blank=True, default="")
    listing_reason = models.CharField(_("why on the list"), max_length=300, blank=True)
    history = HistoricalRecords(excluded_fields=["inputs", "breakdown"])

    class Meta:
        ordering = ["-total", "subject_id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["snapshot", "subject"], name="score_one_per_subject")]
        indexes = [models.Index(fields=["snapshot", "-total"], name="score_snapshot_total_idx")]

    def __str__(self):
        return f"{self.subject}: {self.total}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    UPHELD = "upheld", _("Score upheld")
    ADJUSTED = "adjusted", _("Score adjusted")


class Appeal(models.Model):
    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="appeals")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("reason"), max_length=4000)
    status = models.CharField(_("status"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    adjustment = models.DecimalField(_("adjustment (points)"), max_digits=7, decimal_places=2, default=Decimal("0"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            # One open appeal per score at a time.
            models.UniqueConstraint(fields=["score"], condition=Q(status="pending"), name="appeal_one_pending"),
        ]

    def __str__(self):
        return f"{self.score} · {self.get_status_display()}"


def appeal_upload_to(instance, filename):
    import secrets

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"ratings/appeals/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=appeal_upload_to)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    def __str__(self):
        return self.name


class ReminderKind(models.TextChoices):
    SURVEY = "survey", _("Survey not answered")
    APPRAISAL = "appraisal", _("Appraisal not entered")
    INSPECTION = "inspection", _("Inspection not scored")


class Reminder(models.Model):
    """A reminder sent: one per campaign, person, kind and phase, so the job can run twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user", "kind"], name="rating_reminder_once"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.user_id} · {self.kind}"
