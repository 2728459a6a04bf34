"""The reporter's side: notifications on each change, rate or reopen within the window (and not
after), cancel before acknowledgement, and neighbours' "me too"."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.accounts.models import Notification
from governance.issues import notifications as kinds
from governance.issues import permissions, selectors, services
from governance.issues.models import Issue, IssuePolicy
from governance.issues.states import IllegalTransition, State

from .factories import file_issue
from .snapshots import tables

T0 = timezone.now().replace(microsecond=0) - timedelta(days=20)


def _refused(exc_type, call):
    before = tables()
    with pytest.raises(exc_type) as info:
        call()
    assert tables() == before
    return info.value


@pytest.fixture
def resolved(world, resident, zone_member):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_acknowledge(actor=zone_member, issue=issue, now=T0 + timedelta(hours=1))
    return services.issue_resolve(actor=zone_member, issue=issue, note="已处理", now=T0 + timedelta(hours=4))


def _updates(user):
    return list(
        Notification.objects.filter(user=user, kind=kinds.ISSUE_UPDATE).order_by("id").values_list("params__action", flat=True)
    )


def test_the_reporter_is_told_of_each_change_but_not_of_their_own(world, resident, zone_member, secretary):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_comment(actor=zone_member, issue=issue, text="收到", public=True)
    services.issue_comment(actor=zone_member, issue=issue, text="内部备注", public=False)
    services.issue_acknowledge(actor=zone_member, issue=issue, now=T0 + timedelta(hours=1))
    services.issue_resolve(actor=zone_member, issue=issue, note="已处理", now=T0 + timedelta(hours=2))
    services.issue_comment(actor=resident, issue=issue, text="谢谢", public=True)
    services.issue_rate(actor=resident, issue=issue, rating="satisfied", now=T0 + timedelta(hours=3))
    assert _updates(resident) == ["comment", "acknowledge", "resolve"]


def test_rating_closes_the_issue(resolved, resident):
    now = T0 + timedelta(days=1)
    services.issue_rate(actor=resident, issue=resolved, rating="basic", comment=" 还行 ", now=now)
    issue = Issue.objects.get(pk=resolved.pk)
    assert (issue.state, issue.rating, issue.rating_comment, issue.rated_at, issue.closed_at) == (
        State.CLOSED, "basic", "还行", now, now,
    )
    assert issue.escalation_due is None


def test_only_the_reporter_rates_and_only_with_a_known_rating(resolved, resident, neighbour, zone_member):
    for actor in (neighbour, zone_member):
        _refused(PermissionDenied, lambda actor=actor: services.issue_rate(actor=actor, issue=resolved, rating="satisfied"))
    exc = _refused(
        ValidationError,
        lambda: services.issue_rate(actor=resident, issue=resolved, rating="meh", now=T0 + timedelta(days=1)),
    )
    assert "rating" in exc.message_dict


def test_rating_on_the_last_moment_of_the_window_is_accepted(resolved, resident):
    services.issue_rate(actor=resident, issue=resolved, rating="satisfied", now=resolved.resolved_at + timedelta(days=7))
    assert Issue.objects.get(pk=resolved.pk).state == State.CLOSED


def test_rating_or_reopening_after_the_window_is_refused_and_changes_nothing(resolved, resident):
    late = resolved.resolved_at + timedelta(days=7, seconds=1)
    exc = _refused(ValidationError, lambda: services.issue_rate(actor=resident, issue=resolved, rating="satisfied", now=late))
    assert exc.message_dict == {"rating": ["The time to rate this issue has passed."]}
    exc = _refused(ValidationError, lambda: services.issue_reopen(actor=resident, issue=resolved, reason="又吵了", now=late))
    assert exc.message_dict == {"reason": ["The time to reopen this issue has passed; file a new one."]}
    assert "rate" not in permissions.actions_for(resident, resolved, within_rating_window=False)
    assert not services.within_rating_window(resolved, late)


def test_the_window_follows_the_policy(resolved, resident):
    IssuePolicy.objects.update_or_create(pk=1, defaults={"rating_window_days": 2})
    late = resolved.resolved_at + timedelta(days=2, seconds=1)
    _refused(ValidationError, lambda: services.issue_rate(actor=resident, issue=resolved, rating="satisfied", now=late))


def test_reopening_within_the_window_sends_it_back_with_fresh_deadlines(resolved, resident, zone_member):
    now = T0 + timedelta(days=2)
    services.issue_reopen(actor=resident, issue=resolved, reason="晚上又吵", now=now)
    issue = Issue.objects.get(pk=resolved.pk)
    assert (issue.state, issue.reopen_count, issue.resolved_at, issue.acknowledged_at) == (State.REOPENED, 1, None, None)
    assert issue.response_due == now + timedelta(hours=24)
    assert issue.resolution_due == now + timedelta(hours=168)
    assert issue.handler_member.user == zone_member  # back to the same handler
    assert Notification.objects.filter(user=zone_member, kind=kinds.ISSUE_ASSIGNED).count() == 2
    services.issue_acknowledge(actor=zone_member, issue=issue, now=now + timedelta(hours=1))
    assert issue.state == State.IN_PROGRESS


def test_reopening_needs_a_reason_the_reporter_and_a_category_that_allows_it(world, resident, neighbour, company, clerk):
    issue = file_issue(resident, world.home, code="elevator-trapped", now=T0)
    services.issue_acknowledge(actor=clerk, issue=issue, now=T0)
    services.issue_resolve(actor=clerk, issue=issue, note="已救出", now=T0 + timedelta(minutes=30))
    when = T0 + timedelta(hours=1)
    exc = _refused(ValidationError, lambda: services.issue_reopen(actor=resident, issue=issue, reason="还是坏的", now=when))
    assert exc.message_dict == {"reason": ["Issues of this category cannot be reopened; file a new one."]}
    assert "reopen" not in permissions.actions_for(resident, issue)
    assert "rate" in permissions.actions_for(resident, issue)
    other = file_issue(resident, world.home, code="elevator", now=T0)
    services.issue_acknowledge(actor=clerk, issue=other, now=T0)
    services.issue_resolve(actor=clerk, issue=other, note="已修", now=T0 + timedelta(hours=1))
    _refused(PermissionDenied, lambda: services.issue_reopen(actor=neighbour, issue=other, reason="x", now=when))
    exc = _refused(ValidationError, lambda: services.issue_reopen(actor=resident, issue=other, reason="  ", now=when))
    assert exc.message_dict == {"reason": ["Say what is still wrong."]}


def test_the_reporter_cancels_before_acknowledgement_only(world, resident, neighbour, zone_member):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    _refused(PermissionDenied, lambda: services.issue_cancel(actor=neighbour, issue=issue))
    _refused(PermissionDenied, lambda: services.issue_cancel(actor=zone_member, issue=issue))
    services.issue_cancel(actor=resident, issue=issue, reason="已自行解决", now=T0 + timedelta(hours=1))
    assert Issue.objects.get(pk=issue.pk).state == State.CANCELLED
    acked = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_acknowledge(actor=zone_member, issue=acked, now=T0 + timedelta(hours=1))
    assert "cancel" not in permissions.actions_for(resident, acked)
    _refused(IllegalTransition, lambda: services.issue_cancel(actor=resident, issue=acked))


def test_a_neighbour_says_me_too_once(world, resident, neighbour):
    issue = file_issue(resident, world.home, code="noise")
    assert services.issue_support(actor=neighbour, issue=issue) is True
    before = tables()
    assert services.issue_support(actor=neighbour, issue=issue) is False
    assert tables() == before
    assert Issue.objects.get(pk=issue.pk).supporters_count == 1


def test_me_too_is_refused_on_ones_own_private_closed_or_foreign_issues(world, resident, neighbour, b_resident, stranger):
    issue = file_issue(resident, world.home, code="noise")
    _refused(ValidationError, lambda: services.issue_support(actor=resident, issue=issue))
    _refused(PermissionDenied, lambda: services.issue_support(actor=b_resident, issue=issue))
    _refused(PermissionDenied, lambda: services.issue_support(actor=stranger, issue=issue))
    private = file_issue(resident, world.home, code="help")
    _refused(PermissionDenied, lambda: services.issue_support(actor=neighbour, issue=private))
    gone = file_issue(resident, world.home, code="noise")
    services.issue_cancel(actor=resident, issue=gone)
    _refused(ValidationError, lambda: services.issue_support(actor=neighbour, issue=gone))


def test_my_issues_are_mine_only(world, resident, neighbour):
    mine = file_issue(resident, world.home, code="noise")
    file_issue(neighbour, world.next_door, code="noise")
    assert list(selectors.issues_of_reporter(resident)) == [mine]


def test_only_the_reporter_and_the_handlers_may_comment(world, resident, neighbour, b_resident, zone_member):
    issue = file_issue(resident, world.home, code="noise")
    for outsider in (neighbour, b_resident):
        _refused(PermissionDenied, lambda u=outsider: services.issue_comment(actor=u, issue=issue, text="路过"))
    _refused(ValidationError, lambda: services.issue_comment(actor=resident, issue=issue, text="   "))
    _refused(ValidationError, lambda: services.issue_comment(actor=resident, issue=issue, text="长" * 2001))
    services.issue_comment(actor=resident, issue=issue, text="补充：晚上十点以后")
    assert [e.note for e in selectors.timeline(issue, internal=False).filter(action="comment")] == ["补充：晚上十点以后"]
