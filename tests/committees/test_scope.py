"""A member of compound A's committee, a property clerk of a company without a contract at B and
an officer of another community all get 404 on compound B's records, pages and API, for every
method, and nothing changes."""

import json

import pytest
from django.urls import reverse

from .conftest import snapshot

OUTSIDERS = ("a_member", "a_clerk", "officer", "resident", "stranger")


@pytest.fixture
def b_records(world, b_committee, b_seat, b_contract, b_staff):
    """Compound B1's committee, seat, contract, company and staff row."""
    return {
        "compound": world.b1.pk,
        "committee": b_committee.pk,
        "seat": b_seat.pk,
        "contract": b_contract.pk,
        "company": b_contract.company_id,
        "staff": b_staff.pk,
    }


PAGES = [
    ("committees:compound", "compound", ("get",)),
    ("committees:committee-create", "compound", ("get", "post")),
    ("committees:contract-create", "compound", ("get", "post")),
    ("committees:committee-edit", "committee", ("get", "post")),
    ("committees:committee-dissolve", "committee", ("get", "post")),
    ("committees:seat-add", "committee", ("get", "post")),
    ("committees:seat-end", "seat", ("get", "post")),
    ("committees:company-detail", "company", ("get", "post")),
    ("committees:company-edit", "company", ("get", "post")),
    ("committees:staff-add", "company", ("get", "post")),
    ("committees:staff-end", "staff", ("get", "post")),
    ("committees:contract-end", "contract", ("get", "post")),
]

API = [
    ("/api/v1/committees/{}/", "committee"),
    ("/api/v1/committees/{}/seats/", "committee"),
    ("/api/v1/committees/{}/dissolve/", "committee"),
    ("/api/v1/committee-seats/{}/", "seat"),
    ("/api/v1/committee-seats/{}/end/", "seat"),
    ("/api/v1/property-contracts/{}/", "contract"),
    ("/api/v1/property-contracts/{}/end/", "contract"),
    ("/api/v1/property-companies/{}/", "company"),
    ("/api/v1/property-companies/{}/staff/", "company"),
    ("/api/v1/property-staff/{}/", "staff"),
    ("/api/v1/property-staff/{}/end/", "staff"),
]

POST = {
    "kind": "owners_committee", "term_start": "2025-01-01", "term_end": "2030-01-01", "reason": "越权",
    "name": "越权", "credit_code": "91420500000000000G", "phone": "13700002222", "role": "member",
    "company": "1", "starts_on": "2025-01-01", "ends_on": "2030-01-01", "fee_per_m2": "1.00",
}


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_compound_bs_pages_and_nothing_changes(request, client, b_records, who):
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    for name, kind, methods in PAGES:
        url = reverse(name, args=[b_records[kind]])
        for method in methods:
            response = client.post(url, POST) if method == "post" else client.get(url)
            assert response.status_code == 404, f"{who} {method} {url} → {response.status_code}"
    assert snapshot() == before


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_compound_bs_api_records_for_every_method(request, client, b_records, token_for, who):
    headers = token_for(request.getfixturevalue(who))
    before = snapshot()
    for template, kind in API:
        url = template.format(b_records[kind])
        for method in ("get", "post", "put", "patch", "delete"):
            if method == "get":
                response = client.get(url, **headers)
            else:
                response = getattr(client, method)(url, data=json.dumps(POST), content_type="application/json", **headers)
            assert response.status_code == 404, f"{who} {method} {url} → {response.status_code}"
            assert response.json()["error"]["status"] == 404
    assert snapshot() == before


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_do_not_see_compound_bs_records_in_api_lists(request, client, b_records, token_for, who):
    headers = token_for(request.getfixturevalue(who))
    for url, kind in [
        ("/api/v1/committees/", "committee"),
        ("/api/v1/committee-seats/", "seat"),
        ("/api/v1/property-contracts/", "contract"),
        ("/api/v1/property-companies/", "company"),
        ("/api/v1/property-staff/", "staff"),
    ]:
        ids = {row["id"] for row in client.get(url, **headers).json()["results"]}
        assert b_records[kind] not in ids, f"{who} sees {kind} in {url}"


def test_outsiders_cannot_create_in_compound_b_through_the_api(client, world, officer, b_company, token_for):
    headers = token_for(officer)
    before = snapshot()
    r = client.post(
        "/api/v1/committees/",
        {"compound": world.b1.pk, "kind": "owners_committee", "term_start": "2025-01-01", "term_end": "2030-01-01"},
        content_type="application/json", **headers,
    )
    assert r.status_code == 400 and "compound" in r.json()["error"]["details"]
    r = client.post(
        "/api/v1/property-contracts/",
        {"compound": world.b1.pk, "company": b_company.pk, "starts_on": "2030-01-01", "ends_on": "2031-01-01", "fee_per_m2": "1"},
        content_type="application/json", **headers,
    )
    assert r.status_code == 400 and "compound" in r.json()["error"]["details"]
    assert snapshot() == before


def test_the_insiders_reach_compound_bs_records(client, other_officer, b_clerk, b_records, token_for):
    """Positive control: B's officer reaches every page and record; B's clerk reads the
    company, its contract and staff, but may not change them (403, nothing changed)."""
    client.force_login(other_officer)
    for name, kind, _methods in PAGES:
        assert client.get(reverse(name, args=[b_records[kind]])).status_code in (200, 405), name
    headers = token_for(b_clerk)
    for url in (
        f"/api/v1/property-contracts/{b_records['contract']}/",
        f"/api/v1/property-companies/{b_records['company']}/",
        f"/api/v1/property-staff/{b_records['staff']}/",
    ):
        assert client.get(url, **headers).status_code == 200, url
    before = snapshot()
    assert client.post(f"/api/v1/property-contracts/{b_records['contract']}/end/", {"reason": "x"}, **headers).status_code == 403
    assert client.patch(
        f"/api/v1/property-companies/{b_records['company']}/", {"name": "改名"}, content_type="application/json", **headers
    ).status_code == 403
    assert client.post(f"/api/v1/property-staff/{b_records['staff']}/end/", **headers).status_code == 403
    assert client.get(f"/api/v1/committees/{b_records['committee']}/", **headers).status_code == 404
    assert snapshot() == before


def test_a_new_company_without_contracts_is_in_the_shared_registry(client, world, officer, other_officer):
    from .factories import CompanyFactory

    company = CompanyFactory()
    for user in (officer, other_officer):
        client.force_login(user)
        assert client.get(reverse("committees:company-detail", args=[company.pk])).status_code == 200
