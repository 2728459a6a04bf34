"""Monthly rollups of the three rates (ARCHITECTURE.md "Scale path": hot aggregates come from
rollup tables refreshed by tasks, never from counting the raw issue table per page view).

``IssueMonthRollup`` holds, per compound and whole month that has ended, the counts ``rates``
computes (the same ``_issue_aggregates``, at the time of the refresh). A period's rates add up the
rollup's months and count only the rest live: the current month, partial months at either end,
and any month not (yet) rolled up. So the current month is always exact, and a month that has
ended is as fresh as the last refresh (a periodic task, every few minutes by default).

The refresh is idempotent and safe to run twice at once: it recomputes, month by month under a
row lock, the months that were never rolled up, those with an issue changed since the last run
(``updated_at``, set by every service) and those with an open issue whose deadline has passed
since the last run (deadlines change the rates without changing the issue).
"""

from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Q, Sum
from django.utils import timezone

from governance import caching
from governance.caching import shared_cache

from . import generations
from .models import Issue, IssueMonthRefresh, IssueMonthRollup, IssueRollupWatermark
from .states import OPEN_STATES

COUNTS = ("counted", "response_base", "responded", "resolution_base", "resolved", "rated", "satisfied", "basic", "dissatisfied")
# Subject kinds the rollup is keyed by (the rest are always counted live).
ROLLUP_KINDS = {"compound": "compound_id", "community": "community_id", "subdistrict": "subdistrict_id"}
# Fields of Issue a scope filter may name that the rollup has too (a scope naming anything else,
# e.g. a property company's issues, is counted live).
_SHARED_FIELDS = {"pk", "id", "compound", "compound_id", "community", "community_id", "subdistrict", "subdistrict_id"}


def next_month(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


# --- refreshing -------------------------------------------------------------------------------


def months_due(now) -> list[date]:
    """The months the next refresh must recompute (see the module's docstring)."""
    this_month = timezone.localdate(now).replace(day=1)
    before = _local_midnight(this_month)
    due: set[date] = set()
    first = Issue.objects.aggregate(first=Min("created_at"))["first"]
    if first is not None:
        held = set(IssueMonthRefresh.objects.values_list("month", flat=True))
        month = timezone.localdate(first).replace(day=1)
        while month < this_month:
            if month not in held:
                due.add(month)
            month = next_month(month)
    mark = IssueRollupWatermark.objects.filter(pk=1).values_list("at", flat=True).first()
    if mark is not None:
        changed = Issue.objects.filter(updated_at__gte=mark, created_at__lt=before)
        passed = Issue.objects.filter(state__in=OPEN_STATES, created_at__lt=before).filter(
            Q(response_due__gt=mark, response_due__lte=now) | Q(resolution_due__gt=mark, resolution_due__lte=now)
        )
        for qs in (changed, passed):
            due |= {d.date() for d in qs.datetimes("created_at", "month")}
    return sorted(due)


def refresh_issue_rollups(*, now=None) -> dict:
    """Recompute the months that need it; returns how many and which."""
    now = now or timezone.now()
    months = months_due(now)
    for month in months:
        _refresh_month(month, now)
    # The mark is this run's start: whatever changed while it ran is picked up next time.
    IssueRollupWatermark.objects.update_or_create(pk=1, defaults={"at": now})
    return {"months": len(months), "refreshed": [m.isoformat() for m in months]}


@transaction.atomic
def _refresh_month(month: date, now) -> None:
    from .rates import _issue_aggregates, issues_in_period

    IssueMonthRefresh.objects.bulk_create([IssueMonthRefresh(month=month, refreshed_at=now)], ignore_conflicts=True)
    IssueMonthRefresh.objects.select_for_update().get(month=month)  # one refresher per month at a time
    IssueMonthRollup.objects.filter(month=month).delete()
    rows = (
        issues_in_period(month, next_month(month) - timedelta(days=1))
        .order_by()
        .values("compound_id", "community_id", "subdistrict_id")
        .annotate(**_issue_aggregates(now))
    )
    IssueMonthRollup.objects.bulk_create([IssueMonthRollup(month=month, **row) for row in rows], batch_size=2000)
    # The clock, not ``now`` (the moment the figures are as of): sums read from these rows are
    # kept under a key of this time, so two refreshes as of the same moment must differ here.
    IssueMonthRefresh.objects.filter(month=month).update(refreshed_at=timezone.now())
    generations.rollups_changed()  # pages that keep what they summed from the rollup


# --- reading ----------------------------------------------------------------------------------


def rollup_filter(q: Q | None) -> Q | None:
    """The same filter on the rollup, or None when it names something the rollup does not have."""
    if q is None:
        return Q()
    children = []
    for child in q.children:
        if isinstance(child, Q):
            inner = rollup_filter(child)
            if inner is None:
                return None
            children.append(inner)
        elif isinstance(child, tuple) and child[0].split("__")[0] in _SHARED_FIELDS:
            children.append(child)
        else:
            return None
    out = Q(*children)
    out.connector, out.negated = q.connector, q.negated
    return out


def split_period(start: date, end: date, today: date) -> tuple[list[date], list[tuple[date, date]]]:
    """[start, end] as the whole, ended months the rollup holds, and the rest as day ranges."""
    months, ranges, _stamp = split_period_stamped(start, end, today)
    return months, ranges


def split_period_stamped(start: date, end: date, today: date):
    """``split_period``, and the held months' refresh times: they change whenever a refresh
    rewrites a month's rows (in the same transaction), so they key what was summed from them."""
    this_month = today.replace(day=1)
    whole = []
    month = start.replace(day=1)
    while month <= end:
        if month >= start and next_month(month) - timedelta(days=1) <= end and month < this_month:
            whole.append(month)
        month = next_month(month)
    stamp = (
        dict(IssueMonthRefresh.objects.filter(month__in=whole).values_list("month", "refreshed_at")) if whole else {}
    )
    held = set(stamp)
    ranges: list[tuple[date, date]] = []
    day = start
    for month in sorted(held):
        if day < month:
            ranges.append((day, month - timedelta(days=1)))
        day = next_month(month)
    if day <= end:
        ranges.append((day, end))
    return sorted(held), ranges, sorted(stamp.items())


# A refresh changes the key; this only bounds how long unused sums linger.
SUMS_CACHE_SECONDS = 24 * 3600


def rollup_sums(months: list[date], field: str | None, q: Q, *, stamp=None) -> dict:
    """{subject id (or None for everything): {count: sum}} over the rollup's months.

    With ``stamp`` (the months' refresh times, from ``split_period_stamped``) and a shared cache,
    the sums are kept under a key of the months, their refresh times, the grouping and the
    filter: ended months change only when a refresh rewrites them, which changes the key."""
    key = None
    if stamp is not None and shared_cache():
        key = caching.key("issues:rollup-sums", stamp, field, q)
        if (kept := cache.get(key)) is not None:
            return kept
    qs = IssueMonthRollup.objects.filter(q, month__in=months).order_by()
    sums = {name: Sum(name) for name in COUNTS}
    if field is None:
        result = {None: qs.aggregate(**sums)}
    else:
        result = {row.pop(field): row for row in qs.values(field).annotate(**sums)}
    if key is not None:
        cache.set(key, result, SUMS_CACHE_SECONDS)
    return result


def merge(*parts: dict) -> dict:
    out: dict = {}
    for part in parts:
        for key, row in part.items():
            into = out.setdefault(key, dict.fromkeys(COUNTS, 0))
            for name in COUNTS:
                into[name] += row.get(name) or 0
    return out
