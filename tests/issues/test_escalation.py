"""Escalation with frozen time (every service takes now=…): an overdue issue climbs one level at a
time, branch → community → subdistrict, and never beyond; the job is idempotent. The subdistrict
summons a department, which is measured on its own deadlines."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.accounts.models import Notification
from governance.issues import notifications as kinds
from governance.issues import permissions, services
from governance.issues.models import HandlerKind, Issue, IssueEvent, IssuePolicy, Level, Summons
from governance.issues.states import State
from tests import factories
from tests.committees.factories import verified_owner

from .factories import file_issue
from .snapshots import tables

T0 = timezone.now().replace(microsecond=0) - timedelta(days=30)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def waiting(world, officer, secretary, subdistrict_admin):
    """A noise complaint in 2 号楼 (no zone) waiting at the branch: respond within 24 h."""
    owner2 = verified_owner(world.households[("WA1", "2 号楼", "101")], officer, username="owner2")
    issue = file_issue(owner2, world.households[("WA1", "2 号楼", "101")], code="noise", now=T0)
    assert (issue.state, issue.level, issue.escalation_due) == (State.SUBMITTED, Level.BRANCH, T0 + timedelta(hours=24))
    return issue


def _escalated(user):
    return Notification.objects.filter(user=user, kind=kinds.ISSUE_ESCALATED).count()


def _run(now):
    before = tables()
    result = services.issues_escalate_overdue(now=now)
    return result, before


def test_an_overdue_issue_climbs_one_level_at_a_time_and_never_beyond(
    waiting, secretary, officer, subdistrict_admin, district_admin
):
    due = T0 + timedelta(hours=24)
    result, before = _run(due - MINUTE)
    assert result == {"escalated": 0, "skipped": 0} and tables() == before

    first = due + MINUTE
    assert services.issues_escalate_overdue(now=first) == {"escalated": 1, "skipped": 0}
    issue = Issue.objects.get(pk=waiting.pk)
    assert (issue.state, issue.level, issue.escalated_at, issue.escalation_count) == (State.ESCALATED, 1, first, 1)
    assert issue.escalation_due == first + timedelta(hours=48)
    event = IssueEvent.objects.get(issue=issue, action="escalate")
    assert (event.actor, event.at, event.from_state) == (None, first, State.SUBMITTED)
    assert event.data == {"level": 1, "overdue": "response", "from_state": "submitted"}
    assert (_escalated(officer), _escalated(subdistrict_admin), _escalated(secretary)) == (1, 0, 0)

    # A second run at the same time escalates nothing and changes nothing.
    result, before = _run(first)
    assert result == {"escalated": 0, "skipped": 0} and tables() == before

    # The community dispatches now; the branch no longer may.
    assert not permissions.can_dispatch(secretary, issue)
    assert permissions.can_dispatch(officer, issue)
    with pytest.raises(PermissionDenied):
        services.issue_dispatch(actor=secretary, issue=issue, to=HandlerKind.COMMUNITY, now=first)

    # Nobody acts for escalation_hours: the subdistrict.
    result, before = _run(first + timedelta(hours=48) - MINUTE)
    assert result["escalated"] == 0 and tables() == before
    second = first + timedelta(hours=48) + MINUTE
    assert services.issues_escalate_overdue(now=second)["escalated"] == 1
    issue.refresh_from_db()
    assert (issue.state, issue.level, issue.escalation_count, issue.escalation_due) == (State.ESCALATED, 2, 2, None)
    assert _escalated(subdistrict_admin) == 1 and _escalated(officer) == 1

    # And never beyond.
    result, before = _run(second + timedelta(days=365))
    assert result["escalated"] == 0 and tables() == before
    assert [e.data["level"] for e in IssueEvent.objects.filter(issue=issue, action="escalate")] == [1, 2]


def test_escalation_hours_follow_the_policy(waiting):
    IssuePolicy.objects.update_or_create(pk=1, defaults={"escalation_hours": 6})
    first = T0 + timedelta(hours=24, minutes=1)
    services.issues_escalate_overdue(now=first)
    assert services.issues_escalate_overdue(now=first + timedelta(hours=6, minutes=1))["escalated"] == 1
    assert Issue.objects.get(pk=waiting.pk).level == Level.SUBDISTRICT


def test_a_dispatched_issue_not_acknowledged_in_time_escalates(world, resident, zone_member, officer):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    services.issues_escalate_overdue(now=T0 + timedelta(hours=24, minutes=1))
    issue.refresh_from_db()
    assert (issue.state, issue.level) == (State.ESCALATED, 1)
    assert _escalated(officer) == 1


def test_work_in_progress_past_its_resolution_deadline_escalates_and_the_holder_may_still_finish(
    world, resident, zone_member, officer
):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_acknowledge(actor=zone_member, issue=issue, now=T0 + timedelta(hours=1))
    assert services.issues_escalate_overdue(now=T0 + timedelta(days=6))["escalated"] == 0
    late = T0 + timedelta(days=7, minutes=1)
    assert services.issues_escalate_overdue(now=late)["escalated"] == 1
    issue.refresh_from_db()
    assert (issue.state, issue.level, issue.holder) == (State.ESCALATED, 1, zone_member)
    assert IssueEvent.objects.get(issue=issue, action="escalate").data["overdue"] == "resolution"
    services.issue_resolve(actor=zone_member, issue=issue, note="终于处理好", now=late + timedelta(hours=1))
    assert issue.state == State.RESOLVED and issue.escalation_due is None


def test_a_returned_issue_left_waiting_escalates_after_escalation_hours(world, resident, zone_member, secretary, officer):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    returned_at = T0 + timedelta(hours=1)
    services.issue_return(actor=zone_member, issue=issue, reason="不归我", now=returned_at)
    assert services.issues_escalate_overdue(now=returned_at + timedelta(hours=47))["escalated"] == 0
    assert services.issues_escalate_overdue(now=returned_at + timedelta(hours=48, minutes=1))["escalated"] == 1


def test_done_and_withdrawn_issues_never_escalate(world, resident, zone_member):
    done = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_acknowledge(actor=zone_member, issue=done, now=T0)
    services.issue_resolve(actor=zone_member, issue=done, note="ok", now=T0)
    gone = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_cancel(actor=resident, issue=gone, now=T0)
    result, before = _run(T0 + timedelta(days=100))
    assert result["escalated"] == 0 and tables() == before


# --- the whistle: summoning a department --------------------------------------------------------


@pytest.fixture
def at_subdistrict(waiting):
    services.issues_escalate_overdue(now=T0 + timedelta(hours=24, minutes=1))
    services.issues_escalate_overdue(now=T0 + timedelta(hours=72, minutes=2))
    waiting.refresh_from_db()
    assert waiting.level == Level.SUBDISTRICT
    return waiting


def test_the_subdistrict_summons_a_department_on_its_own_deadlines(at_subdistrict, subdistrict_admin, department, responder):
    now = T0 + timedelta(days=4)
    summons = services.issue_summon(actor=subdistrict_admin, issue=at_subdistrict, department=department, reason="拆除违建", now=now)
    assert (summons.department, summons.summoned_by, summons.summoned_at) == (department, subdistrict_admin, now)
    assert summons.response_due == now + timedelta(hours=24)
    assert summons.resolution_due == now + timedelta(hours=120)
    issue = Issue.objects.get(pk=at_subdistrict.pk)
    assert (issue.state, issue.handler_kind, issue.handler_department, issue.level) == (
        State.DISPATCHED, HandlerKind.DEPARTMENT, department, Level.SUBDISTRICT,
    )
    assert (issue.response_due, issue.resolution_due) == (summons.response_due, summons.resolution_due)
    assert Notification.objects.filter(user=responder, kind=kinds.ISSUE_SUMMONED).count() == 1

    services.issue_acknowledge(actor=responder, issue=issue, now=now + timedelta(hours=3))
    summons.refresh_from_db()
    assert summons.responded_at == now + timedelta(hours=3) and summons.resolved_at is None
    services.issue_resolve(actor=responder, issue=issue, note="已拆除", now=now + timedelta(days=2))
    summons.refresh_from_db()
    assert summons.resolved_at == now + timedelta(days=2)
    assert issue.state == State.RESOLVED


def test_a_department_late_to_respond_is_escalated_but_stays_at_the_subdistrict(at_subdistrict, subdistrict_admin, department):
    now = T0 + timedelta(days=4)
    services.issue_summon(actor=subdistrict_admin, issue=at_subdistrict, department=department, reason="r", now=now)
    assert services.issues_escalate_overdue(now=now + timedelta(hours=24, minutes=1))["escalated"] == 1
    issue = Issue.objects.get(pk=at_subdistrict.pk)
    assert (issue.state, issue.level) == (State.ESCALATED, Level.SUBDISTRICT)
    assert services.issues_escalate_overdue(now=now + timedelta(days=60))["escalated"] == 0


def test_a_new_summons_ends_the_previous_one(at_subdistrict, subdistrict_admin, department, other_department):
    now = T0 + timedelta(days=4)
    first = services.issue_summon(actor=subdistrict_admin, issue=at_subdistrict, department=department, reason="r", now=now)
    services.issue_summon(
        actor=subdistrict_admin, issue=at_subdistrict, department=other_department, reason="换部门", now=now + timedelta(hours=1)
    )
    first.refresh_from_db()
    assert first.ended_at == now + timedelta(hours=1)
    assert Summons.objects.filter(issue=at_subdistrict, ended_at__isnull=True).get().department == other_department


def test_only_the_subdistrict_summons_and_only_its_own_departments(world, at_subdistrict, officer, secretary, subdistrict_admin, department):
    for actor in (officer, secretary):
        before = tables()
        with pytest.raises(PermissionDenied):
            services.issue_summon(actor=actor, issue=at_subdistrict, department=department, reason="r")
        assert tables() == before
    far = factories.DepartmentFactory(name="远方部门", subdistrict=world.s2, district=None)
    before = tables()
    with pytest.raises(ValidationError) as info:
        services.issue_summon(actor=subdistrict_admin, issue=at_subdistrict, department=far, reason="r")
    assert "department" in info.value.message_dict and tables() == before
    with pytest.raises(ValidationError) as info:
        services.issue_summon(actor=subdistrict_admin, issue=at_subdistrict, department=department, reason=" ")
    assert "reason" in info.value.message_dict and tables() == before


def test_a_department_returning_an_issue_ends_its_summons(at_subdistrict, subdistrict_admin, department, responder):
    now = T0 + timedelta(days=4)
    summons = services.issue_summon(actor=subdistrict_admin, issue=at_subdistrict, department=department, reason="r", now=now)
    services.issue_return(actor=responder, issue=at_subdistrict, reason="不是我们的职责", now=now + timedelta(hours=2))
    summons.refresh_from_db()
    assert summons.ended_at == now + timedelta(hours=2)
    assert Notification.objects.filter(user=subdistrict_admin, kind=kinds.ISSUE_TO_DISPATCH).count() == 1


def test_a_reopened_issue_that_escalates_must_be_acknowledged_again_before_it_is_resolved(world, resident, zone_member):
    issue = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_acknowledge(actor=zone_member, issue=issue, now=T0 + timedelta(hours=1))
    services.issue_resolve(actor=zone_member, issue=issue, note="ok", now=T0 + timedelta(hours=2))
    services.issue_reopen(actor=resident, issue=issue, reason="又吵了", now=T0 + timedelta(days=1))
    services.issues_escalate_overdue(now=T0 + timedelta(days=2, minutes=1))
    issue.refresh_from_db()
    assert (issue.state, issue.acknowledged_at) == (State.ESCALATED, None)
    assert issue.holder is None
    assert "resolve" not in permissions.actions_for(zone_member, issue)
    with pytest.raises(PermissionDenied):
        services.issue_resolve(actor=zone_member, issue=issue, note="没再确认就办结", now=T0 + timedelta(days=2, hours=1))
