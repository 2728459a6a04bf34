"""The committees cast on top of the shared world (tests/conftest.py):

- ``b_owner``: a verified owner in B1, chair of B1's owners' committee;
- ``b_company``: a company with a contract in force at B1, and ``b_clerk`` on its staff;
- ``a_member``: the resident of A1 with a seat on A1's owners' committee;
- ``a_clerk``: staff of a company contracted at A1 only (none at B).
"""

import pytest
from guardian.models import UserObjectPermission

from committees import services
from committees.models import (
    BodyKind,
    Committee,
    PropertyCompany,
    PropertyContract,
    PropertyStaff,
    Seat,
)
from compounds.models import (
    CompoundUserObjectPermission,
    Residency,
    RoleAssignment,
)

from .. import factories
from .factories import CommitteeFactory, CompanyFactory, active_contract, verified_owner

WATCHED = (
    Committee, Seat, PropertyCompany, PropertyContract, PropertyStaff, RoleAssignment, Residency,
    CompoundUserObjectPermission, UserObjectPermission,
)


def snapshot(models=WATCHED):
    rows = {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}
    for m in models:
        if hasattr(m, "history"):
            rows[f"{m._meta.label}.history"] = m.history.count()
    return rows


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client



@pytest.fixture
def token_for(db):
    from rest_framework.authtoken.models import Token

    def make(user):
        token, _ = Token.objects.get_or_create(user=user)
        return {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    return make


@pytest.fixture
def b_owner(world, other_officer):
    return verified_owner(world.households[("WB1", "2 号楼", "101")], other_officer, username="b_owner", display_name="赵磊")


@pytest.fixture
def b_committee(world, b_owner):
    committee = CommitteeFactory(compound=world.b1)
    services.seat_add(actor=None, committee=committee, user=b_owner, role="chair")
    return committee


@pytest.fixture
def b_seat(b_committee):
    return b_committee.seats.get()


@pytest.fixture
def b_company(world):
    company = CompanyFactory(name="安居物业")
    active_contract(world.b1, company)
    return company


@pytest.fixture
def b_contract(b_company):
    return b_company.contracts.get()


@pytest.fixture
def b_clerk(b_company):
    user = factories.UserFactory(username="b_clerk", display_name="钱管家", phone="13700001111")
    services.staff_add(actor=None, company=b_company, user=user, title="管家")
    return user


@pytest.fixture
def b_staff(b_clerk):
    return PropertyStaff.objects.get(user=b_clerk)


@pytest.fixture
def a_committee(world):
    return CommitteeFactory(compound=world.a1, kind=BodyKind.OWNERS_COMMITTEE)


@pytest.fixture
def a_member(resident, a_committee):
    services.seat_add(actor=None, committee=a_committee, user=resident, role="member")
    return resident


@pytest.fixture
def a_company(world):
    company = CompanyFactory(name="东湾物业")
    active_contract(world.a1, company)
    return company


@pytest.fixture
def a_clerk(a_company):
    user = factories.UserFactory(username="a_clerk", display_name="孙管家", phone="13700002222")
    services.staff_add(actor=None, company=a_company, user=user)
    return user


@pytest.fixture(autouse=True)
def _english(client):
    """Assertions quote the English source messages; the UI's default language is Chinese."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
