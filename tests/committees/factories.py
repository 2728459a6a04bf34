"""Factories and builders for committees, companies, staff and contracts.

Rows that grant roles (seats, staff, contracts) are built through the services, so the roles and
permissions follow as they do in production."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from committees import services
from committees.credit_code import make_code
from committees.models import BodyKind, Committee, PropertyCompany
from compounds import services as place_services

from .. import factories


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = PropertyCompany

    name = factory.Sequence(lambda n: f"物业公司{n}")
    credit_code = factory.Sequence(lambda n: make_code(f"91420500{n:09d}"))
    contact_name = "王经理"
    contact_phone = "0717-1234567"


class CommitteeFactory(DjangoModelFactory):
    class Meta:
        model = Committee

    compound = factory.SubFactory(factories.CompoundFactory)
    kind = BodyKind.OWNERS_COMMITTEE
    term_start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    term_end = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=4 * 365))


def verified_owner(household, officer, **user_fields):
    user = factories.UserFactory(**user_fields)
    residency = place_services.residency_claim(user=user, household=household, relation="owner")
    place_services.residency_verify(actor=officer, residency=residency)
    return user


def active_contract(compound, company=None, **fields):
    today = timezone.localdate()
    return services.contract_create(
        actor=None,
        compound=compound,
        company=company or CompanyFactory(),
        starts_on=fields.get("starts_on", today - datetime.timedelta(days=30)),
        ends_on=fields.get("ends_on", today + datetime.timedelta(days=3 * 365)),
        fee_per_m2=fields.get("fee_per_m2", Decimal("1.20")),
    )


# --- Objects in community B for the URL walker (tests/compounds/test_url_walker.py) -------------


def walker_object(scene, kind):
    """The walker calls its builder for every route, so each object is built once and cached."""
    key = f"committees:{kind}"
    if key not in scene.cache:
        scene.cache[key] = _WALKER[kind](scene)
    return scene.cache[key]


def _committee(s):
    return services.committee_create(
        actor=None, compound=s.world.b1, kind=BodyKind.OWNERS_COMMITTEE,
        term_start=timezone.localdate() - datetime.timedelta(days=100),
        term_end=timezone.localdate() + datetime.timedelta(days=1000),
    )


def _seat(s):
    owner = verified_owner(s.world.households[("WB1", "2 号楼", "101")], s.insider, display_name="B 业主")
    return services.seat_add(actor=None, committee=walker_object(s, "committee"), user=owner, role="chair")


def _contract(s):
    return active_contract(s.world.b1)


def _company(s):
    return walker_object(s, "contract").company


def _staff(s):
    return services.staff_add(actor=None, company=walker_object(s, "company"), user=factories.UserFactory(), title="管家")


_WALKER = {"committee": _committee, "seat": _seat, "contract": _contract, "company": _company, "staff": _staff}
