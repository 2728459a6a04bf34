"""The three rates pages: the figures equal a hand count, each caller sees only their scope's
subjects, the ranking ranks, the spreadsheet matches, and the query count does not grow."""

from datetime import datetime, time, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from compounds import services as place_services
from governance.accounts.roles import Role
from governance.issues import services
from governance.issues.models import Category, Issue, IssueEvent, Summons
from tests.committees.factories import verified_owner

from .. import factories

pytestmark = pytest.mark.django_db

RATES = reverse("dashboards:rates")
RANKING = reverse("dashboards:rates-ranking")


@pytest.fixture(autouse=True)
def _english(client):
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _category(code):
    return Category.objects.get(code=code)


@pytest.fixture
def loop(world, serving, officer, other_officer, resident, neighbour, subdistrict_admin):
    """A1: two issues handled by the company (one acknowledged late, one rated satisfied) and one
    illegal construction summoned to the department; B1: one issue handled by B's community."""
    now = timezone.now()
    ten_days = now - timedelta(days=10)
    wuye = serving.wuye
    one = services.issue_file(actor=resident, compound=world.a1, category=_category("sanitation"),
                              description="楼道堆物", building=world.home.building, now=ten_days)
    services.issue_acknowledge(actor=wuye, issue=one, now=ten_days + timedelta(hours=1))
    services.issue_resolve(actor=wuye, issue=one, note="已清理", now=ten_days + timedelta(hours=3))
    services.issue_rate(actor=resident, issue=one, rating="satisfied", now=ten_days + timedelta(hours=5))
    two = services.issue_file(actor=neighbour, compound=world.a1, category=_category("parking"),
                              description="占用消防通道", common_area="北门", now=ten_days)
    services.issue_acknowledge(actor=wuye, issue=two, now=ten_days + timedelta(hours=30))  # late
    services.issue_resolve(actor=wuye, issue=two, note="已挪车", now=ten_days + timedelta(hours=31))

    department = factories.DepartmentFactory(name="城管执法中队", subdistrict=world.s1, district=None)
    other_department = factories.DepartmentFactory(name="市场监管所", subdistrict=world.s1, district=None)
    responder = factories.UserFactory(username="responder")
    place_services.role_grant(user=responder, role=Role.DEPARTMENT_RESPONDER, scope=department)
    other_responder = factories.UserFactory(username="other_responder")
    place_services.role_grant(user=other_responder, role=Role.DEPARTMENT_RESPONDER, scope=other_department)
    three = services.issue_file(actor=resident, compound=world.a1, category=_category("illegal-construction"),
                                description="一楼搭彩钢棚", common_area="北门", now=ten_days)
    services.issue_summon(actor=subdistrict_admin, issue=three, department=department, reason="请核查",
                          now=ten_days + timedelta(hours=2))
    services.issue_acknowledge(actor=responder, issue=three, now=ten_days + timedelta(hours=3))
    four = services.issue_file(actor=neighbour, compound=world.a1, category=_category("noise"),
                               description="夜间施工", common_area="北门", now=ten_days)
    services.issue_summon(actor=subdistrict_admin, issue=four, department=other_department, reason="请处理",
                          now=ten_days + timedelta(hours=2))

    b_resident = verified_owner(world.b_home, other_officer, username="b_resident")
    b_issue = services.issue_file(actor=b_resident, compound=world.b1, category=_category("sanitation"),
                                  description="垃圾没清运", building=world.b_home.building, now=now - timedelta(hours=2))
    services.issue_acknowledge(actor=other_officer, issue=b_issue, now=now - timedelta(hours=1))
    return type("Loop", (), {"department": department, "other_department": other_department,
                             "responder": responder, "other_responder": other_responder, "b_resident": b_resident})


def _rows(response) -> dict[str, list[str]]:
    """Subject name → the cells of its row, from the page's table."""
    import re

    html = response.content.decode()
    rows = {}
    for row in re.findall(r'<tr data-testid="rates-row">(.*?)</tr>', html, re.S):
        name = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()
        rows[name] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def _snapshot():
    return (Issue.objects.count(), IssueEvent.objects.count(), Summons.objects.count())


def test_the_officer_sees_the_hand_counted_rates_of_their_compounds_only(client, world, loop, officer):
    client.force_login(officer)
    response = client.get(RATES)
    assert response.status_code == 200
    rows = _rows(response)
    # Every compound of community A, A2 without issues (a dash: nothing to measure).
    assert list(rows) == ["江工塑院小区", "东湾小区"]
    assert rows["东湾小区"] == ["0", "—", "—", "—", "—"]
    # A1, by hand: 4 issues, all settled. Acknowledged in time: the rated one and the summoned
    # one (the parking issue late, the noise issue never) → 2/4. Resolved: the company's two, the
    # summoned ones are past the department's deadline → 2/4. Rated: one, satisfied → 100%.
    # Composite 0.1 × 50% + 0.5 × 50% + 0.4 × 100% = 70%.
    assert rows["江工塑院小区"] == ["4", "50.0%", "50.0%", "100.0%", "70.0%"]
    assert 'id="rates-data"' in response.content.decode()
    assert "Response rate" in response.content.decode() and "0.9 × basically satisfied" in response.content.decode()


def test_an_officer_of_b_sees_none_of_as_subjects(client, world, loop, other_officer):
    client.force_login(other_officer)
    for kind in ("compound", "community", "subdistrict", "company", "department", "member", "zone"):
        rows = _rows(client.get(RATES, {"kind": kind}))
        assert "江工塑院小区" not in rows and "东湾社区" not in rows and "城管执法中队" not in rows, kind
    rows = _rows(client.get(RATES, {"kind": "compound"}))
    assert list(rows) == ["安居小区"]
    assert rows["安居小区"][1:4] == ["100.0%", "—", "—"]  # nothing to measure yet: a dash


def test_a_department_responder_sees_only_its_summons(client, world, loop):
    client.force_login(loop.responder)
    rows = _rows(client.get(RATES, {"kind": "department"}))
    assert list(rows) == ["城管执法中队"]
    assert rows["城管执法中队"][0] == "1" and rows["城管执法中队"][1] == "100.0%"
    rows = _rows(client.get(RATES, {"kind": "compound"}))
    assert rows["江工塑院小区"][0] == "1"  # only the issue it was summoned to
    client.force_login(loop.other_responder)
    assert list(_rows(client.get(RATES, {"kind": "department"}))) == ["市场监管所"]
    # Its compounds are not its to open.
    assert client.get(reverse("dashboards:rates-compound", args=[world.a1.pk])).status_code == 404


def test_property_staff_see_their_company_at_their_compounds(client, world, loop, serving):
    client.force_login(serving.wuye)
    rows = _rows(client.get(RATES, {"kind": "company"}))
    assert list(rows) == [serving.company.name]
    assert rows[serving.company.name][:2] == ["2", "50.0%"]
    assert _rows(client.get(RATES, {"kind": "department"})) == {}


def test_the_branch_secretary_sees_the_branchs_compounds(client, world, loop, serving):
    client.force_login(serving.shuji)
    assert list(_rows(client.get(RATES, {"kind": "compound"}))) == ["江工塑院小区"]


@pytest.mark.parametrize("who", ["resident", "stranger", "b_resident", "anonymous"])
def test_residents_and_strangers_are_refused_and_nothing_changes(client, world, loop, who, request):
    before = _snapshot()
    if who == "b_resident":
        client.force_login(loop.b_resident)
    elif who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for url in (RATES, RANKING, reverse("dashboards:rates-compound", args=[world.a1.pk]), RATES + "?format=xlsx"):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 404), url
    assert _snapshot() == before


def test_the_compound_page_shows_twelve_months_and_is_refused_outside_the_scope(client, world, loop, officer, other_officer):
    client.force_login(officer)
    url = reverse("dashboards:rates-compound", args=[world.a1.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr><th scope=\"row\">") == 12
    assert '"type": "line"' in html
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    assert client.get(reverse("dashboards:rates-compound", args=[999999])).status_code == 404


def test_the_ranking_ranks_by_composite_with_month_links(client, world, loop, district_admin):
    client.force_login(district_admin)
    month = (timezone.localdate() - timedelta(days=10)).strftime("%Y-%m")
    response = client.get(RANKING, {"kind": "department", "month": month})
    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(response)
    # 城管 acknowledged in time (response 100%, resolution 0%: 10%); 市场监管所 never (0%).
    assert list(rows) == ["城管执法中队", "市场监管所"]
    assert [cells[0] for cells in rows.values()] == ["1", "2"]
    assert [cells[-1] for cells in rows.values()] == ["16.7%", "0.0%"]
    assert 'data-testid="previous-month"' in html
    # Bad months fall back to last month; no link past this month.
    assert client.get(RANKING, {"month": "2026-13"}).status_code == 200
    this_month = timezone.localdate().strftime("%Y-%m")
    assert 'data-testid="next-month"' not in client.get(RANKING, {"month": this_month}).content.decode()


def test_a_bad_period_is_explained_inline_and_the_default_period_shown(client, world, loop, officer):
    client.force_login(officer)
    response = client.get(RATES, {"kind": "compound", "start": "2026-05-01", "end": "2026-01-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The end must be on or after the start." in html and "is-invalid" in html
    assert 'value="2026-01-01"' in html  # what was typed is kept
    assert _rows(response)["江工塑院小区"][0] == "4"


def test_the_presets_narrow_the_period(client, world, loop, officer):
    client.force_login(officer)
    far = (timezone.localdate() - timedelta(days=400)).isoformat()
    assert _rows(client.get(RATES, {"start": far, "end": far}))["江工塑院小区"][0] == "0"
    assert _rows(client.get(RATES, {"preset": "last_12_months"}))["江工塑院小区"][0] == "4"


def test_the_spreadsheet_has_the_pages_rows(client, world, loop, district_admin):
    client.force_login(district_admin)
    response = client.get(RATES, {"kind": "compound", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "Compound" and values[0][2] == "Response rate %"
    assert {v[0] for v in values[1:]} == {"江工塑院小区", "东湾小区", "安居小区"}
    b1 = next(v for v in values[1:] if v[0] == "安居小区")
    assert b1[1] == 1 and b1[2] == 100.0 and b1[3] is None


def _compounds_with_issues(world, system_admin, first, n):
    category = _category("sanitation")
    for i in range(first, first + n):
        compound = factories.CompoundFactory(community=world.a, code=f"N{i}", name=f"新小区{i:02d}")
        services.issue_file(actor=system_admin, compound=compound, category=category, description="楼道堆物",
                            common_area="北门", channel="phone", reporter_name="王阿姨")


@pytest.mark.parametrize("url,params", [
    *[(RATES, {"kind": kind}) for kind in ("compound", "community", "subdistrict", "zone", "member", "company", "department")],
    (RANKING, {"kind": "compound"}), (RANKING, {"kind": "member"}),
])
def test_the_query_count_does_not_grow_with_the_subjects(client, world, officer, system_admin, url, params,
                                                         django_assert_num_queries, settings):
    settings.PAGE_CACHE = False  # the figures as computed (kept pages: test_a_kept_page_…)
    params = dict(params)
    if url == RANKING:
        params["month"] = timezone.localdate().strftime("%Y-%m")
    client.force_login(officer)
    _compounds_with_issues(world, system_admin, 0, 10)
    client.get(url, params)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        response = client.get(url, params)
    # The ranking lists subjects with issues in the month; the rates page every compound of A.
    listed = 10 if url == RANKING else 11
    expected = {"compound": listed, "community": 1, "subdistrict": 1}.get(params["kind"])
    assert expected is None or len(_rows(response)) == expected
    _compounds_with_issues(world, system_admin, 10, 40)
    with django_assert_num_queries(len(ten)):
        response = client.get(url, params)
    assert expected is None or len(_rows(response)) == expected + (40 if params["kind"] == "compound" else 0)
    # Session, user, role assignments, the policy, the grouped rates, the names (none to look up
    # in a month without members' issues) and the page's unread notifications; for the kinds the
    # monthly rollup keys, one more: which of the period's whole months it holds (none here).
    rolled_up = url == RATES and params["kind"] in ("compound", "community", "subdistrict")
    assert len(ten) == (6 if params == {"kind": "member", "month": params.get("month")} else 7) + rolled_up


def test_the_system_admin_sees_every_subject_including_those_without_issues(client, world, loop, system_admin):
    client.force_login(system_admin)
    assert set(_rows(client.get(RATES, {"kind": "compound"}))) == {"江工塑院小区", "东湾小区", "安居小区"}
    departments = _rows(client.get(RATES, {"kind": "department"}))
    assert set(departments) == {"城管执法中队", "市场监管所"}
    assert _rows(client.get(RATES, {"kind": "member"}))  # the branch's members, with dashes


def test_the_subdistrict_admin_sees_the_departments_it_may_summon_but_not_bs_compounds(client, world, loop, subdistrict_admin):
    client.force_login(subdistrict_admin)
    assert set(_rows(client.get(RATES, {"kind": "department"}))) == {"城管执法中队", "市场监管所"}
    assert "安居小区" not in _rows(client.get(RATES, {"kind": "compound"}))
    assert client.get(reverse("dashboards:rates-compound", args=[world.b1.pk])).status_code == 404


# --- the kept page (generations: the page cache) ----------------------------------------------


def _cells(client, params=None):
    response = client.get(RATES, params or {})
    assert response.status_code == 200
    return _rows(response)


def test_a_kept_page_is_read_again_until_an_issue_of_the_scope_changes(client, world, loop, officer, resident,
                                                                        serving, django_assert_num_queries):
    client.force_login(officer)
    before = _cells(client)
    # Session, user, roles, the policy, the page's unread notifications: the figures are kept.
    with django_assert_num_queries(5):
        assert _cells(client) == before
    # A new issue of A1, inside its deadlines: counted, in no base yet.
    issue = services.issue_file(actor=resident, compound=world.a1, category=_category("sanitation"),
                                description="电梯异响", building=world.home.building)
    after = _cells(client)
    assert after["江工塑院小区"][0] == "5" and after["江工塑院小区"][1:] == before["江工塑院小区"][1:]
    # Acknowledged in time: one more in the response rate's base and numerator (3/5).
    services.issue_acknowledge(actor=serving.wuye, issue=issue)
    assert _cells(client)["江工塑院小区"][1] == "60.0%"


def test_a_write_elsewhere_keeps_the_page(client, world, loop, officer, other_officer, django_assert_num_queries):
    """Community B's issues are not the officer of A's: writing one keeps A's page."""
    client.force_login(officer)
    before = _cells(client)
    b_issue = Issue.objects.get(compound=world.b1)
    services.issue_resolve(actor=other_officer, issue=b_issue, note="已清运")
    with django_assert_num_queries(5):
        assert _cells(client) == before


def test_a_deadline_passing_changes_a_kept_page_with_no_write(client, world, loop, officer, resident, monkeypatch):
    """The rates move with the clock: an open issue joins the response base when its deadline
    passes. A kept page is not read after the next such deadline."""
    client.force_login(officer)
    issue = services.issue_file(actor=resident, compound=world.a1, category=_category("sanitation"),
                                description="电梯异响", building=world.home.building)
    later = issue.response_due + timedelta(minutes=1)
    assert later < issue.resolution_due
    # A fixed period around both moments: the same page is asked for before and after.
    today = timezone.localdate()
    period = {"start": (today - timedelta(days=20)).isoformat(), "end": (today + timedelta(days=10)).isoformat()}
    assert _cells(client, period)["江工塑院小区"][:2] == ["5", "50.0%"]  # 2/4: the new one is inside its deadlines
    monkeypatch.setattr(timezone, "now", lambda: later)
    # Now past its response deadline, unacknowledged: 2/5 responded.
    assert _cells(client, period)["江工塑院小区"][:2] == ["5", "40.0%"]


def test_a_refresh_of_the_rollup_changes_a_kept_page(client, world, officer, resident, serving):
    """Months that have ended come from the rollup: a kept page goes when a refresh rewrites one."""
    from governance.issues import rollups

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=15)
    filed_at = timezone.make_aware(datetime.combine(last_month, time(10)))
    issue = services.issue_file(actor=resident, compound=world.a1, category=_category("sanitation"),
                                description="电梯异响", building=world.home.building, now=filed_at)
    rollups.refresh_issue_rollups()
    client.force_login(officer)
    params = {"preset": "last_month"}
    # Never acknowledged nor resolved, both deadlines long passed: 0 of 1 each.
    assert _cells(client, params)["江工塑院小区"][:3] == ["1", "0.0%", "0.0%"]
    services.issue_acknowledge(actor=serving.wuye, issue=issue)
    services.issue_resolve(actor=serving.wuye, issue=issue, note="已修好")
    # The issue's write drops the page, but the month is summed from the rollup, which still has
    # the old counts until its refresh (the page says so).
    assert _cells(client, params)["江工塑院小区"][:3] == ["1", "0.0%", "0.0%"]
    assert rollups.refresh_issue_rollups()["months"] == 1
    assert _cells(client, params)["江工塑院小区"][:3] == ["1", "0.0%", "100.0%"]


def test_property_staffs_pages_are_computed_each_time(client, world, loop, serving, resident):
    """A company's staff reach issues through the company: no stamp covers that, nothing is kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(serving.wuye)
    counted = int(_cells(client)["江工塑院小区"][0])
    with CaptureQueriesContext(connection) as one:
        _cells(client)
    with CaptureQueriesContext(connection) as two:
        _cells(client)
    assert len(one) == len(two) > 5
    services.issue_file(actor=resident, compound=world.a1, category=_category("sanitation"),
                        description="电梯异响", building=world.home.building)
    assert _cells(client)["江工塑院小区"][0] == str(counted + 1)


def test_only_the_periods_the_page_offers_are_kept(client, world, loop, officer):
    """Any pair of dates is shown, but only the presets are kept: made-up periods would fill the cache."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer)
    today = timezone.localdate()
    made_up = {"start": (today - timedelta(days=17)).isoformat(), "end": (today - timedelta(days=3)).isoformat()}
    counts = []
    for params in (made_up, made_up, {}, {}):
        with CaptureQueriesContext(connection) as ctx:
            _cells(client, params)
        counts.append(len(ctx))
    assert counts[0] == counts[1] > counts[3]
