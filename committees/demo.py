"""The demo's three carriages: owners' committees (some compounds also a supervisory board, one an
interim committee, one nothing yet), three property companies with valid credit codes, their staff
and a contract in force in every compound but one.

Written through ``committees.services`` with the demo officers as actors. Idempotent: a compound
that already has a committee or a contract is left alone, companies are found by credit code and
staff by user, so a second run changes nothing.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from compounds import demo as compounds_demo
from compounds import services as place_services
from compounds.models import Compound, Household, Residency, ResidencyStatus
from governance.accounts.models import User

from . import services
from .credit_code import make_code
from .models import BodyKind, Committee, PropertyCompany, PropertyContract, PropertyStaff

# (credit code without its check character, name, address, contact, contact phone, service line,
#  has a Party organisation, instructor)
COMPANIES = [
    ("91420500MA49A1B2C", "宜昌安泰物业服务有限公司", "西陵区东山大道 100 号", "周建华", "0717-6221001", "0717-6221000", True, "刘志红"),
    ("91420502MA4C7D8E1", "三峡城市物业管理有限公司", "西陵区夷陵大道 58 号", "黄丽", "0717-6332002", "0717-6332000", True, ""),
    ("91420503MA4F5G6H7", "宜昌居安物业有限公司", "伍家岗区沿江大道 9 号", "吴强", "0717-6443003", "0717-6443000", False, ""),
]
# (username, display name, phone, company index, job title)
STAFF = [
    ("wuye1", "周建华（安泰物业）", "13900000101", 0, "项目经理"),
    ("wuye2", "黄丽（三峡城市物业）", "13900000102", 1, "客服主管"),
    ("wuye3", "吴强（居安物业）", "13900000103", 2, "项目经理"),
]
NO_PROPERTY_SERVICE = "TLB"  # 铁路坝小区: the railway quarters, looked after by an interim committee
INTERIM = "TLB"
NO_COMMITTEE = "SLSL"  # the small one sharing the joint branch: committee not formed yet
BOARDS = {"JGSY", "SD", "AJ"}
COMMITTEE_SEATS = ("chair", "vice_chair", "member", "member", "member")
# Named owners the README lists; the others are demo owners yz-<compound>-<n>.
NAMED_OWNERS = {("JGSY", 0): ("shuji", "王德明", "13800000010")}


def _officers() -> dict[str, User]:
    return {
        scope: User.objects.get(username=username)
        for username, _name, _phone, role, scope in compounds_demo.STAFF
        if role == "community_officer"
    }


def owner(compound: Compound, index: int, officer: User) -> User:
    """The ``index``-th demo owner of ``compound``: a verified owner of a household of its own.

    The verified owners among the crowd (r000…) come first, then demo owners yz-<code>-<n> are
    claimed and verified (each verification is a full service call: keep the seed fast)."""
    if (compound.code, index) not in NAMED_OWNERS:
        crowd = list(
            Residency.objects.filter(
                household__building__compound=compound, status=ResidencyStatus.VERIFIED, relation="owner",
                user__username__regex=r"^r[0-9]{3}$",
            ).order_by("user__username").values_list("user", flat=True)
        )
        if index < len(crowd):
            return User.objects.get(pk=crowd[index])
    username, name, phone = NAMED_OWNERS.get(
        (compound.code, index),
        (f"yz-{compound.code.lower()}-{index}", None, None),
    )
    rng = random.Random(f"{compound.code}-{index}")
    if name is None:
        name = compounds_demo._person(rng)
        phone = f"136{Compound.objects.filter(code__lt=compound.code).count():02d}{index:06d}"
    user, _created = compounds_demo._user(username, name, phone)
    if not Residency.objects.filter(user=user, status=ResidencyStatus.VERIFIED).exists():
        # Owners of the last households by address, away from the crowd of r000…r119.
        household = (
            Household.objects.filter(building__compound=compound)
            .order_by("-building__name", "-unit", "-room")[index]
        )
        residency = place_services.residency_claim(user=user, household=household, relation="owner")
        place_services.residency_verify(actor=officer, residency=residency)
    return user


def _committee(compound, kind, officer, today, rng, owners) -> None:
    start = today - timedelta(days=rng.randrange(120, 1200))
    committee = services.committee_create(
        actor=officer, compound=compound, kind=kind, term_start=start,
        term_end=start + timedelta(days=5 * 365), filed_on=start + timedelta(days=20),
    )
    roles = COMMITTEE_SEATS if kind != BodyKind.SUPERVISORY_BOARD else ("chair", "member", "member")
    for user, role in zip(owners, roles, strict=False):
        services.seat_add(actor=officer, committee=committee, user=user, role=role, started_on=start)


def seed(stdout=None) -> dict:
    say = stdout.write if stdout else (lambda s: None)
    today = timezone.localdate()
    officers = _officers()
    district_admin = User.objects.get(username="district")
    compounds = {c.code: c for c in Compound.objects.filter(code__in=[c[0] for c in compounds_demo.COMPOUNDS]).select_related("community")}

    with transaction.atomic():
        companies = []
        for first17, name, address, contact, contact_phone, service_phone, has_party, instructor in COMPANIES:
            code = make_code(first17)
            company = PropertyCompany.objects.filter(credit_code=code).first() or services.company_create(
                actor=district_admin, name=name, credit_code=code, address=address, contact_name=contact,
                contact_phone=contact_phone, service_phone=service_phone, has_party_organisation=has_party,
                party_instructor=instructor,
            )
            companies.append(company)
        for username, name, phone, index, title in STAFF:
            user, _ = compounds_demo._user(username, name, phone)
            if not PropertyStaff.objects.filter(user=user, ended_on__isnull=True).exists():
                services.staff_add(actor=district_admin, company=companies[index], user=user, title=title, is_contact=True)

    for position, (code, *_rest) in enumerate(compounds_demo.COMPOUNDS):
        compound = compounds[code]
        officer = officers[compound.community.code]
        rng = random.Random(f"committees-{code}")
        with transaction.atomic():
            if code != NO_COMMITTEE and not Committee.objects.filter(compound=compound).exists():
                if code == INTERIM:
                    _committee(compound, BodyKind.INTERIM_COMMITTEE, officer, today, rng,
                               [owner(compound, i, officer) for i in range(3)])
                else:
                    _committee(compound, BodyKind.OWNERS_COMMITTEE, officer, today, rng,
                               [owner(compound, i, officer) for i in range(5)])
                    if code in BOARDS:
                        _committee(compound, BodyKind.SUPERVISORY_BOARD, officer, today, rng,
                                   [owner(compound, i, officer) for i in range(5, 8)])
            if code != NO_PROPERTY_SERVICE and not PropertyContract.objects.filter(compound=compound).exists():
                start = today - timedelta(days=rng.randrange(60, 700))
                services.contract_create(
                    actor=officer, compound=compound, company=companies[position % len(companies)],
                    starts_on=start, ends_on=start + timedelta(days=3 * 365),
                    fee_per_m2=Decimal(rng.randrange(80, 220)) / 100,
                )
    counts = {
        "committees": Committee.objects.count(),
        "companies": PropertyCompany.objects.count(),
        "contracts": PropertyContract.objects.count(),
    }
    say(f"Demo committees and property service: {counts}")
    return counts


def accounts_table() -> list[tuple[str, str, str]]:
    rows = [(u, n, f"Property staff, {COMPANIES[i][1]}") for u, n, _p, i, _t in STAFF]
    rows.append(("yz-<code>-<n>", "", "Owners on committees and boards, e.g. yz-dw-0 (chair, 东湾小区)"))
    return rows
