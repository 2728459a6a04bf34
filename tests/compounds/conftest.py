"""Fixtures for the compounds tests: people and claims in community B, API tokens, snapshots.

The shared cast (``resident``, ``officer``, ``other_officer``, …) lives in ``tests/conftest.py``;
what is here only adds the B side of the world that scope tests try to reach from A.
"""

import pytest
from guardian.models import UserObjectPermission
from rest_framework.authtoken.models import Token

from compounds import services
from compounds.models import (
    Building,
    CommunityUserObjectPermission,
    Compound,
    CompoundUserObjectPermission,
    Household,
    HouseholdImport,
    Residency,
    RoleAssignment,
    SubdistrictUserObjectPermission,
)
from governance.accounts.models import Notification

from .. import factories

# What a write in this app could touch; compared row by row before and after a refused request.
WATCHED = (
    Compound,
    Building,
    Household,
    Residency,
    RoleAssignment,
    Notification,
    HouseholdImport,
    CompoundUserObjectPermission,
    CommunityUserObjectPermission,
    SubdistrictUserObjectPermission,
    UserObjectPermission,
)


def snapshot(models=WATCHED):
    """Every row of every watched model, and the length of each history table."""
    rows = {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}
    for model in models:
        history = getattr(model, "history", None)
        if history is not None:
            rows[f"{model._meta.label}.history"] = history.count()
    return rows


@pytest.fixture
def english(client):
    """Pages in English, so assertions on text do not depend on the Chinese catalogue."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def b_claimant(world, other_officer):
    """Someone who claimed household B1 1 号楼 101 and waits for community B's verdict."""
    user = factories.UserFactory(username="b_claimant", display_name="王芳", phone="13900009999")
    services.residency_claim(user=user, household=world.b_home, relation="owner")
    return user


@pytest.fixture
def b_claim(b_claimant, world):
    return Residency.objects.get(user=b_claimant, household=world.b_home)


@pytest.fixture
def b_resident(world, other_officer):
    """A verified resident of B1 (1 号楼 102)."""
    user = factories.UserFactory(username="b_resident", display_name="赵磊", phone="13900008888")
    household = world.households[("WB1", "1 号楼", "102")]
    residency = services.residency_claim(user=user, household=household, relation="owner")
    services.residency_verify(actor=other_officer, residency=residency)
    return user


@pytest.fixture
def token_for(db):
    """``token_for(user)`` → the Authorization header of a REST token for that user."""

    def make(user):
        token, _ = Token.objects.get_or_create(user=user)
        return {"Authorization": f"Token {token.key}"}

    return make
