"""The issue loop's REST API: filing, lists, one issue, its timeline, and every action through the
services — with 404 outside the scope, 403 in scope without the right, 409 for a wrong state,
400 for bad input, and nothing changed by a refusal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from governance.accounts.models import Notification
from governance.issues import services
from governance.issues.models import (
    Category,
    Channel,
    DeadlineExtension,
    HandlerKind,
    Issue,
    IssueEvent,
    IssuePhoto,
    IssueSupport,
    Summons,
)
from governance.issues.states import State

from .factories import file_issue, photo

WATCHED = (Issue, IssueEvent, IssuePhoto, IssueSupport, DeadlineExtension, Summons, Notification)


def snapshot(models=WATCHED):
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


@pytest.fixture
def token_for(db):
    def make(user):
        token, _ = Token.objects.get_or_create(user=user)
        return {"Authorization": f"Token {token.key}"}

    return make


@pytest.fixture
def api(client, token_for):
    """``api(user).get(url)`` / ``.post(url, data)``: JSON requests with the user's token."""

    class Caller:
        def __init__(self, user):
            self.headers = token_for(user) if user is not None else {}

        def get(self, url, **params):
            return client.get(url, params, headers=self.headers)

        def post(self, url, data=None, **kwargs):
            if kwargs.pop("multipart", False):
                return client.post(url, data or {}, headers=self.headers)
            return client.post(url, data or {}, content_type="application/json", headers=self.headers)

    return Caller


def act(issue, name):
    return reverse(f"issue-{name}", args=[issue.pk])


def error_of(response):
    return response.json()["error"]


@pytest.fixture
def issue(world, resident, zone_member):
    """Filed by the resident about 1 号楼, routed to the member of its zone."""
    return file_issue(resident, world.home)


# --- categories --------------------------------------------------------------------------------


def test_anyone_signed_in_reads_the_active_categories(api, stranger, client):
    rows = api(stranger).get("/api/v1/issue-categories/").json()
    codes = [r["code"] for r in rows]
    assert "sanitation" in codes and "elevator-trapped" in codes
    trapped = next(r for r in rows if r["code"] == "elevator-trapped")
    assert trapped["priority"] == "emergency" and trapped["reopen_allowed"] is False
    assert {"name_zh", "name_en", "group", "response_hours", "resolution_hours", "private_by_default"} <= set(trapped)
    assert client.get("/api/v1/issue-categories/").status_code in (401, 403)


# --- filing ------------------------------------------------------------------------------------


def test_a_resident_files_an_issue_with_json_and_it_is_routed(api, world, resident, zone_member):
    response = api(resident).post("/api/v1/issues/", {
        "compound": world.a1.pk, "category": "sanitation", "description": "楼道堆满杂物。",
        "building": world.home.building.pk,
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    issue = Issue.objects.get(pk=body["id"])
    assert issue.channel == Channel.API and issue.reporter == resident
    assert issue.handler_kind == HandlerKind.MEMBER and body["state"] == State.DISPATCHED
    assert body["reporter"] == "张秀英" and "cancel" in body["actions"]


def test_a_resident_files_with_photos_as_multipart(api, world, resident, zone_member):
    response = api(resident).post("/api/v1/issues/", {
        "compound": world.a1.pk, "category": "sanitation", "description": "垃圾满了。",
        "common_area": "北门", "photos": [photo(), photo("b.png", fmt="PNG")],
    }, multipart=True)
    assert response.status_code == 201, response.json()
    issue = Issue.objects.get(pk=response.json()["id"])
    assert issue.photos.count() == 2 and len(response.json()["photos"]) == 2


def test_filing_refusals_are_400_or_403_and_change_nothing(api, world, resident, stranger, b_resident):
    before = snapshot()
    bad = api(resident).post("/api/v1/issues/", {"compound": world.a1.pk, "category": "sanitation", "description": "x"})
    assert bad.status_code == 400 and error_of(bad)["code"] == "invalid"
    assert "common_area" in error_of(bad)["details"]
    unknown = api(resident).post("/api/v1/issues/", {"compound": world.a1.pk, "category": "nope", "description": "x"})
    assert unknown.status_code == 400 and "category" in error_of(unknown)["details"]
    for outsider in (stranger, b_resident):
        response = api(outsider).post("/api/v1/issues/", {
            "compound": world.a1.pk, "category": "sanitation", "description": "越权", "common_area": "北门"})
        assert response.status_code == 403 and error_of(response)["status"] == 403
    flood = api(resident).post("/api/v1/issues/", {
        "compound": world.a1.pk, "category": "sanitation", "description": "x", "common_area": "北门",
        "photos": [photo("bad.jpg", fmt="JPEG"), __import__("tests.issues.factories", fromlist=["_"]).pixel_flood_png()],
    }, multipart=True)
    assert flood.status_code == 400 and "photos" in error_of(flood)["details"]
    assert snapshot() == before


# --- lists -------------------------------------------------------------------------------------


def test_each_person_lists_only_the_issues_in_their_scope(api, issue, resident, zone_member, officer, other_officer,
                                                           stranger, b_resident, neighbour, responder):
    def ids(user, **params):
        return [r["id"] for r in api(user).get("/api/v1/issues/", **params).json()["results"]]

    assert ids(resident) == [issue.pk] and ids(resident, mine=1) == [issue.pk]
    assert ids(zone_member) == [issue.pk] and ids(zone_member, queue=1) == [issue.pk]
    assert ids(zone_member, mine=1) == []
    assert ids(officer) == [issue.pk]
    for outsider in (other_officer, stranger, b_resident, neighbour, responder):
        assert ids(outsider) == []


def test_the_list_filters_by_state_category_compound_and_overdue(api, issue, officer, world):
    assert len(api(officer).get("/api/v1/issues/", state="dispatched").json()["results"]) == 1
    assert api(officer).get("/api/v1/issues/", state="closed").json()["results"] == []
    assert len(api(officer).get("/api/v1/issues/", category="sanitation").json()["results"]) == 1
    assert api(officer).get("/api/v1/issues/", category="noise").json()["results"] == []
    assert api(officer).get("/api/v1/issues/", compound=world.b1.pk).json()["results"] == []
    assert api(officer).get("/api/v1/issues/", overdue=1).json()["results"] == []
    Issue.objects.filter(pk=issue.pk).update(response_due=issue.created_at - timedelta(hours=1))
    overdue = api(officer).get("/api/v1/issues/", overdue=1).json()["results"]
    assert [r["id"] for r in overdue] == [issue.pk] and overdue[0]["overdue"] is True
    assert api(officer).get("/api/v1/issues/", compound="x").status_code == 400


# --- one issue and its timeline ---------------------------------------------------------------


def test_the_detail_is_404_outside_the_scope(api, issue, other_officer, stranger, b_resident, neighbour, responder):
    for outsider in (other_officer, stranger, b_resident, neighbour, responder):
        response = api(outsider).get(reverse("issue-detail", args=[issue.pk]))
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert api(stranger).get(reverse("issue-timeline", args=[issue.pk])).status_code == 404


def test_an_anonymous_reporter_and_the_room_are_hidden_from_a_department_no_longer_handling(
    api, world, resident, officer, subdistrict_admin, department, responder
):
    issue = services.issue_file(
        actor=resident, compound=world.a1, category=Category.objects.get(code="sanitation"), description="楼上漏水。",
        household=world.home, anonymous=True,
    )
    services.issue_summon(actor=subdistrict_admin, issue=issue, department=department, reason="请协助")
    services.issue_dispatch(actor=subdistrict_admin, issue=issue, to=HandlerKind.COMMUNITY)
    seen = api(responder).get(reverse("issue-detail", args=[issue.pk])).json()
    assert seen["reporter"] is None and seen["location"] == "1 号楼" and seen["sees_internal"] is False
    assert "101" not in str(seen)
    for trusted in (resident, officer):
        body = api(trusted).get(reverse("issue-detail", args=[issue.pk])).json()
        assert body["reporter"] == "张秀英" and "101" in body["location"]


def test_internal_comments_are_in_the_timeline_only_for_handlers_and_staff(api, issue, resident, zone_member, officer):
    response = api(officer).post(act(issue, "comment"), {"text": "先联系物业", "public": False})
    assert response.status_code == 201 and response.json()["public"] is False
    api(resident).post(act(issue, "comment"), {"text": "谢谢"})
    notes = lambda user: [e["note"] for e in api(user).get(act(issue, "timeline")).json()]  # noqa: E731
    assert "先联系物业" in notes(officer) and "先联系物业" in notes(zone_member)
    assert "先联系物业" not in notes(resident) and "谢谢" in notes(resident)


def test_a_reporter_may_not_comment_internally(api, issue, resident):
    before = snapshot()
    response = api(resident).post(act(issue, "comment"), {"text": "内部", "public": False})
    assert response.status_code == 403
    assert snapshot() == before


# --- the loop through the API -----------------------------------------------------------------


def test_the_loop_acknowledge_resolve_rate(api, issue, resident, zone_member):
    response = api(zone_member).post(act(issue, "acknowledge"))
    assert response.status_code == 200 and response.json()["state"] == State.IN_PROGRESS
    assert response.json()["holder"] == "刘党员"
    response = api(zone_member).post(act(issue, "resolve"), {"note": "已清理", "photos": [photo()]}, multipart=True)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == State.RESOLVED and issue.photos.filter(stage="resolution").count() == 1
    response = api(resident).post(act(issue, "rate"), {"rating": "satisfied", "comment": "谢谢"})
    assert response.status_code == 200 and response.json()["state"] == State.CLOSED
    assert response.json()["rating"] == "satisfied"


def test_a_second_acknowledge_is_a_409_and_changes_nothing(api, issue, zone_member):
    assert api(zone_member).post(act(issue, "acknowledge")).status_code == 200
    before = snapshot()
    response = api(zone_member).post(act(issue, "acknowledge"))
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "illegal_transition" and error["status"] == 409
    assert error["details"] == {"action": "acknowledge", "state": "in_progress"}
    assert snapshot() == before


def test_an_action_refused_in_scope_is_403_and_outside_is_404_and_nothing_changes(
    api, issue, resident, neighbour, officer, other_officer, stranger, b_resident, responder
):
    before = snapshot()
    # Visible, but not theirs to do: 403.
    assert api(resident).post(act(issue, "acknowledge")).status_code == 403
    assert api(officer).post(act(issue, "rate"), {"rating": "satisfied"}).status_code == 403
    assert api(resident).post(act(issue, "dispatch"), {"to": "community"}).status_code == 403
    assert api(resident).post(act(issue, "summon"), {"department": 1, "reason": "x"}).status_code in (400, 403)
    # Not visible: 404 for every action.
    for outsider in (other_officer, stranger, b_resident, neighbour, responder):
        for name in ("acknowledge", "resolve", "return", "dispatch", "rate", "reopen", "cancel", "merge", "summon",
                     "comment", "support", "request-extension"):
            if outsider == neighbour and name == "support":
                continue  # a neighbour may say "me too" on a public issue of their compound
            response = api(outsider).post(act(issue, name), {"reason": "越权", "to": "community", "text": "x"})
            assert response.status_code == 404, (outsider, name, response.status_code)
    assert snapshot() == before


def test_return_then_dispatch_to_the_community(api, issue, zone_member, secretary, officer):
    assert api(zone_member).post(act(issue, "return"), {"reason": ""}).status_code == 400
    response = api(zone_member).post(act(issue, "return"), {"reason": "不归我管"})
    assert response.status_code == 200 and response.json()["state"] == State.RETURNED
    response = api(secretary).post(act(issue, "dispatch"), {"to": "community", "note": "请社区处理"})
    assert response.status_code == 200, response.json()
    assert response.json()["handler_kind"] == "community"
    bad = api(secretary).post(act(issue, "dispatch"), {"to": "member", "member": 999999})
    assert bad.status_code == 400 and "member" in error_of(bad)["details"]


def test_the_reporter_cancels_and_a_second_cancel_is_409(api, issue, resident, zone_member):
    assert api(zone_member).post(act(issue, "cancel")).status_code == 403
    response = api(resident).post(act(issue, "cancel"), {"reason": "已自行解决"})
    assert response.status_code == 200 and response.json()["state"] == State.CANCELLED
    assert api(resident).post(act(issue, "cancel")).status_code == 409


def test_the_reporter_reopens_a_resolved_issue(api, issue, resident, zone_member):
    services.issue_acknowledge(actor=zone_member, issue=issue)
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理")
    assert api(resident).post(act(issue, "reopen"), {"reason": ""}).status_code == 400
    response = api(resident).post(act(issue, "reopen"), {"reason": "又堆上了"})
    assert response.status_code == 200 and response.json()["state"] == State.REOPENED
    assert api(resident).post(act(issue, "reopen"), {"reason": "又堆上了"}).status_code == 409


def test_the_branch_merges_a_duplicate(api, world, issue, neighbour, secretary, resident):
    other = file_issue(neighbour, world.next_door)
    assert api(resident).post(act(other, "merge"), {"into": issue.pk}).status_code == 404  # not theirs to see
    response = api(secretary).post(act(other, "merge"), {"into": issue.pk})
    assert response.status_code == 200 and response.json()["state"] == State.MERGED
    assert response.json()["duplicate_of"] == issue.pk
    assert IssueSupport.objects.filter(issue=issue, user=neighbour).exists()
    assert api(secretary).post(act(other, "merge"), {"into": issue.pk}).status_code == 409
    assert api(secretary).post(act(issue, "merge"), {"into": issue.pk}).status_code == 400


def test_the_subdistrict_summons_a_department_and_only_it_then_sees_the_issue(
    api, issue, officer, subdistrict_admin, department, other_department, responder, other_responder
):
    assert api(officer).post(act(issue, "summon"), {"department": department.pk, "reason": "x"}).status_code == 403
    assert api(subdistrict_admin).post(act(issue, "summon"), {"department": department.pk, "reason": ""}).status_code == 400
    response = api(subdistrict_admin).post(act(issue, "summon"), {"department": department.pk, "reason": "请执法"})
    assert response.status_code == 200 and response.json()["handler_kind"] == "department"
    assert api(other_responder).get(reverse("issue-detail", args=[issue.pk])).status_code == 404
    assert api(other_responder).post(act(issue, "acknowledge")).status_code == 404
    response = api(responder).post(act(issue, "acknowledge"))
    assert response.status_code == 200 and response.json()["state"] == State.IN_PROGRESS


def test_a_neighbour_supports_a_public_issue_once(api, world, resident, neighbour, zone_member, secretary, b_resident):
    issue = file_issue(neighbour, world.next_door)
    response = api(resident).post(act(issue, "support"))
    assert response.status_code == 200 and response.json() == {"added": True, "supporters_count": 1}
    assert api(resident).post(act(issue, "support")).json() == {"added": False, "supporters_count": 1}
    assert IssueSupport.objects.filter(issue=issue, user=resident).count() == 1
    private = file_issue(neighbour, world.next_door, private=True)
    before = snapshot()
    assert api(neighbour).post(act(issue, "support")).status_code == 400  # one's own issue
    assert api(secretary).post(act(issue, "support")).status_code == 403  # sees it, but does not live in A1
    assert api(b_resident).post(act(issue, "support")).status_code == 404
    assert api(resident).post(act(private, "support")).status_code == 404
    assert snapshot() == before


def test_the_holder_asks_for_more_time_and_the_branch_decides(api, issue, zone_member, secretary, resident):
    services.issue_acknowledge(actor=zone_member, issue=issue)
    new_due = (issue.resolution_due + timedelta(days=3)).isoformat()
    assert api(resident).post(act(issue, "request-extension"), {"new_due": new_due, "reason": "x"}).status_code == 403
    bad = api(zone_member).post(act(issue, "request-extension"), {"new_due": issue.created_at.isoformat(), "reason": "等"})
    assert bad.status_code == 400 and "new_due" in error_of(bad)["details"]
    response = api(zone_member).post(act(issue, "request-extension"), {"new_due": new_due, "reason": "等配件"})
    assert response.status_code == 201, response.json()
    ext = response.json()
    decide = reverse("issue-extension-decide", args=[ext["id"]])
    assert api(resident).post(decide, {"approve": True}).status_code == 404  # the reporter sees no internal side
    assert api(zone_member).get(reverse("issue-extension-detail", args=[ext["id"]])).status_code == 200
    assert api(zone_member).post(decide, {"approve": True}).status_code == 403
    response = api(secretary).post(decide, {"approve": True, "note": "同意"})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    issue.refresh_from_db()
    assert issue.resolution_due.isoformat()[:16] == new_due[:16]
    again = api(secretary).post(decide, {"approve": False})
    assert again.status_code == 400


def test_extensions_are_404_outside_the_scope(api, issue, zone_member, other_officer, stranger, b_resident, responder):
    services.issue_acknowledge(actor=zone_member, issue=issue)
    ext = services.extension_request(
        actor=zone_member, issue=issue, new_due=issue.resolution_due + timedelta(days=1), reason="等配件")
    before = snapshot()
    for outsider in (other_officer, stranger, b_resident, responder):
        assert api(outsider).get(reverse("issue-extension-detail", args=[ext.pk])).status_code == 404
        assert api(outsider).post(reverse("issue-extension-decide", args=[ext.pk]), {"approve": True}).status_code == 404
    assert snapshot() == before


def test_the_schema_documents_the_issue_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/issues/{id}/acknowledge/", "/api/v1/issue-extensions/{id}/decide/", "/api/v1/issue-rates/",
                 "/api/v1/issue-rates/ranking/", "/api/v1/compounds/{compound_pk}/public-issues/",
                 "/api/v1/issue-categories/"):
        assert path in schema, path


REFUSED_IN_SCOPE = {
    # action → (who sees the issue but may not, the body)
    "acknowledge": ("resident", {}),
    "resolve": ("zone_member", {"note": "未认领就办结"}),  # not the holder: nobody acknowledged it
    "return": ("resident", {"reason": "x"}),
    "dispatch": ("zone_member", {"to": "community"}),
    "rate": ("zone_member", {"rating": "satisfied"}),
    "reopen": ("officer", {"reason": "x"}),
    "cancel": ("officer", {"reason": "x"}),
    "merge": ("resident", {"into": None}),
    "summon": ("officer", {"department": None, "reason": "x"}),
    "request-extension": ("officer", {"new_due": "2099-01-01T00:00:00+08:00", "reason": "x"}),
}


@pytest.mark.parametrize("name", sorted(REFUSED_IN_SCOPE))
def test_an_action_by_someone_who_sees_the_issue_but_may_not_is_403_and_changes_nothing(
    request, api, world, issue, resident, department, name
):
    who, body = REFUSED_IN_SCOPE[name]
    if "into" in body:
        body = {"into": file_issue(resident, world.home, description="另一件").pk}
    if "department" in body:
        body = {**body, "department": department.pk}
    before = snapshot()
    response = api(request.getfixturevalue(who)).post(act(issue, name), body)
    assert response.status_code == 403, response.json()
    assert error_of(response)["code"] == "permission_denied"
    assert snapshot() == before


def test_rating_twice_is_a_409_and_a_bad_rating_a_400(api, issue, resident, zone_member):
    services.issue_acknowledge(actor=zone_member, issue=issue)
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理")
    assert api(resident).post(act(issue, "rate"), {"rating": "great"}).status_code == 400
    assert api(resident).post(act(issue, "rate"), {"rating": "basic"}).status_code == 200
    before = snapshot()
    response = api(resident).post(act(issue, "rate"), {"rating": "satisfied"})
    assert response.status_code == 409 and error_of(response)["details"]["state"] == "closed"
    assert snapshot() == before


def test_the_api_needs_a_signed_in_caller(client, issue, world):
    for url in ("/api/v1/issues/", reverse("issue-detail", args=[issue.pk]), "/api/v1/issue-rates/",
                f"/api/v1/compounds/{world.a1.pk}/public-issues/"):
        assert client.get(url).status_code in (401, 403)
    before = snapshot()
    assert client.post(act(issue, "cancel")).status_code in (401, 403)
    assert snapshot() == before
