"""Who sees which meeting: invitees, the branch and the compound's officers in full; a department
only the meetings it is invited to; residents of the compound the summary of closed joint
meetings; everyone else nothing (404)."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from governance.meetings import selectors, services
from governance.meetings.models import MeetingKind, Organisation
from governance.meetings.permissions import access_meeting

from .builders import schedule


@pytest.fixture
def meetings(world, secretary, committee_member, clerk, other_officer, department):
    """A1: a scheduled joint meeting (the department invited), a closed joint meeting, a closed
    pre-deliberation and a cancelled one; B1: a scheduled joint meeting of B's officer."""
    scheduled = schedule(secretary, world.a1, days=5, title="A1 scheduled")
    services.invite(actor=secretary, meeting=scheduled, organisation=Organisation.DEPARTMENT, department=department)
    closed = schedule(secretary, world.a1, days=1, title="A1 closed")
    services.meeting_close(actor=secretary, meeting=closed, now=closed.starts_at + timedelta(hours=1))
    pre = schedule(secretary, world.a1, days=2, kind=MeetingKind.PRE_DELIBERATION, title="A1 pre")
    services.meeting_close(actor=secretary, meeting=pre, now=pre.starts_at + timedelta(hours=1))
    cancelled = schedule(secretary, world.a1, days=3, title="A1 cancelled")
    services.meeting_cancel(actor=secretary, meeting=cancelled)
    theirs = schedule(other_officer, world.b1, days=5, title="B1 scheduled")
    return {"scheduled": scheduled, "closed": closed, "pre": pre, "cancelled": cancelled, "theirs": theirs}


A1 = {"scheduled", "closed", "pre", "cancelled"}
FULL = {
    "secretary": A1,
    "officer": A1,
    "subdistrict_admin": A1,
    "district_admin": A1 | {"theirs"},
    "system_admin": A1 | {"theirs"},
    "other_officer": {"theirs"},
    "clerk": A1 - {"pre"},  # invited to the joint meetings, not to the branch's pre-deliberation
    "committee_member": A1 - {"pre"},
    "responder": {"scheduled"},  # its department is invited to that one only
    "other_responder": set(),
    "resident": set(),
    "b_resident": set(),
    "stranger": set(),
}
# Residents of A1 (the committee member owns a flat in A1 too) also read closed joint meetings' summary.
SUMMARY = {"resident": {"closed"}, "committee_member": set(), "b_resident": set(), "stranger": set()}


def names(meetings, qs) -> set[str]:
    by_pk = {m.pk: name for name, m in meetings.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


@pytest.mark.parametrize("who", sorted(FULL))
def test_each_person_sees_in_full_exactly_the_meetings_of_their_scope(request, meetings, who):
    user = request.getfixturevalue(who)

    full = names(meetings, selectors.meetings_full(user))
    visible = names(meetings, selectors.meetings_visible(user))

    assert full == FULL[who]
    assert visible == FULL[who] | SUMMARY.get(who, set())
    for name, meeting in meetings.items():
        if name in visible:
            found, in_full = access_meeting(user, meeting.pk)
            assert found == meeting and in_full is (name in FULL[who])
        else:
            with pytest.raises(Http404):
                access_meeting(user, meeting.pk)


def test_a_resident_of_the_compound_reads_only_closed_joint_meetings_and_never_in_full(meetings, resident):
    assert names(meetings, selectors.meetings_visible(resident)) == {"closed"}
    assert not selectors.sees_in_full(resident, meetings["closed"])
    _meeting, in_full = access_meeting(resident, meetings["closed"].pk)
    assert in_full is False


def test_a_department_sees_a_meeting_once_it_is_invited(meetings, secretary, other_department, other_responder):
    assert not selectors.meetings_visible(other_responder).exists()
    services.invite(
        actor=secretary, meeting=meetings["scheduled"], organisation=Organisation.DEPARTMENT, department=other_department
    )
    assert names(meetings, selectors.meetings_full(other_responder)) == {"scheduled"}


def test_a_person_invited_personally_sees_that_meeting_only(meetings, secretary, stranger):
    services.invite(actor=secretary, meeting=meetings["scheduled"], organisation=Organisation.GRID, user=stranger)
    assert names(meetings, selectors.meetings_visible(stranger)) == {"scheduled"}
    assert selectors.sees_in_full(stranger, meetings["scheduled"])


def test_no_one_signed_out_sees_any_meeting(meetings):
    anonymous = AnonymousUser()
    assert not selectors.meetings_visible(anonymous).exists()
    with pytest.raises(Http404):
        access_meeting(anonymous, meetings["closed"].pk)


def test_my_action_items_are_mine_only(meetings, secretary, clerk, committee_member):
    item = services.agenda_add(actor=secretary, meeting=meetings["scheduled"], title="楼道")
    mine = services.decision_record(actor=secretary, item=item, decision="清理", deadline=date(2027, 1, 2), owner_user=clerk)
    services.decision_record(actor=secretary, item=item, decision="公示", deadline=date(2027, 1, 1), owner_user=committee_member)
    assert list(selectors.actions_of(clerk)) == [mine]


def test_my_action_items_list_the_open_ones_first(meetings, secretary, clerk):
    item = services.agenda_add(actor=secretary, meeting=meetings["scheduled"], title="楼道")
    done = services.decision_record(actor=secretary, item=item, decision="拍照", deadline=date(2027, 1, 1), owner_user=clerk)
    services.action_complete(actor=clerk, action=done, note="已拍")
    still_open = services.decision_record(actor=secretary, item=item, decision="清理", deadline=date(2027, 2, 1), owner_user=clerk)

    assert list(selectors.actions_of(clerk)) == [still_open, done]
