"""Flowhub's JSON shapes, rendered from generate.py's neutral specs, and the changes made to them:
prices, stock, order statuses, and the Sale an order becomes when sold.

What the reference leaves open (customer list shape, tier shape) is our own choice, marked [I], and is
listed in docs/sandbox/flowhub.md.
"""
import re
import uuid
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ...generate import STRAIN_SPELLINGS, TERPENES, CustomerSpec, ProductSpec, TransactionSpec
from ...models import RecordKind, SandboxLocation, SandboxRecord, Vendor
from ..base import Row
from .reference import STATE_PLACES, iso, room_ids, stable_uuid

# Flowhub's own terpene spellings (F5); Beta Eudesmol is not in F5, so it keeps the lab spelling.
FLOWHUB_TERPENES = {
    "3-Carene": "delta 3 Carene", "Alpha Pinene": "α-Pinene", "Beta Caryophyllene": "β-Caryophyllene",
    "Beta Eudesmol": "β-Eudesmol", "Beta Myrcene": "β-Myrcene", "Beta Pinene": "β-Pinene",
    "Bisabolol": "α-Bisabolol", "Caryophyllene Oxide": "Caryophyllene oxide", "Guaiol": "Guaiol",
    "Humulene": "α-Humulene", "Limonene": "Limonene", "Linalool": "Linalool", "Ocimene": "β-Ocimene",
    "Terpinolene": "Terpinolene", "Terpinene": "α-Terpinene", "Trans-Nerolidol": "Trans-Nerolidol",
}
# Order Ahead statuses (F1 src/types/orders.ts); ALL_STATUSES is what PATCH accepts.
ALL_STATUSES = ("new", "started", "ready", "inQueue", "inTransit", "delivered", "unableToComplete",
                "unableToVerify", "deleted", "sold")
# What services.advance_order walks ("Flowhub ready", then the sale completes).
ORDER_STATUSES = ("new", "started", "ready", "sold")
NEXT_STATUS = {"new": "started", "started": "ready", "ready": "sold", "inQueue": "inTransit",
               "inTransit": "delivered", "delivered": "sold"}
INFUSED_UNITS = {"Edibles": "milligrams", "Topicals": "milligrams", "Tinctures": "milligrams",
                 "Beverages": "fluidounces"}


def _pennies(amount: float) -> int:
    return int(round(amount * 100))


# --- products, customers, sales -------------------------------------------------------------------
def product_row(location: SandboxLocation, spec: ProductSpec) -> Row:
    seed = location.seed
    product_id = stable_uuid(seed, spec.index, "product")
    strain_type = None
    if spec.strain_type:
        spellings = STRAIN_SPELLINGS[spec.strain_type]
        strain_type = spellings[spec.strain_spelling_index % len(spellings)]
    unit = "each" if spec.category == "Accessories" else INFUSED_UNITS.get(spec.category, "grams")
    weight = {"grams": spec.unit_weight_g, "milligrams": round(spec.unit_weight_g * 1000, 3),
              "fluidounces": 12, "each": 1}[unit]
    price = spec.price_med if spec.index % 9 == 4 else spec.price_rec
    purchase = "med" if spec.index % 9 == 4 else ("both" if spec.price_med == spec.price_rec else "rec")
    tiers = None
    if spec.tier_kind == "Gram":
        # Our shape for gram tiers [I]: one entry per break, prices in pennies per gram.
        tiers = [{"name": f"{start:g}g", "gramAmount": start, "pricePerGramInMinorUnits": _pennies(per_gram),
                  "priceInMinorUnits": _pennies(start * per_gram)} for start, _end, per_gram in spec.tiers]
    sold_by_weight = spec.tier_kind == "Gram"
    size = f"{spec.unit_weight_g:g}g" if unit == "grams" else ("Each" if unit == "each" else f"{weight:g}mg")
    data = {
        "productId": product_id,
        "variantId": stable_uuid(seed, spec.index, "variant"),
        "variantName": size,
        "parentProductId": stable_uuid(seed, spec.index, "parent"),
        "parentProductName": f"{spec.brand.strip()} {spec.strain or spec.category}",
        "productName": spec.name,
        "productDescription": spec.description,
        # Flowhub has one picture field: the first image only (C7 gets at most one image from Flowhub).
        "productPictureURL": spec.images[0] if spec.images else None,
        "sku": spec.sku,
        "brand": spec.brand,
        "category": spec.category,
        "customCategoryName": spec.custom_category,
        # `type` is the item-level strain type; half the items leave it null, as the fixtures do (F6, F8).
        "type": strain_type if spec.strain_spelling_index % 2 == 0 else None,
        "speciesName": strain_type,
        "strainName": spec.strain,
        "quantity": spec.quantity,
        "locationId": location.location_id,
        "locationName": location.name,
        "clientId": location.client_id,
        "purchaseCategory": purchase,
        "priceInMinorUnits": _pennies(price),
        "preTaxPriceInPennies": _pennies(price),
        "postTaxPriceInPennies": _pennies(spec.price_otd),
        "costInMinorUnits": _pennies(spec.unit_cost),
        "currencyCode": "USD",
        "priceProfileName": "Default",
        "weightTierInformation": tiers,
        "isSoldByWeight": sold_by_weight,
        "isMixAndMatch": True if spec.tier_kind == "Quantity" else None,
        "isStackable": None,
        "productWeight": weight,
        "productUnitOfMeasure": unit,
        "productUnitOfMeasureToGramsMultiplier": {"grams": 1, "milligrams": 1000}.get(unit),
        "inventoryUnitOfMeasure": "grams" if sold_by_weight else "each",
        "inventoryUnitOfMeasureToGramsMultiplier": 1 if sold_by_weight else None,
        "cannabinoidInformation": _cannabinoids(spec),
        "terpenes": [_terpene(t) for t in spec.terpenes],
        "effects": spec.effects,
        "tags": ["Staff Pick"] if spec.custom_category == "Staff Picks" else [],
        "nutrients": None,
        "regulatoryId": f"1A40{seed % 10000:04d}0000{spec.index:012d}",
        "manifestId": f"1A40{seed % 10000:04d}0001{spec.index // 50:012d}",
        "invoiceNumber": None,
        "supplierName": f"{spec.brand.strip()} Wholesale",
        "expirationDate": iso(spec.modified_at + timedelta(days=365)) if spec.infused else None,
        "createdAt": iso(spec.modified_at - timedelta(days=30 + spec.index % 200)),
        "productUpdatedAt": iso(spec.modified_at),
    }
    # Malformed records, as broken as real feeds get (the mapper must flag them, not crash).
    if spec.malformed == "missing_name":
        data["productName"] = None
        data["parentProductName"] = None
    elif spec.malformed == "negative_price":
        for name in ("priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies"):
            data[name] = -abs(data[name])
    elif spec.malformed == "text_quantity":
        data["quantity"] = f"{spec.quantity} units"
    elif spec.malformed == "null_category":
        data["category"] = None
    return Row(external_id=product_id, data=data, modified_at=spec.modified_at, quantity=spec.quantity,
               room_id=room_ids(seed)[spec.room_index])


def _cannabinoids(spec: ProductSpec) -> list[dict]:
    unit = spec.lab_unit
    # Edibles' mg come with the multiplier as a STRING "1000" (reference); % has none.
    multiplier = {"%": None, "mg/g": 1, "mg": "1000"}[unit]
    labs = []
    for name, value in (("thc", spec.thc), ("cbd", spec.cbd)):
        if value is not None:
            labs.append({"name": name, "lowerRange": value, "upperRange": value, "unitOfMeasure": unit,
                         "unitOfMeasureToGramsMultiplier": multiplier})
    return labs


def _terpene(terpene) -> dict:
    if not terpene.known:
        name = terpene.name
    elif terpene.spelling_index == 2:
        name = TERPENES[terpene.name][2]  # a lab's spelling now and then ("Caryophyllene", "D-Limonene")
    else:
        name = FLOWHUB_TERPENES[terpene.name]
    return {"name": name, "lowerRange": terpene.value, "upperRange": terpene.value,
            "unitOfMeasure": terpene.unit,
            "unitOfMeasureToGramsMultiplier": {"%": None, "mg/g": 1, "mg": 1000}[terpene.unit]}


def customer_row(location: SandboxLocation, spec: CustomerSpec) -> Row:
    customer_id = stable_uuid(location.seed, spec.index, "customer")
    city = STATE_PLACES[spec.state][0]
    data = {
        "id": customer_id,
        "createdAt": iso(spec.created_at),
        "updatedAt": iso(spec.modified_at),
        "type": "medCustomer" if spec.customer_type.startswith("Medical") else "recCustomer",
        "name": f"{spec.first_name} {spec.last_name}",
        "state": spec.state,
        "birthDate": spec.birth_date,
        "isLoyal": spec.loyalty_member,
        "loyaltyPoints": (spec.index * 37) % 900 if spec.loyalty_member else 0,
        "phone": spec.phone,
        "email": spec.email,
        "streetAddress1": f"{10 + spec.index % 990} {['Oak', 'Pine', 'Elm', 'Cedar'][spec.index % 4]} St",
        "streetAddress2": "" if spec.index % 5 else f"Apt {spec.index % 40 + 1}",
        "city": city,
        "zip": f"{80000 + spec.index % 999:05d}",
        "country": "US",
        "consentsToPromotionalEmail": spec.index % 3 != 0,
        "consentsToPromotionalSMS": spec.index % 4 != 0,
        "groups": [{"name": name} for name in spec.discount_groups],
    }
    return Row(external_id=customer_id, data=data, modified_at=spec.modified_at, phone=spec.phone,
               email=spec.email, occurred_at=spec.created_at, position=spec.index)


def transaction_row(location: SandboxLocation, spec: TransactionSpec,
                    customer: CustomerSpec, products: dict[int, Row]) -> Row:
    seed = location.seed
    items, subtotal, taxes = [], 0, 0
    for n, line in enumerate(spec.lines):
        product = products[line.product_index].data
        unit_price = _pennies(line.unit_price)
        total = unit_price * line.quantity
        sale_item = _sale_item(stable_uuid(seed, spec.transaction_id, n, "item"), product, line.quantity, unit_price,
                               total)
        subtotal, taxes = subtotal + total, taxes + sale_item["tax"][0]["thisTaxInPennies"]
        items.append(sale_item)
    # Points redeemed at 1 point = 1 penny [I].
    discounts = min(int(spec.loyalty_spent), subtotal)
    final = subtotal + taxes - discounts
    payments = [{"_id": stable_uuid(seed, spec.transaction_id, "cash"), "paymentType": "cash", "amount": final,
                 "cardId": "", "loyaltyPoints": 0, "debitProvider": "", "balanceAfterPayment": 0}]
    if discounts:
        payments.append({"_id": stable_uuid(seed, spec.transaction_id, "loyalty"), "paymentType": "loyaltyPoints",
                         "amount": discounts, "cardId": "", "loyaltyPoints": spec.loyalty_spent,
                         "debitProvider": "", "balanceAfterPayment": 0})
    created = spec.occurred_at
    budtender = ["Alex Rivera", "Jo Chen", "Sam Ortiz"][spec.transaction_id % 3]
    data = {
        "id": stable_uuid(seed, spec.transaction_id, "sale"),
        "budtender": budtender,
        "budtenderId": stable_uuid(seed, budtender),
        "clientId": location.client_id,
        "createdAt": iso(created),
        "completedOn": iso(created + timedelta(minutes=4)),
        "currentPoints": int(spec.loyalty_earned),
        "customerId": stable_uuid(seed, customer.index, "customer"),
        "customerType": "medCustomer" if customer.customer_type.startswith("Medical") else "recCustomer",
        "fulfilledBy": budtender,
        "fulfilledById": stable_uuid(seed, budtender),
        "fullName": f"{customer.first_name} {customer.last_name}",
        "integratorId": "",
        "itemsInCart": items,
        "locationId": location.location_id,
        "name": f"{customer.first_name} {customer.last_name}",
        "orderId": str(spec.transaction_id),
        # Live data spells it lowercase (reference), though the spec's enum says "Sold".
        "orderStatus": "sold",
        "orderType": "inStore",
        "originalSaleId": "",
        "payments": payments,
        "sentToFulfillmentBy": budtender,
        "sentToFulfillmentById": stable_uuid(seed, budtender),
        "totals": {"FinalTotal": final, "SubTotal": subtotal, "TotalDiscounts": discounts, "TotalFees": 0,
                   "TotalTaxes": taxes},
        "voided": spec.voided,
    }
    return Row(external_id=data["id"], data=data, modified_at=created, occurred_at=created,
               phone=customer.phone, position=spec.transaction_id)


# --- changes --------------------------------------------------------------------------------------
def set_price(data: dict, factor: float) -> None:
    for name in ("priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies"):
        if isinstance(data.get(name), int | float):
            data[name] = int(round(data[name] * factor))
    for tier in data.get("weightTierInformation") or []:
        tier["pricePerGramInMinorUnits"] = int(round(tier["pricePerGramInMinorUnits"] * factor))
        tier["priceInMinorUnits"] = int(round(tier["priceInMinorUnits"] * factor))


def set_quantity(data: dict, quantity: float) -> None:
    data["quantity"] = int(quantity) if float(quantity).is_integer() else quantity


def touch(data: dict, when: datetime) -> None:
    data["productUpdatedAt"] = iso(when)


def advance_order(data: dict) -> str:
    """new -> started -> ready ("Flowhub ready") -> sold; a sold order takes its items out of stock."""
    previous = data.get("status")
    # Delivery orders a client moved into inQueue/inTransit continue along that path [our choice];
    # unableToComplete, unableToVerify, deleted and sold are final.
    status = NEXT_STATUS.get(previous, previous if previous in ALL_STATUSES else "new")
    data["status"] = status
    if status == "sold" and previous != "sold":
        location = SandboxLocation.objects.filter(vendor=Vendor.FLOWHUB,
                                                  location_id=data.get("locationId", "")).first()
        if location is not None:
            sell(location, data)
    data["updatedAt"] = iso(timezone.now())
    return status


# --- selling an order -----------------------------------------------------------------------------
def digits(phone: str) -> str:
    """A phone number as stored and matched: its last ten digits."""
    return re.sub(r"\D", "", phone or "")[-10:]


def customer_records(location: SandboxLocation) -> QuerySet:
    """The location's customers (deleted ones left out)."""
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)


def find_product(location_pk: int, product_id: object) -> SandboxRecord | None:
    """Order items name a product by number, inventory by UUID (reference: mapping unclear [I]). The sandbox
    takes the inventory UUID, or the number 100000 + the product's position in the feed."""
    products = SandboxRecord.objects.filter(location_id=location_pk, kind=RecordKind.PRODUCT, deleted=False)
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        return products.filter(position=product_id - 100000).first()
    if isinstance(product_id, str) and product_id:
        return products.filter(external_id=product_id).first()
    return None


def sell(location: SandboxLocation, data: dict) -> None:
    """A sold order becomes a sale, as at the register: its items leave stock and a `Sale` appears in
    /v1/orders/findByLocationId and findByCustomerId [our choice; the reference does not say when]."""
    now = timezone.now()
    items, subtotal = [], 0
    for n, item in enumerate(data.get("orderItems", [])):
        record = find_product(location.pk, item.get("productId"))
        if record is None:
            continue
        product, quantity = record.data, item["quantityPurchased"]
        if isinstance(product.get("quantity"), int | float):
            left = max(0, product["quantity"] - quantity)
            product["quantity"] = int(left) if float(left).is_integer() else left
            record.quantity, record.modified_at = left, now
            product["productUpdatedAt"] = iso(now)
            record.save(update_fields=["data", "quantity", "modified_at"])
        unit_price = product["priceInMinorUnits"] if isinstance(product.get("priceInMinorUnits"), int) else 0
        total = int(round(unit_price * quantity))
        subtotal += total
        items.append(_sale_item(stable_uuid(data["orderId"], n), product, quantity, unit_price, total))
    fees = sum(fee.get("amount", 0) for fee in data.get("fees") or [])
    taxes = sum(item["tax"][0]["thisTaxInPennies"] for item in items)
    discounts = min(int(data.get("loyaltyPointsInPennies") or 0), subtotal)
    final = subtotal + taxes + fees - discounts
    customer = data.get("customer") or {}
    phone = digits(customer.get("phone", ""))
    match = customer_records(location).filter(phone=phone).first() if phone else None
    name = f"{customer.get('firstName', '')} {customer.get('lastName', '')}".strip()
    sale = {
        "id": str(uuid.uuid4()), "budtender": "Online Order", "budtenderId": "", "clientId": location.client_id,
        "createdAt": data["createdAt"], "completedOn": iso(now), "currentPoints": 0,
        "customerId": data.get("customerId") or (match.external_id if match else ""),
        "customerType": "medCustomer" if customer.get("medId") else "recCustomer",
        "fulfilledBy": "Online Order", "fulfilledById": "", "fullName": name, "integratorId": "canopy",
        "itemsInCart": items, "locationId": location.location_id, "name": name, "orderId": data["orderId"],
        "orderStatus": "sold", "orderType": data.get("orderType") or "pickup", "originalSaleId": "",
        "payments": [{"_id": str(uuid.uuid4()), "paymentType": "cash", "amount": final, "cardId": "",
                      "loyaltyPoints": 0, "debitProvider": "", "balanceAfterPayment": 0}],
        "sentToFulfillmentBy": "Online Order", "sentToFulfillmentById": "",
        "totals": {"FinalTotal": final, "SubTotal": subtotal, "TotalDiscounts": discounts, "TotalFees": fees,
                   "TotalTaxes": taxes},
        "voided": False,
    }
    created = datetime.fromisoformat(data["createdAt"].replace("Z", "+00:00"))
    SandboxRecord.objects.create(location=location, kind=RecordKind.TRANSACTION, external_id=sale["id"], data=sale,
                                 phone=phone, occurred_at=created, modified_at=now)


def _sale_item(item_id: str, product: dict, quantity, unit_price: int, total: int) -> dict:
    """A Sale's itemsInCart entry (F1 src/types/orders-api.ts SaleItem); a 15% excise tax line."""
    tax = int(round(total * 0.15))
    cost = product.get("costInMinorUnits") if isinstance(product.get("costInMinorUnits"), int) else 0
    return {
        "id": item_id, "category": product["category"], "itemDiscounts": [],
        "parentProductId": product["parentProductId"], "productId": product["productId"],
        "productName": product["productName"], "quantity": quantity, "strainName": product["strainName"],
        "sku": product["sku"],
        "tax": [{"_id": stable_uuid("tax", "excise"), "name": "Excise Tax", "percentage": 15,
                 "calculateBeforeDiscounts": "false", "supplierSpecificTax": False, "excludeCustomerGroups": [],
                 "enableCostMarkup": False, "markupPercentage": 0, "thisTaxInPennies": tax, "appliesTo": "cannabis"}],
        "title1": product["productName"], "title2": product["variantName"], "totalCost": int(round(cost * quantity)),
        "totalPrice": total, "unitOfWeight": product["productUnitOfMeasure"], "unitPrice": unit_price,
        "unitCost": cost, "variantId": product["variantId"], "brand": product["brand"], "type": product["type"],
    }
