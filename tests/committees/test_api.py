"""REST API: reads in scope, writes for officers through the services, errors in one format."""

import datetime

import pytest
from django.utils import timezone

from committees.credit_code import make_code
from committees.models import Committee, ContractStatus, PropertyCompany, PropertyContract, Seat

from .conftest import snapshot
from .factories import CompanyFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def api(client, officer, token_for):
    headers = token_for(officer)

    def call(method, url, data=None):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return getattr(client, method)(url, data, **kwargs, **headers) if data is not None else getattr(client, method)(url, **headers)

    return call


def test_committees_are_read_with_their_seats_nested(api, a_member, a_committee):
    body = api("get", "/api/v1/committees/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == a_committee.pk
    assert [s["person"]["id"] for s in row["seats"]] == [a_member.pk]


def test_an_officer_creates_a_committee_seats_an_owner_and_ends_the_seat(api, world, resident):
    r = api("post", "/api/v1/committees/", {
        "compound": world.a1.pk, "kind": "owners_committee",
        "term_start": TODAY.isoformat(), "term_end": (TODAY + 1000 * DAY).isoformat(),
    })
    assert r.status_code == 201, r.json()
    committee_id = r.json()["id"]
    r = api("post", f"/api/v1/committees/{committee_id}/seats/", {"user": resident.pk, "role": "chair"})
    assert r.status_code == 201, r.json()
    r = api("post", f"/api/v1/committee-seats/{r.json()['id']}/end/", {})
    assert r.status_code == 200 and r.json()["ended_on"] == TODAY.isoformat()


def test_a_seat_for_a_non_owner_is_a_400_in_the_error_format_and_changes_nothing(api, a_committee, stranger):
    before = snapshot()
    r = api("post", f"/api/v1/committees/{a_committee.pk}/seats/", {"user": stranger.pk, "role": "member"})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "invalid" and "not a verified owner" in error["details"]["user"][0]
    assert snapshot() == before


def test_an_overlapping_term_is_a_400(api, world, a_committee):
    before = snapshot()
    r = api("post", "/api/v1/committees/", {
        "compound": world.a1.pk, "kind": "owners_committee",
        "term_start": TODAY.isoformat(), "term_end": (TODAY + 10 * DAY).isoformat(),
    })
    assert r.status_code == 400 and "term_start" in r.json()["error"]["details"]
    assert snapshot() == before


def test_editing_a_committee_term(api, a_committee):
    end = a_committee.term_end + 5 * DAY
    r = api("patch", f"/api/v1/committees/{a_committee.pk}/", {"term_end": end.isoformat()})
    assert r.status_code == 200, r.json()
    assert Committee.objects.get().term_end == end


def test_dissolving_a_committee(api, a_committee, a_member):
    r = api("post", f"/api/v1/committees/{a_committee.pk}/dissolve/", {})
    assert r.status_code == 200
    assert not Seat.objects.filter(ended_on__isnull=True).exists()
    assert api("post", f"/api/v1/committees/{a_committee.pk}/dissolve/", {}).status_code == 400


def test_contracts_are_created_refused_when_a_second_and_ended(api, world, a_company, a_clerk):
    other = CompanyFactory()
    before = snapshot()
    r = api("post", "/api/v1/property-contracts/", {
        "compound": world.a1.pk, "company": other.pk, "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + 365 * DAY).isoformat(), "fee_per_m2": "1.10",
    })
    assert r.status_code == 400 and "starts_on" in r.json()["error"]["details"]
    assert snapshot() == before
    contract = a_company.contracts.get()
    r = api("post", f"/api/v1/property-contracts/{contract.pk}/end/", {})
    assert r.status_code == 400 and "reason" in r.json()["error"]["details"]
    r = api("post", f"/api/v1/property-contracts/{contract.pk}/end/", {"reason": "解聘"})
    assert r.status_code == 200 and r.json()["status"] == ContractStatus.ENDED
    r = api("post", "/api/v1/property-contracts/", {
        "compound": world.a1.pk, "company": other.pk, "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + 365 * DAY).isoformat(), "fee_per_m2": "1.10",
    })
    assert r.status_code == 201 and r.json()["status"] == ContractStatus.ACTIVE
    assert PropertyContract.objects.filter(status=ContractStatus.ACTIVE).count() == 1


@pytest.mark.parametrize("code", ["9142050000000000", "91420500000000000A", "91420500O00000000G"])
def test_a_bad_credit_code_is_a_400(api, code):
    r = api("post", "/api/v1/property-companies/", {"name": "坏码物业", "credit_code": code})
    assert r.status_code == 400 and "credit_code" in r.json()["error"]["details"]
    assert not PropertyCompany.objects.exists()


def test_companies_are_created_edited_and_staffed(api, stranger):
    code = make_code("91420500MA4K00002")
    r = api("post", "/api/v1/property-companies/", {"name": "新物业", "credit_code": code.lower(), "has_party_organisation": True})
    assert r.status_code == 201, r.json()
    company_id = r.json()["id"]
    assert r.json()["credit_code"] == code
    r = api("patch", f"/api/v1/property-companies/{company_id}/", {"contact_name": "周经理"})
    assert r.status_code == 200 and r.json()["contact_name"] == "周经理"
    r = api("post", f"/api/v1/property-companies/{company_id}/staff/", {"phone": "13999999999"})
    assert r.status_code == 400 and "phone" in r.json()["error"]["details"]
    r = api("post", f"/api/v1/property-companies/{company_id}/staff/", {"phone": stranger.phone, "title": "保安"})
    assert r.status_code == 201
    r = api("post", f"/api/v1/property-staff/{r.json()['id']}/end/", {})
    assert r.status_code == 200 and r.json()["ended_on"] == TODAY.isoformat()
    assert api("post", f"/api/v1/property-staff/{r.json()['id']}/end/", {}).status_code == 400


def test_the_company_list_filters_by_search(api, a_company):
    CompanyFactory(name="别家")
    rows = api("get", "/api/v1/property-companies/?search=东湾").json()["results"]
    assert [r["name"] for r in rows] == [a_company.name]
    assert rows[0]["contracts_in_force"] == 1


def test_a_clerk_reads_colleagues_numbers_masked_and_officers_in_full(client, officer, b_company, b_clerk, token_for):
    from committees import services
    from tests import factories

    colleague = factories.UserFactory(phone="13655556666")
    services.staff_add(actor=None, company=b_company, user=colleague)
    rows = client.get("/api/v1/property-staff/", **token_for(b_clerk)).json()["results"]
    phones = {r["person"]["id"]: r["person"]["phone"] for r in rows}
    assert phones == {b_clerk.pk: b_clerk.phone, colleague.pk: "136****6666"}
