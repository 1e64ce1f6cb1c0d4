"""Flowhub's JSON <-> records.py: pure functions, no HTTP and no database.

Reading: v0 InventoryItems (a Flowhub variant each), inventory analytics rows (rooms), v1 Customers and
Sales. Writing: the Order Ahead create body and the CustomerWrite body. Shapes and names as in
../shared/reference/POS-APIS.md section 2; tests run these over its documented examples
(tests/pos/fixtures/flowhub/). Money is integer pennies in every Flowhub body.
"""
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..parsing import iso_utc, number, parse_date, parse_datetime, whole
from ..records import LabValue, PosCustomer, PosOrder, PosProduct, PosTransaction, Room, SaleLine, Tier

WEIGHT_UNITS = {"grams": "g", "milligrams": "mg", "fluidounces": "fl oz", "each": "each"}
LOYALTY_PAYMENT = "loyaltyPoints"


def money(pennies: Any) -> float | None:
    """Dollars from Flowhub's integer pennies (100 -> 1.0)."""
    amount = number(pennies)
    return None if amount is None else round(amount / 100, 2)


def iso(when: datetime) -> str:
    """Flowhub's date-times: ISO 8601 UTC to the second ("2024-01-15T10:30:00Z")."""
    return iso_utc(when, "seconds")


# --- inventory ------------------------------------------------------------------------------------------

def product_from_item(item: dict) -> PosProduct:
    """One v0 InventoryItem (a Flowhub variant). Money is integer pennies; labs keep their units."""
    price = money(item.get("priceInMinorUnits"))
    if price is None:
        price = money(item.get("preTaxPriceInPennies"))
    purchase = str(item.get("purchaseCategory") or "")
    labs = [_lab(entry) for entry in item.get("cannabinoidInformation") or [] if isinstance(entry, dict)]
    room_id = str(item.get("roomId") or "")
    quantity = number(item.get("quantity"))  # a text quantity ("12 units") stays None: catalog flags it
    picture = item.get("productPictureURL")
    return PosProduct(
        pos_product_id=str(item.get("productId") or ""),
        sku=str(item.get("sku") or ""),
        name=str(item.get("productName") or ""),
        brand=str(item.get("brand") or "").strip(),
        category=str(item.get("category") or ""),
        custom_category=str(item.get("customCategoryName") or ""),  # F8: wins over type and category
        product_type=str(item.get("type") or ""),
        strain=str(item.get("strainName") or ""),
        strain_type=str(item.get("speciesName") or ""),  # F6 spellings as given
        description=str(item.get("productDescription") or ""),
        images=[picture] if isinstance(picture, str) and picture else [],  # Flowhub has one picture field
        quantity=quantity,
        room_quantities={room_id: quantity} if room_id and quantity is not None else {},
        room_name=str(item.get("roomName") or ""),
        price=price,
        price_recreational=price if purchase in ("rec", "both") else None,
        price_medical=price if purchase in ("med", "both") else None,
        price_otd=money(item.get("postTaxPriceInPennies")),
        unit_cost=money(item.get("costInMinorUnits")),
        weight=number(item.get("productWeight")),
        weight_unit=WEIGHT_UNITS.get(str(item.get("productUnitOfMeasure") or ""),
                                     str(item.get("productUnitOfMeasure") or "")),
        # Dutchie's words for the same idea, so tiers read alike in catalog (D5): sold by weight = gram tiers.
        quantity_units="Gram" if item.get("isSoldByWeight") else "Quantity",
        tiers=_tiers(item.get("weightTierInformation")),
        thc=next((lab for lab in labs if lab.name.lower() == "thc"), None),
        cbd=next((lab for lab in labs if lab.name.lower() == "cbd"), None),
        labs=labs,
        terpenes=[_lab(entry) for entry in item.get("terpenes") or [] if isinstance(entry, dict)],  # F5 later
        purchase_category=purchase,
        medical_only=purchase == "med",
        modified_at=parse_datetime(item.get("productUpdatedAt")),
        raw=item,
    )


def _lab(entry: dict) -> LabValue:
    # Flowhub gives a range; most labs report one value (lower == upper), else the upper bound is shown.
    value = number(entry.get("upperRange"))
    if value is None:
        value = number(entry.get("lowerRange"))
    return LabValue(name=str(entry.get("name") or ""), value=value, unit=str(entry.get("unitOfMeasure") or ""))


def _tiers(tiers: Any) -> list[Tier]:
    """weightTierInformation (deli flower): one entry per gram break with its price per gram, in pennies."""
    if not isinstance(tiers, list):
        return []
    breaks = sorted((t for t in tiers if isinstance(t, dict) and number(t.get("gramAmount")) is not None),
                    key=lambda t: number(t["gramAmount"]))
    result = []
    for n, tier in enumerate(breaks):
        per_gram = money(tier.get("pricePerGramInMinorUnits"))
        if per_gram is None:
            continue
        end = number(breaks[n + 1]["gramAmount"]) if n + 1 < len(breaks) else None
        result.append(Tier(start=number(tier["gramAmount"]), end=end, price=per_gram))
    return result


def rooms_from_analytics(rows: Iterable[Any]) -> list[Room]:
    """The rooms named by InventoryAnalyticsByRooms rows, by name. A room is sellable when any of its stock
    is for sale (rows carry forSale); a row without a roomId names no room."""
    rooms: dict[str, Room] = {}
    for row in rows:
        room_id = str(row.get("roomId") or "") if isinstance(row, dict) else ""
        if not room_id:
            continue
        room = rooms.setdefault(room_id, Room(id=room_id, name=row.get("roomName") or room_id, sellable=False,
                                              raw={"roomId": room_id, "roomName": row.get("roomName")}))
        if row.get("forSale") is not False:
            room.sellable = True
    return sorted(rooms.values(), key=lambda room: room.name.lower())


# --- orders and customers -------------------------------------------------------------------------------

def order_body(order: PosOrder) -> dict:
    """The Order Ahead create body (reference section 2): phone in E.164, money in pennies."""
    customer = order.customer
    person: dict[str, Any] = {"firstName": customer.first_name, "lastName": customer.last_name,
                              "medRecOrBoth": "med" if order.is_medical else "rec"}
    if customer.birth_date:
        person["birthDate"] = customer.birth_date.isoformat()
    if customer.email:
        person["email"] = customer.email
    if customer.phone.strip():
        person["phone"] = e164(customer.phone)
    if customer.medical_id.strip():
        person["medId"] = customer.medical_id.strip()
        if customer.medical_id_expires:
            person["medExp"] = customer.medical_id_expires.isoformat()
    body: dict[str, Any] = {
        "externalCreatedAt": iso(datetime.now(UTC)),
        "customer": person,
        "orderItems": [{"productId": order_product_id(line.pos_product_id), "quantityPurchased": whole(line.quantity),
                        "discountNote": ""} for line in order.lines],
        "orderType": "kiosk" if order.kiosk else order.order_type,
    }
    address = order.delivery_address
    if address:
        body["address"] = {"street1": address.get("street", ""), "street2": address.get("street2", ""),
                           "city": address.get("city", ""), "state": address.get("state", ""),
                           "zip": address.get("zip", "")}
    if customer.pos_customer_id:
        body["customerId"] = customer.pos_customer_id  # Flowhub needs it to credit loyalty
    if order.notes:
        body["customerNote"] = order.notes  # F2: delivery notes
    if order.fees:
        body["fees"] = [{"name": name, "amount": int(round(amount * 100))} for name, amount in order.fees]  # F2
    if order.window_start:
        body["requestedFulfillmentTimeStart"] = iso(order.window_start)
    if order.window_end:
        body["requestedFulfillmentTimeEnd"] = iso(order.window_end)
    return body


def order_product_id(pos_product_id: str) -> int | str:
    # The reference types Order Ahead productId as a number while inventory ids are UUIDs [I]: send a
    # number when we have one, else the inventory id.
    return int(pos_product_id) if pos_product_id.isdigit() else pos_product_id


def e164(phone: str) -> str:
    """Order Ahead wants E.164 phones; 10-digit numbers are North American (Flowhub's market)."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+"):
        return "+" + digits
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    return phone.strip()  # left as typed: Flowhub refuses it and says why


def customer_from_record(record: dict) -> PosCustomer:
    name = str(record.get("name") or "").strip()
    first, _, last = name.partition(" ")
    return PosCustomer(
        pos_customer_id=str(record.get("id") or ""),
        first_name=first,
        last_name=last.strip(),
        phone=str(record.get("phone") or ""),
        email=str(record.get("email") or ""),
        birth_date=parse_date(record.get("birthDate")),
        address={key: str(record.get(name) or "") for key, name in (
            ("street", "streetAddress1"), ("street2", "streetAddress2"), ("city", "city"), ("state", "state"),
            ("zip", "zip"), ("country", "country"))},
        customer_type=str(record.get("type") or ""),  # medCustomer / recCustomer
        state=str(record.get("state") or ""),
        discount_groups=[str(g.get("name")) for g in record.get("groups") or [] if isinstance(g, dict)
                         and g.get("name")],
        is_loyalty_member=bool(record.get("isLoyal")),
        created_at=parse_datetime(record.get("createdAt")),
        modified_at=parse_datetime(record.get("updatedAt")),
        raw=record,
    )


def customer_body(customer: PosCustomer, *, creating: bool) -> dict:
    """A CustomerWrite body. Groups are written by groupId, which we do not have (we know names), so they
    are not sent."""
    kind = customer.customer_type
    if kind not in ("medCustomer", "recCustomer"):
        kind = "medCustomer" if customer.medical_id else "recCustomer"
    address = customer.address
    values = {
        "name": f"{customer.first_name} {customer.last_name}".strip(),
        "birthDate": customer.birth_date.isoformat() if customer.birth_date else "",
        "state": customer.state or address.get("state", ""),
        "type": kind if (creating or customer.customer_type or customer.medical_id) else "",
        "email": customer.email,
        "phone": customer.phone,
        "medId": customer.medical_id,
        "streetAddress1": address.get("street", ""),
        "streetAddress2": address.get("street2", ""),
        "city": address.get("city", ""),
        "zip": address.get("zip", ""),
    }
    body: dict[str, Any] = {key: value for key, value in values.items() if value}
    if creating or customer.is_loyalty_member:
        body["isLoyal"] = customer.is_loyalty_member
    return body


# --- sales ----------------------------------------------------------------------------------------------

def transaction_from_sale(sale: dict) -> PosTransaction:
    """A v1 Sale; every amount is in cents."""
    totals = sale.get("totals") if isinstance(sale.get("totals"), dict) else {}
    lines = []
    for item in sale.get("itemsInCart") or []:
        if not isinstance(item, dict):
            continue
        discount = sum(number(d.get("amount") if isinstance(d, dict) else None) or 0
                       for d in item.get("itemDiscounts") or [])
        lines.append(SaleLine(
            pos_product_id=str(item.get("productId") or ""), sku=str(item.get("sku") or ""),
            name=str(item.get("productName") or ""), quantity=number(item.get("quantity")) or 0,
            unit_price=money(item.get("unitPrice")) or 0.0, category=str(item.get("category") or ""),
            brand=str(item.get("brand") or ""), discount=discount / 100))
    loyalty_spent = sum(number(p.get("loyaltyPoints")) or 0 for p in sale.get("payments") or []
                        if isinstance(p, dict) and p.get("paymentType") == LOYALTY_PAYMENT)
    return PosTransaction(
        pos_transaction_id=str(sale.get("id") or ""),
        pos_customer_id=str(sale.get("customerId") or ""),
        occurred_at=parse_datetime(sale.get("createdAt")) or datetime.fromtimestamp(0, UTC),
        total=money(totals.get("FinalTotal")) or 0.0,
        lines=lines,
        voided=bool(sale.get("voided")),
        loyalty_earned=number(sale.get("currentPoints")) or 0,  # [I] points this sale earned
        loyalty_spent=loyalty_spent,
        raw=sale,
    )
