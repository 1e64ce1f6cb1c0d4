"""Store > Integrations in a real browser: staff connect a Dutchie POS card (C1, R2), and an onboarding
specialist maps a loyalty credential to a store (L9, L27)."""
from integrations import roles
from integrations.models import IntegrationCard
from tests.factories import PASSWORD, LoyaltyCredentialFactory, UserFactory

from .conftest import login


def test_c1_r2_staff_connect_dutchie_pos_with_test_connection(page, live_server, sandbox, screenshot, store_a,
                                                              store_b):
    wiring = sandbox("dutchie", products=20)
    UserFactory(username="staff-a", company=store_a.company, role=roles.DISPENSARY_STAFF)
    login(page, live_server, "staff-a", PASSWORD)

    page.get_by_role("link", name="Integrations", exact=True).first.click()
    tiles = page.locator("#store-integrations")
    assert store_a.name in tiles.inner_text() and store_b.name not in tiles.inner_text()
    tiles.locator("tr", has_text=store_a.name).get_by_role("link", name="Dutchie POS").click()

    page.fill("#id_api_endpoint", wiring["base_url"])
    page.fill("#id_api_key", "not-the-right-key")
    page.click("#test-connection")
    result = page.locator("#test-connection-result")
    result.filter(has_text="Failed").wait_for()
    assert "401" in result.inner_text()

    page.fill("#id_api_key", wiring["credentials"]["api_key"])
    page.click("#test-connection")
    result.filter(has_text="Connected").wait_for()
    assert wiring["location"].name in result.inner_text()
    screenshot(page, "dutchie-card-test-connection")

    page.check("#id_enabled")
    page.click("input[name=_save]")
    page.locator(".messagelist").wait_for()
    assert "Connected to" in page.locator(".messagelist").inner_text()
    assert "Dutchie POS · enabled" in page.locator("#store-integrations").inner_text()
    card = IntegrationCard.objects.get(store=store_a, vendor="dutchie")
    assert card.enabled and card.api_key == wiring["credentials"]["api_key"]
    assert wiring["credentials"]["api_key"] not in page.content()


def test_l9_l27_specialist_maps_a_credential_to_a_store(page, live_server, screenshot, company_a, store_a):
    credential = LoyaltyCredentialFactory(card__company=company_a, store_name="Acme Downtown rec")
    UserFactory(username="specialist", company=None, role=roles.ONBOARDING_SPECIALIST)
    login(page, live_server, "specialist", PASSWORD)
    notices = page.locator("#canopy-notices")
    assert "Acme Downtown rec" in notices.inner_text()

    page.get_by_role("link", name="Retail stores", exact=True).first.click()
    page.get_by_role("link", name=store_a.name).click()
    page.select_option("#id_loyalty_credential", str(credential.pk))
    page.click("input[name=_save]")
    page.locator(".messagelist").wait_for()
    store_a.refresh_from_db()
    assert store_a.loyalty_credential == credential

    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#canopy-notices").count() == 0
    screenshot(page, "specialist-home-after-mapping")
