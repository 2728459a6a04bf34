"""The serving world on top of the shared cast (tests/conftest.py), built through the services.

Compound A1 (community A): a branch with secretary ``shuji`` (owner of 2 号楼 101) and member
``dangyuan`` (zone member of 1 号楼, building leader of 1 号楼, in-service, checked in with two
posts); an owners' committee in term (shuji chair, resident vice-chair, neighbour member), a
supervisory board (neighbour), a contract in force with a company whose contact is ``wuye``.
Compound A2 (community A): two households and nothing else. Compound B1 (community B): an interim
committee with one seat. A lapsed check-in of ``laodang`` (in-service) in community A.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from committees import services as committee_services
from committees.credit_code import make_code
from committees.models import BodyKind
from compounds import services as place_services
from governance.party import services as party_services
from governance.party.models import CheckInStatus, MemberCheckIn, ServicePost

from .. import factories


def verified_owner(user, household, officer):
    residency = place_services.residency_claim(user=user, household=household, relation="owner")
    return place_services.residency_verify(actor=officer, residency=residency)


@pytest.fixture
def serving(world, officer, other_officer, resident, neighbour):
    today = timezone.localdate()
    a2 = factories.CompoundFactory(community=world.a, code="WA2", name="东湾小区")
    b = factories.BuildingFactory(compound=a2, name="1 号楼")
    for room in ("101", "102"):
        factories.HouseholdFactory(building=b, room=room)

    shuji = factories.UserFactory(username="shuji", display_name="王书记", phone="13700001111")
    dangyuan = factories.UserFactory(username="dangyuan", display_name="李党员", phone="13700002222", show_phone=True)
    laodang = factories.UserFactory(username="laodang", display_name="赵老党员")
    verified_owner(shuji, world.households[("WA1", "2 号楼", "101")], officer)

    branch = party_services.branch_create(
        actor=officer, community=world.a, name="江工塑院小区党支部", kind="compound",
        founded_on=today - timedelta(days=800), compounds=[world.a1],
    )
    m_shuji = party_services.member_add(actor=officer, branch=branch, user=shuji, kind="resident")
    m_dangyuan = party_services.member_add(actor=officer, branch=branch, user=dangyuan, kind="in_service", employer="市供电公司")
    m_laodang = party_services.member_add(actor=officer, branch=branch, user=laodang, kind="in_service", employer="市一医院")
    party_services.branch_seat_add(actor=officer, branch=branch, member=m_shuji, role="secretary", term_start=today - timedelta(days=300))
    building1 = world.home.building
    party_services.zone_save(actor=officer, branch=branch, compound=world.a1, member=m_dangyuan, name="1 号楼责任区", buildings=[building1])
    party_services.building_leader_set(actor=officer, building=building1, member=m_dangyuan)
    posts = list(ServicePost.objects.filter(active=True).order_by("position")[:2])
    party_services.checkin_register(actor=officer, member=m_dangyuan, community=world.a, posts=posts)
    lapsed = party_services.checkin_register(actor=officer, member=m_laodang, community=world.a, posts=posts[:1])
    MemberCheckIn.objects.filter(pk=lapsed.pk).update(status=CheckInStatus.LAPSED)

    committee = committee_services.committee_create(
        actor=officer, compound=world.a1, kind=BodyKind.OWNERS_COMMITTEE,
        term_start=today - timedelta(days=200), term_end=today + timedelta(days=1000),
    )
    committee_services.seat_add(actor=officer, committee=committee, user=shuji, role="chair")
    committee_services.seat_add(actor=officer, committee=committee, user=resident, role="vice_chair")
    committee_services.seat_add(actor=officer, committee=committee, user=neighbour, role="member")
    board = committee_services.committee_create(
        actor=officer, compound=world.a1, kind=BodyKind.SUPERVISORY_BOARD,
        term_start=today - timedelta(days=200), term_end=today + timedelta(days=1000),
    )
    committee_services.seat_add(actor=officer, committee=board, user=neighbour, role="chair")
    interim = committee_services.committee_create(
        actor=other_officer, compound=world.b1, kind=BodyKind.INTERIM_COMMITTEE,
        term_start=today - timedelta(days=30), term_end=today + timedelta(days=300),
    )
    committee_services.seat_add(actor=other_officer, committee=interim, user=factories.UserFactory(), role="chair")

    company = committee_services.company_create(
        actor=officer, name="宜昌安泰物业服务有限公司", credit_code=make_code("91420500MA4F00001"),
        contact_name="周经理", contact_phone="0717-6000001", service_phone="0717-6000000",
    )
    wuye = factories.UserFactory(username="wuye", display_name="物业小周", phone="13700003333")
    committee_services.staff_add(actor=officer, company=company, user=wuye, title="项目经理", is_contact=True)
    contract = committee_services.contract_create(
        actor=officer, compound=world.a1, company=company, starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=600), fee_per_m2=Decimal("1.20"),
    )
    return type(
        "Serving", (), {
            "a2": a2, "branch": branch, "shuji": shuji, "dangyuan": dangyuan, "company": company,
            "contract": contract, "committee": committee, "wuye": wuye,
        },
    )
