"""The contract every sandbox vendor fulfils: one package per vendor, one class each, the same modules.

    vendors/<vendor>/
        __init__.py   the vendor class (DutchieSandbox, ...): its attributes, and the functions below
                      bound from render.py and reference.py; `urlpatterns()` serves views.urlpatterns
        reference.py  the store's fixed facts: value formats, rooms or areas and other reference
                      records, the location's own JSON, and `configure_location` / `reference_rows`
        render.py     generate.py's neutral specs turned into the vendor's exact JSON shapes
                      (`product_row`, `customer_row`, `transaction_row`), and the changes an operator or
                      a test switches on (`set_price`, `set_quantity`, `touch`, `advance_order`)
        api.py        what the views share: the vendor's error bodies (ERRORS), authentication, the
                      endpoint decorators, request parsing and record queries
        views.py      the login, location and catalogue endpoints, and `urlpatterns`: the URL of
                      every endpoint, in one list
        customers.py  the customer endpoints
        orders.py     the sales and order endpoints

Views are module-level functions wrapped by faults.sandbox_endpoint (auth, fault switches, rate limits);
render and reference functions are plain functions of a location, a spec or a stored record, bound to
the class as static methods so services.py calls them through `VENDORS[vendor]`. Nothing registers
itself on import: vendors/__init__.py lists the classes. Modules stay under ~450 lines: a module that
grows is split by resource, not left to grow. A vendor never invents behaviour the reference
(../shared/reference/POS-APIS.md) does not describe without saying so ("[our choice]").
"""
import random
from dataclasses import dataclass
from datetime import datetime

from ..generate import CustomerSpec, ProductSpec, TransactionSpec
from ..models import SandboxLocation


@dataclass
class Row:
    """One record ready to store: what SandboxRecord needs besides location and kind."""

    external_id: str
    data: dict
    modified_at: datetime
    quantity: float = 0
    room_id: str = ""
    phone: str = ""
    email: str = ""
    occurred_at: datetime | None = None
    position: int = 0


class SandboxVendor:
    """Base class. Attributes:

    vendor: the Vendor choice ("dutchie", "alleaves", "flowhub").
    path: URL prefix under /sandbox/ ("dutchie/").
    credential_fields: the card's credential names this vendor uses, in the JSON `sandbox_location
        create` prints (api_key, location_id, client_id, username, password, ...).
    order_statuses: the vendor's order statuses in the order `advance_order` walks them.
    """

    vendor: str = ""
    path: str = ""
    credential_fields: tuple[str, ...] = ()
    order_statuses: tuple[str, ...] = ()

    # --- set-up -------------------------------------------------------------------------------
    def configure_location(self, location: SandboxLocation, rng: random.Random) -> None:
        """Fill vendor-specific credentials and defaults on a new (unsaved) location."""
        raise NotImplementedError

    def credentials(self, location: SandboxLocation) -> dict:
        """The card's credential fields for this location, named as the card names them."""
        return {name: getattr(location, name) for name in self.credential_fields}

    # --- rendering ----------------------------------------------------------------------------
    def reference_rows(self, location: SandboxLocation) -> dict[str, list[Row]]:
        """Rooms / areas, customer types, pricing tiers, discounts: {RecordKind: [Row]}."""
        return {}

    def product_row(self, location: SandboxLocation, spec: ProductSpec) -> Row:
        raise NotImplementedError

    def customer_row(self, location: SandboxLocation, spec: CustomerSpec) -> Row:
        raise NotImplementedError

    def transaction_row(self, location: SandboxLocation, spec: TransactionSpec,
                        customer: CustomerSpec, products: dict[int, Row]) -> Row:
        """`products` maps spec index -> product Row, for line items (only those referenced)."""
        raise NotImplementedError

    # --- changes an operator or a test switches on --------------------------------------------
    def set_price(self, data: dict, factor: float) -> None:
        """Multiply every price field of a product record in place."""
        raise NotImplementedError

    def set_quantity(self, data: dict, quantity: float) -> None:
        raise NotImplementedError

    def touch(self, data: dict, when: datetime) -> None:
        """Record a modification time in the vendor's own field, if it has one."""

    def advance_order(self, data: dict) -> str:
        """Move an order record to its next status in place; return the new status."""
        return walk_status(data, self.order_statuses)

    # --- HTTP ---------------------------------------------------------------------------------
    def urlpatterns(self) -> list:
        raise NotImplementedError


def walk_status(data: dict, statuses: tuple[str, ...]) -> str:
    """Move `data["status"]` one step along `statuses` (an unknown status starts at the first; the last
    one stays); return the new status."""
    current = data.get("status")
    index = statuses.index(current) if current in statuses else -1
    data["status"] = statuses[min(index + 1, len(statuses) - 1)]
    return data["status"]
