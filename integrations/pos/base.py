"""The one small interface every POS client implements (NetBox DataBackend, anymail backends).

A client talks to one POS location through a PosHttp (http.py), returns records.py dataclasses and
raises errors.py exceptions. Every operation below exists on every client; one the vendor's API does
not offer raises UnsupportedFeature (self.unsupported), and `features` (from the vendor's spec) names
those it does offer, so callers check `"cancel_order" in client.features` before calling, never getattr.
Each vendor package splits the work: client.py makes the calls (auth, paging, errors), parse.py reads
and writes the vendor's JSON (pure functions), spec.py describes the vendor.
"""
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from .errors import UnsupportedFeature
from .http import PosHttp
from .records import (
    ClientConfig,
    ConnectionResult,
    KnownRecord,
    OrderStatus,
    PosCustomer,
    PosOrder,
    PosProduct,
    PosTransaction,
    PushResult,
    Room,
)
from .spec import ECOMMERCE, VendorSpec

# Each named feature and the method it makes work (the rest of the contract raises UnsupportedFeature).
# "incremental_inventory" is a way of calling iter_inventory: with details_since / known_details / known.
FEATURE_METHODS = {
    "rooms": "list_rooms", "products": "iter_products", "inventory": "iter_inventory",
    "incremental_inventory": "iter_inventory", "orders": "push_order", "order_statuses": "order_statuses",
    "cancel_order": "cancel_order", "mark_fulfilled": "mark_fulfilled", "customers": "iter_customers",
    "transactions": "iter_transactions", "create_customer": "create_customer",
    "update_customer": "update_customer", "find_patient": "find_patient",
}


class PosClient:
    """Base class. A client names its vendor's description, `spec` (spec.VendorSpec); the attributes
    below are read from it when the class is defined, so no vendor fact is written twice:

    vendor: registry key ("dutchie", "alleaves", "flowhub"), as IntegrationCard.vendor.
    label: the name stores know ("Dutchie POS").
    credential_fields: the ecommerce card's fields this client reads (ClientConfig names), in form order.
    required_credentials: those that must be filled before Test Connection.
    sensitive_fields: the credentials among them that are secrets (encrypted on the card).
    features: operations supported (FEATURE_METHODS names them); callers check `"cancel_order" in
        client.features`, never getattr.
    """

    spec: VendorSpec | None = None
    vendor = ""
    label = ""
    credential_fields: tuple[str, ...] = ()
    required_credentials: tuple[str, ...] = ()
    sensitive_fields: tuple[str, ...] = ()
    features: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("spec")
        if spec is None:
            return
        shape = spec.kinds[ECOMMERCE]
        cls.vendor, cls.label, cls.features = spec.vendor, spec.label, spec.features
        cls.credential_fields = shape.client_fields
        cls.required_credentials = shape.required
        cls.sensitive_fields = tuple(name for name in shape.client_fields if name in spec.sensitive)

    def __init__(self, config: ClientConfig, http: PosHttp | None = None):
        self.config = config
        self.http = http or self.make_http(config)

    @classmethod
    def make_http(cls, config: ClientConfig) -> PosHttp:
        return PosHttp(config.endpoint, cls.label)

    def unsupported(self, feature: str) -> UnsupportedFeature:
        """The error for an operation this vendor's API does not offer, naming it in words."""
        return UnsupportedFeature(f"{self.label}'s API does not offer {feature}.")

    def order_status(self, pos_order_id: str, word: str, raw: dict[str, Any] | None = None) -> OrderStatus:
        """An OrderStatus with the POS's own word and ours for it (the spec's order_statuses; "" for a word
        it does not map, such as "NotFound")."""
        ours = self.spec.order_status(word) if self.spec is not None else ""
        return OrderStatus(str(pos_order_id), word, raw or {}, ours=ours)

    # --- the interface --------------------------------------------------------------------------
    def test_connection(self, *, purpose: str = "ecommerce", location_type: str = "") -> ConnectionResult:
        """Call the POS with these credentials and say, in words, whether they work: the location's
        name on success; missing permissions (L1) or hidden customer types (D2) otherwise."""
        raise NotImplementedError

    def list_rooms(self) -> list[Room]:
        raise self.unsupported("rooms")

    def iter_products(self, since: datetime | None = None) -> Iterator[PosProduct]:
        """Products with their inventory, as the menu needs them. `since` asks for changes only where
        the vendor supports it (Dutchie fromLastModifiedDateUTC); otherwise a full snapshot."""
        raise self.unsupported("products")

    def iter_inventory(self, *, details_since: datetime | None = None,
                       known_details: Callable[[list[str]], dict[str, dict]] | None = None,
                       known: Callable[[str], Any] | None = None) -> Iterator[PosProduct | KnownRecord]:
        """Every product in stock with its quantity: always a full snapshot (Dutchie /inventory,
        Alleaves /inventory/search, Flowhub inventory), filtered to the card's rooms / areas /
        purchase category (D1, A1, F1). Streamed: never the whole feed in memory.

        Yields PosProduct; with the incremental arguments, also KnownRecord. The arguments are used only
        by a client whose features include "incremental_inventory" (the others accept and ignore them):
        details_since: read the product details changed since then only, not all of them;
        known_details(product ids) -> {product id: the details the caller kept last time};
        known(digest) -> the caller's record of an item with that digest, or None: an item the caller
        already holds, unchanged, comes back as a KnownRecord carrying that answer instead of a PosProduct.
        """
        raise self.unsupported("inventory")

    def push_order(self, order: PosOrder) -> PushResult:
        raise self.unsupported("order push")

    def order_statuses(self, pos_order_ids: Iterable[str]) -> list[OrderStatus]:
        """One OrderStatus per id, in order (built with self.order_status, so `ours` is filled); an order
        the POS no longer knows gets the POS's "not found" word rather than stopping the others."""
        raise self.unsupported("order statuses")

    def cancel_order(self, pos_order_id: str, reason: str = "") -> OrderStatus:
        """Cancel a pushed order in the POS, giving `reason` where the POS keeps one."""
        raise self.unsupported("cancelling orders")

    def mark_fulfilled(self, pos_order_id: str) -> OrderStatus:
        """Mark a pushed order fulfilled (sold) in the POS, releasing what it holds for it (F3)."""
        raise self.unsupported("marking orders fulfilled")

    def iter_customers(self, since: datetime | None = None) -> Iterator[PosCustomer]:
        raise self.unsupported("customers")

    def iter_transactions(self, since: datetime | None = None) -> Iterator[PosTransaction]:
        raise self.unsupported("transactions")

    def create_customer(self, customer: PosCustomer) -> PosCustomer:
        raise self.unsupported("creating customers")

    def update_customer(self, customer: PosCustomer) -> PosCustomer:
        raise self.unsupported("updating customers")

    def find_patient(self, *, medical_id: str = "", phone: str = "") -> PosCustomer | None:
        raise self.unsupported("patient lookup")
