"""The description of a vendor: every fact about a POS that the rest of Canopy needs, written once.

Each vendor package (`integrations/pos/<vendor>/spec.py`) declares one VendorSpec, and its client class
carries it as `spec`. The card model's choices, the card page's sections, the API's credential and setting
names, the client configuration, the secret handling and the empty-feed explanation are all read from
here (registry.VENDORS), so adding a vendor means one new package (plus its sandbox), nothing else.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ECOMMERCE = "ecommerce"
LOYALTY = "loyalty"

# Our order statuses (orders/ owns the lifecycle; the vendors' words are mapped onto these).
ORDER_STATUSES = ("submitted", "accepted", "ready", "out_for_delivery", "completed", "cancelled")

# Settings every ecommerce card shows, whatever its vendor, before the vendor's own sections.
COMMON_SETTINGS = ("enabled", "sync_frequency", "data_types", "direction")
# C8: which fields sync and the category mapping; every ecommerce card has them.
POS_SETTINGS = ("synced_fields", "category_mapping")


@dataclass(frozen=True)
class Section:
    """One group of a card's fields, as the card page shows it (an admin fieldset)."""

    title: str
    fields: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class CardShape:
    """What one kind of card (ecommerce, loyalty) of this vendor holds.

    credentials: card fields that say which POS location and what of it Canopy reads (ClientConfig names),
        in form order; the API takes them under `credentials`, and changing one of them (or the endpoint)
        means Test Connection must run again.
    required: those that must be filled before Test Connection.
    sections: the card page's sections after the common ones; their fields that are not credentials are
        the card's settings (the API's `settings` keys).
    filters: settings that narrow what the POS sends (rooms, areas, purchase category): also handed to
        the client, and named when a feed comes back empty. A filter may also be a credential.
    """

    credentials: tuple[str, ...]
    required: tuple[str, ...]
    sections: tuple[Section, ...]
    filters: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for section in self.sections for name in section.fields)

    @property
    def settings(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields if name not in self.credentials)

    @property
    def client_fields(self) -> tuple[str, ...]:
        """What ClientConfig.from_card copies from a card of this shape."""
        return self.credentials + tuple(name for name in self.filters if name not in self.credentials)


@dataclass(frozen=True)
class EmptyFeed:
    """Why a sync with good credentials found nothing, in words a store can act on (C10, D14)."""

    message: str
    fix: str


@dataclass(frozen=True)
class VendorSpec:
    """Everything Canopy knows about one POS vendor.

    vendor: the key stored on cards ("dutchie"); label: the name stores know ("Dutchie POS").
    default_endpoint: the production API address, used when a card leaves its endpoint blank (R1).
    known_hosts: the hosts a production card may point at without an allowlist entry.
    kinds: the card kinds this vendor offers, each with its CardShape.
    sensitive: credentials that are secrets (encrypted on the card, never shown back).
    hidden: secrets of which not even the last 4 characters are shown (passwords, PINs).
    features: the named capabilities the client offers (`"cancel_order" in spec.features`).
    order_statuses: the POS's order status words (lower case) -> ours (ORDER_STATUSES).
    mapping: how the menu reads this POS's products (catalog/mapping), named rules the documents give per
        vendor: "tiers_are_prices" (A4), "otd_pricing" (A2), "custom_category_first" (F8),
        "subcategory_from_product_type" (F9), "subcategory_from_strain_type" (R5), "subcategory_from_path".
    explain_empty: (card, rooms) -> EmptyFeed, for a feed that came back empty.
    """

    vendor: str
    label: str
    default_endpoint: str
    kinds: dict[str, CardShape]
    sensitive: frozenset[str]
    features: frozenset[str]
    hidden: frozenset[str] = frozenset()
    known_hosts: tuple[str, ...] = ()
    order_statuses: dict[str, str] = field(default_factory=dict)
    mapping: frozenset[str] = frozenset()
    explain_empty: Callable[[Any, list], EmptyFeed] | None = None

    def shape(self, kind: str) -> CardShape | None:
        return self.kinds.get(kind)

    def order_status(self, word: str) -> str:
        """Our status for the POS's word; "" for a word we do not know (kept as the POS said it)."""
        return self.order_statuses.get((word or "").strip().lower(), "")

    def empty_feed(self, card: Any, rooms: list) -> EmptyFeed:
        if self.explain_empty is not None:
            return self.explain_empty(card, rooms)
        return EmptyFeed(f"{self.label} returned no products in stock.",
                         "Check in the POS that products are in stock and available online.")


def union(names) -> tuple[str, ...]:
    """Names in first-seen order, each once."""
    return tuple(dict.fromkeys(names))
