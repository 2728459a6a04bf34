"""The meeting pages: the list, a series and a one-off meeting, the meeting in full (reply, invite,
agenda from suggestions, sign-in, minutes, decisions, close, move, cancel, .ics), the residents'
public summary, and "my action items". Outsiders get 404 for every page and method; refused POSTs
change nothing."""

from datetime import date, timedelta

import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from governance.accounts.models import Notification
from governance.meetings import services
from governance.meetings.models import (
    ActionItem,
    AgendaItem,
    Invitation,
    Meeting,
    MeetingSeries,
    Reminder,
)
from tests.issues.factories import file_issue

pytestmark = pytest.mark.django_db


def tables() -> dict:
    return {
        "series": list(MeetingSeries.objects.order_by("pk").values()),
        "meetings": list(Meeting.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "items": list(AgendaItem.objects.order_by("pk").values()),
        "actions": list(ActionItem.objects.order_by("pk").values()),
        "reminders": Reminder.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _soon(days=7, hour=19):
    day = timezone.localdate() + timedelta(days=days)
    start = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour, 30))
    return start, start + timedelta(minutes=90)


@pytest.fixture
def meeting(world, secretary, committee_member, clerk):
    start, end = _soon()
    return services.meeting_schedule(
        actor=secretary, compound=world.a1, title="十二月联席会议", starts_at=start, ends_at=end, place="红色驿站"
    )


def _held(meeting):
    """Move the meeting's start into the past (as if it had started), bypassing the 'future' check."""
    past = timezone.now() - timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=past, ends_at=past + timedelta(hours=2))
    meeting.refresh_from_db()
    return meeting


def _decided(meeting, secretary, clerk):
    item = services.agenda_add(actor=secretary, meeting=meeting, title="垃圾清运")
    action = services.decision_record(
        actor=secretary, item=item, decision="每日清运两次", owner_user=clerk,
        deadline=timezone.localdate() + timedelta(days=10),
    )
    return item, action


def _url(name, *args):
    return reverse(f"meetings:{name}", args=args)


# --- the list, a series, a one-off meeting ----------------------------------------------------


def test_the_secretary_creates_a_monthly_series_and_its_meetings_are_scheduled(client, world, secretary, clerk):
    client.force_login(secretary)
    assert client.get(_url("series-create")).status_code == 200
    response = client.post(_url("series-create"), {
        "compound": world.a1.pk, "title": "月度联席会议", "week_of_month": "2", "weekday": "1",
        "time": "19:30", "duration_minutes": "90", "place": "红色驿站", "starts_on": "",
    })
    assert response.status_code == 302
    series = MeetingSeries.objects.get()
    assert (series.weekday, series.week_of_month, series.convenor) == (1, 2, secretary)
    assert Meeting.objects.filter(series=series).exists()
    page = client.get(_url("list")).content.decode()
    assert "月度联席会议" in page


def test_a_bad_series_form_keeps_what_was_typed(client, world, secretary):
    client.force_login(secretary)
    before = tables()
    response = client.post(_url("series-create"), {
        "compound": world.a1.pk, "title": "月度联席会议", "week_of_month": "2", "weekday": "9",
        "time": "19:30", "duration_minutes": "90", "place": "",
    })
    assert response.status_code == 400
    assert b"data-testid=\"form-errors\"" in response.content and "月度联席会议" in response.content.decode()
    assert tables() == before


def test_the_secretary_schedules_a_one_off_meeting_and_the_three_carriages_are_invited(
    client, world, secretary, committee_member, clerk
):
    client.force_login(secretary)
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(_url("create"), {
        "compound": world.a1.pk, "kind": "joint", "title": "临时联席会议", "day": day.isoformat(),
        "start": "19:30", "end": "21:00", "place": "社区会议室",
    })
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("detail", meeting.pk)
    invited = set(meeting.invitations.values_list("user__username", flat=True))
    assert invited == {"secretary", "committee_member", "clerk"}


def test_a_pre_deliberation_invites_the_branch_only(client, world, secretary, committee_member, clerk):
    client.force_login(secretary)
    day = timezone.localdate() + timedelta(days=5)
    client.post(_url("create"), {
        "compound": world.a1.pk, "kind": "pre_deliberation", "title": "支部先议", "day": day.isoformat(),
        "start": "18:00", "end": "19:00", "place": "支部活动室",
    })
    meeting = Meeting.objects.get()
    assert meeting.kind == "pre_deliberation"
    assert set(meeting.invitations.values_list("user__username", flat=True)) == {"secretary"}


def test_a_meeting_in_the_past_or_ending_before_it_starts_is_refused_with_the_form_kept(client, world, secretary):
    client.force_login(secretary)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(_url("create"), {
        "compound": world.a1.pk, "kind": "joint", "title": "补开会议", "day": yesterday.isoformat(),
        "start": "19:30", "end": "21:00", "place": "社区会议室",
    })
    assert response.status_code == 400 and "补开会议" in response.content.decode()
    response = client.post(_url("create"), {
        "compound": world.a1.pk, "kind": "joint", "title": "补开会议", "day": (yesterday + timedelta(days=3)).isoformat(),
        "start": "19:30", "end": "19:00", "place": "社区会议室",
    })
    assert response.status_code == 400
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["resident", "clerk", "stranger", "b_resident"])
def test_people_who_may_not_convene_get_404_on_the_scheduling_pages(request, client, world, who):
    client.force_login(request.getfixturevalue(who))
    before = tables()
    for name in ("create", "series-create"):
        assert client.get(_url(name)).status_code == 404
        assert client.post(_url(name), {"compound": world.a1.pk, "title": "越权"}).status_code == 404
    assert tables() == before


def test_an_officer_of_another_community_cannot_schedule_in_a1(client, world, other_officer):
    client.force_login(other_officer)
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(_url("create"), {
        "compound": world.a1.pk, "kind": "joint", "title": "越权", "day": day.isoformat(),
        "start": "19:30", "end": "21:00", "place": "x",
    })
    assert response.status_code == 400  # A1 is not among the choices
    assert not Meeting.objects.exists()


# --- the meeting in full ----------------------------------------------------------------------


def test_the_convenor_sees_the_sign_in_code_and_link_and_the_invitees_with_counts(client, meeting, secretary, clerk):
    services.invitation_reply(actor=clerk, invitation=meeting.invitations.get(user=clerk), reply="attend")
    client.force_login(secretary)
    page = client.get(_url("detail", meeting.pk)).content.decode()
    assert meeting.signin_code in page
    assert f"{_url('sign-in', meeting.pk)}?code={meeting.signin_code}" in page
    assert 'data-testid="count-attend">1<' in page
    assert "孙管家" in page and "invite-form" in page
    # The QR code to project encodes the same link (segno renders it the same way again).
    link = client.get(_url("detail", meeting.pk)).context["signin_link"]
    assert link.endswith(f"?code={meeting.signin_code}")
    assert segno.make(link, error="m").png_data_uri(scale=6, border=2) in page


def test_an_invitee_is_not_shown_the_qr_code(client, meeting, clerk):
    client.force_login(clerk)
    assert 'data-testid="signin-qr"' not in client.get(_url("detail", meeting.pk)).content.decode()


def test_an_invitee_sees_the_meeting_in_full_but_not_the_code_nor_the_convenors_forms(client, meeting, clerk):
    client.force_login(clerk)
    page = client.get(_url("detail", meeting.pk)).content.decode()
    assert "reply-submit" in page
    assert meeting.signin_code not in page
    assert "invite-form" not in page and "minutes-form" not in page


def test_an_invitee_replies_attend_and_a_decline_needs_a_reason(client, meeting, clerk):
    client.force_login(clerk)
    invitation = meeting.invitations.get(user=clerk)
    before = tables()
    response = client.post(_url("reply", meeting.pk), {"reply": "decline", "reason": ""})
    assert response.status_code == 400 and b"form-errors" in response.content
    assert tables() == before
    assert client.post(_url("reply", meeting.pk), {"reply": "attend"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.reply == "attend"
    client.post(_url("reply", meeting.pk), {"reply": "decline", "reason": "出差"})
    invitation.refresh_from_db()
    assert (invitation.reply, invitation.reply_reason) == ("decline", "出差")


def test_the_convenor_invites_a_person_by_phone_and_a_department(client, meeting, secretary, resident, department, responder):
    client.force_login(secretary)
    assert client.post(_url("invite", meeting.pk), {"kind": "person", "phone": resident.phone}).status_code == 302
    assert client.post(_url("invite", meeting.pk), {"kind": "department", "department": department.pk}).status_code == 302
    assert client.post(_url("invite", meeting.pk), {"kind": "police", "organisation_name": "江边派出所"}).status_code == 302
    assert meeting.invitations.filter(user=resident).exists()
    assert meeting.invitations.filter(department=department).exists()
    # The department now sees this meeting in full, through its responder.
    client.force_login(responder)
    assert "invite-form" not in client.get(_url("detail", meeting.pk)).content.decode()
    assert client.get(_url("calendar", meeting.pk)).status_code == 200


def test_inviting_an_unknown_phone_is_refused_inline(client, meeting, secretary):
    client.force_login(secretary)
    before = tables()
    response = client.post(_url("invite", meeting.pk), {"kind": "person", "phone": "13000000009"})
    assert response.status_code == 400 and b"form-errors" in response.content
    assert tables() == before


def test_a_suggested_overdue_issue_goes_on_the_agenda_with_one_click(client, world, meeting, secretary, resident):
    long_ago = timezone.now() - timedelta(days=30)
    issue = file_issue(resident, world.home, now=long_ago)
    client.force_login(secretary)
    page = client.get(_url("detail", meeting.pk)).content.decode()
    assert issue.reference in page and 'data-source="overdue"' in page
    suggestion = next(s for s in services.agenda_suggestions(meeting) if s["source"] == "overdue")
    key = f"overdue::{issue.pk}"
    assert [i.pk for i in suggestion["issues"]] == [issue.pk]
    assert client.post(_url("agenda-pick", meeting.pk), {"key": key}).status_code == 302
    item = AgendaItem.objects.get(meeting=meeting)
    assert item.source == "overdue" and list(item.issues.all()) == [issue]
    assert "on the agenda" in client.get(_url("detail", meeting.pk)).content.decode()


def test_a_stale_suggestion_key_adds_nothing(client, meeting, secretary):
    client.force_login(secretary)
    before = tables()
    assert client.post(_url("agenda-pick", meeting.pk), {"key": "overdue::999999"}).status_code == 302
    assert tables() == before


def test_an_invitee_who_is_not_the_convenor_is_refused_every_convenors_action(client, meeting, secretary, clerk):
    item, _action = _decided(meeting, secretary, clerk)
    client.force_login(clerk)
    before = tables()
    day = timezone.localdate() + timedelta(days=9)
    for name, data in (
        ("invite", {"kind": "police", "organisation_name": "派出所"}),
        ("agenda-add", {"title": "越权"}),
        ("agenda-pick", {"key": "x"}),
        ("minutes", {"minutes": "越权"}),
        ("decide", {"item": item.pk, "decision": "越权", "owner": "org:police", "deadline": day.isoformat()}),
        ("move", {"day": day.isoformat(), "start": "10:00", "end": "11:00", "place": "x"}),
        ("cancel", {}),
        ("close", {}),
        ("attendance", {"present": [i.pk for i in meeting.invitations.all()]}),
    ):
        assert client.post(_url(name, meeting.pk), data).status_code == 403, name
    assert tables() == before


def test_attendees_sign_in_with_the_code_or_are_ticked_by_the_convenor(client, meeting, secretary, clerk, committee_member):
    client.force_login(clerk)
    url = _url("sign-in", meeting.pk)
    assert client.get(url + f"?code={meeting.signin_code}").status_code == 200
    before = tables()
    assert client.post(url, {"code": "wrong"}).status_code == 400
    # The right code a week early (a photo of the projected QR passed around) signs nobody in.
    assert client.post(url, {"code": meeting.signin_code}).status_code == 400
    assert tables() == before
    now = timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=80))
    assert client.post(url, {"code": meeting.signin_code}).status_code == 302
    assert meeting.invitations.get(user=clerk).signed_in_at is not None

    client.force_login(secretary)
    chair = meeting.invitations.get(user=committee_member)
    assert client.post(_url("attendance", meeting.pk), {"present": [chair.pk]}).status_code == 302
    chair.refresh_from_db()
    assert chair.signed_in_at is not None


def test_minutes_a_decision_and_closing_make_the_summary_public(client, meeting, secretary, clerk, resident):
    client.force_login(secretary)
    client.post(_url("agenda-add", meeting.pk), {"title": "垃圾清运", "notes": ""})
    item = AgendaItem.objects.get(meeting=meeting)
    assert client.post(_url("minutes", meeting.pk), {"minutes": "张某某发言：电话 13812341234"}).status_code == 302
    deadline = timezone.localdate() + timedelta(days=10)
    response = client.post(_url("decide", meeting.pk), {
        "item": item.pk, "decision": "每日清运两次", "owner": f"user:{clerk.pk}", "owner_name": "", "deadline": deadline.isoformat(),
    })
    assert response.status_code == 302
    action = ActionItem.objects.get()
    assert (action.owner_user, action.deadline) == (clerk, deadline)
    client.post(_url("decide", meeting.pk), {
        "item": item.pk, "decision": "加装监控", "owner": "org:owners_committee", "owner_name": "业委会", "deadline": deadline.isoformat(),
    })
    assert ActionItem.objects.count() == 2

    # A decision without an owner is refused inline, nothing written.
    before = tables()
    response = client.post(_url("decide", meeting.pk), {"item": item.pk, "decision": "x", "owner": "", "deadline": deadline.isoformat()})
    assert response.status_code == 400 and b"form-errors" in response.content
    assert tables() == before

    # The resident cannot see it before it is closed.
    client.force_login(resident)
    assert client.get(_url("detail", meeting.pk)).status_code == 404

    client.force_login(secretary)
    _held(meeting)
    assert client.post(_url("close", meeting.pk)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "closed"

    client.force_login(resident)
    for url in (_url("detail", meeting.pk), _url("summary", meeting.pk)):
        page = client.get(url).content.decode()
        assert 'data-testid="public-summary"' in page
        assert "每日清运两次" in page and "Property company" in page and "业委会" in page
        assert "孙管家" not in page  # the public summary names organisations, not people
        assert "13812341234" not in page and clerk.phone not in page and "张某某" not in page
        assert "signed-in" not in page and meeting.signin_code not in page
    page = client.get(_url("summaries", meeting.compound_id)).content.decode()
    assert _url("summary", meeting.pk) in page


def test_a_resident_reading_the_summary_can_take_no_action_and_no_calendar(client, meeting, secretary, clerk, resident):
    _decided(meeting, secretary, clerk)
    _held(meeting)
    services.meeting_close(actor=secretary, meeting=meeting)
    client.force_login(resident)
    before = tables()
    assert client.get(_url("calendar", meeting.pk)).status_code == 404
    assert client.get(_url("sign-in", meeting.pk) + f"?code={meeting.signin_code}").status_code == 404
    for name in ("reply", "invite", "agenda-add", "agenda-pick", "minutes", "decide", "move", "cancel", "close", "attendance",
                 "sign-in"):
        assert client.post(_url(name, meeting.pk), {"title": "越权", "minutes": "越权"}).status_code == 404, name
    assert tables() == before


def test_a_pre_deliberation_is_never_shown_to_residents(client, world, secretary, resident):
    start, end = _soon()
    meeting = services.meeting_schedule(actor=secretary, compound=world.a1, title="先议", starts_at=start, ends_at=end,
                                        place="支部", kind="pre_deliberation")
    _held(meeting)
    services.meeting_close(actor=secretary, meeting=meeting)
    client.force_login(resident)
    assert client.get(_url("detail", meeting.pk)).status_code == 404


@pytest.mark.parametrize("who", ["b_resident", "responder", "stranger", "other_officer"])
def test_outsiders_get_404_on_every_meeting_page_and_change_nothing(request, client, meeting, secretary, clerk, who):
    _item, action = _decided(meeting, secretary, clerk)
    client.force_login(request.getfixturevalue(who))
    before = tables()
    for name in ("detail", "summary", "calendar", "sign-in"):
        assert client.get(_url(name, meeting.pk)).status_code == 404, name
    for name in ("reply", "invite", "agenda-add", "agenda-pick", "minutes", "decide", "move", "cancel", "close", "attendance",
                 "sign-in", "detail"):
        assert client.post(_url(name, meeting.pk), {"title": "越权", "code": meeting.signin_code}).status_code == 404, name
    assert client.post(_url("action-done", action.pk), {"note": "越权"}).status_code == 404
    assert tables() == before
    # Even once closed, someone who does not live in A1 cannot read the summary.
    _held(meeting)
    services.meeting_close(actor=secretary, meeting=meeting)
    assert client.get(_url("detail", meeting.pk)).status_code == 404
    assert client.get(_url("summaries", meeting.compound_id)).status_code == 404


def test_move_and_cancel(client, meeting, secretary):
    client.force_login(secretary)
    day = timezone.localdate() + timedelta(days=9)
    assert client.post(_url("move", meeting.pk), {"day": day.isoformat(), "start": "19:00", "end": "20:30",
                                                  "place": "社区会议室"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.version == 2 and meeting.place == "社区会议室"
    assert client.post(_url("cancel", meeting.pk)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    before = tables()
    assert client.post(_url("cancel", meeting.pk)).status_code == 302  # a message, nothing changed
    assert tables() == before


def test_the_calendar_file_downloads_for_an_invitee(client, meeting, clerk):
    import icalendar

    client.force_login(clerk)
    response = client.get(_url("calendar", meeting.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert event.decoded("dtstart") == meeting.starts_at


# --- my action items --------------------------------------------------------------------------


def test_the_owner_sees_their_action_item_and_marks_it_done(client, meeting, secretary, clerk, committee_member):
    _item, action = _decided(meeting, secretary, clerk)
    client.force_login(clerk)
    page = client.get(_url("actions")).content.decode()
    assert "每日清运两次" in page and _url("detail", meeting.pk) in page and "done-form" in page
    before = tables()
    client.post(_url("action-done", action.pk), {"note": ""})
    assert tables() == before
    assert client.post(_url("action-done", action.pk), {"note": "已安排"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_note) == ("done", "已安排")


def test_an_invitee_who_does_not_own_the_action_item_is_refused(client, meeting, secretary, clerk, committee_member):
    _item, action = _decided(meeting, secretary, clerk)
    client.force_login(committee_member)
    before = tables()
    assert client.post(_url("action-done", action.pk), {"note": "越权"}).status_code == 403
    assert tables() == before
    assert "每日清运两次" not in client.get(_url("actions")).content.decode()


def test_an_open_action_item_is_suggested_for_review_at_the_next_meeting(client, world, meeting, secretary, clerk):
    _item, action = _decided(meeting, secretary, clerk)
    start, end = _soon(days=35)
    nxt = services.meeting_schedule(actor=secretary, compound=world.a1, title="下月会议", starts_at=start, ends_at=end,
                                    place="红色驿站")
    client.force_login(secretary)
    page = client.get(_url("detail", nxt.pk)).content.decode()
    assert f'data-review="{action.pk}"' in page


# --- empty states and query counts ------------------------------------------------------------


def test_empty_pages_say_what_to_do_next(client, world, secretary, resident):
    client.force_login(secretary)
    assert b"upcoming-empty" in client.get(_url("list")).content
    client.force_login(resident)
    assert b"actions-empty" in client.get(_url("actions")).content
    assert b"summaries-empty" in client.get(_url("summaries", world.a1.pk)).content


def _many_meetings(world, secretary, clerk, n):
    base = timezone.now() + timedelta(days=2)
    for i in range(n):
        start = base + timedelta(days=i)
        m = Meeting.objects.create(compound=world.a1, title=f"会议{i}", starts_at=start, ends_at=start + timedelta(hours=1),
                                   place="驿站", convenor=secretary)
        Invitation.objects.create(meeting=m, user=clerk, organisation="property_company", reply="attend")
        item = AgendaItem.objects.create(meeting=m, title=f"议题{i}")
        ActionItem.objects.create(item=item, decision=f"决定{i}", owner_user=clerk, deadline=timezone.localdate())
    past = timezone.now() - timedelta(days=400)
    for i in range(n):
        start = past + timedelta(days=i)
        m = Meeting.objects.create(compound=world.a1, title=f"旧会{i}", starts_at=start, ends_at=start + timedelta(hours=1),
                                   place="驿站", convenor=secretary, status="closed", closed_at=start)
        AgendaItem.objects.create(meeting=m, title=f"旧议题{i}")


@pytest.mark.parametrize("n", [10, 50])
@pytest.mark.parametrize(("who", "name", "pinned"), [
    ("secretary", "list", 9),
    ("clerk", "actions", 6),
    ("resident", "summaries", 7),
])
def test_list_pages_run_a_fixed_number_of_queries(
    request, client, world, secretary, clerk, resident, django_assert_num_queries, n, who, name, pinned
):
    _many_meetings(world, secretary, clerk, n)
    client.force_login(request.getfixturevalue(who))
    url = _url(name, world.a1.pk) if name == "summaries" else _url(name)
    client.get(url)  # warm the session and caches
    with django_assert_num_queries(pinned):
        response = client.get(url)
    assert response.status_code == 200
    rows = {"list": b'data-testid="meeting-row"', "actions": b'data-testid="action"', "summaries": b'data-testid="summary-link-row"'}
    assert response.content.count(rows[name]) == (2 * n if name == "list" else n)


def test_the_home_page_shows_the_next_meeting_and_my_action_items(client, meeting, secretary, clerk, resident):
    _item, action = _decided(meeting, secretary, clerk)
    client.force_login(clerk)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-next-meeting"' in html and _url("detail", meeting.pk) in html
    assert 'data-testid="home-actions"' in html and "每日清运两次" in html
    client.force_login(resident)
    assert 'data-testid="home-meetings"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("n", [10, 50])
def test_the_meeting_page_runs_a_fixed_number_of_queries_whatever_its_invitees_and_items(
    client, meeting, secretary, clerk, django_assert_num_queries, n
):
    from tests import factories

    people = [factories.UserFactory() for _ in range(n)]
    Invitation.objects.bulk_create([Invitation(meeting=meeting, user=p, organisation="partner", reply="attend") for p in people])
    for i in range(n):
        item = AgendaItem.objects.create(meeting=meeting, title=f"议题{i}", position=i)
        ActionItem.objects.create(item=item, decision=f"决定{i}", owner_user=people[i], deadline=timezone.localdate())
    client.force_login(secretary)
    client.get(_url("detail", meeting.pk))
    with django_assert_num_queries(16):
        response = client.get(_url("detail", meeting.pk))
    assert response.content.count(b'data-testid="invitee"') == n + 3
    assert response.content.count(b'data-testid="agenda-item"') == n


def test_the_list_can_show_one_compounds_meetings(client, world, meeting, officer):
    client.force_login(officer)
    assert f'data-meeting="{meeting.pk}"' in client.get(_url("list"), {"compound": world.a1.pk}).content.decode()
    assert f'data-meeting="{meeting.pk}"' not in client.get(_url("list"), {"compound": world.b1.pk}).content.decode()


def test_my_action_items_list_the_open_ones_first_then_by_deadline(client, meeting, secretary, clerk):
    item = services.agenda_add(actor=secretary, meeting=meeting, title="议题")
    today = timezone.localdate()
    done = services.decision_record(actor=secretary, item=item, decision="早已办完", owner_user=clerk, deadline=today)
    later = services.decision_record(actor=secretary, item=item, decision="后办", owner_user=clerk,
                                     deadline=today + timedelta(days=9))
    sooner = services.decision_record(actor=secretary, item=item, decision="先办", owner_user=clerk,
                                      deadline=today + timedelta(days=2))
    services.action_complete(actor=clerk, action=done, note="完成")
    client.force_login(clerk)
    html = client.get(_url("actions")).content.decode()
    order = [html.index(f'data-action="{a.pk}"') for a in (sooner, later, done)]
    assert order == sorted(order)


def test_the_convenor_marks_a_decision_done_and_resolves_its_issues(client, world, resident, meeting, secretary, clerk):
    from governance.issues.models import Issue
    from tests.issues.factories import file_issue

    issue = file_issue(resident, world.home, code="parking")
    item = services.agenda_add(actor=secretary, meeting=meeting, title="车位", issues=[issue])
    action = services.decision_record(actor=secretary, item=item, decision="划线", deadline=date(2027, 1, 1), owner_user=clerk)
    client.force_login(secretary)
    assert 'data-testid="convenor-done-form"' in client.get(_url("detail", meeting.pk)).content.decode()

    response = client.post(reverse("meetings:action-done", args=[action.pk]), {"note": "已划线", "resolve_issues": "1", "next": "meeting"})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    assert Issue.objects.get(pk=issue.pk).state == "resolved"


def test_the_owner_cannot_resolve_the_items_issues_by_marking_it_done(client, world, resident, meeting, secretary, clerk):
    from governance.issues.models import Issue
    from tests.issues.factories import file_issue

    issue = file_issue(resident, world.home, code="parking")
    item = services.agenda_add(actor=secretary, meeting=meeting, title="车位", issues=[issue])
    action = services.decision_record(actor=secretary, item=item, decision="划线", deadline=date(2027, 1, 1), owner_user=clerk)
    client.force_login(clerk)

    response = client.post(reverse("meetings:action-done", args=[action.pk]), {"note": "已划线", "resolve_issues": "1"})

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == "open"
    assert Issue.objects.get(pk=issue.pk).state != "resolved"
