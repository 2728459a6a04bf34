"""Routing at filing: the category names the first handler; "branch" goes to the member whose zone
covers the place, else the branch, else (no branch) the community; property and committee
categories go to the contracted company or the committee in office, else fall back."""

from datetime import date

import pytest
from django.utils import timezone

from governance.accounts.models import Notification
from governance.issues import notifications as kinds
from governance.issues import services
from governance.issues.models import Channel, HandlerKind, IssueEvent, Level
from governance.issues.states import State
from governance.party.models import PartyMember, ResponsibilityZone

from .factories import category, file_issue


def _second_building_household(world):
    return world.households[("WA1", "2 号楼", "101")]


def _notified(user, kind):
    return Notification.objects.filter(user=user, kind=kind).count()


def test_a_branch_category_goes_to_the_member_of_the_zone_covering_the_building(world, resident, zone_member, secretary):
    issue = file_issue(resident, world.home, code="noise")
    assert (issue.state, issue.handler_kind) == (State.DISPATCHED, HandlerKind.MEMBER)
    assert issue.handler_member == PartyMember.objects.get(user=zone_member)
    assert issue.zone == ResponsibilityZone.objects.get(member__user=zone_member)
    assert issue.dispatched_at == issue.created_at and issue.level == Level.BRANCH
    route = IssueEvent.objects.get(issue=issue, action="route")
    assert (route.from_state, route.to_state, route.actor) == (State.SUBMITTED, State.DISPATCHED, None)
    assert _notified(zone_member, kinds.ISSUE_ASSIGNED) == 1
    assert _notified(secretary, kinds.ISSUE_TO_DISPATCH) == 0


def test_a_household_in_the_zone_routes_to_its_member(world, resident, zone_member):
    issue = services.issue_file(
        actor=resident, compound=world.a1, category=category("other"), description="门口漏水", household=world.home
    )
    assert issue.handler_member.user == zone_member and issue.household == world.home


def test_a_branch_category_outside_every_zone_goes_to_the_branch_to_dispatch(world, zone_member, secretary, officer):
    owner = _owner_in_second_building(world, officer)
    issue = file_issue(owner, _second_building_household(world), code="noise")
    assert (issue.state, issue.handler_kind, issue.handler_member) == (State.SUBMITTED, HandlerKind.BRANCH, None)
    assert issue.zone is None and issue.dispatched_at is None
    assert issue.branch.name == "江工塑院小区党支部"
    assert not IssueEvent.objects.filter(issue=issue, action="route").exists()
    assert _notified(secretary, kinds.ISSUE_TO_DISPATCH) == 1
    assert _notified(zone_member, kinds.ISSUE_ASSIGNED) == 0


def test_a_common_area_goes_to_the_branch(world, resident, zone_member, secretary):
    issue = services.issue_file(
        actor=resident, compound=world.a1, category=category("charging"), description="充电桩坏了", common_area="北门车棚"
    )
    assert (issue.state, issue.handler_kind) == (State.SUBMITTED, HandlerKind.BRANCH)


def test_without_a_branch_the_community_handles_it(world, resident, officer):
    issue = file_issue(resident, world.home, code="noise")
    assert issue.branch is None
    assert (issue.state, issue.handler_kind) == (State.DISPATCHED, HandlerKind.COMMUNITY)
    assert _notified(officer, kinds.ISSUE_ASSIGNED) == 1


def test_a_property_category_goes_to_the_contracted_company(world, resident, zone_member, company, clerk):
    issue = file_issue(resident, world.home, code="elevator")
    assert (issue.state, issue.handler_kind, issue.handler_company) == (State.DISPATCHED, HandlerKind.PROPERTY, company)
    assert issue.handler_member is None
    assert _notified(clerk, kinds.ISSUE_ASSIGNED) == 1
    assert _notified(zone_member, kinds.ISSUE_ASSIGNED) == 0


def test_a_property_category_without_a_contract_falls_back_to_the_branch(world, officer, zone_member, secretary):
    owner = _owner_in_second_building(world, officer)
    issue = file_issue(owner, _second_building_household(world), code="elevator")
    assert (issue.state, issue.handler_kind, issue.handler_company) == (State.SUBMITTED, HandlerKind.BRANCH, None)


def test_a_property_category_without_a_contract_in_a_zone_goes_to_its_member(world, resident, zone_member):
    issue = file_issue(resident, world.home, code="elevator")
    assert (issue.handler_kind, issue.handler_member.user) == (HandlerKind.MEMBER, zone_member)


def test_a_committee_category_goes_to_the_owners_committee_in_office(world, resident, committee_member, company):
    issue = file_issue(resident, world.home, code="property-service")
    assert (issue.state, issue.handler_kind) == (State.DISPATCHED, HandlerKind.COMMITTEE)
    assert issue.handler_committee.compound == world.a1
    assert _notified(committee_member, kinds.ISSUE_ASSIGNED) == 1


def test_a_committee_category_without_a_committee_falls_back_to_the_branch(world, officer, secretary, company):
    owner = _owner_in_second_building(world, officer)
    issue = file_issue(owner, _second_building_household(world), code="property-service")
    assert (issue.state, issue.handler_kind) == (State.SUBMITTED, HandlerKind.BRANCH)


def test_the_deadlines_come_from_the_category(world, resident, company):
    now = timezone.now()
    issue = file_issue(resident, world.home, code="elevator-trapped", now=now)
    assert issue.created_at == now
    assert (issue.response_due - now).total_seconds() == 3600
    assert (issue.resolution_due - now).total_seconds() == 2 * 3600
    assert issue.escalation_due == issue.response_due
    assert (issue.community, issue.subdistrict) == (world.a, world.s1)


@pytest.mark.parametrize(
    ("who", "channel"), [("secretary", Channel.PHONE), ("zone_member", Channel.VISIT), ("officer", Channel.PHONE)]
)
def test_staff_file_on_behalf_and_the_channel_is_recorded(world, request, who, channel, secretary, zone_member):
    actor = request.getfixturevalue(who)
    issue = services.issue_file(
        actor=actor, compound=world.a1, category=category("noise"), description="楼上装修太吵（电话反映）",
        building=world.home.building, channel=channel, reporter_name="王大爷", reporter_phone="13811112222",
    )
    assert (issue.filed_by, issue.channel, issue.reporter) == (actor, channel, None)
    assert (issue.reporter_name, issue.reporter_phone) == ("王大爷", "13811112222")
    event = IssueEvent.objects.get(issue=issue, action="file")
    assert event.actor == actor and event.data == {"channel": channel, "on_behalf": True}
    assert issue.handler_member.user == zone_member


def test_staff_may_file_on_behalf_of_a_registered_resident(world, secretary, resident):
    issue = services.issue_file(
        actor=secretary, compound=world.a1, category=category("other"), description="张阿姨来支部反映",
        building=world.home.building, channel=Channel.VISIT, reporter=resident,
    )
    assert (issue.reporter, issue.filed_by, issue.channel) == (resident, secretary, Channel.VISIT)


def test_a_resident_filing_online_is_the_reporter_whatever_they_claim(world, resident, neighbour):
    issue = services.issue_file(
        actor=resident, compound=world.a1, category=category("other"), description="路灯不亮",
        building=world.home.building, reporter=neighbour,
    )
    assert (issue.reporter, issue.filed_by, issue.channel) == (resident, None, Channel.WEB)


def _owner_in_second_building(world, officer):
    from tests.committees.factories import verified_owner

    return verified_owner(_second_building_household(world), officer, username="owner2", display_name="二号楼业主")


def _member_zone(officer, branch, world, username, households):
    from governance.party import services as party_services
    from tests import factories

    user = factories.UserFactory(username=username)
    member = party_services.member_add(actor=officer, branch=branch, user=user, kind="resident")
    party_services.zone_save(
        actor=officer, branch=branch, compound=world.a1, member=member, name=f"{username} 的责任区", households=households
    )
    return user


def test_a_building_split_between_zones_goes_to_the_zone_with_most_of_its_households(world, resident, branch, officer):
    from tests import factories

    building = world.home.building
    third = factories.HouseholdFactory(building=building, room="103")
    older = _member_zone(officer, branch, world, "older", [world.home])
    larger = _member_zone(officer, branch, world, "larger", [world.next_door, third])
    issue = file_issue(resident, world.home, code="noise")
    assert issue.handler_member.user == larger != older
    assert issue.zone.member.user == larger
    assert _notified(larger, kinds.ISSUE_ASSIGNED) == 1 and _notified(older, kinds.ISSUE_ASSIGNED) == 0


def test_a_building_split_evenly_goes_to_the_older_zone(world, resident, branch, officer):
    older = _member_zone(officer, branch, world, "older", [world.next_door])
    _member_zone(officer, branch, world, "newer", [world.home])
    issue = file_issue(resident, world.home, code="noise")
    assert issue.handler_member.user == older


def test_every_dispatcher_of_the_branch_is_told_on_the_channels_they_keep(
    world, branch, officer, secretary, tasks_in_process, django_capture_on_commit_callbacks, mailoutbox
):
    from governance.accounts.services import notification_preference_set
    from governance.party import services as party_services
    from tests import factories

    deputy, quiet = (factories.UserFactory(username=u) for u in ("deputy", "quiet"))
    for user, role in ((deputy, "deputy_secretary"), (quiet, "committee_member")):
        member = party_services.member_add(actor=officer, branch=branch, user=user, kind="resident")
        party_services.branch_seat_add(actor=officer, branch=branch, member=member, role=role, term_start=date(2024, 1, 1))
    notification_preference_set(user=quiet, kind=kinds.ISSUE_TO_DISPATCH, channel="in_app", enabled=False)
    notification_preference_set(user=deputy, kind=kinds.ISSUE_TO_DISPATCH, channel="email", enabled=False)
    owner = _owner_in_second_building(world, officer)
    with django_capture_on_commit_callbacks(execute=True):
        file_issue(owner, _second_building_household(world), code="noise")
    assert [_notified(u, kinds.ISSUE_TO_DISPATCH) for u in (secretary, deputy, quiet)] == [1, 1, 0]
    mailed = sorted(address for message in mailoutbox for address in message.to)
    assert mailed == sorted([secretary.email, quiet.email])  # the deputy turned e-mail off


def test_the_kept_zone_of_a_building_follows_the_zones_as_they_change(world, resident, branch, officer, zone_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.party import services as party_services
    from tests import factories

    third = factories.HouseholdFactory(building=world.home.building, room="103")
    assert file_issue(resident, world.home, code="noise").handler_member.user == zone_member
    with CaptureQueriesContext(connection) as counted:
        assert file_issue(resident, world.home, code="noise").handler_member.user == zone_member
    assert not any("COUNT(" in q["sql"] for q in counted.captured_queries)  # kept: no count the second time
    # The building's households move to a new zone with more of them: the next filing sees it.
    zone = ResponsibilityZone.objects.get(member__user=zone_member)
    party_services.zone_save(
        actor=officer, branch=branch, compound=world.a1, member=zone.member, name=zone.name, zone=zone, households=[world.home]
    )
    newcomer = _member_zone(officer, branch, world, "newcomer", [world.next_door, third])
    assert file_issue(resident, world.home, code="noise").handler_member.user == newcomer
    # The newcomer's zone ends: back to the first zone, then (that one ended too) to the branch.
    party_services.zone_end(actor=officer, zone=ResponsibilityZone.objects.get(member__user=newcomer))
    assert file_issue(resident, world.home, code="noise").handler_member.user == zone_member
    party_services.zone_end(actor=officer, zone=zone)
    issue = file_issue(resident, world.home, code="noise")
    assert (issue.handler_kind, issue.zone) == (HandlerKind.BRANCH, None)
