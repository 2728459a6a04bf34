"""The "1": Party branches with their committee seats, party groups, members, building leaders,
responsibility zones, and in-service members' check-ins with the service posts they claim."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from compounds.models import Building, Community, Compound, Grid, Household


class BranchKind(models.TextChoices):
    COMPOUND = "compound", _("Compound branch")
    JOINT = "joint", _("Joint branch of several compounds")
    GRID = "grid", _("Grid branch")


class PartyBranch(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=BranchKind.choices, default=BranchKind.COMPOUND)
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="party_branches"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    founded_on = models.DateField(_("founded on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["community_id", "name"]
        verbose_name = _("Party branch")
        verbose_name_plural = _("Party branches")

    def __str__(self):
        return self.name


class BranchCoverage(models.Model):
    """A compound covered by a branch: one row per compound (OneToOne), so a compound has at
    most one covering branch; a dissolved branch's rows are removed (its history keeps them)."""

    branch = models.ForeignKey(PartyBranch, on_delete=models.CASCADE, related_name="coverage")
    compound = models.OneToOneField(Compound, on_delete=models.PROTECT, related_name="party_coverage")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("compound covered")
        verbose_name_plural = _("compounds covered")

    def __str__(self):
        return f"{self.branch} → {self.compound}"


class MemberKind(models.TextChoices):
    RESIDENT = "resident", _("Resident member")
    IN_SERVICE = "in_service", _("In-service member (reporting from an employer)")
    RETIRED = "retired", _("Retired member")


class PartyMember(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="party_memberships"
    )
    branch = models.ForeignKey(PartyBranch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="members")
    kind = models.CharField(_("kind"), max_length=16, choices=MemberKind.choices, default=MemberKind.RESIDENT)
    employer = models.CharField(_("employer"), max_length=120, blank=True)
    employer_party_organisation = models.CharField(_("employer's Party organisation"), max_length=120, blank=True)
    joined_on = models.DateField(_("registered with the branch on"), default=date.today)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["branch_id", "id"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(left_on__isnull=True), name="party_member_one_branch")
        ]

    def __str__(self):
        return str(self.user)


class BranchRole(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    COMMITTEE_MEMBER = "committee_member", _("Branch committee member")


class BranchSeat(models.Model):
    branch = models.ForeignKey(PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="branch_seats")
    role = models.CharField(_("seat"), max_length=24, choices=BranchRole.choices)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    ended_on = models.DateField(_("left the seat on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["branch_id", "role", "id"]
        verbose_name = _("branch committee seat")
        verbose_name_plural = _("branch committee seats")
        constraints = [
            models.UniqueConstraint(
                fields=["branch"], condition=Q(ended_on__isnull=True, role="secretary"), name="branch_one_secretary"
            ),
            models.UniqueConstraint(
                fields=["branch", "member"], condition=Q(ended_on__isnull=True), name="branch_seat_one_per_member"
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.get_role_display()}"


class PartyGroup(models.Model):
    """A party group (楼栋党小组) of one or more buildings."""

    branch = models.ForeignKey(PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(
        PartyMember, verbose_name=_("group leader"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    buildings = models.ManyToManyField(Building, verbose_name=_("buildings"), related_name="party_groups", blank=True)
    history = HistoricalRecords(m2m_fields=[buildings])

    class Meta:
        ordering = ["branch_id", "name"]
        verbose_name = _("party group")
        verbose_name_plural = _("party groups")

    def __str__(self):
        return self.name


class BuildingLeader(models.Model):
    """A party member's household acting as a building's contact point (党员中心户 / 楼长)."""

    member = models.ForeignKey(PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="led_buildings")
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="leaders")
    household = models.ForeignKey(
        Household, verbose_name=_("member's household"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_on = models.DateField(_("from"), default=date.today)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("building leader")
        verbose_name_plural = _("building leaders")
        constraints = [
            models.UniqueConstraint(fields=["building"], condition=Q(ended_on__isnull=True), name="building_one_leader")
        ]

    def __str__(self):
        return f"{self.member} · {self.building}"


class ResponsibilityZone(models.Model):
    """The households one party member answers for; first stop for issues raised there."""

    branch = models.ForeignKey(PartyBranch, verbose_name=_("branch"), on_delete=models.CASCADE, related_name="zones")
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="zones")
    member = models.ForeignKey(PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="zones")
    name = models.CharField(_("name"), max_length=100)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["compound_id", "name"]
        verbose_name = _("responsibility zone")
        verbose_name_plural = _("responsibility zones")

    def __str__(self):
        return self.name


class ZoneHousehold(models.Model):
    """A household covered by an active zone. One row per household at most (the constraint that
    makes "a household is in at most one active zone" hold under concurrency); rows of a zone are
    removed when it ends, and the zone's history keeps what it covered."""

    zone = models.ForeignKey(ResponsibilityZone, on_delete=models.CASCADE, related_name="coverage")
    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="zone_coverage")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household in a zone")
        verbose_name_plural = _("households in zones")

    def __str__(self):
        return f"{self.zone} → {self.household}"


class ServicePost(models.Model):
    """A category of standing duty members claim (服务岗位); the ten defaults are configurable."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=80)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service post")
        verbose_name_plural = _("service posts")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class CheckInStatus(models.TextChoices):
    ACTIVE = "active", _("Checked in")
    LAPSED = "lapsed", _("Lapsed (not renewed)")
    RENEWED = "renewed", _("Renewed")
    ENDED = "ended", _("Ended")


class MemberCheckIn(models.Model):
    """An in-service member registering with the community where they live (在职党员报到),
    valid for six months; renewal creates the next check-in."""

    member = models.ForeignKey(PartyMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="checkins")
    community = models.ForeignKey(Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="checkins")
    branch = models.ForeignKey(PartyBranch, verbose_name=_("placed in branch"), on_delete=models.PROTECT, related_name="checkins")
    checked_in_on = models.DateField(_("checked in on"))
    expires_on = models.DateField(_("expires on"))
    status = models.CharField(_("status"), max_length=16, choices=CheckInStatus.choices, default=CheckInStatus.ACTIVE)
    reminded_at = models.DateTimeField(null=True, blank=True)
    previous = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renewal")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_in_on"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="active"), name="checkin_one_active"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("checked_in_on")), name="checkin_term_ordered"),
        ]
        indexes = [models.Index(fields=["status", "expires_on"], name="checkin_status_expiry_idx")]

    def __str__(self):
        return f"{self.member} @ {self.community} ({self.checked_in_on})"


class PostClaim(models.Model):
    member = models.ForeignKey(PartyMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="post_claims")
    post = models.ForeignKey(ServicePost, verbose_name=_("service post"), on_delete=models.PROTECT, related_name="claims")
    community = models.ForeignKey(Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("what I will do"), max_length=200, blank=True)
    claimed_on = models.DateField(_("claimed on"))
    released_on = models.DateField(_("released on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-claimed_on"]
        verbose_name = _("claimed post")
        verbose_name_plural = _("claimed posts")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "post"], condition=Q(released_on__isnull=True), name="post_claim_once"
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.post}"
