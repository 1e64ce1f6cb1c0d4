"""State of the sandbox POS (X1): simulated vendor locations and the records they serve.

Records are kept in the vendor's own JSON shape (`data`), so the views serve them as the real API
would; the few columns beside it exist only to filter and page without parsing every row.
"""
import secrets
import uuid

from django.db import models

# The same vendors a card can name: a sandbox location stands in for one of them.
from integrations.models.cards import Vendor

__all__ = ["Fault", "RecordKind", "SandboxLocation", "SandboxRecord", "SandboxToken", "Vendor"]


class Fault(models.TextChoices):
    NONE = "", "None: answer normally"
    UNAUTHORIZED = "401", "401 Unauthorized"
    FORBIDDEN = "403", "403 Forbidden"
    RATE_LIMITED = "429", "429 Too Many Requests, with Retry-After"
    RATE_LIMITED_NO_RETRY_AFTER = "429-bare", "429 Too Many Requests, no Retry-After"
    SERVER_ERROR = "500", "500 Internal Server Error"
    SLOW = "slow", "Slow: answer after the delay (past a client's timeout)"
    MALFORMED_JSON = "malformed", "Malformed JSON body"
    TRUNCATED = "truncated", "Truncated body (connection closed mid-response)"


class SandboxLocation(models.Model):
    """One simulated POS location: its credentials, its switches and its generated catalogue."""

    vendor = models.CharField(max_length=16, choices=Vendor.choices)
    name = models.CharField(max_length=200)
    seed = models.IntegerField(default=1, help_text="Same seed, same catalogue.")
    # Credentials, named as a card names them.
    api_key = models.CharField(max_length=64, unique=True, default=secrets.token_hex,
                               help_text="Dutchie location API key / Flowhub key.")
    location_id = models.CharField(max_length=64, unique=True,
                                   help_text="Dutchie locationId, Alleaves id_location, Flowhub locationId.")
    client_id = models.CharField(max_length=64, blank=True, help_text="Flowhub clientId.")
    username = models.CharField(max_length=150, blank=True, help_text="Alleaves username.")
    password = models.CharField(max_length=150, blank=True, help_text="Alleaves password.")
    pin = models.CharField(max_length=16, blank=True, help_text="Alleaves PIN (optional).")
    order_ahead_client_id = models.CharField(max_length=64, blank=True)
    order_ahead_token = models.CharField(max_length=128, blank=True,
                                         help_text="Flowhub Order Ahead client secret.")
    # Dutchie behaviours.
    roles = models.JSONField(default=list, blank=True,
                             help_text='Dutchie key roles, e.g. ["Inventory", "Reporting", "Customer", '
                                       '"PreOrder", "Room"]. A missing role answers 403.')
    hidden_customer_types = models.JSONField(default=list, blank=True,
                                             help_text="Customer type names not shown to the API (D2).")
    assign_rooms_to_menus = models.BooleanField(
        default=False, help_text='Dutchie "Assign Rooms To Menus": inventory is only visible in the rooms '
        "listed in Visible room IDs (D14).")
    visible_room_ids = models.JSONField(default=list, blank=True)
    # Fault switches.
    fault = models.CharField(max_length=16, choices=Fault.choices, blank=True, default="")
    fault_endpoint = models.CharField(max_length=120, blank=True,
                                      help_text="Only paths containing this text fail; blank = every path.")
    retry_after_seconds = models.PositiveIntegerField(default=2)
    slow_seconds = models.FloatField(default=5.0)
    enforce_rate_limits = models.BooleanField(
        default=False, help_text="Apply the vendor's documented limits (Dutchie: 120/min per endpoint, "
        "/inventory and /whoami 200/min, reporting 60/min).")
    token_ttl_seconds = models.PositiveIntegerField(
        default=3600, help_text="Lifetime of Alleaves JWTs and Flowhub Order Ahead tokens.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["vendor", "name"]
        verbose_name = "sandbox location"

    def __str__(self) -> str:
        return f"{self.get_vendor_display()}: {self.name}"


class RecordKind(models.TextChoices):
    PRODUCT = "product"
    ROOM = "room"
    CUSTOMER = "customer"
    CUSTOMER_TYPE = "customer_type"
    TRANSACTION = "transaction"
    ORDER = "order"
    DISCOUNT = "discount"
    PRICING_TIER = "pricing_tier"


class SandboxRecord(models.Model):
    """One record a sandbox location serves, exactly as the vendor's API shapes it."""

    location = models.ForeignKey(SandboxLocation, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    external_id = models.CharField(max_length=64)
    data = models.JSONField()
    # Columns for filtering without parsing `data`.
    quantity = models.FloatField(default=0)
    room_id = models.CharField(max_length=64, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.CharField(max_length=254, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="Transaction or order date.")
    modified_at = models.DateTimeField()
    deleted = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0, help_text="Stable order of the feed.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["location", "kind", "external_id"], name="sandbox_record_unique"),
        ]
        indexes = [
            models.Index(fields=["location", "kind", "position"]),
            models.Index(fields=["location", "kind", "modified_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class SandboxToken(models.Model):
    """A bearer token the sandbox issued (Alleaves JWT login, Flowhub Order Ahead)."""

    location = models.ForeignKey(SandboxLocation, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=512, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token for {self.location} until {self.expires_at:%Y-%m-%d %H:%M}"


def new_uuid() -> str:
    return str(uuid.uuid4())
