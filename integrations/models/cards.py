"""Integration cards: one POS connection with its credentials and every documented setting.

Each toggle the documents name is a real column with the documents' wording as help text, so it
can be filtered, audited (CardChange) and migrated like any other. Secrets are encrypted at rest.
"""
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from ..endpoints import check_endpoint
from ..fields import EncryptedTextField
from ..pos.registry import SECRET_FIELDS, VENDORS
from .platform import Company, RetailStore, User
from .typed import TypedDatesModel

# The vendors and their names come from their descriptions (integrations/pos/<vendor>/spec.py).
Vendor = models.TextChoices("Vendor", [(spec.vendor.upper(), (spec.vendor, spec.label)) for spec in VENDORS.values()])


class CardKind(models.TextChoices):
    ECOMMERCE = "ecommerce", "Ecommerce"
    LOYALTY = "loyalty", "Marketing + loyalty"


class SyncFrequency(models.TextChoices):
    # R3 / R7; ecommerce cards sync every 10 minutes (C2).
    WEBHOOK = "webhook", "Real-time (webhook)"
    TEN_MINUTES = "10m", "Every 10 minutes"
    FIFTEEN_MINUTES = "15m", "Every 15 minutes"
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily (overnight)"


class Direction(models.TextChoices):
    POS_TO_CANOPY = "pos_to_canopy", "POS to Canopy"
    BIDIRECTIONAL = "bidirectional", "Bidirectional"


class KioskOrderSource(models.TextChoices):
    EXPRESS = "express", "Express"
    KIOSK = "kiosk", "Kiosk"


DEFAULT_ENDPOINTS = {spec.vendor: spec.default_endpoint for spec in VENDORS.values()}

DATA_TYPES = ["products", "inventory", "sales"]
# C8: the fields a card may sync; all on by default.
SYNCABLE_FIELDS = ["name", "description", "brand", "price", "images", "labs", "terpenes", "category",
                   "quantity", "strain_type", "weight"]

flowhub_room_id = RegexValidator(
    r"^[A-Za-z0-9]{32}$",
    "A Flowhub Room ID is 32 letters and digits with no spaces (not the room's name).",
)


def default_data_types() -> list[str]:
    return ["products", "inventory"]


def default_synced_fields() -> list[str]:
    return list(SYNCABLE_FIELDS)


class IntegrationCard(TypedDatesModel):
    """One POS connection: an ecommerce card of a retail store, or the company's Dutchie marketing +
    loyalty card (which holds one credential per location, see LoyaltyCredential)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="cards")
    store = models.ForeignKey(RetailStore, on_delete=models.CASCADE, null=True, blank=True, related_name="cards",
                              help_text="The retail store an ecommerce card feeds. Empty for the loyalty card.")
    vendor = models.CharField(max_length=16, choices=Vendor.choices)
    kind = models.CharField(max_length=16, choices=CardKind.choices, default=CardKind.ECOMMERCE)
    enabled = models.BooleanField("Enable", default=False,
                                  help_text="Once enabled, the first sync occurs within 10 minutes (C2).")
    api_endpoint = models.URLField(
        "API endpoint", max_length=300, blank=True,
        help_text="The POS's API address for this environment (R1). Blank = the vendor's production URL.")
    sync_frequency = models.CharField(max_length=16, choices=SyncFrequency.choices,
                                      default=SyncFrequency.TEN_MINUTES)
    data_types = models.JSONField(default=default_data_types, blank=True,
                                  help_text="What this card syncs: products, inventory, sales (R3).")
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.POS_TO_CANOPY)
    synced_fields = models.JSONField(
        "POS Settings: fields that sync", default=default_synced_fields, blank=True,
        help_text="Which fields sync from the POS (name, description, brand, price, images, labs, terpenes, "
                  "category, quantity...). A field left out keeps the value edited here (C8).")
    category_mapping = models.JSONField(
        "POS custom mapping", default=dict, blank=True,
        help_text='Category Settings: POS category -> menu category, e.g. {"Prerolls": "Pre-Rolls"} (C8).')

    # --- credentials -------------------------------------------------------------------------
    api_key = EncryptedTextField("API key", blank=True,
                                 help_text="Dutchie location API key / Flowhub API key. Never shown back in full.")
    location_id = models.CharField("Location ID", max_length=64, blank=True)
    username = models.CharField(max_length=150, blank=True, help_text="Alleaves username.")
    password = EncryptedTextField(blank=True, help_text="Alleaves password. Never shown back.")
    client_id = models.CharField("Client ID", max_length=64, blank=True, help_text="Flowhub Client ID.")
    order_ahead_client_id = models.CharField("Order Ahead Client Id", max_length=64, blank=True)
    order_ahead_token = EncryptedTextField("Order Ahead Token", blank=True, help_text="Never shown back in full.")

    # --- Dutchie POS (D1-D14) ----------------------------------------------------------------
    room_ids = models.JSONField(
        "Room IDs", default=list, blank=True,
        help_text="Optional. If you have multiple rooms set up in Dutchie, enter all Room IDs; only inventory "
                  "in these rooms is used (D1).")
    sync_orders = models.BooleanField(
        "Sync Orders", default=False,
        help_text="Automatically push new orders into the POS when they are confirmed (C4).")
    dont_hold_inventory = models.BooleanField(
        "Don't Hold Inventory", default=False,
        help_text="New orders hold no inventory; an order can still override it (D8).")
    send_prepaid_transaction_reference = models.BooleanField(
        "Send Pre-Paid Transaction Reference", default=False,
        help_text='For orders paid with Aeropay, Stripe, Square or KindTap, send a "Pre-Paid" note and our '
                  "order number to Dutchie's transaction reference (D9).")
    use_rec_flower_equivalent = models.BooleanField(
        "Flower Equivalent", default=False,
        help_text="On: use Rec Flower Equivalent. Off (default): use Flower Equivalent (D10).")
    kiosk_order_source = models.CharField(
        "Kiosk Order Source", max_length=16, choices=KioskOrderSource.choices, default=KioskOrderSource.EXPRESS,
        help_text="Express uses Dutchie's express workflow; Kiosk is for reporting only and is still a "
                  "pre-order (D11).")
    use_thc9 = models.BooleanField(
        "Use THC9", default=False,
        help_text="On: use the THC9 value when present, else the THC lab. Off: THC9 is never read (D12).")
    sync_lab_units = models.BooleanField(
        "POS syncing for units", default=True,
        help_text="Sync the mg, % and mg per gram units of lab results (D3).")
    lab_unit_mapping = models.JSONField(
        "Lab and lab unit mapping", blank=True,
        default=dict,
        help_text='Dutchie lab unit -> menu unit. Blank uses milligrams -> mg, percentage -> %, '
                  "milligrams per gram -> mg/g (D3).")
    sync_terpenes = models.BooleanField(
        "Sync terpenes", default=True,
        help_text="Map the POS's terpenes onto the 16 supported names (C9).")

    # --- Alleaves (A1-A7) --------------------------------------------------------------------
    area_ids = models.JSONField(
        "Areas", default=list, blank=True,
        help_text="The Alleaves area(s) to pull inventory from, e.g. Retail (A1).")
    use_otd_pricing = models.BooleanField(
        "Out-The-Door pricing", default=False,
        help_text="On: price from the OTD field. Off: the price field for the menu type (A2).")
    sync_prices = models.BooleanField(
        "Price sync", default=True,
        help_text="Off: later POS price changes to existing items do not change the price here (A5).")

    # --- Flowhub (F1-F9) ---------------------------------------------------------------------
    room_id = models.CharField(
        "Room ID", max_length=32, blank=True, validators=[flowhub_room_id],
        help_text="32 alphanumeric characters, no spaces: the room's ID, not its name (F7).")
    purchase_category = models.CharField(
        "Purchase Category", max_length=16, blank=True,
        choices=[("rec", "Recreational"), ("med", "Medical"), ("both", "Both")],
        help_text="Only inventory of this purchase category is used (F1).")
    maui_order_syncing = models.BooleanField(
        "Maui order syncing", default=False,
        help_text="A pushed order is marked fulfilled, releasing its held quantity (F3).")
    map_custom_category_to_subcategory = models.BooleanField(
        "Map Custom Category to Sub Category", default=False,
        help_text="On + custom category present: subcategory = custom category name. Off: product type, "
                  "else main category (F9).")

    # --- Dutchie marketing + loyalty (L1-L7, L17-L22) -----------------------------------------
    age_compliance_confirmed = models.BooleanField(
        "All users are age compliant with my industry", default=False,
        help_text="Required before Connect (L4).")
    connected_at = models.DateTimeField(null=True, blank=True, help_text="When Connect started pulling data (L5).")
    use_last_backup = models.BooleanField(
        "Use last backup", default=False,
        help_text="Freezes the data and stops calling the POS (L18). Advanced setting.")
    sync_personas = models.BooleanField(
        "Sync Personas/Contacts", default=False,
        help_text="POS edits to name, email, phone and birthdate flow in; the POS is the source of truth; "
                  "only from the day it is enabled (L19). Advanced setting.")
    sync_personas_since = models.DateTimeField(null=True, blank=True, editable=False)
    sync_to_relevant_state = models.BooleanField(
        "Sync to relevant market/state", default=False,
        help_text="Only contacts of the credential's state (L20). Advanced setting.")
    mirror_archives = models.BooleanField(
        "Mirror Archives", default=False,
        help_text="Full history instead of about one year; archived and merged POS profiles become mirrored "
                  "archived profiles so their orders stay (L17). Advanced setting.")
    sms_double_opt_in_date = models.DateField(
        "SMS double opt-in date", null=True, blank=True,
        help_text="Personas with a phone who purchased on or after this date get an SMS double opt-in (L21).")
    enrol_date = models.DateField(
        "Enroll in loyalty from", null=True, blank=True,
        help_text="Personas who purchased on or after this date are enrolled and earn points for those sales "
                  "(L22).")
    bypass_2fa = models.BooleanField(
        "Bypass 2FA", default=False, help_text="Open the wallet without the SMS code (L8, L13).")
    master_pin = EncryptedTextField("Master PIN", blank=True, help_text="Overrides the SMS code (L8).")

    # When the schedule dispatcher next syncs this card (C2, R7); empty while the card is disabled.
    next_sync_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # Syncs that failed one after the other; at integrations.sync.PAUSE_AFTER_FAILURES the schedule
    # pauses (the same failure must not be re-queued forever) until the card is saved or Sync pressed.
    failed_syncs_in_a_row = models.PositiveSmallIntegerField(default=0, editable=False)
    sync_paused_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- last Test Connection (R2) -----------------------------------------------------------
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)
    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Settings only onboarding specialists may change (L6).
    ADVANCED_FIELDS = ("use_last_backup", "sync_personas", "sync_to_relevant_state", "mirror_archives")
    SECRET_FIELDS = SECRET_FIELDS  # the vendors' secrets, from their descriptions

    class Meta:
        ordering = ["company__name", "store__name", "vendor"]
        verbose_name = "integration"
        # C3, R4: the one permission behind the Sync button, Run Initial Sync and the API's sync action.
        permissions = [("sync_integrationcard", "Can press Sync and run an initial sync")]
        constraints = [
            models.UniqueConstraint(fields=["store", "vendor", "kind"], name="one_card_per_store_vendor_kind"),
            # The marketing + loyalty card is per company, holding one credential per location (L2, L3).
            models.UniqueConstraint(fields=["company", "vendor"], condition=models.Q(kind="loyalty"),
                                    name="one_loyalty_card_per_company_vendor"),
        ]

    def __str__(self) -> str:
        where = self.store.name if self.store_id else self.company.name
        return f"{self.get_vendor_display()} ({self.get_kind_display().lower()}) - {where}"

    def clean(self) -> None:
        super().clean()
        if self.vendor in VENDORS:
            try:
                check_endpoint(self.vendor, self.api_endpoint)
            except ValidationError as refused:
                raise ValidationError({"api_endpoint": refused.messages}) from refused

    @property
    def endpoint(self) -> str:
        return (self.api_endpoint or DEFAULT_ENDPOINTS[self.vendor]).rstrip("/")

    @property
    def spec(self):
        """This card's vendor description (integrations/pos/<vendor>/spec.py)."""
        return VENDORS[self.vendor]


class LoyaltyCredential(models.Model):
    """One Dutchie location key on the loyalty card (L2, L3): Store Name + API key. Retail stores
    are mapped to a credential by onboarding specialists (L9); until then it raises a notice (L27)."""

    card = models.ForeignKey(IntegrationCard, on_delete=models.CASCADE, related_name="credentials")
    store_name = models.CharField("Store Name", max_length=200)
    api_key = EncryptedTextField("API key", help_text="Never shown back in full.")
    state = models.CharField(max_length=2, blank=True, help_text="The market/state of this location (L20).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store_name"]
        verbose_name = "loyalty credential"

    def __str__(self) -> str:
        return self.store_name


class CardChange(models.Model):
    """History (X4): one row per field changed on a card: who, when, old -> new. Secrets say
    "changed" and never their values."""

    card = models.ForeignKey(IntegrationCard, on_delete=models.CASCADE, related_name="history")
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    field = models.CharField(max_length=100)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = "card change"

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} -> {self.new_value}"
