"""Rules a review of the meetings found missing: invitees (departments included) are told, a
cancellation is announced, the agenda takes a suggestion once, a move that lost a race says so,
resolving through a meeting skips what the convenor may not settle, and a scan does no work for
reminders already sent."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.accounts.models import Notification
from governance.issues import services as issue_services
from governance.meetings import services
from governance.meetings.models import Invitation, ItemSource, Meeting, Organisation
from tests.issues.factories import file_issue

from .builders import schedule, snapshot


def test_an_invited_department_s_responders_are_invited_in_person_and_told(world, secretary, department, responder):
    meeting = schedule(secretary, world.a1)

    services.invite(actor=secretary, meeting=meeting, organisation=Organisation.DEPARTMENT, department=department)

    assert Invitation.objects.filter(meeting=meeting, user=responder, department=department).exists()
    assert Notification.objects.filter(user=responder, kind="meeting_invited").count() == 1
    # …and so they are reminded like any invitee.
    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=1)) >= 1
    assert Notification.objects.filter(user=responder, kind="meeting_reminder").count() == 1


def test_cancelling_tells_everyone_who_had_not_declined(world, secretary, clerk, committee_member):
    meeting = schedule(secretary, world.a1)
    services.invitation_reply(actor=committee_member, invitation=meeting.invitations.get(user=committee_member), reply="decline", reason="出差")

    services.meeting_cancel(actor=secretary, meeting=meeting)

    told = set(Notification.objects.filter(kind="meeting_cancelled").values_list("user__username", flat=True))
    assert told == {"secretary", "clerk"}
    assert Meeting.objects.get(pk=meeting.pk).version == 2  # calendars see a newer version


def test_a_suggestion_goes_on_the_agenda_once(world, resident, secretary):
    issue = file_issue(resident, world.home, code="noise", now=timezone.now() - timedelta(days=20))
    meeting = schedule(secretary, world.a1)
    services.agenda_add(actor=secretary, meeting=meeting, title="逾期", source=ItemSource.OVERDUE, issues=[issue])
    before = snapshot()

    with pytest.raises(ValidationError):
        services.agenda_add(actor=secretary, meeting=meeting, title="逾期", source=ItemSource.OVERDUE, issues=[issue])

    assert snapshot() == before


def test_a_move_that_lost_a_race_says_so(world, secretary):
    meeting = schedule(secretary, world.a1)
    stale = Meeting.objects.get(pk=meeting.pk)
    services.meeting_move(actor=secretary, meeting=meeting, starts_at=meeting.starts_at + timedelta(hours=1),
                          ends_at=meeting.ends_at + timedelta(hours=1), place="红色驿站")

    with pytest.raises(ValidationError):
        services.meeting_move(actor=secretary, meeting=stale, starts_at=stale.starts_at + timedelta(hours=2),
                              ends_at=stale.ends_at + timedelta(hours=2), place="会议室")

    assert Meeting.objects.get(pk=meeting.pk).place == "红色驿站"


def test_resolving_through_a_meeting_skips_issues_the_convenor_may_not_settle(world, resident, secretary, officer, clerk):
    mine = file_issue(resident, world.home, code="parking")
    escalated = file_issue(resident, world.home, code="parking", now=timezone.now() - timedelta(days=3))
    issue_services.issues_escalate_overdue()  # the old one climbs to the community
    meeting = schedule(secretary, world.a1)
    item = services.agenda_add(actor=secretary, meeting=meeting, title="停车", issues=[mine, escalated])
    action = services.decision_record(actor=secretary, item=item, decision="划线", deadline=date(2027, 1, 1), owner_user=clerk)

    action = services.action_complete(actor=secretary, action=action, note="已划线", resolve_issues=True)

    assert [i.pk for i in action.resolved_issues] == [mine.pk]
    assert [i.pk for i in action.unresolved_issues] == [escalated.pk]
    assert action.status == "done"


def test_a_scan_does_no_work_for_reminders_already_sent(world, secretary, clerk, committee_member):
    meeting = schedule(secretary, world.a1, days=1)
    now = meeting.starts_at - timedelta(hours=20)
    assert services.reminders_scan(now=now) == 3
    with CaptureQueriesContext(connection) as queries:
        assert services.reminders_scan(now=now + timedelta(minutes=5)) == 0
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]


def test_only_the_public_organisation_of_a_person_owner_is_shown(world, secretary, clerk):
    meeting = schedule(secretary, world.a1)
    item = services.agenda_add(actor=secretary, meeting=meeting, title="楼道")
    action = services.decision_record(actor=secretary, item=item, decision="清理", deadline=date(2027, 1, 1), owner_user=clerk)
    assert action.owner_organisation == Organisation.PROPERTY_COMPANY
    assert clerk.display_name not in action.public_owner


def test_ticking_attendance_costs_the_same_for_one_or_many_invitees(client, world, secretary, clerk, committee_member):
    from django.urls import reverse

    meeting = schedule(secretary, world.a1)
    invitations = list(meeting.invitations.order_by("pk"))
    client.force_login(secretary)
    url = reverse("meetings:attendance", args=[meeting.pk])
    client.post(url, {"present": [invitations[0].pk]})  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.post(url, {"present": [invitations[1].pk]})
    with CaptureQueriesContext(connection) as many:
        client.post(url, {"present": [i.pk for i in invitations]})
    assert len(many.captured_queries) == len(one.captured_queries)
    assert all(i.signed_in_at for i in Invitation.objects.filter(meeting=meeting))


def test_a_cancelled_meeting_takes_no_attendance(client, world, secretary, clerk):
    from django.urls import reverse

    meeting = schedule(secretary, world.a1)
    services.meeting_cancel(actor=secretary, meeting=meeting)
    client.force_login(secretary)

    response = client.post(reverse("meetings:attendance", args=[meeting.pk]), {"present": [i.pk for i in meeting.invitations.all()]})

    assert response.status_code == 302
    assert not Invitation.objects.filter(meeting=meeting, signed_in_at__isnull=False).exists()
