"""Reminders before a meeting: once per invitee, offset and version of the meeting; again after a
move; never to those who declined, nor for a cancelled or past meeting."""

import threading
from datetime import timedelta

import icalendar
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from governance.accounts.models import Notification
from governance.meetings import services
from governance.meetings.models import Invitation, Organisation, Reminder, Reply

from .builders import schedule

DAYS3, HOURS2 = 3 * 24 * 60, 120


@pytest.fixture
def meeting(world, secretary, committee_member, clerk):
    """A joint meeting of A1 five days ahead; invited: the secretary, the committee member, the clerk."""
    return schedule(secretary, world.a1, days=5)


def rows(meeting=None):
    qs = Reminder.objects.all()
    if meeting is not None:
        qs = qs.filter(invitation__meeting=meeting)
    return sorted(qs.values_list("invitation__user__username", "offset_minutes", "version"))


def reminded(username=None) -> int:
    qs = Notification.objects.filter(kind="meeting_reminder")
    if username:
        qs = qs.filter(user__username=username)
    return qs.count()


PEOPLE = ("clerk", "committee_member", "secretary")


def test_the_defaults_are_three_days_and_two_hours_before(settings):
    del settings.MEETING_REMINDER_OFFSETS
    assert services.reminder_offsets() == [DAYS3, HOURS2]


def test_every_invitee_is_reminded_exactly_once_at_each_offset(meeting):
    start = meeting.starts_at
    assert services.reminders_scan(now=start - timedelta(days=4)) == 0
    assert services.reminders_scan(now=start - timedelta(days=3) - timedelta(seconds=1)) == 0

    for minutes in (0, 1, 60, 24 * 60):
        sent = services.reminders_scan(now=start - timedelta(days=3) + timedelta(minutes=minutes))
        assert sent == (3 if minutes == 0 else 0)
    assert rows(meeting) == sorted((p, DAYS3, 1) for p in PEOPLE)

    for minutes in (0, 5, 119):
        sent = services.reminders_scan(now=start - timedelta(hours=2) + timedelta(minutes=minutes))
        assert sent == (3 if minutes == 0 else 0)
    assert rows(meeting) == sorted([(p, DAYS3, 1) for p in PEOPLE] + [(p, HOURS2, 1) for p in PEOPLE])
    assert {p: reminded(p) for p in PEOPLE} == dict.fromkeys(PEOPLE, 2)

    assert services.reminders_scan(now=start + timedelta(minutes=1)) == 0  # it has begun


def test_the_reminder_names_the_meeting_its_local_time_and_place_and_links_its_page(meeting, clerk):
    services.reminders_scan(now=meeting.starts_at - timedelta(hours=1))
    note = Notification.objects.get(user=clerk, kind="meeting_reminder")
    assert note.params == {
        "meeting": meeting.title,
        "when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
        "place": "红色驿站",
    }
    assert note.url == f"/meetings/{meeting.pk}/"


def test_an_offset_passed_unsent_is_covered_without_a_second_message(meeting):
    # First scan an hour before: both offsets are due; only the nearest is sent, the other recorded.
    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=1)) == 3
    assert services.reminders_scan(now=meeting.starts_at - timedelta(minutes=30)) == 0
    assert rows(meeting) == sorted([(p, DAYS3, 1) for p in PEOPLE] + [(p, HOURS2, 1) for p in PEOPLE])
    assert reminded() == 3


def test_the_offsets_come_from_the_setting(settings, meeting):
    settings.MEETING_REMINDER_OFFSETS = [10, 60]
    assert services.reminder_offsets() == [60, 10]
    start = meeting.starts_at

    assert services.reminders_scan(now=start - timedelta(hours=2)) == 0  # not an offset any more
    assert services.reminders_scan(now=start - timedelta(minutes=60)) == 3
    assert services.reminders_scan(now=start - timedelta(minutes=59)) == 0
    assert services.reminders_scan(now=start - timedelta(minutes=10)) == 3
    assert services.reminders_scan(now=start - timedelta(minutes=9)) == 0
    assert rows(meeting) == sorted([(p, 60, 1) for p in PEOPLE] + [(p, 10, 1) for p in PEOPLE])


def test_someone_who_declined_is_not_reminded(meeting, committee_member):
    invitation = Invitation.objects.get(meeting=meeting, user=committee_member)
    services.invitation_reply(actor=committee_member, invitation=invitation, reply=Reply.DECLINE, reason="出差")

    assert services.reminders_scan(now=meeting.starts_at - timedelta(days=3)) == 2
    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=2)) == 2
    assert reminded("committee_member") == 0
    assert not Reminder.objects.filter(invitation=invitation).exists()


def test_an_organisation_invited_without_a_person_gets_no_reminder_row(meeting, secretary, department):
    services.invite(actor=secretary, meeting=meeting, organisation=Organisation.DEPARTMENT, department=department)
    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=2)) == 3
    assert not Reminder.objects.filter(invitation__department=department).exists()


def test_moving_the_meeting_reminds_everyone_afresh_once_for_the_new_version(meeting, secretary):
    start = meeting.starts_at
    three_days = start - timedelta(days=3)
    assert services.reminders_scan(now=three_days) == 3

    moved = services.meeting_move(
        actor=secretary, meeting=meeting, starts_at=start + timedelta(hours=1), ends_at=meeting.ends_at + timedelta(hours=1),
        place="社区会议室",
    )
    assert moved.version == 2
    assert services.reminders_scan(now=three_days + timedelta(hours=1)) == 3
    assert services.reminders_scan(now=three_days + timedelta(hours=2)) == 0
    assert services.reminders_scan(now=moved.starts_at - timedelta(hours=2)) == 3
    assert services.reminders_scan(now=moved.starts_at - timedelta(hours=1)) == 0

    assert rows(meeting) == sorted(
        [(p, DAYS3, 1) for p in PEOPLE] + [(p, DAYS3, 2) for p in PEOPLE] + [(p, HOURS2, 2) for p in PEOPLE]
    )
    assert {p: reminded(p) for p in PEOPLE} == dict.fromkeys(PEOPLE, 3)
    latest = Notification.objects.filter(kind="meeting_reminder").order_by("-pk").first()
    assert latest.params["place"] == "社区会议室"


def test_a_cancelled_meeting_is_not_reminded_any_more(meeting, secretary):
    assert services.reminders_scan(now=meeting.starts_at - timedelta(days=3)) == 3
    services.meeting_cancel(actor=secretary, meeting=meeting)

    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=2)) == 0
    assert reminded() == 3


def test_a_closed_meeting_is_not_reminded(meeting, secretary):
    services.meeting_close(actor=secretary, meeting=meeting, now=meeting.starts_at - timedelta(minutes=0))
    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=2)) == 0


def test_a_reminder_row_is_unique_per_invitation_offset_and_version(meeting, clerk):
    invitation = Invitation.objects.get(meeting=meeting, user=clerk)
    Reminder.objects.create(invitation=invitation, offset_minutes=HOURS2, version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(invitation=invitation, offset_minutes=HOURS2, version=1)
    Reminder.objects.create(invitation=invitation, offset_minutes=HOURS2, version=2)
    Reminder.objects.create(invitation=invitation, offset_minutes=DAYS3, version=1)
    assert Reminder.objects.filter(invitation=invitation).count() == 3


def test_a_reminder_already_recorded_is_not_sent_again(meeting, clerk):
    # As if another worker had sent the clerk's two-hour reminder a moment ago.
    invitation = Invitation.objects.get(meeting=meeting, user=clerk)
    Reminder.objects.create(invitation=invitation, offset_minutes=HOURS2, version=1)

    assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=1)) == 2
    assert reminded("clerk") == 0


def test_the_periodic_task_scans_for_due_reminders(meeting, tasks_in_process, settings):
    from governance.meetings.tasks import send_reminders

    settings.MEETING_REMINDER_OFFSETS = [10 * 24 * 60]  # due now for a meeting five days ahead
    assert send_reminders.apply().get() == 3
    assert send_reminders.apply().get() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_scanning_at_once_send_each_reminder_once(world, secretary, committee_member, clerk):
    meeting = schedule(secretary, world.a1, days=5)
    at = meeting.starts_at - timedelta(hours=1)
    barrier = threading.Barrier(4)
    sent, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            sent.append(services.reminders_scan(now=at))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sum(sent) == 3
    assert rows(meeting) == sorted([(p, DAYS3, 1) for p in PEOPLE] + [(p, HOURS2, 1) for p in PEOPLE])
    assert {p: reminded(p) for p in PEOPLE} == dict.fromkeys(PEOPLE, 1)


def test_the_reminder_is_also_mailed(meeting, clerk, tasks_in_process, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_scan(now=meeting.starts_at - timedelta(hours=2)) == 3

    mailed = [m for m in mailoutbox if clerk.email in m.to]
    assert len(mailed) == 1
    assert "红色驿站" in mailed[0].body


def test_the_reminder_mail_carries_the_calendar_file_and_is_sent_once(
    meeting, clerk, tasks_in_process, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_scan(now=meeting.starts_at - timedelta(hours=2))

    (mail,) = [m for m in mailoutbox if clerk.email in m.to]
    (name, content, mimetype) = mail.attachments[0]
    assert name == f"meeting-{meeting.pk}.ics" and mimetype.startswith("text/calendar")
    (event,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == meeting.starts_at
    reminder = Reminder.objects.get(invitation__user=clerk, offset_minutes=HOURS2)
    assert reminder.emailed_at is not None
    # A second delivery of the same task (a redelivered message) sends nothing.
    assert services.reminder_email_send(reminder_id=reminder.pk) is False
    assert len([m for m in mailoutbox if clerk.email in m.to]) == 1


def test_an_offset_covered_without_sending_is_not_mailed_either(
    meeting, tasks_in_process, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_scan(now=meeting.starts_at - timedelta(hours=1))

    assert len(mailoutbox) == 3
    assert not Reminder.objects.filter(emailed_at__isnull=True).exists()


def test_someone_who_turned_reminder_mails_off_gets_the_in_app_one_only(
    meeting, clerk, tasks_in_process, django_capture_on_commit_callbacks, mailoutbox
):
    from governance.accounts.models import NotificationChannel, NotificationPreference

    NotificationPreference.objects.create(
        user=clerk, kind="meeting_reminder", channel=NotificationChannel.EMAIL, enabled=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_scan(now=meeting.starts_at - timedelta(hours=2))

    assert not [m for m in mailoutbox if clerk.email in m.to]
    assert reminded("clerk") == 1
    assert not Reminder.objects.filter(invitation__user=clerk, emailed_at__isnull=True).exists()  # nothing to retry


def test_a_reminder_mail_lost_with_its_task_is_sent_by_a_later_scan_once(meeting, clerk, tasks_in_process, mailoutbox):
    at = meeting.starts_at - timedelta(hours=2)
    services.reminders_scan(now=at)  # the in-app reminders; the mail tasks (on commit) never run: lost
    assert mailoutbox == []
    assert Reminder.objects.filter(emailed_at__isnull=True).count() == 3

    services.reminders_scan(now=at + timedelta(minutes=5))  # too early to call it lost
    assert mailoutbox == []
    services.reminders_scan(now=at + timedelta(minutes=11))
    services.reminders_scan(now=at + timedelta(minutes=30))

    assert sorted(m.to[0] for m in mailoutbox) == sorted(f"{p}@example.org" for p in PEOPLE)
    assert reminded() == 3
