"""Services for places and roles: who may write what, and that a refusal writes nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compounds import services
from compounds.models import Building, Compound, Household, RoleAssignment
from governance.accounts.models import User
from governance.accounts.roles import Role

from .. import factories
from .conftest import snapshot


def fresh(user):
    """The same person as a new request would load them: no cached scopes or guardian perms."""
    return User.objects.get(pk=user.pk)


# --- Compounds --------------------------------------------------------------------------------


def test_an_officer_creates_a_compound_in_their_community(world, officer):
    compound = services.compound_create(actor=officer, community=world.a, name="新苑", code="WA2", address="新路 2 号")

    compound.refresh_from_db()
    assert compound.community == world.a
    assert compound.name == "新苑"
    assert compound.history.count() == 1


def test_an_officer_cannot_create_a_compound_in_another_community_and_nothing_is_written(world, officer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.compound_create(actor=officer, community=world.b, name="越界", code="WB9")
    assert snapshot() == before
    assert not Compound.objects.filter(code="WB9").exists()


def test_a_stranger_cannot_create_a_compound(world, stranger):
    with pytest.raises(PermissionDenied):
        services.compound_create(actor=stranger, community=world.a, name="x", code="WX")
    assert not Compound.objects.filter(code="WX").exists()


def test_a_compound_needs_a_unique_code(world, officer):
    with pytest.raises(ValidationError) as excinfo:
        services.compound_create(actor=officer, community=world.a, name="重复", code="WA1")
    assert "code" in excinfo.value.error_dict
    assert Compound.objects.filter(code="WA1").count() == 1


@pytest.mark.parametrize(
    ("actor_name", "community_name", "allowed"),
    [
        ("subdistrict_admin", "a", True),
        ("subdistrict_admin", "b", False),
        ("district_admin", "a", True),
        ("district_admin", "b", True),
        ("system_admin", "b", True),
        ("other_officer", "a", False),
        ("resident", "a", False),
    ],
)
def test_who_may_create_a_compound_follows_their_scope(request, world, actor_name, community_name, allowed):
    actor = request.getfixturevalue(actor_name)
    community = getattr(world, community_name)
    if allowed:
        services.compound_create(actor=actor, community=community, name="新", code="NEW")
        assert Compound.objects.get(code="NEW").community == community
    else:
        with pytest.raises(PermissionDenied):
            services.compound_create(actor=actor, community=community, name="新", code="NEW")
        assert not Compound.objects.filter(code="NEW").exists()


def test_an_officer_updates_their_compound(world, officer):
    services.compound_update(actor=officer, compound=world.a1, name="江工塑院新村", built_year=1998)
    world.a1.refresh_from_db()
    assert (world.a1.name, world.a1.built_year) == ("江工塑院新村", 1998)
    assert world.a1.history.count() == 2


def test_an_officer_cannot_update_another_communitys_compound(world, officer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.compound_update(actor=officer, compound=world.b1, name="改名")
    assert snapshot() == before
    assert Compound.objects.get(pk=world.b1.pk).name == "安居小区"


def test_an_officer_cannot_move_their_compound_into_another_community(world, officer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.compound_update(actor=officer, compound=world.a1, community=world.b)
    assert snapshot() == before
    assert Compound.objects.get(pk=world.a1.pk).community_id == world.a.pk


def test_a_district_admin_may_move_a_compound_between_communities(world, district_admin):
    services.compound_update(actor=district_admin, compound=world.a1, community=world.b)
    assert Compound.objects.get(pk=world.a1.pk).community_id == world.b.pk


# --- Buildings and households ----------------------------------------------------------------


def test_an_officer_adds_and_renames_a_building(world, officer):
    building = services.building_create(actor=officer, compound=world.a1, name="  3 号楼 ", floors=6)
    assert (building.name, building.floors) == ("3 号楼", 6)

    services.building_update(actor=officer, building=building, name="3 号楼（东）", floors=7)
    building.refresh_from_db()
    assert (building.name, building.floors) == ("3 号楼（东）", 7)


def test_a_building_name_is_unique_within_its_compound(world, officer):
    with pytest.raises(ValidationError):
        services.building_create(actor=officer, compound=world.a1, name="1 号楼")
    assert world.a1.buildings.count() == 2
    # …but another compound may have its own 1 号楼.
    other = services.compound_create(actor=officer, community=world.a, name="另一个", code="WA3")
    services.building_create(actor=officer, compound=other, name="1 号楼")


def test_an_officer_cannot_add_or_change_buildings_of_another_community(world, officer):
    b_building = world.b_home.building
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.building_create(actor=officer, compound=world.b1, name="9 号楼")
    with pytest.raises(PermissionDenied):
        services.building_update(actor=officer, building=b_building, name="改名", floors=1)
    assert snapshot() == before
    b_building.refresh_from_db()
    assert b_building.name == "1 号楼"


def test_an_officer_adds_and_corrects_a_household(world, officer):
    building = world.home.building
    household = services.household_create(
        actor=officer, building=building, unit=" 2 单元 ", room=" 301 ", exclusive_area=Decimal("76.40")
    )
    assert (household.unit, household.room, household.exclusive_area) == ("2 单元", "301", Decimal("76.40"))

    services.household_update(actor=officer, household=household, unit="2 单元", room="301", exclusive_area=Decimal("77"))
    household.refresh_from_db()
    assert household.exclusive_area == Decimal("77.00")
    assert household.history.count() == 2


def test_a_household_address_is_unique_and_its_area_positive(world, officer):
    building = world.home.building
    before = Household.objects.count()
    with pytest.raises(ValidationError):
        services.household_create(actor=officer, building=building, unit=world.home.unit, room="101", exclusive_area=50)
    with pytest.raises(ValidationError) as excinfo:
        services.household_create(actor=officer, building=building, unit="", room="999", exclusive_area=Decimal("0"))
    assert "exclusive_area" in excinfo.value.error_dict
    assert Household.objects.count() == before


def test_an_officer_cannot_add_or_change_households_of_another_community(world, officer):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.household_create(actor=officer, building=world.b_home.building, unit="", room="999", exclusive_area=1)
    with pytest.raises(PermissionDenied):
        services.household_update(actor=officer, household=world.b_home, unit="", room="999", exclusive_area=1)
    assert snapshot() == before
    world.b_home.refresh_from_db()
    assert world.b_home.room == "101"


def test_a_resident_cannot_change_their_own_household(world, resident):
    with pytest.raises(PermissionDenied):
        services.household_update(actor=resident, household=world.home, unit="", room="101", exclusive_area=999)
    world.home.refresh_from_db()
    assert world.home.exclusive_area == Decimal("88.50")


# --- Roles ------------------------------------------------------------------------------------


def test_granting_a_role_twice_gives_one_assignment(world, stranger):
    first = services.role_grant(user=stranger, role=Role.COMMUNITY_OFFICER, scope=world.b)
    second = services.role_grant(user=stranger, role=Role.COMMUNITY_OFFICER, scope=world.b)

    assert first.pk == second.pk
    assert RoleAssignment.objects.filter(user=stranger).count() == 1
    user = fresh(stranger)
    assert user.has_perm("compounds.manage_community", world.b)
    assert user.has_perm("compounds.view_community", world.b)
    assert not user.has_perm("compounds.manage_community", world.a)


def test_revoking_a_role_withdraws_its_object_permissions_and_can_be_repeated(world, stranger):
    assignment = services.role_grant(user=stranger, role=Role.SUBDISTRICT_ADMIN, scope=world.s2)
    assert fresh(stranger).has_perm("compounds.manage_subdistrict", world.s2)

    services.role_revoke(assignment=assignment)
    services.role_revoke(assignment=assignment)

    assignment.refresh_from_db()
    assert assignment.ended_at is not None
    assert not fresh(stranger).has_perm("compounds.manage_subdistrict", world.s2)
    assert not fresh(stranger).has_perm("compounds.view_subdistrict", world.s2)
    # After a revocation the role can be granted anew (a new assignment, the old one kept).
    services.role_grant(user=stranger, role=Role.SUBDISTRICT_ADMIN, scope=world.s2)
    assert RoleAssignment.objects.filter(user=stranger).count() == 2
    assert fresh(stranger).has_perm("compounds.manage_subdistrict", world.s2)


def test_a_revoked_officer_can_no_longer_manage_the_community(world, officer):
    assignment = RoleAssignment.objects.get(user=officer, role=Role.COMMUNITY_OFFICER)
    services.role_revoke(assignment=assignment)
    with pytest.raises(PermissionDenied):
        services.building_create(actor=fresh(officer), compound=world.a1, name="9 号楼")
    assert not Building.objects.filter(name="9 号楼").exists()


def test_a_role_needs_a_scope_of_the_right_kind(world, stranger):
    with pytest.raises(ValidationError):
        services.role_grant(user=stranger, role=Role.COMMUNITY_OFFICER, scope=world.s1)
    with pytest.raises(ValidationError):
        services.role_grant(user=stranger, role=Role.SYSTEM_ADMIN, scope=world.a)
    with pytest.raises(ValidationError):
        services.role_grant(user=stranger, role=Role.RESIDENT, scope=None)
    assert not RoleAssignment.objects.filter(user=stranger).exists()


def test_a_system_admin_is_staff_and_manages_everything(world):
    user = factories.UserFactory()
    services.role_grant(user=user, role=Role.SYSTEM_ADMIN)
    user = fresh(user)
    assert user.is_staff
    services.building_create(actor=user, compound=world.b1, name="9 号楼")
    assert world.b1.buildings.filter(name="9 号楼").exists()
