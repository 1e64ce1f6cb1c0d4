"""The Content-Security-Policy in a real browser (issue 11, finding 9): the admin, its Sync and Test
Connection scripts and the Swagger UI work under it, and Chromium reports no violation."""
import pytest

from integrations import roles
from integrations.models import IntegrationCard
from tests.factories import PASSWORD, UserFactory

from .conftest import login


@pytest.fixture
def violations(page):
    """Every CSP violation Chromium reports on `page` (its console says "Content Security Policy")."""
    found = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + "
                         "e.blockedURI + ' ' + (e.sample || '')));")
    return found


def test_admin_pages_and_scripts_work_under_the_policy(page, live_server, sandbox, violations, store_a, screenshot):
    wiring = sandbox("dutchie", products=10)
    UserFactory(username="specialist", company=None, role=roles.ONBOARDING_SPECIALIST)
    card = IntegrationCard.objects.create(company=store_a.company, store=store_a, vendor="dutchie",
                                          api_endpoint=wiring["base_url"], api_key=wiring["credentials"]["api_key"])
    login(page, live_server, "specialist", PASSWORD)
    assert page.evaluate("document.styleSheets.length") > 1  # the admin's and Canopy's style files applied

    # Test Connection: a script file that posts the form and writes the answer.
    page.goto(f"{live_server.url}/admin/integrations/integrationcard/{card.pk}/change/")
    page.click("#test-connection")
    page.locator("#test-connection-result").filter(has_text="Connected").wait_for()

    # The dry-run button: the Sync script queues a run and polls its progress.
    page.click("#dry-run-panel .sync-button")
    page.locator("#dry-run-panel .sync-status").filter(has_text="sync #").or_(
        page.locator("#dry-run-panel .sync-status").filter(has_text="Sync #")).first.wait_for()

    for path in ("/admin/", "/admin/integrations/retailstore/add/", "/admin/integrations/user/add/",
                 "/admin/catalog/product/", "/admin/sandbox/sandboxlocation/create/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    # The admin's own scripts run: the sidebar's filter box is added by nav_sidebar.js.
    assert page.locator("#nav-filter").count() == 1
    assert violations == []


def test_swagger_ui_renders_under_the_policy(page, live_server, violations, screenshot):
    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 10
    assert "Canopy API" in page.locator(".info .title").inner_text()
    # Opening an operation draws its parameters and example bodies (highlighted JSON).
    page.locator(".opblock-summary", has_text="/api/v1/cards/{id}/").first.click()
    page.locator(".opblock.is-open .opblock-section").first.wait_for()
    page.locator(".opblock.is-open .highlight-code, .opblock.is-open .microlight").first.wait_for()
    screenshot(page, "api-docs-under-csp")
    assert violations == []
