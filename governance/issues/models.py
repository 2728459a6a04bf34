"""The resident issue loop (点单 → 派单 → 接单 → 办结 → 评单): categories, issues, their timeline,
photos, ratings, escalation, department summons, and Open311 client applications.

The issue carries its place (compound, community, subdistrict: copied at filing so that rates and
lists for any level are one indexed filter on the issue table) and its current handler (one kind
plus the foreign key of that kind). Its state moves only through ``services`` and ``states``.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, PropertyCompany
from compounds.models import Building, Community, Compound, Department, Household, Subdistrict
from governance.party.models import PartyBranch, PartyMember, ResponsibilityZone

from .states import STATE_COLOURS, Action, State

DESCRIPTION_MAX = 4000
PHOTOS_MAX = 6


class CategoryGroup(models.TextChoices):
    PARKING = "parking", _("Parking")
    SECURITY = "security", _("Security")
    SANITATION = "sanitation", _("Sanitation")
    NEIGHBOURS = "neighbours", _("Neighbours")
    ELEVATOR = "elevator", _("Elevator")
    UTILITIES = "utilities", _("Water, power, gas and heating")
    ILLEGAL_CONSTRUCTION = "illegal_construction", _("Illegal construction")
    CHARGING = "charging", _("Charging")
    DRAINAGE = "drainage", _("Drainage")
    GREENING = "greening", _("Greening")
    NOISE = "noise", _("Noise")
    PROPERTY_SERVICE = "property_service", _("Property service")
    OTHER = "other", _("Other")


class HandlerKind(models.TextChoices):
    BRANCH = "branch", _("Party branch")
    MEMBER = "member", _("Party member")
    PROPERTY = "property", _("Property company")
    COMMITTEE = "committee", _("Owners' committee")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    DEPARTMENT = "department", _("Department")


# Who a category may name as its first handler ("branch" routes to the zone's member, else the branch).
DEFAULT_HANDLER_KINDS = [HandlerKind.BRANCH, HandlerKind.PROPERTY, HandlerKind.COMMITTEE, HandlerKind.COMMUNITY]


class Priority(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    UTILITIES = "utilities", _("Utilities")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


# Default deadlines per priority, in hours: (response, resolution). Resolution follows Beijing's
# 12345 rules (DOMAIN.md): emergency 2 h, water/power/gas/heating 24 h, general 7 days, complex 15.
PRIORITY_DEADLINES = {
    Priority.EMERGENCY: (1, 2),
    Priority.UTILITIES: (4, 24),
    Priority.GENERAL: (24, 7 * 24),
    Priority.COMPLEX: (48, 15 * 24),
}


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Stable; Open311 service_code."))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    group = models.CharField(_("group"), max_length=24, choices=CategoryGroup.choices)
    default_handler = models.CharField(
        _("default handler"),
        max_length=16,
        choices=[(k.value, k.label) for k in DEFAULT_HANDLER_KINDS],
        default=HandlerKind.BRANCH,
        help_text=_("Where a new issue goes first. The branch routes to the member of the zone covering it."),
    )
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, default=Priority.GENERAL)
    response_hours = models.PositiveIntegerField(
        _("response deadline (hours)"), validators=[MinValueValidator(1)], help_text=_("Time to acknowledge.")
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolution deadline (hours)"), validators=[MinValueValidator(1)], help_text=_("Time to resolve.")
    )
    reopen_allowed = models.BooleanField(_("residents may reopen"), default=True)
    private_by_default = models.BooleanField(
        _("private by default"), default=False, help_text=_("Kept off the compound's public list.")
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("issue category")
        verbose_name_plural = _("issue categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution_hours__gte=models.F("response_hours")),
                name="category_resolution_after_response",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "zh-hans").startswith("en") else self.name_zh


class IssuePolicy(models.Model):
    """The loop's settings an admin may change (one row, pk 1; defaults from DOMAIN.md)."""

    rating_window_days = models.PositiveSmallIntegerField(
        _("days to rate or reopen"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Resolved issues not rated within this time close automatically."),
    )
    escalation_hours = models.PositiveIntegerField(
        _("hours for each escalation level"),
        default=48,
        validators=[MinValueValidator(1)],
        help_text=_("After escalating, the new level has this long to act before the next escalation."),
    )
    summons_response_hours = models.PositiveIntegerField(_("department response deadline (hours)"), default=24)
    summons_resolution_hours = models.PositiveIntegerField(_("department resolution deadline (hours)"), default=5 * 24)
    weight_response = models.DecimalField(
        _("weight of the response rate"), max_digits=4, decimal_places=3, default=Decimal("0.1")
    )
    weight_resolution = models.DecimalField(
        _("weight of the resolution rate"), max_digits=4, decimal_places=3, default=Decimal("0.5")
    )
    weight_satisfaction = models.DecimalField(
        _("weight of the satisfaction rate"), max_digits=4, decimal_places=3, default=Decimal("0.4")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("issue policy")
        verbose_name_plural = _("issue policy")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="issue_policy_single_row"),
            models.CheckConstraint(
                condition=Q(weight_response__gte=0, weight_resolution__gte=0, weight_satisfaction__gte=0),
                name="issue_policy_weights_not_negative",
            ),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "IssuePolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def weights(self) -> tuple[Decimal, Decimal, Decimal]:
        return self.weight_response, self.weight_resolution, self.weight_satisfaction


class IssueKind(models.TextChoices):
    SNAPSHOT = "snapshot", _("Snapshot")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    HELP_REQUEST = "help_request", _("Help request")
    ENQUIRY = "enquiry", _("Enquiry")
    MICRO_WISH = "micro_wish", _("Micro-wish")


class Channel(models.TextChoices):
    WEB = "web", _("Filed online")
    PHONE = "phone", _("By phone")
    VISIT = "visit", _("In person")
    OPEN311 = "open311", _("Open311 application")
    API = "api", _("API")


class ContactPreference(models.TextChoices):
    IN_APP = "in_app", _("Notifications in Linli")
    PHONE = "phone", _("Call me")
    NONE = "none", _("Do not contact me")


class Level(models.IntegerChoices):
    """Who supervises the issue: it climbs one level each time a deadline passes."""

    BRANCH = 0, _("Party branch")
    COMMUNITY = 1, _("Community")
    SUBDISTRICT = 2, _("Subdistrict")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# The open states (states.OPEN_STATES) as a literal for partial indexes' conditions.
_OPEN = ["dispatched", "escalated", "in_progress", "reopened", "returned", "submitted"]


class IssueQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Also drops the generation stamps of the issues it writes (``generations``): pages keep
        parts of themselves keyed by those stamps. One small query first, for whose stamps."""
        from . import generations

        if not generations.enabled():
            return super().update(**kwargs)
        before = set(self.values_list(*generations.ISSUE_FIELDS))
        generations.issues_changed(before)
        if kwargs.keys() & {"compound", "compound_id", "category", "category_id", "reporter", "reporter_id"}:
            generations.names_changed()  # in every key: the new owner's parts go too
        updated = super().update(**kwargs)
        handlers = {f.removesuffix("_id") for f in generations.HANDLER_FIELDS} | set(generations.HANDLER_FIELDS)
        if before and kwargs.keys() & handlers:
            # Handed to someone else: their queues too (read back, whatever the new values' form).
            pks = [row[0] for row in before]
            generations.issues_changed(set(Issue.objects.filter(pk__in=pks).values_list(*generations.ISSUE_FIELDS)))
        return updated

    update.alters_data = True


class Issue(models.Model):
    # Where.
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="issues", db_index=False
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, null=True, blank=True, related_name="issues"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, null=True, blank=True, related_name="issues"
    )
    common_area = models.CharField(
        _("common area"), max_length=100, blank=True, help_text=_("e.g. north gate, underground garage.")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    zone = models.ForeignKey(
        ResponsibilityZone,
        verbose_name=_("responsibility zone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issues",
        help_text=_("The zone covering the location when the issue was filed."),
    )
    # What.
    kind = models.CharField(_("kind"), max_length=16, choices=IssueKind.choices, default=IssueKind.SNAPSHOT)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="issues", db_index=False
    )
    description = models.TextField(_("description"), validators=[MaxLengthValidator(DESCRIPTION_MAX)])
    # Who.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues_reported",
        db_index=False,  # issue_reporter_newest_idx leads with it
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("reporter's e-mail"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Staff who filed it on the reporter's behalf."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    client = models.ForeignKey(
        "Open311Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="issues", editable=False
    )
    anonymous = models.BooleanField(_("anonymous toward neighbours"), default=False)
    private = models.BooleanField(_("private"), default=False, help_text=_("Kept off the compound's public list."))
    contact_preference = models.CharField(
        _("contact preference"), max_length=16, choices=ContactPreference.choices, default=ContactPreference.IN_APP
    )
    # State and handler.
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.BRANCH)
    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    handler_kind = models.CharField(_("handler"), max_length=16, choices=HandlerKind.choices, default=HandlerKind.BRANCH)
    handler_member = models.ForeignKey(
        PartyMember, on_delete=models.PROTECT, null=True, blank=True, related_name="issues_handled", db_index=False
    )
    handler_company = models.ForeignKey(
        PropertyCompany, on_delete=models.PROTECT, null=True, blank=True, related_name="issues_handled", db_index=False
    )
    handler_committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, null=True, blank=True, related_name="issues_handled"
    )
    handler_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="issues_handled", db_index=False
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issues_held",
        help_text=_("The person who acknowledged the issue and works it."),
    )
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # Deadlines and milestones.
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    response_due = models.DateTimeField(_("respond by"))
    resolution_due = models.DateTimeField(_("resolve by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # The next moment the escalation job must look at this issue (null: nothing due). Moved by
    # every transition, compared-and-set by the job so that two runs escalate once.
    escalation_due = models.DateTimeField(null=True, blank=True, editable=False)
    # Escalated while nobody had acknowledged it: counts against the response rate for good, even
    # if a later handler acknowledges quickly after a re-dispatch resets the deadline.
    response_missed = models.BooleanField(_("response deadline missed"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    # The resident's verdict.
    rating = models.CharField(_("rating"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("comment on the result"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    supporters_count = models.PositiveIntegerField(_("me too"), default=0)
    # Bumped by every change of state or deadline: the compare-and-set token of ``services``.
    version = models.PositiveIntegerField(default=0, editable=False)
    # Set by the services with the rest of each change (they take ``now=``), not by save().
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IssueQuerySet.as_manager()

    # Who the issue was with when it was read (``generations.HANDLER_FIELDS``; None for a new one):
    # a save drops the stamps of the queues it leaves as well as of those it joins.
    loaded_handlers: tuple | None = None

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        indexes = [
            # The lists' full order (newest first, then id), so a page is read off the index and
            # stops after its rows instead of sorting all of a compound's or a reporter's issues.
            models.Index(fields=["compound", "-created_at", "-id"], name="issue_compound_newest_idx"),
            # The public list's pages (selectors.issues_public_history): its ids come off this
            # index alone, however deep the page, before the page's rows are loaded.
            models.Index(
                fields=["compound", "-created_at", "-id"],
                condition=Q(private=False) & ~Q(state__in=["cancelled", "merged"]),
                name="issue_public_newest_idx",
            ),
            models.Index(fields=["reporter", "-created_at", "-id"], name="issue_reporter_newest_idx"),
            models.Index(fields=["category", "-created_at", "-id"], name="issue_category_newest_idx"),
            models.Index(fields=["community", "created_at"], name="issue_community_created_idx"),
            models.Index(fields=["subdistrict", "created_at"], name="issue_subdistrict_created_idx"),
            models.Index(fields=["handler_member", "state"], name="issue_member_state_idx"),
            models.Index(fields=["handler_company", "state"], name="issue_company_state_idx"),
            models.Index(fields=["handler_department", "state"], name="issue_department_state_idx"),
            models.Index(
                fields=["escalation_due"], condition=Q(escalation_due__isnull=False), name="issue_escalation_due_idx"
            ),
            models.Index(
                fields=["resolved_at"], condition=Q(state="resolved"), name="issue_awaiting_rating_idx"
            ),
            # Work queues: what is held by, or handed to, someone and still open. Partial, so
            # each OR arm of the queue's filter is a small bitmap scan (the queue's counts on two
            # million issues: 10.8 -> 1.5 ms) instead of a walk through every open issue.
            models.Index(fields=["holder"], condition=Q(state__in=_OPEN), name="issue_open_holder_idx"),
            models.Index(fields=["handler_company"], condition=Q(state__in=_OPEN), name="issue_open_company_idx"),
            models.Index(fields=["handler_member"], condition=Q(state__in=_OPEN), name="issue_open_member_idx"),
            # The rollup refresh looks for issues changed since its last run.
            models.Index(fields=["updated_at"], name="issue_updated_idx"),
            # A plain index on the state (``db_index`` on a CharField also built a LIKE-pattern
            # twin no query needs). The foreign keys that lead one of the indexes above have no
            # index of their own: every filing wrote nine index entries that no query read.
            models.Index(fields=["state"], name="issue_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating="") | Q(rated_at__isnull=False), name="issue_rating_has_time"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_handlers()
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._remember_handlers()

    def _remember_handlers(self):
        from .generations import HANDLER_FIELDS

        self.loaded_handlers = tuple(self.__dict__.get(f) for f in HANDLER_FIELDS)

    @property
    def reference(self) -> str:
        return f"#{self.pk}"

    @property
    def state_colour(self) -> str:
        return STATE_COLOURS.get(self.state, "secondary")

    @property
    def location_label(self) -> str:
        if self.household_id:
            return str(self.household)
        if self.building_id:
            return self.building.name
        return self.common_area

    @property
    def public_location(self) -> str:
        """Where, as neighbours may see it: the building or common area, never the room."""
        if self.building_id:
            return self.building.name
        return self.common_area

    @property
    def is_open(self) -> bool:
        from .states import OPEN_STATES

        return self.state in OPEN_STATES

    @property
    def current_due(self):
        """The deadline that matters now: response before acknowledgement, then resolution."""
        if self.state in (State.DISPATCHED, State.SUBMITTED, State.RETURNED, State.REOPENED, State.ESCALATED):
            if self.acknowledged_at is None:
                return self.response_due
        if self.state in (State.RESOLVED, State.CLOSED, State.CANCELLED, State.MERGED):
            return None
        return self.resolution_due

    @property
    def overdue(self) -> bool:
        due = self.current_due
        return due is not None and due < timezone.now()

    def rating_deadline(self, policy: IssuePolicy | None = None):
        if self.resolved_at is None:
            return None
        policy = policy or IssuePolicy.current()
        return self.resolved_at + timedelta(days=policy.rating_window_days)

    @property
    def handler_label(self) -> str:
        # Only the handler's own relation is read (the others may not be loaded).
        attr = {
            HandlerKind.MEMBER: "handler_member",
            HandlerKind.PROPERTY: "handler_company",
            HandlerKind.COMMITTEE: "handler_committee",
            HandlerKind.DEPARTMENT: "handler_department",
            HandlerKind.BRANCH: "branch",
            HandlerKind.COMMUNITY: "community",
            HandlerKind.SUBDISTRICT: "subdistrict",
        }.get(self.handler_kind)
        obj = getattr(self, attr) if attr else None
        return str(obj) if obj is not None else HandlerKind(self.handler_kind).label


def _photo_path(instance, filename):
    # The name is generated by the image service; ``filename`` is already safe and random.
    return f"issues/{timezone.now():%Y/%m}/{filename}"


class PhotoStage(models.TextChoices):
    FILED = "filed", _("With the report")
    RESOLUTION = "resolution", _("With the resolution")


class IssuePhoto(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey("IssueEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos")
    stage = models.CharField(max_length=16, choices=PhotoStage.choices, default=PhotoStage.FILED)
    image = models.ImageField(upload_to=_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.image.name


class IssueEvent(models.Model):
    """One step on the issue's timeline: who, when, what. Comments are events too."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=State.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    public = models.BooleanField(
        _("public"), default=True, help_text=_("Seen by the reporter; internal notes only by handlers and staff.")
    )
    # Structured details (handler chosen, level reached, rating…), shown by the timeline template.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        # The timeline (its only reader) finds an issue's 5-17 events by the issue's own index
        # and sorts them: an (issue, at) index was never read (0 scans after a benchmark run).

    def __str__(self):
        return f"{self.issue_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class IssueSupport(models.Model):
    """A neighbour's "me too" on a public issue; one per person."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issue", "user"], name="issue_support_once")]

    def __str__(self):
        return f"{self.user_id} +1 #{self.issue_id}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # The issue moved on (returned, re-dispatched, resolved…) before anyone decided.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DeadlineExtension(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("reason"))
    new_due = models.DateTimeField(_("new resolution deadline"))
    status = models.CharField(max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["issue"], condition=Q(status="pending"), name="extension_one_pending_per_issue"
            )
        ]

    def __str__(self):
        return f"#{self.issue_id} → {self.new_due:%Y-%m-%d %H:%M}"


class Summons(models.Model):
    """A whistle (吹哨报到): the subdistrict calls a department to an issue. The department sees only
    the issues it is summoned to, and is measured on its own deadlines."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="summonses")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="summonses")
    summoned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summoned_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("reason"))
    response_due = models.DateTimeField(_("respond by"))
    resolution_due = models.DateTimeField(_("resolve by"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Set when the issue leaves the department (returned, re-dispatched): its measuring ends there.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-summoned_at"]
        verbose_name = _("summons")
        verbose_name_plural = _("summonses")
        indexes = [models.Index(fields=["department", "summoned_at"], name="summons_department_at_idx")]

    def __str__(self):
        return f"{self.department} · #{self.issue_id}"


class Open311Client(models.Model):
    """An application allowed to POST requests through Open311; its key is stored as a hash."""

    name = models.CharField(_("name"), max_length=100)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    key_prefix = models.CharField(max_length=8, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client application")
        verbose_name_plural = _("Open311 client applications")

    def __str__(self):
        return self.name


class IssueMonthRollup(models.Model):
    """The three rates' counts of one compound's issues filed in one month (a whole month that
    has ended), computed by ``rollups.refresh_issue_rollups`` from the issue table. The rates
    pages read these instead of counting the raw issues of every month of a long period
    (ARCHITECTURE.md "Scale path"); the current month and partial months are always counted live.
    The columns are those of ``rates.Rates``; compound, community and subdistrict are copied from
    the issues, like the issues copy them from the compound."""

    month = models.DateField(help_text="The first day of the month the issues were filed in.")
    compound = models.ForeignKey("compounds.Compound", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("compounds.Community", on_delete=models.CASCADE, related_name="+")
    subdistrict = models.ForeignKey("compounds.Subdistrict", on_delete=models.CASCADE, related_name="+")
    counted = models.PositiveIntegerField(default=0)
    response_base = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    resolution_base = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "compound"], name="issue_rollup_month_compound_uniq")]
        indexes = [
            models.Index(fields=["subdistrict", "month"], name="issue_rollup_subdistrict_idx"),
            models.Index(fields=["community", "month"], name="issue_rollup_community_idx"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.compound_id}"


class IssueMonthRefresh(models.Model):
    """Which months the rollup holds, and as of when (deadlines count as passed at that time)."""

    month = models.DateField(primary_key=True)
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.month:%Y-%m} @ {self.refreshed_at:%Y-%m-%d %H:%M}"


class IssueRollupWatermark(models.Model):
    """One row (pk=1): when the last refresh started. Issues changed since then, and open issues
    whose deadline has passed since then, mark their months for the next refresh."""

    at = models.DateTimeField()

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"
