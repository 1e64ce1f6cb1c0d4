"""Cards without a POS call: encryption at rest, masking, history (X4), F7, advanced settings (L6),
store mappings (L9), unmapped-credential notices (L27), API & Tracking (L7), tenancy."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from integrations import cards, crypto
from integrations.models import CardChange, Company, IntegrationCard, LoyaltyCredential
from tests.factories import IntegrationCardFactory, LoyaltyCredentialFactory

pytestmark = pytest.mark.django_db

SECRET = "dutchie-secret-key-0001-ABCD"


@pytest.fixture
def card_a(store_a, staff_a):
    card = IntegrationCardFactory.build(store=store_a, api_key=SECRET)
    cards.save_card(card, staff_a)
    return card


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_credentials_are_encrypted_at_rest_and_masked(card_a):
    stored = _raw("integrations_integrationcard", "api_key", card_a.pk)
    assert SECRET not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert IntegrationCard.objects.get(pk=card_a.pk).api_key == SECRET
    assert crypto.mask(SECRET) == "••••ABCD"


def test_rotated_encryption_key_still_decrypts_old_values(card_a, settings):
    from cryptography.fernet import Fernet

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    assert IntegrationCard.objects.get(pk=card_a.pk).api_key == SECRET
    from django.core.management import call_command

    call_command("rotate_credentials", stdout=open("/dev/null", "w"))
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone: the value was re-encrypted
    assert IntegrationCard.objects.get(pk=card_a.pk).api_key == SECRET


def test_x4_history_records_who_when_old_and_new_with_secrets_as_changed(card_a, staff_a):
    before = cards.snapshot(card_a)
    card_a.sync_orders = True
    card_a.room_ids = ["1001", "1003"]
    card_a.api_key = "another-key-9999"
    cards.save_card(card_a, staff_a, before=before)
    rows = {c.field: c for c in CardChange.objects.filter(card=card_a)}
    assert rows["sync_orders"].old_value == "off" and rows["sync_orders"].new_value == "on"
    assert rows["sync_orders"].user == staff_a and rows["sync_orders"].changed_at
    assert rows["room_ids"].new_value == '["1001", "1003"]'
    assert rows["api_key"].old_value == "set" and rows["api_key"].new_value == "changed"
    everything = " ".join(f"{c.old_value} {c.new_value}" for c in CardChange.objects.all())
    assert SECRET not in everything and "another-key-9999" not in everything


def test_f7_room_id_is_32_alphanumeric_characters(store_a):
    card = IntegrationCardFactory.build(store=store_a, vendor="flowhub", room_id="Sales Floor")
    with pytest.raises(ValidationError) as error:
        card.full_clean()
    assert "32 letters and digits" in str(error.value)
    card.room_id = "a" * 31 + " "
    with pytest.raises(ValidationError):
        card.full_clean()
    card.room_id = "0123456789abcdef0123456789ABCDEF"
    card.full_clean()


def test_c1_one_card_per_store_and_vendor(card_a, store_a):
    duplicate = IntegrationCardFactory.build(store=store_a, vendor="dutchie")
    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_l27_unmapped_credential_raises_a_notice_until_mapped(client, specialist, store_a, company_a):
    credential = LoyaltyCredentialFactory(card__company=company_a, store_name="Acme Downtown rec")
    client.force_login(specialist)
    assert "Acme Downtown rec" in client.get("/admin/").content.decode()
    store_a.loyalty_credential = credential
    store_a.save()
    assert "Acme Downtown rec" not in client.get("/admin/").content.decode()


def test_l9_only_onboarding_specialists_map_credentials(client, staff_a, specialist, store_a, company_a):
    credential = LoyaltyCredentialFactory(card__company=company_a, store_name="Acme med")
    url = f"/admin/integrations/retailstore/{store_a.pk}/change/"
    form = {"name": store_a.name, "state": "CO", "timezone": "America/Denver", "location_type": "both",
            "loyalty_credential": credential.pk}
    client.force_login(staff_a)
    page = client.get(url).content.decode()
    assert "Store Mappings" in page and 'name="loyalty_credential"' not in page  # read-only for staff
    client.post(url, form)
    store_a.refresh_from_db()
    assert store_a.loyalty_credential is None
    client.force_login(specialist)
    assert 'name="loyalty_credential"' in client.get(url).content.decode()
    response = client.post(url, {**form, "company": company_a.pk})
    assert response.status_code == 302
    store_a.refresh_from_db()
    assert store_a.loyalty_credential == credential


def test_l7_api_and_tracking_shows_uid_and_key_and_rotates(client, staff_a, company_a, company_b):
    client.force_login(staff_a)
    page = client.get(f"/admin/integrations/apiaccess/{company_a.pk}/change/").content.decode()
    company_a.refresh_from_db()
    assert str(company_a.uid) in page and company_a.pos_api_key in page
    assert client.get(f"/admin/integrations/apiaccess/{company_b.pk}/change/").status_code == 404
    old = company_a.pos_api_key
    client.post(f"/admin/integrations/apiaccess/{company_a.pk}/rotate/")
    company_a.refresh_from_db()
    assert company_a.pos_api_key != old
    assert Company.objects.filter(pos_api_key_hash=company_a.pos_api_key_hash).count() == 1


def test_card_admin_tenancy(client, staff_b, card_a):
    client.force_login(staff_b)
    assert client.get(f"/admin/integrations/integrationcard/{card_a.pk}/change/").status_code == 404
    assert card_a.store.name not in client.get("/admin/integrations/integrationcard/").content.decode()


def test_api_cards_tenancy_and_secrets_never_returned(api_client_for, staff_a, staff_b, card_a):
    mine = api_client_for(staff_a).get("/api/v1/cards/")
    assert mine.status_code == 200
    body = mine.content.decode()
    assert SECRET not in body and "••••ABCD" in body
    theirs = api_client_for(staff_b)
    assert theirs.get("/api/v1/cards/").json()["results"] == []
    assert theirs.get(f"/api/v1/cards/{card_a.pk}/").status_code == 404
    assert theirs.patch(f"/api/v1/cards/{card_a.pk}/", {"settings": {"sync_orders": True}},
                        format="json").status_code == 404


def test_api_card_settings_patch_records_history(api_client_for, staff_a, card_a):
    api = api_client_for(staff_a)
    response = api.patch(f"/api/v1/cards/{card_a.pk}/", {"settings": {"use_thc9": True, "kiosk_order_source": "kiosk"}},
                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["use_thc9"] is True
    assert set(CardChange.objects.filter(card=card_a).values_list("field", flat=True)) >= {
        "use_thc9", "kiosk_order_source"}


def test_l6_staff_cannot_change_advanced_settings_through_the_api(api_client_for, staff_a, specialist, company_a):
    loyalty = IntegrationCardFactory(loyalty=True, company=company_a)
    refused = api_client_for(staff_a).patch(f"/api/v1/cards/{loyalty.pk}/", {"settings": {"mirror_archives": True}},
                                            format="json")
    assert refused.status_code == 400 and "onboarding specialists" in refused.content.decode()
    allowed = api_client_for(specialist).patch(f"/api/v1/cards/{loyalty.pk}/",
                                               {"settings": {"mirror_archives": True}}, format="json")
    assert allowed.status_code == 200


def test_api_f7_validation(api_client_for, staff_a, store_a):
    response = api_client_for(staff_a).post("/api/v1/cards/", {
        "store": store_a.pk, "vendor": "flowhub", "kind": "ecommerce", "enabled": False,
        "credentials": {"api_key": "k", "room_id": "Sales Floor"}}, format="json")
    assert response.status_code == 400
    assert "32 letters and digits" in response.content.decode()


def test_x4_loyalty_credentials_added_through_admin_and_api_join_the_history(client, api_client_for, staff_a,
                                                                             company_a):
    loyalty = IntegrationCardFactory(loyalty=True, company=company_a)
    client.force_login(staff_a)
    form = {"enabled": "", "sync_frequency": "10m", "data_types": ["products"], "direction": "pos_to_canopy",
            "synced_fields": ["name"], "category_mapping": "{}", "lab_unit_mapping": "{}",
            "kiosk_order_source": "express", "age_compliance_confirmed": "on",
            "credentials-TOTAL_FORMS": "1", "credentials-INITIAL_FORMS": "0",
            "credentials-0-store_name": "Acme rec", "credentials-0-api_key": "secret-loyalty-key-1234",
            "credentials-0-state": "CO", "history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}
    response = client.post(f"/admin/integrations/integrationcard/{loyalty.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    api = api_client_for(staff_a)
    assert api.patch(f"/api/v1/cards/{loyalty.pk}/", {"credentials": {"store_name": "Acme med",
                                                                       "api_key": "another-key-5678"}},
                     format="json").status_code == 200
    history = {(c.field, c.new_value) for c in CardChange.objects.filter(card=loyalty)}
    assert ("credential: Acme rec", "added") in history and ("credential: Acme med", "added") in history
    assert ("age_compliance_confirmed", "on") in history
    text = " ".join(f"{c.old_value} {c.new_value}" for c in CardChange.objects.all())
    assert "secret-loyalty-key-1234" not in text and "another-key-5678" not in text
    assert LoyaltyCredential.objects.get(store_name="Acme rec").api_key == "secret-loyalty-key-1234"
