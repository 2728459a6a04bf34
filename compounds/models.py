"""The ground: district → subdistrict → community → grid → compound → building → household.

Also who lives where (``Residency``, verified by the community's officers) and who may act where
(``RoleAssignment``: roles are data, scoped to one place by a plain foreign key so lists can be
filtered with a join).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from governance.accounts.roles import COMPOUND_ROLES, Role


class Place(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("A stable short code, used by imports and the API.")
    )

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class District(Place):
    history = HistoricalRecords()

    class Meta(Place.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        permissions = [("manage_district", _("Manage everything in the district"))]


class Subdistrict(Place):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    history = HistoricalRecords()

    class Meta(Place.Meta):
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        permissions = [("manage_subdistrict", _("Manage everything in the subdistrict"))]


class Community(Place):
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="communities")
    history = HistoricalRecords()

    class Meta(Place.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        permissions = [("manage_community", _("Manage compounds and verify residents of the community"))]


class Grid(Place):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta(Place.Meta):
        verbose_name = _("grid")
        verbose_name_plural = _("grids")


class Compound(Place):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="compounds"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.SET_NULL, null=True, blank=True, related_name="compounds"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta(Place.Meta):
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        permissions = [("manage_compound", _("Manage the compound's buildings and households"))]


class Building(models.Model):
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("building"), max_length=50, help_text=_("As residents say it, e.g. 3 号楼."))
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["compound_id", "name"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name")]

    def __str__(self):
        return f"{self.compound} {self.name}"


class Household(models.Model):
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="households"
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. 2 单元; empty if none."))
    room = models.CharField(_("room"), max_length=20, help_text=_("e.g. 502."))
    exclusive_area = models.DecimalField(
        _("exclusive area (m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Weights the household's vote in owners' decisions (Civil Code art. 278)."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["building_id", "unit", "room"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "room"], name="household_unique_address")
        ]

    def __str__(self):
        return f"{self.building.name} {self.label}"

    @property
    def label(self) -> str:
        return f"{self.unit} {self.room}".strip()


class Department(models.Model):
    """A government department that answers summons (吹哨报到), of a district or a subdistrict."""

    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, null=True, blank=True, related_name="departments"
    )
    subdistrict = models.ForeignKey(
        Subdistrict,
        verbose_name=_("subdistrict"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=False, subdistrict__isnull=True)
                | Q(district__isnull=True, subdistrict__isnull=False),
                name="department_one_parent",
            )
        ]

    def __str__(self):
        return self.name


class Relation(models.TextChoices):
    OWNER = "owner", _("Owner")
    CO_OWNER = "co_owner", _("Co-owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")


class ResidencyStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    ENDED = "ended", _("Ended")


class Residency(models.Model):
    """A person bound to a household; a claim until an officer of the community verifies it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="residencies"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residencies"
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ResidencyStatus.choices, default=ResidencyStatus.PENDING
    )
    note = models.CharField(_("note to the officer"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            # One live claim per person and household: a second click cannot file it twice.
            models.UniqueConstraint(
                fields=["user", "household"],
                condition=Q(status__in=["pending", "verified"]),
                name="residency_one_live_claim",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="residency_status_created_idx")]

    def __str__(self):
        return f"{self.user} @ {self.household}"


class RoleAssignment(models.Model):
    """A role held by a person over one place. Granted and ended by ``compounds.services`` only.

    The scope is a plain foreign key per kind of place (not a generic relation) so that lists are
    filtered with an indexed join against the caller's assignments.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            # One active assignment per person, role and place (partial indexes, one per scope
            # column, because SQLite has no NULLS NOT DISTINCT).
            *[
                models.UniqueConstraint(
                    fields=["user", "role", scope],
                    condition=Q(ended_at__isnull=True, **{f"{scope}__isnull": False}),
                    name=f"role_assignment_one_active_{scope}",
                )
                for scope in ("district", "subdistrict", "community", "compound", "department")
            ],
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(ended_at__isnull=True, role="system_admin"),
                name="role_assignment_one_active_global",
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=COMPOUND_ROLES, compound__isnull=False, community__isnull=True, subdistrict__isnull=True, district__isnull=True, department__isnull=True)
                    | Q(role="community_officer", community__isnull=False, compound__isnull=True, subdistrict__isnull=True, district__isnull=True, department__isnull=True)
                    | Q(role="subdistrict_admin", subdistrict__isnull=False, compound__isnull=True, community__isnull=True, district__isnull=True, department__isnull=True)
                    | Q(role="district_admin", district__isnull=False, compound__isnull=True, community__isnull=True, subdistrict__isnull=True, department__isnull=True)
                    | Q(role="system_admin", district__isnull=True, compound__isnull=True, community__isnull=True, subdistrict__isnull=True, department__isnull=True)
                    | Q(role="department_responder", department__isnull=False, district__isnull=True, compound__isnull=True, community__isnull=True, subdistrict__isnull=True)
                ),
                name="role_assignment_scope_matches_role",
            ),
        ]
        indexes = [models.Index(fields=["user", "role"], condition=Q(ended_at__isnull=True), name="role_active_idx")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.scope or '*'}"

    @property
    def scope(self):
        return self.compound or self.community or self.subdistrict or self.district or self.department


class HouseholdImport(models.Model):
    """A record of each accepted import: who, when, which file (by hash) and what it changed."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    buildings_created = models.PositiveIntegerField(default=0)
    households_created = models.PositiveIntegerField(default=0)
    households_updated = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} → {self.compound}"


# django-guardian with direct foreign keys (docs/userguide/performance.md): per-scope tables
# instead of the generic one, so object checks are indexed joins.
class DistrictUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(District, on_delete=models.CASCADE)


class DistrictGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(District, on_delete=models.CASCADE)


class SubdistrictUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Subdistrict, on_delete=models.CASCADE)


class SubdistrictGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Subdistrict, on_delete=models.CASCADE)


class CommunityUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Community, on_delete=models.CASCADE)


class CommunityGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Community, on_delete=models.CASCADE)


class CompoundUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Compound, on_delete=models.CASCADE)


class CompoundGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Compound, on_delete=models.CASCADE)
