"""Every write to places, residencies and roles goes through here.

Functions are keyword-only and take the acting user; they validate (``full_clean``), write in one
transaction, and leave side effects (notifications, e-mail) to run after commit.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from governance.accounts.roles import ROLE_SCOPE, Role, ScopeKind
from governance.accounts.services import notification_send

from . import notifications as kinds
from .models import (
    Building,
    Community,
    Compound,
    Department,
    District,
    Household,
    Residency,
    ResidencyStatus,
    RoleAssignment,
    Subdistrict,
)
from .permissions import can_manage_compound
from .scopes import forget_scopes

# The guardian permissions that go with each role, on the role's scope object.
ROLE_PERMISSIONS = {
    Role.RESIDENT: ["view_compound"],
    Role.PARTY_MEMBER: ["view_compound"],
    Role.BRANCH_SECRETARY: ["view_compound"],
    Role.BRANCH_COMMITTEE: ["view_compound"],
    Role.COMMITTEE_MEMBER: ["view_compound"],
    Role.BOARD_MEMBER: ["view_compound"],
    Role.PROPERTY_STAFF: ["view_compound"],
    Role.COMMUNITY_OFFICER: ["view_community", "manage_community"],
    Role.SUBDISTRICT_ADMIN: ["view_subdistrict", "manage_subdistrict"],
    Role.DISTRICT_ADMIN: ["view_district", "manage_district"],
    Role.SYSTEM_ADMIN: [],
    # Departments see only the issues summoned to them, filtered in SQL; no place permissions.
    Role.DEPARTMENT_RESPONDER: [],
}
_SCOPE_MODELS = {
    ScopeKind.COMPOUND: Compound,
    ScopeKind.COMMUNITY: Community,
    ScopeKind.SUBDISTRICT: Subdistrict,
    ScopeKind.DISTRICT: District,
    ScopeKind.DEPARTMENT: Department,
}


def _require_manage(actor, compound: Compound) -> None:
    if actor is not None and not can_manage_compound(actor, compound):
        raise PermissionDenied


# --- Roles ------------------------------------------------------------------------------------


@transaction.atomic
def role_grant(*, user, role: str, scope=None, actor=None) -> RoleAssignment:
    """Give ``user`` a role over ``scope`` (or everywhere, for system admins). Idempotent."""
    role = Role(role)
    kind = ROLE_SCOPE[role]
    if kind == ScopeKind.NONE:
        if scope is not None:
            raise ValidationError(_("This role is not limited to a place."))
    elif not isinstance(scope, _SCOPE_MODELS[kind]):
        raise ValidationError(_("This role needs a %(kind)s as its scope.") % {"kind": kind.label})
    fields = {kind.value: scope} if kind != ScopeKind.NONE else {}
    existing = RoleAssignment.objects.filter(user=user, role=role, ended_at__isnull=True, **fields).first()
    if existing:
        return existing
    assignment = RoleAssignment(user=user, role=role, granted_by=actor, **fields)
    assignment.full_clean(validate_constraints=False)
    assignment.save()
    for perm in ROLE_PERMISSIONS[role]:
        assign_perm(f"compounds.{perm}", user, scope)
    if role == Role.SYSTEM_ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_scopes(user)
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor=None) -> None:
    """End an assignment and withdraw its object permissions. (A person holds at most one active
    assignment of a role over a place — a unique constraint — so no other assignment needs them.)"""
    updated = RoleAssignment.objects.filter(pk=assignment.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    if not updated:
        return
    from governance.issues import generations

    generations.roles_changed()  # scopes kept between requests (an update sends no signal)
    assignment.refresh_from_db()
    scope = assignment.scope
    if scope is not None:
        # Keep what another active role over the same place still grants (a resident who stops
        # working for the property company still sees their compound).
        kind = ROLE_SCOPE[Role(assignment.role)].value
        still_held = RoleAssignment.objects.filter(
            user=assignment.user, ended_at__isnull=True, **{kind: scope}
        ).values_list("role", flat=True)
        needed = {perm for role in still_held for perm in ROLE_PERMISSIONS[Role(role)]}
        for perm in ROLE_PERMISSIONS[Role(assignment.role)]:
            if perm not in needed:
                remove_perm(f"compounds.{perm}", assignment.user, scope)
    forget_scopes(assignment.user)


# --- Places -----------------------------------------------------------------------------------


def _save(obj, *, exclude_unique=False):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def compound_create(*, actor, community: Community, **fields) -> Compound:
    compound = Compound(community=community, **fields)
    _require_manage(actor, compound)
    return _save(compound)


@transaction.atomic
def compound_update(*, actor, compound: Compound, **fields) -> Compound:
    _require_manage(actor, compound)
    if "community" in fields:
        _require_manage(actor, Compound(community=fields["community"]))
    for name, value in fields.items():
        setattr(compound, name, value)
    return _save(compound)


@transaction.atomic
def building_create(*, actor, compound: Compound, name: str, floors: int | None = None) -> Building:
    _require_manage(actor, compound)
    return _save(Building(compound=compound, name=name.strip(), floors=floors))


@transaction.atomic
def building_update(*, actor, building: Building, name: str, floors: int | None = None) -> Building:
    _require_manage(actor, building.compound)
    building.name = name.strip()
    building.floors = floors
    return _save(building)


@transaction.atomic
def household_create(*, actor, building: Building, unit: str, room: str, exclusive_area) -> Household:
    _require_manage(actor, building.compound)
    return _save(Household(building=building, unit=unit.strip(), room=room.strip(), exclusive_area=exclusive_area))


@transaction.atomic
def household_update(*, actor, household: Household, unit: str, room: str, exclusive_area) -> Household:
    _require_manage(actor, household.building.compound)
    household.unit = unit.strip()
    household.room = room.strip()
    household.exclusive_area = exclusive_area
    return _save(household)


# --- Residencies ------------------------------------------------------------------------------


def _officers_of(community: Community):
    from governance.accounts.models import User

    return User.objects.filter(
        role_assignments__role=Role.COMMUNITY_OFFICER,
        role_assignments__community=community,
        role_assignments__ended_at__isnull=True,
        is_active=True,
    ).distinct()


def residency_claim(*, user, household: Household, relation: str, note: str = "") -> Residency:
    """A resident claims a household; the community's officers are asked to verify it."""
    residency = Residency(user=user, household=household, relation=relation, note=note.strip())
    residency.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            residency.save()
            community = household.building.compound.community
            for officer in _officers_of(community):
                notification_send(
                    user=officer,
                    kind=kinds.RESIDENCY_SUBMITTED,
                    params={"resident": user.name, "household": f"{household.building.compound.name} {household}"},
                    url=reverse("compounds:residency-detail", args=[residency.pk]),
                )
    except IntegrityError:
        raise ValidationError(
            _("You have already claimed this household; it is waiting for verification or verified.")
        ) from None
    return residency


def _decide(*, actor, residency: Residency, status: str, reason: str = "") -> Residency:
    compound = residency.household.building.compound
    _require_manage(actor, compound)
    # Compare-and-set: of two officers deciding at once, exactly one decision lands.
    with transaction.atomic():
        updated = Residency.objects.filter(pk=residency.pk, status=ResidencyStatus.PENDING).update(
            status=status, reason=reason, decided_by=actor, decided_at=timezone.now()
        )
        if not updated:
            raise ValidationError(_("This claim has already been decided."))
        residency.refresh_from_db()
        # simple_history records queryset updates only through save(); keep the trail complete.
        residency.save(update_fields=["status"])
        params = {
            "household": f"{compound.name} {residency.household}",
            "community": str(compound.community),
            "officer": actor.name if actor else "",
            "reason": reason,
        }
        if status == ResidencyStatus.VERIFIED:
            role_grant(user=residency.user, role=Role.RESIDENT, scope=compound, actor=actor)
            kind = kinds.RESIDENCY_VERIFIED
        else:
            kind = kinds.RESIDENCY_REJECTED
        notification_send(user=residency.user, kind=kind, params=params, url=reverse("home"))
    return residency


def residency_verify(*, actor, residency: Residency) -> Residency:
    return _decide(actor=actor, residency=residency, status=ResidencyStatus.VERIFIED)


def residency_reject(*, actor, residency: Residency, reason: str) -> Residency:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, so the resident can correct the claim.")})
    return _decide(actor=actor, residency=residency, status=ResidencyStatus.REJECTED, reason=reason)


@transaction.atomic
def residency_end(*, actor, residency: Residency, reason: str = "") -> Residency:
    """End a residency (moved out); the resident role goes when no verified household is left there."""
    compound = residency.household.building.compound
    if actor.pk != residency.user_id:
        _require_manage(actor, compound)
    if residency.status not in (ResidencyStatus.PENDING, ResidencyStatus.VERIFIED):
        raise ValidationError(_("This residency has already ended."))
    residency.status = ResidencyStatus.ENDED
    residency.reason = reason.strip()
    residency.decided_by = actor
    residency.decided_at = timezone.now()
    residency.save()
    still_there = Residency.objects.filter(
        user=residency.user, household__building__compound=compound, status=ResidencyStatus.VERIFIED
    ).exists()
    if not still_there:
        for assignment in RoleAssignment.objects.filter(
            user=residency.user, role=Role.RESIDENT, compound=compound, ended_at__isnull=True
        ):
            role_revoke(assignment=assignment, actor=actor)
    return residency


def residency_remind_stale(*, now=None, after) -> int:
    """Remind each community's officers once about claims pending longer than ``after``.

    ``reminded_at`` is set with a compare-and-set update before notifying, so a doubled or
    concurrent run reminds about each claim once.
    """
    now = now or timezone.now()
    stale = Residency.objects.filter(
        status=ResidencyStatus.PENDING, reminded_at__isnull=True, created_at__lt=now - after
    ).select_related("household__building__compound__community")
    by_community: dict[Community, int] = {}
    for residency in stale.iterator():
        with transaction.atomic():
            claimed = Residency.objects.filter(pk=residency.pk, reminded_at__isnull=True).update(reminded_at=now)
        if claimed:
            community = residency.household.building.compound.community
            by_community[community] = by_community.get(community, 0) + 1
    for community, count in by_community.items():
        for officer in _officers_of(community):
            with transaction.atomic():
                notification_send(
                    user=officer,
                    kind=kinds.RESIDENCY_STALE,
                    params={"count": count, "community": str(community), "hours": int(after.total_seconds() // 3600)},
                    url=reverse("compounds:verification-queue"),
                )
    return sum(by_community.values())
