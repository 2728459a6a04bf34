"""The API's compound public list, the rates and the ranking — each for those who may ask and
refused to others — and the list endpoints' query counts pinned (the same for 10 rows as for 50)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.issues import services
from governance.issues.models import Issue

from .factories import file_issue
from .test_api import api, snapshot, token_for  # noqa: F401 - fixtures

# --- the compound's public list -----------------------------------------------------------------


def test_residents_and_staff_read_a_compounds_public_list_without_personal_data(
    api, world, resident, neighbour, zone_member, officer, subdistrict_admin  # noqa: F811
):
    issue = file_issue(resident, world.home)
    url = f"/api/v1/compounds/{world.a1.pk}/public-issues/"
    for reader in (neighbour, officer, subdistrict_admin):
        rows = api(reader).get(url).json()["results"]
        assert [r["id"] for r in rows] == [issue.pk]
        assert rows[0]["location"] == "1 号楼"
        assert "reporter" not in rows[0] and "张秀英" not in str(rows) and "13812341234" not in str(rows)


def test_a_private_issue_is_not_on_the_public_list(api, world, resident, neighbour, zone_member):  # noqa: F811
    file_issue(resident, world.home, private=True)
    assert api(neighbour).get(f"/api/v1/compounds/{world.a1.pk}/public-issues/").json()["results"] == []


def test_the_public_list_is_404_for_people_of_other_compounds(
    api, world, resident, b_resident, other_officer, stranger, responder, zone_member  # noqa: F811
):
    file_issue(resident, world.home)
    for outsider in (b_resident, other_officer, stranger, responder):
        response = api(outsider).get(f"/api/v1/compounds/{world.a1.pk}/public-issues/")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api(resident).get("/api/v1/compounds/999999/public-issues/").status_code == 404


# --- rates ---------------------------------------------------------------------------------------


@pytest.fixture
def rated(world, resident, zone_member):
    issue = file_issue(resident, world.home)
    services.issue_acknowledge(actor=zone_member, issue=issue)
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理")
    services.issue_rate(actor=resident, issue=issue, rating="satisfied")
    return issue


def _period():
    today = timezone.localdate()
    return {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}


def test_an_officer_reads_the_rates_of_a_compound_and_community_they_manage(api, world, officer, rated):  # noqa: F811
    response = api(officer).get("/api/v1/issue-rates/", kind="compound", id=world.a1.pk, **_period())
    assert response.status_code == 200, response.json()
    rates = response.json()["rates"]
    assert rates["counted"] == 1 and rates["satisfaction_rate"] == 1.0 and rates["response_rate"] == 1.0
    assert api(officer).get("/api/v1/issue-rates/", kind="community", id=world.a.pk, **_period()).status_code == 200


def test_rates_of_a_subject_outside_the_scope_are_404(
    api, world, officer, other_officer, resident, stranger, b_resident, rated  # noqa: F811
):
    for user, kind, pk in (
        (other_officer, "compound", world.a1.pk),
        (other_officer, "community", world.a.pk),
        (resident, "compound", world.a1.pk),
        (stranger, "community", world.a.pk),
        (b_resident, "compound", world.a1.pk),
    ):
        response = api(user).get("/api/v1/issue-rates/", kind=kind, id=pk, **_period())
        assert response.status_code == 404, (user, kind)


def test_a_members_rates_are_for_the_branch_and_officers_as_on_the_pages(
    api, zone_member, secretary, officer, other_officer, rated  # noqa: F811
):
    from governance.party.models import PartyMember

    member = PartyMember.objects.get(user=zone_member)
    for reader in (secretary, officer):
        response = api(reader).get("/api/v1/issue-rates/", kind="member", id=member.pk, **_period())
        assert response.status_code == 200 and response.json()["rates"]["counted"] == 1
    # A plain member has no rates scope (no rates pages either); an officer elsewhere does not list them.
    for outsider in (zone_member, other_officer):
        response = api(outsider).get("/api/v1/issue-rates/", kind="member", id=member.pk, **_period())
        assert response.status_code == 404


def test_an_officer_gets_the_figures_of_a_company_working_in_their_places(
    api, world, resident, secretary, zone_member, company, clerk, officer, other_officer  # noqa: F811
):
    issue = file_issue(resident, world.home)
    services.issue_dispatch(actor=secretary, issue=issue, to="property")
    services.issue_acknowledge(actor=clerk, issue=issue)
    services.issue_resolve(actor=clerk, issue=issue, note="已修好")
    services.issue_rate(actor=resident, issue=issue, rating="satisfied")
    for reader in (officer, clerk):
        response = api(reader).get("/api/v1/issue-rates/", kind="company", id=company.pk, **_period())
        assert response.status_code == 200, (reader, response.json())
        rates = response.json()["rates"]
        assert rates["counted"] == 1 and rates["satisfaction_rate"] == 1.0
    assert api(other_officer).get("/api/v1/issue-rates/", kind="company", id=company.pk, **_period()).status_code == 404


def test_a_branch_secretary_gets_their_compounds_figures_and_not_another(
    api, world, secretary, rated  # noqa: F811
):
    response = api(secretary).get("/api/v1/issue-rates/", kind="compound", id=world.a1.pk, **_period())
    assert response.status_code == 200, response.json()
    assert response.json()["rates"]["counted"] == 1 and response.json()["rates"]["satisfaction_rate"] == 1.0
    assert api(secretary).get("/api/v1/issue-rates/", kind="compound", id=world.b1.pk, **_period()).status_code == 404


def test_the_figures_count_only_the_callers_part_of_a_wider_subject(
    api, world, officer, secretary, rated  # noqa: F811
):
    """The branch of A1 listing its community sees the community's figures over A1 only, as the
    pages show; the community's officer sees all of it."""
    from governance.issues.models import Category
    from tests import factories

    a2 = factories.CompoundFactory(community=world.a, code="WA2", name="东湾新村")
    services.issue_file(
        actor=officer, compound=a2, category=Category.objects.get(code="sanitation"), description="门口垃圾。",
        common_area="门口", reporter_name="某人", channel="phone",
    )
    mine = api(secretary).get("/api/v1/issue-rates/", kind="community", id=world.a.pk, **_period()).json()
    whole = api(officer).get("/api/v1/issue-rates/", kind="community", id=world.a.pk, **_period()).json()
    assert mine["rates"]["counted"] == 1 and whole["rates"]["counted"] == 2


def test_the_ranking_is_the_pages_ranking_for_the_branch_too(api, world, secretary, rated):  # noqa: F811
    month = timezone.localdate().strftime("%Y-%m")
    response = api(secretary).get("/api/v1/issue-rates/ranking/", kind="compound", month=month)
    assert response.status_code == 200
    assert [(r["rank"], r["id"]) for r in response.json()["results"]] == [(1, world.a1.pk)]


def test_property_staff_read_their_company_and_responders_their_department(
    api, company, clerk, department, responder, other_responder, subdistrict_admin, other_officer  # noqa: F811
):
    assert api(clerk).get("/api/v1/issue-rates/", kind="company", id=company.pk, **_period()).status_code == 200
    assert api(other_officer).get("/api/v1/issue-rates/", kind="company", id=company.pk, **_period()).status_code == 404
    assert api(responder).get("/api/v1/issue-rates/", kind="department", id=department.pk, **_period()).status_code == 200
    assert api(subdistrict_admin).get(
        "/api/v1/issue-rates/", kind="department", id=department.pk, **_period()).status_code == 200
    assert api(other_responder).get(
        "/api/v1/issue-rates/", kind="department", id=department.pk, **_period()).status_code == 404


def test_bad_rate_queries_are_400(api, world, officer):  # noqa: F811
    assert api(officer).get("/api/v1/issue-rates/", kind="planet", id=1, **_period()).status_code == 400
    assert api(officer).get("/api/v1/issue-rates/", kind="compound", id=world.a1.pk,
                            start="2026-02-01", end="2026-01-01").status_code == 400
    assert api(officer).get("/api/v1/issue-rates/ranking/", kind="compound", month="2026-13").status_code == 400


def test_staff_read_the_months_ranking_with_names_within_their_places(
    api, world, officer, other_officer, resident, rated  # noqa: F811
):
    month = timezone.localdate().strftime("%Y-%m")
    rows = api(officer).get("/api/v1/issue-rates/ranking/", kind="compound", month=month).json()["results"]
    assert [(r["rank"], r["id"], r["name"]) for r in rows] == [(1, world.a1.pk, "江工塑院小区")]
    assert rows[0]["composite"] == 1.0
    assert api(other_officer).get("/api/v1/issue-rates/ranking/", kind="compound", month=month).json()["results"] == []
    response = api(resident).get("/api/v1/issue-rates/ranking/", kind="compound", month=month)
    assert response.status_code == 403


# --- query counts ---------------------------------------------------------------------------------


def _fill(world, resident, neighbour, n, codes=("sanitation", "noise", "property-service", "other")):
    reporters = (resident, neighbour)
    homes = (world.home, world.next_door)
    for i in range(n):
        file_issue(reporters[i % 2], homes[i % 2], code=codes[i % len(codes)], anonymous=bool(i % 3 == 0))
    Issue.objects.update(response_due=timezone.now() - timedelta(hours=1))


@pytest.fixture
def crowd(world, resident, neighbour, zone_member, secretary, company, clerk, committee_member):
    return world


# Who lists, what: token, role assignments, count, rows (every related row joined in the rows query);
# party members also their memberships (one query, so the filter names their ids).
LISTS = {
    "all": ("officer", "/api/v1/issues/", ("sanitation", "noise", "property-service", "other"), 4),
    "queue": ("zone_member", "/api/v1/issues/?queue=1", ("noise",), 5),
    "filtered": ("secretary", "/api/v1/issues/?overdue=1&state=dispatched&category=noise", ("noise",), 5),
}


@pytest.mark.parametrize("case", sorted(LISTS))
def test_the_issue_lists_cost_the_same_for_10_as_for_50_rows(
    request, api, crowd, resident, neighbour, django_assert_num_queries, case  # noqa: F811
):
    who, url, codes, queries = LISTS[case]
    caller = api(request.getfixturevalue(who))
    _fill(crowd, resident, neighbour, 10, codes)
    with django_assert_num_queries(queries):
        first = caller.get(url).json()
    assert first["count"] == 10
    _fill(crowd, resident, neighbour, 40, codes)
    with django_assert_num_queries(queries):
        second = caller.get(url).json()
    assert second["count"] == 50 and len(second["results"]) == 50


def test_the_public_list_costs_the_same_for_10_as_for_50_rows(
    api, crowd, resident, neighbour, django_assert_num_queries  # noqa: F811
):
    url = f"/api/v1/compounds/{crowd.a1.pk}/public-issues/"
    _fill(crowd, resident, neighbour, 10)
    caller = api(neighbour)
    # Token, role assignments, the compound, count, rows.
    with django_assert_num_queries(5):
        assert len(caller.get(url).json()["results"]) > 0
    _fill(crowd, resident, neighbour, 40)
    with django_assert_num_queries(5):
        body = caller.get(url).json()
    assert len(body["results"]) == body["count"] == 50 - Issue.objects.filter(private=True).count()
