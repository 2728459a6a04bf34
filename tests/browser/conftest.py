"""Real Chromium through Playwright's sync API (Debian's /usr/bin/chromium, never a download).

- ``browser``: one headless Chromium for the session.
- ``open_page``: opens a page in a fresh context (own cookies) for one person; ``open_page()`` is a
  resident's phone (375 × 812), ``open_page(staff=True)`` an officer's desk (1280 × 900). Every
  page records console errors, uncaught exceptions, failed requests and server errors.
- ``page``: one phone page, for tests that need only one person.

A test fails when any of its pages logged a JS error or a CSP violation (both reach the console as
errors) or got a 5xx answer; on failure every open page is saved to test-artifacts/.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread, so Django's async-safety check would
# refuse every ORM call a fixture or test makes after the browser started; they stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000


@dataclass
class PageLog:
    """What one page said that a person would not see: console errors, exceptions, failed loads."""

    name: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"server error: {m}" for m in self.server_errors]
        )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The page fixtures read this in their teardown to decide whether to take screenshots.
    setattr(item, f"_linli_report_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    def problems():
        logs = getattr(item, "_linli_page_logs", [])
        return "\n  ".join(f"[{log.name}] {p}" for log in logs for p in log.problems())

    try:
        result = yield
    except BaseException:
        if found := problems():  # shown with the test's own failure, as they may explain it
            print(f"the browser also reported:\n  {found}")
        raise
    # Checked here, not in a fixture teardown, so a console error fails the test itself.
    if found := problems():
        raise AssertionError(f"the browser reported problems:\n  {found}")
    return result


def _attach(page, log: PageLog) -> None:
    def on_console(message):
        if message.type == "error":
            log.console_errors.append(f"{message.text} ({page.url})")

    def on_response(response):
        if response.status >= 500:
            log.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.page_errors.append(f"{exc} ({page.url})"))
    page.on("requestfailed", lambda r: log.failed_requests.append(f"{r.method} {r.url}: {r.failure}"))
    page.on("response", on_response)


@pytest.fixture
def open_page(browser, request):
    """Factory: ``open_page(staff=False, name=None)`` → a Playwright page in its own context."""
    contexts = []
    pages = []
    logs = request.node._linli_page_logs = []

    def _open(*, staff: bool = False, name: str | None = None):
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=DESK if staff else PHONE,
            is_mobile=not staff,
            has_touch=not staff,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        log = PageLog(name or f"page{len(pages) + 1}")
        _attach(page, log)
        page.linli_log = log
        contexts.append(context)
        pages.append(page)
        logs.append(log)
        return page

    yield _open

    failed = any(
        getattr(request.node, f"_linli_report_{when}", None) is not None
        and getattr(request.node, f"_linli_report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for page, log in zip(pages, logs, strict=True):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{stem}.{log.name}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"screenshot of {log.name} failed: {exc}")
            if log.failed_requests:
                print(f"[{log.name}] failed requests:\n  " + "\n  ".join(log.failed_requests))
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page(name="phone")


def page_width(page) -> int:
    """How wide the document is; more than the phone's 375 px means the page scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url, f"login as {username} failed: {page.url}"
