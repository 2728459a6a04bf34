"""The joint meetings' services: series that generate their meetings once (also when two workers
run at once), default invitations, who may convene, replies, the agenda seeded from real issues,
sign-in, decisions that become action items, and action items reminded once."""

import threading
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from committees import services as committee_services
from committees.models import BodyKind
from governance.accounts.models import Notification
from governance.issues import services as issue_services
from governance.meetings import services
from governance.meetings.models import (
    ActionItem,
    ActionStatus,
    Invitation,
    ItemSource,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Organisation,
    Reply,
)
from tests import factories
from tests.committees.factories import verified_owner
from tests.issues.factories import file_issue

from .builders import schedule, snapshot


def invited(meeting) -> set[str]:
    return set(Invitation.objects.filter(meeting=meeting, user__isnull=False).values_list("user__username", flat=True))


# --- series → meetings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "weekday", "n", "expected"),
    [
        (2026, 12, 1, 2, date(2026, 12, 8)),  # second Tuesday
        (2026, 12, 1, -1, date(2026, 12, 29)),  # last Tuesday
        (2026, 2, 0, -1, date(2026, 2, 23)),  # last Monday of a four-Monday February
        (2026, 2, 0, 4, date(2026, 2, 23)),
        (2026, 2, 0, 5, None),  # February 2026 has no fifth Monday
        (2026, 3, 0, 5, date(2026, 3, 30)),
        (2026, 1, 4, 1, date(2026, 1, 2)),  # first Friday
    ],
)
def test_the_nth_weekday_of_a_month_counts_from_the_start_or_from_the_end(year, month, weekday, n, expected):
    assert services.nth_weekday(year, month, weekday, n) == expected


def test_a_series_on_the_last_weekday_meets_on_the_last_one_of_every_month(world, secretary):
    series = services.series_create(
        actor=secretary, compound=world.a1, title="月末联席会", weekday=4, week_of_month=-1,
        time=time(19, 30), place="红色驿站", starts_on=date(2026, 1, 1),
    )

    assert services.meetings_generate(today=date(2026, 1, 1), horizon_days=120) == 4

    starts = [timezone.localtime(m.starts_at) for m in Meeting.objects.filter(series=series).order_by("starts_at")]
    assert [s.date() for s in starts] == [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27), date(2026, 4, 24)]
    assert {(s.hour, s.minute) for s in starts} == {(19, 30)}
    assert all(m.ends_at - m.starts_at == timedelta(minutes=90) for m in Meeting.objects.filter(series=series))
    assert set(Meeting.objects.filter(series=series).values_list("occurrence", flat=True)) == {s.date() for s in starts}


def test_a_series_generates_nothing_before_its_first_month_nor_for_an_inactive_series(world, secretary):
    series = services.series_create(
        actor=secretary, compound=world.a1, title="联席会", weekday=1, week_of_month=2,
        time=time(19, 30), place="红色驿站", starts_on=date(2026, 3, 1),
    )
    assert services.meetings_generate(today=date(2026, 1, 1), horizon_days=70) == 1  # only 10 March
    assert Meeting.objects.get(series=series).occurrence == date(2026, 3, 10)

    MeetingSeries.objects.filter(pk=series.pk).update(active=False)
    assert services.meetings_generate(today=date(2026, 3, 1), horizon_days=120) == 0


def test_generating_twice_creates_each_meeting_once(world, secretary):
    services.series_create(
        actor=secretary, compound=world.a1, title="联席会", weekday=1, week_of_month=2,
        time=time(19, 30), place="红色驿站", starts_on=date(2026, 1, 1),
    )

    assert services.meetings_generate(today=date(2026, 1, 1), horizon_days=90) == 3
    assert services.meetings_generate(today=date(2026, 1, 1), horizon_days=90) == 0
    assert services.meetings_generate(today=date(2026, 2, 1), horizon_days=90) == 1  # only April is new
    assert Meeting.objects.count() == 4


def test_a_series_with_week_zero_is_refused(world, secretary):
    with pytest.raises(ValidationError):
        services.series_create(
            actor=secretary, compound=world.a1, title="联席会", weekday=1, week_of_month=0,
            time=time(19, 30), place="红色驿站",
        )
    assert not MeetingSeries.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_at_once_create_one_meeting_per_date(world, secretary, committee_member, clerk):
    series = services.series_create(
        actor=secretary, compound=world.a1, title="联席会", weekday=1, week_of_month=2,
        time=time(19, 30), place="红色驿站", starts_on=date(2026, 1, 1),
    )
    barrier = threading.Barrier(4)
    created, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            created.append(services.meetings_generate(today=date(2026, 1, 1), horizon_days=180))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sum(created) == 6
    dates = list(Meeting.objects.filter(series=series).values_list("occurrence", flat=True))
    assert len(dates) == len(set(dates)) == 6
    for meeting in Meeting.objects.filter(series=series):
        assert invited(meeting) == {"secretary", "committee_member", "clerk"}
        assert Invitation.objects.filter(meeting=meeting).count() == 3


# --- default invitations ----------------------------------------------------------------------


def test_a_joint_meeting_invites_the_three_carriages_in_office_and_the_companys_contact(
    world, officer, secretary, zone_member, committee_member, clerk, company
):
    board = committee_services.committee_create(
        actor=None, compound=world.a1, kind=BodyKind.SUPERVISORY_BOARD,
        term_start=date(2024, 1, 1), term_end=date(2029, 1, 1),
    )
    supervisor = verified_owner(world.households[("WA1", "2 号楼", "102")], officer, username="supervisor")
    committee_services.seat_add(actor=None, committee=board, user=supervisor, role="chair")
    gone = verified_owner(world.households[("WA1", "1 号楼", "102")], officer, username="gone")
    seat = committee_services.seat_add(actor=None, committee=board, user=gone, role="member")
    committee_services.seat_end(actor=None, seat=seat)
    contact = factories.UserFactory(username="contact")
    committee_services.staff_add(actor=None, company=company, user=contact, title="项目经理", is_contact=True)

    meeting = schedule(secretary, world.a1)

    # zone_member is a member of the branch without a seat; "gone" left the board.
    assert invited(meeting) == {"secretary", "committee_member", "supervisor", "contact"}
    orgs = dict(Invitation.objects.filter(meeting=meeting).values_list("user__username", "organisation"))
    assert orgs == {
        "secretary": Organisation.BRANCH,
        "committee_member": Organisation.OWNERS_COMMITTEE,
        "supervisor": Organisation.SUPERVISORY_BOARD,
        "contact": Organisation.PROPERTY_COMPANY,
    }
    assert Invitation.objects.get(meeting=meeting, user=contact).company == company
    assert set(Invitation.objects.filter(meeting=meeting).values_list("reply", flat=True)) == {Reply.PENDING}


def test_an_officer_convening_is_invited_with_the_branch(world, officer, secretary, committee_member, clerk):
    meeting = schedule(officer, world.a1)

    assert invited(meeting) == {"officer", "secretary", "committee_member", "clerk"}
    assert meeting.convenor == officer


def test_a_pre_deliberation_invites_the_branch_only(world, officer, branch, secretary, committee_member, clerk):
    from governance.party import services as party_services

    deputy = factories.UserFactory(username="deputy")
    member = party_services.member_add(actor=officer, branch=branch, user=deputy, kind="resident")
    party_services.branch_seat_add(actor=officer, branch=branch, member=member, role="deputy_secretary", term_start=date(2024, 1, 1))

    meeting = schedule(secretary, world.a1, kind=MeetingKind.PRE_DELIBERATION, title="支部先议")

    assert invited(meeting) == {"secretary", "deputy"}
    assert set(Invitation.objects.filter(meeting=meeting).values_list("organisation", flat=True)) == {Organisation.BRANCH}


def test_a_meeting_in_the_past_or_ending_before_it_starts_is_refused(world, secretary):
    now = timezone.now()
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            actor=secretary, compound=world.a1, title="联席会", starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1), place="红色驿站",
        )
    with pytest.raises(ValidationError):
        services.meeting_schedule(
            actor=secretary, compound=world.a1, title="联席会", starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, minutes=-5), place="红色驿站",
        )
    assert not Meeting.objects.exists()


# --- who may convene --------------------------------------------------------------------------


@pytest.fixture
def held(world, secretary, committee_member, clerk, resident):
    """A scheduled meeting of A1 with one item linking a resident's issue."""
    meeting = schedule(secretary, world.a1)
    issue = file_issue(resident, world.home)
    item = services.agenda_add(actor=secretary, meeting=meeting, title="楼道杂物", issues=[issue])
    return meeting, item


WRITES = {
    "series_create": lambda actor, w, m, item: services.series_create(
        actor=actor, compound=w.a1, title="联席会", weekday=1, week_of_month=2, time=time(19, 30), place="驿站"
    ),
    "meeting_schedule": lambda actor, w, m, item: schedule(actor, w.a1),
    "meeting_move": lambda actor, w, m, item: services.meeting_move(
        actor=actor, meeting=m, starts_at=m.starts_at + timedelta(hours=1), ends_at=m.ends_at + timedelta(hours=1),
        place="社区会议室",
    ),
    "meeting_cancel": lambda actor, w, m, item: services.meeting_cancel(actor=actor, meeting=m),
    "invite": lambda actor, w, m, item: services.invite(
        actor=actor, meeting=m, organisation=Organisation.POLICE, organisation_name="东湾派出所"
    ),
    "agenda_add": lambda actor, w, m, item: services.agenda_add(actor=actor, meeting=m, title="电梯"),
    "minutes_save": lambda actor, w, m, item: services.minutes_save(actor=actor, meeting=m, minutes="记录"),
    "decision_record": lambda actor, w, m, item: services.decision_record(
        actor=actor, item=item, decision="清理杂物", deadline=date(2027, 1, 1), owner_organisation=Organisation.PROPERTY_COMPANY
    ),
    "meeting_close": lambda actor, w, m, item: services.meeting_close(
        actor=actor, meeting=m, now=m.starts_at + timedelta(minutes=30)
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("who", ["resident", "clerk", "committee_member", "zone_member", "other_officer", "stranger"])
def test_only_the_branch_secretary_or_an_officer_of_the_compound_may_convene(request, world, held, write, who):
    meeting, item = held
    actor = request.getfixturevalue(who)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        WRITES[write](actor, world, meeting, item)

    assert snapshot() == before


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize("who", ["secretary", "officer"])
def test_the_secretary_and_the_communitys_officer_may_convene(request, world, held, write, who):
    meeting, item = held
    WRITES[write](request.getfixturevalue(who), world, meeting, item)


def test_moving_bumps_the_version_only_when_time_or_place_changes(world, held, secretary):
    meeting, _item = held
    same = services.meeting_move(actor=secretary, meeting=meeting, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                                 place=meeting.place)
    assert same.version == 1
    moved = services.meeting_move(actor=secretary, meeting=meeting, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                                  place="社区会议室")
    assert (moved.version, moved.place) == (2, "社区会议室")
    services.meeting_cancel(actor=secretary, meeting=moved)
    with pytest.raises(ValidationError):
        services.meeting_move(actor=secretary, meeting=moved, starts_at=moved.starts_at, ends_at=moved.ends_at, place="x")
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=secretary, meeting=moved)


def test_a_meeting_is_closed_only_once_it_has_started(world, held, secretary):
    meeting, _item = held
    with pytest.raises(ValidationError):
        services.meeting_close(actor=secretary, meeting=meeting)
    closed = services.meeting_close(actor=secretary, meeting=meeting, now=meeting.starts_at + timedelta(hours=1))
    assert closed.status == MeetingStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(ValidationError):
        services.agenda_add(actor=secretary, meeting=closed, title="迟到的议题")


# --- invitations and replies ------------------------------------------------------------------


def test_an_invitee_replies_for_themselves_and_a_decline_needs_a_reason(world, held, clerk, committee_member, secretary):
    meeting, _item = held
    mine = Invitation.objects.get(meeting=meeting, user=clerk)
    theirs = Invitation.objects.get(meeting=meeting, user=committee_member)

    services.invitation_reply(actor=clerk, invitation=mine, reply=Reply.ATTEND)
    assert Invitation.objects.get(pk=mine.pk).reply == Reply.ATTEND

    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.invitation_reply(actor=clerk, invitation=theirs, reply=Reply.DECLINE, reason="出差")
    with pytest.raises(PermissionDenied):
        services.invitation_reply(actor=secretary, invitation=theirs, reply=Reply.ATTEND)
    with pytest.raises(ValidationError) as refused:
        services.invitation_reply(actor=committee_member, invitation=theirs, reply=Reply.DECLINE, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.invitation_reply(actor=committee_member, invitation=theirs, reply="maybe")
    assert snapshot() == before

    replied = services.invitation_reply(actor=committee_member, invitation=theirs, reply=Reply.DECLINE, reason="出差")
    assert (replied.reply, replied.reply_reason) == (Reply.DECLINE, "出差")
    assert replied.replied_at is not None


def test_an_invitation_to_a_cancelled_meeting_takes_no_reply(world, held, clerk, secretary):
    meeting, _item = held
    services.meeting_cancel(actor=secretary, meeting=meeting)
    with pytest.raises(ValidationError):
        services.invitation_reply(actor=clerk, invitation=Invitation.objects.get(meeting=meeting, user=clerk), reply="attend")


def test_a_person_is_invited_once_and_an_invitation_names_someone(world, held, secretary, clerk, department):
    meeting, _item = held
    with pytest.raises(ValidationError):
        services.invite(actor=secretary, meeting=meeting, organisation=Organisation.PROPERTY_COMPANY, user=clerk)
    with pytest.raises(ValidationError):
        services.invite(actor=secretary, meeting=meeting, organisation=Organisation.PARTNER, organisation_name="  ")
    invitation = services.invite(actor=secretary, meeting=meeting, organisation=Organisation.DEPARTMENT, department=department)
    assert invitation.department == department and invitation.user is None


# --- agenda -----------------------------------------------------------------------------------


def _reopened(resident, world, zone_member):
    issue = file_issue(resident, world.home, description="楼道灯不亮，晚上看不见。")
    issue_services.issue_acknowledge(actor=zone_member, issue=issue)
    issue_services.issue_resolve(actor=zone_member, issue=issue, note="已修好")
    return issue_services.issue_reopen(actor=resident, issue=issue, reason="又坏了")


def test_the_agenda_suggests_overdue_reopened_and_repeated_issues_and_open_action_items(
    world, secretary, resident, neighbour, zone_member, b_resident, committee_member
):
    now = timezone.now()
    overdue = file_issue(resident, world.home, now=now - timedelta(days=10))
    reopened = _reopened(resident, world, zone_member)
    building2 = world.households[("WA1", "2 号楼", "101")].building
    repeated = [
        file_issue(neighbour, world.next_door, code="parking", building=building2, description=f"车位被占用第{n}次。")
        for n in range(3)
    ]
    twice = [file_issue(neighbour, world.next_door, code="charging", description=f"楼道充电{n}。") for n in range(2)]
    old = file_issue(neighbour, world.next_door, code="drainage", now=now - timedelta(days=40))
    file_issue(b_resident, world.b_home, now=now - timedelta(days=10))  # overdue, but in B1

    earlier = schedule(secretary, world.a1, days=1, title="上月联席会")
    item = services.agenda_add(actor=secretary, meeting=earlier, title="停车", issues=repeated)
    action = services.decision_record(
        actor=secretary, item=item, decision="划定临时车位", deadline=date(2027, 1, 1), owner_user=committee_member
    )
    meeting = schedule(secretary, world.a1, days=30)

    suggestions = services.agenda_suggestions(meeting)

    by_source = {}
    for s in suggestions:
        by_source.setdefault(s["source"], []).append(s)
    assert sorted(i.pk for s in by_source[ItemSource.OVERDUE] for i in s["issues"]) == sorted([overdue.pk, old.pk])
    assert [s["issues"] for s in by_source[ItemSource.REOPENED]] == [[reopened]]
    assert [s["issues"] for s in by_source[ItemSource.REPEATED]] == [repeated]
    assert "2 号楼" in by_source[ItemSource.REPEATED][0]["title"]
    assert [(s["review_of"], set(s["issues"])) for s in by_source[ItemSource.ACTION_ITEM]] == [(action, set(repeated))]
    linked = {i.pk for s in suggestions for i in s["issues"]}
    assert not linked & {i.pk for i in twice}  # two reports are not "repeated", and not yet overdue
    assert all(i.compound_id == world.a1.pk for s in suggestions for i in s["issues"])

    # The earlier meeting does not review its own action item; a later one does.
    assert not [s for s in services.agenda_suggestions(earlier) if s["source"] == ItemSource.ACTION_ITEM]


def test_a_finished_action_item_is_no_longer_suggested_and_a_new_decision_supersedes_the_reviewed_one(
    world, secretary, committee_member
):
    earlier = schedule(secretary, world.a1, days=1)
    item = services.agenda_add(actor=secretary, meeting=earlier, title="停车")
    action = services.decision_record(
        actor=secretary, item=item, decision="划定临时车位", deadline=date(2027, 1, 1), owner_user=committee_member
    )
    meeting = schedule(secretary, world.a1, days=30)
    (suggestion,) = [s for s in services.agenda_suggestions(meeting) if s["source"] == ItemSource.ACTION_ITEM]

    review = services.agenda_add(
        actor=secretary, meeting=meeting, title=suggestion["title"], source=suggestion["source"],
        issues=suggestion["issues"], review_of=suggestion["review_of"],
    )
    services.decision_record(actor=secretary, item=review, decision="改为划线车位", deadline=date(2027, 2, 1),
                             owner_organisation=Organisation.PROPERTY_COMPANY, owner_name="东湾物业")

    assert ActionItem.objects.get(pk=action.pk).status == ActionStatus.DROPPED
    assert not [s for s in services.agenda_suggestions(meeting) if s["source"] == ItemSource.ACTION_ITEM]


def test_repeated_means_three_reports_of_one_category_in_one_building_within_30_days(
    world, secretary, resident, neighbour, other_officer, b_resident
):
    now = timezone.now()
    file_issue(neighbour, world.next_door, code="parking", description="车位被占用一。", now=now - timedelta(days=31))
    file_issue(neighbour, world.next_door, code="parking", description="车位被占用二。", now=now - timedelta(days=2))
    file_issue(resident, world.home, code="parking", description="车位被占用三。", now=now - timedelta(days=1))
    building2 = world.households[("WA1", "2 号楼", "101")].building
    file_issue(resident, world.home, code="parking", building=building2, description="2 号楼车位被占用。")
    for n in range(3):
        file_issue(b_resident, world.b_home, code="parking", description=f"安居小区车位{n}。")
    theirs = schedule(other_officer, world.b1, days=1)
    services.decision_record(
        actor=other_officer, item=services.agenda_add(actor=other_officer, meeting=theirs, title="停车"),
        decision="安居小区划线", deadline=date(2027, 1, 1), owner_organisation=Organisation.PROPERTY_COMPANY,
    )
    meeting = schedule(secretary, world.a1, days=30)

    sources = [s["source"] for s in services.agenda_suggestions(meeting, now=now)]

    # Two in 1 号楼 within 30 days (the third is 31 days old), one in 2 号楼; B1's are B1's.
    assert ItemSource.REPEATED not in sources
    assert ItemSource.ACTION_ITEM not in sources
    file_issue(resident, world.home, code="parking", description="车位被占用四。")
    (repeated,) = [s for s in services.agenda_suggestions(meeting) if s["source"] == ItemSource.REPEATED]
    assert len(repeated["issues"]) == 3 and "3" in repeated["title"]


def test_the_agenda_links_only_issues_of_the_meetings_compound(world, held, secretary, b_resident):
    meeting, _item = held
    theirs = file_issue(b_resident, world.b_home)
    before = snapshot()

    with pytest.raises(ValidationError) as refused:
        services.agenda_add(actor=secretary, meeting=meeting, title="别的小区", issues=[theirs])

    assert "issues" in refused.value.message_dict
    assert snapshot() == before


def test_an_agenda_item_reviews_only_action_items_of_its_own_compound(world, held, secretary, other_officer):
    meeting, _item = held
    theirs = schedule(other_officer, world.b1, days=1)
    their_action = services.decision_record(
        actor=other_officer, item=services.agenda_add(actor=other_officer, meeting=theirs, title="停车"),
        decision="安居小区划线", deadline=date(2027, 1, 1), owner_organisation=Organisation.PROPERTY_COMPANY,
    )
    before = snapshot()

    with pytest.raises(ValidationError):
        review = services.agenda_add(actor=secretary, meeting=meeting, title="复查", review_of=their_action)
        services.decision_record(actor=secretary, item=review, decision="作废", deadline=date(2027, 1, 1),
                                 owner_organisation=Organisation.BRANCH)

    assert ActionItem.objects.get(pk=their_action.pk).status == ActionStatus.OPEN
    assert snapshot() == before


def test_agenda_items_are_numbered_in_the_order_they_are_added(world, held, secretary):
    meeting, first = held
    second = services.agenda_add(actor=secretary, meeting=meeting, title="电梯")
    assert (first.position, second.position) == (1, 2)
    assert list(meeting.items.values_list("title", flat=True)) == ["楼道杂物", "电梯"]


# --- sign-in ----------------------------------------------------------------------------------


def test_an_invitee_signs_in_with_the_code_shown_and_twice_keeps_the_first_time(world, held, clerk):
    meeting, _item = held
    first = meeting.starts_at + timedelta(minutes=2)

    with pytest.raises(ValidationError):
        services.sign_in(actor=clerk, meeting=meeting, code="wrong", now=first)
    with pytest.raises(ValidationError):
        services.sign_in(actor=clerk, meeting=meeting, code="", now=first)
    assert Invitation.objects.get(meeting=meeting, user=clerk).signed_in_at is None

    services.sign_in(actor=clerk, meeting=meeting, code=meeting.signin_code, now=first)
    again = services.sign_in(actor=clerk, meeting=meeting, code=meeting.signin_code, now=first + timedelta(minutes=30))

    assert again.signed_in_at == first


def test_someone_not_invited_cannot_sign_in_even_with_the_code(world, held, resident, b_resident):
    meeting, _item = held
    before = snapshot()
    for outsider in (resident, b_resident):
        with pytest.raises(PermissionDenied):
            services.sign_in(actor=outsider, meeting=meeting, code=meeting.signin_code)
    assert snapshot() == before


def test_the_convenor_signs_in_an_invitee_and_no_one_else_may(world, held, secretary, clerk, committee_member):
    meeting, _item = held
    invitation = Invitation.objects.get(meeting=meeting, user=committee_member)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.sign_in(actor=clerk, meeting=meeting, invitation=invitation)
    assert snapshot() == before

    at = meeting.starts_at + timedelta(minutes=1)
    assert services.sign_in(actor=secretary, meeting=meeting, invitation=invitation, now=at).signed_in_at == at
    services.sign_in(actor=secretary, meeting=meeting, invitation=invitation, now=at + timedelta(hours=1))
    assert Invitation.objects.get(pk=invitation.pk).signed_in_at == at


def test_an_invitation_of_another_meeting_cannot_be_signed_in_here(world, held, secretary, clerk):
    meeting, _item = held
    other = schedule(secretary, world.a1, days=9)
    with pytest.raises(ValidationError):
        services.sign_in(actor=secretary, meeting=meeting, invitation=Invitation.objects.get(meeting=other, user=clerk))


# --- decisions and action items ---------------------------------------------------------------


def test_a_decision_becomes_an_action_item_with_an_owner_and_a_deadline_and_the_owner_is_told(
    world, held, secretary, clerk
):
    meeting, item = held
    action = services.decision_record(
        actor=secretary, item=item, decision=" 三日内清理楼道杂物 ", deadline=date(2027, 1, 10), owner_user=clerk
    )

    assert (action.decision, action.owner_user, action.deadline, action.status) == (
        "三日内清理楼道杂物", clerk, date(2027, 1, 10), ActionStatus.OPEN,
    )
    note = Notification.objects.get(user=clerk, kind="meeting_action_assigned")
    assert note.params["deadline"] == "2027-01-10"
    assert note.url == f"/meetings/{meeting.pk}/"


def test_a_decision_needs_words_and_an_owner(world, held, secretary):
    _meeting, item = held
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.decision_record(actor=secretary, item=item, decision="  ", deadline=date(2027, 1, 1), owner_organisation="branch")
    assert "decision" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.decision_record(actor=secretary, item=item, decision="清理", deadline=date(2027, 1, 1))
    assert "owner_user" in refused.value.message_dict
    assert snapshot() == before


def test_an_action_item_is_completed_by_its_owner_or_the_convenor_only_once(
    world, held, secretary, clerk, committee_member, officer
):
    _meeting, item = held
    mine = services.decision_record(actor=secretary, item=item, decision="清理", deadline=date(2027, 1, 1), owner_user=clerk)
    theirs = services.decision_record(
        actor=secretary, item=item, decision="公示", deadline=date(2027, 1, 1), owner_user=committee_member
    )
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.action_complete(actor=clerk, action=theirs, note="已公示")
    with pytest.raises(ValidationError):
        services.action_complete(actor=clerk, action=mine, note=" ")
    assert snapshot() == before

    done = services.action_complete(actor=clerk, action=mine, note="已清理")
    assert (done.status, done.done_note) == (ActionStatus.DONE, "已清理") and done.done_at is not None
    with pytest.raises(ValidationError):
        services.action_complete(actor=clerk, action=mine, note="再次")
    assert services.action_complete(actor=officer, action=theirs, note="已公示").status == ActionStatus.DONE


def test_action_items_are_reminded_once_near_their_deadline(world, held, secretary, clerk, committee_member):
    _meeting, item = held
    today = timezone.localdate()
    soon = services.decision_record(actor=secretary, item=item, decision="清理", deadline=today + timedelta(days=2),
                                    owner_user=clerk)
    services.decision_record(actor=secretary, item=item, decision="公示", deadline=today + timedelta(days=20),
                             owner_user=committee_member)
    services.decision_record(actor=secretary, item=item, decision="上报", deadline=today,
                             owner_organisation=Organisation.COMMUNITY)
    finished = services.decision_record(actor=secretary, item=item, decision="拍照", deadline=today, owner_user=committee_member)
    services.action_complete(actor=committee_member, action=finished, note="已拍")

    assert services.action_items_remind(today=today) == 1
    assert services.action_items_remind(today=today) == 0
    assert list(Notification.objects.filter(kind="meeting_action_due").values_list("user", flat=True)) == [clerk.pk]
    assert ActionItem.objects.get(pk=soon.pk).reminded_at is not None
    # Seventeen days later the other one is due, once.
    assert services.action_items_remind(today=today + timedelta(days=17)) == 1
    assert services.action_items_remind(today=today + timedelta(days=17)) == 0
