"""Officer pages and the member's own check-in page, in English."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from governance.party import services
from governance.party.models import (
    BranchCoverage,
    MemberCheckIn,
    PartyBranch,
    PartyMember,
    PostClaim,
    ZoneHousehold,
)

from .. import factories
from .conftest import snapshot


@pytest.fixture
def as_officer(english, officer):
    english.force_login(officer)
    return english


def test_the_branch_list_shows_coverage_members_secretary_and_zones(as_officer, branch_a, member_a, officer, world):
    services.branch_seat_add(actor=officer, branch=branch_a, member=member_a, role="secretary", term_start=date(2026, 1, 1))
    services.zone_save(actor=officer, branch=branch_a, compound=world.a1, member=member_a, name="一区", households=[world.home])
    response = as_officer.get(reverse("party:branch-list"))
    assert response.status_code == 200
    row = response.context["page"].object_list[0]
    assert (row.n_members, row.n_zones, row.n_zoned, row.n_households, row.secretary_name) == (1, 1, 1, 4, "张秀英")
    assert "江工塑院小区" in response.content.decode()


def test_the_branch_list_says_what_to_do_when_empty(as_officer):
    response = as_officer.get(reverse("party:branch-list"))
    assert "Set up the first branch" in response.content.decode()


def test_people_without_a_scope_get_404_on_officer_lists(english, stranger, resident):
    for who in (stranger, resident):
        english.force_login(who)
        for name in ("party:branch-list", "party:member-list", "party:checkin-list", "party:branch-create"):
            assert english.get(reverse(name)).status_code == 404, name


def test_an_officer_creates_a_branch_covering_a_compound(as_officer, world):
    response = as_officer.post(reverse("party:branch-create"), {
        "community": world.a.pk, "name": "江工塑院小区党支部", "kind": "compound", "founded_on": "2020-07-01",
        "compounds": [world.a1.pk],
    })
    branch = PartyBranch.objects.get()
    assert response.status_code == 302 and response.url == reverse("party:branch-detail", args=[branch.pk])
    assert list(branch.coverage.values_list("compound_id", flat=True)) == [world.a1.pk]


def test_a_refused_branch_form_keeps_what_was_typed(as_officer, branch_a, world):
    response = as_officer.post(reverse("party:branch-create"), {
        "community": world.a.pk, "name": "重复支部", "kind": "joint", "founded_on": "2021-03-04", "compounds": [world.a1.pk],
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "already covered by" in html and 'value="重复支部"' in html and "2021-03-04" in html
    assert PartyBranch.objects.count() == 1


def test_the_branch_edit_form_offers_only_the_communitys_compounds(as_officer, branch_a, world):
    response = as_officer.get(reverse("party:branch-edit", args=[branch_a.pk]))
    assert set(response.context["form"].fields["compounds"].queryset) == {world.a1}


def test_an_officer_adds_a_member_by_mobile_number(as_officer, branch_a, resident):
    response = as_officer.post(reverse("party:member-add", args=[branch_a.pk]), {"phone": resident.phone, "kind": "resident"})
    assert response.status_code == 302
    assert PartyMember.objects.get().user == resident


def test_an_unknown_mobile_number_and_a_missing_employer_are_explained(as_officer, branch_a):
    response = as_officer.post(reverse("party:member-add", args=[branch_a.pk]), {"phone": "13000000000", "kind": "in_service"})
    html = response.content.decode()
    assert "Nobody has registered with this mobile number" in html and "name it" in html
    assert not PartyMember.objects.exists()


def test_member_edit_and_leave(as_officer, member_a):
    as_officer.post(reverse("party:member-edit", args=[member_a.pk]), {"kind": "retired"})
    member_a.refresh_from_db()
    assert member_a.kind == "retired"
    as_officer.post(reverse("party:member-leave", args=[member_a.pk]))
    member_a.refresh_from_db()
    assert member_a.left_on


def test_seats_groups_and_building_leaders_from_the_branch_page(as_officer, branch_a, member_a, world):
    as_officer.post(reverse("party:seat-add", args=[branch_a.pk]), {"member": member_a.pk, "role": "secretary", "term_start": "2026-01-01"})
    seat = branch_a.seats.get()
    building = world.home.building
    as_officer.post(reverse("party:group-create", args=[branch_a.pk]), {"name": "1 号楼党小组", "leader": member_a.pk, "buildings": [building.pk]})
    group = branch_a.groups.get()
    assert list(group.buildings.all()) == [building]
    as_officer.post(reverse("party:group-edit", args=[group.pk]), {"name": "一组", "buildings": [building.pk]})
    group.refresh_from_db()
    assert group.name == "一组" and group.leader is None
    as_officer.post(reverse("party:leader-set", args=[branch_a.pk]), {"building": building.pk, "member": member_a.pk, "household": world.home.pk})
    assert building.leaders.get(ended_on__isnull=True).household == world.home
    page = as_officer.get(reverse("party:branch-detail", args=[branch_a.pk])).content.decode()
    assert "一组" in page and "Secretary" in page and "data-confirm" in page
    as_officer.post(reverse("party:seat-end", args=[seat.pk]))
    seat.refresh_from_db()
    assert seat.ended_on


def test_the_zone_form_refuses_a_household_of_another_zone_by_name(as_officer, branch_a, member_a, world, officer):
    services.zone_save(actor=officer, branch=branch_a, compound=world.a1, member=member_a, name="一区", households=[world.home])
    before = snapshot()
    response = as_officer.post(reverse("party:zone-create", args=[branch_a.pk]), {
        "compound": world.a1.pk, "member": member_a.pk, "name": "二区", "buildings": [world.home.building.pk],
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "Already in another zone (一区)" in html and 'value="二区"' in html
    assert snapshot() == before


def test_zones_are_created_edited_and_ended(as_officer, branch_a, member_a, world):
    as_officer.post(reverse("party:zone-create", args=[branch_a.pk]), {
        "compound": world.a1.pk, "member": member_a.pk, "name": "一区", "households": [world.home.pk],
    })
    zone = branch_a.zones.get()
    as_officer.post(reverse("party:zone-edit", args=[zone.pk]), {
        "compound": world.a1.pk, "member": member_a.pk, "name": "一区", "households": [world.home.pk, world.next_door.pk],
    })
    assert set(ZoneHousehold.objects.values_list("household_id", flat=True)) == {world.home.pk, world.next_door.pk}
    as_officer.post(reverse("party:zone-end", args=[zone.pk]))
    zone.refresh_from_db()
    assert zone.ended_on and not ZoneHousehold.objects.exists()


def test_dissolving_from_the_page(as_officer, branch_a):
    as_officer.post(reverse("party:branch-dissolve", args=[branch_a.pk]))
    branch_a.refresh_from_db()
    assert branch_a.dissolved_on and not BranchCoverage.objects.exists()


def test_the_checkin_list_filters_by_state(as_officer, member_a, resident, world, posts, officer, branch_a):
    services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]])
    other = services.member_add(actor=officer, branch=branch_a, user=factories.UserFactory(), kind="in_service", employer="医院")
    old = services.checkin_register(actor=officer, member=other, community=world.a, posts=[posts["legal"]], today=date(2020, 1, 1))
    services.checkins_scan()
    old.refresh_from_db()
    assert old.status == "lapsed"
    response = as_officer.get(reverse("party:checkin-list"), {"state": "lapsed"})
    assert [c.pk for c in response.context["page"].object_list] == [old.pk]
    assert response.context["counts"] == {"active": 1, "expiring": 0, "lapsed": 1}
    response = as_officer.get(reverse("party:checkin-list"), {"state": "active"})
    assert [c.member_id for c in response.context["page"].object_list] == [member_a.pk]


# --- The member's own page --------------------------------------------------------------------


def test_a_non_member_gets_an_explanation_not_a_404(english, stranger):
    english.force_login(stranger)
    response = english.get(reverse("party:my-checkin"))
    assert response.status_code == 200
    assert "not registered as a Party member" in response.content.decode()


def test_an_in_service_member_checks_in_claims_renews_and_releases(english, resident, member_a, posts):
    english.force_login(resident)
    page = english.get(reverse("party:my-checkin")).content.decode()
    assert "You have not checked in yet" in page

    response = english.post(reverse("party:my-checkin-register"), {"note": "周末"})
    assert response.status_code == 200 and "Claim at least one service post" in response.content.decode()
    assert not MemberCheckIn.objects.exists()

    english.post(reverse("party:my-checkin-register"), {"posts": [posts["patrol"].pk, posts["legal"].pk], "note": "周末"})
    checkin = MemberCheckIn.objects.get()
    page = english.get(reverse("party:my-checkin")).content.decode()
    assert "due in 182 d" in page and "Safety patrol" in page

    english.post(reverse("party:my-post-claim"), {"post": posts["health"].pk, "note": "义诊"})
    assert PostClaim.objects.filter(member=member_a, released_on__isnull=True).count() == 3
    claim = PostClaim.objects.get(post=posts["legal"])
    english.post(reverse("party:post-release", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.released_on

    english.post(reverse("party:my-checkin-renew"))
    checkin.refresh_from_db()
    assert checkin.status == "renewed" and checkin.renewal.status == "active"


def test_a_resident_member_is_told_check_ins_are_for_in_service_members(english, officer, branch_a, neighbour):
    services.member_add(actor=officer, branch=branch_a, user=neighbour, kind="resident")
    english.force_login(neighbour)
    assert "Check-ins are for in-service members" in english.get(reverse("party:my-checkin")).content.decode()


# --- The quarterly service record -------------------------------------------------------------


def _rows(content, sheet):
    book = load_workbook(BytesIO(content))
    return [tuple(c for c in row) for row in book[sheet].iter_rows(values_only=True)]


def test_the_service_record_lists_the_quarters_posts_and_check_ins(english, resident, member_a, world, posts, officer):
    services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]], note="夜巡", today=date(2026, 10, 5))
    PostClaim.objects.create(member=member_a, post=posts["legal"], community=world.a, claimed_on=date(2026, 1, 1), released_on=date(2026, 3, 1))
    for who in (resident, officer):
        english.force_login(who)
        response = english.get(reverse("party:member-record", args=[member_a.pk]), {"quarter": "2026Q4"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        posts_rows = _rows(response.content, "Posts")
        assert posts_rows[1:] == [("Safety patrol", "东湾社区", "夜巡", "2026-10-05", None)]
        checkins = _rows(response.content, "Check-ins")
        assert checkins[1][:4] == ("东湾社区", "江工塑院小区党支部", "2026-10-05", "2027-04-05")
    q1 = english.get(reverse("party:member-record", args=[member_a.pk]), {"quarter": "2026Q1"})
    assert [r[0] for r in _rows(q1.content, "Posts")[1:]] == ["Legal advice"]
    assert _rows(q1.content, "Check-ins")[1:] == []


def test_a_bad_quarter_is_a_400(english, resident, member_a):
    english.force_login(resident)
    assert english.get(reverse("party:member-record", args=[member_a.pk]), {"quarter": "2026Q5"}).status_code == 400


def test_another_member_cannot_download_someone_elses_record(english, neighbour, member_a):
    english.force_login(neighbour)
    assert english.get(reverse("party:member-record", args=[member_a.pk])).status_code == 404


def test_admins_reach_the_branches_of_their_scope(client, branch_a, branch_b, subdistrict_admin, district_admin):
    client.force_login(subdistrict_admin)
    assert client.get(reverse("party:branch-detail", args=[branch_a.pk])).status_code == 200
    assert client.get(reverse("party:branch-detail", args=[branch_b.pk])).status_code == 404
    client.force_login(district_admin)
    listed = client.get(reverse("party:branch-list")).context["page"].object_list
    assert {b.pk for b in listed} == {branch_a.pk, branch_b.pk}


def test_the_branch_list_filters_live_in_the_url(as_officer, branch_a, officer, world):
    services.branch_dissolve(actor=officer, branch=branch_a)
    assert list(as_officer.get(reverse("party:branch-list")).context["page"].object_list) == []
    assert [b.pk for b in as_officer.get(reverse("party:branch-list"), {"dissolved": "1"}).context["page"].object_list] == [branch_a.pk]
    response = as_officer.get(reverse("party:branch-list"), {"dissolved": "1", "kind": "grid"})
    assert "No branch matches these filters" in response.content.decode()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_officer_page_renders(client, lang, officer, branch_a, member_a, world):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    client.force_login(officer)
    zone = services.zone_save(actor=officer, branch=branch_a, compound=world.a1, member=member_a, name="一区", households=[world.home])
    group = services.group_save(actor=officer, branch=branch_a, name="一组", buildings=[])
    urls = [
        reverse("party:branch-list"), reverse("party:branch-create"), reverse("party:member-list"), reverse("party:checkin-list"),
        reverse("party:branch-detail", args=[branch_a.pk]) + "?former=1", reverse("party:branch-edit", args=[branch_a.pk]),
        reverse("party:member-add", args=[branch_a.pk]), reverse("party:seat-add", args=[branch_a.pk]),
        reverse("party:group-create", args=[branch_a.pk]), reverse("party:group-edit", args=[group.pk]),
        reverse("party:leader-set", args=[branch_a.pk]), reverse("party:zone-create", args=[branch_a.pk]),
        reverse("party:zone-edit", args=[zone.pk]), reverse("party:member-detail", args=[member_a.pk]),
        reverse("party:member-edit", args=[member_a.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_lapsed_member_is_offered_a_renewal_and_an_expiring_one_sees_the_deadline(english, resident, member_a, world, posts):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    checkin = services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]], today=today - timedelta(days=170))
    english.force_login(resident)
    page = english.get(reverse("party:my-checkin")).content.decode()
    assert "due in 12 d" in page and "text-bg-warning" in page
    services.checkins_scan(today=checkin.expires_on)
    page = english.get(reverse("party:my-checkin")).content.decode()
    assert "Renew now" in page
