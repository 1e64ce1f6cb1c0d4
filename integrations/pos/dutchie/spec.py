"""Dutchie POS, described once (integrations/pos/spec.py): fields per card kind, features, statuses."""
from ..spec import ECOMMERCE, LOYALTY, CardShape, EmptyFeed, Section, VendorSpec

# D4: shown with the product settings, so a store knows why a lab edit is not on the menu yet.
D4_NOTE = ("It can take 1 hour for product updates to become available in Dutchie's API. Once the updated "
           "labs/terpenes display in Dutchie's API, they are updated at the next inventory sync (D4).")
L6_WARNING = ("Advanced settings change how customer data is pulled and merged. Only onboarding specialists can "
              "change them; contact your onboarding specialist (L6).")


def explain_empty(card, rooms: list) -> EmptyFeed:
    """D14: a working key that sees no inventory usually means its rooms are hidden from it."""
    if card.room_ids:
        return EmptyFeed(f"Dutchie returned no inventory in the chosen rooms ({', '.join(map(str, card.room_ids))}).",
                         "Check the Room IDs on the card, or clear them to use every room.")
    return EmptyFeed(
        "The API key works but Dutchie returned no inventory. This usually means \"Assign Rooms To Menus\" is on "
        "in Dutchie and this key may not see any room, or nothing is in stock.",
        "In Dutchie, check the key's room permissions (Settings > Integrations > Assign Rooms To Menus), or ask "
        "Dutchie support which rooms this key can see (D14).")


SPEC = VendorSpec(
    vendor="dutchie",
    label="Dutchie POS",
    default_endpoint="https://api.pos.dutchie.com",
    known_hosts=("api.pos.dutchie.com",),
    kinds={
        ECOMMERCE: CardShape(
            credentials=("api_key", "room_ids"),
            required=("api_key",),
            filters=("room_ids",),
            sections=(
                Section("Dutchie POS credentials", ("api_key", "room_ids")),
                Section("Orders", ("sync_orders", "dont_hold_inventory", "send_prepaid_transaction_reference",
                                   "kiosk_order_source")),
                Section("Products", ("use_rec_flower_equivalent", "use_thc9", "sync_lab_units", "lab_unit_mapping",
                                     "sync_terpenes"), D4_NOTE),
            ),
        ),
        # The marketing + loyalty card keeps one key per location (LoyaltyCredential), not on the card.
        LOYALTY: CardShape(
            credentials=(),
            required=(),
            sections=(
                Section("Connect", ("age_compliance_confirmed",),
                        "Add a credential (Store Name + API key) for each Dutchie location below."),
                Section("Loyalty", ("sms_double_opt_in_date", "enrol_date", "bypass_2fa", "master_pin")),
                Section("Advanced settings", ("use_last_backup", "sync_personas", "sync_to_relevant_state",
                                              "mirror_archives"), L6_WARNING),
            ),
        ),
    },
    sensitive=frozenset({"api_key", "master_pin"}),
    hidden=frozenset({"master_pin"}),
    features=frozenset({"rooms", "products", "inventory", "incremental_inventory", "orders", "order_statuses",
                        "cancel_order", "customers", "transactions", "create_customer", "update_customer",
                        "find_patient"}),
    # D7: Dutchie has no "Notify" action in its API; "Filled" (packed, waiting at the counter) is the nearest
    # status it reports, so it means Ready for Pickup here.
    order_statuses={"submitted": "submitted", "processing": "accepted", "filled": "ready", "complete": "completed",
                    "cancelled": "cancelled"},
    mapping=frozenset({"subcategory_from_strain_type"}),
    explain_empty=explain_empty,
)
