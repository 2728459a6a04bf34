"""Pages as each role sees them: the home page, claiming a household, deciding claims, forms that
keep what was typed, and phone numbers shown in full only to whom they should be."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from compounds import services
from compounds.models import Compound, Household, Residency, ResidencyStatus, RoleAssignment
from governance.accounts.models import Notification
from governance.accounts.roles import Role

from .. import factories

PHONE = "13812341234"  # the resident's


def html(response) -> str:
    return response.content.decode()


# --- Home -------------------------------------------------------------------------------------


def test_the_home_page_sends_anonymous_visitors_to_log_in(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_resident_sees_their_household_and_no_staff_section(english, world, resident):
    english.force_login(resident)
    page = html(english.get(reverse("home")))

    assert 'id="scope-heading"' not in page
    assert page.count('data-testid="my-household"') == 1
    assert "江工塑院小区" in page
    assert '<span class="badge state-verified" data-testid="residency-status">Verified</span>' in page
    assert reverse("compounds:claim-start") in page
    assert reverse("compounds:compound-list") not in page
    assert reverse("admin:index") not in page


def test_a_stranger_is_invited_to_claim_a_household(english, world, stranger):
    english.force_login(stranger)
    page = html(english.get(reverse("home")))
    assert "You have not claimed a household yet." in page
    assert 'data-testid="my-household"' not in page
    assert 'id="scope-heading"' not in page


@pytest.mark.parametrize(
    ("who", "compounds", "sees_admin"),
    [
        ("officer", 1, False),
        ("subdistrict_admin", 1, False),
        ("district_admin", 2, False),
        ("system_admin", 2, True),
    ],
)
def test_staff_see_the_figures_of_their_scope(english, world, resident, b_claim, who, compounds, sees_admin, request):
    english.force_login(request.getfixturevalue(who))
    response = english.get(reverse("home"))
    page = html(response)

    assert 'id="scope-heading"' in page
    assert f'data-testid="figure-compounds">{compounds}</div>' in page
    # B's waiting claim counts only for those who see B.
    assert f'data-testid="figure-pending">{compounds - 1}</div>' in page
    assert reverse("compounds:compound-list") in page
    assert reverse("compounds:verification-queue") in page
    assert (reverse("admin:index") in page) is sees_admin
    assert "None. If you live in a compound, claim your household too." in page
    assert response.context["totals"]["verified"] == 1  # the resident, in A


def test_an_officer_sees_the_oldest_waiting_claims_and_unread_notifications(english, world, officer, stranger):
    services.residency_claim(user=stranger, household=world.home, relation="tenant")
    english.force_login(officer)
    page = html(english.get(reverse("home")))
    assert "Oldest claims waiting" in page
    assert "路人 · 江工塑院小区 1 号楼 1 单元 101" in page
    notification = Notification.objects.get(user=officer)
    assert reverse("accounts:notification-open", args=[notification.pk]) in page


# --- Claiming ---------------------------------------------------------------------------------


def test_the_claim_search_finds_compounds_of_every_community(client, world, stranger):
    client.force_login(stranger)
    everything = client.get(reverse("compounds:claim-start")).context["compounds"]
    assert {c.code for c in everything} == {"WA1", "WB1"}
    found = client.get(reverse("compounds:claim-start"), {"q": "安居"}).context["compounds"]
    assert [c.code for c in found] == ["WB1"]


def test_the_household_fragment_lists_the_rooms_of_that_building_only(client, world, stranger):
    client.force_login(stranger)
    url = reverse("compounds:claim-households", args=[world.a1.pk])
    building = world.home.building
    other = world.a1.buildings.exclude(pk=building.pk).get()

    response = client.get(url, {"building": building.pk}, headers={"HX-Request": "true"})

    fragment = html(response)
    assert "<html" not in fragment
    assert fragment.count("<option") == 3  # "Choose…" and the two rooms
    for household in building.households.all():
        assert f'<option value="{household.pk}">' in fragment
    for household in other.households.all():
        assert f'value="{household.pk}"' not in fragment


@pytest.mark.parametrize("building", ["b1-building", "abc", ""])
def test_the_household_fragment_is_empty_for_a_building_elsewhere_or_no_building(client, world, stranger, building):
    client.force_login(stranger)
    value = str(world.b_home.building_id) if building == "b1-building" else building
    response = client.get(reverse("compounds:claim-households", args=[world.a1.pk]), {"building": value})
    assert html(response).count("<option") == 1


def test_a_claim_through_the_pages_shows_as_pending_and_reaches_the_officer(english, world, officer, stranger):
    client = english
    client.force_login(stranger)
    form = client.get(reverse("compounds:claim", args=[world.a1.pk]))
    assert set(form.context["form"].fields["building"].queryset) == set(world.a1.buildings.all())

    response = client.post(
        reverse("compounds:claim", args=[world.a1.pk]),
        {"building": world.home.building_id, "household": world.home.pk, "relation": "tenant", "note": "租房合同"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("home"), 302)]
    page = html(response)
    assert "was sent to 东湾社区 for verification" in page
    assert '<span class="badge state-pending" data-testid="residency-status">Awaiting verification</span>' in page
    residency = Residency.objects.get(user=stranger)
    assert (residency.household, residency.relation, residency.note) == (world.home, "tenant", "租房合同")
    assert Notification.objects.filter(user=officer, kind="residency_submitted").count() == 1


def test_a_second_claim_of_the_same_household_is_refused_on_the_form(english, world, officer, stranger):
    services.residency_claim(user=stranger, household=world.home, relation="owner")
    english.force_login(stranger)
    response = english.post(
        reverse("compounds:claim", args=[world.a1.pk]),
        {"building": world.home.building_id, "household": world.home.pk, "relation": "owner"},
    )
    assert response.status_code == 200
    assert "You have already claimed this household" in html(response)
    assert Residency.objects.filter(user=stranger).count() == 1


def test_a_room_from_another_building_or_compound_cannot_be_claimed(client, world, stranger):
    client.force_login(stranger)
    other_building = world.a1.buildings.exclude(pk=world.home.building_id).get()
    for household in (world.b_home, world.home):
        response = client.post(
            reverse("compounds:claim", args=[world.a1.pk]),
            {"building": other_building.pk, "household": household.pk, "relation": "owner"},
        )
        assert response.status_code == 200
        assert "household" in response.context["form"].errors
    assert not Residency.objects.filter(user=stranger).exists()


def test_an_officer_verifies_from_the_queue_and_returns_to_it(english, world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    english.force_login(officer)
    queue = english.get(reverse("compounds:verification-queue"))
    assert [r.pk for r in queue.context["page"].object_list] == [residency.pk]

    response = english.post(reverse("compounds:residency-verify", args=[residency.pk]), {"next": "queue"}, follow=True)

    assert response.redirect_chain == [(reverse("compounds:verification-queue"), 302)]
    assert "路人 is verified for 1 号楼 1 单元 101." in html(response)
    assert list(response.context["page"].object_list) == []
    assert RoleAssignment.objects.filter(user=stranger, role=Role.RESIDENT, compound=world.a1).exists()


def test_a_rejection_without_a_reason_is_refused_and_with_one_is_told(english, world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    english.force_login(officer)
    url = reverse("compounds:residency-reject", args=[residency.pk])

    response = english.post(url, {"reason": ""}, follow=True)
    assert "Give a reason for the rejection." in html(response)
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.PENDING

    english.post(url, {"reason": "不在业主名册上"})
    residency.refresh_from_db()
    assert (residency.status, residency.reason) == (ResidencyStatus.REJECTED, "不在业主名册上")

    # Deciding again says so instead of failing.
    response = english.post(reverse("compounds:residency-verify", args=[residency.pk]), follow=True)
    assert "This claim has already been decided." in html(response)
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.REJECTED


def test_the_residency_page_offers_decisions_only_to_officers(english, world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    url = reverse("compounds:residency-detail", args=[residency.pk])
    english.force_login(officer)
    assert reverse("compounds:residency-verify", args=[residency.pk]) in html(english.get(url))
    english.force_login(stranger)
    own = english.get(url)
    assert own.status_code == 200
    assert reverse("compounds:residency-verify", args=[residency.pk]) not in html(own)


def test_a_resident_ends_their_own_residency_from_a_post(english, world, resident):
    residency = Residency.objects.get(user=resident)
    english.force_login(resident)
    response = english.post(reverse("compounds:residency-end", args=[residency.pk]), {"reason": "搬家"})
    assert response.url == reverse("home")
    residency.refresh_from_db()
    assert (residency.status, residency.reason) == (ResidencyStatus.ENDED, "搬家")
    assert RoleAssignment.objects.get(user=resident, role=Role.RESIDENT).ended_at is not None


def test_an_officer_ends_a_residency_from_the_household_page(english, world, officer, resident):
    residency = Residency.objects.get(user=resident)
    english.force_login(officer)
    page = html(english.get(reverse("compounds:household-detail", args=[world.home.pk])))
    assert reverse("compounds:residency-end", args=[residency.pk]) in page

    response = english.post(reverse("compounds:residency-end", args=[residency.pk]))
    assert response.url == reverse("compounds:household-detail", args=[world.home.pk])
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.ENDED

    again = english.post(reverse("compounds:residency-end", args=[residency.pk]), follow=True)
    assert "This residency has already ended." in html(again)


# --- Staff pages ------------------------------------------------------------------------------


def test_the_compound_pages_render_for_the_officer(english, world, officer, resident):
    english.force_login(officer)
    detail = english.get(reverse("compounds:compound-detail", args=[world.a1.pk]))
    buildings = {b.name: b for b in detail.context["buildings"]}
    assert (buildings["1 号楼"].n_households, buildings["1 号楼"].n_verified) == (2, 1)
    assert 'data-testid="building-table"' in html(detail)

    history = english.get(reverse("compounds:compound-history", args=[world.a1.pk]))
    assert 'data-testid="history-table"' in html(history)
    assert len(history.context["rows"]) == 1 + 2 + 4  # the compound, two buildings, four households

    listing = english.get(reverse("compounds:compound-households", args=[world.a1.pk]), {"q": "102"})
    assert {h.room for h in listing.context["page"].object_list} == {"102"}
    assert listing.context["page"].paginator.count == 2  # one 102 per building

    building = world.home.building
    by_building = english.get(reverse("compounds:compound-households", args=[world.a1.pk]), {"building": building.pk})
    assert {h.building_id for h in by_building.context["page"].object_list} == {building.pk}


def test_the_compound_list_searches_filters_sorts_and_pages(english, world, district_admin):
    for n in range(12):
        factories.CompoundFactory(community=world.a, code=f"WA-{n:02}", name=f"列表小区{n:02}")
    english.force_login(district_admin)
    url = reverse("compounds:compound-list")

    assert {c.code for c in english.get(url, {"q": "列表小区0"}).context["page"].object_list} == {
        f"WA-{n:02}" for n in range(10)
    }
    assert {c.community_id for c in english.get(url, {"community": world.b.pk}).context["page"].object_list} == {world.b.pk}
    names = [c.name for c in english.get(url, {"sort": "-name", "size": 200}).context["page"].object_list]
    assert names == sorted(names, reverse=True)
    last = english.get(url, {"size": 10, "page": 99}).context["page"]
    assert last.number == last.paginator.num_pages == 2


def test_staff_create_compounds_buildings_and_households_through_the_pages(english, world, officer):
    client = english
    client.force_login(officer)
    response = client.post(
        reverse("compounds:compound-create"),
        {"name": "新苑", "code": "WA5", "community": world.a.pk, "address": "新路 5 号", "built_year": "2001"},
    )
    compound = Compound.objects.get(code="WA5")
    assert response.url == reverse("compounds:compound-detail", args=[compound.pk])

    client.post(reverse("compounds:building-create", args=[compound.pk]), {"name": "1 号楼", "floors": "6"})
    building = compound.buildings.get()
    client.post(reverse("compounds:household-create", args=[building.pk]), {"unit": "", "room": "101", "exclusive_area": "66.6"})
    assert Household.objects.get(building=building).room == "101"

    client.post(reverse("compounds:compound-edit", args=[compound.pk]), {"name": "新苑二期", "code": "WA5", "community": world.a.pk})
    compound.refresh_from_db()
    assert compound.name == "新苑二期"


# --- Forms keep what was typed ----------------------------------------------------------------


def test_the_compound_form_keeps_typed_values_on_error(english, world, officer):
    english.force_login(officer)
    response = english.post(
        reverse("compounds:compound-create"),
        {"name": "重名小区", "code": "WA1", "community": world.a.pk, "address": "幸福路 8 号", "built_year": "1999"},
    )
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in page
    assert "code" in response.context["form"].errors
    for value in ("重名小区", "WA1", "幸福路 8 号", "1999"):
        assert f'value="{value}"' in page
    assert f'<option value="{world.a.pk}" selected>' in page
    assert not Compound.objects.filter(name="重名小区").exists()


def test_the_household_form_keeps_typed_values_on_error(english, world, officer):
    english.force_login(officer)
    response = english.post(
        reverse("compounds:household-create", args=[world.home.building_id]),
        {"unit": "3 单元", "room": "888", "exclusive_area": "abc"},
    )
    page = html(response)
    assert "exclusive_area" in response.context["form"].errors
    for value in ("3 单元", "888", "abc"):
        assert f'value="{value}"' in page
    assert not Household.objects.filter(room="888").exists()


def test_a_duplicate_household_is_refused_with_the_values_kept(english, world, officer):
    english.force_login(officer)
    response = english.post(
        reverse("compounds:household-create", args=[world.home.building_id]),
        {"unit": world.home.unit, "room": "101", "exclusive_area": "70"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'value="70"' in html(response)
    assert Household.objects.filter(building=world.home.building, room="101").count() == 1


def test_the_building_form_keeps_typed_values_on_error(english, world, officer):
    english.force_login(officer)
    building = world.home.building
    response = english.post(reverse("compounds:building-edit", args=[building.pk]), {"name": "2 号楼", "floors": "7"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'value="2 号楼"' in html(response) and 'value="7"' in html(response)
    building.refresh_from_db()
    assert building.name == "1 号楼"


def test_the_claim_form_keeps_the_building_room_and_note_on_error(english, world, stranger):
    english.force_login(stranger)
    response = english.post(
        reverse("compounds:claim", args=[world.a1.pk]),
        {"building": world.home.building_id, "household": world.home.pk, "relation": "", "note": "房产证上是我母亲"},
    )
    page = html(response)
    assert "relation" in response.context["form"].errors
    assert f'<option value="{world.home.building_id}" selected>' in page
    assert f'<option value="{world.home.pk}" selected>' in page
    assert 'value="房产证上是我母亲"' in page
    assert not Residency.objects.filter(user=stranger).exists()


# --- Phone numbers ----------------------------------------------------------------------------


def test_the_officers_pages_show_the_residents_full_number(client, world, officer, resident):
    services.residency_claim(user=resident, household=world.next_door, relation="family")
    residency = Residency.objects.get(user=resident, household=world.home)
    client.force_login(officer)
    for url in (
        reverse("compounds:household-detail", args=[world.home.pk]),
        reverse("compounds:resident-list"),
        reverse("compounds:residency-detail", args=[residency.pk]),
        reverse("compounds:verification-queue"),
    ):
        assert PHONE in html(client.get(url)), url


def test_the_officers_resident_search_finds_by_number(client, world, officer, resident, neighbour):
    client.force_login(officer)
    found = client.get(reverse("compounds:resident-list"), {"q": "1234"}).context["page"].object_list
    assert [r.user for r in found] == [resident]


def test_the_resident_sees_their_own_full_number(client, world, resident):
    client.force_login(resident)
    residency = Residency.objects.get(user=resident)
    assert PHONE in html(client.get(reverse("compounds:residency-detail", args=[residency.pk])))


def test_no_page_shows_the_neighbour_the_residents_number(client, world, resident, neighbour, token_for):
    own = Residency.objects.get(user=neighbour)
    client.force_login(neighbour)
    urls = [
        reverse("home"),
        reverse("compounds:claim-start"),
        reverse("compounds:claim", args=[world.a1.pk]),
        reverse("compounds:claim-households", args=[world.a1.pk]) + f"?building={world.home.building_id}",
        reverse("compounds:residency-detail", args=[own.pk]),
        reverse("compounds:residency-detail", args=[Residency.objects.get(user=resident).pk]),
        reverse("compounds:household-detail", args=[world.home.pk]),
        reverse("accounts:notifications"),
        reverse("accounts:profile"),
    ]
    for url in urls:
        assert PHONE not in html(client.get(url)), url
    for url in ("/api/v1/households/", "/api/v1/compounds/", "/api/v1/buildings/", f"/api/v1/households/{world.home.pk}/"):
        assert PHONE not in html(client.get(url, headers=token_for(neighbour))), url


@pytest.mark.parametrize(
    ("viewer", "in_scope", "show_phone", "shown"),
    [
        ("neighbour", False, False, "138****1234"),
        ("neighbour", False, True, PHONE),
        ("resident", False, False, PHONE),
        ("officer", True, False, PHONE),
        (None, False, False, "138****1234"),
    ],
)
def test_a_number_is_masked_unless_own_in_scope_or_shown_by_choice(request, world, resident, viewer, in_scope, show_phone, shown):
    resident.show_phone = show_phone
    user = request.getfixturevalue(viewer) if viewer else None
    template = Template("{% load linli %}{% phone_of person in_scope=in_scope %}")
    assert template.render(Context({"user": user, "person": resident, "in_scope": in_scope})) == shown
