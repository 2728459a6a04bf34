"""What the city-scale work changed on the issue pages (issue 6): the public list's "all" view,
Open311's bounded pages, the filing's query budget, and the benchmark-only endpoints that must not
exist in a normal deployment."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance import bench
from governance.issues import services
from governance.issues.models import Issue
from governance.issues.states import State

from .factories import file_issue
from .snapshots import tables
from .test_open311 import anon  # noqa: F401
from .test_pages import _form, login

OPEN311 = "/open311/v2/"


def _closed_long_ago(resident, zone_member, world, *, description):
    issue = file_issue(resident, world.home, description=description)
    services.issue_acknowledge(actor=zone_member, issue=issue)
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理")
    services.issue_rate(actor=resident, issue=issue, rating="satisfied")
    # Back-date the closing (test set-up): the default view keeps only the last 30 days.
    Issue.objects.filter(pk=issue.pk).update(closed_at=timezone.now() - timedelta(days=90))
    return issue


def test_the_public_list_shows_old_closed_issues_only_under_all(client, world, resident, neighbour, zone_member):
    old = _closed_long_ago(resident, zone_member, world, description="二〇二四年的旧问题")
    current = file_issue(resident, world.home)
    assert Issue.objects.get(pk=old.pk).state == State.CLOSED
    login(client, neighbour)
    url = reverse("issues:board", args=[world.a1.pk])
    recent = client.get(url).content.decode()
    assert f'id="issue-{current.pk}"' in recent and f'id="issue-{old.pk}"' not in recent
    everything = client.get(url + "?show=all").content.decode()
    assert f'id="issue-{current.pk}"' in everything and f'id="issue-{old.pk}"' in everything
    assert 'data-testid="board-all"' in recent  # the tab that leads there
    # Still no personal data: no reporter, no room, no description.
    for private in (resident.display_name, resident.phone, "二〇二四年的旧问题", world.home.room):
        assert private not in everything


def test_the_all_view_of_the_public_list_costs_what_the_default_does(client, world, resident, neighbour, zone_member):
    for i in range(12):
        file_issue(resident, world.home, description=f"问题 {i}")
    login(client, neighbour)
    url = reverse("issues:board", args=[world.a1.pk])
    with CaptureQueriesContext(connection) as default:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as everything:
        assert client.get(url + "?show=all&page=3&size=10").status_code == 200
    # The default list asks one thing more the first time: when its first closed issue leaves it
    # (how long its page may be kept).
    assert len(everything.captured_queries) == 9 and len(default.captured_queries) == 10


def test_the_all_view_is_refused_to_outsiders_like_the_default(client, world, resident, b_resident, stranger):
    file_issue(resident, world.home)
    for outsider in (b_resident, stranger):
        login(client, outsider)
        assert client.get(reverse("issues:board", args=[world.a1.pk]) + "?show=all").status_code == 404


def test_filing_from_the_page_takes_a_pinned_number_of_queries(client, world, resident, zone_member, django_assert_num_queries):
    login(client, resident)
    url = reverse("issues:new")
    client.post(url, _form(world))  # warm: the first request loads what every later one reuses
    # 14 here = the session row (tests use database sessions; production reads them from Redis) +
    # SAVEPOINT/RELEASE (the test's own transaction turns the service's into a savepoint) + 11:
    # the user, the resident's compounds, the category, the building, the branch covering the
    # compound, the zone (with its member and their user), the contract, the issue, its events,
    # the recipients' preferences and their notifications (one insert however many they are).
    # The caller's roles come from the cache (``selectors.load_roles``); the issue policy is not
    # read (a new issue's escalation falls due with its response).
    data = _form(world, description="第二个问题")
    with django_assert_num_queries(14):
        response = client.post(url, data)
    assert response.status_code == 302
    assert Issue.objects.filter(description="第二个问题").count() == 1


def test_filing_still_checks_the_household_belongs_to_the_resident(client, world, resident, neighbour):
    login(client, resident)
    before = tables()
    response = client.post(reverse("issues:new"), _form(world, household=world.next_door.pk))
    assert response.status_code == 400
    assert tables() == before


# --- Open311: bounded pages ------------------------------------------------------------------


@pytest.fixture
def sixty(world, resident, neighbour):
    return [file_issue((resident, neighbour)[i % 2], (world.home, world.next_door)[i % 2]) for i in range(60)]


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["service_request_id"] for row in response.json()]


def test_open311_requests_come_in_pages_of_50_by_default(anon, sixty):  # noqa: F811
    newest_first = sorted((i.pk for i in sixty), reverse=True)
    assert _ids(anon.get(OPEN311 + "requests.json")) == newest_first[:50]
    assert _ids(anon.get(OPEN311 + "requests.json?page=2")) == newest_first[50:]
    assert _ids(anon.get(OPEN311 + "requests.json?page_size=20&page=3")) == newest_first[40:60]
    assert _ids(anon.get(OPEN311 + "requests.json?page=9")) == []


@pytest.mark.parametrize("query", ["page_size=0", "page_size=201", "page=0", "page=x", "page_size=-5", "page=1001"])
def test_open311_refuses_a_bad_page_with_400_and_says_why(anon, sixty, query):  # noqa: F811
    response = anon.get(OPEN311 + "requests.json?" + query)
    assert response.status_code == 400
    assert ("page_size" if "size" in query else "page") in response.content.decode()


# --- benchmark endpoints -----------------------------------------------------------------------


def test_benchmark_endpoints_do_not_exist_in_a_normal_deployment(client, resident):
    login(client, resident)
    assert client.get("/bench/bare/").status_code == 404
    assert client.get("/bench/user/").status_code == 404
    assert "X-Linli-Queries" not in client.get(reverse("home"))


def test_the_logged_in_ceiling_returns_the_name_and_the_header_counts_queries(resident, db):
    request = RequestFactory().get("/bench/user/")
    request.user = resident
    response = bench.QueryCountMiddleware(bench.user)(request)
    assert response.status_code == 200 and response.content.decode() == resident.display_name
    assert response[bench.QUERY_HEADER] == "0"  # the user was already loaded: nothing else to ask

    def two_queries(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return bench.bare(request)

    response = bench.QueryCountMiddleware(two_queries)(RequestFactory().get("/bench/bare/"))
    assert response.content == b"ok" and response[bench.QUERY_HEADER] == "2"


# --- the queue without the visibility filter ------------------------------------------------


def test_no_ones_queue_holds_an_issue_they_cannot_see(
    request, world, resident, neighbour, zone_member, secretary, company, clerk, committee_member, officer,
    subdistrict_admin, department, responder, other_officer, b_resident
):
    from governance.issues import selectors

    for code in ("sanitation", "noise", "charging", "parking", "neighbours", "illegal-construction"):
        file_issue(resident, world.home, code=code)
        file_issue(neighbour, world.next_door, code=code)
    file_issue(b_resident, world.b_home)
    escalated = file_issue(resident, world.home, code="illegal-construction")
    for days in (30, 60, 90):  # one level per run: branch → community → subdistrict
        services.issues_escalate_overdue(now=timezone.now() + timedelta(days=days))
    escalated.refresh_from_db()
    assert escalated.level == 2
    services.issue_summon(actor=subdistrict_admin, issue=escalated, department=department, reason="请协助")
    cast = (resident, neighbour, zone_member, secretary, clerk, committee_member, officer, subdistrict_admin,
            responder, other_officer, b_resident)
    held = 0
    for person in cast:
        person.__dict__.pop("_linli_scopes", None)
        queue = set(selectors.work_queue(person, include_done=True).values_list("pk", flat=True))
        visible = set(selectors.issues_visible(person).values_list("pk", flat=True))
        assert queue <= visible, person
        held += len(queue)
    assert held > 0


def test_the_partial_indexes_name_exactly_the_open_states():
    from governance.issues import models
    from governance.issues.states import OPEN_STATES

    assert sorted(models._OPEN) == sorted(str(s) for s in OPEN_STATES)


def test_a_company_at_many_compounds_sees_the_same_through_the_subquery(world, resident, neighbour, clerk, company,
                                                                        monkeypatch):
    from governance.issues import selectors

    for code in ("sanitation", "parking", "property-service", "noise"):
        file_issue(resident, world.home, code=code)
        file_issue(neighbour, world.next_door, code=code)

    def seen():
        clerk.__dict__.pop("_linli_scopes", None)
        return (
            set(selectors.issues_visible(clerk).values_list("pk", flat=True)),
            set(selectors.work_queue(clerk).values_list("pk", flat=True)),
        )

    as_list = seen()
    monkeypatch.setattr(selectors, "MANY_COMPOUNDS", 0)
    assert seen() == as_list and as_list[1]
