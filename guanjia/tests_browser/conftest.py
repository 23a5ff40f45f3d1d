"""Browser tests: Playwright (sync API) driving the system's Chromium against pytest-django's live server.

Never downloads a browser: /usr/bin/chromium is used. Screenshots go to var/screenshots/.
"""

import os
from pathlib import Path

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the test itself are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> None:
    """Nothing wider than the 390 px screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a {PHONE['width']}px screen"


@pytest.fixture(scope="session")
def browser():
    # A missing browser fails the run (never a silent skip): `.ci/run` installs Debian's chromium.
    assert os.path.exists(CHROMIUM), "chromium is not installed at /usr/bin/chromium (apt install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch_csp(context, violations: list) -> None:
    """Collect what the Content-Security-Policy blocked (Chromium reports it on the console)."""

    def seen(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url', '')}: {message.text}")

    context.on("console", seen)


@pytest.fixture
def csp_violations():
    """Every page of a test is watched; a blocked script or resource fails the test at teardown."""
    violations: list[str] = []
    yield violations
    assert not violations, "blocked by the Content-Security-Policy:\n" + "\n".join(violations)


@pytest.fixture
def new_page(browser, csp_violations):
    """new_page(viewport=DESKTOP) → a page in a fresh context (own cookies), closed after the test."""
    contexts = []

    def make(viewport=None):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        watch_csp(context, csp_violations)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone(browser, csp_violations):
    """An owner's or a technician's phone: 390×844, mobile, touch, in its own context."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    watch_csp(context, csp_violations)
    yield context.new_page()
    context.close()


@pytest.fixture
def shot():
    """shot(page, "name") saves var/screenshots/name.png (full page) and returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
