"""Secrets never render, for any role, and never go to an address they were not saved for (security issue:
findings 1, 2 and 5; R1, R2, L3)."""
import http.server
import threading

import pytest
from django.test import override_settings

from integrations import cards, roles
from integrations.endpoints import check_endpoint
from integrations.models import IntegrationCard, LoyaltyCredential

VENDORS = ["dutchie", "alleaves", "flowhub"]


@pytest.fixture
def wired(sandbox, store_a, staff_a):
    def make(vendor: str, **fields):
        wiring = sandbox(vendor, products=5)
        card = IntegrationCard(company=store_a.company, store=store_a, vendor=vendor, api_endpoint=wiring["base_url"],
                               **fields)
        for name, value in wiring["credentials"].items():
            setattr(card, name, value)
        cards.save_card(card, staff_a)
        return card

    return make


@pytest.fixture
def listener():
    """A local HTTP server that records every request it receives (the address a thief would type)."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _record(self):
            seen.append((self.command, self.path, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"INTERNAL-ONLY-PAGE: db_password=hunter2")

        do_GET = do_POST = _record

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def _secrets(card):
    values = [getattr(card, name) for name in IntegrationCard.SECRET_FIELDS if getattr(card, name)]
    values += [c.api_key for c in LoyaltyCredential.objects.filter(card__company=card.company)]
    return [v for v in values if v]


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("role", ["manager", "staff", "specialist"])
def test_no_role_sees_a_stored_secret_on_the_card_pages(client, wired, vendor, role, company_a, manager_a, staff_a,
                                                        specialist):
    card = wired(vendor)
    loyalty = IntegrationCard.objects.create(company=company_a, vendor="dutchie", kind="loyalty",
                                             master_pin="9876-pin-secret")
    LoyaltyCredential.objects.create(card=loyalty, store_name="Acme rec", api_key="loyalty-key-abcdefgh1234")
    user = {"manager": manager_a, "staff": staff_a, "specialist": specialist}[role]
    client.force_login(user)
    pages = [client.get(url) for url in (
        "/admin/integrations/integrationcard/", f"/admin/integrations/integrationcard/{card.pk}/change/",
        f"/admin/integrations/integrationcard/{loyalty.pk}/change/")]
    assert all(page.status_code == 200 for page in pages)
    html = "".join(page.content.decode() for page in pages)
    secrets = _secrets(card) + _secrets(loyalty)
    assert secrets
    for secret in secrets:
        assert secret not in html
    # Passwords and PINs: not even their last characters.
    for hidden in (card.password, "9876-pin-secret"):
        if hidden:
            assert f"••••{hidden[-4:]}" not in html


def test_manager_sees_that_a_key_is_stored_but_not_the_key(client, wired, manager_a):
    card = wired("dutchie")
    client.force_login(manager_a)
    html = client.get(f"/admin/integrations/integrationcard/{card.pk}/change/").content.decode()
    assert f"••••{card.api_key[-4:]}" in html and card.api_key not in html


@pytest.mark.parametrize("vendor", ["dutchie", "alleaves"])
def test_test_connection_with_a_new_endpoint_and_blank_secrets_sends_nothing(client, wired, listener, staff_a,
                                                                             vendor):
    url, seen = listener
    card = wired(vendor)
    client.force_login(staff_a)
    form = {"sync_frequency": "10m", "direction": "pos_to_canopy", "api_endpoint": url, "category_mapping": "{}",
            "lab_unit_mapping": "{}", "kiosk_order_source": "express", "location_id": card.location_id,
            "username": card.username, "credentials-TOTAL_FORMS": "0", "credentials-INITIAL_FORMS": "0",
            "history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}
    answer = client.post(f"/admin/integrations/integrationcard/{card.pk}/test-connection/", form).json()
    assert answer["ok"] is False and "enter this again" in answer["message"]
    saved = client.post(f"/admin/integrations/integrationcard/{card.pk}/change/", {**form, "enabled": "on"})
    assert saved.status_code == 200 and "enter this again" in saved.content.decode()
    assert seen == []
    card.refresh_from_db()
    assert card.api_endpoint != url


def test_api_patch_with_a_new_endpoint_sends_nothing(api_client_for, wired, listener, staff_a):
    url, seen = listener
    card = wired("flowhub")
    IntegrationCard.objects.filter(pk=card.pk).update(enabled=True)
    answer = api_client_for(staff_a).patch(f"/api/v1/cards/{card.pk}/", {"api_endpoint": url}, format="json")
    assert answer.status_code == 400
    assert "API endpoint changed" in answer.content.decode()
    assert seen == []


def test_a_pos_error_body_is_not_echoed(db, listener, staff_a, store_a):
    url, seen = listener
    card = IntegrationCard(company=store_a.company, store=store_a, vendor="dutchie", api_endpoint=url,
                           api_key="a-key-typed-for-this-address")
    cards.save_card(card, staff_a)
    result = cards.test_connection(card)
    assert not result.ok
    assert "db_password" not in result.message and "hunter2" not in result.message
    card.refresh_from_db()
    assert "hunter2" not in card.last_test_message


@override_settings(POS_ENDPOINTS_STRICT=True, POS_ENDPOINT_ALLOWLIST=["pos-test.example.com"])
@pytest.mark.parametrize("vendor, url, allowed", [
    ("dutchie", "https://api.pos.dutchie.com", True),
    ("dutchie", "http://api.pos.dutchie.com", False),
    ("dutchie", "https://app.alleaves.com/api", False),
    ("alleaves", "https://app.alleaves.com/api", True),
    ("flowhub", "https://api.flowhub.co", True),
    ("flowhub", "https://127.0.0.1:8443", False),
    ("flowhub", "https://10.0.0.5", False),
    ("flowhub", "https://localhost", False),
    ("flowhub", "https://pos-test.example.com", True),
    ("dutchie", "ftp://api.pos.dutchie.com", False),
])
def test_r1_production_endpoints_are_the_vendor_hosts_or_the_allowlist(vendor, url, allowed):
    from django.core.exceptions import ValidationError

    if allowed:
        check_endpoint(vendor, url)
    else:
        with pytest.raises(ValidationError):
            check_endpoint(vendor, url)


def test_r1_development_allows_loopback_but_only_http(settings):
    from django.core.exceptions import ValidationError

    settings.POS_ENDPOINTS_STRICT = False
    check_endpoint("dutchie", "http://127.0.0.1:8123/sandbox/dutchie")
    with pytest.raises(ValidationError):
        check_endpoint("dutchie", "ftp://127.0.0.1/")


def test_r1_a_stored_endpoint_outside_the_rules_is_never_called(db, listener, store_a, staff_a, settings):
    settings.POS_ENDPOINTS_STRICT = True
    url, seen = listener
    card = IntegrationCard(company=store_a.company, store=store_a, vendor="dutchie", api_endpoint=url,
                           api_key="stored-before-the-rules")
    card.save()  # stored before the rules existed: no clean()
    result = cards.test_connection(card)
    assert not result.ok and "did not call" in result.message
    assert seen == []


@pytest.mark.parametrize("body, field", [
    ({"settings": {"area_ids": 5}}, "area_ids"),
    ({"settings": {"category_mapping": ["Flower"]}}, "category_mapping"),
    ({"settings": {"sync_orders": None}}, "sync_orders"),
    ({"settings": {"enrol_date": 20240101}}, "enrol_date"),
    ({"settings": {"synced_fields": "name"}}, "synced_fields"),
    ({"settings": {"no_such_toggle": True}}, "no_such_toggle"),
    ({"credentials": {"room_ids": "abc"}}, "room_ids"),
    ({"api_endpoint": "ftp://example.com/"}, "api_endpoint"),
    ({"settings": "nope"}, "settings"),
])
def test_api_refuses_wrong_typed_card_fields_naming_them(api_client_for, wired, staff_a, body, field):
    card = wired("alleaves")
    answer = api_client_for(staff_a).patch(f"/api/v1/cards/{card.pk}/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.content.decode()
    card.refresh_from_db()
    assert isinstance(card.area_ids, list) and isinstance(card.category_mapping, dict)


def test_manager_role_is_view_only_on_cards():
    assert "integrations.change_integrationcard" not in roles.ROLE_PERMISSIONS[roles.MANAGER]


@pytest.mark.parametrize("value, ok", [("", True), ("{}", True), ('{"milligrams": "mg"}', True), ("[1, 2]", False),
                                       ('{"milligrams": 5}', False)])
def test_d3_emptying_the_lab_unit_mapping_on_the_card_form_is_no_500(client, wired, staff_a, value, ok):
    card = wired("dutchie")
    client.force_login(staff_a)
    form = {"sync_frequency": "10m", "direction": "pos_to_canopy", "api_endpoint": card.api_endpoint,
            "category_mapping": "{}", "lab_unit_mapping": value, "kiosk_order_source": "express",
            "credentials-TOTAL_FORMS": "0", "credentials-INITIAL_FORMS": "0", "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0"}
    answer = client.post(f"/admin/integrations/integrationcard/{card.pk}/change/", form)
    assert answer.status_code == (302 if ok else 200)
    card.refresh_from_db()
    assert isinstance(card.lab_unit_mapping, dict)
    if not ok:
        assert "names to names" in answer.content.decode()


@pytest.mark.parametrize("vendor", VENDORS)
def test_secrets_never_reach_a_sync_run_or_its_logs(wired, vendor, caplog, settings):
    from integrations import sync
    from integrations.models import SyncRun, SyncRunEntry

    settings.DEBUG = True  # the SQL log too: a secret must not be in any query Canopy logs during a sync
    caplog.set_level("DEBUG")
    card = wired(vendor)
    IntegrationCard.objects.filter(pk=card.pk).update(enabled=True)
    run = sync.execute_run(sync.enqueue_sync(card)[0].pk)
    assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.message
    stored = [run.message, run.fix, str(run.verification)]
    stored += [f"{e.message} {e.raw if hasattr(e, 'raw') else ''}" for e in SyncRunEntry.objects.filter(run=run)]
    for secret in _secrets(card):
        assert secret not in caplog.text
        assert all(secret not in text for text in stored)


def test_a_loyalty_cards_location_keys_never_go_to_a_new_endpoint(db, client, api_client_for, listener, staff_a,
                                                                   company_a):
    url, seen = listener
    loyalty = IntegrationCard.objects.create(company=company_a, vendor="dutchie", kind="loyalty",
                                             age_compliance_confirmed=True)
    credential = LoyaltyCredential.objects.create(card=loyalty, store_name="Acme rec", api_key="loyalty-key-5678")
    api = api_client_for(staff_a)
    answer = api.patch(f"/api/v1/cards/{loyalty.pk}/", {"api_endpoint": url, "save_anyway": True}, format="json")
    assert answer.status_code == 400 and "never sent to a new address" in answer.content.decode()
    client.force_login(staff_a)
    form = {"api_endpoint": url, "sync_frequency": "10m", "direction": "pos_to_canopy", "category_mapping": "{}",
            "lab_unit_mapping": "{}", "kiosk_order_source": "express", "age_compliance_confirmed": "on",
            "credentials-TOTAL_FORMS": "1", "credentials-INITIAL_FORMS": "1", "credentials-0-id": str(credential.pk),
            "credentials-0-card": str(loyalty.pk), "credentials-0-store_name": "Acme rec",
            "credentials-0-api_key": "", "credentials-0-state": "", "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0"}
    refused = client.post(f"/admin/integrations/integrationcard/{loyalty.pk}/change/", form)
    assert refused.status_code == 200 and "enter every location" in refused.content.decode()
    api.post(f"/api/v1/cards/{loyalty.pk}/test-connection/")
    loyalty.refresh_from_db()
    assert loyalty.api_endpoint != url and seen == []


@pytest.mark.parametrize("company", ["abc", "99999999999999999999"])
def test_open_loyalty_with_a_bad_company_is_no_500(db, client, specialist, company):
    client.force_login(specialist)
    answer = client.get(f"/admin/integrations/integrationcard/open-loyalty/?company={company}")
    assert answer.status_code == 302


def test_sandbox_change_data_of_a_missing_location_is_404(db, client, specialist):
    client.force_login(specialist)
    answer = client.post("/admin/sandbox/sandboxlocation/999999/change-data/", {"action": "prices"})
    assert answer.status_code == 404
