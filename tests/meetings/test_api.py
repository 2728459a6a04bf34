"""The meetings' REST API: lists of the caller's meetings and action items, one meeting in full or
as the residents' public summary, its calendar file, replies and completing action items — with
404 outside the scope, 403 in scope without the right, 400 for bad input, nothing changed by a
refusal, and list query counts that do not grow with the rows."""

from datetime import date, timedelta

import icalendar
import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from governance.meetings import services
from governance.meetings.models import ActionStatus, Invitation, MeetingKind, Organisation, Reply

from .builders import schedule, snapshot


@pytest.fixture
def api(client):
    """``api(user).get(url, **params)`` / ``.post(url, data)``: JSON requests with the user's token."""

    class Caller:
        def __init__(self, user):
            self.headers = {}
            if user is not None:
                self.headers = {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}

        def get(self, url, **params):
            return client.get(url, params, headers=self.headers)

        def post(self, url, data=None):
            return client.post(url, data or {}, content_type="application/json", headers=self.headers)

    return Caller


@pytest.fixture
def scene(world, secretary, committee_member, clerk, department, resident):
    """A1: an upcoming joint meeting (the department invited) and a closed one with a decision
    owned by the clerk; a closed pre-deliberation."""
    upcoming = schedule(secretary, world.a1, days=5, title="十二月联席会")
    services.invite(actor=secretary, meeting=upcoming, organisation=Organisation.DEPARTMENT, department=department)
    closed = schedule(secretary, world.a1, days=1, title="十一月联席会")
    item = services.agenda_add(actor=secretary, meeting=closed, title="楼道杂物")
    action = services.decision_record(
        actor=secretary, item=item, decision="三日内清理楼道杂物", deadline=date(2027, 1, 10), owner_user=clerk
    )
    services.decision_record(
        actor=secretary, item=item, decision="张贴告示", deadline=date(2027, 1, 5),
        owner_organisation=Organisation.OWNERS_COMMITTEE,
    )
    services.minutes_save(actor=secretary, meeting=closed, minutes="赵委员提出：2 号楼 101 住户堆放杂物。")
    services.meeting_close(actor=secretary, meeting=closed, now=closed.starts_at + timedelta(hours=1))
    pre = schedule(secretary, world.a1, days=2, kind=MeetingKind.PRE_DELIBERATION, title="支部先议")
    services.meeting_close(actor=secretary, meeting=pre, now=pre.starts_at + timedelta(hours=1))
    return type("Scene", (), {"upcoming": upcoming, "closed": closed, "pre": pre, "action": action})


class _Either(str):
    """The organisation's label in whichever language the API answered in."""

    def __eq__(self, other):
        return other in ("Owners' committee", "业主委员会")

    __hash__ = str.__hash__


COMMITTEE = _Either("Owners' committee")


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- lists ------------------------------------------------------------------------------------


def test_the_list_holds_the_meetings_the_caller_sees_in_full(api, scene, world, secretary, clerk, responder):
    everything = ids(api(secretary).get("/api/v1/meetings/"))
    assert everything == [scene.upcoming.pk, scene.pre.pk, scene.closed.pk]  # latest first
    assert ids(api(clerk).get("/api/v1/meetings/")) == [scene.upcoming.pk, scene.closed.pk]
    assert ids(api(responder).get("/api/v1/meetings/")) == [scene.upcoming.pk]


def test_the_list_filters_by_compound_and_upcoming(api, scene, world, secretary):
    caller = api(secretary)
    assert ids(caller.get("/api/v1/meetings/", upcoming=1)) == [scene.upcoming.pk]
    assert ids(caller.get("/api/v1/meetings/", compound=world.b1.pk)) == []
    assert len(ids(caller.get("/api/v1/meetings/", compound=world.a1.pk))) == 3
    assert caller.get("/api/v1/meetings/", compound="A1").status_code == 400


@pytest.mark.parametrize("who", ["resident", "b_resident", "stranger", "other_officer", "other_responder"])
def test_residents_and_outsiders_have_no_meetings_listed(request, api, scene, who):
    assert ids(api(request.getfixturevalue(who)).get("/api/v1/meetings/")) == []


def test_no_one_signed_out_reads_meetings(api, scene):
    assert api(None).get("/api/v1/meetings/").status_code in (401, 403)
    assert api(None).get(f"/api/v1/meetings/{scene.closed.pk}/").status_code in (401, 403, 404)


# --- one meeting ------------------------------------------------------------------------------


def test_an_invitee_reads_the_meeting_in_full(api, scene, clerk):
    body = api(clerk).get(f"/api/v1/meetings/{scene.closed.pk}/").json()

    assert body["full"] is True
    assert body["minutes"].startswith("赵委员提出")
    assert {i["name"] for i in body["invitations"]} == {"王书记", "赵委员", "孙管家"}
    (item,) = body["items"]
    assert [(d["decision"], d["owner"], d["deadline"]) for d in item["decisions"]] == [
        ("张贴告示", COMMITTEE, "2027-01-05"),
        ("三日内清理楼道杂物", "孙管家", "2027-01-10"),
    ]


def test_a_resident_reads_only_the_public_summary_of_a_closed_joint_meeting(api, scene, resident):
    response = api(resident).get(f"/api/v1/meetings/{scene.closed.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["full"] is False
    assert set(body) == {"id", "full", "title", "status", "compound", "compound_name", "starts_at", "closed_at", "items"}
    assert body["status"] == "closed"
    (item,) = body["items"]
    assert item["title"] == "楼道杂物"
    assert [(d["decision"], d["owner"], d["deadline"], d["status"]) for d in item["decisions"]] == [
        ("张贴告示", COMMITTEE, "2027-01-05", "open"),
        ("三日内清理楼道杂物", "Property company", "2027-01-10", "open"),  # the organisation, not the person
    ]
    assert "赵委员提出" not in response.content.decode()  # no minutes
    assert "孙管家" not in response.content.decode()  # no personal names
    assert "13900001111" not in response.content.decode()


@pytest.mark.parametrize("which", ["upcoming", "pre"])
def test_a_resident_gets_404_for_scheduled_meetings_and_pre_deliberations(api, scene, resident, which):
    meeting = getattr(scene, which)
    assert api(resident).get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    assert api(resident).get(f"/api/v1/meetings/{meeting.pk}/calendar/").status_code == 404


@pytest.mark.parametrize("who", ["b_resident", "stranger", "other_officer", "other_responder"])
def test_outsiders_get_404_for_every_meeting_and_every_method(request, api, scene, who):
    caller = api(request.getfixturevalue(who))
    before = snapshot()
    for meeting in (scene.upcoming, scene.closed, scene.pre):
        assert caller.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
        assert caller.get(f"/api/v1/meetings/{meeting.pk}/calendar/").status_code == 404
        assert caller.post(f"/api/v1/meetings/{meeting.pk}/reply/", {"reply": "attend"}).status_code == 404
        assert caller.post(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    assert caller.post(f"/api/v1/meeting-actions/{scene.action.pk}/complete/", {"note": "做了"}).status_code == 404
    assert snapshot() == before


def test_an_invited_department_reads_its_meeting(api, scene, responder):
    body = api(responder).get(f"/api/v1/meetings/{scene.upcoming.pk}/").json()
    assert body["full"] is True
    assert "城管执法中队" in {i["name"] for i in body["invitations"]}
    assert api(responder).get(f"/api/v1/meetings/{scene.closed.pk}/").status_code == 404


def test_the_calendar_file_is_icalendar_in_shanghai_time(api, scene, clerk):
    response = api(clerk).get(f"/api/v1/meetings/{scene.upcoming.pk}/calendar/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("dtstart") == scene.upcoming.starts_at
    assert str(event["url"]).endswith(f"/meetings/{scene.upcoming.pk}/")


def test_a_resident_reading_a_summary_gets_no_calendar_file(api, scene, resident):
    # The file carries the place and is for invitees; the summary reader is not one.
    assert api(resident).get(f"/api/v1/meetings/{scene.closed.pk}/calendar/").status_code == 404


def test_an_invitee_downloads_the_calendar_file(api, scene, clerk):
    response = api(clerk).get(f"/api/v1/meetings/{scene.closed.pk}/calendar/")
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == scene.closed.starts_at


def test_upcoming_meetings_come_soonest_first(api, scene, world, secretary):
    sooner = schedule(secretary, world.a1, days=2, title="临时会议")
    assert ids(api(secretary).get("/api/v1/meetings/", upcoming=1)) == [sooner.pk, scene.upcoming.pk]


# --- replies ----------------------------------------------------------------------------------


def test_an_invitee_replies_attend_and_decline_needs_a_reason(api, scene, clerk):
    caller = api(clerk)
    url = f"/api/v1/meetings/{scene.upcoming.pk}/reply/"
    response = caller.post(url, {"reply": "attend"})
    assert response.status_code == 200 and response.json()["reply"] == "attend"

    before = snapshot()
    refused = caller.post(url, {"reply": "decline", "reason": " "})
    assert refused.status_code == 400
    assert "reason" in refused.json()["error"]["details"]
    assert caller.post(url, {"reply": "maybe"}).status_code == 400
    assert snapshot() == before

    response = caller.post(url, {"reply": "decline", "reason": "出差"})
    assert response.json()["reply_reason"] == "出差"
    assert Invitation.objects.get(meeting=scene.upcoming, user=clerk).reply == Reply.DECLINE


def test_someone_who_sees_the_meeting_but_is_not_invited_cannot_reply(api, scene, officer, resident):
    before = snapshot()
    assert api(officer).post(f"/api/v1/meetings/{scene.upcoming.pk}/reply/", {"reply": "attend"}).status_code == 403
    assert api(resident).post(f"/api/v1/meetings/{scene.closed.pk}/reply/", {"reply": "attend"}).status_code == 404
    assert snapshot() == before


def test_a_closed_meeting_takes_no_reply(api, scene, clerk):
    before = snapshot()
    assert api(clerk).post(f"/api/v1/meetings/{scene.closed.pk}/reply/", {"reply": "attend"}).status_code == 400
    assert snapshot() == before


# --- action items -----------------------------------------------------------------------------


def test_my_action_items_list_only_mine(api, scene, clerk, committee_member):
    body = api(clerk).get("/api/v1/meeting-actions/").json()
    assert [(r["id"], r["meeting"], r["meeting_title"], r["deadline"]) for r in body["results"]] == [
        (scene.action.pk, scene.closed.pk, "十一月联席会", "2027-01-10")
    ]
    assert api(committee_member).get("/api/v1/meeting-actions/").json()["results"] == []


def test_my_open_action_items_come_first_soonest_deadline_first(api, scene, world, secretary, clerk):
    item = services.agenda_add(actor=secretary, meeting=scene.upcoming, title="电梯")
    later = services.decision_record(actor=secretary, item=item, decision="年检", deadline=date(2027, 3, 1), owner_user=clerk)
    done = services.decision_record(actor=secretary, item=item, decision="拍照", deadline=date(2026, 12, 1), owner_user=clerk)
    services.action_complete(actor=clerk, action=done, note="已拍")

    body = api(clerk).get("/api/v1/meeting-actions/").json()

    assert [r["id"] for r in body["results"]] == [scene.action.pk, later.pk, done.pk]


def test_the_owner_completes_an_action_item_with_a_note(api, scene, clerk):
    url = f"/api/v1/meeting-actions/{scene.action.pk}/complete/"
    before = snapshot()
    assert api(clerk).post(url, {"note": ""}).status_code == 400
    assert snapshot() == before

    response = api(clerk).post(url, {"note": "已清理"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["done_note"]) == ("done", "已清理")
    assert api(clerk).post(url, {"note": "再次"}).status_code == 400


@pytest.mark.parametrize("who", ["committee_member", "responder"])
def test_an_invitee_who_does_not_own_the_action_item_gets_403(request, api, scene, who, secretary, department):
    if who == "responder":
        # Invited while the meeting was still scheduled (invite() refuses a closed meeting).
        Invitation.objects.create(meeting=scene.closed, organisation=Organisation.DEPARTMENT, department=department)
    before = snapshot()
    response = api(request.getfixturevalue(who)).post(f"/api/v1/meeting-actions/{scene.action.pk}/complete/", {"note": "做了"})
    assert response.status_code == 403
    assert snapshot() == before


def test_the_convenor_completes_an_action_item_for_its_owner(api, scene, secretary):
    response = api(secretary).post(f"/api/v1/meeting-actions/{scene.action.pk}/complete/", {"note": "已核实"})
    assert response.status_code == 200 and response.json()["status"] == ActionStatus.DONE


def test_a_resident_cannot_complete_an_action_item_of_a_summary_they_read(api, scene, resident):
    before = snapshot()
    response = api(resident).post(f"/api/v1/meeting-actions/{scene.action.pk}/complete/", {"note": "做了"})
    assert response.status_code == 404
    assert snapshot() == before


# --- query counts -----------------------------------------------------------------------------


def _meetings(world, secretary, n):
    for _ in range(n):
        schedule(secretary, world.a1, days=3)


def test_the_meeting_list_costs_the_same_for_10_as_for_50_rows(api, world, secretary, django_assert_num_queries):
    caller = api(secretary)
    _meetings(world, secretary, 10)
    # Token, role assignments, count, rows.
    with django_assert_num_queries(4):
        assert len(ids(caller.get("/api/v1/meetings/"))) == 10
    _meetings(world, secretary, 40)
    with django_assert_num_queries(4):
        assert len(ids(caller.get("/api/v1/meetings/", upcoming=1))) == 50


def test_the_action_item_list_costs_the_same_for_10_as_for_50_rows(
    api, world, secretary, clerk, django_assert_num_queries
):
    meeting = schedule(secretary, world.a1, days=3)
    item = services.agenda_add(actor=secretary, meeting=meeting, title="楼道")
    today = timezone.localdate()

    def decide(n):
        for k in range(n):
            services.decision_record(actor=secretary, item=item, decision=f"事项{k}", deadline=today + timedelta(days=k + 1),
                                     owner_user=clerk)

    caller = api(clerk)
    decide(10)
    with django_assert_num_queries(3):  # token, count, rows
        assert len(caller.get("/api/v1/meeting-actions/").json()["results"]) == 10
    decide(40)
    with django_assert_num_queries(3):
        assert len(caller.get("/api/v1/meeting-actions/").json()["results"]) == 50


def test_one_meeting_costs_the_same_with_more_invitees_items_and_decisions(
    api, world, secretary, clerk, django_assert_num_queries
):
    meeting = schedule(secretary, world.a1, days=3)

    def grow(n):
        for k in range(n):
            item = services.agenda_add(actor=secretary, meeting=meeting, title=f"议题{k}")
            services.decision_record(actor=secretary, item=item, decision="办", deadline=date(2027, 1, 1), owner_user=clerk)
            services.invite(actor=secretary, meeting=meeting, organisation=Organisation.PARTNER, organisation_name=f"单位{k}")

    caller = api(secretary)
    grow(2)
    # Token, role assignments, the meeting (scope), whether in full, the meeting, its items, their
    # issues, decisions with owners, invitations.
    with django_assert_num_queries(10):
        assert caller.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200
    grow(10)
    with django_assert_num_queries(10):
        assert len(caller.get(f"/api/v1/meetings/{meeting.pk}/").json()["items"]) == 12
