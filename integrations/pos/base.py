"""The one small interface every POS client implements (NetBox DataBackend, anymail backends).

A client talks to one POS location through a PosHttp (http.py), returns records.py dataclasses and
raises errors.py exceptions. An operation the vendor's API does not offer raises UnsupportedFeature.
"""
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from .errors import UnsupportedFeature
from .http import PosHttp
from .records import (
    ClientConfig,
    ConnectionResult,
    OrderStatus,
    PosCustomer,
    PosOrder,
    PosProduct,
    PosTransaction,
    PushResult,
    Room,
)
from .spec import ECOMMERCE, VendorSpec


class PosClient:
    """Base class. A client names its vendor's description, `spec` (spec.VendorSpec); the attributes
    below are read from it when the class is defined, so no vendor fact is written twice:

    vendor: registry key ("dutchie", "alleaves", "flowhub"), as IntegrationCard.vendor.
    label: the name stores know ("Dutchie POS").
    credential_fields: the ecommerce card's fields this client reads (ClientConfig names), in form order.
    required_credentials: those that must be filled before Test Connection.
    sensitive_fields: the credentials among them that are secrets (encrypted on the card).
    features: operations supported; callers check `"cancel_order" in client.features`, never getattr.
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
        return UnsupportedFeature(f"{self.label}'s API does not offer {feature}.")

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

    def iter_inventory(self) -> Iterator[PosProduct]:
        """Every product in stock with its quantity: always a full snapshot (Dutchie /inventory,
        Alleaves /inventory/search, Flowhub inventory), filtered to the card's rooms / areas /
        purchase category (D1, A1, F1). Streamed: never the whole feed in memory."""
        raise self.unsupported("inventory")

    def push_order(self, order: PosOrder) -> PushResult:
        raise self.unsupported("order push")

    def order_statuses(self, pos_order_ids: Iterable[str]) -> list[OrderStatus]:
        raise self.unsupported("order statuses")

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
