"""A series generates its meetings once; invitees are reminded once per offset and version."""

from datetime import date, time, timedelta

import icalendar
from django.utils import timezone

from governance.accounts.models import Notification
from governance.meetings import services
from governance.meetings.ics import meeting_ics
from governance.meetings.models import Invitation, Meeting, Reminder


def test_a_series_generates_its_meetings_once_and_reminds_each_invitee_once_per_offset(
    world, secretary, committee_member, clerk
):
    series = services.series_create(
        actor=secretary, compound=world.a1, title="江工塑院小区联席会议", weekday=1, week_of_month=2,
        time=time(19, 30), place="红色驿站", starts_on=date(2026, 1, 1),
    )
    assert services.meetings_generate(today=date(2026, 12, 1), horizon_days=40) == 1
    assert services.meetings_generate(today=date(2026, 12, 1), horizon_days=40) == 0
    meeting = Meeting.objects.get(series=series)
    assert timezone.localtime(meeting.starts_at).date() == date(2026, 12, 8)  # second Tuesday
    invited = set(Invitation.objects.filter(meeting=meeting).values_list("user__username", flat=True))
    assert invited == {"secretary", "committee_member", "clerk"}

    three_days = meeting.starts_at - timedelta(days=3)
    assert services.reminders_scan(now=three_days + timedelta(minutes=1)) == 3
    assert services.reminders_scan(now=three_days + timedelta(minutes=6)) == 0
    two_hours = meeting.starts_at - timedelta(hours=2)
    assert services.reminders_scan(now=two_hours + timedelta(minutes=1)) == 3
    assert services.reminders_scan(now=two_hours + timedelta(minutes=6)) == 0
    assert Reminder.objects.count() == 6
    assert Notification.objects.filter(kind="meeting_reminder").count() == 6

    services.meeting_move(actor=secretary, meeting=meeting, starts_at=meeting.starts_at + timedelta(hours=1),
                          ends_at=meeting.ends_at + timedelta(hours=1), place="社区会议室")
    assert services.reminders_scan(now=two_hours + timedelta(minutes=61)) == 3

    cal = icalendar.Calendar.from_ical(meeting_ics(Meeting.objects.get(pk=meeting.pk)))
    event = next(iter(cal.walk("VEVENT")))
    start = event.decoded("dtstart")
    assert str(start.tzinfo) in ("Asia/Shanghai", "CST") or start.utcoffset() == timedelta(hours=8)
    assert start == Meeting.objects.get(pk=meeting.pk).starts_at


def test_the_reminder_email_carries_the_calendar_file_and_is_sent_once(world, secretary, committee_member, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks):
    meeting = services.meeting_schedule(
        actor=secretary, compound=world.a1, title="临时联席会议", place="红色驿站",
        starts_at=timezone.now() + timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_scan() == 2

    assert len(mailoutbox) == 2
    message = mailoutbox[0]
    (name, content, mimetype), = message.attachments
    assert name == f"meeting-{meeting.pk}.ics" and mimetype.startswith("text/calendar")
    assert icalendar.Calendar.from_ical(content).walk("VEVENT")[0]["summary"] == "临时联席会议"
    reminder = Reminder.objects.first()
    assert reminder.emailed_at is not None
    assert services.reminder_email_send(reminder_id=reminder.pk) is False  # claimed already: not twice
    assert len(mailoutbox) == 2


def test_carrying_out_a_decision_resolves_the_issues_it_was_about(world, resident, secretary, clerk):
    from governance.issues.models import Issue
    from tests.issues.factories import file_issue

    issue = file_issue(resident, world.home, code="parking", now=timezone.now() - timedelta(days=20))
    meeting = services.meeting_schedule(
        actor=secretary, compound=world.a1, title="联席会议", place="红色驿站",
        starts_at=timezone.now() + timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=1),
    )
    item = services.agenda_add(actor=secretary, meeting=meeting, title="车位乱停", issues=[issue])
    action = services.decision_record(actor=secretary, item=item, decision="划线并安装车位锁", deadline=date(2026, 12, 31), owner_user=clerk)

    services.action_complete(actor=secretary, action=action, note="已划线", resolve_issues=True)

    issue = Issue.objects.get(pk=issue.pk)
    assert issue.state == "resolved" and "划线" in issue.resolution_note
    assert issue.events.filter(action="meeting_resolve", actor=secretary).exists()
