"""Scope: an object outside your scope does not exist for you (404), whatever the method, and
trying changes nothing; lists show only what is in scope (DOMAIN.md, STYLE.md §6 and §12)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse

from compounds.models import Building, Compound, Household, Residency, ResidencyStatus, RoleAssignment

from .. import factories
from .conftest import snapshot

METHODS = ("get", "post", "put", "patch", "delete")

# Page routes that take the id of one of community B's objects, and which object.
PAGES = [
    ("compounds:compound-detail", "compound"),
    ("compounds:compound-edit", "compound"),
    ("compounds:compound-history", "compound"),
    ("compounds:compound-households", "compound"),
    ("compounds:compound-import", "compound"),
    ("compounds:building-create", "compound"),
    ("compounds:building-edit", "building"),
    ("compounds:household-create", "building"),
    ("compounds:household-detail", "household"),
    ("compounds:household-edit", "household"),
    ("compounds:residency-detail", "residency"),
    ("compounds:residency-verify", "residency"),
    ("compounds:residency-reject", "residency"),
    ("compounds:residency-end", "residency"),
    ("compounds:residency-end", "verified_residency"),
]
API = [("compound-detail", "compound"), ("building-detail", "building"), ("household-detail", "household")]


@pytest.fixture
def b_objects(world, b_claim, b_resident):
    return {
        "compound": world.b1,
        "building": world.b_home.building,
        "household": world.b_home,
        "residency": b_claim,
        "verified_residency": Residency.objects.get(user=b_resident),
    }


def _payload(world):
    """What a successful edit, creation, import or decision would need, aimed at A's community
    so that a form that wrongly accepted it would really write."""
    return {
        "name": "越权",
        "code": "HACK",
        "community": world.a.pk,
        "address": "越权路",
        "floors": "3",
        "unit": "",
        "room": "999",
        "exclusive_area": "1.00",
        "reason": "越权",
        "file": SimpleUploadedFile("h.csv", "building,unit,room,exclusive_area\n9 号楼,,901,50\n".encode()),
    }


def _counts():
    return (Residency.objects.count(), RoleAssignment.objects.count(), Household.objects.count(), Building.objects.count())


@pytest.mark.parametrize(("name", "kind"), PAGES, ids=[f"{n.split(':')[1]}-{k}" for n, k in PAGES])
def test_an_officer_of_another_community_gets_404_for_b_pages_and_nothing_changes(
    client, world, officer, other_officer, b_objects, name, kind
):
    obj = b_objects[kind]
    url = reverse(name, args=[obj.pk])
    client.force_login(officer)
    before, counts, fields = snapshot(), _counts(), model_to_dict(obj)

    assert client.get(url).status_code == 404
    assert client.post(url, _payload(world)).status_code == 404
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 404

    obj.refresh_from_db()
    assert model_to_dict(obj) == fields
    assert _counts() == counts
    assert snapshot() == before

    # The positive control: B's officer reaches the same page, so the 404s are about scope, not
    # about a broken route (decisions are POST-only: a 405 still proves the object was found).
    client.force_login(other_officer)
    expected = 405 if name.rsplit("-", 1)[1] in {"verify", "reject", "end"} else 200
    assert client.get(url).status_code == expected


def test_an_officer_of_another_community_cannot_verify_through_the_queue_form(client, world, officer, b_claim):
    client.force_login(officer)
    response = client.post(reverse("compounds:residency-verify", args=[b_claim.pk]), {"next": "queue"})
    assert response.status_code == 404
    b_claim.refresh_from_db()
    assert b_claim.status == ResidencyStatus.PENDING
    assert not RoleAssignment.objects.filter(user=b_claim.user).exists()


def test_an_officer_cannot_create_a_compound_in_another_community_through_the_form(client, world, officer):
    client.force_login(officer)
    before = snapshot()
    response = client.post(reverse("compounds:compound-create"), {"name": "越权", "code": "HACK", "community": world.b.pk})
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert snapshot() == before


def test_an_officer_cannot_move_their_compound_to_another_community_through_the_form(client, world, officer):
    client.force_login(officer)
    data = {"name": world.a1.name, "code": world.a1.code, "community": world.b.pk, "address": world.a1.address}
    response = client.post(reverse("compounds:compound-edit", args=[world.a1.pk]), data)
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    world.a1.refresh_from_db()
    assert world.a1.community_id == world.a.pk


def test_a_resident_may_see_their_claim_but_not_decide_it(client, world, officer, stranger):
    from compounds import services

    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    client.force_login(stranger)
    assert client.get(reverse("compounds:residency-detail", args=[residency.pk])).status_code == 200
    assert client.post(reverse("compounds:residency-verify", args=[residency.pk])).status_code == 403
    assert client.get(reverse("compounds:household-detail", args=[world.home.pk])).status_code == 403
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.PENDING


def test_a_neighbour_gets_404_for_the_residents_claim_and_household(client, world, resident, neighbour):
    residency = Residency.objects.get(user=resident)
    client.force_login(neighbour)
    before = snapshot()
    for name, pk in [
        ("compounds:residency-detail", residency.pk),
        ("compounds:residency-end", residency.pk),
        ("compounds:household-detail", world.home.pk),
        ("compounds:household-edit", world.home.pk),
    ]:
        url = reverse(name, args=[pk])
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    assert snapshot() == before


# --- API --------------------------------------------------------------------------------------


def _call(client, method, url, headers):
    body = json.dumps({"name": "越权", "room": "999", "exclusive_area": "1.00", "compound": 1})
    if method == "get":
        return client.get(url, headers=headers)
    return getattr(client, method)(url, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(("name", "kind"), API, ids=[k for _, k in API])
def test_the_api_answers_404_with_an_error_body_for_another_communitys_objects(
    client, world, officer, b_objects, token_for, name, kind
):
    obj = b_objects[kind]
    url = reverse(name, args=[obj.pk])
    before, fields = snapshot(), model_to_dict(obj)

    for method in METHODS:
        response = _call(client, method, url, token_for(officer))

        assert response.status_code == 404, method
        body = response.json()
        assert body["error"]["status"] == 404
        assert body["error"]["code"] == "not_found"
        assert set(body["error"]) == {"status", "code", "message", "details"}
    obj.refresh_from_db()
    assert model_to_dict(obj) == fields
    assert snapshot() == before


@pytest.mark.parametrize(("name", "kind"), API, ids=[k for _, k in API])
def test_the_api_answers_a_stranger_404_and_an_anonymous_caller_401(
    client, world, stranger, b_objects, token_for, name, kind
):
    url = reverse(name, args=[b_objects[kind].pk])
    assert client.get(url, headers=token_for(stranger)).status_code == 404
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(("name", "kind"), API, ids=[k for _, k in API])
def test_the_api_serves_b_objects_to_bs_officer_and_refuses_writes_with_405(
    client, world, other_officer, b_objects, token_for, name, kind
):
    obj = b_objects[kind]
    url = reverse(name, args=[obj.pk])
    response = client.get(url, headers=token_for(other_officer))
    assert response.status_code == 200
    assert response.json()["id"] == obj.pk
    before = snapshot()
    for method in ("post", "put", "patch", "delete"):
        assert _call(client, method, url, token_for(other_officer)).status_code == 405
    assert snapshot() == before


def test_an_unknown_or_malformed_id_is_404_too(client, world, officer, token_for):
    for url in ("/api/v1/households/999999/", "/api/v1/households/abc/", "/api/v1/compounds/1e3/"):
        response = client.get(url, headers=token_for(officer))
        assert response.status_code == 404, url
        assert response.json()["error"]["status"] == 404


# --- Lists ------------------------------------------------------------------------------------


@pytest.fixture
def both_sides(world, officer, other_officer, resident, b_resident, b_claimant):
    """Two more compounds (A2, B2), verified residents and pending claims on both sides."""
    from compounds import services

    factories.HouseholdFactory(building__compound=factories.CompoundFactory(community=world.a, code="WA2"))
    factories.HouseholdFactory(building__compound=factories.CompoundFactory(community=world.b, code="WB2"))
    services.residency_claim(user=factories.UserFactory(), household=world.next_door, relation="tenant")
    return world


VISIBLE = {
    "officer": {"WA1", "WA2"},
    "other_officer": {"WB1", "WB2"},
    "subdistrict_admin": {"WA1", "WA2"},
    "district_admin": {"WA1", "WA2", "WB1", "WB2"},
    "system_admin": {"WA1", "WA2", "WB1", "WB2"},
}


@pytest.mark.parametrize("who", VISIBLE)
def test_staff_lists_show_exactly_the_compounds_in_scope(request, client, both_sides, who):
    user = request.getfixturevalue(who)
    expected = VISIBLE[who]
    client.force_login(user)

    page = client.get(reverse("compounds:compound-list"))
    assert {c.code for c in page.context["page"].object_list} == expected

    residents = client.get(reverse("compounds:resident-list")).context["page"].object_list
    assert {r.household.building.compound.code for r in residents} == expected & {"WA1", "WB1"}
    assert all(r.status == ResidencyStatus.VERIFIED for r in residents)

    queue = client.get(reverse("compounds:verification-queue")).context["page"].object_list
    assert {r.household.building.compound.code for r in queue} == expected & {"WA1", "WB1"}
    assert all(r.status == ResidencyStatus.PENDING for r in queue)

    home = client.get(reverse("home"))
    assert {c.code for c in home.context["staff_compounds"]} == expected
    assert home.context["totals"]["compounds"] == len(expected)


@pytest.mark.parametrize("who", VISIBLE)
def test_api_lists_show_exactly_the_places_in_scope(request, client, both_sides, token_for, who):
    user = request.getfixturevalue(who)
    expected = VISIBLE[who]
    headers = token_for(user)
    code_of = dict(Compound.objects.values_list("pk", "code"))

    compounds = client.get("/api/v1/compounds/", headers=headers).json()
    assert {c["code"] for c in compounds["results"]} == expected
    assert compounds["count"] == len(expected)

    buildings = client.get("/api/v1/buildings/?page_size=200", headers=headers).json()["results"]
    assert {code_of[b["compound"]] for b in buildings} == expected

    households = client.get("/api/v1/households/?page_size=200", headers=headers).json()["results"]
    assert {code_of[h["compound"]] for h in households} == expected
    assert len(households) == Household.objects.filter(building__compound__code__in=expected).count()


def test_filters_cannot_widen_an_officers_scope(client, both_sides, officer, token_for):
    world = both_sides
    headers = token_for(officer)
    assert client.get(f"/api/v1/households/?compound={world.b1.pk}", headers=headers).json()["count"] == 0
    assert client.get(f"/api/v1/buildings/?compound={world.b1.pk}", headers=headers).json()["count"] == 0
    assert client.get(f"/api/v1/compounds/?community={world.b.pk}", headers=headers).json()["count"] == 0

    client.force_login(officer)
    page = client.get(reverse("compounds:compound-list"), {"community": world.b.pk})
    assert world.b1 not in page.context["page"].object_list
    residents = client.get(reverse("compounds:resident-list"), {"compound": world.b1.pk})
    assert list(residents.context["page"].object_list) == []


def test_a_resident_sees_only_their_own_households_in_the_api(client, both_sides, resident, neighbour, token_for):
    world = both_sides
    mine = client.get("/api/v1/households/", headers=token_for(resident)).json()
    assert [h["id"] for h in mine["results"]] == [world.home.pk]
    theirs = client.get("/api/v1/households/", headers=token_for(neighbour)).json()
    assert [h["id"] for h in theirs["results"]] == [world.next_door.pk]
    # Their compound is visible to them, the others are not.
    compounds = client.get("/api/v1/compounds/", headers=token_for(resident)).json()
    assert [c["code"] for c in compounds["results"]] == ["WA1"]
    assert client.get(f"/api/v1/households/{world.next_door.pk}/", headers=token_for(resident)).status_code == 404


def test_a_claimant_sees_the_household_they_wait_for_and_nothing_more(client, both_sides, b_claimant, token_for):
    households = client.get("/api/v1/households/", headers=token_for(b_claimant)).json()
    assert [h["id"] for h in households["results"]] == [both_sides.b_home.pk]
    assert client.get("/api/v1/compounds/", headers=token_for(b_claimant)).json()["count"] == 0


def test_a_stranger_sees_empty_api_lists(client, both_sides, stranger, token_for):
    for url in ("/api/v1/compounds/", "/api/v1/buildings/", "/api/v1/households/"):
        assert client.get(url, headers=token_for(stranger)).json()["count"] == 0, url


STAFF_PAGES = ("compounds:compound-list", "compounds:compound-create", "compounds:resident-list", "compounds:verification-queue")


@pytest.mark.parametrize("who", ["stranger", "resident"])
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_people_without_a_staff_role_get_404_for_staff_pages(request, client, world, who, name):
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name), {"name": "x", "code": "X", "community": world.a.pk}).status_code in (404, 405)
    assert snapshot() == before


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
