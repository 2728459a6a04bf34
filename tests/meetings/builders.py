"""Builders shared by the meetings' tests: a one-off meeting through the services, and the
snapshot of the meetings' tables a refused call must leave untouched."""

from datetime import timedelta

from django.utils import timezone

from governance.accounts.models import Notification
from governance.meetings import services
from governance.meetings.models import (
    ActionItem,
    AgendaItem,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingSeries,
    Reminder,
)

WATCHED = (MeetingSeries, Meeting, Invitation, AgendaItem, ActionItem, Reminder, Notification)


def snapshot():
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in WATCHED}


def schedule(actor, compound, *, days=5, kind=MeetingKind.JOINT, title="联席会议"):
    """A one-hour meeting ``days`` ahead at 红色驿站, convened by ``actor``."""
    starts = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return services.meeting_schedule(
        actor=actor, compound=compound, title=title, starts_at=starts, ends_at=starts + timedelta(hours=1),
        place="红色驿站", kind=kind,
    )
