import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from compounds import services
from compounds.models import Residency, ResidencyStatus, RoleAssignment
from governance.accounts.models import Notification
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
