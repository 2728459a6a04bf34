"""One access helper per object kind: returns the object, or raises 404 when the caller cannot
see it at all and 403 when they can see it but not do what they asked (STYLE.md §6).

Visibility comes from the scoped selectors (SQL); the right to manage is answered by
django-guardian's object permissions, which the role services grant and revoke.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from governance.http import get_or_404

from . import selectors
from .models import Building, Community, Compound, Household, Residency


def can_manage_compound(user, compound: Compound, checker: ObjectPermissionChecker | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    from .scopes import scopes_for

    if scopes_for(user).system_admin:
        return True
    checker = checker or ObjectPermissionChecker(user)
    community = compound.community
    return (
        checker.has_perm("manage_community", community)
        or checker.has_perm("manage_subdistrict", community.subdistrict)
        or checker.has_perm("manage_district", community.subdistrict.district)
    )


def access_community(user, community_id) -> Community:
    return get_or_404(selectors.communities_managed(user), community_id)


def access_compound(user, compound_id, *, manage: bool = False) -> Compound:
    compound = get_or_404(
        selectors.compounds_visible(user).select_related("community__subdistrict__district"), compound_id
    )
    if manage and not can_manage_compound(user, compound):
        raise PermissionDenied
    return compound


def access_building(user, building_id, *, manage: bool = False) -> Building:
    building = get_or_404(
        selectors.buildings_visible(user).select_related("compound__community__subdistrict__district"), building_id
    )
    if manage and not can_manage_compound(user, building.compound):
        raise PermissionDenied
    return building


def access_household(user, household_id, *, manage: bool = False) -> Household:
    household = get_or_404(
        selectors.households_visible(user).select_related("building__compound__community__subdistrict__district"),
        household_id,
    )
    if manage and not can_manage_compound(user, household.building.compound):
        raise PermissionDenied
    return household


def access_residency(user, residency_id, *, manage: bool = False) -> Residency:
    """The resident sees their own claim; officers in scope see and decide it."""
    residency = get_or_404(
        Residency.objects.select_related(
            "user", "household__building__compound__community__subdistrict__district", "decided_by"
        ),
        residency_id,
    )
    compound = residency.household.building.compound
    if can_manage_compound(user, compound):
        return residency
    if residency.user_id == getattr(user, "pk", None) and not manage:
        return residency
    if residency.user_id == getattr(user, "pk", None):
        raise PermissionDenied
    raise Http404
