"""Alleaves, described once (integrations/pos/spec.py): fields per card kind, features, statuses."""
from ..spec import ECOMMERCE, CardShape, EmptyFeed, Section, VendorSpec


def explain_empty(card, rooms: list) -> EmptyFeed:
    if card.area_ids:
        names = {str(r.id): r.name for r in rooms}
        chosen = ", ".join(names.get(str(a), str(a)) for a in card.area_ids)
        return EmptyFeed(f"Alleaves has no available inventory in {chosen}.",
                         "Choose the area(s) that hold the products you sell, such as Retail / Sales Floor.")
    return EmptyFeed("Alleaves returned no products in stock.",
                     "Check in the POS that products are in stock and available online.")


SPEC = VendorSpec(
    vendor="alleaves",
    label="Alleaves",
    default_endpoint="https://app.alleaves.com/api",
    known_hosts=("app.alleaves.com",),
    kinds={
        ECOMMERCE: CardShape(
            credentials=("location_id", "username", "password"),
            required=("location_id", "username", "password"),
            filters=("area_ids",),
            sections=(
                Section("Alleaves credentials", ("location_id", "username", "password", "area_ids")),
                Section("Orders", ("sync_orders",)),
                Section("Products", ("use_otd_pricing", "sync_prices", "sync_terpenes")),
            ),
        ),
    },
    sensitive=frozenset({"password"}),
    hidden=frozenset({"password"}),
    features=frozenset({"rooms", "products", "inventory", "orders", "order_statuses", "customers", "transactions",
                        "create_customer", "find_patient"}),
    order_statuses={"open": "submitted", "in_progress": "accepted", "ready": "ready", "completed": "completed",
                    "cancelled": "cancelled", "voided": "cancelled"},
    mapping=frozenset({"tiers_are_prices", "otd_pricing", "subcategory_from_path"}),
    explain_empty=explain_empty,
)
