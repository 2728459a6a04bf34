"""'Who serves us': residents of the compound and officers managing it see it; nobody else does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees import services as committee_services
from compounds.models import RoleAssignment
from governance.party import services as party_services
from governance.party.models import ResponsibilityZone

from .. import factories
from .conftest import verified_owner

pytestmark = pytest.mark.django_db


def url(compound):
    return reverse("dashboards:who-serves-us", args=[compound.pk])


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_resident_sees_who_serves_their_compound(serving, world, resident, english):
    english.force_login(resident)
    response = english.get(url(world.a1))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("江工塑院小区党支部", "王书记", "李党员", "1 号楼责任区", "Building leader of 1 号楼",
                 "Owners&#x27; committee", "Owners&#x27; supervisory board", "宜昌安泰物业服务有限公司",
                 "0717-6000000", "物业小周", serving.contract.ends_on.isoformat()):
        assert text in page, text
    assert page.count('data-testid="party-badge"') >= 3  # secretary, zone member, building leader (and chair)


def test_phone_numbers_are_masked_unless_the_person_shows_them(serving, world, resident, english):
    english.force_login(resident)
    page = english.get(url(world.a1)).content.decode()
    assert "13700001111" not in page and "137****1111" in page  # the secretary keeps it hidden
    assert "13700002222" in page  # the zone member chose to show it
    assert "13700003333" not in page and "137****3333" in page  # the property contact
    assert "13812341234" in page  # one's own number, on one's own seat


def test_seats_are_listed_chair_first(serving, world, resident, english):
    english.force_login(resident)
    page = english.get(url(world.a1)).content.decode()
    assert page.index(">Chair<") < page.index(">Vice-chair<") < page.index(">Member<")


def test_a_compound_without_property_service_says_so(serving, world, resident, officer, english):
    committee_services.contract_end(actor=officer, contract=serving.contract, reason="合同到期未续")
    english.force_login(resident)
    page = english.get(url(world.a1)).content.decode()
    assert 'data-testid="no-property"' in page and "宜昌安泰" not in page


def test_the_managing_officer_sees_it(serving, world, officer, subdistrict_admin, district_admin, client):
    for user in (officer, subdistrict_admin, district_admin):
        client.force_login(user)
        assert client.get(url(world.a1)).status_code == 200


@pytest.mark.parametrize("who", ["b_resident", "stranger", "other_officer", "pending_claimant"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_people_outside_the_compound_get_404(serving, world, who, method, request, client, other_officer, stranger):
    if who == "b_resident":
        user = factories.UserFactory()
        verified_owner(user, world.b_home, other_officer)
    elif who == "pending_claimant":
        user = factories.UserFactory()
        from compounds import services as place_services

        place_services.residency_claim(user=user, household=world.households[("WA1", "2 号楼", "102")], relation="owner")
    else:
        user = request.getfixturevalue(who)
    before = RoleAssignment.objects.count(), ResponsibilityZone.objects.count()
    client.force_login(user)
    assert getattr(client, method)(url(world.a1)).status_code == 404
    assert (RoleAssignment.objects.count(), ResponsibilityZone.objects.count()) == before


def test_a_resident_cannot_post(serving, world, resident, client):
    client.force_login(resident)
    assert client.post(url(world.a1)).status_code == 405


def test_anonymous_visitors_are_sent_to_log_in(serving, world, client):
    response = client.get(url(world.a1))
    assert response.status_code == 302 and "login" in response["Location"]


def _queries(client, compound):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(compound)).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_takes_a_fixed_number_of_queries(serving, world, resident, officer, client, django_assert_num_queries):
    client.force_login(resident)
    before = _queries(client, world.a1)
    # More seats, more branch seats, more zones and more of the resident's households: same count.
    extra = factories.UserFactory()
    verified_owner(extra, world.households[("WA1", "2 号楼", "102")], officer)
    committee_services.seat_add(actor=officer, committee=serving.committee, user=extra, role="member")
    member = party_services.member_add(actor=officer, branch=serving.branch, user=extra, kind="resident")
    party_services.branch_seat_add(actor=officer, branch=serving.branch, member=member, role="committee_member", term_start=serving.branch.founded_on)
    party_services.zone_save(actor=officer, branch=serving.branch, compound=world.a1, member=member, name="2 号楼责任区",
                             buildings=[world.households[("WA1", "2 号楼", "101")].building])
    from compounds import services as place_services

    r = place_services.residency_claim(user=resident, household=world.households[("WA1", "2 号楼", "101")], relation="family")
    place_services.residency_verify(actor=officer, residency=r)
    after = _queries(client, world.a1)
    assert after == before
    with django_assert_num_queries(14):  # 13 + the latest published star ratings
        client.get(url(world.a1))


def test_home_links_a_verified_resident_to_who_serves_us(serving, world, resident, client):
    client.force_login(resident)
    assert url(world.a1) in client.get(reverse("home")).content.decode()
