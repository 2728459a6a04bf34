"""Pages that keep parts of themselves in the cache (governance/issues/generations.py): the public
list, my issues and Open311's request lists. A kept part is read again only while nothing it shows
has changed: each test changes one thing the page shows and checks that the next reader sees it,
and that what did not change is still read from the cache (fewer queries)."""

import json
import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.issues import generations, services, views
from governance.issues.models import Category, Issue

from .factories import file_issue
from .test_open311 import anon  # noqa: F401
from .test_pages import login


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode(), len(ctx.captured_queries)


# --- the stamps -------------------------------------------------------------------------------


def test_a_stamp_is_made_once_and_dropped_by_a_write_to_its_issues(world, resident):
    first = generations.stamp(("compound", world.a1.pk), generations.NAMES)
    assert generations.stamp(("compound", world.a1.pk), generations.NAMES) == first
    other = generations.stamp(("compound", world.b1.pk))
    file_issue(resident, world.home)  # an issue of A1
    assert generations.stamp(("compound", world.a1.pk), generations.NAMES) != first
    assert generations.stamp(("compound", world.b1.pk)) == other  # B1's issues did not change


def test_a_kept_value_is_read_with_its_stamps_in_one_call_and_never_after_they_are_dropped(world, resident, monkeypatch):
    from django.core.cache import cache

    scopes = [("compound", world.a1.pk), generations.NAMES]
    stamps, found = generations.kept("test:entry", scopes)
    assert found is None
    generations.store("test:entry", stamps, {"rows": [1, 2]})

    calls, depth = [], []

    def spy(name, real):
        def call(*args, **kwargs):
            if not depth:  # the caller's calls (a memory cache's get_many calls its own get)
                calls.append(name)
            depth.append(name)
            try:
                return real(*args, **kwargs)
            finally:
                depth.pop()

        return call

    for name in ("get", "get_many", "add", "set"):
        monkeypatch.setattr(cache, name, spy(name, getattr(cache, name)))
    assert generations.kept("test:entry", scopes) == (stamps, {"rows": [1, 2]})
    assert calls == ["get_many"]  # the stamps and the value together
    assert generations.kept("test:entry", [("compound", world.b1.pk), generations.NAMES])[1] is None  # other stamps

    file_issue(resident, world.home)  # drops A1's stamp
    now, found = generations.kept("test:entry", scopes)
    assert now != stamps and found is None
    # What a reader kept with the old stamps (it read before the write) is not read either.
    generations.store("test:entry", stamps, {"rows": "old"})
    assert generations.kept("test:entry", scopes) == (now, None)


def test_the_stamp_is_dropped_again_after_the_commit(world, resident, django_capture_on_commit_callbacks):
    """A reader between the write and its commit reads the old rows: whatever it keeps under the
    stamp it saw must not outlive the commit."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_issue(resident, world.home)
        during = generations.stamp(("compound", world.a1.pk))  # a reader before the commit
    assert callbacks
    for callback in callbacks:
        callback()  # the commit
    assert generations.stamp(("compound", world.a1.pk)) != during


def test_an_update_through_the_queryset_drops_the_stamps_of_the_rows_it_writes(world, resident):
    issue = file_issue(resident, world.home)
    before = generations.stamp(("reporter", resident.pk), ("category", issue.category_id))
    Issue.objects.filter(pk=issue.pk).update(supporters_count=3)
    assert generations.stamp(("reporter", resident.pk), ("category", issue.category_id)) != before


def test_a_write_drops_the_stamps_of_its_community_and_subdistrict_only(world, resident):
    """The figures pages key what they keep by the places of the caller's scope."""
    places = [("community", world.a.pk), ("subdistrict", world.s1.pk)]
    before = [generations.stamp(p) for p in places]
    elsewhere = generations.stamp(("community", world.b.pk))
    file_issue(resident, world.home)
    assert all(generations.stamp(p) != b for p, b in zip(places, before, strict=True))
    assert generations.stamp(("community", world.b.pk)) == elsewhere


def test_a_contract_ending_drops_the_names_stamp(world, company):
    """Contracts tie companies to compounds: the subjects a figures page lists."""
    from committees.models import ContractStatus, PropertyContract
    from committees.services import contracts_sync

    contract = PropertyContract.objects.get(compound=world.a1, status=ContractStatus.ACTIVE)
    PropertyContract.objects.filter(pk=contract.pk).update(ends_on=timezone.localdate())
    before = generations.stamp(generations.NAMES)
    assert contracts_sync()["ended"] == 1
    assert generations.stamp(generations.NAMES) != before


def test_a_refresh_of_the_rollup_drops_its_stamp(world, resident):
    from governance.issues import rollups

    file_issue(resident, world.home, now=timezone.now() - timedelta(days=40))
    before = generations.stamp(generations.ROLLUPS)
    assert rollups.refresh_issue_rollups()["months"] >= 1
    assert generations.stamp(generations.ROLLUPS) != before
    again = generations.stamp(generations.ROLLUPS)
    assert rollups.refresh_issue_rollups()["months"] == 0  # nothing rewritten: the stamp stays
    assert generations.stamp(generations.ROLLUPS) == again


def test_a_renamed_category_drops_the_names_stamp(db):
    before = generations.stamp(generations.NAMES)
    category = Category.objects.get(code="noise")
    category.name_en = "Noise at night"
    category.save()
    assert generations.stamp(generations.NAMES) != before


def test_nothing_is_kept_without_the_page_cache(settings, client, world, resident, monkeypatch):
    settings.PAGE_CACHE = False
    file_issue(resident, world.home)
    built = []
    monkeypatch.setattr(views, "_my_issues_page", lambda request, real=views._my_issues_page: built.append(1) or real(request))
    login(client, resident)
    url = reverse("issues:mine")
    _, n1 = _get(client, url)
    _, n2 = _get(client, url)
    assert n1 == n2 and len(built) == 2


# --- the public list --------------------------------------------------------------------------


def test_the_public_list_shows_a_new_me_too_and_each_readers_own_action(
    client, world, resident, neighbour, zone_member
):
    issue = file_issue(resident, world.home)
    url = reverse("issues:board", args=[world.a1.pk])
    login(client, neighbour)
    html, cold = _get(client, url, show="all")
    assert 'data-testid="me-too"' in html and "0 neighbours say" in html
    html, kept = _get(client, url, show="all")
    assert kept < cold
    # The same kept rows, another reader: the reporter sees their own issue, not "me too".
    login(client, resident)
    html, _ = _get(client, url, show="all")
    assert "Your issue" in html and 'data-testid="me-too"' not in html
    # A "me too" (an update of the count) shows at once, to everyone.
    services.issue_support(actor=neighbour, issue=issue)
    html, _ = _get(client, url, show="all")
    assert "1 neighbour says" in html
    login(client, neighbour)
    html, _ = _get(client, url, show="all")
    assert "You said me too" in html and 'data-testid="me-too"' not in html


def test_the_public_list_shows_a_change_of_state_and_a_renamed_category(client, world, resident, neighbour, zone_member):
    issue = file_issue(resident, world.home)
    login(client, neighbour)
    url = reverse("issues:board", args=[world.a1.pk])
    html, _ = _get(client, url)
    assert f'data-state="{issue.state}"' in html
    services.issue_acknowledge(actor=zone_member, issue=issue)
    html, _ = _get(client, url)
    assert 'data-state="in_progress"' in html
    issue.category.name_en = "Litter in the stairwell"
    issue.category.save()
    html, _ = _get(client, url)
    assert "Litter in the stairwell" in html


def test_a_closed_issue_leaves_the_kept_default_list_after_30_days(
    client, world, resident, neighbour, zone_member, monkeypatch
):
    issue = file_issue(resident, world.home)
    services.issue_acknowledge(actor=zone_member, issue=issue)
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理")
    services.issue_rate(actor=resident, issue=issue, rating="satisfied")
    # Back-date the closing (test set-up) to a minute before it leaves the default list.
    now = timezone.now()
    Issue.objects.filter(pk=issue.pk).update(closed_at=now - timedelta(days=30) + timedelta(minutes=1))
    login(client, neighbour)
    url = reverse("issues:board", args=[world.a1.pk])
    assert f'id="issue-{issue.pk}"' in _get(client, url)[0]
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=2))
    html, _ = _get(client, url)
    assert f'id="issue-{issue.pk}"' not in html  # nothing was written: the clock alone
    assert f'id="issue-{issue.pk}"' in _get(client, url, show="all")[0]


def test_one_compounds_new_issue_leaves_another_compounds_list_kept(client, world, resident, b_resident, other_officer):
    login(client, resident)
    url = reverse("issues:board", args=[world.a1.pk])
    _, cold = _get(client, url)
    _, kept = _get(client, url)
    file_issue(b_resident, world.b_home)
    assert _get(client, url)[1] == kept < cold


# --- my issues --------------------------------------------------------------------------------


def test_my_issues_shows_a_change_at_once_and_deadlines_move_with_the_clock(
    client, world, resident, zone_member, monkeypatch
):
    issue = file_issue(resident, world.home)
    login(client, resident)
    url = reverse("issues:mine")
    html, cold = _get(client, url)
    assert "due in" in html
    services.issue_acknowledge(actor=zone_member, issue=issue)
    html, _ = _get(client, url)
    assert 'data-state="in_progress"' in html
    html, kept = _get(client, url)
    assert kept < cold
    issue.refresh_from_db()
    monkeypatch.setattr(timezone, "now", lambda: issue.resolution_due + timedelta(hours=2))
    html, again = _get(client, url)
    assert again == kept and "overdue" in html  # the kept row, its deadline written now


def test_my_issues_are_kept_per_reader(client, world, resident, neighbour):
    mine = file_issue(resident, world.home)
    theirs = file_issue(neighbour, world.next_door)
    login(client, resident)
    html, _ = _get(client, reverse("issues:mine"))
    login(client, neighbour)
    other, _ = _get(client, reverse("issues:mine"))
    assert mine.reference in html and theirs.reference not in html
    assert theirs.reference in other and mine.reference not in other


# --- Open311 ----------------------------------------------------------------------------------


def test_open311_keeps_a_fixed_window_until_its_service_changes(anon, world, resident, neighbour, zone_member):  # noqa: F811
    sanitation = file_issue(resident, world.home, code="sanitation")
    url = "/open311/v2/requests.json"
    since = (timezone.localdate() - timedelta(days=89)).isoformat()
    params = {"service_code": "sanitation", "start_date": since}

    def rows():
        body, n = _get(anon, url, **params)
        return {r["service_request_id"]: r for r in json.loads(body)}, n

    first, cold = rows()
    assert first[sanitation.pk]["status_notes"] == "Dispatched"
    again, kept = rows()
    assert again == first and kept == 1 < cold  # only the service's id
    # Another service's issue does not touch this list.
    file_issue(neighbour, world.next_door, code="noise")
    assert rows()[1] == kept
    # A change of state shows at once; so does a new request of the service.
    services.issue_acknowledge(actor=zone_member, issue=sanitation)
    changed, _ = rows()
    assert changed[sanitation.pk]["status_notes"] == "In progress"
    newer = file_issue(neighbour, world.next_door, code="sanitation")
    assert newer.pk in rows()[0]
    # A renamed service too.
    category = Category.objects.get(code="sanitation")
    category.name_en = "Rubbish"
    category.save()
    assert rows()[0][newer.pk]["service_name"] == "Rubbish"


def test_open311_does_not_keep_a_window_that_ends_now(anon, world, resident):  # noqa: F811
    file_issue(resident, world.home)
    _, first = _get(anon, "/open311/v2/requests.json")
    _, second = _get(anon, "/open311/v2/requests.json")
    assert first == second == 1


# --- one issue --------------------------------------------------------------------------------


def test_the_issue_page_shows_a_comment_at_once_to_each_reader_as_they_may_see_it(
    client, world, resident, zone_member
):
    issue = file_issue(resident, world.home)
    url = reverse("issues:detail", args=[issue.pk])
    login(client, resident)
    html, cold = _get(client, url)
    html, kept = _get(client, url)
    assert kept < cold
    # A comment writes an event, not the issue: its own drop shows it.
    services.issue_comment(actor=zone_member, issue=issue, text="明天上午来处理。")
    services.issue_comment(actor=zone_member, issue=issue, text="内部：需要物业配合。", public=False)
    html, _ = _get(client, url)
    assert "明天上午来处理。" in html and "内部：需要物业配合。" not in html
    login(client, zone_member)
    html, _ = _get(client, url)
    assert "明天上午来处理。" in html and "内部：需要物业配合。" in html
    login(client, resident)
    assert "内部：需要物业配合。" not in _get(client, url)[0]  # the handler's copy is not the reporter's


def test_the_issue_page_follows_a_new_state_and_a_renamed_person(client, world, resident, zone_member):
    issue = file_issue(resident, world.home)
    url = reverse("issues:detail", args=[issue.pk])
    login(client, resident)
    services.issue_acknowledge(actor=zone_member, issue=issue)
    html, _ = _get(client, url)
    assert zone_member.name in html
    zone_member.display_name = "王志愿"
    zone_member.save()
    html, _ = _get(client, url)
    assert "王志愿" in html  # the holder, and the actor in the timeline
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理")
    html, _ = _get(client, url)
    assert 'data-state="resolved"' in html and "已清理" in html


def test_the_kept_issue_row_follows_an_update_and_still_refuses_who_may_not_see_it(client, world, resident, stranger):
    issue = file_issue(resident, world.home)
    url = reverse("issues:detail", args=[issue.pk])
    login(client, resident)
    _, cold = _get(client, url)
    _, kept = _get(client, url)
    assert kept < cold  # the issue's row, the rows around it and its timeline are kept
    Issue.objects.filter(pk=issue.pk).update(supporters_count=7)
    html, _ = _get(client, url)
    assert '<dt class="col-5 col-sm-4">Me too</dt><dd class="col-7 col-sm-8">7</dd>' in html
    login(client, stranger)  # the row is kept, the stranger is still checked against visibility
    assert client.get(url).status_code == 404
    assert Issue.objects.get(pk=issue.pk).supporters_count == 7


def test_no_password_hash_is_kept_with_an_issue(client, world, resident, zone_member):
    from governance.issues.permissions import _related_rows

    issue = file_issue(resident, world.home)
    services.issue_acknowledge(actor=zone_member, issue=issue)
    related = _related_rows(issue.pk)
    for person in (related["reporter"], related["holder"]):
        assert "password" in person.get_deferred_fields()


def test_only_windows_of_whole_days_are_kept(anon, world, resident):  # noqa: F811
    """Any instant would do as a bound: keeping each would let any caller fill the cache."""
    file_issue(resident, world.home)
    since = (timezone.localtime() - timedelta(days=3)).replace(microsecond=0).isoformat()
    _, first = _get(anon, "/open311/v2/requests.json", start_date=since)
    _, second = _get(anon, "/open311/v2/requests.json", start_date=since)
    assert first == second == 1


def test_a_page_beyond_the_last_is_shown_but_not_kept(client, world, resident):
    file_issue(resident, world.home)
    login(client, resident)
    url = reverse("issues:mine")
    html, cold = _get(client, url, page=99)
    assert 'data-testid="my-issue"' in html  # the last page
    assert _get(client, url, page=99)[1] == cold
    _get(client, url, page=1)
    assert _get(client, url, page=1)[1] < cold  # the page that exists is kept


# --- the work queue ---------------------------------------------------------------------------


def _queue(client, **params):
    return _get(client, reverse("issues:queue"), **params)


def test_the_queue_follows_an_issue_handed_in_and_handed_away(client, world, resident, clerk, secretary):
    """The company's staff keep their queue under the company's stamp: an issue handed away from
    the company drops it through the company it was with when it was read."""
    issue = file_issue(resident, world.home, code="parking", description="车位被占")  # to the property company
    login(client, clerk)
    html, cold = _queue(client)
    html, kept = _queue(client)
    assert issue.reference in html and kept < cold
    services.issue_return(actor=clerk, issue=issue, reason="不归物业管")
    assert 'data-state="returned"' in _queue(client)[0]
    services.issue_dispatch(actor=secretary, issue=Issue.objects.get(pk=issue.pk), to="community")
    html, _ = _queue(client)
    assert issue.reference not in html and 'data-testid="empty"' in html


def test_an_update_through_the_queryset_drops_the_old_and_the_new_handlers_queues(world, resident, clerk, zone_member):
    issue = file_issue(resident, world.home, code="parking")
    company = ("company", issue.handler_company_id)
    assert issue.handler_company_id is not None
    before = generations.stamp(company, ("holder", zone_member.pk))
    Issue.objects.filter(pk=issue.pk).update(handler_company=None, holder=zone_member)
    after = generations.stamp(company, ("holder", zone_member.pk))
    assert all(a != b for a, b in zip(after.split("."), before.split("."), strict=True))


def test_the_queue_moves_with_the_clock_without_a_write(client, world, resident, clerk, monkeypatch):
    """Deadlines are written against now on every request; the overdue chip and filter are
    counted again once a deadline of the queue has passed."""
    issue = file_issue(resident, world.home, code="parking")
    login(client, clerk)
    html, _ = _queue(client)
    chip = re.compile(r'data-testid="chip-overdue">[^<]*<span class="badge text-bg-light">(\d+)</span>')
    assert chip.search(html).group(1) == "0"
    soon = issue.response_due - timedelta(minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: soon)
    html, kept = _queue(client)
    assert "30 min" in html and chip.search(html).group(1) == "0"  # the kept rows, today's deadline text
    late = issue.response_due + timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: late)
    html, counted = _queue(client)
    assert chip.search(html).group(1) == "1" and counted > kept


def test_a_save_drops_the_queue_the_issue_left(world, resident, clerk):
    issue = file_issue(resident, world.home, code="parking")
    loaded = Issue.objects.get(pk=issue.pk)
    company = ("company", loaded.handler_company_id)
    assert loaded.handler_company_id is not None
    before = generations.stamp(company)
    loaded.handler_company = None
    loaded.save()
    assert generations.stamp(company) != before


def test_a_revoked_role_empties_the_queue_at_once(client, world, resident, clerk):
    """The queue keeps its caller's roles between requests: a role ended (an update, no signal)
    drops them, and the issues it gave go with it."""
    from compounds.models import RoleAssignment
    from compounds.services import role_revoke
    from governance.accounts.roles import Role

    issue = file_issue(resident, world.home, code="parking")
    login(client, clerk)
    assert issue.reference in _queue(client)[0]
    _, kept = _queue(client)
    role_revoke(assignment=RoleAssignment.objects.get(user=clerk, role=Role.PROPERTY_STAFF, ended_at__isnull=True))
    html, counted = _queue(client)
    assert issue.reference not in html and counted > kept


def test_a_staff_record_ended_drops_the_kept_roles(world, clerk):
    from committees.models import PropertyStaff

    before = generations.stamp(generations.ROLES)
    staff = PropertyStaff.objects.get(user=clerk)
    staff.ended_on = timezone.localdate()
    staff.save()
    assert generations.stamp(generations.ROLES) != before


def test_a_caller_refused_an_issue_keeps_nothing(client, world, resident, stranger, monkeypatch):
    """Rows are kept only once the caller may see them: asking for every number in turn fills
    nothing."""
    from django.core.cache import cache

    issue = file_issue(resident, world.home)
    written = []
    real_set = cache.set
    monkeypatch.setattr(cache, "set", lambda key, *a, **kw: written.append(key) or real_set(key, *a, **kw))
    login(client, stranger)
    assert client.get(reverse("issues:detail", args=[issue.pk])).status_code == 404
    assert not [key for key in written if key.startswith("page:")]
    login(client, resident)
    _get(client, reverse("issues:detail", args=[issue.pk]))
    assert [key for key in written if key.startswith("page:issue-row")]


def test_the_queue_keeps_only_the_page_size_it_offers(client, world, resident, clerk):
    file_issue(resident, world.home, code="parking")
    login(client, clerk)
    _queue(client)  # the caller's roles are kept from here on
    _, first = _queue(client, size="20")
    _, again = _queue(client, size="20")
    assert first == again  # built each time
    _, kept = _queue(client)
    assert kept < first
