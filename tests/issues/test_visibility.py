"""Who sees what (selectors.issues_visible, work_queue, issues_public; permissions.access_issue):
residents their own issues and the public list, handlers what is routed or dispatched to them,
departments only their summonses; outsiders get 404."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from governance.issues import permissions, selectors, services
from governance.issues.models import HandlerKind, Issue
from governance.party import services as party_services
from tests import factories
from tests.committees.factories import verified_owner

from .factories import file_issue
from .snapshots import tables

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def scene(world, officer, resident, neighbour, branch, secretary, zone_member, company, clerk, committee_member,
          b_resident, subdistrict_admin, department):
    member2_user = factories.UserFactory(username="member2", display_name="二号楼党员")
    member2 = party_services.member_add(actor=officer, branch=branch, user=member2_user, kind="resident")
    second = world.households[("WA1", "2 号楼", "102")]
    party_services.zone_save(
        actor=officer, branch=branch, compound=world.a1, member=member2, name="2 号楼责任区", buildings=[second.building]
    )
    owner2 = verified_owner(second, officer, username="owner2")
    s = type("Scene", (), {})()
    s.member2 = member2_user
    s.owner2 = owner2
    s.mine = file_issue(resident, world.home, code="noise")  # → zone_member
    s.theirs = file_issue(neighbour, world.next_door, code="noise")  # → zone_member
    s.second = file_issue(owner2, second, code="noise")  # → member2
    s.prop = file_issue(resident, world.home, code="sanitation")  # → company
    s.committee = file_issue(resident, world.home, code="property-service")  # → committee
    s.waiting = services.issue_file(  # → the branch, to dispatch
        actor=resident, compound=world.a1, category=s.mine.category, description="北门", common_area="北门"
    )
    s.summoned = file_issue(neighbour, world.next_door, code="illegal-construction")
    services.issue_summon(actor=subdistrict_admin, issue=s.summoned, department=department, reason="违建")
    s.b_issue = file_issue(b_resident, world.b_home, code="noise")
    s.a1 = {s.mine, s.theirs, s.second, s.prop, s.committee, s.waiting, s.summoned}
    assert s.second.handler_member.user == member2_user
    return s


def _visible(user):
    return set(selectors.issues_visible(user))


def test_residents_see_only_their_own_issues(scene, resident, neighbour, world):
    assert _visible(resident) == {scene.mine, scene.prop, scene.committee, scene.waiting}
    assert _visible(neighbour) == {scene.theirs, scene.summoned}
    before = tables()
    with pytest.raises(Http404):
        permissions.access_issue(neighbour, scene.mine.pk)
    assert permissions.access_issue(resident, scene.mine.pk) == scene.mine
    assert tables() == before


@pytest.mark.parametrize("who", ["b_resident", "other_officer", "stranger"])
def test_outsiders_see_nothing_of_a1(request, scene, who):
    user = request.getfixturevalue(who)
    assert not (_visible(user) & scene.a1)
    assert not (set(selectors.work_queue(user)) & scene.a1)
    for issue in scene.a1:
        with pytest.raises(Http404):
            permissions.access_issue(user, issue.pk)
        assert permissions.actions_for(user, issue) == set()


def test_the_b_officer_sees_b1(scene, other_officer):
    assert _visible(other_officer) == {scene.b_issue}


def test_the_clerk_sees_property_issues_at_a1_only(scene, clerk):
    assert _visible(clerk) == {scene.prop}
    assert set(selectors.work_queue(clerk)) == {scene.prop}
    with pytest.raises(Http404):
        permissions.access_issue(clerk, scene.mine.pk)


def test_a_member_sees_what_is_routed_to_them_not_another_members(scene, zone_member):
    assert _visible(zone_member) == {scene.mine, scene.theirs}
    assert set(selectors.work_queue(zone_member)) == {scene.mine, scene.theirs}
    with pytest.raises(Http404):
        permissions.access_issue(zone_member, scene.second.pk)
    assert _visible(scene.member2) == {scene.second}


def test_a_member_keeps_seeing_what_they_hold_after_it_is_escalated(scene, zone_member):
    services.issue_acknowledge(actor=zone_member, issue=scene.mine, now=NOW)
    services.issues_escalate_overdue(now=scene.mine.resolution_due + timedelta(minutes=1))
    scene.mine.refresh_from_db()
    assert scene.mine.state == "escalated" and scene.mine.holder == zone_member
    assert scene.mine in _visible(zone_member)
    assert "resolve" in permissions.actions_for(zone_member, scene.mine)


def test_the_committee_sees_its_issues_and_its_members_own(scene, committee_member):
    assert _visible(committee_member) == {scene.committee}


def test_the_branch_sees_its_compound_and_queues_what_waits_for_dispatch(scene, secretary):
    assert _visible(secretary) == scene.a1
    assert set(selectors.work_queue(secretary)) == {scene.waiting}


def test_the_community_officer_and_subdistrict_admin_see_a1_not_b1(scene, officer, subdistrict_admin, district_admin):
    assert _visible(officer) == scene.a1
    assert _visible(subdistrict_admin) == scene.a1
    with pytest.raises(Http404):
        permissions.access_issue(subdistrict_admin, scene.b_issue.pk)
    assert _visible(district_admin) == scene.a1 | {scene.b_issue}


def test_a_department_sees_only_the_issues_summoned_to_it(scene, responder, other_responder):
    assert _visible(responder) == {scene.summoned}
    assert set(selectors.work_queue(responder)) == {scene.summoned}
    assert _visible(other_responder) == set()
    assert list(selectors.work_queue(other_responder)) == []
    with pytest.raises(Http404):
        permissions.access_issue(other_responder, scene.summoned.pk)
    with pytest.raises(Http404):
        permissions.access_issue(responder, scene.mine.pk)


def test_the_handlers_internal_comments_are_not_for_the_reporter(scene, zone_member, resident):
    services.issue_comment(actor=zone_member, issue=scene.mine, text="内部", public=False)
    assert permissions.sees_internal(zone_member, scene.mine)
    assert not permissions.sees_internal(resident, scene.mine)


def test_the_public_list_shows_open_and_recently_closed_issues_only(world, resident, neighbour, zone_member, secretary):
    t_old = NOW - timedelta(days=60)
    open_issue = file_issue(resident, world.home, code="noise", now=NOW - timedelta(days=1))
    private = file_issue(resident, world.home, code="help")
    cancelled = file_issue(resident, world.home, code="noise")
    services.issue_cancel(actor=resident, issue=cancelled)
    merged = file_issue(neighbour, world.next_door, code="noise")
    services.issue_merge(actor=secretary, issue=merged, into=open_issue)
    resolved = file_issue(neighbour, world.next_door, code="other", now=NOW - timedelta(days=2))
    services.issue_acknowledge(actor=zone_member, issue=resolved, now=NOW - timedelta(days=2))
    services.issue_resolve(actor=zone_member, issue=resolved, note="ok", now=NOW - timedelta(days=1))

    def closed(at):
        issue = file_issue(resident, world.home, code="other", now=at)
        services.issue_acknowledge(actor=zone_member, issue=issue, now=at)
        services.issue_resolve(actor=zone_member, issue=issue, note="ok", now=at)
        services.issue_rate(actor=resident, issue=issue, rating="satisfied", now=at)
        return issue

    recent = closed(NOW - timedelta(days=29))
    old = closed(t_old)
    public = list(selectors.issues_public(world.a1, now=NOW))
    assert set(public) == {open_issue, resolved, recent}
    assert private not in public and cancelled not in public and merged not in public and old not in public
    assert list(selectors.issues_public(world.b1, now=NOW)) == []


def test_the_queue_filters_and_sorts_by_deadline(world, resident, zone_member):
    late = file_issue(resident, world.home, code="noise", now=NOW - timedelta(days=3))
    soon = file_issue(resident, world.home, code="water-power", now=NOW)  # 24 h to resolve
    later = file_issue(resident, world.home, code="noise", now=NOW)
    # Soonest current deadline first: respond by −2 d (overdue), +4 h, +24 h.
    assert list(selectors.work_queue(zone_member)) == [late, soon, later]
    assert set(selectors.filter_queue(selectors.work_queue(zone_member), overdue=True, now=NOW)) == {late}
    assert set(selectors.filter_queue(selectors.work_queue(zone_member), category="water-power")) == {soon}
    assert set(selectors.filter_queue(selectors.work_queue(zone_member), compound=world.b1.pk)) == set()
    # Once acknowledged, the resolution deadline counts: +4 d puts it after the others' response.
    services.issue_acknowledge(actor=zone_member, issue=late, now=NOW)
    assert list(selectors.work_queue(zone_member)) == [soon, later, late]
    assert Issue.objects.filter(handler_kind=HandlerKind.MEMBER).count() == 3


def test_a_member_stops_seeing_an_issue_dispatched_away_from_them(scene, secretary, zone_member, clerk):
    services.issue_dispatch(actor=secretary, issue=scene.mine, to=HandlerKind.PROPERTY)
    assert scene.mine not in _visible(zone_member)
    assert scene.mine not in set(selectors.work_queue(zone_member))
    assert scene.mine in _visible(clerk) and scene.mine in set(selectors.work_queue(clerk))
    with pytest.raises(Http404):
        permissions.access_issue(zone_member, scene.mine.pk)
