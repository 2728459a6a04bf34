"""Coverage figures: equal to a hand count, constant in queries, downloadable, scoped."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from committees import services as committee_services
from committees.credit_code import make_code
from committees.models import BodyKind
from compounds.models import Community
from governance.caching import shared_cache
from governance.dashboards import selectors
from governance.dashboards import services as coverage_services
from governance.dashboards.models import CommunityCoverage
from governance.party import services as party_services

from .. import factories

pytestmark = pytest.mark.django_db

# Hand count of the fixture in tests/dashboards/conftest.py.
COMMUNITY_A = {
    "compounds": 2, "with_branch": 1, "with_committee": 1, "with_property": 1,
    "households": 6, "households_zoned": 2,
    "committees": 1, "committees_with_party": 1, "party_share_sum": pytest.approx(1 / 3),
    "owners_seat_holders": 3, "cross_appointed": 1,
    "checked_in": 1, "lapsed": 1, "posts_claimed": 3,
}
COMMUNITY_B = {
    "compounds": 1, "with_branch": 0, "with_committee": 1, "with_property": 0,
    "households": 4, "households_zoned": 0,
    "committees": 1, "committees_with_party": 0, "party_share_sum": 0,
    "owners_seat_holders": 0, "cross_appointed": 0,
    "checked_in": 0, "lapsed": 0, "posts_claimed": 0,
}


def test_community_figures_equal_the_hand_count(serving, world):
    figures = selectors.community_figures([world.a.pk, world.b.pk])
    assert figures[world.a.pk] == COMMUNITY_A
    assert figures[world.b.pk] == COMMUNITY_B


def test_the_district_rolls_up_per_subdistrict_with_totals_and_rates(serving, world, district_admin):
    cov = selectors.coverage(district_admin, level="district", area_id=world.district.pk)
    assert cov.row_kind == "subdistrict"
    assert [r.name for r in cov.rows] == ["学院街道", "云集街道"]
    total = cov.total
    assert total.figures["compounds"] == 3 and total.figures["households"] == 10
    assert total.figures["committees"] == 2 and total.figures["committees_with_party"] == 1
    rates = total.rates
    assert rates["branch"] == 33.3 and rates["committee"] == 66.7 and rates["property"] == 33.3
    assert rates["zoned"] == 20.0 and rates["committees_with_party"] == 50.0
    assert rates["party_share"] == 16.7  # (1/3 + 0) / 2 committees
    assert rates["cross"] == 33.3


def test_the_page_shows_the_table_and_the_chart_data(serving, world, officer, client):
    client.force_login(officer)
    response = client.get(reverse("dashboards:coverage"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="coverage-table"' in page and 'id="coverage-data"' in page
    assert "东湾社区" in page and "安居社区" not in page  # the officer's community only
    assert "js/figures.js" in page and "<script>" not in page  # no inline script (CSP)
    assert response.context["figures"].total.figures["households"] == 6


def test_rows_link_down_a_level(serving, world, district_admin, client):
    client.force_login(district_admin)
    page = client.get(reverse("dashboards:coverage")).content.decode()
    assert f"?level=subdistrict&amp;id={world.s1.pk}" in page
    response = client.get(reverse("dashboards:coverage"), {"level": "subdistrict", "id": world.s1.pk})
    assert [r.name for r in response.context["figures"].rows] == ["东湾社区"]


def test_the_spreadsheet_opens_and_matches_the_table(serving, world, district_admin, client):
    client.force_login(district_admin)
    response = client.get(reverse("dashboards:coverage"), {"level": "district", "id": world.district.pk, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4  # header, two subdistricts, total
    assert rows[1][0] == "学院街道" and rows[1][1] == 2 and rows[1][2] == 1
    assert rows[-1][1] == 3  # total compounds


@pytest.mark.parametrize(
    "who, params",
    [
        ("resident", {}),
        ("stranger", {}),
        ("officer", {"level": "community", "id": "b"}),
        ("officer", {"level": "subdistrict", "id": "s2"}),
        ("officer", {"level": "district", "id": "district"}),
        ("subdistrict_admin", {"level": "subdistrict", "id": "s2"}),
        ("subdistrict_admin", {"level": "district", "id": "district"}),
        ("officer", {"level": "planet", "id": "1"}),
        ("officer", {"level": "community", "id": "x"}),
    ],
)
def test_figures_outside_the_scope_are_404(serving, world, who, params, request, client):
    client.force_login(request.getfixturevalue(who))
    if params.get("id") in ("b", "s2", "district"):
        params = params | {"id": getattr(world, params["id"]).pk}
    assert client.get(reverse("dashboards:coverage"), params).status_code == 404
    assert client.get(reverse("dashboards:coverage"), params | {"format": "xlsx"}).status_code == 404


def test_the_widest_scope_is_the_default(serving, world, subdistrict_admin, district_admin, system_admin):
    assert selectors.coverage(subdistrict_admin).row_kind == "community"
    assert [r.name for r in selectors.coverage(subdistrict_admin).rows] == ["东湾社区"]
    assert [r.name for r in selectors.coverage(district_admin).rows] == ["学院街道", "云集街道"]
    assert selectors.coverage(system_admin).row_kind == "district"


def _grow(world, officer, n):
    """n more compounds in community A, each with a branch, a committee with a seat, a zone, a contract."""
    today = timezone.localdate()
    company = committee_services.company_create(actor=officer, name="测试物业", credit_code=make_code(f"91420500MA4{n:06d}"))
    for i in range(n):
        compound = factories.CompoundFactory(community=world.a)
        building = factories.BuildingFactory(compound=compound, name="1 号楼")
        household = factories.HouseholdFactory(building=building, room="101")
        owner = factories.UserFactory()
        from .conftest import verified_owner

        verified_owner(owner, household, officer)
        branch = party_services.branch_create(actor=officer, community=world.a, name=f"支部{n}-{i}", kind="compound",
                                              founded_on=today, compounds=[compound])
        member = party_services.member_add(actor=officer, branch=branch, user=owner, kind="resident")
        party_services.branch_seat_add(actor=officer, branch=branch, member=member, role="secretary", term_start=today)
        party_services.zone_save(actor=officer, branch=branch, compound=compound, member=member, name="责任区", buildings=[building])
        committee = committee_services.committee_create(actor=officer, compound=compound, kind=BodyKind.OWNERS_COMMITTEE,
                                                        term_start=today - timedelta(days=1), term_end=today + timedelta(days=900))
        committee_services.seat_add(actor=officer, committee=committee, user=owner, role="chair")
        committee_services.contract_create(actor=officer, compound=compound, company=company, starts_on=today - timedelta(days=1),
                                           ends_on=today + timedelta(days=365), fee_per_m2=Decimal("1.00"))


def _count(user, **kwargs):
    user.__dict__.pop("_linli_scopes", None)
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage(user, **kwargs)
    return len(ctx.captured_queries)


def test_the_queries_do_not_grow_with_the_compounds(serving, world, officer, district_admin, django_assert_num_queries):
    _grow(world, officer, 3)
    small = _count(district_admin, level="district", area_id=world.district.pk)
    _grow(world, officer, 27)
    assert _count(district_admin, level="district", area_id=world.district.pk) == small
    assert selectors.coverage(district_admin).total.figures["compounds"] == 33
    district_admin.__dict__.pop("_linli_scopes", None)
    # scopes, communities, district name, compounds, check-ins, posts, households, zoned, committees;
    # with a shared cache also the stored counts' stamp (the key of kept sums)
    with django_assert_num_queries(9 + shared_cache()):
        selectors.coverage(district_admin, level="district", area_id=world.district.pk)


def test_the_page_takes_a_fixed_number_of_queries(serving, world, officer, client, django_assert_num_queries):
    client.force_login(officer)
    client.get(reverse("dashboards:coverage"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dashboards:coverage"))
    before = len(ctx.captured_queries)
    _grow(world, officer, 5)
    with django_assert_num_queries(before):
        client.get(reverse("dashboards:coverage"))


# --- the stored figures (issue 6: a district's page reads them instead of counting) ----------


def _district(district_admin, world):
    district_admin.__dict__.pop("_linli_scopes", None)
    cov = selectors.coverage(district_admin, level="district", area_id=world.district.pk)
    return [(r.name, r.figures) for r in cov.rows], cov.total.figures


def test_stored_figures_equal_counting_them(serving, world, officer, district_admin, monkeypatch):
    _grow(world, officer, 2)
    counted = _district(district_admin, world)
    assert coverage_services.refresh_coverage() == Community.objects.count()
    assert coverage_services.refresh_coverage() == 0  # nothing changed since
    monkeypatch.setattr(selectors, "STORED_ABOVE", 0)
    with CaptureQueriesContext(connection) as ctx:
        stored = _district(district_admin, world)
    assert any("dashboards_communitycoverage" in q["sql"] for q in ctx.captured_queries)
    assert not any("compounds_household" in q["sql"] for q in ctx.captured_queries)
    assert stored == counted


def test_a_community_without_todays_row_is_counted_live_and_changes_show_after_the_refresh(
    serving, world, officer, district_admin, monkeypatch
):
    coverage_services.refresh_coverage()
    monkeypatch.setattr(selectors, "STORED_ABOVE", 0)
    before = _district(district_admin, world)[1]["compounds"]
    _grow(world, officer, 1)
    assert _district(district_admin, world)[1]["compounds"] == before  # stored, as of the last refresh
    CommunityCoverage.objects.filter(community=world.a).delete()
    assert _district(district_admin, world)[1]["compounds"] == before + 1  # no row: counted live
    coverage_services.refresh_coverage()
    assert CommunityCoverage.objects.get(community=world.a).figures["compounds"] == 3
    # Yesterday's rows are not used today.
    CommunityCoverage.objects.update(as_of=timezone.localdate() - timedelta(days=1), figures={})
    assert _district(district_admin, world)[1]["compounds"] == before + 1


def test_the_refresh_is_idempotent(serving, world):
    coverage_services.refresh_coverage()
    rows = list(CommunityCoverage.objects.order_by("community_id").values("community_id", "figures", "as_of"))
    coverage_services.refresh_coverage()
    assert list(CommunityCoverage.objects.order_by("community_id").values("community_id", "figures", "as_of")) == rows
    assert len(rows) == Community.objects.count()


def test_the_stored_path_takes_a_fixed_number_of_queries(serving, world, officer, district_admin, monkeypatch,
                                                         django_assert_num_queries):
    monkeypatch.setattr(selectors, "STORED_ABOVE", 0)
    _grow(world, officer, 2)
    coverage_services.refresh_coverage()
    district_admin.__dict__.pop("_linli_scopes", None)
    shared = shared_cache()
    # scopes, communities, stored figures, the district's name; with a shared cache (Redis) also
    # the stored counts' stamp, and then the sums are kept: the next view reads only scopes, stamp
    with django_assert_num_queries(4 + shared):
        first = selectors.coverage(district_admin, level="district", area_id=world.district.pk)
    district_admin.__dict__.pop("_linli_scopes", None)
    with django_assert_num_queries(2 if shared else 4):
        again = selectors.coverage(district_admin, level="district", area_id=world.district.pk)
    assert again == first


def test_kept_sums_follow_every_change_of_the_stored_counts(serving, world, officer, district_admin, monkeypatch):
    monkeypatch.setattr(selectors, "STORED_ABOVE", 0)
    coverage_services.refresh_coverage()
    before = _district(district_admin, world)[1]["compounds"]
    _grow(world, officer, 1)
    assert _district(district_admin, world)[1]["compounds"] == before  # as of the last refresh
    assert coverage_services.refresh_coverage() == 1
    assert _district(district_admin, world)[1]["compounds"] == before + 1  # the refresh shows at once
    CommunityCoverage.objects.filter(community=world.a).update(figures={**CommunityCoverage.objects.get(
        community=world.a).figures, "compounds": 99}, refreshed_at=timezone.now())
    assert _district(district_admin, world)[1]["compounds"] == before + 1 - 3 + 99


def test_the_page_keeps_its_table_only_as_long_as_the_stored_counts(serving, client, world, officer, district_admin,
                                                                     monkeypatch):
    """With a shared cache the rendered table is kept beside the kept sums, under their key."""
    monkeypatch.setattr(selectors, "STORED_ABOVE", 0)
    coverage_services.refresh_coverage()
    client.force_login(district_admin)
    url = reverse("dashboards:coverage") + f"?level=district&id={world.district.pk}"

    def table():
        html = client.get(url).content.decode()
        return html[html.index("<tbody>"):html.index("</tfoot>")]

    first = table()
    assert table() == first
    _grow(world, officer, 1)
    assert table() == first  # as of the last refresh, like the sums
    coverage_services.refresh_coverage()
    assert table() != first  # the refresh shows at once
