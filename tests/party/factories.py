"""Factories for the Party organisation (STYLE.md §14). Rows only: behaviour (roles, coverage
checks) comes from the services, which the fixtures in conftest.py call."""

from datetime import date, timedelta

import factory
from factory.django import DjangoModelFactory

from governance.party.models import (
    BranchCoverage,
    MemberCheckIn,
    PartyBranch,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ServicePost,
    ZoneHousehold,
)

from ..factories import CommunityFactory, CompoundFactory, HouseholdFactory, UserFactory


class PartyBranchFactory(DjangoModelFactory):
    class Meta:
        model = PartyBranch

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}党支部")
    founded_on = date(2020, 7, 1)


class BranchCoverageFactory(DjangoModelFactory):
    class Meta:
        model = BranchCoverage

    branch = factory.SubFactory(PartyBranchFactory)
    compound = factory.SubFactory(CompoundFactory, community=factory.SelfAttribute("..branch.community"))


class PartyMemberFactory(DjangoModelFactory):
    class Meta:
        model = PartyMember

    user = factory.SubFactory(UserFactory)
    branch = factory.SubFactory(PartyBranchFactory)
    kind = "in_service"
    employer = "西陵区税务局"
    employer_party_organisation = "区税务局机关党委"


class ResponsibilityZoneFactory(DjangoModelFactory):
    class Meta:
        model = ResponsibilityZone

    branch = factory.SubFactory(PartyBranchFactory)
    compound = factory.SubFactory(CompoundFactory, community=factory.SelfAttribute("..branch.community"))
    member = factory.SubFactory(PartyMemberFactory, branch=factory.SelfAttribute("..branch"))
    name = factory.Sequence(lambda n: f"责任区{n}")


class ZoneHouseholdFactory(DjangoModelFactory):
    class Meta:
        model = ZoneHousehold

    zone = factory.SubFactory(ResponsibilityZoneFactory)
    household = factory.SubFactory(HouseholdFactory)


class MemberCheckInFactory(DjangoModelFactory):
    class Meta:
        model = MemberCheckIn

    member = factory.SubFactory(PartyMemberFactory)
    branch = factory.SelfAttribute("member.branch")
    community = factory.SelfAttribute("member.branch.community")
    checked_in_on = date(2026, 7, 1)
    expires_on = factory.LazyAttribute(lambda c: c.checked_in_on + timedelta(days=182))


class PostClaimFactory(DjangoModelFactory):
    class Meta:
        model = PostClaim

    member = factory.SubFactory(PartyMemberFactory)
    post = factory.LazyFunction(lambda: ServicePost.objects.get(code="patrol"))
    community = factory.SelfAttribute("member.branch.community")
    claimed_on = date(2026, 7, 1)
