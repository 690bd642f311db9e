"""Browser fixtures: Debian's Chromium, driven by Playwright, against the app on a real server.

`server` is the real app behind werkzeug's threaded HTTP server on a free loopback port, with
its own SQLite database in a tmp dir, migrated by Alembic and seeded with the default
categories, an admin and the team's default canned replies (see live_server.py). Tests add the
users and tickets they need through `server.run(...)`, which runs domain code in the server's
app and commits. Each test's people get their own browser contexts from `new_page`.

Where /usr/bin/chromium (Debian's package) or Playwright is missing, the browser tests skip
with the reason; with HELPDESK_REQUIRE_BROWSER=1 (CI) they fail instead. The tests never launch
a browser that Playwright downloads, and never change os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .live_server import LiveServer, serve

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # the `browser` fixture says so and skips
    sync_playwright = None

CHROMIUM = Path("/usr/bin/chromium")
# CI runs as root, where Chromium's sandbox cannot start; the rest keeps it off the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
DOCS = Path(__file__).resolve().parents[2] / "docs"

# Read once, at import: the suite's autouse fixture clears HELPDESK_* names around each test.
REQUIRE_BROWSER = os.environ.get("HELPDESK_REQUIRE_BROWSER", "") == "1"
UPDATE_SCREENSHOTS = os.environ.get("HELPDESK_UPDATE_SCREENSHOTS", "") == "1"


def _why_no_browser() -> str | None:
    if sync_playwright is None:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return (
            "Debian's Chromium is not installed at /usr/bin/chromium "
            "(apt-get install chromium); browser tests skipped"
        )
    return None


@pytest.fixture(scope="session")
def _browser_ready() -> None:
    reason = _why_no_browser()
    if reason is None:
        return
    if REQUIRE_BROWSER:
        pytest.fail(f"HELPDESK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(_browser_ready) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(_browser_ready, tmp_path_factory) -> Iterator[LiveServer]:
    """One server for the flows; each test makes its own users and tickets."""
    with serve(tmp_path_factory.mktemp("browser-server")) as live:
        yield live


@pytest.fixture
def new_page(browser, server) -> Iterator[Callable[..., Page]]:
    """new_page(base_url=server.url) -> a page in a fresh context: one person's browser."""
    contexts: list[BrowserContext] = []

    def open_page(base_url: str = server.url) -> Page:
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def screenshot(tmp_path) -> Callable[[Page, str], Path]:
    """screenshot(page, "inbox.png"): into docs/ with HELPDESK_UPDATE_SCREENSHOTS=1, else tmp."""

    def take(page: Page, name: str) -> Path:
        path = (DOCS if UPDATE_SCREENSHOTS else tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path)
        return path

    return take
