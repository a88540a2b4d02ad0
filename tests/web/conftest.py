"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), against
a demo installation served on a free loopback port for the whole module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.loopback import serving
from web.support import AXE, SimulatedClock, seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
# Where `make screenshots` wants the pictures of the main pages (unset: none are written).
SCREENSHOTS = os.environ.get("FINGERPOST_TEST_SCREENSHOTS", "")


@dataclass
class Site:
    url: str
    fp: Fingerpost
    clock: SimulatedClock  # set `clock.at` to run a journey at 3 a.m. or on a bank holiday


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("web") / "home"
    settings = Settings(_env_file=None, home=home, demo_sign_in=True, cookie_secure=False)
    clock = SimulatedClock()
    fp = bootstrap(settings, clock=clock)
    seed(fp)
    with serving(create_app(fp)) as url:
        yield Site(url, fp, clock)
    fp.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium): the browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser (no cookies) with axe-core injected into every page it opens. Any error
    in the console — a script error, a CSP refusal, a missing asset — fails the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 800}, base_url=site.url)
    context.add_init_script(path=str(AXE))  # by the browser's protocol: CSP stays strict
    tab = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # A page answered with 400 or 404 on purpose is logged as a failed load of itself.
        if message.type == "error" and message.location.get("url") != tab.url:
            problems.append(f"{message.text} ({message.location.get('url')})")

    tab.on("console", console)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    context.close()
    assert problems == []
