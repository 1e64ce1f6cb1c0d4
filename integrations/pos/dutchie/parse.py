"""Dutchie's JSON <-> records.py: pure functions, no HTTP and no database.

Reading: InventoryItem and ProductDetail (products, labs, tiers, images), Room, Customer, PreOrderStatus and
Transaction, as the official OpenAPI names their fields (../shared/reference/dutchie-appendix.md). Writing:
the EcomCustomerEdit and CreatePreOrderRequest bodies. Tests run these over documented examples
(tests/pos/fixtures/dutchie/).
"""
import functools
import re
from datetime import UTC, datetime
from typing import Any

from ..parsing import iso_utc, number, parse_date, parse_datetime, whole
from ..records import LabValue, PosCustomer, PosOrder, PosProduct, PosTransaction, Room, SaleLine, Tier

ORDER_SOURCE = "Express"  # Dutchie's express pre-order workflow (D11)
KIOSK_ORDER_SOURCE = "Kiosk"  # D11 "Kiosk": reporting only, still a pre-order
PRE_PAID = "Pre-Paid"  # D9

# Lab rows (labResults[].labTest): the cannabinoid rows Canopy reads on their own, the rest are labs.
THC_TESTS = {"thc", "total thc"}
CBD_TESTS = {"cbd", "total cbd"}
THC9_TESTS = {"thc9", "thc-9", "delta-9 thc", "delta 9 thc", "d9-thc", "d9 thc", "δ9-thc"}  # D12
CANNABINOID = re.compile(r"^(total\s+)?(delta[- ]?\d+[- ]?|d\d+[- ]?|Δ\d+[- ]?)?(THC|CB[DNGCL])", re.IGNORECASE)
# Terpenes have no field of their own: they are labResults rows named after the terpene, spelled as the
# lab import spelled them ("Myrcene", "beta-Myrcene", "d-Limonene"...). Mapping onto the 16 C9 names is
# catalog's job; here a row is a terpene when its name is a terpene name or reads like one (-ene, -ol,
# oxide), so unknown terpenes (Farnesene, Valencene, Geraniol) reach catalog to be reported (C9).
TERPENE_WORDS = {"carene", "pinene", "caryophyllene", "eudesmol", "myrcene", "bisabolol", "guaiol", "humulene",
                 "limonene", "linalool", "ocimene", "terpinolene", "terpinene", "nerolidol", "farnesene",
                 "valencene", "geraniol", "camphene", "eucalyptol", "borneol", "fenchol", "phellandrene",
                 "pulegone", "sabinene", "cedrene", "isopulegol", "terpineol", "cymene", "phytol", "nerol"}
TERPENE_SHAPE = re.compile(r"(ene|ol|ole|oxide)$", re.IGNORECASE)

# The ProductDetail fields an InventoryItem lacks (kept in Product.raw["productDetail"]).
DETAIL_FIELDS = ("imageUrls", "pricingTierData", "lowInventoryThreshold")
SELLABLE_EXCLUDED_FLAGS = ("isQuarantineRoom", "isVaultRoom", "isWaitingRoom")
ARCHIVED_STATUSES = {"cancelled"}  # Dutchie statuses: Active / Cancelled / Hold / Banned
# D2: the customer types a store of each location type needs shown in Dutchie; the out-of-state ones
# are only needed by stores that serve visitors, so their absence is a note, not a warning.
REQUIRED_CUSTOMER_TYPES = {"medical": ("Medical",), "recreational": ("Recreational",),
                           "both": ("Medical", "Recreational")}
OPTIONAL_CUSTOMER_TYPES = {"medical": ("Medical - Out of State",),
                           "recreational": ("Recreational - Out of State",),
                           "both": ("Medical - Out of State", "Recreational - Out of State")}
ALL_CUSTOMER_TYPES = ("Medical", "Medical - Out of State", "Recreational", "Recreational - Out of State")
MATCH_PRIORITY = {"MMJID": 0, "Phone": 1, "Email": 2, "LastNameDateOfBirth": 3}
EDIT_FIELDS = ("firstName", "lastName", "middleName", "nameSuffix", "namePrefix", "address1", "address2", "city",
               "state", "postalCode", "phone", "emailAddress", "status", "mmjidNumber", "mmjidExpirationDate",
               "customerType", "dateOfBirth", "externalCustomerId", "gender", "referralSource", "customIdentifier",
               "notes", "isLoyaltyMember")


def iso(when: datetime) -> str:
    """ISO 8601 UTC with Z, as Dutchie's date parameters take them (`2024-01-15T10:30:00Z`), to the
    millisecond: a range ending "now" must not drop what changed earlier in the same second."""
    return iso_utc(when, "milliseconds")


# --- products ---------------------------------------------------------------------------------------

def product_from_inventory(item: dict, detail: dict | None = None) -> PosProduct:
    """One InventoryItem (+ the ProductDetail fields it lacks). Malformed values (text quantity, null
    category, missing name) never stop the feed: what can be read is kept, the rest left empty, and catalog
    flags the record from `raw`."""
    detail = detail or {}
    labs = [_lab(row) for row in item.get("labResults") or [] if isinstance(row, dict)]
    rooms = {}
    for row in item.get("roomQuantities") or []:
        quantity = number(row.get("quantityAvailable")) if isinstance(row, dict) else None
        if isinstance(row, dict) and row.get("roomId") is not None and quantity is not None:
            rooms[str(row["roomId"])] = rooms.get(str(row["roomId"]), 0.0) + quantity
    raw = dict(item)
    if detail:
        raw["productDetail"] = detail  # kept beside the item for the product page's explanation (X3)
    return PosProduct(
        pos_product_id=str(item.get("productId") or ""),
        sku=str(item.get("sku") or ""),
        name=str(item.get("productName") or ""),
        brand=str(item.get("brandName") or "").strip(),
        category=str(item.get("category") or ""),
        strain=str(item.get("strain") or ""),
        strain_type=str(item.get("strainType") or ""),  # spelled as the POS spells it (F6 rules apply later)
        description=str(item.get("description") or ""),
        images=_images(item.get("imageUrl"), detail.get("imageUrls")),
        quantity=number(item.get("quantityAvailable")),
        room_quantities=rooms,
        price=number(item.get("unitPrice")),
        price_recreational=number(item.get("recUnitPrice")),
        price_medical=number(item.get("medUnitPrice")),
        unit_cost=number(item.get("unitCost")),  # /reporting/inventory only; never on the menu
        weight=number(item.get("unitWeight")),
        weight_unit=str(item.get("unitWeightUnit") or ""),
        quantity_units=str(item.get("quantityUnits") or ""),  # D5: Quantity -> price tiers, Gram -> weight tiers
        tiers=_tiers(detail.get("pricingTierData")),
        thc=next((lab for lab in labs if lab.name.strip().lower() in THC_TESTS), None),
        cbd=next((lab for lab in labs if lab.name.strip().lower() in CBD_TESTS), None),
        thc9=next((lab for lab in labs if lab.name.strip().lower() in THC9_TESTS), None),
        labs=labs,
        terpenes=[lab for lab in labs if is_terpene(lab.name)],
        flower_equivalent=number(item.get("flowerEquivalent")),  # D10: which one is used is a card setting
        rec_flower_equivalent=number(item.get("recFlowerEquivalent")),
        low_quantity_threshold=number(detail.get("lowInventoryThreshold")),
        medical_only=bool(item.get("medicalOnly")),
        modified_at=parse_datetime(item.get("lastModifiedDateUtc")),  # "Utc" on inventory, "UTC" elsewhere
        raw=raw,
    )


def product_from_detail(detail: dict) -> PosProduct:
    """One ProductDetail (GET /products): no stock, no labResults; potency is thcContent / cbdContent."""
    unit_type = str(detail.get("unitType") or "")
    return PosProduct(
        pos_product_id=str(detail.get("productId") or ""),
        sku=str(detail.get("sku") or ""),
        name=str(detail.get("productName") or ""),
        brand=str(detail.get("brandName") or "").strip(),
        category=str(detail.get("category") or ""),
        strain=str(detail.get("strain") or ""),
        strain_type=str(detail.get("strainType") or ""),
        description=str(detail.get("onlineDescription") or detail.get("description") or ""),
        images=_images(detail.get("imageUrl"), detail.get("imageUrls")),
        price=number(detail.get("price")),
        price_recreational=number(detail.get("recPrice")),
        price_medical=number(detail.get("medPrice")),
        unit_cost=number(detail.get("unitCost")),
        weight=number(detail.get("netWeight")),
        weight_unit=str(detail.get("netWeightUnit") or ""),
        # ProductDetail has no quantityUnits; a product sold in Grams has gram tiers (D5) [I].
        quantity_units="Gram" if unit_type.lower().startswith("gram") else ("Quantity" if unit_type else ""),
        tiers=_tiers(detail.get("pricingTierData")),
        thc=_content("THC", detail.get("thcContent"), detail.get("thcContentUnit")),
        cbd=_content("CBD", detail.get("cbdContent"), detail.get("cbdContentUnit")),
        flower_equivalent=number(detail.get("flowerEquivalent")),
        rec_flower_equivalent=number(detail.get("recFlowerEquivalent")),
        low_quantity_threshold=number(detail.get("lowInventoryThreshold")),
        medical_only=bool(detail.get("isMedicalOnly")),
        is_active=detail.get("isActive") is not False,
        modified_at=parse_datetime(detail.get("lastModifiedDateUTC")),
        raw=detail,
    )


def detail_extras(detail: dict) -> dict:
    """The fields of a ProductDetail that its InventoryItems lack and that it actually fills."""
    return {key: detail.get(key) for key in DETAIL_FIELDS if detail.get(key) not in (None, [])}


@functools.lru_cache(maxsize=4096)  # a feed repeats a few dozen lab names on every item
def is_terpene(name: str) -> bool:
    text = name.strip()
    if not text or CANNABINOID.match(text) or text.lower() in THC9_TESTS:
        return False
    words = re.split(r"[\s\-]+", text.lower())
    return any(word in TERPENE_WORDS for word in words) or bool(TERPENE_SHAPE.search(text))


def _lab(row: dict) -> LabValue:
    # labResultUnit as Dutchie writes it ("Percentage", "Milligrams"...); D3's display mapping is catalog's.
    return LabValue(name=str(row.get("labTest") or ""), value=number(row.get("value")),
                    unit=str(row.get("labResultUnit") or ""))


def _content(name: str, value: Any, unit: Any) -> LabValue | None:
    amount = number(value)
    return None if amount is None else LabValue(name=name, value=amount, unit=str(unit or ""))


def _images(first: Any, others: Any) -> list[str]:
    """imageUrl then imageUrls, in order, each once (C7)."""
    images: list[str] = []
    for url in [first, *(others if isinstance(others, list) else [])]:
        if isinstance(url, str) and url.strip() and url.strip() not in images:
            images.append(url.strip())
    return images


def _tiers(rows: Any) -> list[Tier]:
    """pricingTierData [{startWeight, endWeight, price, medicalPrice}] (D5)."""
    tiers = []
    for row in rows if isinstance(rows, list) else []:
        price = number(row.get("price")) if isinstance(row, dict) else None
        if price is None:
            continue
        tiers.append(Tier(start=number(row.get("startWeight")) or 0.0, end=number(row.get("endWeight")),
                          price=price, medical_price=number(row.get("medicalPrice"))))
    return sorted(tiers, key=lambda tier: tier.start)


def room_from_record(row: Any) -> Room | None:
    """A Room; None for a row without an id. Quarantine, vault and waiting rooms hold no sellable stock."""
    if not isinstance(row, dict) or row.get("roomId") is None:
        return None
    sellable = not any(row.get(flag) for flag in SELLABLE_EXCLUDED_FLAGS)
    return Room(id=str(row["roomId"]), name=str(row.get("roomName") or row["roomId"]), sellable=sellable, raw=row)


# --- orders -------------------------------------------------------------------------------------------

def preorder_body(order: PosOrder, customer_id: int) -> dict[str, Any]:
    """The CreatePreOrderRequest for `order` (its lines' product ids already checked to be numbers)."""
    body: dict[str, Any] = {
        "customerId": customer_id,
        "items": [{"productId": int(line.pos_product_id), "quantity": whole(line.quantity)} for line in order.lines],
        "isDelivery": order.order_type == "delivery",
        "orderType": "Delivery" if order.order_type == "delivery" else "Pickup",
        # D11: orders uses `kiosk` for the card's "Kiosk" choice; Express kiosk orders go as any order.
        "orderSource": KIOSK_ORDER_SOURCE if order.kiosk else ORDER_SOURCE,
    }
    address = order.delivery_address
    if order.order_type == "delivery" and address:
        body.update(deliveryStreet=address.get("street") or None, deliveryStreet2=address.get("street2") or None,
                    deliveryCity=address.get("city") or None, deliveryState=address.get("state") or None,
                    deliveryPostalCode=address.get("zip") or None)
    if order.window_start:
        body["timeWindowStartDateUtc"] = iso(order.window_start)
    if order.window_end:
        body["timeWindowEndDateUtc"] = iso(order.window_end)
    if order.notes:
        body["notes"] = order.notes
    if order.transaction_reference:
        # D9: orders sets the payment's reference only when the order was pre-paid (Aeropay, Stripe,
        # Square, KindTap) and its payment type was not changed since; the note names our order.
        reference = f"{PRE_PAID} {order.order_number}"
        if order.transaction_reference != order.order_number:
            reference += f" ({order.transaction_reference})"
        body["transactionReference"] = reference
    if order.idempotency_key:
        body["idempotencyKey"] = order.idempotency_key
    return body


def preorder_status(answer: Any, pos_order_id: str) -> dict:
    """The PreOrderStatus of `pos_order_id` in /preorder/Status's answer: the object itself, or the one
    with that preOrderId when the answer is the open-orders array (tolerated if a proxy drops the query)."""
    if isinstance(answer, list):
        answer = next((o for o in answer if isinstance(o, dict) and str(o.get("preOrderId")) == str(pos_order_id)),
                      {})
    return answer if isinstance(answer, dict) else {}


# --- customers ----------------------------------------------------------------------------------------

def customer_from_record(record: dict) -> PosCustomer:
    """A Customer (or CustomerSearchResult). Archived profiles are "Cancelled" or merged into another one
    (mergedIntoCustomerId): both become archived, mirrored by Mirror Archives (L17)."""
    merged = record.get("mergedIntoCustomerId")
    status = str(record.get("status") or "")
    return PosCustomer(
        pos_customer_id=str(record.get("customerId") or ""),
        first_name=str(record.get("firstName") or ""),
        last_name=str(record.get("lastName") or ""),
        phone=str(record.get("phone") or record.get("cellPhone") or ""),
        email=str(record.get("emailAddress") or ""),
        birth_date=parse_date(record.get("dateOfBirth")),
        gender=str(record.get("gender") or ""),
        address={"street": str(record.get("address1") or ""), "street2": str(record.get("address2") or ""),
                 "city": str(record.get("city") or ""), "state": str(record.get("state") or ""),
                 "zip": str(record.get("postalCode") or "")},
        medical_id=str(record.get("mmjidNumber") or ""),
        customer_type=str(record.get("customerType") or ""),  # a name ("Medical"), not an id
        state=str(record.get("state") or ""),
        discount_groups=[str(g) for g in record.get("discountGroups") or [] if g],
        is_loyalty_member=bool(record.get("isLoyaltyMember")),
        archived=status.lower() in ARCHIVED_STATUSES or bool(merged),
        merged_into=str(merged) if merged else "",
        created_at=parse_datetime(record.get("creationDate")),
        modified_at=parse_datetime(record.get("lastModifiedDateUTC")),
        raw=record,
    )


def missing_customer_types(types: Any, location_type: str) -> tuple[list[str], list[str], list[str]]:
    """D2 over /customer/customer-types: (the names Dutchie shows, the required ones it does not show, the
    out-of-state ones it does not show). A store of no known type is told about every type."""
    shown = [str(t.get("name") or "") for t in (types if isinstance(types, list) else []) if isinstance(t, dict)]
    present = {name.strip().lower() for name in shown}
    required = REQUIRED_CUSTOMER_TYPES.get(location_type, ())
    optional = OPTIONAL_CUSTOMER_TYPES.get(location_type, () if required else ALL_CUSTOMER_TYPES)
    return (shown, [name for name in required if name.lower() not in present],
            [name for name in optional if name.lower() not in present])


def ranked_matches(results: Any) -> list[dict]:
    """CustomerSearchResults, best match first (medical ID, phone, email, name + birth date), else as sent."""
    candidates = [r for r in results or [] if isinstance(r, dict)] if isinstance(results, list) else []
    ranked = sorted(enumerate(candidates), key=lambda pair: (MATCH_PRIORITY.get(pair[1].get("matchType"), 9), pair[0]))
    return [record for _, record in ranked]


def editable_values(current: dict) -> dict[str, Any]:
    """The EcomCustomerEdit fields a Customer already fills (an update must send them all again)."""
    return {name: current.get(name) for name in EDIT_FIELDS if current.get(name) not in (None, "")}


def customer_values(customer: PosCustomer) -> dict[str, Any]:
    """The EcomCustomerEdit fields we know, non-empty only (an update keeps Dutchie's other values)."""
    address = customer.address or {}
    values: dict[str, Any] = {
        "firstName": customer.first_name, "lastName": customer.last_name, "phone": customer.phone,
        "emailAddress": customer.email, "mmjidNumber": customer.medical_id, "gender": customer.gender,
        "customerType": customer.customer_type, "address1": address.get("street", ""),
        "address2": address.get("street2", ""), "city": address.get("city", ""),
        "state": address.get("state", "") or customer.state, "postalCode": address.get("zip", ""),
        "dateOfBirth": f"{customer.birth_date.isoformat()}T00:00:00" if customer.birth_date else "",
    }
    values = {key: value.strip() if isinstance(value, str) else value for key, value in values.items()}
    values = {key: value for key, value in values.items() if value}
    if customer.is_loyalty_member:
        values["isLoyaltyMember"] = True  # only ever enrolls: False may just mean "not known here"
    return values


def order_customer_values(order: PosOrder, customer_type: str) -> dict[str, Any]:
    """The EcomCustomerEdit of a new, active customer made from an order's shopper (the order's delivery
    address as theirs)."""
    person, address = order.customer, order.delivery_address
    values = customer_values(PosCustomer(
        pos_customer_id="", first_name=person.first_name, last_name=person.last_name, phone=person.phone,
        email=person.email, birth_date=person.birth_date, medical_id=person.medical_id, state=person.state,
        address={key: address.get(key, "") for key in ("street", "street2", "city", "state", "zip")}))
    values.update(status="Active", customerType=customer_type)
    if person.medical_id_expires:
        values["mmjidExpirationDate"] = f"{person.medical_id_expires.isoformat()}T00:00:00"
    return values


# --- transactions -------------------------------------------------------------------------------------

ProductNames = dict[str, tuple[str, str, str, str]]  # productId -> (sku, name, category, brand)


def product_names(detail: dict) -> tuple[str, str, str, str]:
    """What a sale line shows of a ProductDetail: (sku, name, category, brand)."""
    return (str(detail.get("sku") or ""), str(detail.get("productName") or ""),
            str(detail.get("category") or ""), str(detail.get("brandName") or "").strip())


def transaction_from_sale(sale: dict, names: ProductNames | None = None) -> PosTransaction:
    """A Transaction with its items. TransactionItem names no product, so each line takes its sku, name,
    category and brand from `names` (built from /reporting/products with product_names)."""
    names = names or {}
    lines = []
    for item in sale.get("items") or []:
        if not isinstance(item, dict):
            continue
        product_id = str(item.get("productId") or "")
        sku, name, category, brand = names.get(product_id, ("", "", "", ""))
        lines.append(SaleLine(pos_product_id=product_id, sku=sku, name=name, category=category, brand=brand,
                              quantity=number(item.get("quantity")) or 0.0,
                              unit_price=number(item.get("unitPrice")) or 0.0,
                              discount=number(item.get("totalDiscount")) or 0.0))
    return PosTransaction(
        pos_transaction_id=str(sale.get("transactionId") or ""),
        pos_customer_id=str(sale.get("customerId") or ""),
        occurred_at=parse_datetime(sale.get("transactionDate")) or datetime.fromtimestamp(0, UTC),
        total=number(sale.get("total")) or 0.0,
        lines=lines,
        voided=bool(sale.get("isVoid")),
        loyalty_earned=number(sale.get("loyaltyEarned")) or 0.0,
        loyalty_spent=number(sale.get("loyaltySpent")) or 0.0,
        raw=sale,
    )
