"""The demo data: a second seed changes nothing, and the demo resident's "who serves us" is full."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from committees.credit_code import validate_credit_code
from committees.models import Committee, PropertyCompany, PropertyContract, PropertyStaff, Seat
from compounds.models import Compound, Residency, RoleAssignment
from governance.accounts.models import User
from governance.dashboards import selectors
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
    ZoneHousehold,
)

MODELS = (
    PartyBranch, BranchCoverage, PartyMember, BranchSeat, PartyGroup, BuildingLeader, ResponsibilityZone,
    ZoneHousehold, MemberCheckIn, PostClaim, Committee, Seat, PropertyCompany, PropertyContract, PropertyStaff,
    Residency, RoleAssignment, User,
)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db(transaction=False)
def test_the_demo_seeds_once_and_shows_a_full_who_serves_us(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first

    assert first["PartyBranch"] == 10 and first["PropertyCompany"] == 3
    for company in PropertyCompany.objects.all():
        validate_credit_code(company.credit_code)
    # One compound without property service; one with an interim committee; a joint branch.
    assert Compound.objects.exclude(property_contracts__status="active").count() == 1
    assert Committee.objects.filter(kind="interim_committee").count() == 1
    assert PartyBranch.objects.filter(kind="joint", coverage__isnull=False).distinct().count() == 1
    assert MemberCheckIn.objects.filter(status="lapsed").exists() and MemberCheckIn.objects.filter(status="active").exists()

    district = User.objects.get(username="district")
    total = selectors.coverage(district).total
    assert 0.75 <= total.figures["households_zoned"] / total.figures["households"] <= 0.9
    assert total.figures["cross_appointed"] > 0 and total.figures["with_property"] == 11

    resident = User.objects.get(username="resident")
    compound = Compound.objects.get(code="JGSY")
    client.force_login(resident)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("dashboards:who-serves-us", args=[compound.pk])).content.decode()
    for text in ("江工塑院小区党支部", "王德明", "刘国华", "1 号楼", "Owners&#x27; committee", "Owners&#x27; supervisory board"):
        assert text in page, text
    assert "No building leader yet" not in page and "not in a responsibility zone" not in page
    assert 'data-testid="no-property"' not in page
    for username in ("shuji", "dangyuan", "wuye1", "wuye2", "wuye3"):
        assert User.objects.filter(username=username).exists()
