"""Query counts pinned (STYLE.md §13): the Party list pages and API lists cost the same number
of queries for 10 rows as for 50. If one is added on purpose, update the number and say why."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from compounds.models import Building, Compound, Household
from governance.accounts.models import User
from governance.party.models import (
    BranchCoverage,
    BranchSeat,
    MemberCheckIn,
    PartyBranch,
    PartyGroup,
    PartyMember,
    ResponsibilityZone,
    ZoneHousehold,
)

from .. import factories
from .factories import PartyBranchFactory

ROWS = 55


@pytest.fixture
def crowded(world, officer):
    """Community A with 55 branches, each covering its own compound with a building of two
    households, one in-service member (a secretary, checked in) with a zone and a party group."""
    compounds = Compound.objects.bulk_create(factories.CompoundFactory.build_batch(ROWS, community=world.a))
    buildings = Building.objects.bulk_create(factories.BuildingFactory.build(compound=c) for c in compounds)
    homes = Household.objects.bulk_create(
        factories.HouseholdFactory.build(building=b, room=room) for b in buildings for room in ("101", "102")
    )
    branches = PartyBranch.objects.bulk_create(PartyBranchFactory.build_batch(ROWS, community=world.a))
    BranchCoverage.objects.bulk_create(BranchCoverage(branch=br, compound=c) for br, c in zip(branches, compounds, strict=True))
    users = User.objects.bulk_create(factories.UserFactory.build_batch(ROWS))
    members = PartyMember.objects.bulk_create(
        PartyMember(user=u, branch=br, kind="in_service", employer="单位") for u, br in zip(users, branches, strict=True)
    )
    BranchSeat.objects.bulk_create(
        BranchSeat(branch=m.branch, member=m, role="secretary", term_start=date(2026, 1, 1)) for m in members
    )
    zones = ResponsibilityZone.objects.bulk_create(
        ResponsibilityZone(branch=m.branch, compound=c, member=m, name="责任区") for m, c in zip(members, compounds, strict=True)
    )
    ZoneHousehold.objects.bulk_create(ZoneHousehold(zone=z, household=h) for z, h in zip(zones, homes[::2], strict=True))
    groups = PartyGroup.objects.bulk_create(PartyGroup(branch=m.branch, name="党小组", leader=m) for m in members)
    for g, b in zip(groups, buildings, strict=True):
        g.buildings.add(b)
    today = timezone.localdate()
    MemberCheckIn.objects.bulk_create(
        MemberCheckIn(member=m, community=world.a, branch=m.branch, checked_in_on=today, expires_on=today + timedelta(days=182))
        for m in members
    )
    return world


# Page → queries. Every page pays session, user, the caller's roles and the unread count, then
# the "manages a community" check, the count and the rows; the branch list adds the communities
# of its filter and one prefetch of the compounds covered, the check-in list its chips' counts.
PAGES = {
    "party:branch-list": 9,
    "party:member-list": 7,
    "party:checkin-list": 8,
}
# Token, role assignments, count, rows; branches add the compounds covered and the seats,
# groups their buildings and zones their households (one prefetch each).
API = {
    "/api/v1/party/branches/": 6,
    "/api/v1/party/members/": 4,
    "/api/v1/party/groups/": 5,
    "/api/v1/party/zones/": 5,
    "/api/v1/party/checkins/": 4,
}


def test_each_party_list_page_costs_the_same_queries_for_10_and_50_rows(client, crowded, officer, django_assert_num_queries):
    client.force_login(officer)
    for name, queries in PAGES.items():
        url = reverse(name)
        client.get(url)
        for size in (10, 50):
            with django_assert_num_queries(queries):
                response = client.get(url, {"size": size})
            assert response.status_code == 200, name
            assert len(response.context["page"].object_list) == size, name


def test_each_party_api_list_costs_the_same_queries_for_10_and_50_rows(client, crowded, officer, token_for, django_assert_num_queries):
    headers = token_for(officer)
    for url, queries in API.items():
        client.get(url, headers=headers)
        for size in (10, 50):
            with django_assert_num_queries(queries):
                response = client.get(url, {"page_size": size}, headers=headers)
            assert response.status_code == 200, url
            assert len(response.json()["results"]) == size, url
