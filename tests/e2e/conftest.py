"""The browser harness: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's `/usr/bin/chromium` (ENGINEERING.md, "Machine
facts that bite"). Where it is missing the browser tests skip with a message saying how to run them,
unless STIJGING_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure, not a skip.

The live server runs in a thread of this process and sees the test database only when the test runs
in a transaction-less database (`transactional_db`). `live_server` makes pytest-django's db helper
choose that on its own, so the shared `world` fixture (which asks for `db`) works here unchanged; its
rows are flushed after each test instead of rolled back. The browser test modules say so explicitly
with `django_db(transaction=True)`; tests/conftest.py puts back the rows the data migrations seed
(a flush removes those) before each such test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 768, "height": 1024}
PAGE_LANGUAGE = "nl"  # the `page` fixture's browser asks for nl-NL
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what Dutch law (and EN 301 549) asks of these screens.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SUBRESOURCE_TYPES = {"stylesheet", "script", "image", "font"}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
HOW_TO_RUN = (
    "Browser tests need Debian's Chromium at /usr/bin/chromium: `apt-get install chromium` "
    "(see the README). Set STIJGING_REQUIRE_BROWSER=1 to make this a failure."
)


def _require_browser() -> bool:
    return os.environ.get("STIJGING_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def _unavailable(reason: str):
    message = f"{reason}. {HOW_TO_RUN}"
    if _require_browser():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class _SharedChromium:
    """One headless Chromium shared by the browser tests of a session, started on first use.

    Playwright's sync API marks an asyncio loop as running in the main thread for as long as it is
    started. Django then takes every ORM call of the test (and of the db fixtures) for a call from
    async code and refuses it, so DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that time. To keep
    both the loop and that switch away from the tests that run after the browser tests (pytest-django
    runs live-server tests before the tests without a database), the browser is stopped as soon as
    the next test does not need it, rather than at the end of the session.
    """

    def __init__(self) -> None:
        # Typed loosely: playwright is imported only once Chromium is known to be there.
        self.manager: Any = None
        self.browser: Any = None
        self.unavailable: str | None = None
        self._async_unsafe_before: str | None = None

    def get(self):
        if self.browser is not None:
            return self.browser
        if self.unavailable is None:
            self.unavailable = self._launch()
        if self.unavailable is not None:
            _unavailable(self.unavailable)
        return self.browser

    def _launch(self) -> str | None:
        if not CHROMIUM.exists():
            return f"{CHROMIUM} is missing"
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:  # pragma: no cover - playwright is a dev dependency
            return f"Playwright for Python is not installed ({error})"
        self._async_unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        self.manager = sync_playwright()
        try:
            playwright = self.manager.start()
            self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure means "no usable browser here"
            self.stop()
            first_line = (str(error).strip().splitlines() or [""])[0]
            return f"Playwright could not launch {CHROMIUM} ({error.__class__.__name__}: {first_line})"
        return None

    def stop(self) -> None:
        if self.browser is not None:
            try:
                self.browser.close()
            finally:
                self.browser = None
        if self.manager is not None:
            try:
                self.manager.__exit__(None, None, None)
            finally:
                self.manager = None
                if self._async_unsafe_before is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._async_unsafe_before


_CHROMIUM = _SharedChromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        # After the test's own fixtures (the database flush among them) are torn down.
        if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
            _CHROMIUM.stop()


def pytest_sessionfinish(session, exitstatus):
    _CHROMIUM.stop()


@pytest.fixture
def browser():
    """Headless Chromium, shared by consecutive browser tests; each test opens its own context."""
    return _CHROMIUM.get()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Open a page in a fresh context at tablet size; relative URLs go to the live server.

    `bypass_csp=True` (the default here) lets `check_a11y` inject axe-core: Playwright's
    `add_script_tag` adds an inline script, which the app's Content-Security-Policy (script-src
    'self', no unsafe-inline) would otherwise refuse. With `bypass_csp=False` the policy is enforced
    and every violation the browser reports is collected in `page.csp_violations`, so a test can
    prove the pages work under the real policy.
    """
    contexts = []

    def _open(*, locale: str = "nl-NL", bypass_csp: bool = True):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=TABLET,
            locale=locale,
            bypass_csp=bypass_csp,
            timezone_id="Europe/Amsterdam",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = []
        page.broken_resources = []
        page.on(
            "response",
            lambda response: (
                page.broken_resources.append(f"{response.status} {response.url}")
                if response.status >= 400
                and response.request.resource_type in SUBRESOURCE_TYPES
                and not response.url.endswith("/favicon.ico")  # asked for by Chromium itself, not by a page
                else None
            ),
        )
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A tablet (768×1024) page with a Dutch browser (nl-NL): the fieldworker's device."""
    return new_page()


def login_as(page, user, password: str | None = None) -> None:
    """Log in through the real allauth form, as a person would: e-mail, password, submit."""
    page.goto(reverse("account_login"))
    form = page.locator(f'form[action="{reverse("account_login")}"]')
    form.locator('input[name="login"]').fill(user.email)
    form.locator('input[name="password"]').fill(password or PASSWORD)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    if urlsplit(page.url).path == reverse("account_login"):
        says = page.locator("main").inner_text()
        raise AssertionError(f"Login as {user.email} failed; the page says:\n{says}")


def check_a11y(page, *, within: str | None = None) -> None:
    """Run axe-core on the page as it is now; fail on any WCAG 2.0/2.1 level A or AA violation.

    `within` (a CSS selector) limits the check to part of the page.

    Needs a context opened with bypass_csp=True (the `page` fixture is): see `new_page`.
    """
    broken = getattr(page, "broken_resources", [])
    if broken:
        # Judged without its stylesheet, a page is judged on the browser's defaults (contrast, focus
        # ring, target size), not on what users get.
        pytest.fail(f"{page.url} did not get all of its stylesheets, scripts or images: {broken}", pytrace=False)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async ([selector, tags]) => await axe.run(selector ? document.querySelector(selector) : document,
            {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        [within, WCAG_TAGS],
    )
    violations = results["violations"]
    if violations:
        lines = [f"{len(violations)} accessibility violation(s) (WCAG 2.1 A/AA) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})")
            for node in violation["nodes"]:
                target = " ".join(str(part) for part in node["target"])
                summary = " ".join(line.strip() for line in (node.get("failureSummary") or "").splitlines()[1:])
                lines.append(f"    at {target}" + (f": {summary}" if summary else ""))
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture(name="login_as")
def login_as_fixture() -> Callable:
    return login_as


@pytest.fixture(name="check_a11y")
def check_a11y_fixture() -> Callable:
    return check_a11y


@pytest.fixture
def screenshot(request) -> Callable:
    """`screenshot(page, "step")` saves var/screenshots/<test>-<step>.png (full page) for people to look at."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _shot(page, step: str) -> Path:
        path = SCREENSHOT_DIR / f"{test_name}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


# --- Helpers the browser tests share ---------------------------------------------------------------


@contextmanager
def lands_on(page, path: str):
    """What is done inside leads (through a redirect, maybe) to the page at `path`, which is loaded."""
    with page.expect_navigation():
        yield
    # Compared by path: a redirect keeps the #main fragment the skip link put in the address.
    assert urlsplit(page.url).path == path, f"expected to land on {path}, landed on {page.url}"


def follow(page, url: str) -> None:
    """Click the link to `url` on the current page (there must be one), and wait for the next page."""
    with lands_on(page, url):
        page.locator(f'main a[href="{url}"], nav a[href="{url}"]').first.click()


def fits_the_tablet(page) -> None:
    """Nothing sticks out sideways at 768 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], f"{page.url} scrolls sideways ({width} px wide)"


def translated(message: str, **values) -> str:
    """The message as the page shows it (the browser asks for Dutch)."""
    with translation.override(PAGE_LANGUAGE):
        return translation.gettext(message) % values if values else translation.gettext(message)
