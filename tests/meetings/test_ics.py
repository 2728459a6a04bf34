"""The meeting's calendar file reads in a standard parser (icalendar) with the right time zone."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from governance.meetings import services
from governance.meetings.ics import meeting_ics
from governance.meetings.models import Meeting

from .builders import schedule


@pytest.fixture
def meeting(world, secretary, committee_member, clerk):
    return schedule(secretary, world.a1, days=5, title="江工塑院小区联席会议")


def event_of(meeting):
    cal = icalendar.Calendar.from_ical(meeting_ics(Meeting.objects.get(pk=meeting.pk), url="https://linli.example/m/1/"))
    (event,) = cal.walk("VEVENT")
    return cal, event


def test_the_calendar_file_has_the_meetings_start_and_end_in_shanghai_time_with_its_vtimezone(meeting):
    cal, event = event_of(meeting)

    assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
    assert event["dtend"].params["TZID"] == "Asia/Shanghai"
    (vtimezone,) = cal.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Asia/Shanghai"
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == meeting.starts_at and end == meeting.ends_at
    assert start.utcoffset() == timedelta(hours=8)
    assert start.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None) == start.replace(tzinfo=None)
    assert str(event["summary"]) == "江工塑院小区联席会议"
    assert str(event["location"]) == "红色驿站"
    assert str(event["url"]) == "https://linli.example/m/1/"
    assert str(event["status"]) == "CONFIRMED"
    assert str(cal["version"]) == "2.0"


def test_the_raw_file_names_the_zone_on_its_times(meeting):
    text = meeting_ics(meeting).decode()
    assert "BEGIN:VTIMEZONE" in text
    assert "DTSTART;TZID=Asia/Shanghai:" in text
    assert "DTEND;TZID=Asia/Shanghai:" in text


def test_a_move_raises_the_sequence_and_keeps_the_uid(meeting, secretary):
    _cal, before = event_of(meeting)
    moved = services.meeting_move(
        actor=secretary, meeting=meeting, starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1), place="社区会议室",
    )
    _cal, after = event_of(moved)

    assert str(before["uid"]) == str(after["uid"]) == f"meeting-{meeting.pk}@linli.local"
    assert (before.decoded("sequence"), after.decoded("sequence")) == (0, 1)
    assert after.decoded("dtstart") == moved.starts_at
    assert str(after["location"]) == "社区会议室"


def test_a_cancelled_meeting_is_marked_cancelled_in_the_calendar(meeting, secretary):
    services.meeting_cancel(actor=secretary, meeting=meeting)
    _cal, event = event_of(meeting)
    assert str(event["status"]) == "CANCELLED"


def test_it_carries_a_display_alarm_two_hours_before(meeting):
    _cal, event = event_of(meeting)
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(hours=-2)
