"""The loop end to end through the services: file → route → acknowledge → resolve → rate."""

import pytest
from django.core.exceptions import PermissionDenied

from governance.issues import services
from governance.issues.models import HandlerKind, IssueEvent
from governance.issues.states import IllegalTransition, State

from .factories import file_issue, photo


def test_a_snapshot_goes_round_the_loop(world, resident, zone_member, secretary):
    issue = file_issue(resident, world.home, photos=[photo()])
    assert issue.state == State.DISPATCHED
    assert issue.handler_kind == HandlerKind.MEMBER
    assert issue.handler_member.user == zone_member
    assert issue.photos.count() == 1
    services.issue_acknowledge(actor=zone_member, issue=issue)
    assert issue.state == State.IN_PROGRESS and issue.holder == zone_member
    services.issue_resolve(actor=zone_member, issue=issue, note="已清理", photos=[photo("after.png", fmt="PNG")])
    assert issue.state == State.RESOLVED
    services.issue_rate(actor=resident, issue=issue, rating="satisfied", comment="谢谢")
    issue.refresh_from_db()
    assert issue.state == State.CLOSED and issue.rating == "satisfied"
    assert list(IssueEvent.objects.filter(issue=issue).values_list("action", flat=True)) == [
        "file", "route", "acknowledge", "resolve", "rate",
    ]


def test_a_second_claim_is_refused(world, resident, zone_member):
    issue = file_issue(resident, world.home)
    services.issue_acknowledge(actor=zone_member, issue=issue)
    with pytest.raises(IllegalTransition):
        services.issue_acknowledge(actor=zone_member, issue=issue)


def test_a_neighbour_cannot_acknowledge(world, resident, neighbour, zone_member):
    issue = file_issue(resident, world.home)
    with pytest.raises(PermissionDenied):
        services.issue_acknowledge(actor=neighbour, issue=issue)
