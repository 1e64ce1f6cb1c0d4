"""Menu > Products: what each store's menu shows, synced from its POS card and mapped (catalog/mapping)."""
from django.db import models

from integrations.models import IntegrationCard, RetailStore, User

# C8: the product columns each syncable field name covers; a field a card does not sync leaves these alone.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("product_name",),
    "description": ("description",),
    "brand": ("brand",),
    "price": ("unit_price", "medical_unit_price", "price_tiers", "weight_tiers"),
    "images": ("images",),
    "labs": ("thc_percentage", "cbd_percentage", "lab_results"),
    "terpenes": ("terpenes", "unknown_terpenes"),
    "category": ("category", "subcategory"),
    "quantity": ("quantity",),
    "strain_type": ("strain_type",),
    "weight": ("weight", "flower_equivalent"),
}


class Product(models.Model):
    """One product on a store's menu, as synced from the POS and mapped. A product that drops out of
    the POS feed is zeroed, never deleted (D13), so its history and orders stay."""

    store = models.ForeignKey(RetailStore, on_delete=models.CASCADE, related_name="products")
    card = models.ForeignKey(IntegrationCard, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="products", help_text="The card this product syncs from.")
    pos_product_id = models.CharField("POS product ID", max_length=64)
    # Hash of everything mapped from the POS: an unchanged record is skipped without a write.
    content_hash = models.CharField(max_length=32, blank=True)
    # Hash of the POS record as received (+ the card's mapping settings): a resync whose record hashes the
    # same skips mapping altogether, and one whose bytes are the same does not even parse it (catalog.sync):
    # the product then stays as written. Empty (never matches) when nothing is known. Whatever changes a
    # synced column outside a sync must clear it (D13's zeroing does), so the next sync writes it again.
    source_hash = models.CharField(max_length=32, blank=True, null=True)
    sku = models.CharField("SKU", max_length=120, blank=True, db_index=True)
    product_name = models.CharField(max_length=300, blank=True)
    brand = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=60, blank=True)
    subcategory = models.CharField(max_length=120, blank=True)
    strain_type = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    images = models.JSONField(default=list, blank=True, help_text="Image URLs in the POS's order (C7).")
    thc_percentage = models.FloatField("THC %", null=True, blank=True)
    cbd_percentage = models.FloatField("CBD %", null=True, blank=True)
    lab_results = models.JSONField(default=list, blank=True, help_text="[{name, value, unit}] in mg, % or mg/g (D3).")
    terpenes = models.JSONField(default=list, blank=True, help_text="[{name, value, unit}] on the 16 names (C9).")
    weight = models.JSONField(null=True, blank=True, help_text="{value, unit}: grams, mg for infused (D6).")
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    medical_unit_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    price_tiers = models.JSONField(default=list, blank=True)
    weight_tiers = models.JSONField(default=list, blank=True)
    flower_equivalent = models.FloatField(null=True, blank=True)
    quantity = models.FloatField(default=0, help_text="The POS's quantity; the POS wins (R8).")
    # Quantity in open orders between syncs (C6): the menu shows quantity - held, never below 0.
    held_quantity = models.FloatField(default=0)
    room_type = models.CharField(max_length=120, blank=True)
    unit_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                    help_text="Never shown on the menu.")
    # Explain (X3): the POS record as received and every mapping decision taken.
    raw = models.JSONField(default=dict, blank=True)
    decisions = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="Problems found while mapping, for review.")
    unknown_terpenes = models.JSONField(default=list, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "pos_product_id"], name="unique_pos_product_per_store"),
        ]
        indexes = [models.Index(fields=["store", "category"]), models.Index(fields=["store", "updated_at"])]

    def __str__(self) -> str:
        return self.product_name or self.pos_product_id

    @property
    def quantity_available(self) -> float:
        return max(0.0, (self.quantity or 0) - (self.held_quantity or 0))


class ReviewItem(models.Model):
    """Something a sync could not decide on its own, for a manager to resolve: a duplicate SKU whose
    records disagree (R8), an unknown category, a malformed record."""

    class Kind(models.TextChoices):
        DUPLICATE_SKU = "duplicate_sku", "Duplicate SKU"
        UNKNOWN_CATEGORY = "unknown_category", "Unknown category"
        MALFORMED = "malformed", "Malformed record"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    store = models.ForeignKey(RetailStore, on_delete=models.CASCADE, related_name="review_items")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What identifies the problem across syncs (the SKU, the POS id): a resync does not open it twice.
    key = models.CharField(max_length=200)
    message = models.TextField()
    products = models.ManyToManyField(Product, blank=True, related_name="review_items")
    raw = models.JSONField(default=list, blank=True, help_text="The POS records involved.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=200, blank=True)
    resolved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    sync_run = models.ForeignKey("integrations.SyncRun", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = "review item"
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "key"], condition=models.Q(status="open"),
                                    name="one_open_review_item_per_problem"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key}"


class StorefrontKey(models.Model):
    """A key an ecommerce site or kiosk uses to read one store's menu (and nothing else)."""

    store = models.ForeignKey(RetailStore, on_delete=models.CASCADE, related_name="storefront_keys")
    name = models.CharField(max_length=100, default="Storefront")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "storefront key"

    def __str__(self) -> str:
        return f"{self.store}: {self.name} (…{self.last4})"
