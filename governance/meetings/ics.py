"""The meeting as an iCalendar file (RFC 5545), for the download on the meeting's page and the
reminder e-mails. Times carry the deployment's time zone (Asia/Shanghai by default) as a TZID
with its VTIMEZONE, so calendars place the meeting right wherever they run."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from .models import Meeting


def meeting_ics(meeting: Meeting, *, url: str = "") -> bytes:
    tz = timezone.get_current_timezone()
    cal = Calendar()
    cal.add("prodid", "-//Linli//joint meetings//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    # Stable across versions so calendars update the event instead of adding another; SEQUENCE
    # tells them which version is newer.
    event.add("uid", f"meeting-{meeting.pk}@{settings.LINLI_ICS_DOMAIN}")
    event.add("sequence", meeting.version - 1)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(meeting.starts_at, tz))
    event.add("dtend", timezone.localtime(meeting.ends_at, tz))
    event.add("summary", meeting.title)
    event.add("location", meeting.place)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", meeting.title)
    alarm.add("trigger", timedelta(hours=-2))
    event.add_component(alarm)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def ics_response(request, meeting: Meeting) -> HttpResponse:
    """The meeting's calendar file as a download (the page and the API serve the same file)."""
    url = request.build_absolute_uri(reverse("meetings:detail", args=[meeting.pk]))
    response = HttpResponse(meeting_ics(meeting, url=url), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response
