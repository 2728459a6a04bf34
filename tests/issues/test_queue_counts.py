"""The work queue's numbers (rows, state chips, overdue chip, category and compound pickers) come
from one grouped query (governance/issues/views.py ``_queue_counts``). For every combination of
filters they must be what counting the queue with ``filter_queue`` gives, as the page did with a
query per number."""

import itertools
import re
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from governance.issues import selectors
from governance.issues.models import Issue
from governance.issues.states import OPEN_STATES, State
from governance.issues.views import _queue_counts

from .factories import file_issue


def _spread(world, resident, b_resident):
    """Open issues in two compounds and three categories, in four open states, some overdue for
    a response, some for a resolution, some on time. States and deadlines are set directly: the
    test is about counting them, not about how they got there."""
    now = timezone.now()
    layout = [
        (resident, world.home, "sanitation", State.DISPATCHED, -2, 5),
        (resident, world.home, "sanitation", State.DISPATCHED, 3, 5),
        (resident, world.home, "sanitation", State.IN_PROGRESS, -2, 5),  # acknowledged: response no longer due
        (resident, world.home, "noise", State.IN_PROGRESS, -2, -1),
        (resident, world.home, "noise", State.SUBMITTED, 1, 4),
        (resident, world.home, "security", State.ESCALATED, -5, -3),
        (b_resident, world.b_home, "sanitation", State.DISPATCHED, -1, 2),
        (b_resident, world.b_home, "noise", State.IN_PROGRESS, 2, 6),
        (b_resident, world.b_home, "noise", State.IN_PROGRESS, 2, -2),
        (b_resident, world.b_home, "security", State.SUBMITTED, 4, 9),
    ]
    for reporter, home, code, state, response_days, resolution_days in layout:
        issue = file_issue(reporter, home, code=code)
        Issue.objects.filter(pk=issue.pk).update(
            state=state,
            acknowledged_at=now - timedelta(days=1) if state == State.IN_PROGRESS else None,
            response_due=now + timedelta(days=response_days),
            resolution_due=now + timedelta(days=resolution_days),
        )
    return now


def _expected(base, now, *, state, category, compound, overdue):
    """What the page counted before, one query per number."""

    def q(qs, **kw):
        return selectors.filter_queue(qs, open_only=True, now=now, **kw)

    stated = base.filter(state=state) if state else base
    return {
        "rows": q(stated, category=category, compound=compound, overdue=overdue).count(),
        "by_state": dict(
            q(base, category=category, compound=compound, overdue=overdue).order_by().values_list("state").annotate(n=Count("pk"))
        ),
        "overdue": q(stated, category=category, compound=compound, overdue=True).count(),
        "categories": {
            row["category__code"]: row["n"]
            for row in q(stated, compound=compound, overdue=overdue).order_by().values("category__code").annotate(n=Count("pk"))
        },
        "compounds": dict(base.order_by().values_list("compound_id").annotate(n=Count("pk"))),
    }


def test_every_number_matches_counting_the_queue_filter_by_filter(world, resident, b_resident):
    now = _spread(world, resident, b_resident)
    base = Issue.objects.filter(state__in=OPEN_STATES)
    assert base.count() == 10
    compounds = ["", str(world.a1.pk), str(world.b1.pk)]
    checked = 0
    for state, category, compound, overdue in itertools.product(
        ["", *sorted(OPEN_STATES)], ["", "sanitation", "noise", "security", "parking"], compounds, [False, True]
    ):
        got = _queue_counts(base, now, state=state, category=category, compound=compound, overdue=overdue)
        want = _expected(base, now, state=state, category=category, compound=compound, overdue=overdue)
        where = (state, category, compound, overdue)
        assert got["rows"] == want["rows"], where
        assert got["by_state"] == want["by_state"], where
        assert got["overdue"] == want["overdue"], where
        assert {c["code"]: c["n"] for c in got["categories"]} == want["categories"], where
        assert {c["compound_id"]: c["n"] for c in got["compounds"]} == want["compounds"], where
        checked += 1
    assert checked == 7 * 5 * 3 * 2
    # The layout above is not trivial: overdue and on-time issues in several states and places.
    everything = _queue_counts(base, now, state="", category="", compound="", overdue=False)
    assert everything["rows"] == 10 and everything["overdue"] == 5
    assert everything["by_state"] == {"dispatched": 3, "in_progress": 4, "submitted": 2, "escalated": 1}


def test_the_page_shows_the_counts_and_the_rows_they_count(client, world, resident, zone_member):
    file_issue(resident, world.home)
    file_issue(resident, world.home)
    client.force_login(zone_member)
    queue = selectors.work_queue(zone_member)
    total = queue.count()
    assert total == 2
    html = client.get(reverse("issues:queue")).content.decode()
    assert html.count('data-testid="queue-row"') == total
    chips = {m[0]: int(m[1]) for m in re.findall(r'data-testid="chip-(\w+)">[^<]*<span class="badge text-bg-light">(\d+)<', html)}
    by_state = dict(queue.order_by().values_list("state").annotate(n=Count("pk")))
    assert {k: v for k, v in chips.items() if k != "overdue"} == {s: by_state.get(s, 0) for s in chips if s != "overdue"}
    assert chips["overdue"] == 0
    options = re.findall(r'<option value="(\d+)"[^>]*>[^<]*\((\d+)\)</option>', html)
    assert options == [(str(world.a1.pk), str(total))]
