"""Smoke test of a running demo server (bin/demo), as a new user meets it.

    .venv/bin/python -m pytest tests/browser/test_demo_smoke.py --demo-url http://127.0.0.1:8765

.ci/run (step i) starts bin/demo and runs this file against it; without --demo-url it skips.
It writes nothing except the language cookie; it reads the demo data that seed_demo loads
(compounds/demo.py) and asserts on data-testid hooks and state-* classes, not translated text.
Every page fails the test on a console error, so a CSP violation anywhere fails it too.
"""

import re

import pytest
from playwright.sync_api import expect

from compounds.demo import DEMO_PASSWORD

from .conftest import PHONE, login, page_width

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(request):
    url = request.config.getoption("--demo-url")
    if not url:
        pytest.skip(
            "needs a running demo server: --demo-url http://127.0.0.1:8765 (bin/demo; .ci/run gives it)"
        )
    return url.rstrip("/")


def _figure(page, testid: str) -> int:
    return int(re.sub(r"\D", "", page.locator(f"[data-testid={testid}]").inner_text()) or 0)


def _follow(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def test_the_demo_answers_healthz(demo, page):
    response = page.request.get(f"{demo}/healthz")
    assert response.ok, response.status
    assert response.json()["status"] == "ok"


def test_the_community_officer_sees_figures_compounds_households_and_the_queue(demo, open_page):
    page = open_page(staff=True, name="dongwan")
    login(page, demo, "dongwan", DEMO_PASSWORD)

    # Home: figures for the officer's scope.
    assert _figure(page, "figure-compounds") > 0
    pending = _figure(page, "figure-pending")

    # Compounds table → one compound → its buildings → its households.
    _follow(page, "nav a[href='/places/compounds/']")
    compounds = page.locator("[data-testid=compound-table] tbody tr")
    expect(compounds.first).to_be_visible()
    assert compounds.count() > 0
    _follow(page, "[data-testid=compound-table] tbody tr a[href^='/places/compounds/']")
    assert re.search(r"/places/compounds/\d+/$", page.url), page.url
    expect(page.locator("[data-testid=building-table] tbody tr").first).to_be_visible()
    _follow(page, "main a[href$='/households/']")
    households = page.locator("[data-testid=household-table] tbody tr")
    expect(households.first).to_be_visible()
    assert households.count() > 0

    # The verification queue agrees with the figure on the home page.
    _follow(page, "nav a[href='/places/verifications/']")
    if pending:
        expect(page.locator("[data-testid=verification-table]")).to_be_visible()
        assert page.locator("[data-testid=claim-row]").count() == min(pending, 50)
    else:
        expect(page.locator("[data-testid=claim-row]")).to_have_count(0)


def test_the_demo_resident_sees_a_verified_household_on_a_phone(demo, page):
    login(page, demo, "resident", DEMO_PASSWORD)
    page.goto(f"{demo}/")
    households = page.locator("[data-testid=my-household]")
    expect(households.first).to_be_visible()
    verified = households.locator("[data-testid=residency-status].state-verified")
    expect(verified.first).to_be_visible()
    assert page_width(page) <= PHONE["width"]


def test_the_api_docs_render_swagger_ui_within_the_content_security_policy(demo, open_page):
    page = open_page(staff=True, name="api-docs")
    login(page, demo, "dongwan", DEMO_PASSWORD)
    page.goto(f"{demo}/api/docs/")
    expect(page.locator(".swagger-ui").first).to_be_visible()
    # The schema was fetched and rendered: at least one operation is listed.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    # Console errors (CSP violations included) fail the test through the page fixture.


def test_the_language_switch_in_the_navbar_changes_the_page_language(demo, open_page):
    page = open_page(staff=True, name="language")
    page.goto(f"{demo}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    with page.expect_navigation():
        page.select_option("#language-switch", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/accounts/login/"), page.url
    # The choice sticks (cookie) on the next page.
    page.goto(f"{demo}/accounts/register/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
