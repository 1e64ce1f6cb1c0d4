"""Test Connection (R2, R11, L1, D2) from the card, the admin and the API, against the sandbox POS over
real HTTP; Save after a failed test needs the explicit override; secrets never come back."""
import re

import pytest

from integrations import cards
from integrations.models import IntegrationCard
from integrations.sandbox import services
from integrations.sandbox.models import Fault
from tests.factories import IntegrationCardFactory, LoyaltyCredentialFactory
from tests.support import closed_port

pytestmark = pytest.mark.django_db

VENDORS = ["dutchie", "alleaves", "flowhub"]


@pytest.fixture(autouse=True)
def quick_timeout(settings):
    settings.POS_TEST_CONNECTION_TIMEOUT = 1.0


@pytest.fixture
def wired(sandbox, store_a, staff_a):
    """An enabled ecommerce card of store A wired to a new sandbox location of `vendor`."""

    def make(vendor: str, **fields):
        wiring = sandbox(vendor, products=15)
        card = IntegrationCardFactory.build(store=store_a, vendor=vendor, api_endpoint=wiring["base_url"],
                                            **wiring["credentials"], **fields)
        cards.save_card(card, staff_a)
        return card, wiring["location"]

    return make


@pytest.mark.parametrize("vendor", VENDORS)
def test_r2_test_connection_names_the_location(wired, vendor):
    card, location = wired(vendor)
    result = cards.test_connection(card)
    assert result.ok, result.message
    assert location.name in result.message
    card.refresh_from_db()
    assert card.last_test_ok is True and card.last_tested_at


FAULTS = [
    (Fault.UNAUTHORIZED, r"401"),
    (Fault.FORBIDDEN, r"403"),
    (Fault.RATE_LIMITED, r"429|slow down"),
    (Fault.SLOW, r"did not answer .* within"),
    (Fault.MALFORMED_JSON, r"not valid JSON"),
    (Fault.TRUNCATED, r"not valid JSON|ended before|cut off"),
]


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("fault, expected", FAULTS, ids=[f.label.split(":")[0] for f, _ in FAULTS])
def test_r11_each_failure_answers_in_plain_words(wired, vendor, fault, expected):
    card, location = wired(vendor)
    services.set_fault(location, fault, slow_seconds=2.5)
    result = cards.test_connection(card)
    assert not result.ok
    assert re.search(expected, result.message), result.message
    assert card.api_key not in result.message or not card.api_key
    assert not card.password or card.password not in result.message
    card.refresh_from_db()
    assert card.last_test_ok is False and card.last_test_message


@pytest.mark.parametrize("vendor", VENDORS)
def test_r11_refused_connection_says_check_the_endpoint_and_firewall(wired, vendor):
    card, _ = wired(vendor)
    card.api_endpoint = f"http://127.0.0.1:{closed_port()}/sandbox/{vendor}"
    result = cards.test_connection(card)
    assert not result.ok
    assert "Could not connect" in result.message and "firewall" in result.message


def test_l1_loyalty_test_connection_names_missing_permissions_per_credential(sandbox, company_a, staff_a):
    full = sandbox("dutchie", products=10, seed=2)
    partial = sandbox("dutchie", products=10, seed=3)
    partial["location"].roles = ["Inventory", "Customer"]
    partial["location"].save()
    card = IntegrationCardFactory(loyalty=True, company=company_a, api_endpoint=full["base_url"],
                                  age_compliance_confirmed=True)
    LoyaltyCredentialFactory(card=card, store_name="Acme rec", api_key=full["credentials"]["api_key"])
    LoyaltyCredentialFactory(card=card, store_name="Acme med", api_key=partial["credentials"]["api_key"])
    result = cards.test_connection(card)
    assert not result.ok
    assert "Acme med" in result.message and "transactions" in result.message.lower()
    assert result.details["Acme rec"]["ok"] is True
    # L4 + L5: Connect refuses until every credential works, then enables the card.
    assert not cards.connect_loyalty_card(card, staff_a).ok
    partial["location"].roles = ["Inventory", "Customer", "Reporting", "PreOrder", "Room"]
    partial["location"].save()
    assert cards.connect_loyalty_card(card, staff_a).ok
    card.refresh_from_db()
    assert card.enabled and card.connected_at


def test_l4_connect_needs_the_age_compliance_checkbox(sandbox, company_a, staff_a):
    wiring = sandbox("dutchie", products=10)
    card = IntegrationCardFactory(loyalty=True, company=company_a, api_endpoint=wiring["base_url"])
    LoyaltyCredentialFactory(card=card, store_name="Acme", api_key=wiring["credentials"]["api_key"])
    result = cards.connect_loyalty_card(card, staff_a)
    assert not result.ok and "age compliant" in result.message
    card.refresh_from_db()
    assert not card.enabled


def test_d2_missing_customer_types_are_named(wired, store_a):
    card, location = wired("dutchie")
    location.hidden_customer_types = ["Recreational"]
    location.save()
    result = cards.test_connection(card)
    assert "Recreational" in result.message
    assert "Recreational" in str(result.details)


# --- the admin ------------------------------------------------------------------------------------

def _card_form(card: IntegrationCard, **changes) -> dict:
    form = {"enabled": "on" if card.enabled else "", "sync_frequency": card.sync_frequency,
            "data_types": card.data_types, "direction": card.direction, "api_endpoint": card.api_endpoint,
            "synced_fields": card.synced_fields, "category_mapping": "{}", "lab_unit_mapping": "{}",
            "kiosk_order_source": card.kiosk_order_source, "sync_terpenes": "on", "sync_lab_units": "on",
            "location_id": card.location_id, "username": card.username, "client_id": card.client_id,
            "order_ahead_client_id": card.order_ahead_client_id, "purchase_category": card.purchase_category,
            "room_id": card.room_id, "sync_prices": "on",
            "credentials-TOTAL_FORMS": "0", "credentials-INITIAL_FORMS": "0", "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.mark.parametrize("vendor", VENDORS)
def test_r2_admin_test_connection_button_answers_without_saving(client, staff_a, wired, vendor):
    card, location = wired(vendor)
    client.force_login(staff_a)
    url = f"/admin/integrations/integrationcard/{card.pk}/test-connection/"
    answer = client.post(url, _card_form(card)).json()
    assert answer["ok"] is True and location.name in answer["message"]
    wrong = {"api_key": "not-the-key"} if vendor != "alleaves" else {"password": "not-the-password"}
    answer = client.post(url, _card_form(card, **wrong)).json()
    assert answer["ok"] is False and "401" in answer["message"]
    card.refresh_from_db()
    assert card.api_key != "not-the-key" and card.password != "not-the-password"  # nothing saved


def test_r2_admin_save_after_failed_test_needs_the_override(client, staff_a, wired):
    card, location = wired("dutchie")
    client.force_login(staff_a)
    url = f"/admin/integrations/integrationcard/{card.pk}/change/"
    refused = client.post(url, _card_form(card, enabled="on", api_key="wrong-key-0000"))
    assert refused.status_code == 200
    assert "Test Connection failed" in refused.content.decode()
    card.refresh_from_db()
    assert not card.enabled
    saved = client.post(url, _card_form(card, enabled="on", api_key="wrong-key-0000", save_anyway="on"))
    assert saved.status_code == 302
    card.refresh_from_db()
    assert card.enabled and card.api_key == "wrong-key-0000"


def test_d1_card_page_lists_the_pos_rooms_to_pick(client, staff_a, wired):
    card, _ = wired("dutchie")
    client.force_login(staff_a)
    page = client.get(f"/admin/integrations/integrationcard/{card.pk}/change/").content.decode()
    assert "Sales Floor" in page and "Quarantine" in page and 'name="room_ids"' in page
    assert "not for sale" in page


def test_a1_card_page_lists_the_alleaves_areas(client, staff_a, wired):
    card, _ = wired("alleaves")
    client.force_login(staff_a)
    page = client.get(f"/admin/integrations/integrationcard/{card.pk}/change/").content.decode()
    assert "Sales Floor" in page and 'name="area_ids"' in page


@pytest.mark.parametrize("vendor", VENDORS)
def test_secrets_never_appear_in_pages_or_api(client, staff_a, api_client_for, wired, vendor):
    card, _ = wired(vendor, master_pin="4321-secret-pin")
    secrets = [s for s in (card.api_key, card.password, card.order_ahead_token, "4321-secret-pin") if s]
    client.force_login(staff_a)
    pages = [client.get(u).content.decode() for u in (
        "/admin/integrations/integrationcard/", f"/admin/integrations/integrationcard/{card.pk}/change/",
        f"/admin/integrations/integrationcard/{card.pk}/history/")]
    api = api_client_for(staff_a)
    pages += [api.get("/api/v1/cards/").content.decode(), api.get(f"/api/v1/cards/{card.pk}/").content.decode(),
              api.post(f"/api/v1/cards/{card.pk}/test-connection/").content.decode()]
    for secret in secrets:
        for page in pages:
            assert secret not in page


# --- the API ------------------------------------------------------------------------------------

def test_api_provisions_a_card_tests_it_and_refuses_bad_keys(api_client_for, staff_a, sandbox, store_a):
    wiring = sandbox("dutchie", products=10)
    api = api_client_for(staff_a)
    body = {"store": store_a.pk, "vendor": "dutchie", "kind": "ecommerce", "enabled": True,
            "api_endpoint": wiring["base_url"], "credentials": {"api_key": "wrong-key"},
            "settings": {"sync_orders": True, "use_thc9": True}}
    refused = api.post("/api/v1/cards/", body, format="json")
    assert refused.status_code == 400 and "Test Connection failed" in refused.content.decode()
    assert not IntegrationCard.objects.exists()
    body["credentials"] = {"api_key": wiring["credentials"]["api_key"], "room_ids": ["1001"]}
    created = api.post("/api/v1/cards/", body, format="json")
    assert created.status_code == 201, created.content
    card = created.json()
    assert card["enabled"] and card["settings"]["use_thc9"] is True
    assert card["credentials_masked"]["api_key"].endswith(wiring["credentials"]["api_key"][-4:])
    tested = api.post(f"/api/v1/cards/{card['id']}/test-connection/").json()
    assert tested["ok"] is True and wiring["location"].name in tested["message"]


def test_f1_f7_flowhub_card_offers_the_pos_rooms_by_name(client, staff_a, wired):
    card, _ = wired("flowhub")
    client.force_login(staff_a)
    page = client.get(f"/admin/integrations/integrationcard/{card.pk}/change/").content.decode()
    assert '<select name="room_id"' in page and "Every room" in page
    rooms = re.findall(r'<option value="([A-Za-z0-9]{32})"', page)
    assert rooms, "the POS's rooms are offered"
    form = _card_form(card, room_id=rooms[0], api_key="")
    assert client.post(f"/admin/integrations/integrationcard/{card.pk}/change/", form).status_code == 302
    card.refresh_from_db()
    assert card.room_id == rooms[0]


def test_l6_advanced_settings_are_read_only_with_the_warning_for_staff(client, staff_a, specialist, company_a):
    card = IntegrationCardFactory(loyalty=True, company=company_a)
    url = f"/admin/integrations/integrationcard/{card.pk}/change/"
    client.force_login(staff_a)
    page = client.get(url).content.decode()
    assert "Only onboarding specialists can change them" in page
    assert 'name="mirror_archives"' not in page and "Mirror Archives" in page
    client.force_login(specialist)
    assert 'name="mirror_archives"' in client.get(url).content.decode()


def test_l19_sync_personas_counts_from_the_day_it_is_enabled(company_a, specialist):
    card = IntegrationCardFactory(loyalty=True, company=company_a)
    before = cards.snapshot(card)
    card.sync_personas = True
    cards.save_card(card, specialist, before=before)
    assert card.sync_personas_since is not None


@pytest.mark.parametrize("vendor", VENDORS)
def test_secrets_never_reach_the_logs(wired, vendor, caplog):
    card, location = wired(vendor)
    caplog.set_level("DEBUG")
    cards.test_connection(card)
    services.set_fault(location, Fault.UNAUTHORIZED)
    cards.test_connection(card)
    for secret in (card.api_key, card.password, card.order_ahead_token):
        if secret:
            assert secret not in caplog.text
