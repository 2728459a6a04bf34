"""An officer of another community gets 404 on community B's Party records, pages and API,
for GET and POST, and nothing changes; B's officer (the positive control) reaches them."""

import pytest
from django.urls import reverse

from governance.party import services

from .conftest import snapshot


@pytest.fixture
def b_records(branch_b, member_b, zone_b, other_officer, b_member_user, world, posts):
    from datetime import date

    seat = services.branch_seat_add(actor=other_officer, branch=branch_b, member=member_b, role="secretary", term_start=date(2026, 1, 1))
    group = services.group_save(actor=other_officer, branch=branch_b, name="一组", buildings=[world.b_home.building])
    checkin = services.checkin_register(actor=b_member_user, member=member_b, community=world.b, posts=[posts["patrol"]])
    claim = member_b.post_claims.get()
    return {"branch": branch_b, "member": member_b, "zone": zone_b, "seat": seat, "group": group, "checkin": checkin, "claim": claim}


PAGES = [
    ("party:branch-detail", "branch"), ("party:branch-edit", "branch"), ("party:branch-dissolve", "branch"),
    ("party:member-add", "branch"), ("party:seat-add", "branch"), ("party:group-create", "branch"),
    ("party:leader-set", "branch"), ("party:zone-create", "branch"),
    ("party:member-detail", "member"), ("party:member-edit", "member"), ("party:member-leave", "member"),
    ("party:member-record", "member"), ("party:seat-end", "seat"), ("party:group-edit", "group"),
    ("party:zone-edit", "zone"), ("party:zone-end", "zone"), ("party:post-release", "claim"),
]
API = [
    ("party-branch-detail", "branch"), ("party-branch-add-member", "branch"), ("party-branch-add-seat", "branch"),
    ("party-branch-dissolve", "branch"), ("party-branch-set-leader", "branch"), ("party-member-detail", "member"), ("party-member-leave", "member"),
    ("party-group-detail", "group"), ("party-zone-detail", "zone"), ("party-zone-end", "zone"),
    ("party-checkin-detail", "checkin"),
]
POST = {"name": "越权", "phone": "13812341234", "kind": "resident", "compound": "1", "member": "1", "households": ["1"]}


@pytest.mark.parametrize("who", ["officer", "subdistrict_admin", "resident", "stranger"])
def test_outsiders_get_404_on_b_pages_for_get_and_post_and_nothing_changes(request, client, b_records, who):
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    for name, kind in PAGES:
        url = reverse(name, args=[b_records[kind].pk])
        assert client.get(url).status_code == 404, (who, name)
        assert client.post(url, POST).status_code == 404, (who, name)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["officer", "resident", "stranger"])
def test_outsiders_get_404_on_b_api_for_every_method_and_nothing_changes(request, client, b_records, token_for, who):
    headers = token_for(request.getfixturevalue(who))
    before = snapshot()
    for name, kind in API:
        url = reverse(name, args=[b_records[kind].pk])
        for method in ("get", "post", "put", "patch", "delete"):
            data = {} if method == "get" else POST
            response = getattr(client, method)(url, data=data, content_type="application/json", headers=headers)
            assert response.status_code == 404, (who, name, method, response.status_code)
            assert response.json()["error"]["status"] == 404
    assert snapshot() == before


def test_outsiders_do_not_see_b_records_in_api_lists(client, b_records, token_for, officer):
    headers = token_for(officer)
    for url in ("/api/v1/party/branches/", "/api/v1/party/members/", "/api/v1/party/groups/", "/api/v1/party/zones/", "/api/v1/party/checkins/"):
        assert client.get(url, headers=headers).json()["results"] == [], url


def test_an_officer_cannot_create_in_another_community_through_the_api(client, token_for, officer, world, branch_b, member_b):
    headers = token_for(officer)
    before = snapshot()
    response = client.post("/api/v1/party/branches/", {
        "community": world.b.pk, "name": "越权", "founded_on": "2026-01-01", "compounds": [world.b1.pk],
    }, content_type="application/json", headers=headers)
    assert response.status_code == 400
    response = client.post("/api/v1/party/zones/", {
        "branch": branch_b.pk, "compound": world.b1.pk, "member": member_b.pk, "name": "越权", "households": [world.b_home.pk],
    }, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert snapshot() == before


def test_the_officer_in_scope_reaches_every_b_page_and_endpoint(client, b_records, other_officer, token_for):
    client.force_login(other_officer)
    for name, kind in PAGES:
        status = client.get(reverse(name, args=[b_records[kind].pk])).status_code
        assert status in (200, 405), (name, status)
    headers = token_for(other_officer)
    for name, kind in API:
        status = client.get(reverse(name, args=[b_records[kind].pk]), headers=headers).status_code
        assert status in (200, 405), (name, status)


def test_a_member_sees_their_own_membership_and_check_ins_in_the_api(client, b_records, b_member_user, token_for):
    headers = token_for(b_member_user)
    assert [m["id"] for m in client.get("/api/v1/party/members/", headers=headers).json()["results"]] == [b_records["member"].pk]
    assert [c["id"] for c in client.get("/api/v1/party/checkins/", headers=headers).json()["results"]] == [b_records["checkin"].pk]
    assert client.get("/api/v1/party/branches/", headers=headers).json()["results"] == []
    # seeing one's membership is not managing it
    response = client.post(reverse("party-member-leave", args=[b_records["member"].pk]), headers=headers)
    assert response.status_code == 403
