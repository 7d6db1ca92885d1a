"""Browser-test support, loaded as a pytest plugin: Debian's ``/usr/bin/chromium`` driven by
Playwright (never ``playwright install``), tabs that record their requests and console errors,
and the accessibility assertions (axe-core, WCAG 2.1 A/AA) every browser test uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PASSWORD = "Correct-Horse-42"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` to install Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; the test's own database writes
    # (factories) are synchronous and safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Tab:
    """A page, and what it asked the network for and complained about on the console."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def open_tab(browser: Browser, *, width: int = 1280, height: int = 900) -> Tab:
    # The browser prefers English: the site must still answer in Lithuanian.
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    tab = Tab(context.new_page())

    def on_request(request: Request) -> None:
        tab.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.console_errors.append(message.text)

    tab.page.on("request", on_request)
    tab.page.on("console", on_console)
    return tab


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    tab = open_tab(browser)
    yield tab
    tab.page.context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Tab]:
    tab = open_tab(browser, width=360, height=740)
    yield tab
    tab.page.context.close()


def assert_accessible(tab: Tab, live_server_url: str, *, language: str = "lt") -> None:
    page = tab.page
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    own_host = urlsplit(live_server_url).netloc
    foreign = [url for url in tab.requests if urlsplit(url).netloc != own_host]
    assert foreign == [], f"requests to other hosts: {foreign}"
    assert tab.console_errors == [], f"console errors (CSP?): {tab.console_errors}"


def assert_skip_link_works(page: Page) -> None:
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement; const box = el.getBoundingClientRect();"
        " const style = getComputedStyle(el);"
        " return {cls: el.className, href: el.getAttribute('href'), top: box.top,"
        " outline: style.outlineStyle, width: style.outlineWidth}; }"
    )
    assert focused["cls"] == "skip-link"
    assert focused["href"] == "#main"
    assert focused["top"] >= 0, "the focused skip link is off screen"
    assert focused["outline"] != "none", "no visible focus"
    assert focused["width"] != "0px", "no visible focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def visit(tab: Tab, url: str) -> None:
    response = tab.page.goto(url)
    assert response is not None, url
    assert response.status == 200, url
