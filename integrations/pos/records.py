"""Normalized records: what POS clients return and accept. Plain dataclasses, never models.

Field names are vendor-neutral; each client fills what its API gives and leaves the rest empty.
`raw` keeps the vendor's record as received, for the product page's explanation (X3).
Mapping onto the menu (categories, units, tiers...) is catalog's job, not the clients'.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass
class ClientConfig:
    """What a client needs to talk to one POS location: a card's credentials, or values typed into
    the card form before Save (Test Connection, R2)."""

    endpoint: str
    api_key: str = ""
    location_id: str = ""
    username: str = ""
    password: str = ""
    pin: str = ""
    client_id: str = ""
    order_ahead_client_id: str = ""
    order_ahead_token: str = ""
    room_ids: list[str] = field(default_factory=list)  # Dutchie (D1)
    area_ids: list[str] = field(default_factory=list)  # Alleaves (A1)
    room_id: str = ""  # Flowhub (F1, F7)
    purchase_category: str = ""  # Flowhub (F1)

    @classmethod
    def from_card(cls, card, **overrides: Any) -> "ClientConfig":
        """The fields the card's vendor description names for its client (credentials and filters)."""
        from .registry import VENDORS

        return cls.from_values(card.endpoint, VENDORS[card.vendor].kinds["ecommerce"].client_fields,
                               lambda name: getattr(card, name), **overrides)

    @classmethod
    def from_values(cls, endpoint: str, names, value_of, **overrides: Any) -> "ClientConfig":
        """A config from `value_of(name)` for each of `names` (lists as lists of strings, None as "")."""
        values = {}
        for name in names:
            if name not in cls.__dataclass_fields__:
                continue
            value = value_of(name)
            if cls.__dataclass_fields__[name].default_factory is list:
                value = [str(v) for v in value or []]
            values[name] = "" if value is None else value
        return cls(endpoint=endpoint, **{**values, **overrides})


@dataclass
class ConnectionResult:
    """The answer to Test Connection, in words a store can act on."""

    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failed(cls, error) -> "ConnectionResult":
        """The answer for a PosError: its plain-words message and fix, and its category in details."""
        return cls(False, str(error), error.as_dict())


@dataclass
class Room:
    """A Dutchie room, an Alleaves area or a Flowhub room."""

    id: str
    name: str
    sellable: bool = True
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class LabValue:
    name: str
    value: float | None
    unit: str  # as the POS wrote it: "Percentage", "mg", "%", "1.2%"-derived...


@dataclass
class Tier:
    start: float
    end: float | None
    price: float
    medical_price: float | None = None


@dataclass
class PosProduct:
    """One sellable product (Dutchie inventory item, Alleaves batch row, Flowhub variant)."""

    pos_product_id: str
    sku: str = ""
    name: str = ""
    brand: str = ""
    category: str = ""  # the POS's category, e.g. "Flower", "Category > Pre rolls"
    custom_category: str = ""  # Flowhub customCategoryName (F8)
    product_type: str = ""  # Flowhub type
    strain: str = ""
    strain_type: str = ""  # as spelled by the POS (F6)
    description: str = ""
    images: list[str] = field(default_factory=list)  # in order (C7)
    quantity: float | None = None
    room_quantities: dict[str, float] = field(default_factory=dict)  # room/area id -> quantity
    room_name: str = ""
    price: float | None = None  # the general price
    price_recreational: float | None = None
    price_medical: float | None = None
    price_otd: float | None = None  # Alleaves out-the-door (A2)
    price_otd_recreational: float | None = None
    price_otd_medical: float | None = None
    use_otd_price: bool = False
    unit_cost: float | None = None  # never shown on the menu
    weight: float | None = None
    weight_unit: str = ""  # "g", "mg"...
    quantity_units: str = ""  # Dutchie quantityUnits: "Quantity" / "Gram" (D5)
    tiers: list[Tier] = field(default_factory=list)
    thc: LabValue | None = None
    cbd: LabValue | None = None
    thc9: LabValue | None = None
    labs: list[LabValue] = field(default_factory=list)  # every lab row, terpenes included where mixed
    terpenes: list[LabValue] = field(default_factory=list)
    flower_equivalent: float | None = None
    rec_flower_equivalent: float | None = None
    low_quantity_threshold: float | None = None  # A3, D13
    purchase_category: str = ""  # Flowhub rec / med / both
    medical_only: bool = False
    is_active: bool = True
    modified_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # The digest of the record's bytes as the POS sent them (jsonstream), "" when the client has none:
    # the same record sent again has the same digest.
    digest: str = ""


@dataclass(slots=True)
class KnownRecord:
    """An inventory record the caller already holds exactly as the POS sends it now (iter_inventory's
    `known`): neither parsed nor built. `held` is what `known(digest)` answered for it."""

    digest: str
    held: Any = None


@dataclass
class OrderLine:
    pos_product_id: str
    quantity: float
    unit_price: float | None = None
    batch_id: str = ""  # Alleaves id_batch


@dataclass
class OrderCustomer:
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    birth_date: date | None = None
    medical_id: str = ""
    medical_id_expires: date | None = None
    pos_customer_id: str = ""
    state: str = ""


@dataclass
class PosOrder:
    """A confirmed order to push (C4)."""

    order_number: str
    customer: OrderCustomer
    lines: list[OrderLine]
    order_type: str = "pickup"  # pickup / delivery / kiosk
    is_medical: bool = False
    delivery_address: dict[str, str] = field(default_factory=dict)  # street, street2, city, state, zip
    window_start: datetime | None = None  # A2: delivery start and end
    window_end: datetime | None = None
    notes: str = ""  # delivery notes (F2)
    fees: list[tuple[str, float]] = field(default_factory=list)  # (name, amount) (F2)
    transaction_reference: str = ""  # D9 "Pre-Paid" note
    kiosk: bool = False  # D11
    idempotency_key: str = ""


@dataclass
class PushResult:
    pos_order_id: str
    status: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class OrderStatus:
    """An order's status in the POS: `status` is the POS's own word as it wrote it ("Filled", "inQueue"),
    `ours` the same mapped onto Canopy's statuses (spec.ORDER_STATUSES, D7), "" for a word the vendor's
    spec does not map (an order the POS no longer knows, a new word)."""

    pos_order_id: str
    status: str
    raw: dict[str, Any] = field(default_factory=dict)
    ours: str = ""


@dataclass
class PosCustomer:
    pos_customer_id: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    birth_date: date | None = None
    gender: str = ""
    address: dict[str, str] = field(default_factory=dict)
    medical_id: str = ""
    customer_type: str = ""
    state: str = ""
    discount_groups: list[str] = field(default_factory=list)
    is_loyalty_member: bool = False
    archived: bool = False
    merged_into: str = ""
    created_at: datetime | None = None
    modified_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class SaleLine:
    pos_product_id: str
    sku: str
    name: str
    quantity: float
    unit_price: float
    category: str = ""
    brand: str = ""
    discount: float = 0


@dataclass
class PosTransaction:
    pos_transaction_id: str
    pos_customer_id: str
    occurred_at: datetime
    total: float
    lines: list[SaleLine] = field(default_factory=list)
    voided: bool = False
    loyalty_earned: float = 0
    loyalty_spent: float = 0
    raw: dict[str, Any] = field(default_factory=dict)
