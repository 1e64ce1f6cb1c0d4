"""The contract each sandbox vendor module fulfils (one module per vendor, one class each).

A vendor class renders the neutral specs of generate.py into its API's exact JSON shapes, knows
which fields a price or quantity change touches, and serves its endpoints (`urlpatterns`). It never
invents behaviour the reference (../shared/reference/POS-APIS.md) does not describe without saying so.
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
        statuses = self.order_statuses
        current = data.get("status")
        index = statuses.index(current) if current in statuses else -1
        data["status"] = statuses[min(index + 1, len(statuses) - 1)]
        return data["status"]

    # --- HTTP ---------------------------------------------------------------------------------
    def urlpatterns(self) -> list:
        raise NotImplementedError
