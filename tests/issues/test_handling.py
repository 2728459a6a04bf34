"""The handler's side through the services: dispatch, acknowledge, resolve, return, extensions,
merge, and the auto-close job. Every refusal is tried and leaves every table as it was."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.accounts.models import Notification
from governance.issues import notifications as kinds
from governance.issues import services
from governance.issues.models import (
    DeadlineExtension,
    ExtensionStatus,
    HandlerKind,
    Issue,
    IssueEvent,
    IssueSupport,
)
from governance.issues.states import IllegalTransition, State
from governance.party import services as party_services
from governance.party.models import PartyMember
from tests import factories
from tests.committees.factories import verified_owner

from .factories import file_issue, photo, pixel_flood_png
from .snapshots import row, tables

T0 = timezone.now().replace(microsecond=0) - timedelta(days=3)


@pytest.fixture
def owner2(world, officer):
    return verified_owner(world.households[("WA1", "2 号楼", "101")], officer, username="owner2", display_name="二号楼业主")


@pytest.fixture
def waiting(world, owner2, secretary, zone_member):
    """A noise complaint in 2 号楼 (no zone): it waits at the branch to be dispatched."""
    issue = file_issue(owner2, world.households[("WA1", "2 号楼", "101")], code="noise", now=T0)
    assert (issue.state, issue.handler_kind) == (State.SUBMITTED, HandlerKind.BRANCH)
    return issue


@pytest.fixture
def routed(world, resident, zone_member):
    """A noise complaint in 1 号楼: routed to the zone member at once."""
    return file_issue(resident, world.home, code="noise", now=T0)


@pytest.fixture
def held(routed, zone_member):
    return services.issue_acknowledge(actor=zone_member, issue=routed, now=T0 + timedelta(hours=2))


def _refused(exc_type, call):
    before = tables()
    with pytest.raises(exc_type) as info:
        call()
    assert tables() == before
    return info.value


def _member(user):
    return PartyMember.objects.get(user=user)


# --- dispatch ---------------------------------------------------------------------------------


def test_the_secretary_dispatches_to_a_member_who_gets_a_full_response_window(waiting, secretary, zone_member, owner2):
    now = T0 + timedelta(hours=20)
    services.issue_dispatch(actor=secretary, issue=waiting, to=HandlerKind.MEMBER, member=_member(zone_member), now=now)
    issue = Issue.objects.get(pk=waiting.pk)
    assert (issue.state, issue.handler_kind, issue.handler_member.user) == (State.DISPATCHED, HandlerKind.MEMBER, zone_member)
    assert issue.dispatched_at == now
    assert issue.response_due == now + timedelta(hours=24)  # a slow dispatch is not the member's delay
    assert issue.resolution_due == T0 + timedelta(hours=168)  # the resolution clock runs from filing
    event = IssueEvent.objects.get(issue=issue, action="dispatch")
    assert (event.actor, event.at, event.data["handler_kind"]) == (secretary, now, "member")
    assert Notification.objects.filter(user=zone_member, kind=kinds.ISSUE_ASSIGNED).count() == 1
    assert Notification.objects.filter(user=owner2, kind=kinds.ISSUE_UPDATE).count() == 1


def test_the_secretary_dispatches_to_the_property_company(waiting, secretary, company, clerk):
    services.issue_dispatch(actor=secretary, issue=waiting, to=HandlerKind.PROPERTY, now=T0)
    assert (waiting.handler_kind, waiting.handler_company) == (HandlerKind.PROPERTY, company)
    assert Notification.objects.filter(user=clerk, kind=kinds.ISSUE_ASSIGNED).count() == 1


def test_the_secretary_dispatches_to_the_owners_committee(waiting, secretary, committee_member):
    services.issue_dispatch(actor=secretary, issue=waiting, to=HandlerKind.COMMITTEE, now=T0)
    assert waiting.handler_kind == HandlerKind.COMMITTEE and waiting.handler_committee is not None
    assert Notification.objects.filter(user=committee_member, kind=kinds.ISSUE_ASSIGNED).count() == 1


def test_the_secretary_dispatches_to_the_community(waiting, secretary, officer):
    services.issue_dispatch(actor=secretary, issue=waiting, to=HandlerKind.COMMUNITY, now=T0)
    assert waiting.handler_kind == HandlerKind.COMMUNITY
    assert Notification.objects.filter(user=officer, kind=kinds.ISSUE_ASSIGNED).count() == 1


def test_a_member_of_another_branch_cannot_be_chosen(world, waiting, secretary, other_officer):
    branch_b = party_services.branch_create(
        actor=other_officer, community=world.b, name="安居小区党支部", kind="compound", founded_on=date(2021, 7, 1),
        compounds=[world.b1],
    )
    outsider = party_services.member_add(actor=other_officer, branch=branch_b, user=factories.UserFactory(), kind="resident")
    exc = _refused(
        ValidationError,
        lambda: services.issue_dispatch(actor=secretary, issue=waiting, to=HandlerKind.MEMBER, member=outsider),
    )
    assert exc.message_dict["member"] == ["Choose an active member of the compound's branch."]


def test_a_member_who_left_cannot_be_chosen(waiting, secretary, branch, officer):
    gone = party_services.member_add(actor=officer, branch=branch, user=factories.UserFactory(), kind="resident")
    party_services.member_leave(actor=officer, member=gone)
    _refused(
        ValidationError,
        lambda: services.issue_dispatch(actor=secretary, issue=waiting, to=HandlerKind.MEMBER, member=gone),
    )


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (HandlerKind.PROPERTY, "The compound has no property company under contract."),
        (HandlerKind.COMMITTEE, "The compound has no owners' committee in office."),
        (HandlerKind.DEPARTMENT, "Choose who handles the issue."),
        ("nobody", "Choose who handles the issue."),
    ],
)
def test_dispatch_to_someone_the_compound_does_not_have_is_refused(waiting, secretary, to, message):
    exc = _refused(ValidationError, lambda: services.issue_dispatch(actor=secretary, issue=waiting, to=to))
    assert exc.message_dict["to"] == [message]


@pytest.mark.parametrize("who", ["owner2", "resident", "zone_member", "stranger", "other_officer", "b_resident"])
def test_only_the_dispatcher_may_dispatch(request, waiting, who):
    actor = request.getfixturevalue(who)
    _refused(PermissionDenied, lambda: services.issue_dispatch(actor=actor, issue=waiting, to=HandlerKind.COMMUNITY))


def test_the_property_clerk_cannot_dispatch(waiting, clerk):
    _refused(PermissionDenied, lambda: services.issue_dispatch(actor=clerk, issue=waiting, to=HandlerKind.PROPERTY))


# --- acknowledge, resolve, return -------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "clerk", "neighbour", "resident", "officer", "stranger"])
def test_only_the_handler_acknowledges(request, routed, who):
    actor = request.getfixturevalue(who)
    _refused(PermissionDenied, lambda: services.issue_acknowledge(actor=actor, issue=routed))


def test_the_handler_acknowledges_and_holds_the_issue(routed, zone_member, resident):
    now = T0 + timedelta(hours=2)
    services.issue_acknowledge(actor=zone_member, issue=routed, now=now)
    issue = Issue.objects.get(pk=routed.pk)
    assert (issue.state, issue.holder, issue.acknowledged_at) == (State.IN_PROGRESS, zone_member, now)
    assert issue.escalation_due == issue.resolution_due
    assert Notification.objects.filter(user=resident, kind=kinds.ISSUE_UPDATE).count() == 1


@pytest.mark.parametrize("who", ["secretary", "officer", "resident", "clerk"])
def test_only_the_holder_resolves(request, held, who):
    actor = request.getfixturevalue(who)
    _refused(PermissionDenied, lambda: services.issue_resolve(actor=actor, issue=held, note="处理完了"))


def test_resolving_needs_a_note_and_good_photos(held, zone_member):
    exc = _refused(ValidationError, lambda: services.issue_resolve(actor=zone_member, issue=held, note="  "))
    assert exc.message_dict == {"note": ["Say what was done."]}
    _refused(
        ValidationError,
        lambda: services.issue_resolve(actor=zone_member, issue=held, note="已处理", photos=[photo(), pixel_flood_png()]),
    )


def test_the_holder_resolves_with_a_note_and_photos(held, zone_member):
    now = T0 + timedelta(days=1)
    services.issue_resolve(actor=zone_member, issue=held, note=" 已上门劝说，恢复安静 ", photos=[photo("after.png", fmt="PNG")], now=now)
    issue = Issue.objects.get(pk=held.pk)
    assert (issue.state, issue.resolved_at, issue.resolution_note) == (State.RESOLVED, now, "已上门劝说，恢复安静")
    assert issue.escalation_due is None
    event = IssueEvent.objects.get(issue=issue, action="resolve")
    assert [p.stage for p in event.photos.all()] == ["resolution"]


def test_a_return_needs_a_reason_and_goes_back_to_the_dispatcher(routed, zone_member, secretary):
    exc = _refused(ValidationError, lambda: services.issue_return(actor=zone_member, issue=routed, reason=""))
    assert exc.message_dict == {"reason": ["Say why you return it."]}
    _refused(PermissionDenied, lambda: services.issue_return(actor=secretary, issue=routed, reason="x"))
    now = T0 + timedelta(hours=3)
    services.issue_return(actor=zone_member, issue=routed, reason="这是物业的事", now=now)
    issue = Issue.objects.get(pk=routed.pk)
    assert (issue.state, issue.holder, issue.acknowledged_at) == (State.RETURNED, None, None)
    assert IssueEvent.objects.get(issue=issue, action="return").note == "这是物业的事"
    assert Notification.objects.filter(user=secretary, kind=kinds.ISSUE_TO_DISPATCH).count() == 1
    # Dispatched again, the new handler gets fresh deadlines.
    later = now + timedelta(hours=1)
    services.issue_dispatch(actor=secretary, issue=issue, to=HandlerKind.COMMUNITY, now=later)
    assert issue.response_due == later + timedelta(hours=24)
    assert issue.resolution_due == later + timedelta(hours=168)


def test_the_holder_may_return_work_in_progress(held, zone_member):
    services.issue_return(actor=zone_member, issue=held, reason="需要城管", now=T0 + timedelta(hours=4))
    assert Issue.objects.get(pk=held.pk).state == State.RETURNED


# --- extensions -------------------------------------------------------------------------------


def test_an_extension_needs_the_holder_a_reason_and_a_later_date(held, zone_member, secretary):
    later = held.resolution_due + timedelta(days=3)
    _refused(PermissionDenied, lambda: services.extension_request(actor=secretary, issue=held, new_due=later, reason="r"))
    exc = _refused(
        ValidationError, lambda: services.extension_request(actor=zone_member, issue=held, new_due=later, reason=" ", now=T0)
    )
    assert "reason" in exc.message_dict
    exc = _refused(
        ValidationError,
        lambda: services.extension_request(actor=zone_member, issue=held, new_due=held.resolution_due, reason="r", now=T0),
    )
    assert exc.message_dict["new_due"] == ["The new deadline must be later than the current one."]
    exc = _refused(
        ValidationError,
        lambda: services.extension_request(
            actor=zone_member, issue=held, new_due=held.resolution_due + timedelta(days=31), reason="r", now=T0
        ),
    )
    assert exc.message_dict["new_due"] == ["At most 30 days more at a time."]


def test_an_approved_extension_moves_the_resolution_deadline(held, zone_member, secretary):
    old_due = held.resolution_due
    new_due = old_due + timedelta(days=5)
    ext = services.extension_request(actor=zone_member, issue=held, new_due=new_due, reason="等配件", now=T0)
    assert ext.status == ExtensionStatus.PENDING
    request_event = IssueEvent.objects.get(issue=held, action="extension_request")
    assert not request_event.public
    assert Notification.objects.filter(user=secretary, kind=kinds.EXTENSION_REQUESTED).count() == 1
    # A second request while one waits is refused.
    exc = _refused(
        ValidationError,
        lambda: services.extension_request(actor=zone_member, issue=held, new_due=new_due + timedelta(days=1), reason="再等"),
    )
    assert exc.messages == ["A request for more time is already waiting for approval."]
    # The holder cannot approve their own request: the dispatcher does.
    _refused(PermissionDenied, lambda: services.extension_decide(actor=zone_member, extension=ext, approve=True))
    version = row(held)["version"]
    services.extension_decide(actor=secretary, extension=ext, approve=True, note="同意", now=T0 + timedelta(hours=5))
    issue = Issue.objects.get(pk=held.pk)
    assert issue.resolution_due == new_due and issue.escalation_due == new_due
    assert issue.version == version + 1
    ext.refresh_from_db()
    assert (ext.status, ext.decided_by) == (ExtensionStatus.APPROVED, secretary)
    assert Notification.objects.filter(user=zone_member, kind=kinds.EXTENSION_DECIDED).count() == 1
    # Decided once only.
    _refused(ValidationError, lambda: services.extension_decide(actor=secretary, extension=ext, approve=False))


def test_a_rejected_extension_leaves_the_deadline_and_allows_a_new_request(held, zone_member, secretary):
    old_due = held.resolution_due
    ext = services.extension_request(actor=zone_member, issue=held, new_due=old_due + timedelta(days=2), reason="r", now=T0)
    before = row(held)
    services.extension_decide(actor=secretary, extension=ext, approve=False, note="请按时完成")
    after = row(held)
    assert (after["resolution_due"], after["version"]) == (old_due, before["version"])
    assert DeadlineExtension.objects.get(pk=ext.pk).status == ExtensionStatus.REJECTED
    assert not IssueEvent.objects.get(issue=held, action="extension_decide").public
    services.extension_request(actor=zone_member, issue=held, new_due=old_due + timedelta(days=1), reason="r2", now=T0)
    assert DeadlineExtension.objects.filter(issue=held).count() == 2


def test_no_extension_before_the_issue_is_acknowledged(routed, zone_member):
    _refused(
        PermissionDenied,
        lambda: services.extension_request(
            actor=zone_member, issue=routed, new_due=routed.resolution_due + timedelta(days=1), reason="r"
        ),
    )


# --- merge ------------------------------------------------------------------------------------


def test_the_dispatcher_merges_a_duplicate(world, waiting, secretary, resident, owner2):
    original = file_issue(resident, world.home, code="noise", now=T0)
    services.issue_merge(actor=secretary, issue=waiting, into=original, note="同一件事", now=T0 + timedelta(hours=1))
    dup = Issue.objects.get(pk=waiting.pk)
    assert (dup.state, dup.duplicate_of, dup.closed_at) == (State.MERGED, original, T0 + timedelta(hours=1))
    assert IssueSupport.objects.filter(issue=original, user=owner2).exists()
    assert Issue.objects.get(pk=original.pk).supporters_count == 1
    assert Notification.objects.filter(user=owner2, kind=kinds.ISSUE_UPDATE).exists()


def test_a_merge_into_itself_another_compound_or_a_withdrawn_issue_is_refused(world, waiting, secretary, resident, b_resident):
    b_issue = file_issue(b_resident, world.b_home)
    cancelled = file_issue(resident, world.home, code="noise")
    services.issue_cancel(actor=resident, issue=cancelled)
    for into in (waiting, b_issue, cancelled):
        _refused(ValidationError, lambda into=into: services.issue_merge(actor=secretary, issue=waiting, into=into))
    original = file_issue(resident, world.home, code="noise")
    _refused(PermissionDenied, lambda: services.issue_merge(actor=resident, issue=waiting, into=original))


# --- the auto-close job -----------------------------------------------------------------------


def test_resolved_issues_not_rated_close_after_the_window_once(held, zone_member, resident):
    resolved_at = T0 + timedelta(hours=5)
    services.issue_resolve(actor=zone_member, issue=held, note="已处理", now=resolved_at)
    assert services.issues_close_unrated(now=resolved_at + timedelta(days=7)) == 0
    after_window = resolved_at + timedelta(days=7, seconds=1)
    assert services.issues_close_unrated(now=after_window) == 1
    issue = Issue.objects.get(pk=held.pk)
    assert (issue.state, issue.closed_at, issue.rating) == (State.CLOSED, after_window, "")
    event = IssueEvent.objects.get(issue=issue, action="auto_close")
    assert event.actor is None and event.at == after_window
    before = tables()
    assert services.issues_close_unrated(now=after_window) == 0
    assert services.issues_close_unrated(now=after_window + timedelta(days=30)) == 0
    assert tables() == before
    with pytest.raises(IllegalTransition):
        services.issue_rate(actor=resident, issue=issue, rating="satisfied")


def test_the_auto_close_window_follows_the_policy(held, zone_member):
    from governance.issues.models import IssuePolicy

    IssuePolicy.objects.update_or_create(pk=1, defaults={"rating_window_days": 3})
    resolved_at = T0 + timedelta(hours=5)
    services.issue_resolve(actor=zone_member, issue=held, note="已处理", now=resolved_at)
    assert services.issues_close_unrated(now=resolved_at + timedelta(days=3, seconds=1)) == 1


def test_merging_a_residents_own_duplicate_does_not_count_them_as_their_own_supporter(world, resident, secretary):
    original = file_issue(resident, world.home, code="noise", now=T0)
    dup = file_issue(resident, world.home, code="noise", now=T0 + timedelta(hours=1))
    services.issue_merge(actor=secretary, issue=dup, into=original, now=T0 + timedelta(hours=2))
    assert not IssueSupport.objects.filter(issue=original, user=resident).exists()
    assert Issue.objects.get(pk=original.pk).supporters_count == 0
