"""The three rates and the composite equal hand-computed values on a fixture with every state.

Time is frozen: every service is called with now=…; the rates are read at NOW, 19 days into
October 2026 (Asia/Shanghai). Deadlines: sanitation (the property company) respond 24 h, resolve
168 h; noise (the zone member) respond 24 h, resolve 168 h.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from governance.issues import rates, services
from governance.issues.models import IssuePolicy
from governance.issues.states import State
from governance.party.models import PartyMember, ResponsibilityZone
from tests.committees.factories import verified_owner

from .factories import file_issue

TZ = timezone.get_fixed_timezone(8 * 60)
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=TZ)
NOW = T0 + timedelta(days=19)  # 2026-10-20 09:00
OCT = (date(2026, 10, 1), date(2026, 10, 31))


def h(n):
    return timedelta(hours=n)


def d(n):
    return timedelta(days=n)


# Hand computation for compound A1 (r = response, s = resolution; "base" = settled at NOW):
#
# issue  handler  story (times from T0 = Oct 1 09:00)                 state        r base/ok  s base/ok  rating
# I1     company  ack +2h, resolved +1d, rated +2d                     closed       1 / 1      1 / 1      satisfied
# I2     company  ack +30h (late), resolved +3d, rated +4d             closed       1 / 0      1 / 1      basic
# I3     member   ack +1h, resolved +2d, rated +3d                     closed       1 / 1      1 / 1      dissatisfied
# I4     member   never acknowledged; escalated by the job at +25h     escalated    1 / 0      1 / 0      -
# I5     company  filed NOW-2h: inside both deadlines                  dispatched   0 / 0      0 / 0      -
# I6     company  filed NOW-3d, ack +1h: resolution not yet due        in_progress  1 / 1      0 / 0      -
# I7     company  ack +1h, resolved +1d, closed by the job at +9d      closed       1 / 1      1 / 1      -
# I8     company  ack +1h, resolved +1d, reopened +2d, ack +2d1h
#                 (new response due +3d), resolved +4d, rated +5d      closed       1 / 1      1 / 0 (reopened)  satisfied
# I9     company  cancelled +1h                                         cancelled    left out of everything
# I10    company  merged into I4 at +2h                                 merged       left out of everything
# I11    company  ack +5h, resolved +10d (late, still counts resolved)  resolved     1 / 1      1 / 1      -
# I12    member   ack +3h, never resolved, due +7d passed               in_progress  1 / 1      1 / 0      -
# I13    branch   filed NOW-1h in 2 号楼 (no zone)                       submitted    0 / 0      0 / 0      -
# I14    company  filed +15d, returned +15d1h, response due +16d passed returned     1 / 0      0 / 0      -
# I15    company  filed +10d, ack +1h, resolved +11d, reopened +17d
#                 (response due +18d passed, resolution due +24d)      reopened     1 / 0      0 / 0      -
#
# counted 13 (I9, I10 left out)
# response rate     = 7 / 11 = 0.636364  (I1 I3 I6 I7 I8 I11 I12 of I1 I2 I3 I4 I6 I7 I8 I11 I12 I14 I15)
# resolution rate   = 5 / 8  = 0.625     (I1 I2 I3 I7 I11 of I1 I2 I3 I4 I7 I8 I11 I12)
# satisfaction rate = (2 + 0.9 × 1) / 4 = 0.725   (satisfied I1 I8, basic I2, dissatisfied I3)
# composite         = 0.1 × 0.636364 + 0.5 × 0.625 + 0.4 × 0.725 = 0.063636 + 0.3125 + 0.29 = 0.666136
#
# company (I1 I2 I5 I6 I7 I8 I11 I14 I15): response 5/8, resolution 4/5, satisfaction 2.9/3 = 0.966667,
#   composite 0.0625 + 0.4 + 0.386667 = 0.849167
# member (I3 I4 I12): response 2/3, resolution 1/3, satisfaction 0/1, composite 0.066667 + 0.166667 = 0.233333
# zone (every issue in 1 号楼: all but I13): as the compound, counted 12
# B1 (one issue, answered in time, resolved, satisfied): 1, 1, 1, composite 1.0
COMPOUND = dict(counted=13, response_base=11, responded=7, resolution_base=8, resolved=5, rated=4, satisfied=2, basic=1,
                dissatisfied=1)
COMPANY = dict(counted=9, response_base=8, responded=5, resolution_base=5, resolved=4, rated=3, satisfied=2, basic=1,
               dissatisfied=0)
MEMBER = dict(counted=3, response_base=3, responded=2, resolution_base=3, resolved=1, rated=1, satisfied=0, basic=0,
              dissatisfied=1)


def _counts(r):
    return {k: getattr(r, k) for k in COMPOUND}


@pytest.fixture
def october(world, officer, resident, neighbour, zone_member, secretary, company, clerk, b_resident, other_officer):
    s = services
    zm = zone_member

    def sanitation(at, who=resident, home=None):
        return file_issue(who, home or world.home, code="sanitation", now=at)

    def noise(at):
        return file_issue(resident, world.home, code="noise", now=at)

    i = {}
    i[1] = sanitation(T0)
    s.issue_acknowledge(actor=clerk, issue=i[1], now=T0 + h(2))
    s.issue_resolve(actor=clerk, issue=i[1], note="ok", now=T0 + d(1))
    s.issue_rate(actor=resident, issue=i[1], rating="satisfied", now=T0 + d(2))

    i[2] = sanitation(T0)
    s.issue_acknowledge(actor=clerk, issue=i[2], now=T0 + h(30))
    s.issue_resolve(actor=clerk, issue=i[2], note="ok", now=T0 + d(3))
    s.issue_rate(actor=resident, issue=i[2], rating="basic", now=T0 + d(4))

    i[3] = noise(T0)
    s.issue_acknowledge(actor=zm, issue=i[3], now=T0 + h(1))
    s.issue_resolve(actor=zm, issue=i[3], note="ok", now=T0 + d(2))
    s.issue_rate(actor=resident, issue=i[3], rating="dissatisfied", now=T0 + d(3))

    i[4] = noise(T0)

    i[5] = sanitation(NOW - h(2))

    i[6] = sanitation(NOW - d(3))
    s.issue_acknowledge(actor=clerk, issue=i[6], now=NOW - d(3) + h(1))

    i[7] = sanitation(T0)
    s.issue_acknowledge(actor=clerk, issue=i[7], now=T0 + h(1))
    s.issue_resolve(actor=clerk, issue=i[7], note="ok", now=T0 + d(1))

    i[8] = sanitation(T0)
    s.issue_acknowledge(actor=clerk, issue=i[8], now=T0 + h(1))
    s.issue_resolve(actor=clerk, issue=i[8], note="ok", now=T0 + d(1))
    s.issue_reopen(actor=resident, issue=i[8], reason="又脏了", now=T0 + d(2))
    s.issue_acknowledge(actor=clerk, issue=i[8], now=T0 + d(2) + h(1))
    s.issue_resolve(actor=clerk, issue=i[8], note="ok", now=T0 + d(4))
    s.issue_rate(actor=resident, issue=i[8], rating="satisfied", now=T0 + d(5))

    i[9] = sanitation(T0)
    s.issue_cancel(actor=resident, issue=i[9], now=T0 + h(1))

    i[10] = sanitation(T0, who=neighbour, home=world.next_door)
    s.issue_merge(actor=officer, issue=i[10], into=i[4], now=T0 + h(2))

    i[11] = sanitation(T0)
    s.issue_acknowledge(actor=clerk, issue=i[11], now=T0 + h(5))
    s.issue_resolve(actor=clerk, issue=i[11], note="ok", now=T0 + d(10))

    i[12] = noise(T0)
    s.issue_acknowledge(actor=zm, issue=i[12], now=T0 + h(3))

    second = world.households[("WA1", "2 号楼", "101")]
    owner2 = verified_owner(second, officer, username="owner2")
    i[13] = file_issue(owner2, second, code="noise", now=NOW - h(1))

    i[14] = sanitation(T0 + d(15))
    s.issue_return(actor=clerk, issue=i[14], reason="不归物业", now=T0 + d(15) + h(1))

    i[15] = sanitation(T0 + d(10))
    s.issue_acknowledge(actor=clerk, issue=i[15], now=T0 + d(10) + h(1))
    s.issue_resolve(actor=clerk, issue=i[15], note="ok", now=T0 + d(11))
    s.issue_reopen(actor=resident, issue=i[15], reason="没修好", now=T0 + d(17))

    assert s.issues_close_unrated(now=T0 + d(9)) == 1  # I7
    assert s.issues_escalate_overdue(now=T0 + h(25)) == {"escalated": 1, "skipped": 0}  # I4

    b = file_issue(b_resident, world.b_home, code="sanitation", now=T0)
    s.issue_acknowledge(actor=other_officer, issue=b, now=T0 + h(1))
    s.issue_resolve(actor=other_officer, issue=b, note="ok", now=T0 + d(1))
    s.issue_rate(actor=b_resident, issue=b, rating="satisfied", now=T0 + d(2))

    for n in i.values():
        n.refresh_from_db()
    states = {n: i[n].state for n in i}
    assert states == {
        1: State.CLOSED, 2: State.CLOSED, 3: State.CLOSED, 4: State.ESCALATED, 5: State.DISPATCHED,
        6: State.IN_PROGRESS, 7: State.CLOSED, 8: State.CLOSED, 9: State.CANCELLED, 10: State.MERGED,
        11: State.RESOLVED, 12: State.IN_PROGRESS, 13: State.SUBMITTED, 14: State.RETURNED, 15: State.REOPENED,
    }
    assert set(states.values()) == set(State)  # every state is in the fixture
    return i


def test_the_compounds_rates_equal_the_hand_computed_values(october, world):
    r = rates.rates_for("compound", world.a1.pk, *OCT, now=NOW)
    assert _counts(r) == COMPOUND
    assert r.response_rate == pytest.approx(7 / 11)
    assert r.resolution_rate == pytest.approx(0.625)
    assert r.satisfaction_rate == pytest.approx(0.725)
    assert r.composite == pytest.approx(0.666136, abs=1e-6)
    assert r.as_dict()["composite"] == pytest.approx(0.666136, abs=1e-6)


def test_the_company_member_and_zone_rates(october, world, company, zone_member):
    r = rates.rates_for("company", company.pk, *OCT, now=NOW)
    assert _counts(r) == COMPANY
    assert (r.response_rate, r.resolution_rate) == (pytest.approx(5 / 8), pytest.approx(4 / 5))
    assert r.satisfaction_rate == pytest.approx(2.9 / 3)
    assert r.composite == pytest.approx(0.849167, abs=1e-6)

    member = PartyMember.objects.get(user=zone_member)
    r = rates.rates_for("member", member.pk, *OCT, now=NOW)
    assert _counts(r) == MEMBER
    assert (r.response_rate, r.resolution_rate, r.satisfaction_rate) == (pytest.approx(2 / 3), pytest.approx(1 / 3), 0)
    assert r.composite == pytest.approx(0.233333, abs=1e-6)

    zone = ResponsibilityZone.objects.get(member=member)
    assert _counts(rates.rates_for("zone", zone.pk, *OCT, now=NOW)) == {**COMPOUND, "counted": 12}


def test_the_community_subdistrict_and_everything(october, world):
    assert _counts(rates.rates_for("community", world.a.pk, *OCT, now=NOW)) == COMPOUND
    assert _counts(rates.rates_for("subdistrict", world.s1.pk, *OCT, now=NOW)) == COMPOUND
    b = rates.rates_for("community", world.b.pk, *OCT, now=NOW)
    assert (b.counted, b.response_rate, b.resolution_rate, b.satisfaction_rate, b.composite) == (1, 1, 1, 1, 1)
    everything = rates.rates_for("compound", None, *OCT, now=NOW)
    assert _counts(everything) == dict(
        counted=14, response_base=12, responded=8, resolution_base=9, resolved=6, rated=5, satisfied=3, basic=1,
        dissatisfied=1,
    )


def test_the_period_and_the_moment_of_reading_matter(october, world):
    # Nothing was filed in September or November.
    assert rates.rates_for("compound", world.a1.pk, date(2026, 9, 1), date(2026, 9, 30), now=NOW).counted == 0
    nothing = rates.rates_for("compound", world.a1.pk, date(2026, 11, 1), date(2026, 11, 30), now=NOW)
    assert (nothing.response_rate, nothing.composite) == (None, None)
    # The first day only: I1 I2 I3 I4 I7 I8 I9 I10 I11 I12 (I9, I10 left out).
    assert rates.rates_for("compound", world.a1.pk, date(2026, 10, 1), date(2026, 10, 1), now=NOW).counted == 8
    # Read eight days later, I5 and I13 are unanswered past their response deadlines (13 settled, 7 in
    # time), and I5 I6 I13 I14 I15 past their resolution deadlines unresolved (13 settled, 5 resolved).
    later = rates.rates_for("compound", world.a1.pk, *OCT, now=NOW + d(8))
    assert (later.response_base, later.responded) == (13, 7)
    assert (later.resolution_base, later.resolved) == (13, 5)


def test_rates_by_groups_every_subject_in_one_query(october, world, company, zone_member, django_assert_num_queries):
    member = PartyMember.objects.get(user=zone_member)
    with django_assert_num_queries(2):  # the policy row, then the grouped aggregate
        by_member = rates.rates_by("member", *OCT, now=NOW)
    assert set(by_member) == {member.pk} and _counts(by_member[member.pk]) == MEMBER
    assert _counts(rates.rates_by("company", *OCT, now=NOW)[company.pk]) == COMPANY
    by_compound = rates.rates_by("compound", *OCT, now=NOW)
    assert set(by_compound) == {world.a1.pk, world.b1.pk}
    assert _counts(by_compound[world.a1.pk]) == COMPOUND
    within_a = rates.rates_by("compound", *OCT, within=Q(community=world.a), now=NOW)
    assert set(within_a) == {world.a1.pk}


def test_the_monthly_ranking_puts_the_best_composite_first(october, world):
    ranked = rates.ranking("compound", date(2026, 10, 17), now=NOW)
    assert [pk for pk, _r in ranked] == [world.b1.pk, world.a1.pk]
    assert [round(r.composite, 6) for _pk, r in ranked] == [1.0, 0.666136]
    assert rates.ranking("compound", date(2026, 11, 1), now=NOW) == []
    assert rates.month_bounds(date(2026, 10, 17)) == (date(2026, 10, 1), date(2026, 10, 31))


def test_changing_the_policy_weights_changes_the_composite(october, world):
    IssuePolicy.objects.filter(pk=1).update(
        weight_response=Decimal("0.2"), weight_resolution=Decimal("0.3"), weight_satisfaction=Decimal("0.5")
    )
    r = rates.rates_for("compound", world.a1.pk, *OCT, now=NOW)
    # 0.2 × 7/11 + 0.3 × 0.625 + 0.5 × 0.725 = 0.127273 + 0.1875 + 0.3625
    assert r.composite == pytest.approx(0.677273, abs=1e-6)
    # Weights that do not add up to one are scaled: (1 × 7/11 + 1 × 0.625 + 2 × 0.725) / 4
    IssuePolicy.objects.filter(pk=1).update(weight_response=1, weight_resolution=1, weight_satisfaction=2)
    assert rates.rates_for("compound", world.a1.pk, *OCT, now=NOW).composite == pytest.approx(0.677841, abs=1e-6)
    # The ranking follows the same weights.
    assert rates.ranking("compound", date(2026, 10, 1), now=NOW)[1][1].composite == pytest.approx(0.677841, abs=1e-6)


def test_a_rate_with_nothing_to_measure_is_left_out_of_the_composite():
    r = rates.Rates(counted=2, response_base=2, responded=1, resolution_base=1, resolved=1)
    # No ratings yet: (0.1 × 0.5 + 0.5 × 1) / 0.6
    assert r.satisfaction_rate is None
    assert r.composite == pytest.approx((0.05 + 0.5) / 0.6)


# --- departments are measured on their summonses -------------------------------------------------
#
# summons  issue  story                                                  r base/ok  s base/ok  rating
# D1       X      summoned T0, ack +3h, resolved +2d, rated satisfied     1 / 1      1 / 1      satisfied
# D2       Y      summoned T0+1d, never answered (due +2d, +6d passed)    1 / 0      1 / 0      -
# D3       Z      summoned NOW-1h: inside both deadlines                  0 / 0      0 / 0      -
# (another department's summons on W is not counted)
# response 1/2, resolution 1/2, satisfaction 1/1 → composite 0.05 + 0.25 + 0.4 = 0.7


def test_a_department_is_measured_on_its_own_deadlines(
    world, resident, neighbour, subdistrict_admin, department, other_department, responder
):
    def summoned(at, dept=department, who=resident, home=None):
        issue = file_issue(who, home or world.home, code="illegal-construction", now=at)
        services.issue_summon(actor=subdistrict_admin, issue=issue, department=dept, reason="请处理", now=at)
        return issue

    x = summoned(T0)
    services.issue_acknowledge(actor=responder, issue=x, now=T0 + h(3))
    services.issue_resolve(actor=responder, issue=x, note="已拆除", now=T0 + d(2))
    services.issue_rate(actor=resident, issue=x, rating="satisfied", now=T0 + d(3))
    summoned(T0 + d(1))
    summoned(NOW - h(1), who=neighbour, home=world.next_door)
    summoned(T0, dept=other_department)

    r = rates.rates_for("department", department.pk, *OCT, now=NOW)
    assert _counts(r) == dict(
        counted=3, response_base=2, responded=1, resolution_base=2, resolved=1, rated=1, satisfied=1, basic=0,
        dissatisfied=0,
    )
    assert r.composite == pytest.approx(0.7)
    by_department = rates.rates_by("department", *OCT, now=NOW)
    assert set(by_department) == {department.pk, other_department.pk}
    assert by_department[other_department.pk].counted == 1
    assert [pk for pk, _r in rates.ranking("department", date(2026, 10, 1), now=NOW)][0] == department.pk
