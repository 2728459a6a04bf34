"""The Party side of the world: a branch in each community, built through the services so the
roles follow (party member, secretary)."""

from datetime import date

import pytest
from guardian.models import UserObjectPermission
from rest_framework.authtoken.models import Token

from compounds.models import CompoundUserObjectPermission, RoleAssignment
from governance.accounts.models import Notification
from governance.party import services
from governance.party.models import (
    BranchCoverage,
    BranchSeat,
    BuildingLeader,
    MemberCheckIn,
    PartyBranch,
    PartyGroup,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ServicePost,
    ZoneHousehold,
)

from .. import factories

WATCHED = (
    PartyBranch, BranchCoverage, PartyMember, BranchSeat, PartyGroup, BuildingLeader, ResponsibilityZone,
    ZoneHousehold, MemberCheckIn, PostClaim, RoleAssignment, Notification, CompoundUserObjectPermission,
    UserObjectPermission,
)


def snapshot(models=WATCHED):
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def token_for(db):
    def make(user):
        token, _ = Token.objects.get_or_create(user=user)
        return {"Authorization": f"Token {token.key}"}

    return make



@pytest.fixture
def posts(db):
    return {p.code: p for p in ServicePost.objects.all()}


@pytest.fixture
def branch_a(world, officer):
    return services.branch_create(
        actor=officer, community=world.a, name="江工塑院小区党支部", kind="compound", founded_on=date(2020, 7, 1),
        compounds=[world.a1],
    )


@pytest.fixture
def branch_b(world, other_officer):
    return services.branch_create(
        actor=other_officer, community=world.b, name="安居小区党支部", kind="compound", founded_on=date(2021, 7, 1),
        compounds=[world.b1],
    )


@pytest.fixture
def member_a(branch_a, officer, resident):
    """The resident of A1 is an in-service member of A's branch."""
    return services.member_add(
        actor=officer, branch=branch_a, user=resident, kind="in_service", employer="西陵区税务局",
        employer_party_organisation="区税务局机关党委",
    )


@pytest.fixture
def b_member_user(world):
    return factories.UserFactory(username="b_member", display_name="周明", phone="13900007777")


@pytest.fixture
def member_b(branch_b, other_officer, b_member_user):
    return services.member_add(actor=other_officer, branch=branch_b, user=b_member_user, kind="in_service", employer="安居医院")


@pytest.fixture
def zone_b(branch_b, member_b, other_officer, world):
    return services.zone_save(
        actor=other_officer, branch=branch_b, compound=world.b1, member=member_b, name="1 号楼责任区",
        buildings=[world.b_home.building],
    )


@pytest.fixture(autouse=True)
def _english(client):
    """Assertions quote the English source messages; the UI's default language is Chinese."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
