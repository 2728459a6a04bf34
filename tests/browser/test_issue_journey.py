"""The issue loop end to end in real Chromium against the live server (issue 4's acceptance):

on a phone a resident files a snapshot with a photo; at a desk the zone's Party member finds it in
their queue, acknowledges it and resolves it with a photo; the resident rates it "satisfied"; the
compound's rates change accordingly. And the filing page fits a 375 px phone.

Assertions go through data-testid hooks and data-state attributes, never translated text; the
description and note are data typed here, so those are matched as typed.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from governance.issues.models import Category, Issue
from governance.issues.rates import rates_for
from governance.issues.states import State
from tests.issues.conftest import branch, zone_member  # noqa: F401 - the issue loop's cast, as fixtures

from ..factories import PASSWORD
from .conftest import PHONE, login, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "3 号门口的垃圾桶满了两天，没人清运。"
NOTE = "已联系保洁清运，并加派一次巡查。"


def _fits_phone(page) -> None:
    width = page_width(page)
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone: {width} px wide"


def _sanitation() -> Category:
    # Transactional tests flush the tables, seeded rows included: make sure the category is there.
    category, _created = Category.objects.get_or_create(
        code="sanitation",
        defaults={
            "name_zh": "环境卫生",
            "name_en": "Sanitation and rubbish",
            "group": "sanitation",
            "default_handler": "property",
            "priority": "general",
            "response_hours": 24,
            "resolution_hours": 168,
        },
    )
    return category


def _jpeg(tmp_path, name, colour):
    path = tmp_path / name
    Image.new("RGB", (320, 240), colour).save(path, format="JPEG")
    return str(path)


def _this_month():
    today = timezone.localdate()
    return today.replace(day=1), today + datetime.timedelta(days=1)


def test_a_resident_files_the_member_resolves_and_the_resident_rates(
    live_server, world, resident, zone_member, open_page, tmp_path  # noqa: F811
):
    url = live_server.url
    category = _sanitation()
    start, end = _this_month()
    before = rates_for("compound", world.a1.pk, start, end)

    # The resident, on a phone, files a snapshot with a photo from the home page's big button.
    phone = open_page(name="resident")
    login(phone, url, resident.phone, PASSWORD)
    with phone.expect_navigation():
        phone.click("[data-testid=home-file-issue]")
    assert phone.url.startswith(url + reverse("issues:new"))
    _fits_phone(phone)
    phone.select_option("#id_kind", value="snapshot")
    phone.select_option("#id_category", value=str(category.pk))
    phone.select_option("#id_building", value=str(world.home.building.pk))
    expect(phone.locator("[data-testid=similar-none]")).to_have_count(1)  # htmx: nothing filed yet
    phone.fill("#id_description", DESCRIPTION)
    expect(phone.locator("[data-counter-for=id_description]")).to_contain_text(f"{len(DESCRIPTION)} / 4000")
    phone.set_input_files("#id_photos", _jpeg(tmp_path, "rubbish.jpg", (120, 90, 40)))
    _fits_phone(phone)
    with phone.expect_navigation():
        phone.click("[data-testid=file-submit]")
    issue = Issue.objects.get()
    assert phone.url == url + reverse("issues:detail", args=[issue.pk])
    expect(phone.locator("[data-testid=description]")).to_contain_text(DESCRIPTION)
    expect(phone.locator("[data-testid=photos] img")).to_have_count(1)
    # The thumbnail is lazy-loaded: bring it into view, then wait until the browser has decoded it
    # (reading naturalWidth straight away raced the image request).
    photo = phone.locator("[data-testid=photos] img")
    photo.scroll_into_view_if_needed()
    photo.evaluate("img => img.decode()")
    assert photo.evaluate("img => img.complete && img.naturalWidth") > 0
    _fits_phone(phone)
    assert issue.state == State.DISPATCHED and issue.handler_member.user == zone_member

    # The zone's member, at a desk, finds it in the queue, acknowledges and resolves it with a photo.
    desk = open_page(staff=True, name="member")
    login(desk, url, zone_member.phone, PASSWORD)
    with desk.expect_navigation():
        desk.click("nav [data-testid=nav-queue]")
    row = desk.locator(f"[data-testid=queue-row][data-issue='{issue.pk}']")
    expect(row).to_have_count(1)
    with desk.expect_navigation():
        row.locator("[data-testid=queue-link]").click()
    with desk.expect_navigation():
        desk.click("[data-testid=action-acknowledge] button[type=submit]")
    expect(desk.locator("[data-testid=issue-state]")).to_have_attribute("data-state", State.IN_PROGRESS)
    resolve = desk.locator("[data-testid=action-resolve]")
    resolve.locator("textarea[name=note]").fill(NOTE)
    resolve.locator("input[name=photos]").set_input_files(_jpeg(tmp_path, "clean.jpg", (40, 160, 60)))
    with desk.expect_navigation():
        resolve.locator("button[type=submit]").click()
    expect(desk.locator("[data-testid=issue-state]")).to_have_attribute("data-state", State.RESOLVED)
    expect(desk.locator("[data-testid=timeline]")).to_contain_text(NOTE)
    issue.refresh_from_db()
    assert issue.state == State.RESOLVED and issue.photos.filter(stage="resolution").count() == 1

    # The resident sees it resolved and rates it "satisfied".
    phone.reload()
    rate = phone.locator("[data-testid=action-rate]")
    expect(rate).to_have_count(1)
    rate.locator("input[name=rating][value=satisfied]").check()
    _fits_phone(phone)
    with phone.expect_navigation():
        rate.locator("button[type=submit]").click()
    expect(phone.locator("[data-testid=issue-state]")).to_have_attribute("data-state", State.CLOSED)
    expect(phone.locator("[data-testid=rating]")).to_have_count(1)
    issue.refresh_from_db()
    assert issue.state == State.CLOSED and issue.rating == "satisfied"

    # The compound's rates now count this issue: responded, resolved, and one satisfied rating.
    after = rates_for("compound", world.a1.pk, start, end)
    assert after.counted == before.counted + 1
    assert after.rated == before.rated + 1 and after.satisfied == before.satisfied + 1
    assert after.resolved == before.resolved + 1 and after.responded == before.responded + 1
    assert after.satisfaction_rate == 1.0 and after.resolution_rate == 1.0 and after.response_rate == 1.0


def test_the_filing_page_fits_a_phone(live_server, world, resident, open_page):
    _sanitation()
    url = live_server.url
    phone = open_page(name="resident")
    login(phone, url, resident.phone, PASSWORD)
    phone.goto(url + reverse("issues:new"))
    expect(phone.locator("main h1")).to_be_visible()
    _fits_phone(phone)
    phone.click("button.navbar-toggler")
    expect(phone.locator("#nav")).to_be_visible()
    _fits_phone(phone)
    for name in ("issues:mine", "home"):
        phone.goto(url + reverse(name))
        _fits_phone(phone)
    phone.goto(url + reverse("issues:board", args=[world.a1.pk]))
    _fits_phone(phone)
