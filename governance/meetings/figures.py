"""Figures of the joint meetings over a period, per compound, community or subdistrict:

- meetings scheduled (joint meetings due to start in the period, up to now) and held (closed), and
  cancelled;
- attendance by organisation: invitations to the held meetings and how many signed in;
- action items decided at the period's meetings: done on time (on or before the deadline), done
  late, open past the deadline, still open, dropped (superseded at a review);
- issues resolved through meetings: distinct issues linked to an agenda item of a held meeting of
  the period that reached resolved (or closed after that) after the meeting started.

Scope, as for the rates (``governance.issues.scoping``): officers and admins see their places;
branch secretaries and branch committee members the compounds their branch covers; anyone else
has no figures (404). Each figure is one GROUP BY, so the number of queries does not depend on
the number of compounds.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from compounds.models import Community, Compound, Subdistrict
from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.issues.models import Issue
from governance.issues.states import State

from .models import ActionItem, ActionStatus, Invitation, Meeting, MeetingKind, MeetingStatus, Organisation

LEVELS = ("compound", "community", "subdistrict")
# The row's key from a compound, through ``prefix``.
_KEY = {"compound": "compound_id", "community": "compound__community_id", "subdistrict": "compound__community__subdistrict_id"}
# Organisations shown as their own column; the rest add up under "others".
ORGANISATIONS = (
    Organisation.BRANCH, Organisation.OWNERS_COMMITTEE, Organisation.SUPERVISORY_BOARD, Organisation.PROPERTY_COMPANY,
)
OTHERS = "others"


def figures_scope(user) -> Q:
    """The compounds whose meeting figures the caller sees, as a filter on Compound; 404 if none."""
    s = scopes_for(user)
    if s.system_admin:
        return Q()
    q = s.compound_q() if s.is_staff else None
    branch = s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
    if branch:
        q = Q(pk__in=branch) if q is None else q | Q(pk__in=branch)
    if q is None:
        raise Http404
    return q


def _ratio(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


@dataclass
class Attendance:
    invited: int = 0
    attended: int = 0

    @property
    def rate(self) -> float | None:
        return _ratio(self.attended, self.invited)


@dataclass
class Row:
    key: int | None
    name: str
    scheduled: int = 0
    held: int = 0
    cancelled: int = 0
    attendance: dict = field(default_factory=dict)  # organisation (or OTHERS) → Attendance
    actions: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0
    dropped: int = 0
    issues_resolved: int = 0

    @property
    def held_rate(self) -> float | None:
        return _ratio(self.held, self.scheduled)

    @property
    def attendance_total(self) -> Attendance:
        return Attendance(sum(a.invited for a in self.attendance.values()), sum(a.attended for a in self.attendance.values()))

    @property
    def on_time_rate(self) -> float | None:
        """Done on time among the action items that are done or past their deadline."""
        return _ratio(self.on_time, self.on_time + self.late + self.overdue)

    def attendance_of(self, organisation: str) -> Attendance:
        return self.attendance.get(organisation, Attendance())

    def add(self, other: "Row") -> None:
        for name in ("scheduled", "held", "cancelled", "actions", "on_time", "late", "overdue", "open", "dropped", "issues_resolved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for org, a in other.attendance.items():
            mine = self.attendance.setdefault(org, Attendance())
            mine.invited += a.invited
            mine.attended += a.attended


@dataclass
class MeetingFigures:
    level: str
    start: date
    end: date
    rows: list[Row]
    total: Row


def _bounds(start: date, end: date, now: datetime) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = min(datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz), now)
    return since, until


def _names(level: str, compounds) -> dict[int, str]:
    if level == "compound":
        return dict(compounds.values_list("pk", "name"))
    if level == "community":
        return dict(Community.objects.filter(pk__in=compounds.values("community_id")).values_list("pk", "name"))
    return dict(Subdistrict.objects.filter(pk__in=compounds.values("community__subdistrict_id")).values_list("pk", "name"))


def meeting_figures(user, level: str, start: date, end: date, *, now: datetime | None = None) -> MeetingFigures:
    """The figures of every row of ``level`` in the caller's scope (rows without meetings too),
    sorted by name, and their total. Six queries whatever the number of compounds."""
    scope = figures_scope(user)
    level = level if level in LEVELS else "compound"
    now = now or timezone.now()
    today = timezone.localdate(now)
    since, until = _bounds(start, end, now)
    compounds = Compound.objects.filter(scope)
    key = _KEY[level]
    names = _names(level, compounds)
    rows = {pk: Row(pk, name) for pk, name in names.items()}

    def row(pk) -> Row:
        return rows.setdefault(pk, Row(pk, f"#{pk}"))

    meeting_q = Q(compound__in=compounds, kind=MeetingKind.JOINT, starts_at__gte=since, starts_at__lt=until)
    for r in (
        Meeting.objects.filter(meeting_q).order_by().values(key)
        .annotate(
            scheduled=Count("pk"),
            held=Count("pk", filter=Q(status=MeetingStatus.CLOSED)),
            cancelled=Count("pk", filter=Q(status=MeetingStatus.CANCELLED)),
        )
    ):
        target = row(r[key])
        target.scheduled, target.held, target.cancelled = r["scheduled"], r["held"], r["cancelled"]

    held_q = _prefixed(meeting_q & Q(status=MeetingStatus.CLOSED), "meeting__")
    for r in (
        Invitation.objects.filter(held_q).order_by().values(f"meeting__{key}", "organisation")
        .annotate(invited=Count("pk"), attended=Count("pk", filter=Q(signed_in_at__isnull=False)))
    ):
        org = r["organisation"] if r["organisation"] in ORGANISATIONS else OTHERS
        a = row(r[f"meeting__{key}"]).attendance.setdefault(org, Attendance())
        a.invited += r["invited"]
        a.attended += r["attended"]

    done = Q(status=ActionStatus.DONE)
    for r in (
        ActionItem.objects.filter(_prefixed(meeting_q, "item__meeting__")).order_by().values(f"item__meeting__{key}")
        .annotate(
            actions=Count("pk"),
            on_time=Count("pk", filter=done & Q(done_at__date__lte=F("deadline"))),
            late=Count("pk", filter=done & Q(done_at__date__gt=F("deadline"))),
            overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, deadline__lt=today)),
            open=Count("pk", filter=Q(status=ActionStatus.OPEN, deadline__gte=today)),
            dropped=Count("pk", filter=Q(status=ActionStatus.DROPPED)),
        )
    ):
        target = row(r[f"item__meeting__{key}"])
        for name in ("actions", "on_time", "late", "overdue", "open", "dropped"):
            setattr(target, name, r[name])

    # One filter() over the agenda-item relation, so the meeting held and the resolution after it
    # are about the same link.
    for r in (
        Issue.objects.filter(
            _prefixed(held_q, "agenda_items__"),
            state__in=(State.RESOLVED, State.CLOSED),
            resolved_at__gt=F("agenda_items__meeting__starts_at"),
        )
        .order_by().values(key).annotate(n=Count("pk", distinct=True))
    ):
        row(r[key]).issues_resolved = r["n"]

    ordered = sorted(rows.values(), key=lambda r: (r.name, r.key or 0))
    total = Row(None, "")
    for r in ordered:
        total.add(r)
    return MeetingFigures(level, start, end, ordered, total)


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter through a relation (``meeting__``)."""
    out = Q(*(_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children))
    out.connector, out.negated = q.connector, q.negated
    return out
