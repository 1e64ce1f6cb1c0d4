"""The card page never waits on the POS for its rooms (issue: one description per vendor): it is drawn
from what was last heard, or what the POS answers within a second, and the page asks the card's rooms view
itself otherwise. Saving accepts rooms / areas the page had not listed yet (D1, A1, F1/F7)."""
import time

from django.core.cache import cache

from integrations import cards
from integrations.models import IntegrationCard
from integrations.sandbox.models import Fault, SandboxLocation
from tests.factories import CompanyFactory, RetailStoreFactory, UserFactory


def _card(sandbox, store, user, vendor, **location_fields):
    wiring = sandbox(vendor, products=10)
    if location_fields:
        SandboxLocation.objects.filter(pk=wiring["location"].pk).update(**location_fields)
    card = IntegrationCard(company=store.company, store=store, vendor=vendor, api_endpoint=wiring["base_url"])
    for name, value in wiring["credentials"].items():
        setattr(card, name, value)
    cards.save_card(card, user)
    return card


def test_d1_card_page_answers_within_a_second_while_the_pos_hangs(client, sandbox, store_a, staff_a):
    cache.clear()
    card = _card(sandbox, store_a, staff_a, "dutchie", fault=Fault.SLOW, slow_seconds=20)
    client.force_login(staff_a)
    # Templates compile on a process's first admin page; that one-off cost is not the POS's.
    assert client.get(f"/admin/integrations/integrationcard/add/?store={store_a.pk}&vendor=dutchie").status_code == 200
    started = time.monotonic()
    page = client.get(f"/admin/integrations/integrationcard/{card.pk}/change/")
    elapsed = time.monotonic() - started
    assert page.status_code == 200
    assert elapsed < 1.0, f"the card page waited {elapsed:.2f} s on a hanging POS"
    html = page.content.decode()
    assert 'id="load-rooms"' in html and 'data-pending="true"' in html
    assert f"/admin/integrations/integrationcard/{card.pk}/rooms/" in html


def test_d1_rooms_view_lists_the_pos_rooms_and_remembers_them(client, sandbox, store_a, staff_a):
    cache.clear()
    card = _card(sandbox, store_a, staff_a, "dutchie")
    client.force_login(staff_a)
    answer = client.get(f"/admin/integrations/integrationcard/{card.pk}/rooms/").json()
    assert answer["ok"] is True
    names = {room["name"] for room in answer["rooms"]}
    assert "Sales Floor" in names and "Quarantine" in names
    assert any(room["sellable"] is False for room in answer["rooms"])
    # Remembered: the page now draws them without asking, and does not ask the browser to load them.
    html = client.get(f"/admin/integrations/integrationcard/{card.pk}/change/").content.decode()
    assert "Sales Floor" in html and 'data-pending="false"' in html


def test_rooms_view_answers_the_pos_refusal_in_words(client, sandbox, store_a, staff_a):
    cache.clear()
    card = _card(sandbox, store_a, staff_a, "alleaves", fault=Fault.UNAUTHORIZED)
    client.force_login(staff_a)
    answer = client.get(f"/admin/integrations/integrationcard/{card.pk}/rooms/").json()
    assert answer["ok"] is False and answer["rooms"] == []
    assert "Could not list the POS's rooms" in answer["message"]


def test_rooms_view_is_scoped_to_the_company(client, sandbox, store_a, staff_a):
    card = _card(sandbox, store_a, staff_a, "dutchie")
    other = UserFactory(username="other-staff", company=CompanyFactory(name="Other Co"), role="Dispensary Staff")
    RetailStoreFactory(company=other.company, name="Other store")
    client.force_login(other)
    assert client.get(f"/admin/integrations/integrationcard/{card.pk}/rooms/").status_code == 404


def test_rooms_view_for_a_new_card_uses_the_form_on_screen(client, sandbox, store_a, staff_a):
    wiring = sandbox("alleaves", products=5)
    client.force_login(staff_a)
    form = {"store": store_a.pk, "vendor": "alleaves", "kind": "ecommerce", "sync_frequency": "10m",
            "direction": "pos_to_canopy", "api_endpoint": wiring["base_url"], "category_mapping": "{}",
            "lab_unit_mapping": "{}", "kiosk_order_source": "express", **wiring["credentials"]}
    answer = client.post("/admin/integrations/integrationcard/rooms/", form).json()
    assert answer["ok"] is True and "Sales Floor" in {room["name"] for room in answer["rooms"]}


def test_a1_areas_save_even_when_the_page_had_not_listed_them(client, sandbox, store_a, staff_a):
    cache.clear()
    card = _card(sandbox, store_a, staff_a, "alleaves", fault=Fault.SLOW, slow_seconds=20)
    client.force_login(staff_a)
    form = {"sync_frequency": card.sync_frequency, "direction": card.direction, "api_endpoint": card.api_endpoint,
            "data_types": card.data_types, "synced_fields": card.synced_fields, "category_mapping": "{}",
            "lab_unit_mapping": "{}", "kiosk_order_source": card.kiosk_order_source, "location_id": card.location_id,
            "username": card.username, "area_ids": ["1000"], "sync_terpenes": "on", "sync_lab_units": "on",
            "sync_prices": "on", "credentials-TOTAL_FORMS": "0", "credentials-INITIAL_FORMS": "0",
            "history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}
    started = time.monotonic()
    saved = client.post(f"/admin/integrations/integrationcard/{card.pk}/change/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert time.monotonic() - started < 5
    card.refresh_from_db()
    assert card.area_ids == ["1000"]
