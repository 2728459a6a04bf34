"""The demo's joint meetings: a year of them, seeded once, with every kind of action-item outcome,
the demo secretary's series and next meeting, the property staff's open action item, and the
closed meetings' summaries for the residents of 江工塑院小区."""

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from compounds.models import Compound
from governance.accounts.models import User
from governance.meetings import selectors
from governance.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Invitation,
    ItemSource,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Reply,
)

MODELS = (MeetingSeries, Meeting, Invitation, AgendaItem, ActionItem)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS} | {
        "links": AgendaItem.issues.through.objects.count()
    }


@pytest.mark.django_db(transaction=False)
def test_the_demo_holds_a_year_of_meetings_once_with_every_outcome():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first

    now = timezone.now()
    today = timezone.localdate()
    assert first["MeetingSeries"] == Compound.objects.count() == 12
    past = Meeting.objects.filter(ends_at__lt=now)
    assert past.filter(status=MeetingStatus.CLOSED).count() >= 12 * 10
    assert past.filter(status=MeetingStatus.CANCELLED).exists()
    assert not past.filter(status=MeetingStatus.SCHEDULED).exists()
    # Every series has its next meeting scheduled.
    upcoming = Meeting.objects.filter(starts_at__gt=now, status=MeetingStatus.SCHEDULED)
    assert set(upcoming.filter(series__isnull=False).values_list("series", flat=True)) == set(
        MeetingSeries.objects.values_list("pk", flat=True)
    )
    assert upcoming.filter(kind=MeetingKind.PRE_DELIBERATION, compound__code="JGSY").count() == 1
    # Closed meetings have minutes, sign-ins, replies of both kinds and agendas linking real issues.
    assert not Meeting.objects.filter(status=MeetingStatus.CLOSED, minutes="").exists()
    assert Invitation.objects.filter(signed_in_at__isnull=False).count() > 500
    assert Invitation.objects.filter(reply=Reply.DECLINE).exclude(reply_reason="").exists()
    # Per-item invitees came too: the enforcement department, the police, the grid worker, partner units.
    extra = set(Invitation.objects.filter(signed_in_at__isnull=False).values_list("organisation", flat=True))
    assert {"department", "police", "grid", "partner"} <= extra
    assert AgendaItem.objects.filter(source=ItemSource.OVERDUE, issues__isnull=False).exists()
    assert AgendaItem.objects.filter(source=ItemSource.ACTION_ITEM, review_of__isnull=False).exists()
    assert first["links"] > 50

    actions = ActionItem.objects.all()
    on_time = actions.filter(status=ActionStatus.DONE, done_at__date__lte=F("deadline"))
    late = actions.filter(status=ActionStatus.DONE, done_at__date__gt=F("deadline"))
    open_ahead = actions.filter(status=ActionStatus.OPEN, deadline__gte=today)
    overdue = actions.filter(status=ActionStatus.OPEN, deadline__lt=today)
    dropped = actions.filter(status=ActionStatus.DROPPED)
    assert on_time.count() > late.count() > 0
    assert open_ahead.exists() and dropped.exists()
    assert overdue.count() == 1 and overdue.get().item.meeting.compound.code == "JGSY"
    # Nothing done in the future, every decision dated at its meeting.
    assert not actions.filter(done_at__gt=now).exists()
    assert not actions.exclude(created_at=F("item__meeting__ends_at")).exists()

    shuji, wuye1, resident = (User.objects.get(username=u) for u in ("shuji", "wuye1", "resident"))
    assert MeetingSeries.objects.filter(convenor=shuji, compound__code="JGSY").exists()
    assert selectors.meetings_full(shuji).filter(starts_at__gt=now, status=MeetingStatus.SCHEDULED).exists()
    assert selectors.actions_of(wuye1).filter(status=ActionStatus.OPEN, deadline__gte=today).exists()
    assert upcoming.filter(compound__code="JGSY", invitations__user=wuye1, invitations__reply=Reply.ATTEND).exists()
    # … and it is on the next meeting's agenda for review, with the overdue one.
    following = upcoming.filter(compound__code="JGSY", kind=MeetingKind.JOINT).order_by("starts_at").first()
    reviewed = set(following.items.values_list("review_of__status", "review_of__owner_user__username"))
    assert (ActionStatus.OPEN, "wuye1") in reviewed and (ActionStatus.OPEN, None) in reviewed
    summaries = selectors.meetings_visible(resident).filter(status=MeetingStatus.CLOSED)
    assert summaries.count() >= 10 and set(summaries.values_list("compound__code", flat=True)) == {"JGSY"}
