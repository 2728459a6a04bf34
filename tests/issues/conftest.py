"""The issue loop's cast, on top of the shared world (tests/conftest.py):

- ``branch``: A1's Party branch; ``secretary`` (王书记) holds its secretary seat;
- ``zone_member`` (刘党员): a member of the branch whose zone covers A1's 1 号楼 (the resident's
  and the neighbour's building);
- ``company`` with a contract in force at A1, and ``clerk`` (孙管家) on its staff;
- ``committee_member`` (赵委员): an owner in A1's 2 号楼 with a seat on A1's owners' committee;
- ``department`` (西陵区城管局 of subdistrict 1) and ``responder``, its department responder;
  ``other_department`` (no summons) and ``other_responder``;
- ``b_resident``: a verified owner in B1 (an outsider to everything in A1).
"""

from datetime import date

import pytest

from committees import services as committee_services
from committees.models import BodyKind
from compounds import services as place_services
from governance.accounts.roles import Role
from governance.party import services as party_services
from tests import factories
from tests.committees.factories import CompanyFactory, active_contract, verified_owner


@pytest.fixture(autouse=True)
def _english(client):
    """Assertions quote the English source messages; the UI's default language is Chinese."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def branch(world, officer):
    return party_services.branch_create(
        actor=officer, community=world.a, name="江工塑院小区党支部", kind="compound", founded_on=date(2020, 7, 1),
        compounds=[world.a1],
    )


@pytest.fixture
def secretary(branch, officer):
    user = factories.UserFactory(username="secretary", display_name="王书记", phone="13900001111")
    member = party_services.member_add(actor=officer, branch=branch, user=user, kind="resident")
    party_services.branch_seat_add(actor=officer, branch=branch, member=member, role="secretary", term_start=date(2024, 1, 1))
    return user


@pytest.fixture
def zone_member(branch, officer, world):
    user = factories.UserFactory(username="zone_member", display_name="刘党员", phone="13900002222")
    member = party_services.member_add(actor=officer, branch=branch, user=user, kind="retired")
    party_services.zone_save(
        actor=officer, branch=branch, compound=world.a1, member=member, name="1 号楼责任区",
        buildings=[world.home.building],
    )
    return user


@pytest.fixture
def company(world):
    company = CompanyFactory(name="东湾物业")
    active_contract(world.a1, company)
    return company


@pytest.fixture
def clerk(company):
    user = factories.UserFactory(username="clerk", display_name="孙管家", phone="13700002222")
    committee_services.staff_add(actor=None, company=company, user=user, title="管家")
    return user


@pytest.fixture
def committee_member(world, officer):
    committee = committee_services.committee_create(
        actor=None, compound=world.a1, kind=BodyKind.OWNERS_COMMITTEE,
        term_start=date(2024, 1, 1), term_end=date(2029, 1, 1),
    )
    owner = verified_owner(world.households[("WA1", "2 号楼", "101")], officer, username="committee_member", display_name="赵委员")
    committee_services.seat_add(actor=None, committee=committee, user=owner, role="chair")
    return owner


@pytest.fixture
def department(world):
    return factories.DepartmentFactory(name="城管执法中队", subdistrict=world.s1, district=None)


@pytest.fixture
def other_department(world):
    return factories.DepartmentFactory(name="市场监管所", subdistrict=world.s1, district=None)


def _responder(dept, username):
    user = factories.UserFactory(username=username)
    place_services.role_grant(user=user, role=Role.DEPARTMENT_RESPONDER, scope=dept)
    return user


@pytest.fixture
def responder(department):
    return _responder(department, "responder")


@pytest.fixture
def other_responder(other_department):
    return _responder(other_department, "other_responder")


@pytest.fixture
def b_resident(world, other_officer):
    return verified_owner(world.b_home, other_officer, username="b_resident", display_name="安居业主")
