"""The officer sets up who serves a compound, and a resident of it sees them — end to end in real
Chromium against the live server.

At a desk the community officer creates a Party branch covering 江工塑院小区, adds a neighbour as a
member by mobile number and seats them as secretary, draws a responsibility zone over the
resident's building for that member, registers a property company and records its contract with
the compound. On a phone the resident opens "who serves us" from the home page and finds all of it.

Assertions go through data-testid hooks; names, dates and codes are data typed here, so those are
matched as typed, never translated text.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from committees.credit_code import make_code
from committees.models import ContractStatus, PropertyContract
from governance.party.models import BranchRole, PartyBranch, PartyMember, ResponsibilityZone, ZoneHousehold

from ..factories import PASSWORD
from .conftest import PHONE, login, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRANCH = "江工塑院小区党支部"
ZONE = "1 号楼责任区"
COMPANY = "宜昌江城物业服务有限公司"
CREDIT_CODE = make_code("91420502MA4F12345")
SUBMIT = "main form[method=post] button[type=submit]"


def _submit(page) -> None:
    with page.expect_navigation():
        page.click(SUBMIT)


def _follow(page, href: str) -> None:
    with page.expect_navigation():
        page.click(f"main a[href='{href}']")


def test_the_officer_sets_up_branch_zone_and_contract_and_a_resident_sees_who_serves_them(
    live_server, world, officer, resident, neighbour, open_page
):
    url = live_server.url
    today = timezone.localdate()
    founded = today - datetime.timedelta(days=30)
    starts = datetime.date(today.year, 1, 1)
    ends = datetime.date(today.year + 3, 12, 31)

    desk = open_page(staff=True, name="officer")
    login(desk, url, officer.phone, PASSWORD)

    # A new branch: the officer's one community is chosen already; it covers 江工塑院小区.
    with desk.expect_navigation():
        desk.click(f"nav a[href='{reverse('party:branch-list')}']")
    _follow(desk, reverse("party:branch-create"))
    expect(desk.locator("#id_community")).to_have_value(str(world.a.pk))
    desk.fill("#id_name", BRANCH)
    desk.select_option("#id_kind", value="compound")
    desk.fill("#id_founded_on", founded.isoformat())
    desk.select_option("#id_compounds", label=world.a1.name)
    _submit(desk)
    branch = PartyBranch.objects.get(name=BRANCH)
    assert desk.url == url + reverse("party:branch-detail", args=[branch.pk])
    assert branch.founded_on == founded
    assert list(branch.coverage.values_list("compound", flat=True)) == [world.a1.pk]

    # The neighbour joins by the mobile number they registered with …
    _follow(desk, reverse("party:member-add", args=[branch.pk]))
    desk.fill("#id_phone", neighbour.phone)
    desk.select_option("#id_kind", value="resident")
    _submit(desk)
    assert desk.url == url + reverse("party:branch-detail", args=[branch.pk])
    expect(desk.locator("[data-testid=member-table] tbody tr")).to_have_count(1)
    expect(desk.locator("[data-testid=member-table]")).to_contain_text(neighbour.name)
    member = PartyMember.objects.get(branch=branch, user=neighbour, left_on__isnull=True)

    # … and takes the secretary's seat.
    _follow(desk, reverse("party:seat-add", args=[branch.pk]))
    desk.select_option("#id_member", value=str(member.pk))
    desk.select_option("#id_role", value=BranchRole.SECRETARY)
    _submit(desk)
    expect(desk.locator("[data-testid=seat-table]")).to_contain_text(neighbour.name)

    # A responsibility zone over the resident's whole building, answered for by the member.
    _follow(desk, reverse("party:zone-create", args=[branch.pk]))
    desk.select_option("#id_compound", value=str(world.a1.pk))
    desk.select_option("#id_member", value=str(member.pk))
    desk.fill("#id_name", ZONE)
    desk.select_option("#id_buildings", label=f"{world.a1.name} {world.home.building.name}")
    _submit(desk)
    assert desk.url == url + reverse("party:branch-detail", args=[branch.pk])
    zone_row = desk.locator("[data-testid=zone-table] tbody tr").filter(has_text=ZONE)
    expect(zone_row).to_have_count(1)
    expect(zone_row).to_contain_text(neighbour.name)
    zone = ResponsibilityZone.objects.get(branch=branch, name=ZONE)
    assert ZoneHousehold.objects.get(household=world.home).zone == zone

    # The property company is registered with a valid credit code …
    with desk.expect_navigation():
        desk.click(f"nav a[href='{reverse('committees:overview')}']")
    with desk.expect_navigation():
        desk.locator("main a", has_text=world.a1.name).first.click()
    assert desk.url == url + reverse("committees:compound", args=[world.a1.pk])
    _follow(desk, reverse("committees:contract-create", args=[world.a1.pk]))
    _follow(desk, reverse("committees:company-create"))
    desk.fill("#id_name", COMPANY)
    desk.fill("#id_credit_code", CREDIT_CODE)
    desk.fill("#id_service_phone", "0717-6543210")
    _submit(desk)
    assert "/companies/" in desk.url and not desk.url.endswith("/new/"), desk.url

    # … and its contract with the compound recorded; its term has begun, so it is in force.
    desk.goto(url + reverse("committees:contract-create", args=[world.a1.pk]))
    desk.select_option("#id_company", label=COMPANY)
    desk.fill("#id_starts_on", starts.isoformat())
    desk.fill("#id_ends_on", ends.isoformat())
    desk.fill("#id_fee_per_m2", "1.80")
    _submit(desk)
    assert desk.url == url + reverse("committees:compound", args=[world.a1.pk])
    expect(desk.locator("[data-testid=contract-table]")).to_contain_text(COMPANY)
    contract = PropertyContract.objects.get(compound=world.a1, company__name=COMPANY)
    assert contract.status == ContractStatus.ACTIVE

    # The resident, on a phone, opens "who serves us" from the home page.
    phone = open_page(name="resident")
    login(phone, url, resident.phone, PASSWORD)
    assert phone.url == url + reverse("home")
    with phone.expect_navigation():
        phone.click("[data-testid=who-serves-us]")
    assert phone.url == url + reverse("dashboards:who-serves-us", args=[world.a1.pk])

    branch_card = phone.locator("[data-testid=branch]")
    expect(branch_card.locator("[data-testid=branch-name]")).to_have_text(BRANCH)
    secretary = branch_card.locator("[data-testid=secretary]")
    expect(secretary).to_contain_text(neighbour.name)
    expect(secretary.locator("[data-testid=party-badge]")).to_have_count(1)

    zone_member = phone.locator("[data-testid=my-home] [data-testid=zone-member]")
    expect(zone_member).to_have_count(1)  # the resident has one verified household here
    expect(zone_member).to_contain_text(ZONE)
    expect(zone_member).to_contain_text(neighbour.name)
    expect(zone_member.locator("[data-testid=party-badge]")).to_have_count(1)

    property_card = phone.locator("[data-testid=property]")
    expect(property_card.locator("[data-testid=no-property]")).to_have_count(0)
    expect(property_card.locator("[data-testid=company-name]")).to_have_text(COMPANY)
    term = property_card.locator("[data-testid=contract-term]")
    expect(term).to_contain_text(starts.isoformat())
    expect(term).to_contain_text(ends.isoformat())
    expect(property_card.locator("a[href='tel:0717-6543210']")).to_have_count(1)

    width = page_width(phone)
    assert width <= PHONE["width"], f"who serves us scrolls sideways on a phone: {width} px wide"
