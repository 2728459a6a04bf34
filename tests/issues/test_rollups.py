"""The monthly rates rollup (issue 6): a month that has ended, read from the rollup, gives exactly
what counting its issues gives; changes and passing deadlines reach it at the next refresh; the
refresh is idempotent, also when two run at once."""

import threading
from datetime import date, datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from governance.issues import rates, rollups, services
from governance.issues.models import IssueMonthRefresh, IssueMonthRollup, IssueRollupWatermark

from .factories import file_issue
from .test_rates import OCT, TZ, d, h, october  # noqa: F401

LATER = datetime(2026, 11, 5, 9, 0, tzinfo=TZ)  # October has ended


def _all(world, start, end, now):
    """Every figure the rollup can serve, for one period, as plain dicts."""
    out = {kind: {pk: r.as_dict() for pk, r in rates.rates_by(kind, start, end, now=now).items()} for kind in rollups.ROLLUP_KINDS}
    out["a1"] = rates.rates_for("compound", world.a1.pk, start, end, now=now).as_dict()
    out["everything"] = rates.rates_for("compound", None, start, end, now=now).as_dict()
    out["scoped"] = {
        pk: r.as_dict()
        for pk, r in rates.rates_by("compound", start, end, within=Q(community_id=world.a.pk), now=now).items()
    }
    return out


def test_a_rolled_up_month_gives_what_counting_it_live_gives(october, world):  # noqa: F811
    assert not IssueMonthRefresh.objects.exists()
    live = _all(world, *OCT, LATER)
    result = rollups.refresh_issue_rollups(now=LATER)
    assert "2026-10-01" in result["refreshed"]
    assert IssueMonthRollup.objects.filter(month=date(2026, 10, 1)).count() == 2  # A1 and B1
    with CaptureQueriesContext(connection) as ctx:
        rolled = _all(world, *OCT, LATER)
    assert any("issues_issuemonthrollup" in q["sql"] for q in ctx.captured_queries)
    assert rolled == live
    assert live["a1"]["counted"] == 13


def test_a_period_of_whole_and_partial_months_adds_the_rollup_to_the_live_rest(october, world, resident):  # noqa: F811
    file_issue(resident, world.home, now=datetime(2026, 9, 20, 10, 0, tzinfo=TZ))
    file_issue(resident, world.home, now=datetime(2026, 11, 2, 10, 0, tzinfo=TZ))
    period = (date(2026, 9, 15), date(2026, 11, 3))
    live = _all(world, *period, LATER)
    rollups.refresh_issue_rollups(now=LATER)
    months, ranges = rollups.split_period(*period, LATER.date())
    assert months == [date(2026, 10, 1)]
    assert ranges == [(date(2026, 9, 15), date(2026, 9, 30)), (date(2026, 11, 1), date(2026, 11, 3))]
    assert _all(world, *period, LATER) == live
    assert live["a1"]["counted"] == 15


def test_a_change_to_an_old_issue_reaches_the_rates_at_the_next_refresh(october, world, zone_member):  # noqa: F811
    rollups.refresh_issue_rollups(now=LATER)
    before = rates.rates_for("compound", world.a1.pk, *OCT, now=LATER + h(2))
    services.issue_resolve(actor=zone_member, issue=october[12], note="修好了", now=LATER + h(1))
    # Until the refresh the month is as of its last refresh (the page says so)...
    assert rates.rates_for("compound", world.a1.pk, *OCT, now=LATER + h(2)) == before
    result = rollups.refresh_issue_rollups(now=LATER + h(2))
    assert result["refreshed"] == ["2026-10-01"]
    after = rates.rates_for("compound", world.a1.pk, *OCT, now=LATER + h(2))
    assert after.resolved == before.resolved + 1
    # ...and then exactly what counting gives.
    IssueMonthRefresh.objects.all().delete()
    assert rates.rates_for("compound", world.a1.pk, *OCT, now=LATER + h(2)) == after


def test_kept_sums_never_outlive_a_refresh_even_one_as_of_the_same_moment(october, world, zone_member):  # noqa: F811
    # With a shared cache the ended months' sums are kept under their refresh times; a refresh
    # as of the same moment (a re-run) must still show what changed since.
    rollups.refresh_issue_rollups(now=LATER)
    before = rates.rates_for("compound", world.a1.pk, *OCT, now=LATER)
    assert rates.rates_for("compound", world.a1.pk, *OCT, now=LATER) == before  # kept, same figures
    services.issue_resolve(actor=zone_member, issue=october[12], note="修好了", now=LATER)
    assert rollups.refresh_issue_rollups(now=LATER)["refreshed"] == ["2026-10-01"]
    assert rates.rates_for("compound", world.a1.pk, *OCT, now=LATER).resolved == before.resolved + 1


def test_a_deadline_passing_marks_its_month_for_the_next_refresh(world, resident):
    # Filed on the last day of October under a 15-day category: its resolution deadline passes
    # in mid-November, without the issue changing.
    issue = file_issue(resident, world.home, code="illegal-construction", now=datetime(2026, 10, 31, 20, 0, tzinfo=TZ))
    assert issue.resolution_due > LATER
    rollups.refresh_issue_rollups(now=LATER)
    assert rollups.refresh_issue_rollups(now=LATER + d(1))["months"] == 0
    after_deadline = issue.resolution_due + h(1)
    assert rollups.refresh_issue_rollups(now=after_deadline)["refreshed"] == ["2026-10-01"]
    row = IssueMonthRollup.objects.get(month=date(2026, 10, 1), compound=world.a1)
    assert row.resolution_base == 1


def test_the_refresh_is_idempotent(october, world):  # noqa: F811
    first = rollups.refresh_issue_rollups(now=LATER)
    rows = list(IssueMonthRollup.objects.order_by("month", "compound_id").values())
    assert first["months"] >= 1
    assert rollups.refresh_issue_rollups(now=LATER + h(1)) == {"months": 0, "refreshed": []}
    assert list(IssueMonthRollup.objects.order_by("month", "compound_id").values()) == rows
    assert IssueRollupWatermark.objects.get().at == LATER + h(1)


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_leave_one_row_per_month_and_compound(october, world):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks between two connections")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            rollups.refresh_issue_rollups(now=LATER)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert IssueMonthRollup.objects.filter(month=date(2026, 10, 1)).count() == 2
    assert rates.rates_for("compound", world.a1.pk, *OCT, now=LATER).counted == 13


def test_the_refresh_command_does_what_the_beat_tasks_do(october, world):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert "rates rollup:" in out.getvalue() and "coverage:" in out.getvalue()
    assert IssueMonthRefresh.objects.filter(month=date(2026, 10, 1)).exists()
    out = StringIO()
    call_command("refresh_rollups", stdout=out)
    assert "0 month(s)" in out.getvalue() and "coverage: 0 " in out.getvalue()
