"""The services of the Party organisation: roles follow the records, zones and coverage refuse
overlaps (and change nothing), check-ins need a post, renew in a chain and are scanned once."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from compounds.models import RoleAssignment
from governance.accounts.models import Notification
from governance.accounts.roles import Role
from governance.party import services
from governance.party.models import BranchCoverage, CheckInStatus, MemberCheckIn, PostClaim, ZoneHousehold

from .. import factories
from .conftest import snapshot


def _roles(user):
    return set(RoleAssignment.objects.filter(user=user, ended_at__isnull=True).values_list("role", "compound_id"))


def test_membership_grants_party_member_on_every_covered_compound(world, officer, resident):
    second = factories.CompoundFactory(community=world.a, name="东湾小区")
    branch = services.branch_create(
        actor=officer, community=world.a, name="联合党支部", kind="joint", founded_on=date(2020, 1, 1),
        compounds=[world.a1, second],
    )
    services.member_add(actor=officer, branch=branch, user=resident, kind="resident")
    assert {(Role.PARTY_MEMBER, world.a1.pk), (Role.PARTY_MEMBER, second.pk)} <= _roles(resident)


def test_a_secretary_seat_grants_branch_secretary_and_leaving_revokes_everything(branch_a, member_a, officer, resident, world):
    seat = services.branch_seat_add(actor=officer, branch=branch_a, member=member_a, role="secretary", term_start=date(2026, 1, 1))
    assert (Role.BRANCH_SECRETARY, world.a1.pk) in _roles(resident)

    services.branch_seat_end(actor=officer, seat=seat)
    assert (Role.BRANCH_SECRETARY, world.a1.pk) not in _roles(resident)

    services.branch_seat_add(actor=officer, branch=branch_a, member=member_a, role="committee_member", term_start=date(2026, 1, 1))
    assert (Role.BRANCH_COMMITTEE, world.a1.pk) in _roles(resident)
    services.member_leave(actor=officer, member=member_a)
    party = {Role.PARTY_MEMBER, Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE}
    assert not {r for r, _c in _roles(resident)} & party


def test_a_second_secretary_is_refused(branch_a, member_a, officer, world):
    other = services.member_add(actor=officer, branch=branch_a, user=factories.UserFactory(), kind="retired")
    services.branch_seat_add(actor=officer, branch=branch_a, member=member_a, role="secretary", term_start=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        services.branch_seat_add(actor=officer, branch=branch_a, member=other, role="secretary", term_start=date(2026, 1, 1))


def test_a_compound_cannot_be_covered_by_two_branches(branch_a, officer, world):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.branch_create(
            actor=officer, community=world.a, name="第二支部", kind="compound", founded_on=date(2022, 1, 1), compounds=[world.a1]
        )
    assert "江工塑院小区" in str(exc.value)
    assert snapshot() == before


def test_a_branch_cannot_cover_another_communitys_compound(officer, world):
    with pytest.raises((ValidationError, PermissionDenied)):
        services.branch_create(
            actor=officer, community=world.a, name="越界", kind="compound", founded_on=date(2022, 1, 1), compounds=[world.b1]
        )
    assert not BranchCoverage.objects.filter(compound=world.b1).exists()


def test_an_officer_of_another_community_cannot_create_a_branch_there(other_officer, world):
    with pytest.raises(PermissionDenied):
        services.branch_create(
            actor=other_officer, community=world.a, name="越权", kind="compound", founded_on=date(2022, 1, 1), compounds=[]
        )


def test_a_household_in_another_zone_is_refused_by_name_and_nothing_changes(branch_b, member_b, zone_b, other_officer, world):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.zone_save(
            actor=other_officer, branch=branch_b, compound=world.b1, member=member_b, name="重叠", households=[world.b_home]
        )
    assert "1 号楼责任区" in str(exc.value)
    assert str(world.b_home) in str(exc.value)
    assert snapshot() == before


def test_ending_a_zone_frees_its_households(zone_b, other_officer, branch_b, member_b, world):
    services.zone_end(actor=other_officer, zone=zone_b)
    assert not ZoneHousehold.objects.filter(zone=zone_b).exists()
    again = services.zone_save(
        actor=other_officer, branch=branch_b, compound=world.b1, member=member_b, name="新责任区", households=[world.b_home]
    )
    assert list(again.coverage.values_list("household_id", flat=True)) == [world.b_home.pk]


def test_a_branch_keeps_a_compound_while_it_has_zones_there(zone_b, other_officer, branch_b, world):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.branch_update(
            actor=other_officer, branch=branch_b, name=branch_b.name, kind=branch_b.kind, founded_on=branch_b.founded_on, compounds=[]
        )
    assert "安居小区" in str(exc.value)
    assert snapshot() == before


def test_a_zone_cannot_move_to_another_compound(zone_b, other_officer, branch_b, member_b, world):
    other = factories.CompoundFactory(community=world.b, name="安居二期")
    services.branch_update(
        actor=other_officer, branch=branch_b, name=branch_b.name, kind=branch_b.kind, founded_on=branch_b.founded_on,
        compounds=[world.b1, other],
    )
    home = factories.HouseholdFactory(building=factories.BuildingFactory(compound=other), room="101")
    before = snapshot()
    with pytest.raises(ValidationError):
        services.zone_save(
            actor=other_officer, branch=branch_b, compound=other, member=member_b, name="搬家", households=[home], zone=zone_b
        )
    assert snapshot() == before


def test_a_member_with_a_zone_must_hand_it_over_before_leaving(member_b, zone_b, other_officer):
    with pytest.raises(ValidationError):
        services.member_leave(actor=other_officer, member=member_b)


def test_check_in_requires_at_least_one_post(member_a, resident, world):
    with pytest.raises(ValidationError):
        services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[])
    assert not MemberCheckIn.objects.exists()


def test_check_in_renew_chain(member_a, resident, world, posts):
    first = services.checkin_register(
        actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]], note="周末巡逻", today=date(2026, 1, 1)
    )
    assert first.expires_on == date(2026, 1, 1) + timedelta(days=182)
    assert PostClaim.objects.filter(member=member_a, released_on__isnull=True).count() == 1

    second = services.checkin_renew(actor=resident, checkin=first, today=date(2026, 6, 20))
    first.refresh_from_db()
    assert first.status == CheckInStatus.RENEWED
    assert second.previous == first and second.status == CheckInStatus.ACTIVE
    # renewed early: the new term runs on from the old expiry
    assert second.expires_on == first.expires_on + timedelta(days=182)
    with pytest.raises(ValidationError):
        services.checkin_renew(actor=resident, checkin=first, today=date(2026, 6, 21))


def test_a_second_check_in_is_refused(member_a, resident, world, posts):
    services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]])
    with pytest.raises(ValidationError):
        services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["legal"]])


def test_a_checked_in_member_keeps_at_least_one_post(member_a, resident, world, posts):
    services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]])
    claim = PostClaim.objects.get(member=member_a)
    with pytest.raises(ValidationError):
        services.post_release(actor=resident, claim=claim)
    services.post_claim(actor=resident, member=member_a, post=posts["legal"])
    services.post_release(actor=resident, claim=claim)
    claim.refresh_from_db()
    assert claim.released_on


def test_the_scan_reminds_14_days_before_once_and_lapses_expired_once(member_a, member_b, resident, b_member_user, world, posts):
    soon = services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]], today=date(2026, 1, 1))
    late = services.checkin_register(
        actor=b_member_user, member=member_b, community=world.b, posts=[posts["legal"]], today=date(2025, 12, 1)
    )
    today = soon.expires_on - timedelta(days=14)
    assert late.expires_on <= today  # already past its date

    assert services.checkins_scan(today=today) == {"reminded": 1, "lapsed": 1}
    assert services.checkins_scan(today=today) == {"reminded": 0, "lapsed": 0}

    soon.refresh_from_db()
    late.refresh_from_db()
    assert soon.reminded_at is not None and soon.status == CheckInStatus.ACTIVE
    assert late.status == CheckInStatus.LAPSED
    assert Notification.objects.filter(user=resident, kind="checkin_expiring").count() == 1
    assert Notification.objects.filter(user=b_member_user, kind="checkin_lapsed").count() == 1


def test_the_scan_does_not_remind_too_early(member_a, resident, world, posts):
    checkin = services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]], today=date(2026, 1, 1))
    assert services.checkins_scan(today=checkin.expires_on - timedelta(days=15)) == {"reminded": 0, "lapsed": 0}


def test_a_lapsed_check_in_renews_from_today(member_a, resident, world, posts):
    checkin = services.checkin_register(actor=resident, member=member_a, community=world.a, posts=[posts["patrol"]], today=date(2026, 1, 1))
    services.checkins_scan(today=checkin.expires_on)
    checkin.refresh_from_db()
    renewed = services.checkin_renew(actor=resident, checkin=checkin, today=date(2026, 8, 1))
    assert renewed.expires_on == date(2026, 8, 1) + timedelta(days=182)


def test_dissolving_a_branch_ends_members_seats_zones_and_roles(branch_b, member_b, zone_b, other_officer, b_member_user, world):
    services.branch_seat_add(actor=other_officer, branch=branch_b, member=member_b, role="secretary", term_start=date(2026, 1, 1))
    services.branch_dissolve(actor=other_officer, branch=branch_b)
    member_b.refresh_from_db()
    zone_b.refresh_from_db()
    assert member_b.left_on and zone_b.ended_on
    assert not BranchCoverage.objects.filter(branch=branch_b).exists()
    assert not ZoneHousehold.objects.exists()
    assert not _roles(b_member_user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_zones_racing_for_one_household_end_with_it_in_one_zone(world, other_officer, b_member_user):
    """Both requests pass the clash check before either commits; the OneToOne row on the
    household lets only one of them insert it, and the other is refused cleanly."""
    branch = services.branch_create(
        actor=other_officer, community=world.b, name="安居小区党支部", kind="compound", founded_on=date(2021, 7, 1), compounds=[world.b1]
    )
    member = services.member_add(actor=other_officer, branch=branch, user=b_member_user, kind="resident")
    barrier = threading.Barrier(2)
    results = []

    original = ZoneHousehold.objects.filter

    def racing_filter(*args, **kwargs):
        qs = original(*args, **kwargs)
        if "household__in" in kwargs:  # the clash check: wait until both threads have made it
            list(qs)
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
        return qs

    def attempt(name):
        try:
            with translation.override("en"):  # a thread does not inherit the test's language
                services.zone_save(
                    actor=other_officer, branch=branch, compound=world.b1, member=member, name=name, households=[world.b_home]
                )
            results.append("ok")
        except ValidationError as exc:
            with translation.override("en"):
                results.append(str(exc))
        finally:
            connection.close()

    from unittest import mock

    with mock.patch.object(ZoneHousehold.objects, "filter", side_effect=racing_filter):
        threads = [threading.Thread(target=attempt, args=(f"区{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

    assert sorted(r == "ok" for r in results) == [False, True], results
    # the loser passed the clash check too and was stopped by the constraint, not by the check
    assert any("just put into another zone" in r for r in results), results
    assert ZoneHousehold.objects.filter(household=world.b_home).count() == 1
