"""What the loop must not give away, and what its pages must not let anyone do: a resident looked up
by phone number through filing on their behalf, actions the page does not offer, formulas in the
queue's spreadsheet, an anonymous reporter named in the API's timeline, keyless Open311 clients."""

import csv
import io

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from committees import services as committee_services
from governance.issues import services
from governance.issues.models import Category, HandlerKind, Issue, Open311Client
from governance.issues.states import State
from governance.party import services as party_services
from tests import factories

from .factories import file_issue
from .test_api import api, snapshot, token_for  # noqa: F401 - fixtures
from .test_pages import _form, login


@pytest.fixture
def lay_member(branch, officer):
    """A Party member of A1's branch with no seat and no zone: may file on a resident's behalf."""
    user = factories.UserFactory(username="lay_member", display_name="周党员", phone="13900003333")
    party_services.member_add(actor=officer, branch=branch, user=user, kind="resident")
    return user


def _on_behalf(client, filer, world, **changes):
    login(client, filer)
    url = reverse("issues:new-on-behalf") + f"?compound={world.a1.pk}"
    data = _form(world, channel="phone", **changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Issue.objects.latest("pk")


# --- filing on behalf: no look-up by phone ----------------------------------------------------


def test_a_party_member_filing_with_a_residents_phone_does_not_link_or_learn_the_name(
    client, world, resident, lay_member
):
    issue = _on_behalf(client, lay_member, world, reporter_name="打电话的阿姨", reporter_phone=resident.phone)
    assert issue.reporter is None and issue.filed_by == lay_member
    assert (issue.reporter_name, issue.reporter_phone) == ("打电话的阿姨", resident.phone)
    html = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert "打电话的阿姨" in html and resident.name not in html


@pytest.mark.parametrize("filer", ["officer", "secretary"])
def test_an_officer_or_the_branch_filing_with_a_residents_phone_links_the_resident(
    request, client, world, resident, filer
):
    user = request.getfixturevalue(filer)
    issue = _on_behalf(client, user, world, reporter_name="张阿姨", reporter_phone=resident.phone)
    assert issue.reporter == resident and issue.filed_by == user


def test_a_filer_who_is_only_that_sees_what_they_typed_not_the_linked_residents_name(
    api, client, world, resident, lay_member, branch  # noqa: F811
):
    issue = services.issue_file(
        actor=lay_member, compound=world.a1, category=Category.objects.get(code="sanitation"),
        description="北门垃圾满了。", common_area="北门", reporter=resident, reporter_name="打电话的阿姨",
        reporter_phone="13800000000", channel="phone",
    )
    assert issue.reporter == resident
    services.issue_comment(actor=resident, issue=issue, text="谢谢")
    login(client, lay_member)
    html = client.get(reverse("issues:detail", args=[issue.pk])).content.decode()
    assert "打电话的阿姨" in html and resident.name not in html
    assert api(lay_member).get(reverse("issue-detail", args=[issue.pk])).json()["reporter"] == "打电话的阿姨"
    timeline = api(lay_member).get(reverse("issue-timeline", args=[issue.pk])).json()
    assert resident.name not in str(timeline)
    assert api(resident).get(reverse("issue-detail", args=[issue.pk])).json()["reporter"] == resident.name


# --- actions: only what the page offers -------------------------------------------------------


def test_a_reporter_cannot_use_the_merge_route_they_were_never_offered(client, world, resident, zone_member):
    issue = file_issue(resident, world.home)
    login(client, resident)
    before = snapshot()
    response = client.post(reverse("issues:merge", args=[issue.pk]), {"into": 999999, "note": ""})
    assert response.status_code == 403
    assert snapshot() == before


def test_a_member_cannot_decide_an_extension_they_were_never_offered(client, world, resident, zone_member):
    issue = file_issue(resident, world.home)
    login(client, zone_member)
    before = snapshot()
    response = client.post(reverse("issues:decide-extension", args=[issue.pk]), {"decision": "approve", "note": ""})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.fixture
def held_by_clerk(world, resident, secretary, zone_member, company, clerk):
    issue = file_issue(resident, world.home)
    services.issue_dispatch(actor=secretary, issue=issue, to=HandlerKind.PROPERTY)
    services.issue_acknowledge(actor=clerk, issue=issue)
    return issue


@pytest.fixture
def colleague(company):
    user = factories.UserFactory(username="colleague", display_name="钱管家", phone="13700003333")
    committee_services.staff_add(actor=None, company=company, user=user, title="管家")
    return user


def test_a_colleague_cannot_return_an_issue_someone_else_holds(client, held_by_clerk, colleague):
    login(client, colleague)
    before = snapshot()
    response = client.post(reverse("issues:return", args=[held_by_clerk.pk]), {"reason": "不归我们管"})
    assert response.status_code == 403
    assert snapshot() == before


def test_a_stale_page_gets_the_state_message_not_a_bare_403(client, held_by_clerk, colleague):
    login(client, colleague)
    before = snapshot()
    response = client.post(reverse("issues:acknowledge", args=[held_by_clerk.pk]), follow=True)
    assert response.status_code == 200
    assert b"cannot be taken on now" in response.content
    assert snapshot() == before


def test_the_holder_still_returns_it(client, held_by_clerk, clerk):
    login(client, clerk)
    assert client.post(reverse("issues:return", args=[held_by_clerk.pk]), {"reason": "不归我们管"}).status_code == 302
    held_by_clerk.refresh_from_db()
    assert held_by_clerk.state == State.RETURNED


# --- the queue's spreadsheet ------------------------------------------------------------------


def test_the_queue_csv_neutralises_formulas(client, world, secretary):
    _on_behalf(
        client, secretary, world, reporter_name='=HYPERLINK("http://evil.example","x")', reporter_phone="",
        building="", common_area="@SUM(1+1)",
    )
    response = client.get(reverse("issues:queue") + "?export=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    cells = rows[1]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'@SUM(1+1)" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in rows for cell in row)


# --- the API's timeline: no name for an anonymous reporter -------------------------------------


def test_the_timeline_does_not_name_an_anonymous_reporter_to_a_department_no_longer_handling(
    api, world, resident, officer, subdistrict_admin, department, responder  # noqa: F811
):
    issue = services.issue_file(
        actor=resident, compound=world.a1, category=Category.objects.get(code="sanitation"), description="楼上漏水。",
        household=world.home, anonymous=True,
    )
    services.issue_comment(actor=resident, issue=issue, text="还在漏")
    services.issue_summon(actor=subdistrict_admin, issue=issue, department=department, reason="请协助")
    services.issue_dispatch(actor=subdistrict_admin, issue=issue, to=HandlerKind.COMMUNITY)
    url = reverse("issue-timeline", args=[issue.pk])
    seen = api(responder).get(url).json()
    mine = [e for e in seen if e["action"] in ("file", "comment")]
    assert mine and all(e["actor"] is None for e in mine)
    assert resident.name not in str(seen)
    assert any(e["actor"] == subdistrict_admin.name for e in seen)  # others are still named
    for trusted in (resident, officer):
        events = api(trusted).get(url).json()
        assert any(e["actor"] == resident.name for e in events if e["action"] == "file")


# --- the admin: Open311 keys come from the command --------------------------------------------


def test_open311_clients_cannot_be_added_in_the_admin(client, db):
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    meta = Open311Client._meta
    assert meta.model in site._registry
    before = Open311Client.objects.count()
    assert client.get(reverse(f"admin:{meta.app_label}_open311client_add")).status_code == 403
    assert client.post(reverse(f"admin:{meta.app_label}_open311client_add"), {"name": "x"}).status_code == 403
    assert Open311Client.objects.count() == before
    listing = client.get(reverse(f"admin:{meta.app_label}_open311client_changelist"))
    assert listing.status_code == 200 and b"open311_client" in listing.content
