"""The three rates (三率) and their weighted composite, for any period and any subject.

Definitions (DOMAIN.md "The issue loop"), over the issues filed in the period, leaving out those
cancelled by the reporter or merged as duplicates:
- response rate = acknowledged on or before the response deadline (and never escalated for want of
  an acknowledgement, whatever a later re-dispatch did to the deadline) / issues whose response is
  settled (acknowledged, or the deadline has passed, or escalated unacknowledged);
- resolution rate = resolved (or closed) and never reopened / issues whose resolution is settled
  (resolved or closed, or the resolution deadline has passed);
- satisfaction rate = (satisfied + 0.9 × basically satisfied) / rated;
- composite = weighted sum (IssuePolicy, default 0.1 / 0.5 / 0.4). A rate with nothing to measure
  is left out and the remaining weights are scaled up, so a handler with no ratings yet is ranked
  on what exists rather than scored zero.
Issues still inside their deadlines are in neither numerator nor denominator: nobody is marked
down before they could have acted.

Whole months that have ended come from the monthly rollup (``rollups``) when it holds them; the
rest of a period is counted from the issue table. Both use the same aggregates.

Departments are measured on their summonses (each with its own deadlines), not on the issues'
overall clock; a summons that ended before a deadline (the issue was taken off the department) is
not measured on that deadline. Subjects: compound, zone, member, property company, community, subdistrict (by the
issue's place or current handler) and department.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from . import rollups
from .models import Issue, IssuePolicy, Rating, Summons
from .states import DONE_STATES, OPEN_STATES, VOID_STATES

BASIC_WEIGHT = 0.9

# subject kind → the issue field it is measured on
SUBJECT_FIELDS = {
    "compound": "compound_id",
    "zone": "zone_id",
    "member": "handler_member_id",
    "company": "handler_company_id",
    "community": "community_id",
    "subdistrict": "subdistrict_id",
}
SUBJECT_KINDS = [*SUBJECT_FIELDS, "department"]


@dataclass(frozen=True)
class Rates:
    counted: int = 0
    response_base: int = 0
    responded: int = 0
    resolution_base: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    weights: tuple = (Decimal("0.1"), Decimal("0.5"), Decimal("0.4"))

    @staticmethod
    def _ratio(num, den):
        return None if not den else num / den

    @property
    def response_rate(self) -> float | None:
        return self._ratio(self.responded, self.response_base)

    @property
    def resolution_rate(self) -> float | None:
        return self._ratio(self.resolved, self.resolution_base)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._ratio(self.satisfied + BASIC_WEIGHT * self.basic, self.rated)

    @property
    def composite(self) -> float | None:
        parts = [
            (float(w), r)
            for w, r in zip(self.weights, (self.response_rate, self.resolution_rate, self.satisfaction_rate), strict=True)
            if r is not None
        ]
        total = sum(w for w, _r in parts)
        if not parts or not total:
            return None
        return sum(w * r for w, r in parts) / total

    def as_dict(self) -> dict:
        return {
            "counted": self.counted,
            "response_base": self.response_base,
            "responded": self.responded,
            "resolution_base": self.resolution_base,
            "resolved": self.resolved,
            "rated": self.rated,
            "satisfied": self.satisfied,
            "basically_satisfied": self.basic,
            "dissatisfied": self.dissatisfied,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "composite": self.composite,
        }


def _issue_aggregates(now) -> dict:
    done = Q(state__in=DONE_STATES)
    return {
        "counted": Count("id"),
        "response_base": Count(
            "id", filter=Q(acknowledged_at__isnull=False) | done | Q(response_due__lt=now) | Q(response_missed=True)
        ),
        "responded": Count("id", filter=Q(acknowledged_at__lte=F("response_due"), response_missed=False)),
        "resolution_base": Count("id", filter=done | Q(resolution_due__lt=now)),
        "resolved": Count("id", filter=done & Q(reopen_count=0)),
        "rated": Count("id", filter=~Q(rating="")),
        "satisfied": Count("id", filter=Q(rating=Rating.SATISFIED)),
        "basic": Count("id", filter=Q(rating=Rating.BASIC)),
        "dissatisfied": Count("id", filter=Q(rating=Rating.DISSATISFIED)),
    }


def _summons_aggregates(now) -> dict:
    return {
        "counted": Count("id"),
        # A summons that ended (the issue left the department) before a deadline is not measured
        # on that deadline: the department was relieved of it.
        "response_base": Count(
            "id",
            filter=Q(responded_at__isnull=False)
            | (Q(response_due__lt=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=F("response_due")))),
        ),
        "responded": Count("id", filter=Q(responded_at__lte=F("response_due"))),
        "resolution_base": Count(
            "id",
            filter=Q(resolved_at__isnull=False)
            | (Q(resolution_due__lt=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=F("resolution_due")))),
        ),
        "resolved": Count("id", filter=Q(resolved_at__isnull=False, issue__reopen_count=0)),
        "rated": Count("id", filter=Q(resolved_at__isnull=False) & ~Q(issue__rating="")),
        "satisfied": Count("id", filter=Q(resolved_at__isnull=False, issue__rating=Rating.SATISFIED)),
        "basic": Count("id", filter=Q(resolved_at__isnull=False, issue__rating=Rating.BASIC)),
        "dissatisfied": Count("id", filter=Q(resolved_at__isnull=False, issue__rating=Rating.DISSATISFIED)),
    }


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start, end] as whole local days → an aware half-open interval."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def issues_in_period(start: date, end: date, qs: QuerySet[Issue] | None = None) -> QuerySet[Issue]:
    since, until = period_bounds(start, end)
    qs = Issue.objects.all() if qs is None else qs
    return qs.filter(created_at__gte=since, created_at__lt=until).exclude(state__in=VOID_STATES)


def summonses_in_period(start: date, end: date, qs: QuerySet[Summons] | None = None) -> QuerySet[Summons]:
    since, until = period_bounds(start, end)
    qs = Summons.objects.all() if qs is None else qs
    return qs.filter(summoned_at__gte=since, summoned_at__lt=until).exclude(issue__state__in=VOID_STATES)


def _make(row: dict, weights) -> Rates:
    return Rates(**{k: row.get(k) or 0 for k in Rates.__dataclass_fields__ if k != "weights"}, weights=weights)


def rates_for(
    kind: str, subject_id: int | None, start: date, end: date, *, now=None, policy: IssuePolicy | None = None
) -> Rates:
    """The rates of one subject (``subject_id`` None: everything) over [start, end]."""
    now = now or timezone.now()
    weights = (policy or IssuePolicy.current()).weights()
    if kind == "department":
        qs = summonses_in_period(start, end)
        if subject_id is not None:
            qs = qs.filter(department_id=subject_id)
        return _make(qs.aggregate(**_summons_aggregates(now)), weights)
    where = Q() if subject_id is None else Q(**{SUBJECT_FIELDS[kind]: subject_id})
    if subject_id is None or kind in rollups.ROLLUP_KINDS:
        rows = _rolled_up(None, where, where, start, end, now)
        if rows is not None:
            return _make(rows[None], weights)
    return _make(issues_in_period(start, end).filter(where).aggregate(**_issue_aggregates(now)), weights)


def _rolled_up(field: str | None, rollup_q: Q, live_q: Q, start: date, end: date, now) -> dict | None:
    """{subject id (None: everything): counts} over [start, end]: the rollup's whole months plus
    the rest of the period counted live; None when the rollup holds no month of the period."""
    months, ranges, stamp = rollups.split_period_stamped(start, end, timezone.localdate(now))
    if not months:
        return None
    parts = [rollups.rollup_sums(months, field, rollup_q, stamp=stamp)]
    if ranges:
        live = Issue.objects.filter(_created_in(ranges)).exclude(state__in=VOID_STATES).filter(live_q)
        if field is None:
            parts.append({None: live.aggregate(**_issue_aggregates(now))})
        else:
            parts.append({row.pop(field): row for row in live.order_by().values(field).annotate(**_issue_aggregates(now))})
    return rollups.merge(*parts)


def _created_in(ranges: list[tuple[date, date]]) -> Q:
    """Filed in any of the day ranges (the part of a period the rollup does not hold)."""
    q = Q(pk__in=[])
    for first, last in ranges:
        since, until = period_bounds(first, last)
        q |= Q(created_at__gte=since, created_at__lt=until)
    return q


def rates_by(
    kind: str, start: date, end: date, *, within: Q | None = None, now=None, policy: IssuePolicy | None = None
) -> dict[int, Rates]:
    """The rates of every subject of a kind over [start, end], grouped in one query. ``within``
    narrows the issues (or summonses) first, e.g. to a caller's scope."""
    now = now or timezone.now()
    weights = (policy or IssuePolicy.current()).weights()
    if kind == "department":
        qs = summonses_in_period(start, end)
        field, aggregates = "department_id", _summons_aggregates(now)
    else:
        field, aggregates = SUBJECT_FIELDS[kind], _issue_aggregates(now)
        rollup_q = rollups.rollup_filter(within) if kind in rollups.ROLLUP_KINDS else None
        if rollup_q is not None:
            rows = _rolled_up(field, rollup_q, within or Q(), start, end, now)
            if rows is not None:
                return {pk: _make(row, weights) for pk, row in rows.items()}
        qs = issues_in_period(start, end)
        qs = qs.filter(**{f"{field}__isnull": False})
    if within is not None:
        qs = qs.filter(within)
    rows = qs.order_by().values(field).annotate(**aggregates)
    return {row[field]: _make(row, weights) for row in rows}


def next_change(start: date, end: date, *, within: Q | None = None, now=None) -> datetime | None:
    """When the issues' rates over [start, end] next change by the clock alone (None: not until an
    issue changes): the earliest deadline still ahead of an open issue filed in the period, the
    moment it joins a base (``response_due < now``, ``resolution_due < now`` in the aggregates).
    Acknowledged, missed or done issues are settled already; cancelled and merged ones never count."""
    now = now or timezone.now()
    qs = issues_in_period(start, end).filter(state__in=OPEN_STATES)
    if within is not None:
        qs = qs.filter(within)
    found = qs.aggregate(
        response=Min("response_due", filter=Q(response_due__gte=now, acknowledged_at__isnull=True, response_missed=False)),
        resolution=Min("resolution_due", filter=Q(resolution_due__gte=now)),
    )
    return min((at for at in found.values() if at is not None), default=None)


def ranking(kind: str, month: date, *, within: Q | None = None, now=None, policy=None) -> list[tuple[int, Rates]]:
    """The month's ranking of a kind of subject: best composite first, then more issues, then id;
    subjects with nothing measurable come last."""
    start, end = month_bounds(month)
    rows = rates_by(kind, start, end, within=within, now=now, policy=policy)
    return sorted(rows.items(), key=lambda kv: (kv[1].composite is None, -(kv[1].composite or 0), -kv[1].counted, kv[0]))


def issue_aggregates(now) -> dict:
    """The rates' counts as aggregates over issues, plus the overdue and reopened counts the
    yearly ratings also measure (an issue resolved after its deadline, or still open past it)."""
    done = Q(state__in=DONE_STATES)
    return {
        **_issue_aggregates(now),
        "overdue": Count("id", filter=Q(resolved_at__gt=F("resolution_due")) | (~done & Q(resolution_due__lt=now))),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
    }
