"""The REST API: reads with coverage, seats and household ids; writes through the services, with
their refusals as 400s in the project's error format."""

from django.urls import reverse

from compounds.models import RoleAssignment
from governance.accounts.roles import Role
from governance.party.models import PartyBranch, ZoneHousehold

from .conftest import snapshot


def test_an_officer_creates_a_branch_adds_a_member_a_seat_and_a_zone(client, token_for, officer, world, resident):
    headers = token_for(officer)
    response = client.post("/api/v1/party/branches/", {
        "community": world.a.pk, "name": "江工塑院小区党支部", "kind": "compound", "founded_on": "2020-07-01", "compounds": [world.a1.pk],
    }, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    branch = response.json()
    assert branch["compounds"] == [{"id": world.a1.pk, "name": "江工塑院小区"}] and branch["households"] == 4

    response = client.post(reverse("party-branch-add-member", args=[branch["id"]]), {"phone": resident.phone, "kind": "resident"},
                           content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    member = response.json()
    assert RoleAssignment.objects.filter(user=resident, role=Role.PARTY_MEMBER, compound=world.a1, ended_at__isnull=True).exists()

    response = client.post(reverse("party-branch-add-seat", args=[branch["id"]]), {
        "member": member["id"], "role": "secretary", "term_start": "2026-01-01"}, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    detail = client.get(reverse("party-branch-detail", args=[branch["id"]]), headers=headers).json()
    assert detail["seats"][0]["role"] == "secretary" and detail["secretary"] == "张秀英"

    response = client.post("/api/v1/party/zones/", {
        "branch": branch["id"], "compound": world.a1.pk, "member": member["id"], "name": "一区",
        "buildings": [world.home.building.pk]}, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    assert response.json()["households"] == sorted([world.home.pk, world.next_door.pk])

    response = client.patch(reverse("party-branch-detail", args=[branch["id"]]), {"name": "新名"}, content_type="application/json", headers=headers)
    assert response.status_code == 200 and response.json()["name"] == "新名"
    assert response.json()["compounds"][0]["id"] == world.a1.pk


def test_refusals_are_400s_in_the_error_format_and_change_nothing(client, token_for, officer, world, branch_a, member_a):
    headers = token_for(officer)
    client.post("/api/v1/party/zones/", {
        "branch": branch_a.pk, "compound": world.a1.pk, "member": member_a.pk, "name": "一区", "households": [world.home.pk]},
        content_type="application/json", headers=headers)
    before = snapshot()
    response = client.post("/api/v1/party/zones/", {
        "branch": branch_a.pk, "compound": world.a1.pk, "member": member_a.pk, "name": "二区", "households": [world.home.pk]},
        content_type="application/json", headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "一区" in error["details"]["households"][0]
    response = client.post("/api/v1/party/branches/", {
        "community": world.a.pk, "name": "第二支部", "founded_on": "2020-07-01", "compounds": [world.a1.pk]},
        content_type="application/json", headers=headers)
    assert response.status_code == 400 and "already covered" in response.json()["error"]["details"]["compounds"][0]
    assert snapshot() == before
    assert PartyBranch.objects.count() == 1 and ZoneHousehold.objects.count() == 1


def test_zone_update_and_end(client, token_for, other_officer, zone_b, member_b, world):
    headers = token_for(other_officer)
    url = reverse("party-zone-detail", args=[zone_b.pk])
    response = client.put(url, {"compound": world.b1.pk, "member": member_b.pk, "name": "改名", "households": [world.b_home.pk]},
                          content_type="application/json", headers=headers)
    assert response.status_code == 200, response.json()
    assert response.json()["households"] == [world.b_home.pk]
    response = client.post(reverse("party-zone-end", args=[zone_b.pk]), headers=headers)
    assert response.json()["ended_on"] and response.json()["households"] == []


def test_service_posts_are_listed_for_anyone_signed_in(client, token_for, stranger):
    response = client.get("/api/v1/party/service-posts/", headers=token_for(stranger))
    assert response.status_code == 200 and response.json()["count"] == 10


def test_checkins_filter_by_state(client, token_for, officer, member_a, resident, world, posts):
    from governance.party import services

    services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]])
    headers = token_for(officer)
    assert client.get("/api/v1/party/checkins/", {"state": "active"}, headers=headers).json()["count"] == 1
    assert client.get("/api/v1/party/checkins/", {"state": "lapsed"}, headers=headers).json()["count"] == 0


def test_groups_and_building_leaders_through_the_api(client, token_for, other_officer, branch_b, member_b, world):
    headers = token_for(other_officer)
    building = world.b_home.building
    response = client.post("/api/v1/party/groups/", {"branch": branch_b.pk, "name": "一组", "leader": member_b.pk, "buildings": [building.pk]},
                           content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    group = response.json()
    assert group["buildings"] == [building.pk] and group["leader"] == member_b.pk
    response = client.put(reverse("party-group-detail", args=[group["id"]]), {"name": "二组", "leader": None, "buildings": []},
                          content_type="application/json", headers=headers)
    assert response.status_code == 200 and response.json()["buildings"] == [] and response.json()["name"] == "二组"

    response = client.post(reverse("party-branch-set-leader", args=[branch_b.pk]), {"building": building.pk, "member": member_b.pk},
                           content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json()
    assert building.leaders.get(ended_on__isnull=True).member == member_b


def test_a_group_with_another_communitys_building_is_refused(client, token_for, officer, branch_a, world):
    response = client.post("/api/v1/party/groups/", {"branch": branch_a.pk, "name": "越界", "buildings": [world.b_home.building.pk]},
                           content_type="application/json", headers=token_for(officer))
    assert response.status_code == 400
    assert not branch_a.groups.exists()


def test_an_officer_ends_a_branch_seat_through_the_api_and_the_role_goes(client, token_for, officer, world, branch_a, member_a):
    from datetime import date

    from governance.party import services

    seat = services.branch_seat_add(actor=officer, branch=branch_a, member=member_a, role="secretary", term_start=date(2026, 1, 1))
    headers = token_for(officer)
    assert [s["id"] for s in client.get("/api/v1/party/seats/", headers=headers).json()["results"]] == [seat.pk]

    response = client.post(reverse("party-seat-end", args=[seat.pk]), headers=headers)

    assert response.status_code == 200, response.json()
    seat.refresh_from_db()
    assert seat.ended_on is not None
    assert not RoleAssignment.objects.filter(user=member_a.user, role=Role.BRANCH_SECRETARY, ended_at__isnull=True).exists()
    again = client.post(reverse("party-seat-end", args=[seat.pk]), headers=headers)
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid"


def test_an_in_service_member_checks_in_and_renews_through_the_api(client, token_for, officer, world, branch_a, stranger, posts):
    from governance.party import services
    from governance.party.models import MemberCheckIn

    member = services.member_add(actor=officer, branch=branch_a, user=stranger, kind="in_service", employer="宜昌市第一人民医院")
    headers = token_for(stranger)

    refused = client.post("/api/v1/party/checkins/", {"posts": []}, content_type="application/json", headers=headers)
    assert refused.status_code == 400 and not MemberCheckIn.objects.exists()

    response = client.post(
        "/api/v1/party/checkins/", {"posts": [posts["patrol"].pk], "note": "周末巡逻"}, content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.json()
    first = response.json()
    assert first["member"] == member.pk and first["status"] == "active"

    renewed = client.post(reverse("party-checkin-renew", args=[first["id"]]), headers=headers)
    assert renewed.status_code == 201, renewed.json()
    assert renewed.json()["previous"] == first["id"]
    assert MemberCheckIn.objects.get(pk=first["id"]).status == "renewed"


def test_someone_who_is_not_a_member_cannot_check_in_through_the_api(client, token_for, world, stranger, posts):
    response = client.post(
        "/api/v1/party/checkins/", {"posts": [posts["patrol"].pk]}, content_type="application/json", headers=token_for(stranger)
    )
    assert response.status_code == 400
    assert "not registered" in str(response.json()["error"]["details"])
