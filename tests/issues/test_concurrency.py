"""Two people or two workers at once, against PostgreSQL: a claim ends with exactly one holder, and
two escalation runs escalate each issue once. Each thread has its own connection (closed at its
end) and a barrier starts them together. Notification e-mails are sent in process
(``tasks_in_process``): the race under test is in the database, not in the broker's client."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone, translation

from committees import services as committee_services
from governance.issues import services
from governance.issues.models import HandlerKind, Issue, IssueEvent
from governance.issues.states import IllegalTransition, State
from tests import factories

from .factories import file_issue

T0 = timezone.now().replace(microsecond=0) - timedelta(days=10)


def _race(*calls):
    """Run the calls in threads started together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            with translation.override("en"):
                barrier.wait(timeout=10)
                results[i] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_claiming_at_once_leave_exactly_one_holder(world, resident, company, clerk, tasks_in_process):
    clerk2 = factories.UserFactory(username="clerk2", display_name="钱管家")
    committee_services.staff_add(actor=None, company=company, user=clerk2, title="管家")
    for round_ in range(5):
        issue = file_issue(resident, world.home, code="sanitation", description=f"第{round_}次：楼道堆物")
        assert issue.handler_kind == HandlerKind.PROPERTY
        # Each claimant works from the copy of the issue its page loaded.
        copies = [Issue.objects.get(pk=issue.pk), Issue.objects.get(pk=issue.pk)]
        results = _race(
            lambda c=copies[0]: services.issue_acknowledge(actor=clerk, issue=c),
            lambda c=copies[1]: services.issue_acknowledge(actor=clerk2, issue=c),
        )
        outcomes = sorted(kind for kind, _value in results)
        assert outcomes == ["error", "ok"], results
        loser = next(value for kind, value in results if kind == "error")
        assert isinstance(loser, IllegalTransition)
        assert loser.message == "This issue is In progress: it cannot be taken on now."
        winner = clerk if results[0][0] == "ok" else clerk2
        issue.refresh_from_db()
        assert (issue.state, issue.holder, issue.version) == (State.IN_PROGRESS, winner, 1)
        events = IssueEvent.objects.filter(issue=issue, action="acknowledge")
        assert [e.actor for e in events] == [winner]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_escalation_runs_at_once_escalate_each_issue_once(world, resident, neighbour, officer, tasks_in_process):
    issues = [
        file_issue(resident if i % 2 else neighbour, world.home if i % 2 else world.next_door, code="noise", now=T0)
        for i in range(20)
    ]
    now = T0 + timedelta(hours=24, minutes=1)
    results = _race(
        lambda: services.issues_escalate_overdue(now=now),
        lambda: services.issues_escalate_overdue(now=now),
    )
    assert [kind for kind, _v in results] == ["ok", "ok"], results
    assert sum(value["escalated"] for _k, value in results) == 20, results
    assert IssueEvent.objects.filter(action="escalate").count() == 20
    rows = Issue.objects.filter(pk__in=[i.pk for i in issues])
    assert sorted(set(rows.values_list("state", "level", "escalation_count"))) == [(State.ESCALATED, 1, 1)]
    # And a third run afterwards finds nothing.
    assert services.issues_escalate_overdue(now=now) == {"escalated": 0, "skipped": 0}


def test_a_worker_that_listed_the_issues_before_another_committed_escalates_nothing_twice(world, resident, officer):
    """The race of two workers made deterministic: worker A lists the overdue issues, worker B runs
    to completion, then A loads and walks A's list. Each issue must still climb once."""
    issues = [file_issue(resident, world.home, code="noise", now=T0) for _ in range(3)]
    now = T0 + timedelta(hours=24, minutes=1)
    original = Issue.objects.filter
    other_worker = []
    started = []

    def filter_then_let_the_other_worker_finish(*args, **kwargs):
        qs = original(*args, **kwargs)
        if "pk__in" in kwargs and not started:  # A has its list and is about to load the rows
            started.append(True)
            other_worker.append(services.issues_escalate_overdue(now=now))
        return qs

    with mock.patch.object(Issue.objects, "filter", side_effect=filter_then_let_the_other_worker_finish):
        first = services.issues_escalate_overdue(now=now)
    assert other_worker == [{"escalated": 3, "skipped": 0}]
    assert first["escalated"] == 0, first
    levels = sorted(Issue.objects.filter(pk__in=[i.pk for i in issues]).values_list("level", flat=True))
    assert levels == [1, 1, 1]
    assert IssueEvent.objects.filter(action="escalate").count() == 3
