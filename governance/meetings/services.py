"""Every write of the joint meetings: series and the meetings they generate, one-off meetings
(including the branch's pre-deliberation), invitations and replies, agendas seeded from real
issues, sign-in, minutes, decisions that become action items, closing, and reminders.

The periodic jobs (``meetings_generate``, ``reminders_scan``) are idempotent by unique rows:
a meeting per (series, date), a reminder per (invitation, offset, meeting version).
"""

import calendar
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from committees.models import BodyKind, ContractStatus, PropertyContract, PropertyStaff, Seat
from compounds.models import Compound, RoleAssignment
from compounds.permissions import can_manage_compound
from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.accounts.services import notification_send, wants_email
from governance.issues.models import Issue
from governance.issues.states import OPEN_STATES, State
from governance.party.models import BranchCoverage, BranchSeat

from . import notifications as kinds
from .models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Invitation,
    ItemSource,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Organisation,
    Reminder,
    Reply,
)

REPEATED_WINDOW_DAYS = 30
SIGNIN_OPENS_BEFORE = timedelta(minutes=30)
SIGNIN_CLOSES_AFTER = timedelta(hours=1)
REPEATED_THRESHOLD = 3


def reminder_offsets() -> list[int]:
    """Minutes before the meeting at which invitees are reminded (default 3 days and 2 hours)."""
    return sorted(getattr(settings, "MEETING_REMINDER_OFFSETS", [3 * 24 * 60, 120]), reverse=True)


# --- who may ----------------------------------------------------------------------------------


def can_convene(user, compound: Compound) -> bool:
    """The branch secretary of the compound, or an officer who manages it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if Role.BRANCH_SECRETARY in scopes_for(user).compound_roles.get(compound.pk, set()):
        return True
    return can_manage_compound(user, compound)


def require_convenor(actor, compound: Compound) -> None:
    """PermissionDenied unless the caller may convene meetings of the compound."""
    if not can_convene(actor, compound):
        raise PermissionDenied


def _branch_of(compound: Compound):
    coverage = BranchCoverage.objects.filter(compound=compound, branch__dissolved_on__isnull=True).select_related("branch").first()
    return coverage.branch if coverage else None


# --- series and meetings ----------------------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The n-th ``weekday`` (0 Monday) of a month; n = -1 the last one; None if there is no such day."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    if n == -1:
        return date(year, month, days[-1])
    return date(year, month, days[n - 1]) if 1 <= n <= len(days) else None


def occurrences(series: MeetingSeries, start: date, end: date) -> list[date]:
    """The series' dates in [start, end]."""
    found = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        day = nth_weekday(year, month, series.weekday, series.week_of_month)
        if day is not None and start <= day <= end and day >= series.starts_on:
            found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


@transaction.atomic
def series_create(
    *, actor, compound: Compound, title: str, weekday: int, week_of_month: int, time, place: str, duration_minutes: int = 90,
    starts_on: date | None = None,
) -> MeetingSeries:
    require_convenor(actor, compound)
    series = MeetingSeries(
        compound=compound,
        branch=_branch_of(compound),
        title=title.strip(),
        weekday=weekday,
        week_of_month=week_of_month,
        time=time,
        duration_minutes=duration_minutes,
        place=place.strip(),
        convenor=actor,
        starts_on=starts_on or timezone.localdate(),
    )
    series.full_clean()
    series.save()
    return series


def _aware(day: date, at) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def meetings_generate(*, today: date | None = None, horizon_days: int = 45, series_ids=None) -> int:
    """Create every active series' meetings (or those of ``series_ids``) up to ``horizon_days``
    ahead. Idempotent: one meeting per (series, date) is a unique constraint, so a second run, or
    two workers, create nothing more."""
    today = today or timezone.localdate()
    created = 0
    chosen = MeetingSeries.objects.filter(active=True)
    if series_ids is not None:
        chosen = chosen.filter(pk__in=series_ids)
    for series in chosen.select_related("compound", "convenor"):
        for day in occurrences(series, today, today + timedelta(days=horizon_days)):
            starts = _aware(day, series.time)
            if day == timezone.localdate() and starts <= timezone.now():
                continue  # today's meeting time has passed: do not create it after the fact
            try:
                with transaction.atomic():
                    meeting = Meeting.objects.create(
                        series=series,
                        occurrence=day,
                        compound=series.compound,
                        branch=series.branch,
                        title=series.title,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=series.duration_minutes),
                        place=series.place,
                        convenor=series.convenor,
                    )
                    _invite_defaults(meeting)
            except IntegrityError:
                continue  # already there
            created += 1
    return created


@transaction.atomic
def meeting_schedule(
    *, actor, compound: Compound, title: str, starts_at, ends_at, place: str, kind: str = MeetingKind.JOINT
) -> Meeting:
    """A one-off meeting; a pre-deliberation (先议) invites the branch only."""
    require_convenor(actor, compound)
    meeting = Meeting(
        compound=compound,
        branch=_branch_of(compound),
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        convenor=actor,
    )
    meeting.full_clean()
    if meeting.starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a time in the future.")})
    meeting.save()
    _invite_defaults(meeting)
    return meeting


def _invite_defaults(meeting: Meeting) -> None:
    """The convenor, the branch's seat holders and, for a joint meeting, the seat holders of the
    owners' committee and the supervisory board in office and the contracted company's contact."""
    today = timezone.localdate()
    people: dict[int, tuple] = {meeting.convenor_id: (Organisation.BRANCH, None)}
    if meeting.branch_id:
        for seat in BranchSeat.objects.filter(branch_id=meeting.branch_id, ended_on__isnull=True).select_related("member"):
            people.setdefault(seat.member.user_id, (Organisation.BRANCH, None))
    if meeting.kind == MeetingKind.JOINT:
        seats = Seat.objects.filter(
            committee__compound=meeting.compound,
            committee__dissolved_on__isnull=True,
            committee__term_start__lte=today,
            committee__term_end__gt=today,
            ended_on__isnull=True,
        ).select_related("committee")
        for seat in seats:
            org = Organisation.SUPERVISORY_BOARD if seat.committee.kind == BodyKind.SUPERVISORY_BOARD else Organisation.OWNERS_COMMITTEE
            people.setdefault(seat.user_id, (org, None))
        contract = PropertyContract.objects.filter(compound=meeting.compound, status=ContractStatus.ACTIVE).first()
        if contract:
            contact = (
                PropertyStaff.objects.filter(company_id=contract.company_id, ended_on__isnull=True)
                .order_by("-is_contact", "pk")
                .first()
            )
            if contact:
                people.setdefault(contact.user_id, (Organisation.PROPERTY_COMPANY, contract.company_id))
    Invitation.objects.bulk_create(
        [Invitation(meeting=meeting, user_id=uid, organisation=org, company_id=company) for uid, (org, company) in people.items()],
        ignore_conflicts=True,
    )


@transaction.atomic
def meeting_move(*, actor, meeting: Meeting, starts_at, ends_at, place: str) -> Meeting:
    """Change time or place: the version goes up, so every invitee is reminded afresh."""
    require_convenor(actor, meeting.compound)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled meeting can be moved."))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Choose a time in the future.")})
    if (starts_at, ends_at, place.strip()) == (meeting.starts_at, meeting.ends_at, meeting.place):
        return meeting
    if not Meeting.objects.filter(pk=meeting.pk, version=meeting.version, status=MeetingStatus.SCHEDULED).update(
        starts_at=starts_at, ends_at=ends_at, place=place.strip(), version=meeting.version + 1
    ):
        raise ValidationError(_("The meeting was changed meanwhile; reload the page and try again."))
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting) -> Meeting:
    require_convenor(actor, meeting.compound)
    if not Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.CANCELLED, version=meeting.version + 1
    ):
        raise ValidationError(_("Only a scheduled meeting can be cancelled."))
    meeting.refresh_from_db()
    # Everyone who has not declined hears of it (their calendars hold the event).
    for invitation in meeting.invitations.filter(user__isnull=False).exclude(reply=Reply.DECLINE).select_related("user"):
        notification_send(
            user=invitation.user, kind=kinds.MEETING_CANCELLED, params=_reminder_params(meeting),
            url=reverse("meetings:detail", args=[meeting.pk]),
        )
    return meeting


# --- invitations ------------------------------------------------------------------------------


@transaction.atomic
def invite(
    *, actor, meeting: Meeting, organisation: str, user=None, organisation_name: str = "", department=None
) -> Invitation:
    """Invite one more person or organisation (a partner unit, the grid worker, the police, a
    department — which then sees this meeting, and only the meetings it is invited to)."""
    require_convenor(actor, meeting.compound)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("This meeting is no longer scheduled."))
    if user is None and not organisation_name.strip() and department is None:
        raise ValidationError({"organisation_name": _("Name the person or organisation invited.")})
    invitation = Invitation(
        meeting=meeting, user=user, organisation=organisation, organisation_name=organisation_name.strip(), department=department
    )
    invitation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(_("This person is already invited.")) from None
    invited = [invitation]
    if department is not None and user is None:
        # The department's responders are invited in person, so they are reminded like anyone.
        responders = RoleAssignment.objects.filter(
            role=Role.DEPARTMENT_RESPONDER, department=department, ended_at__isnull=True
        ).values_list("user_id", flat=True)
        invited += Invitation.objects.bulk_create(
            [
                Invitation(meeting=meeting, user_id=uid, organisation=organisation, department=department)
                for uid in responders
                if not meeting.invitations.filter(user_id=uid).exists()
            ]
        )
    for each in invited:
        if each.user_id:
            notification_send(
                user=each.user, kind=kinds.MEETING_INVITED, params=_reminder_params(meeting),
                url=reverse("meetings:detail", args=[meeting.pk]),
            )
    return invitation


@transaction.atomic
def invitation_reply(*, actor, invitation: Invitation, reply: str, reason: str = "", now=None) -> Invitation:
    if invitation.user_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if reply not in (Reply.ATTEND, Reply.DECLINE):
        raise ValidationError({"reply": _("Answer attend or decline.")})
    if reply == Reply.DECLINE and not reason.strip():
        raise ValidationError({"reason": _("Say why you cannot come.")})
    if invitation.meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("This meeting is no longer scheduled."))
    Invitation.objects.filter(pk=invitation.pk).update(reply=reply, reply_reason=reason.strip(), replied_at=now or timezone.now())
    invitation.refresh_from_db()
    return invitation


# --- agenda -----------------------------------------------------------------------------------


def _english() -> bool:
    return (get_language() or "").startswith("en")


def agenda_suggestions(meeting: Meeting, *, now=None) -> list[dict]:
    """Items the convenor can pick: the compound's overdue and reopened issues, categories
    reported repeatedly in one building in the last 30 days, and open action items of earlier
    meetings (to review). Each names the issues it links."""
    now = now or timezone.now()
    open_issues = Issue.objects.filter(compound=meeting.compound, state__in=OPEN_STATES).select_related("category", "building")
    suggestions = []
    overdue = open_issues.filter(
        Q(acknowledged_at__isnull=True, response_due__lt=now) | Q(resolution_due__lt=now)
    ).exclude(state=State.REOPENED)
    for issue in overdue.order_by("resolution_due")[:20]:
        title = _("Overdue: %(ref)s %(category)s") % {"ref": issue.reference, "category": issue.category.name}
        suggestions.append({"source": ItemSource.OVERDUE, "title": title, "issues": [issue]})
    for issue in open_issues.filter(state=State.REOPENED).order_by("created_at")[:20]:
        title = _("Reopened: %(ref)s %(category)s") % {"ref": issue.reference, "category": issue.category.name}
        suggestions.append({"source": ItemSource.REOPENED, "title": title, "issues": [issue]})
    since = now - timedelta(days=REPEATED_WINDOW_DAYS)
    repeated = (
        Issue.objects.filter(compound=meeting.compound, created_at__gte=since, building__isnull=False)
        .values("category_id", "category__name_zh", "category__name_en", "building_id", "building__name")
        .annotate(n=Count("pk"))
        .filter(n__gte=REPEATED_THRESHOLD)
        .order_by("-n")
    )
    rows = list(repeated)
    grouped: dict[tuple, list] = {}
    if rows:
        pairs = Q(pk__in=[])
        for row in rows:
            pairs |= Q(category_id=row["category_id"], building_id=row["building_id"])
        for issue in Issue.objects.filter(pairs, compound=meeting.compound, created_at__gte=since).order_by("created_at"):
            grouped.setdefault((issue.category_id, issue.building_id), []).append(issue)
    for row in rows:
        issues = grouped.get((row["category_id"], row["building_id"]), [])
        suggestions.append(
            {
                "source": ItemSource.REPEATED,
                "title": _("%(building)s: %(category)s reported %(n)s times in 30 days")
                % {
                    "building": row["building__name"],
                    "category": row["category__name_en"] if _english() else row["category__name_zh"],
                    "n": row["n"],
                },
                "issues": issues,
            }
        )
    for action in ActionItem.objects.filter(
        item__meeting__compound=meeting.compound, status=ActionStatus.OPEN, item__meeting__starts_at__lt=meeting.starts_at
    ).select_related("item").prefetch_related("item__issues"):
        suggestions.append(
            {"source": ItemSource.ACTION_ITEM, "title": action.decision[:200], "issues": list(action.item.issues.all()), "review_of": action}
        )
    return suggestions


@transaction.atomic
def agenda_add(
    *, actor, meeting: Meeting, title: str, notes: str = "", source: str = ItemSource.MANUAL, issues=(), review_of=None
) -> AgendaItem:
    require_convenor(actor, meeting.compound)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("The agenda of a closed or cancelled meeting cannot change."))
    issues = list(issues)
    if any(i.compound_id != meeting.compound_id for i in issues):
        raise ValidationError({"issues": _("Only issues of this compound can be linked.")})
    if review_of is not None and review_of.item.meeting.compound_id != meeting.compound_id:
        raise ValidationError(_("Only action items of this compound's meetings can be reviewed here."))
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # one agenda change at a time
    if source != ItemSource.MANUAL:
        wanted = {i.pk for i in issues}
        for existing in meeting.items.filter(source=source, review_of=review_of).prefetch_related("issues"):
            if {i.pk for i in existing.issues.all()} == wanted:
                raise ValidationError(_("This suggestion is already on the agenda."))
    position = meeting.items.count() + 1
    item = AgendaItem(meeting=meeting, title=title.strip(), notes=notes.strip(), source=source, position=position, review_of=review_of)
    item.full_clean()
    item.save()
    item.issues.set(issues)
    return item


# --- during and after -------------------------------------------------------------------------


@transaction.atomic
def sign_in(*, actor, meeting: Meeting, invitation: Invitation | None = None, code: str = "", now=None) -> Invitation:
    """The convenor signs in an invitee; an invitee signs themselves in with the code shown on
    screen. Signing in twice keeps the first time."""
    now = now or timezone.now()
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if invitation is None:
        if not code or code != meeting.signin_code:
            raise ValidationError({"code": _("This is not the code shown at the meeting.")})
        invitation = Invitation.objects.filter(meeting=meeting, user=actor).first()
        if invitation is None:
            raise PermissionDenied
        # The code is shown on screen at the meeting: it opens half an hour before and closes an
        # hour after the end, so a photo of it passed around later signs nobody in.
        if not (meeting.starts_at - SIGNIN_OPENS_BEFORE <= now <= meeting.ends_at + SIGNIN_CLOSES_AFTER) or (
            meeting.status != MeetingStatus.SCHEDULED
        ):
            raise ValidationError({"code": _("Sign-in with the code is open from half an hour before the meeting to an hour after it.")})
    elif not can_convene(actor, meeting.compound):
        raise PermissionDenied
    if invitation.meeting_id != meeting.pk:
        raise ValidationError(_("This invitation is for another meeting."))
    Invitation.objects.filter(pk=invitation.pk, signed_in_at__isnull=True).update(signed_in_at=now)
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def attendance_record(*, actor, meeting: Meeting, invitation_ids, now=None) -> int:
    """The convenor ticks who came: one check, one UPDATE (those already signed in keep their time)."""
    require_convenor(actor, meeting.compound)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    return Invitation.objects.filter(meeting=meeting, pk__in=list(invitation_ids), signed_in_at__isnull=True).update(
        signed_in_at=now or timezone.now()
    )


@transaction.atomic
def minutes_save(*, actor, meeting: Meeting, minutes: str) -> Meeting:
    require_convenor(actor, meeting.compound)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting has no minutes."))
    Meeting.objects.filter(pk=meeting.pk).update(minutes=minutes.strip())
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def decision_record(
    *, actor, item: AgendaItem, decision: str, deadline: date, owner_user=None, owner_organisation: str = "", owner_name: str = ""
) -> ActionItem:
    require_convenor(actor, item.meeting.compound)
    if item.meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting takes no decisions."))
    if not decision.strip():
        raise ValidationError({"decision": _("Write the decision.")})
    if owner_user is None and not owner_organisation:
        raise ValidationError({"owner_user": _("Name who carries it out: a person or an organisation.")})
    if owner_user is not None and not owner_organisation:
        # The public summary names the organisation a person answers for, never the person.
        invitation = item.meeting.invitations.filter(user=owner_user).first()
        owner_organisation = invitation.organisation if invitation else Organisation.OTHER
    action = ActionItem(
        item=item, decision=decision.strip(), deadline=deadline, owner_user=owner_user,
        owner_organisation=owner_organisation, owner_name=owner_name.strip(),
    )
    action.full_clean()
    action.save()
    if item.review_of_id:
        # Reviewing an earlier action item on this agenda: a new decision supersedes it.
        ActionItem.objects.filter(pk=item.review_of_id, status=ActionStatus.OPEN).update(status=ActionStatus.DROPPED)
    if owner_user is not None:
        notification_send(
            user=owner_user,
            kind=kinds.ACTION_ASSIGNED,
            params={"meeting": item.meeting.title, "deadline": deadline.isoformat()},
            url=reverse("meetings:detail", args=[item.meeting_id]),
        )
    return action


@transaction.atomic
def action_complete(*, actor, action: ActionItem, note: str, resolve_issues: bool = False, now=None) -> ActionItem:
    """The owner (or the convenor) reports the action item done. With ``resolve_issues`` the
    convenor also resolves the still-open issues its agenda item links (the reporters then rate
    them as usual)."""
    meeting = action.item.meeting
    convenor = can_convene(actor, meeting.compound)
    if not (action.owner_user_id == getattr(actor, "pk", None) or convenor):
        raise PermissionDenied
    if resolve_issues and not convenor:
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("Say what was done.")})
    now = now or timezone.now()
    if not ActionItem.objects.filter(pk=action.pk, status=ActionStatus.OPEN).update(
        status=ActionStatus.DONE, done_at=now, done_note=note.strip()
    ):
        raise ValidationError(_("This action item is no longer open."))
    action.refresh_from_db()
    action.resolved_issues, action.unresolved_issues = [], []
    if resolve_issues:
        from governance.issues import services as issue_services
        from governance.issues.permissions import ISSUE_RELATED
        from governance.issues.states import IllegalTransition

        # Each issue on its own: one the convenor may not settle (escalated beyond the branch) or
        # that someone moved meanwhile is reported, not a reason to undo the rest.
        for issue in action.item.issues.filter(state__in=OPEN_STATES).select_related(*ISSUE_RELATED):
            try:
                with transaction.atomic():
                    issue_services.issue_resolve_by_meeting(
                        actor=actor, issue=issue, note=f"{action.decision}\n{note.strip()}", meeting_title=meeting.title, now=now
                    )
            except (PermissionDenied, IllegalTransition, ValidationError):
                action.unresolved_issues.append(issue)
            else:
                action.resolved_issues.append(issue)
    return action


@transaction.atomic
def meeting_close(*, actor, meeting: Meeting, now=None) -> Meeting:
    """Close a held meeting: its public summary (items, decisions, owners, deadlines) appears to
    the compound's residents."""
    require_convenor(actor, meeting.compound)
    now = now or timezone.now()
    if meeting.starts_at > now:
        raise ValidationError(_("A meeting can be closed once it has started."))
    if not Meeting.objects.filter(pk=meeting.pk, status=MeetingStatus.SCHEDULED).update(status=MeetingStatus.CLOSED, closed_at=now):
        raise ValidationError(_("Only a scheduled meeting can be closed."))
    meeting.refresh_from_db()
    return meeting


# --- reminders --------------------------------------------------------------------------------


def reminders_scan(*, now=None) -> int:
    """Send every reminder that is due and not yet sent: for each scheduled meeting ahead, each
    invitee who has not declined, each offset already reached for the meeting's current version.
    The Reminder row (unique per invitation, offset and version) is written with the in-app
    notification in one transaction, so a lost or repeated run neither loses nor doubles one."""
    now = now or timezone.now()
    offsets = reminder_offsets()
    horizon = now + timedelta(minutes=max(offsets))
    sent = 0
    invitations = (
        Invitation.objects.filter(
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__gt=now,
            meeting__starts_at__lte=horizon,
            user__isnull=False,
        )
        .exclude(reply=Reply.DECLINE)
        .select_related("meeting", "user")
        .prefetch_related("reminders")
    )
    for invitation in invitations:
        meeting = invitation.meeting
        due = [m for m in offsets if meeting.starts_at - timedelta(minutes=m) <= now]
        done = {r.offset_minutes for r in invitation.reminders.all() if r.version == meeting.version}
        if not due or set(due) <= done:
            continue  # nothing due, or all sent: no insert to fail on the unique constraint
        # Only the nearest offset reached is worth sending now; earlier ones passed unsent (e.g.
        # the meeting was scheduled or moved less than three days ahead) are recorded as covered.
        nearest = min(due)
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    invitation=invitation, offset_minutes=nearest, version=meeting.version, sent_at=now
                )
                for skipped in due:
                    if skipped != nearest:
                        Reminder.objects.get_or_create(
                            invitation=invitation, offset_minutes=skipped, version=meeting.version,
                            defaults={"sent_at": now, "emailed_at": now},
                        )
                _remind(invitation, reminder)
        except IntegrityError:
            continue
        sent += 1
    _retrigger_lost_emails(now)
    return sent


def _reminder_params(meeting: Meeting) -> dict:
    return {
        "meeting": meeting.title,
        "when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
        "place": meeting.place,
    }


def _remind(invitation: Invitation, reminder: Reminder) -> None:
    """The in-app notification now (same transaction as the Reminder row); the e-mail with the
    calendar file by a task after commit."""
    meeting = invitation.meeting
    notification_send(
        user=invitation.user,
        kind=kinds.MEETING_REMINDER,
        params=_reminder_params(meeting),
        url=reverse("meetings:detail", args=[meeting.pk]),
        email=False,
    )
    if wants_email(invitation.user, kinds.MEETING_REMINDER):
        from .tasks import email_reminder

        email_reminder.delay_on_commit(reminder.pk)
    else:
        Reminder.objects.filter(pk=reminder.pk).update(emailed_at=reminder.sent_at)


EMAIL_RETRY_AFTER = timedelta(minutes=10)


def reminder_email_send(*, reminder_id: int, now=None) -> bool:
    """Send one reminder's e-mail with the meeting's .ics attached, once: the task claims the
    reminder with a compare-and-set before sending (and releases it if sending fails)."""
    from governance.accounts.tasks import notification_email

    from .ics import meeting_ics

    now = now or timezone.now()
    # Claim it (so two deliveries of the task send once); mark it sent only after sending, so a
    # worker killed in between leaves it to the scan's retry (at least once, never lost).
    if not Reminder.objects.filter(pk=reminder_id, emailed_at__isnull=True).filter(
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_RETRY_AFTER)
    ).update(email_claimed_at=now):
        return False
    reminder = Reminder.objects.select_related("invitation__user", "invitation__meeting").get(pk=reminder_id)
    user, meeting = reminder.invitation.user, reminder.invitation.meeting
    url = reverse("meetings:detail", args=[meeting.pk])
    message = notification_email(user, kinds.MEETING_REMINDER, _reminder_params(meeting), url)
    message.attach(f"meeting-{meeting.pk}.ics", meeting_ics(meeting, url=f"{settings.SITE_URL}{url}"), "text/calendar")
    try:
        message.send()
    except Exception:
        Reminder.objects.filter(pk=reminder_id).update(email_claimed_at=None)
        raise
    Reminder.objects.filter(pk=reminder_id).update(emailed_at=timezone.now())
    return True


def _retrigger_lost_emails(now) -> int:
    """Reminders whose e-mail task never ran (lost with a killed worker or a flushed broker)."""
    from .tasks import email_reminder

    lost = Reminder.objects.filter(
        Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - EMAIL_RETRY_AFTER),
        emailed_at__isnull=True,
        sent_at__lt=now - EMAIL_RETRY_AFTER,
        invitation__meeting__starts_at__gt=now,
        invitation__meeting__status=MeetingStatus.SCHEDULED,
    ).values_list("pk", flat=True)[:500]
    count = 0
    for pk in lost:
        email_reminder.delay(pk)
        count += 1
    return count


ACTION_REMIND_DAYS = 3


def action_items_remind(*, today: date | None = None) -> int:
    """Remind each open action item's owner once, three days before its deadline (or at once if
    it is already that close). The compare-and-set on ``reminded_at`` makes a rerun send nothing."""
    today = today or timezone.localdate()
    sent = 0
    due = ActionItem.objects.filter(
        status=ActionStatus.OPEN, reminded_at__isnull=True, owner_user__isnull=False,
        deadline__lte=today + timedelta(days=ACTION_REMIND_DAYS),
    ).select_related("owner_user", "item__meeting")
    for action in due:
        with transaction.atomic():
            if not ActionItem.objects.filter(pk=action.pk, reminded_at__isnull=True).update(reminded_at=timezone.now()):
                continue
            notification_send(
                user=action.owner_user,
                kind=kinds.ACTION_DUE,
                params={"decision": action.decision[:60], "deadline": action.deadline.isoformat()},
                url=reverse("meetings:detail", args=[action.item.meeting_id]),
            )
        sent += 1
    return sent
