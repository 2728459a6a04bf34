"""The one state machine: every action from every state, through the services. Allowed moves
succeed and leave an event; illegal ones raise IllegalTransition with a message and change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.issues import selectors, services
from governance.issues.models import HandlerKind, Issue, IssueEvent
from governance.issues.states import REFUSALS, TRANSITIONS, Action, IllegalTransition, State, allowed, target

from .factories import category, file_issue
from .snapshots import row, tables

S, A = State, Action

# What DOMAIN.md's loop allows, written out by hand: action → states it may start from.
EXPECTED = {
    A.DISPATCH: {S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.REOPENED, S.ESCALATED},
    A.SUMMON: {S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REOPENED, S.ESCALATED},
    A.ACKNOWLEDGE: {S.DISPATCHED, S.REOPENED},
    A.RESOLVE: {S.IN_PROGRESS, S.ESCALATED},
    A.MEETING_RESOLVE: {S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REOPENED, S.ESCALATED},
    A.RETURN: {S.DISPATCHED, S.IN_PROGRESS, S.REOPENED},
    A.RATE: {S.RESOLVED},
    A.REOPEN: {S.RESOLVED},
    A.AUTO_CLOSE: {S.RESOLVED},
    A.ESCALATE: {S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REOPENED, S.ESCALATED},
    A.CANCEL: {S.SUBMITTED, S.DISPATCHED, S.RETURNED},
    A.MERGE: {S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.REOPENED, S.ESCALATED},
}
TARGETS = {
    A.DISPATCH: S.DISPATCHED, A.SUMMON: S.DISPATCHED, A.ACKNOWLEDGE: S.IN_PROGRESS, A.RESOLVE: S.RESOLVED, A.MEETING_RESOLVE: S.RESOLVED,
    A.RETURN: S.RETURNED, A.RATE: S.CLOSED, A.REOPEN: S.REOPENED, A.AUTO_CLOSE: S.CLOSED,
    A.ESCALATE: S.ESCALATED, A.CANCEL: S.CANCELLED, A.MERGE: S.MERGED,
}
PAIRS = [(a, s) for a in TRANSITIONS for s in State]


def test_the_transition_table_is_the_loop_of_the_domain():
    assert set(TRANSITIONS) == set(EXPECTED)
    for action, sources in EXPECTED.items():
        assert {s for s in State if allowed(action, s)} == sources, action
        assert target(action) == TARGETS[action]
    # Nothing leaves the end states except through rating, reopening or closing a resolved issue.
    for end in (S.CLOSED, S.CANCELLED, S.MERGED):
        assert not any(allowed(a, end) for a in TRANSITIONS)


@pytest.fixture
def place(world, resident, officer, subdistrict_admin, department):
    """An issue at A1 handled by community A (no branch, no company): the officer is its handler
    and holder, so only the state decides whether each action may happen."""
    issue = file_issue(resident, world.home)
    other = file_issue(resident, world.home, description="另一个问题")
    assert issue.handler_kind == HandlerKind.COMMUNITY
    return issue, other


def _put_in(issue, state, officer, now, *, resolved_ago=timedelta(hours=1)):
    done = state in (S.RESOLVED, S.CLOSED)
    Issue.objects.filter(pk=issue.pk).update(
        state=state, holder=officer, resolved_at=now - resolved_ago if done else None,
        escalation_due=now - timedelta(minutes=1),
    )
    return Issue.objects.get(pk=issue.pk)


def _act(action, issue, other, *, resident, officer, subdistrict_admin, department, now):
    if action == A.DISPATCH:
        return services.issue_dispatch(actor=officer, issue=issue, to=HandlerKind.COMMUNITY, now=now)
    if action == A.SUMMON:
        return services.issue_summon(actor=subdistrict_admin, issue=issue, department=department, reason="请到场", now=now)
    if action == A.ACKNOWLEDGE:
        return services.issue_acknowledge(actor=officer, issue=issue, now=now)
    if action == A.RESOLVE:
        return services.issue_resolve(actor=officer, issue=issue, note="已处理", now=now)
    if action == A.MEETING_RESOLVE:
        return services.issue_resolve_by_meeting(actor=officer, issue=issue, note="联席会议决定已落实", meeting_title="联席会议", now=now)
    if action == A.RETURN:
        return services.issue_return(actor=officer, issue=issue, reason="不归我们管", now=now)
    if action == A.RATE:
        return services.issue_rate(actor=resident, issue=issue, rating="satisfied", now=now)
    if action == A.REOPEN:
        return services.issue_reopen(actor=resident, issue=issue, reason="又坏了", now=now)
    if action == A.CANCEL:
        return services.issue_cancel(actor=resident, issue=issue, reason="自己解决了", now=now)
    if action == A.MERGE:
        return services.issue_merge(actor=officer, issue=issue, into=other, now=now)
    if action == A.ESCALATE:
        # The job only looks at open issues; the step it takes refuses any other state.
        result = services.issues_escalate_overdue(now=now)
        if result["escalated"] == 0:
            services._escalate(issue, now)
        return result
    if action == A.AUTO_CLOSE:
        closed = services.issues_close_unrated(now=now)
        if closed == 0:
            services._transition(issue, A.AUTO_CLOSE, actor=None, now=now)
        return closed
    raise AssertionError(action)


@pytest.mark.parametrize(("action", "state"), PAIRS, ids=[f"{a}-from-{s}" for a, s in PAIRS])
def test_every_action_from_every_state(place, action, state, resident, officer, subdistrict_admin, department):
    issue, other = place
    now = timezone.now()
    # Resolved eight days ago for the auto-close job (past the 7-day window), an hour ago otherwise.
    ago = timedelta(days=8) if action == A.AUTO_CLOSE else timedelta(hours=1)
    issue = _put_in(issue, state, officer, now, resolved_ago=ago)
    cast = {"resident": resident, "officer": officer, "subdistrict_admin": subdistrict_admin, "department": department}
    if allowed(action, state):
        before = row(issue)
        _act(action, issue, other, now=now, **cast)
        after = row(issue)
        assert after["state"] == target(action)
        assert after["version"] == before["version"] + 1
        event = IssueEvent.objects.filter(issue=issue, action=action).get()
        assert (event.from_state, event.to_state, event.at) == (state, target(action), now)
        if action not in (A.ESCALATE, A.AUTO_CLOSE):
            assert event.actor is not None
    else:
        before = tables()
        with pytest.raises(IllegalTransition) as info:
            _act(action, issue, other, now=now, **cast)
        assert info.value.state == state and info.value.action == action
        label = State(state).label
        assert info.value.message == str(REFUSALS[action]) % {"state": label}
        assert info.value.message.startswith(f"This issue is {label}: ")
        assert tables() == before


def test_every_step_is_on_the_timeline_with_who_and_when(world, resident, zone_member, secretary):
    t0 = timezone.now() - timedelta(days=2)
    issue = file_issue(resident, world.home, code="noise", now=t0)
    services.issue_comment(actor=secretary, issue=issue, text="内部：这户之前也投诉过", public=False)
    services.issue_comment(actor=zone_member, issue=issue, text="马上去看", public=True)
    services.issue_acknowledge(actor=zone_member, issue=issue, now=t0 + timedelta(hours=1))
    services.issue_resolve(actor=zone_member, issue=issue, note="已劝说", now=t0 + timedelta(hours=5))
    services.issue_rate(actor=resident, issue=issue, rating="basic", now=t0 + timedelta(hours=6))
    events = list(selectors.timeline(issue, internal=True))
    assert [(e.action, e.actor, e.public) for e in events] == [
        ("file", resident, True),
        ("route", None, True),
        ("acknowledge", zone_member, True),
        ("resolve", zone_member, True),
        ("rate", resident, True),
        ("comment", secretary, False),
        ("comment", zone_member, True),
    ]
    assert [e.at for e in events[:5]] == [t0, t0, t0 + timedelta(hours=1), t0 + timedelta(hours=5), t0 + timedelta(hours=6)]
    public = list(selectors.timeline(issue, internal=False))
    assert "内部：这户之前也投诉过" not in [e.note for e in public]
    assert len(public) == 6


def test_a_resident_cannot_write_an_internal_comment(world, resident):
    from django.core.exceptions import PermissionDenied

    issue = file_issue(resident, world.home)
    before = tables()
    with pytest.raises(PermissionDenied):
        services.issue_comment(actor=resident, issue=issue, text="悄悄话", public=False)
    assert tables() == before


def test_a_stale_copy_of_the_issue_cannot_move_it(world, resident, officer):
    issue = file_issue(resident, world.home, code="sanitation")
    stale = Issue.objects.get(pk=issue.pk)
    services.issue_acknowledge(actor=officer, issue=issue)
    before = tables()
    with pytest.raises(IllegalTransition):
        services.issue_return(actor=officer, issue=stale, reason="晚了一步")
    assert tables() == before
    assert category("sanitation").pk == issue.category_id
