"""The joint meetings' figures: they equal a hand count on a small world, each caller sees only
their places (others get 404), and the page's queries do not grow with the compounds."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.issues.models import Issue
from governance.issues.states import State
from governance.meetings import figures
from governance.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Organisation,
)
from tests.issues.conftest import b_resident, branch, clerk, company, department, responder, secretary  # noqa: F401
from tests.issues.factories import file_issue

from .. import factories

URL = reverse("dashboards:meetings")


def _meeting(compound, convenor, days_ago, status=MeetingStatus.CLOSED, kind=MeetingKind.JOINT):
    start = timezone.now() - timedelta(days=days_ago)
    return Meeting.objects.create(
        compound=compound, convenor=convenor, title="联席会议", kind=kind, status=status, starts_at=start,
        ends_at=start + timedelta(hours=2), place="红色驿站", closed_at=start + timedelta(hours=3) if status == "closed" else None,
    )


def _invite(meeting, organisation, signed, user=None):
    return Invitation.objects.create(
        meeting=meeting, organisation=organisation, user=user or factories.UserFactory(),
        signed_in_at=meeting.starts_at if signed else None,
    )


def _action(item, status, deadline_days, done_days=None):
    """An action item due ``deadline_days`` after its meeting, done ``done_days`` after it."""
    start = item.meeting.starts_at
    return ActionItem.objects.create(
        item=item, decision="物业公司限期处理。", owner_organisation=Organisation.PROPERTY_COMPANY,
        deadline=timezone.localdate(start) + timedelta(days=deadline_days), status=status,
        done_at=start + timedelta(days=done_days) if done_days is not None else None,
    )


def _resolved(issue, days_ago):
    Issue.objects.filter(pk=issue.pk).update(state=State.RESOLVED, resolved_at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def held(world, officer, other_officer, resident, neighbour, b_resident):  # noqa: F811
    """A1: held 60 and 10 days ago, cancelled 30 days ago, one ahead, one held 400 days ago (out of
    the period), a pre-deliberation (not a joint meeting). B1: held 15 days ago."""
    a1, b1 = world.a1, world.b1
    m1 = _meeting(a1, officer, 60)
    _meeting(a1, officer, 30, MeetingStatus.CANCELLED)
    _meeting(a1, officer, -5, MeetingStatus.SCHEDULED)
    m4 = _meeting(a1, officer, 400)
    m5 = _meeting(a1, officer, 20, kind=MeetingKind.PRE_DELIBERATION)
    m6 = _meeting(a1, officer, 10)
    for org, signed in ((Organisation.BRANCH, True), (Organisation.OWNERS_COMMITTEE, True),
                        (Organisation.PROPERTY_COMPANY, False), (Organisation.GRID, True)):
        _invite(m1, org, signed)
    _invite(m6, Organisation.BRANCH, True)
    _invite(m6, Organisation.PROPERTY_COMPANY, True)
    _invite(m5, Organisation.BRANCH, False)  # not a joint meeting: not counted
    _invite(m4, Organisation.BRANCH, False)  # out of the period: not counted

    i1, i2, i3, i4, i5 = (file_issue(resident, world.home) for _n in range(5))
    _resolved(i1, 30)  # after m1: counted (once, though m6 lists it too)
    _resolved(i2, 100)  # before m6, after m4 (out of the period): not counted
    # i3 stays open: not counted
    _resolved(i4, 2)  # after m6: counted
    _resolved(i5, 5)  # only on the pre-deliberation's agenda: not counted
    item1 = AgendaItem.objects.create(meeting=m1, title="垃圾清运")
    item1.issues.set([i1, i3])
    item6 = AgendaItem.objects.create(meeting=m6, title="复查")
    item6.issues.set([i1, i2, i4])
    AgendaItem.objects.create(meeting=m4, title="旧议题").issues.set([i2])
    AgendaItem.objects.create(meeting=m5, title="先议").issues.set([i5])
    _action(item1, ActionStatus.DONE, 14, done_days=10)  # on time
    _action(item1, ActionStatus.DONE, 14, done_days=20)  # late
    _action(item1, ActionStatus.OPEN, 14)  # overdue
    _action(item1, ActionStatus.DROPPED, 14)  # dropped
    _action(item6, ActionStatus.OPEN, 30)  # open, due in 20 days

    mb = _meeting(b1, other_officer, 15)
    _invite(mb, Organisation.BRANCH, True)
    _invite(mb, Organisation.OWNERS_COMMITTEE, False)
    item_b = AgendaItem.objects.create(meeting=mb, title="停车")
    ib = file_issue(b_resident, world.b_home)
    _resolved(ib, 3)
    item_b.issues.set([ib])
    _action(item_b, ActionStatus.DONE, 7, done_days=1)
    return type("Held", (), {"m1": m1, "m6": m6, "mb": mb})


def _period():
    today = timezone.localdate()
    return today - timedelta(days=365), today


def _by_name(result):
    return {row.name: row for row in result.rows}


def test_the_figures_equal_a_hand_count(held, world, district_admin):
    result = figures.meeting_figures(district_admin, "compound", *_period())
    rows = _by_name(result)
    a, b = rows["江工塑院小区"], rows["安居小区"]
    assert (a.scheduled, a.held, a.cancelled) == (3, 2, 1)
    assert a.held_rate == pytest.approx(2 / 3)
    assert {org: (x.invited, x.attended) for org, x in a.attendance.items()} == {
        Organisation.BRANCH: (2, 2), Organisation.OWNERS_COMMITTEE: (1, 1), Organisation.PROPERTY_COMPANY: (2, 1),
        figures.OTHERS: (1, 1),
    }
    assert (a.attendance_total.invited, a.attendance_total.attended) == (6, 5)
    assert (a.actions, a.on_time, a.late, a.overdue, a.open, a.dropped) == (5, 1, 1, 1, 1, 1)
    assert a.on_time_rate == pytest.approx(1 / 3)
    assert a.issues_resolved == 2
    assert (b.scheduled, b.held, b.actions, b.on_time, b.issues_resolved) == (1, 1, 1, 1, 1)
    assert (b.attendance_total.invited, b.attendance_total.attended) == (2, 1)
    assert (result.total.scheduled, result.total.held, result.total.actions, result.total.issues_resolved) == (4, 3, 6, 3)

    communities = _by_name(figures.meeting_figures(district_admin, "community", *_period()))
    assert set(communities) == {"东湾社区", "安居社区"}
    assert communities["东湾社区"].issues_resolved == 2 and communities["安居社区"].scheduled == 1
    subdistricts = _by_name(figures.meeting_figures(district_admin, "subdistrict", *_period()))
    assert (subdistricts["学院街道"].held, subdistricts["云集街道"].held) == (2, 1)


def test_a_shorter_period_counts_only_its_meetings(held, district_admin):
    today = timezone.localdate()
    rows = _by_name(figures.meeting_figures(district_admin, "compound", today - timedelta(days=20), today))
    a = rows["江工塑院小区"]
    assert (a.scheduled, a.held, a.actions, a.issues_resolved) == (1, 1, 1, 1)  # m6 only
    old = _by_name(figures.meeting_figures(district_admin, "compound", date(2000, 1, 1), date(2000, 12, 31)))
    assert old["江工塑院小区"].scheduled == 0 and old["江工塑院小区"].on_time_rate is None


def test_each_caller_sees_only_their_places(held, officer, other_officer, secretary, system_admin):  # noqa: F811
    assert [r.name for r in figures.meeting_figures(officer, "compound", *_period()).rows] == ["江工塑院小区"]
    assert [r.name for r in figures.meeting_figures(secretary, "compound", *_period()).rows] == ["江工塑院小区"]
    b = figures.meeting_figures(other_officer, "compound", *_period())
    assert [r.name for r in b.rows] == ["安居小区"]
    assert (b.total.scheduled, b.total.actions, b.total.issues_resolved) == (1, 1, 1)  # nothing of A
    assert {r.name for r in figures.meeting_figures(system_admin, "subdistrict", *_period()).rows} == {"学院街道", "云集街道"}


def test_the_page_shows_the_officers_places_and_nothing_of_others(client, held, officer, other_officer):
    client.force_login(other_officer)
    page = client.get(URL).content.decode()
    assert "安居小区" in page and "江工塑院小区" not in page
    assert 'id="coverage-data"' in page  # the chart's data for static/js/figures.js
    client.force_login(officer)
    page = client.get(URL, {"level": "community"}).content.decode()
    assert "东湾社区" in page and "安居社区" not in page


@pytest.mark.parametrize("who", ["resident", "stranger", "clerk", "responder", "b_resident"])
def test_anyone_without_places_gets_404_and_nothing_changes(client, held, who, request):
    user = request.getfixturevalue(who)
    before = (Meeting.objects.count(), ActionItem.objects.count(), Invitation.objects.count())
    client.force_login(user)
    assert client.get(URL).status_code == 404
    assert client.post(URL).status_code == 404
    assert (Meeting.objects.count(), ActionItem.objects.count(), Invitation.objects.count()) == before


def test_the_page_refuses_other_methods_and_explains_a_bad_period(client, held, officer):
    client.force_login(officer)
    assert client.post(URL).status_code == 405
    response = client.get(URL, {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_end-error"' in page and "is-invalid" in page and 'role="alert"' in page


def test_an_officer_without_meetings_is_told_what_to_do(client, world, officer):
    client.force_login(officer)
    page = client.get(URL).content.decode()
    assert 'data-testid="no-meetings"' in page and reverse("meetings:list") in page


def _compounds_with_meetings(world, convenor, start, n):
    for i in range(start, start + n):
        compound = factories.CompoundFactory(community=world.a, code=f"QC{i}", name=f"小区{i:03d}")
        meeting = _meeting(compound, convenor, 20)
        _invite(meeting, Organisation.BRANCH, True, user=convenor) if i == 0 else _invite(meeting, Organisation.PARTNER, i % 2 == 0)
        item = AgendaItem.objects.create(meeting=meeting, title="议题")
        _action(item, ActionStatus.DONE, 10, done_days=i % 15)


@pytest.mark.parametrize("level", ["compound", "community", "subdistrict"])
def test_the_query_count_does_not_grow_with_the_compounds(client, world, officer, level, django_assert_num_queries):
    client.force_login(officer)
    _compounds_with_meetings(world, officer, 0, 10)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as ten:
        response = client.get(URL, {"level": level})
    assert response.status_code == 200
    _compounds_with_meetings(world, officer, 10, 40)
    with django_assert_num_queries(len(ten)):
        response = client.get(URL, {"level": level})
    rows = response.content.decode().count('data-testid="meetings-row"')
    assert rows == (51 if level == "compound" else 1)  # A1 and the fifty
    # Session, user, role assignments, names, meetings, attendance, action items, issues, notifications.
    assert len(ten) == 9
