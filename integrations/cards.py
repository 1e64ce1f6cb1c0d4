"""Services for integration cards: save with history (X4), Test Connection (R2), rotate keys (L7)."""
import json
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import crypto
from .models import CardChange, Company, IntegrationCard
from .models.cards import CardKind
from .pos.errors import PosError
from .pos.http import RetryPolicy
from .pos.records import ClientConfig, ConnectionResult
from .pos.registry import HIDDEN_FIELDS

# Columns whose changes are not settings: bookkeeping the card keeps about itself.
UNTRACKED = {"id", "created_at", "updated_at", "last_test_ok", "last_test_message", "last_tested_at",
             "connected_at", "sync_personas_since", "next_sync_at", "failed_syncs_in_a_row", "sync_paused_at"}


def show_secret(name: str, value: str | None) -> str:
    """What any page or API answer shows of a stored secret: "••••" and the last 4 characters, and for
    passwords and PINs (the vendors' `hidden` secrets) nothing of the value at all."""
    if not value:
        return ""
    return "••••" if name in HIDDEN_FIELDS else crypto.mask(value)


def tracked_fields() -> list[str]:
    return [f.attname for f in IntegrationCard._meta.concrete_fields if f.attname not in UNTRACKED]


def snapshot(card: IntegrationCard) -> dict[str, Any]:
    """The card's settings now, to compare after a change (a new card snapshots as empty)."""
    if card.pk is None:
        return {}
    return {name: getattr(card, name) for name in tracked_fields()}


def _display(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def record_changes(card: IntegrationCard, before: dict[str, Any], user) -> list[CardChange]:
    """One CardChange per field that differs from `before`; secrets read "changed", never the value.
    A new card gets a single "created" row rather than one per default value."""
    if not before:
        return [CardChange.objects.create(card=card, user=user if user and user.pk else None, field="card",
                                          old_value="", new_value="created")]
    rows = []
    for name in tracked_fields():
        old, new = before.get(name), getattr(card, name)
        if _display(old) == _display(new):
            continue
        if name in IntegrationCard.SECRET_FIELDS:
            old_text = "set" if old else ""
            new_text = "changed" if new and old else ("set" if new else "removed")
        else:
            old_text, new_text = _display(old), _display(new)
        rows.append(CardChange(card=card, user=user if user and user.pk else None, field=name,
                               old_value=old_text, new_value=new_text))
    CardChange.objects.bulk_create(rows)
    return rows


def record_credential_change(card: IntegrationCard, user, store_name: str, what: str) -> CardChange:
    """X4 for the loyalty card's credentials: added, key changed, removed (never the key itself)."""
    return CardChange.objects.create(card=card, user=user if user and user.pk else None,
                                     field=f"credential: {store_name}"[:100], old_value="", new_value=what)


@transaction.atomic
def save_card(card: IntegrationCard, user, before: dict[str, Any] | None = None) -> list[CardChange]:
    """Save a card and record what changed (X4). Pass `before` when the instance was already edited."""
    if before is None:
        before = snapshot(IntegrationCard.objects.get(pk=card.pk)) if card.pk else {}
    if card.store_id and not card.company_id:
        card.company_id = card.store.company_id
    if card.sync_personas and not before.get("sync_personas"):
        # L19: POS edits flow in only from the day Sync Personas is switched on.
        card.sync_personas_since = timezone.now()
    elif not card.sync_personas:
        card.sync_personas_since = None
    from .sync import resume_schedule, schedule_card

    schedule_card(card, enabled_before=bool(before.get("enabled")))
    resume_schedule(card)  # someone looked at the card: a paused schedule runs again
    card.save()
    return record_changes(card, before, user)


def test_connection(card: IntegrationCard, config: ClientConfig | None = None) -> ConnectionResult:
    """Call the POS with the card's (or the entered) credentials and answer in words (R2, R11, L1, D2).
    Never raises for a POS failure: the failure is the answer."""
    if card.kind == CardKind.LOYALTY and config is None:
        result = _test_loyalty_credentials(card)
    else:
        config = config or ClientConfig.from_card(card)
        location_type = card.store.location_type if card.store_id else ""
        try:
            client = quick_client(card.vendor, config)
            result = client.test_connection(purpose=card.kind, location_type=location_type)
        except PosError as error:
            result = ConnectionResult.failed(error)
    if card.pk:
        IntegrationCard.objects.filter(pk=card.pk).update(
            last_test_ok=result.ok, last_test_message=result.message[:2000], last_tested_at=timezone.now())
    return result


class ConnectionRefusedOnSave(Exception):
    """Save of an enabled card whose Test Connection failed, without the explicit override (R2)."""

    def __init__(self, result: ConnectionResult):
        super().__init__(result.message)
        self.result = result


def check_connection_before_save(card: IntegrationCard, config: ClientConfig, *,
                                 save_anyway: bool) -> ConnectionResult:
    """R2: Test Connection runs before an enabled card's credentials are saved; a failure stops the save
    unless the user explicitly overrides it. The admin form and the API both come through here."""
    result = test_connection(card, config)
    if not result.ok and not save_anyway:
        raise ConnectionRefusedOnSave(result)
    return result


def quick_client(vendor: str, config: ClientConfig):
    """A client for Test Connection: someone is waiting at the screen, so a short read timeout and no
    retries; the answer says what happened and the sync engine does the patient retrying."""
    from .pos.registry import client_for

    client = client_for(vendor, config)
    client.http.read_timeout = settings.POS_TEST_CONNECTION_TIMEOUT
    client.http.retry = RetryPolicy(attempts=1)
    return client


def _test_loyalty_credentials(card: IntegrationCard) -> ConnectionResult:
    """L1: each credential's key needs the customers, transactions, products and inventory permissions;
    the answer names, per store, the ones missing."""
    credentials = list(card.credentials.all()) if card.pk else []
    if not credentials:
        return ConnectionResult(False, "Add a credential (Store Name + API key) for each location first.")
    lines, details, ok = [], {}, True
    for credential in credentials:
        config = ClientConfig(endpoint=card.endpoint, api_key=credential.api_key)
        try:
            result = quick_client(card.vendor, config).test_connection(purpose=CardKind.LOYALTY)
        except PosError as error:
            result = ConnectionResult.failed(error)
        ok = ok and result.ok
        lines.append(f"{credential.store_name}: {result.message}")
        details[credential.store_name] = {"ok": result.ok, **result.details}
    return ConnectionResult(ok, " ".join(lines), details)


def connect_loyalty_card(card: IntegrationCard, user) -> ConnectionResult:
    """Connect (L4, L5): needs the age-compliance checkbox and working credentials; then the card is
    enabled and its first pull is due at once. The test runs outside any transaction: none may wait on
    the POS (on SQLite it would hold every other writer back)."""
    if not card.age_compliance_confirmed:
        return ConnectionResult(False, 'Tick "All users are age compliant with my industry" before Connect.')
    result = test_connection(card)
    if not result.ok:
        return result
    before = snapshot(card)
    card.enabled = True
    card.connected_at = timezone.now()
    save_card(card, user, before=before)  # one transaction of its own
    return ConnectionResult(True, "Connected: pulling data now. " + result.message, result.details)


@transaction.atomic
def rotate_pos_api_key(company: Company, user=None) -> str:
    """A new key for the POS to call us; the old one stops working at once (L7)."""
    key = company.set_new_pos_api_key()
    company.save(update_fields=["pos_api_key", "pos_api_key_hash", "pos_api_key_rotated_at"])
    return key
