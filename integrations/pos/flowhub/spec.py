"""Flowhub Maui, described once (integrations/pos/spec.py): fields per card kind, features, statuses."""
from ..spec import ECOMMERCE, CardShape, EmptyFeed, Section, VendorSpec


def explain_empty(card, rooms: list) -> EmptyFeed:
    if card.room_id or card.purchase_category:
        return EmptyFeed("Flowhub returned no inventory for the card's room / purchase category.",
                         "Check the Room ID (32 characters, not the room's name) and the Purchase Category on the "
                         "card.")
    return EmptyFeed("Flowhub Maui returned no products in stock.",
                     "Check in the POS that products are in stock and available online.")


SPEC = VendorSpec(
    vendor="flowhub",
    label="Flowhub Maui",
    default_endpoint="https://api.flowhub.co",
    known_hosts=("api.flowhub.co", "flowhub.auth0.com"),
    kinds={
        ECOMMERCE: CardShape(
            credentials=("api_key", "location_id", "client_id", "order_ahead_client_id", "order_ahead_token",
                         "room_id", "purchase_category"),
            required=("api_key", "location_id", "client_id"),
            filters=("room_id", "purchase_category"),
            sections=(
                Section("Flowhub credentials", ("api_key", "location_id", "client_id", "order_ahead_client_id",
                                                "order_ahead_token")),
                Section("Filters", ("room_id", "purchase_category")),
                Section("Orders", ("sync_orders", "maui_order_syncing")),
                Section("Products", ("map_custom_category_to_subcategory", "sync_terpenes")),
            ),
        ),
    },
    sensitive=frozenset({"api_key", "order_ahead_token"}),
    features=frozenset({"rooms", "products", "inventory", "orders", "order_statuses", "mark_fulfilled",
                        "customers", "create_customer", "update_customer", "find_patient", "transactions"}),
    # Order Ahead statuses (POS-APIS.md section 2).
    order_statuses={"new": "submitted", "inqueue": "submitted", "started": "accepted", "ready": "ready",
                    "intransit": "out_for_delivery", "delivered": "completed", "sold": "completed",
                    "unabletocomplete": "cancelled", "unabletoverify": "cancelled", "deleted": "cancelled"},
    mapping=frozenset({"custom_category_first", "subcategory_from_product_type"}),
    explain_empty=explain_empty,
)
