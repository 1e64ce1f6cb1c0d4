"""Alleaves' JSON <-> records.py: pure functions, no HTTP and no database.

Reading: /inventory/search rows (one per batch of an item; the item's batches add up with ItemStock and its
main batch becomes the PosProduct), areas and locations, customers and orders as sales. Writing: order
items and the new-customer body. The shapes are the real ones (../shared/reference/
alleaves-inventory-sample.json, POS-APIS.md §3); tests run these over rows transcribed from that sample
(tests/pos/fixtures/alleaves/).
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..parsing import number, parse_date, parse_datetime
from ..records import LabValue, OrderLine, PosCustomer, PosProduct, PosTransaction, Room, SaleLine, Tier

SELLABLE_AREA_TYPES = {"Retail"}  # area types seen: "Retail", "Damaged", null (POS-APIS.md §3)
# Orders that are sales: a pushed order still "open" or "ready" is not a sale yet.
FINAL_ORDER_STATUSES = {"completed", "cancelled", "voided"}
VOID_ORDER_STATUSES = {"cancelled", "voided"}
# Cannabinoid compounds carry their unit in the name ("THC %", "CBD mg/g"); everything else in a
# custom chemical profile is a terpene (A6).
CANNABINOID = re.compile(r"^(delta[- ]?\d+[- ]?)?(THC|CB[DNGCL])[A-Z]?\b", re.IGNORECASE)
VALUE_WITH_UNIT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([^\d\s].*)?$")


def price(value: Any) -> float | None:
    # Alleaves writes 0 for "not on that menu" (adult-use only and medical-only items): no price.
    amount = number(value)
    return None if amount == 0 else amount


def parse_lab_value(name: str, result: Any) -> LabValue:
    """A6: a custom chemical profile's value carries its unit ("1.2%", "3 mg", "4.5 mg/g"); a bare
    number means mg. Cannabinoids name their unit instead ("THC %" with "22.10000000")."""
    text = str(result if result is not None else "").strip()
    match = VALUE_WITH_UNIT.match(text)
    if not match:
        return LabValue(name, None, text)
    value, unit = float(match.group(1)), (match.group(2) or "").strip()
    if not unit and CANNABINOID.match(name):
        unit = name.split(" ", 1)[1].strip() if " " in name else ""
    return LabValue(name, value, unit or "mg")


def area_key(row: dict) -> str:
    """The row's area id as the card stores chosen areas (text), "" for a row with no area."""
    return str(row["id_area"]) if row.get("id_area") is not None else ""


# --- inventory ----------------------------------------------------------------------------------------

@dataclass
class ItemStock:
    """What the first pass over the feed keeps of one item: a few numbers per batch, not the rows."""

    batches: list[dict] = field(default_factory=list)
    quantity: float | None = 0.0
    by_area: dict[str, float] = field(default_factory=dict)
    primary_batch: str = ""
    primary_rank: float = float("-inf")
    modified_at: datetime | None = None

    def add(self, row: dict) -> None:
        available = number(row.get("available"))
        batch = str(row.get("id_batch"))
        self.batches.append({"id_batch": row.get("id_batch"), "id_area": row.get("id_area"),
                             "area": row.get("area_path") or row.get("area"), "available": row.get("available")})
        if available is None or self.quantity is None:
            # One unreadable batch makes the item's total unknown: the catalog flags it instead of
            # showing a quantity that is silently too low.
            self.quantity = None
        else:
            self.quantity += available
        if available is not None:
            area = area_key(row)
            self.by_area[area] = self.by_area.get(area, 0.0) + available
        # The batch with the most stock speaks for the item (name, prices, labs) and is the one an order
        # sells from; ties keep the first seen, and an unreadable quantity ranks below 0.
        rank = available if available is not None else -1.0
        if rank > self.primary_rank:
            self.primary_batch, self.primary_rank = batch, rank
        updated = parse_datetime(row.get("date_updated"))
        if updated and (self.modified_at is None or updated > self.modified_at):
            self.modified_at = updated


def product_from_row(row: dict, stock: ItemStock | None = None) -> PosProduct:
    """The PosProduct of an item from its main batch's row and the stock of all its batches (`stock`, made
    from the row alone when not given)."""
    if stock is None:
        stock = ItemStock()
        stock.add(row)
    labs, terpenes = [], []
    thc_compound = cbd_compound = None
    for compound in row.get("compounds") or []:
        if not isinstance(compound, dict) or not compound.get("compound"):
            continue
        name = str(compound["compound"]).strip()
        value = parse_lab_value(name, compound.get("result"))
        labs.append(value)
        if CANNABINOID.match(name):
            upper = name.upper()
            if upper.startswith("THC") and thc_compound is None:
                thc_compound = value
            elif upper.startswith("CBD") and cbd_compound is None:
                cbd_compound = value
        else:
            terpenes.append(value)
    # Potency: `thc`/`cbd` are percent, `thc_mg`/`cbd_mg` milligrams (infused products); the
    # chemical profile's "THC %" only when neither field is set.
    thc = _potency("THC", row.get("thc"), row.get("thc_mg")) or thc_compound
    cbd = _potency("CBD", row.get("cbd"), row.get("cbd_mg")) or cbd_compound
    # A3: the item's own threshold when selected, else the location's when selected.
    threshold = None
    if row.get("threshold_low_quantity_selected"):
        threshold = number(row.get("threshold_low_quantity"))
    elif row.get("location_threshold_low_quantity_selected"):
        threshold = number(row.get("location_threshold_low_quantity_value"))
    tiers = [Tier(start=number(tier.get("quantity_min")) or 0.0, end=number(tier.get("quantity_max")),
                  price=number(tier.get("price")) or 0.0)
             for tier in row.get("pricing_tiers") or [] if isinstance(tier, dict)]
    raw = dict(row)
    raw["canopy_batches"] = stock.batches  # ours: every batch counted, for X3 and order push
    return PosProduct(
        pos_product_id=str(row["id_item"]),
        sku=row.get("sku") or "",
        name=row.get("item") or "",
        brand=(row.get("brand") or "").strip(),  # the feed has "Kings Road " with a trailing space
        category=row.get("category") or "",  # "Category > Flower": the catalog strips the prefix
        strain=row.get("strain") or "",
        quantity=stock.quantity,
        room_quantities=stock.by_area,
        room_name=row.get("area_path") or row.get("area") or "",
        price=price(row.get("price_retail")),
        price_recreational=price(row.get("price_retail_adult_use")),
        price_medical=price(row.get("price_retail_medical_use")),
        price_otd=price(row.get("price_otd")),
        price_otd_recreational=price(row.get("price_otd_adult_use")),
        price_otd_medical=price(row.get("price_otd_medical_use")),
        use_otd_price=bool(row.get("use_otd_price")),
        unit_cost=number(row.get("cost_of_good")),
        weight=number(row.get("weight_useable")),
        weight_unit=row.get("weight_useable_uom_short") or "",
        quantity_units=row.get("uom") or "",
        tiers=tiers,
        thc=thc,
        cbd=cbd,
        labs=labs,
        terpenes=terpenes,
        low_quantity_threshold=threshold,
        medical_only=bool(row.get("is_medical_use")) and not row.get("is_adult_use"),
        is_active=row.get("status") in (None, "open"),
        modified_at=stock.modified_at or parse_datetime(row.get("date_updated")),
        raw=raw,
    )


def _potency(name: str, percent: Any, milligrams: Any) -> LabValue | None:
    if (value := number(percent)) is not None:
        return LabValue(name, value, "%")
    if (value := number(milligrams)) is not None:
        return LabValue(name, value, "mg")
    return None


# --- locations and areas ------------------------------------------------------------------------------

def flatten_areas(areas: list) -> Iterator[dict]:
    """A location's nested areas (children) in order, parents first."""
    for area in areas:
        if isinstance(area, dict):
            yield area
            yield from flatten_areas(area.get("children") or [])


def location_details(location: dict) -> dict[str, Any]:
    """What Test Connection reports of a location: its names, uses and live (not deleted) areas."""
    return {
        "id_location": location.get("id_location"),
        "name": location.get("name"),
        "reference": location.get("reference"),
        "is_adult_use": location.get("is_adult_use"),
        "is_medical_use": location.get("is_medical_use"),
        "areas": [{"id": str(area.get("id_area")), "name": area.get("path") or area.get("name")}
                  for area in flatten_areas(location.get("areas") or []) if not area.get("deleted")],
    }


def room_from_area(area: Any) -> Room | None:
    """A1: an area a card can choose; None for a deleted one (it holds nothing to sell). Sellable = area type
    "Retail" (quarantine and not-for-sale areas are "Damaged"; storage areas have no type)."""
    if not isinstance(area, dict) or area.get("deleted"):
        return None
    # The documented areas answer carries no area_type (only inventory rows do): an area whose type is not
    # given is not called "not for sale", since nothing says so.
    sellable = area.get("area_type") in SELLABLE_AREA_TYPES if "area_type" in area else True
    return Room(id=str(area.get("id_area")), name=area.get("path") or area.get("name") or "",
                sellable=sellable, raw=area)


# --- customers and orders ------------------------------------------------------------------------------

def customer_from_row(row: dict) -> PosCustomer:
    return PosCustomer(
        pos_customer_id=str(row.get("id_customer") or ""),
        first_name=row.get("name_first") or "",
        last_name=row.get("name_last") or "",
        phone=row.get("phone") or "",
        email=row.get("email") or "",
        birth_date=parse_date(row.get("date_of_birth")),
        medical_id=row.get("medical_id") or "",
        customer_type=row.get("customer_type") or "",
        state=row.get("state") or "",
        # alpine_user_code is the Alpine IQ loyalty member code, set only for members.
        is_loyalty_member=bool(row.get("alpine_user_code")),
        archived=bool(row.get("deleted")),
        created_at=parse_datetime(row.get("date_created")),
        modified_at=parse_datetime(row.get("date_updated")),
        raw=row,
    )


def customer_body(customer: PosCustomer) -> dict[str, Any]:
    """POST /customer: first name, last name and date of birth always (Alleaves requires them), the rest
    when we have them."""
    body: dict[str, Any] = {
        "name_first": customer.first_name,
        "name_last": customer.last_name,
        "date_of_birth": customer.birth_date.isoformat() if customer.birth_date else None,
    }
    for key, value in (("phone", customer.phone), ("email", customer.email),
                       ("medical_id", customer.medical_id), ("state", customer.state),
                       ("medical_id_expiration", customer.raw.get("medical_id_expiration"))):
        if value:
            body[key] = value
    return body


def is_sale(order: Any) -> bool:
    """A finished order (completed, or cancelled = voided); an open pushed order is not a sale yet."""
    return isinstance(order, dict) and str(order.get("status")) in FINAL_ORDER_STATUSES


def transaction_from_order(order: dict) -> PosTransaction:
    """A finished order as a sale; `loyalty` is the points spent on it, `points_earned` those earned."""
    lines = [SaleLine(pos_product_id=str(item.get("id_item") or ""), sku="", name=item.get("item") or "",
                      quantity=number(item.get("quantity")) or 0.0, unit_price=number(item.get("price")) or 0.0,
                      category=item.get("category") or "")
             for item in order.get("items") or [] if isinstance(item, dict)]
    return PosTransaction(
        pos_transaction_id=str(order.get("id_order")),
        pos_customer_id=str(order.get("id_customer") or ""),
        occurred_at=parse_datetime(order.get("date_created")) or datetime.min.replace(tzinfo=UTC),
        total=number(order.get("total")) or 0.0,
        lines=lines,
        voided=str(order.get("status")) in VOID_ORDER_STATUSES,
        loyalty_earned=number(order.get("points_earned")) or 0.0,
        loyalty_spent=number(order.get("loyalty")) or 0.0,
        raw=order,
    )


def order_item(line: OrderLine) -> dict[str, Any]:
    """One POST /order item: the item and the batch it sells from, with our price when we have one."""
    item: dict[str, Any] = {"id_item": int_or_str(line.pos_product_id), "id_batch": int_or_str(line.batch_id),
                            "quantity": line.quantity}
    if line.unit_price is not None:
        item["price"] = line.unit_price
    return item


def int_or_str(value: Any) -> int | str:
    """Alleaves ids are numbers; keep anything else as given so the POS names the problem."""
    text = str(value).strip()
    return int(text) if text.isdigit() else text
