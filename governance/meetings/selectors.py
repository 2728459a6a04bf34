"""Reads of joint meetings, scoped to the caller.

- the branch (secretary, committee) and officers managing the compound see its meetings in full;
- an invitee sees the meetings they are invited to in full; a department only those it is
  invited to (as an organisation, or through one of its responders personally);
- residents of the compound see the public summary of closed joint meetings (items, decisions,
  owners, deadlines; no attendance, no minutes' personal remarks);
- everyone else: the meeting does not exist (404).
"""

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, When

from compounds.scopes import scopes_for
from governance.accounts.roles import Role

from .models import ActionItem, ActionStatus, Invitation, Meeting, MeetingKind, MeetingStatus


def full_q(user) -> Q:
    """Meetings the caller sees in full."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    s = scopes_for(user)
    if s.system_admin:
        return Q()
    q = Q(convenor=user) | Exists(Invitation.objects.filter(meeting=OuterRef("pk"), user=user))
    branch = s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
    if branch:
        q |= Q(compound_id__in=branch)
    if s.is_staff:
        q |= s.compound_q("compound__")
    if s.departments:
        q |= Exists(Invitation.objects.filter(meeting=OuterRef("pk"), department_id__in=s.departments))
    return q


def summary_q(user) -> Q:
    """Meetings whose public summary the caller may read: closed joint meetings of their compounds."""
    s = scopes_for(user)
    if not s.resident_compounds:
        return Q(pk__in=[])
    return Q(compound_id__in=s.resident_compounds, status=MeetingStatus.CLOSED, kind=MeetingKind.JOINT)


def meetings_full(user) -> QuerySet[Meeting]:
    return Meeting.objects.filter(full_q(user))


def meetings_visible(user) -> QuerySet[Meeting]:
    if getattr(user, "is_authenticated", False) and scopes_for(user).system_admin:
        return Meeting.objects.all()  # (Q() | x would narrow "everything" down to x)
    return Meeting.objects.filter(full_q(user) | summary_q(user))


def sees_in_full(user, meeting: Meeting) -> bool:
    return meetings_full(user).filter(pk=meeting.pk).exists()


def actions_of(user) -> QuerySet[ActionItem]:
    """The action items the person owns, open first, soonest deadline first."""
    return (
        ActionItem.objects.filter(owner_user=user)
        .select_related("item__meeting__compound")
        .order_by(Case(When(status=ActionStatus.OPEN, then=0), default=1), "deadline", "pk")
    )


def open_actions_of_compound(compound) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(item__meeting__compound=compound, status=ActionStatus.OPEN).select_related(
        "item__meeting", "owner_user"
    )
