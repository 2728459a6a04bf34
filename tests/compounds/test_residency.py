from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from compounds import services
from compounds.models import Residency, ResidencyStatus, RoleAssignment
from governance.accounts.models import Notification, User
from governance.accounts.roles import Role


def test_verifying_a_claim_makes_the_claimant_a_resident_and_tells_them(world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    assert Notification.objects.filter(user=officer, kind="residency_submitted").count() == 1

    services.residency_verify(actor=officer, residency=residency)

    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.VERIFIED
    assert RoleAssignment.objects.filter(user=stranger, role=Role.RESIDENT, compound=world.a1).exists()
    assert stranger.has_perm("compounds.view_compound", world.a1)
    assert Notification.objects.filter(user=stranger, kind="residency_verified").count() == 1


def test_an_officer_of_another_community_cannot_decide_and_nothing_changes(client, world, other_officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    client.force_login(other_officer)
    for name in ("compounds:residency-detail", "compounds:residency-verify", "compounds:residency-reject"):
        assert client.post(reverse(name, args=[residency.pk]), {"reason": "x"}).status_code == 404
    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.PENDING
    assert not RoleAssignment.objects.filter(user=stranger).exists()


def test_a_rejection_needs_a_reason(world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    with pytest.raises(ValidationError):
        services.residency_reject(actor=officer, residency=residency, reason="  ")
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.PENDING


# --- Claims -----------------------------------------------------------------------------------


def test_a_claim_notifies_the_officers_of_that_community_only(world, officer, other_officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="tenant", note=" 租客 ")

    assert residency.status == ResidencyStatus.PENDING
    assert residency.note == "租客"
    notification = Notification.objects.get(user=officer, kind="residency_submitted")
    assert notification.url == reverse("compounds:residency-detail", args=[residency.pk])
    assert notification.params["resident"] == stranger.name
    assert not Notification.objects.filter(user=other_officer).exists()
    assert not RoleAssignment.objects.filter(user=stranger).exists()


def test_a_second_live_claim_to_the_same_household_is_refused(world, officer, stranger):
    services.residency_claim(user=stranger, household=world.home, relation="owner")
    with pytest.raises(ValidationError):
        services.residency_claim(user=stranger, household=world.home, relation="owner")
    assert Residency.objects.filter(user=stranger).count() == 1
    assert Notification.objects.filter(user=officer, kind="residency_submitted").count() == 1


def test_a_verified_resident_cannot_claim_their_household_again(world, resident):
    with pytest.raises(ValidationError):
        services.residency_claim(user=resident, household=world.home, relation="family")
    assert Residency.objects.filter(user=resident).count() == 1


def test_after_a_rejection_the_household_can_be_claimed_again(world, officer, stranger):
    first = services.residency_claim(user=stranger, household=world.home, relation="owner")
    services.residency_reject(actor=officer, residency=first, reason="不在业主名册上")

    second = services.residency_claim(user=stranger, household=world.home, relation="tenant")
    assert second.pk != first.pk
    assert second.status == ResidencyStatus.PENDING


def test_a_claim_needs_a_known_relation(world, stranger):
    with pytest.raises(ValidationError):
        services.residency_claim(user=stranger, household=world.home, relation="landlord")
    assert not Residency.objects.filter(user=stranger).exists()


# --- Decisions --------------------------------------------------------------------------------


def test_a_rejection_tells_the_claimant_why_and_grants_nothing(world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    services.residency_reject(actor=officer, residency=residency, reason=" 不在业主名册上 ")

    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.REJECTED
    assert residency.reason == "不在业主名册上"
    assert residency.decided_by == officer
    assert residency.decided_at is not None
    notification = Notification.objects.get(user=stranger, kind="residency_rejected")
    assert notification.params["reason"] == "不在业主名册上"
    assert not RoleAssignment.objects.filter(user=stranger).exists()
    assert not User.objects.get(pk=stranger.pk).has_perm("compounds.view_compound", world.a1)


def test_a_decided_claim_cannot_be_decided_again(world, officer, subdistrict_admin, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    services.residency_reject(actor=officer, residency=residency, reason="材料不全")
    history = residency.history.count()

    with pytest.raises(ValidationError):
        services.residency_verify(actor=subdistrict_admin, residency=residency)
    with pytest.raises(ValidationError):
        services.residency_reject(actor=officer, residency=residency, reason="again")

    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.REJECTED
    assert residency.decided_by == officer
    assert residency.history.count() == history
    assert not RoleAssignment.objects.filter(user=stranger).exists()
    assert Notification.objects.filter(user=stranger).count() == 1


def test_two_officers_verifying_the_same_claim_verify_it_once(world, officer, subdistrict_admin, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    stale_copy = Residency.objects.get(pk=residency.pk)  # what the second officer's page loaded

    services.residency_verify(actor=officer, residency=residency)
    with pytest.raises(ValidationError):
        services.residency_verify(actor=subdistrict_admin, residency=stale_copy)

    assert Residency.objects.get(pk=residency.pk).decided_by == officer
    assert RoleAssignment.objects.filter(user=stranger, role=Role.RESIDENT).count() == 1
    assert Notification.objects.filter(user=stranger, kind="residency_verified").count() == 1


def test_an_officer_of_another_community_cannot_verify_through_the_service(world, other_officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    with pytest.raises(PermissionDenied):
        services.residency_verify(actor=other_officer, residency=residency)
    with pytest.raises(PermissionDenied):
        services.residency_reject(actor=other_officer, residency=residency, reason="x")
    with pytest.raises(PermissionDenied):
        services.residency_end(actor=other_officer, residency=residency)
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.PENDING


def test_a_subdistrict_admin_may_verify_claims_in_their_subdistrict(world, subdistrict_admin, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    services.residency_verify(actor=subdistrict_admin, residency=residency)
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.VERIFIED


# --- Ending -----------------------------------------------------------------------------------


def test_ending_the_only_residency_in_a_compound_revokes_the_resident_role(world, officer, resident):
    residency = Residency.objects.get(user=resident, household=world.home)
    services.residency_end(actor=officer, residency=residency, reason="搬走了")

    residency.refresh_from_db()
    assert residency.status == ResidencyStatus.ENDED
    assert residency.reason == "搬走了"
    assignment = RoleAssignment.objects.get(user=resident, role=Role.RESIDENT)
    assert assignment.ended_at is not None
    assert not User.objects.get(pk=resident.pk).has_perm("compounds.view_compound", world.a1)


def test_ending_one_of_two_households_in_a_compound_keeps_the_resident_role(world, officer, resident):
    second = services.residency_claim(user=resident, household=world.next_door, relation="co_owner")
    services.residency_verify(actor=officer, residency=second)
    assert RoleAssignment.objects.filter(user=resident, role=Role.RESIDENT).count() == 1

    services.residency_end(actor=officer, residency=second)

    assert RoleAssignment.objects.get(user=resident, role=Role.RESIDENT).ended_at is None
    assert User.objects.get(pk=resident.pk).has_perm("compounds.view_compound", world.a1)


def test_a_resident_may_end_their_own_residency_but_not_a_neighbours(world, resident, neighbour):
    neighbours = Residency.objects.get(user=neighbour)
    with pytest.raises(PermissionDenied):
        services.residency_end(actor=resident, residency=neighbours)
    assert Residency.objects.get(pk=neighbours.pk).status == ResidencyStatus.VERIFIED

    own = Residency.objects.get(user=resident)
    services.residency_end(actor=resident, residency=own)
    assert Residency.objects.get(pk=own.pk).status == ResidencyStatus.ENDED


def test_an_ended_residency_cannot_be_ended_again(world, officer, resident):
    residency = Residency.objects.get(user=resident)
    services.residency_end(actor=officer, residency=residency)
    history = residency.history.count()
    with pytest.raises(ValidationError):
        services.residency_end(actor=officer, residency=residency)
    assert residency.history.count() == history


def test_a_pending_claim_can_be_withdrawn_and_claimed_again(world, officer, stranger):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    services.residency_end(actor=stranger, residency=residency)
    assert Residency.objects.get(pk=residency.pk).status == ResidencyStatus.ENDED
    services.residency_claim(user=stranger, household=world.home, relation="owner")
    assert Residency.objects.filter(user=stranger, status=ResidencyStatus.PENDING).count() == 1


# --- Reminders --------------------------------------------------------------------------------


def test_stale_claims_remind_the_officers_once(world, officer, other_officer, stranger):
    services.residency_claim(user=stranger, household=world.home, relation="owner")
    services.residency_claim(user=stranger, household=world.next_door, relation="owner")
    later = timezone.now() + timedelta(hours=49)

    assert services.residency_remind_stale(now=later, after=timedelta(hours=48)) == 2
    reminder = Notification.objects.get(user=officer, kind="residency_stale")
    assert reminder.params == {"count": 2, "community": str(world.a), "hours": 48}
    assert reminder.url == reverse("compounds:verification-queue")
    assert not Notification.objects.filter(user=other_officer).exists()

    # A second (or doubled) run finds nothing left to remind about.
    assert services.residency_remind_stale(now=later + timedelta(hours=1), after=timedelta(hours=48)) == 0
    assert Notification.objects.filter(kind="residency_stale").count() == 1


def test_fresh_and_decided_claims_are_not_reminded_about(world, officer, stranger, neighbour):
    services.residency_claim(user=stranger, household=world.home, relation="owner")
    assert services.residency_remind_stale(after=timedelta(hours=48)) == 0
    # neighbour's claim is verified already: only stranger's, once old, is stale.
    assert services.residency_remind_stale(now=timezone.now() + timedelta(days=3), after=timedelta(hours=48)) == 1
    assert not Residency.objects.filter(user=neighbour, reminded_at__isnull=False).exists()


def test_the_periodic_task_reminds_with_the_configured_delay(world, officer, stranger, settings):
    from compounds.tasks import remind_stale_verifications

    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    Residency.objects.filter(pk=residency.pk).update(created_at=timezone.now() - timedelta(hours=50))
    settings.STALE_VERIFICATION_AFTER = timedelta(hours=48)

    assert remind_stale_verifications() == 1
    assert remind_stale_verifications() == 0
    assert Notification.objects.filter(user=officer, kind="residency_stale").count() == 1


# --- E-mail after commit ----------------------------------------------------------------------


def test_the_officer_is_mailed_about_a_claim_only_after_commit(
    world, officer, stranger, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.residency_claim(user=stranger, household=world.home, relation="owner")
    assert mail.outbox == []  # nothing is sent while the transaction is open
    assert len(callbacks) == 1

    callbacks[0]()
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert stranger.name in mail.outbox[0].subject


def test_the_claimant_is_mailed_the_verdict_after_commit(
    world, officer, stranger, tasks_in_process, django_capture_on_commit_callbacks
):
    residency = services.residency_claim(user=stranger, household=world.home, relation="owner")
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_verify(actor=officer, residency=residency)
    assert [m.to for m in mail.outbox] == [[stranger.email]]
    assert str(world.home) in mail.outbox[0].subject
    assert mail.outbox[0].alternatives  # and an HTML part


def test_a_rolled_back_claim_mails_nobody(world, officer, stranger, tasks_in_process, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.residency_claim(user=stranger, household=world.home, relation="owner")
            raise RuntimeError("the request failed later")
    assert callbacks == []
    assert mail.outbox == []
    assert not Residency.objects.filter(user=stranger).exists()


def test_a_person_who_switched_off_e_mail_is_not_mailed(
    world, officer, stranger, tasks_in_process, django_capture_on_commit_callbacks
):
    from governance.accounts.services import notification_preference_set

    notification_preference_set(user=officer, kind="residency_submitted", channel="email", enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_claim(user=stranger, household=world.home, relation="owner")
    assert mail.outbox == []
    assert Notification.objects.filter(user=officer, kind="residency_submitted").count() == 1
