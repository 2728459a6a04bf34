"""The resident's way in, end to end in real Chromium against the live server: register, claim a
household, get verified (or rejected) by the community officer, and be told.

Assertions go through data-testid hooks and the state-* badge classes, never translated text;
names, rooms and reasons are data, so those are matched as typed.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from compounds import services as place_services
from compounds.models import Household, Residency, ResidencyStatus
from governance.accounts.models import User

from ..factories import PASSWORD
from .conftest import PHONE, login, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PHONE = "13977776666"
NEW_PASSWORD = "Lin-li journey 2026!"


def _fits_phone(page) -> None:
    width = page_width(page)
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone: {width} px wide"


def _submit(page, selector: str = "main form[method=post] button[type=submit]") -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_new_person_registers_claims_a_household_and_the_officer_verifies_it(
    live_server, world, officer, open_page
):
    url = live_server.url
    resident = open_page(name="resident")

    # Register: name, mobile number, password twice; lands on the claim page.
    resident.goto(url + reverse("accounts:register"))
    _fits_phone(resident)
    resident.fill("#id_display_name", "王桂兰")
    resident.fill("#id_phone", NEW_PHONE)
    resident.fill("#id_password1", NEW_PASSWORD)
    resident.fill("#id_password2", NEW_PASSWORD)
    _submit(resident)
    assert resident.url == url + reverse("compounds:claim-start")
    _fits_phone(resident)

    # Find the compound by part of its name and open it.
    resident.fill("#claim-q", "江工塑")
    with resident.expect_navigation():
        resident.press("#claim-q", "Enter")
    compounds = resident.locator("[data-testid=claim-compounds] a")
    expect(compounds).to_have_count(1)
    with resident.expect_navigation():
        compounds.filter(has_text=world.a1.name).click()
    assert resident.url == url + reverse("compounds:claim", args=[world.a1.pk])
    _fits_phone(resident)

    # Choosing the building loads its rooms through htmx, without a page load.
    rooms = resident.locator("#id_household option")
    expect(rooms).to_have_count(1)
    resident.select_option("#id_building", label=world.home.building.name)
    expect(rooms).to_have_count(3)  # "choose…" and rooms 101, 102
    assert resident.url == url + reverse("compounds:claim", args=[world.a1.pk])
    resident.select_option("#id_household", value=str(world.home.pk))
    resident.select_option("#id_relation", value="owner")
    _submit(resident)

    # Home: the household, awaiting verification.
    assert resident.url == url + reverse("home")
    household = resident.locator("[data-testid=my-household]")
    expect(household).to_have_count(1)
    expect(household).to_contain_text(world.a1.name)
    expect(household.locator("[data-testid=residency-status]")).to_have_class(
        re.compile(r"\bstate-pending\b")
    )
    _fits_phone(resident)
    claimant = User.objects.get(phone=NEW_PHONE)
    assert Residency.objects.get(user=claimant).status == ResidencyStatus.PENDING

    # The community officer, at a desk, logs in with the mobile number and verifies the claim.
    desk = open_page(staff=True, name="officer")
    login(desk, url, officer.phone, PASSWORD)
    with desk.expect_navigation():
        desk.click(f"nav a[href='{reverse('compounds:verification-queue')}']")
    row = desk.locator("[data-testid=verification-table] [data-testid=claim-row]").filter(has_text="王桂兰")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(str(world.home))
    with desk.expect_navigation():
        row.locator("form[action$='/verify/'] button[type=submit]").click()
    assert desk.url == url + reverse("compounds:verification-queue")
    expect(desk.locator("[data-testid=claim-row]")).to_have_count(0)

    # The resident reloads home: verified, and the bell shows an unread notification.
    resident.reload()
    expect(resident.locator("[data-testid=my-household] [data-testid=residency-status]")).to_have_class(
        re.compile(r"\bstate-verified\b")
    )
    bell = resident.locator("[data-testid=unread-count]:visible")
    expect(bell).to_have_count(1)
    assert int(bell.inner_text()) >= 1
    _fits_phone(resident)
    assert Residency.objects.get(user=claimant).status == ResidencyStatus.VERIFIED


def test_the_officer_rejects_a_claim_with_a_reason_and_the_resident_sees_why(
    live_server, world, officer, stranger, open_page
):
    url = live_server.url
    place_services.residency_claim(user=stranger, household=world.next_door, relation="tenant")
    reason = "房产证上的姓名与申请人不符"

    desk = open_page(staff=True, name="officer")
    login(desk, url, officer.phone, PASSWORD)
    desk.goto(url + reverse("compounds:verification-queue"))
    row = desk.locator("[data-testid=claim-row]").filter(has_text=stranger.display_name)
    expect(row).to_have_count(1)
    row.locator("input[name=reason]").fill(reason)
    with desk.expect_navigation():
        row.locator("form[action$='/reject/'] button[type=submit]").click()
    expect(desk.locator("[data-testid=claim-row]")).to_have_count(0)

    resident = open_page(name="resident")
    login(resident, url, stranger.phone, PASSWORD)
    resident.goto(url + reverse("home"))
    household = resident.locator("[data-testid=my-household]")
    expect(household.locator("[data-testid=residency-status]")).to_have_class(
        re.compile(r"\bstate-rejected\b")
    )
    expect(household).to_contain_text(reason)
    expect(resident.locator("[data-testid=unread-count]:visible")).to_have_count(1)
    _fits_phone(resident)
    assert Residency.objects.get(user=stranger).status == ResidencyStatus.REJECTED


def test_a_residents_pages_fit_a_phone_without_scrolling_sideways(live_server, world, resident, open_page):
    url = live_server.url
    page = open_page(name="resident")

    for name in ("accounts:login", "accounts:register", "accounts:password-reset"):
        page.goto(url + reverse(name))
        _fits_phone(page)

    login(page, url, resident.phone, PASSWORD)
    pages = [
        reverse("home"),
        reverse("compounds:claim-start"),
        reverse("compounds:claim-start") + "?q=%E5%B0%8F%E5%8C%BA",  # 小区
        reverse("compounds:claim", args=[world.a1.pk]),
        reverse("accounts:notifications"),
        reverse("accounts:profile"),
        reverse("accounts:password-change"),
    ]
    for path in pages:
        page.goto(url + path)
        _fits_phone(page)
        expect(page.locator("main h1")).to_be_visible()

    # The claim form with a building chosen (rooms loaded) and the menu opened still fit.
    page.goto(url + reverse("compounds:claim", args=[world.a1.pk]))
    page.select_option("#id_building", label=world.home.building.name)
    expect(page.locator("#id_household option")).to_have_count(3)
    _fits_phone(page)
    page.click("button.navbar-toggler")
    expect(page.locator("#nav")).to_be_visible()
    _fits_phone(page)

    page.goto(url + reverse("home"))
    expect(page.locator("[data-testid=my-household] [data-testid=residency-status]")).to_have_class(
        re.compile(r"\bstate-verified\b")
    )


def test_an_officer_imports_households_from_a_csv_and_sees_them(live_server, world, officer, open_page):
    url = live_server.url
    desk = open_page(staff=True, name="officer")
    login(desk, url, officer.phone, PASSWORD)

    with desk.expect_navigation():
        desk.click(f"nav a[href='{reverse('compounds:compound-list')}']")
    with desk.expect_navigation():
        desk.locator("[data-testid=compound-table] a", has_text=world.a1.name).click()
    with desk.expect_navigation():
        desk.click(f"main a[href='{reverse('compounds:compound-import', args=[world.a1.pk])}']")

    csv = "楼栋,单元,房号,专有面积\n3 号楼,1 单元,101,89.50\n3 号楼,1 单元,102,112.30\n3 号楼,2 单元,201,76.00\n"
    desk.set_input_files(
        "#id_file", files=[{"name": "3号楼.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8")}]
    )
    _submit(desk)

    # Back on the compound: the new building with its three households.
    assert desk.url == url + reverse("compounds:compound-detail", args=[world.a1.pk])
    building_row = desk.locator("[data-testid=building-table] tbody tr").filter(has_text="3 号楼")
    expect(building_row).to_have_count(1)
    expect(building_row.locator("td").nth(2)).to_have_text("3")

    with desk.expect_navigation():
        desk.click(f"main a[href='{reverse('compounds:compound-households', args=[world.a1.pk])}']")
    rows = desk.locator("[data-testid=household-table] tbody tr")
    expect(rows).to_have_count(4 + 3)
    new_rows = rows.filter(has_text="3 号楼")
    expect(new_rows).to_have_count(3)
    expect(new_rows.filter(has_text="201")).to_contain_text("76.00")
    assert Household.objects.filter(building__compound=world.a1, building__name="3 号楼").count() == 3
