"""Browser tests: a real headless Chromium (Debian's, not Playwright's download) against pytest-django's
live server. Every test under tests/browser/ carries the `browser` marker, so `pytest -m "not browser"`
leaves them out and `pytest -m browser` runs only them."""
import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
BROWSER_DIR = Path(__file__).resolve().parent
# Screenshots for people to look at; gitignored.
SCREENS_DIR = BROWSER_DIR.parent.parent / "docs" / "_screens"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be on the items before `-m` deselects by it. This hook sees the whole
    # session's items, hence the path check.
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is required under CI: {CHROMIUM} is missing (apt-get install chromium).",
                        pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
                    "to enable browser tests.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM calls
    # from a thread with a running loop (SynchronousOnlyOperation). Our test code is plain synchronous
    # code, so allow it, for exactly as long as the loop exists.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies from other tests) and one page in it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot as docs/_screens/<name>.png and return its path."""

    def save(page, name: str) -> Path:
        SCREENS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENS_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the admin's login form, as a person would; fail with the form's message if refused."""
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_load_state()
    error = page.locator(".errornote")
    if error.count():
        raise AssertionError(f"Sign-in as {username!r} refused: {error.first.inner_text()}")
    assert re.search(r"/admin/$", page.url), f"Sign-in as {username!r} ended on {page.url}"

