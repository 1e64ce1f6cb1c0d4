"""Dutchie's JSON shapes, rendered from generate.py's neutral specs, and the changes made to them.

Each product record stores both of its shapes, `{"product": ProductDetail, "inventory": InventoryItem}`,
so /products and /inventory serve stored JSON and only apply the per-request rules while streaming. An
InventoryItem is one package of the product; a product stocked as several (generate.BatchSpec) keeps the
others under "packages", each an InventoryItem with the same productId and its own ids, batch and room.
Choices the reference leaves open are marked "[our choice]" here and listed in docs/sandbox/dutchie.md.
"""
from datetime import datetime, timedelta

from ... import generate
from ...generate import BatchSpec, CustomerSpec, ProductSpec, TransactionSpec
from ...models import SandboxLocation
from ..base import Row
from .reference import CUSTOMER_TYPE_IDS, PRICING_TIERS, ROOM_NAMES, ROOMS, guid, iso, money

# labResultUnitId: the spec names no values; live data shows 2 = "Percentage" and LabResultUnitData lists
# "mg", "%", "mg/g" in that order, so 1 = mg and 3 = mg/g. The long names are [our choice] (D3).
LAB_UNITS = {"mg": (1, "Milligrams"), "%": (2, "Percentage"), "mg/g": (3, "Milligrams per Gram")}
# Terpenes are labResults rows named the way Dutchie stores' lab imports spell them [our choice];
# Canopy must map every one onto the 16 C9 names. Unknown terpenes keep their own name.
TERPENE_SPELLINGS = {
    "3-Carene": ["3-Carene", "delta-3-Carene", "Delta 3 Carene"],
    "Alpha Pinene": ["alpha-Pinene", "a-Pinene", "Alpha Pinene"],
    "Beta Caryophyllene": ["beta-Caryophyllene", "Caryophyllene", "b-Caryophyllene"],
    "Beta Eudesmol": ["beta-Eudesmol", "Beta Eudesmol"],
    "Beta Myrcene": ["Myrcene", "beta-Myrcene", "b-Myrcene"],
    "Beta Pinene": ["beta-Pinene", "b-Pinene"],
    "Bisabolol": ["alpha-Bisabolol", "Bisabolol"],
    "Caryophyllene Oxide": ["Caryophyllene Oxide", "Caryophyllene oxide"],
    "Guaiol": ["Guaiol"],
    "Humulene": ["Humulene", "alpha-Humulene"],
    "Limonene": ["Limonene", "d-Limonene"],
    "Linalool": ["Linalool"],
    "Ocimene": ["Ocimene", "beta-Ocimene"],
    "Terpinolene": ["Terpinolene"],
    "Terpinene": ["alpha-Terpinene", "Terpinene"],
    "Trans-Nerolidol": ["trans-Nerolidol", "Nerolidol"],
}
# The reference has no THC9 field at all; a THC9 value can only be a labResults row (D12) [our choice].
THC9_LAB_TEST = "THC9"
CATEGORY_NAMES = {"Vaporizers": "Vape Cartridges"}  # store category names differ a little from master ones
MASTER_CATEGORIES = {"Beverages": "Edibles"}
# advance_order walks the first four; Cancelled is only reached through /preorder/cancel.
ORDER_STATUSES = ("Submitted", "Processing", "Filled", "Complete", "Cancelled")
OPEN_ORDER_STATUSES = ("Submitted", "Processing", "Filled")
TAX_RATE = 0.15  # one flat sandbox tax rate for pre-order and sale totals [our choice]


# --- rendering helpers ----------------------------------------------------------------------------
def _lab_row(test: str, value: float | None, unit: str) -> dict:
    unit_id, unit_name = LAB_UNITS[unit]
    return {"labTest": test, "value": value, "labResultUnitId": unit_id, "labResultUnit": unit_name}


def _lab_results(spec: ProductSpec) -> list[dict]:
    rows = []
    if spec.thc is not None:
        rows.append(_lab_row("THC", spec.thc, spec.lab_unit))
    if spec.thc9 is not None:
        rows.append(_lab_row(THC9_LAB_TEST, spec.thc9, spec.lab_unit))
    if spec.cbd is not None:
        rows.append(_lab_row("CBD", spec.cbd, spec.lab_unit))
    for terpene in spec.terpenes:
        spellings = TERPENE_SPELLINGS.get(terpene.name, [terpene.name])
        rows.append(_lab_row(spellings[terpene.spelling_index % len(spellings)], terpene.value, terpene.unit))
    return rows


def _room_quantities(spec: ProductSpec) -> list[dict]:
    """The product's stock by room: all in its own room, except larger sales-floor stock, a quarter of
    which sits in Back Stock (so room filters (D1, D14) change quantities, not only presence)."""
    primary = ROOMS[spec.room_index][0]
    quantity = float(spec.quantity)
    if spec.room_index == 0 and spec.quantity >= 8:
        back = float(spec.quantity // 4)
        return [{"roomId": primary, "room": ROOM_NAMES[primary], "quantityAvailable": quantity - back},
                {"roomId": 1002, "room": ROOM_NAMES[1002], "quantityAvailable": back}]
    return [{"roomId": primary, "room": ROOM_NAMES[primary], "quantityAvailable": quantity}]


def _tier_id(spec: ProductSpec) -> int | None:
    if spec.tier_kind == "Gram":
        return 1
    if spec.tier_kind == "Quantity":
        return 2 if spec.category == "Pre-Rolls" else 3
    return None


# --- products, customers, sales -------------------------------------------------------------------
def product_row(location: SandboxLocation, spec: ProductSpec) -> Row:
    index = spec.index
    modified = iso(spec.modified_at)
    category = CATEGORY_NAMES.get(spec.category, spec.category)
    master = MASTER_CATEGORIES.get(spec.category, spec.category)
    category_id = [c[0] for c in generate.CATEGORIES].index(spec.category) + 1
    strain_type = None
    if spec.strain_type:
        spellings = generate.STRAIN_SPELLINGS[spec.strain_type]
        strain_type = spellings[spec.strain_spelling_index % len(spellings)]
    strain_id = generate.STRAINS.index(spec.strain) + 1 if spec.strain else None
    brand_id = generate.BRANDS.index(spec.brand) + 1
    brand = spec.brand.strip()
    weight = spec.unit_weight_g
    size = (f"{weight:g}g" if weight >= 0.5 else f"{weight * 1000:g}mg") if weight else None
    tier_id = _tier_id(spec)
    med_ratio = spec.price_med / spec.price_rec if spec.price_rec else 1
    tier_data = [{"startWeight": start, "endWeight": end, "price": price, "medicalPrice": money(price * med_ratio)}
                 for start, end, price in spec.tiers]
    cannabis = spec.category != "Accessories"
    # A few products are switched off for the API/online menu or deactivated [our choice of share].
    online = index % 23 != 21
    active = index % 19 != 17
    medical_only = index % 53 == 11
    package_id = f"1A40{location.seed % 1000:03d}0{index:016d}"
    batch = f"{(spec.strain or spec.category)[:3].upper()}-{spec.modified_at:%m%d}-{index}"
    tested = spec.modified_at - timedelta(days=10 + index % 20)
    name, price, rec_price = spec.name, spec.price_rec, spec.price_rec
    category_value, category_id_value, master_value = category, category_id, master
    if spec.malformed == "missing_name":
        name = None
    elif spec.malformed == "negative_price":
        price = rec_price = -abs(spec.price_rec)
    elif spec.malformed == "null_category":
        category_value = category_id_value = master_value = None
    images = list(spec.images)
    vendor_name = f"{brand} Wholesale"
    product = {
        "productId": spec.product_id, "sku": spec.sku, "internalName": name, "productName": name,
        "description": spec.description, "masterCategory": master_value, "categoryId": category_id_value,
        "category": category_value, "imageUrl": images[0] if images else None, "imageUrls": images,
        "strainId": strain_id, "strain": spec.strain, "strainType": strain_type, "size": size,
        "netWeight": weight or None, "netWeightUnitId": 1 if weight else None,
        "netWeightUnit": "g" if weight else None,
        "brandId": brand_id, "brandName": brand, "vendorId": brand_id + 100, "vendorName": vendor_name,
        "isCannabis": cannabis, "isActive": active, "isCoupon": False,
        "thcContent": spec.thc, "thcContentUnit": spec.lab_unit if spec.thc is not None else None,
        "cbdContent": spec.cbd, "cbdContentUnit": spec.lab_unit if spec.cbd is not None else None,
        "productGrams": weight or None, "flowerEquivalent": spec.flower_equivalent,
        "recFlowerEquivalent": spec.rec_flower_equivalent, "price": price, "medPrice": spec.price_med,
        "recPrice": rec_price, "unitCost": spec.unit_cost,
        "unitType": "Grams" if spec.tier_kind == "Gram" else "Each",
        "onlineTitle": name, "onlineDescription": spec.description, "onlineProduct": online,
        "posProducts": True, "pricingTier": tier_id, "onlineAvailable": online,
        "lowInventoryThreshold": spec.low_threshold,
        "pricingTierName": PRICING_TIERS[tier_id - 1][1] if tier_id else None,
        "pricingTierDescription": f"{spec.tier_kind} price breaks" if tier_id else None,
        "pricingTierData": tier_data, "flavor": None, "alternateName": None, "lineageName": None,
        "distillationName": None, "maxPurchaseablePerTransaction": None, "tags": [],
        "effects": [{"effectId": n + 1, "effectName": effect, "productId": spec.product_id}
                    for n, effect in enumerate(spec.effects)],
        "dosage": None, "instructions": None, "allergens": None,
        "standardAllergens": {k: False for k in ("milk", "eggs", "fish", "peanuts", "treeNuts", "sesame",
                                                 "shellfish", "soybeans", "wheat")},
        "defaultUnit": "Grams" if spec.tier_kind == "Gram" else "Each", "producerId": brand_id + 200,
        "producerName": brand, "createdDate": iso(spec.modified_at - timedelta(days=120)),
        "isMedicalOnly": medical_only, "lastModifiedDateUTC": modified, "grossWeight": None,
        "isTaxable": True, "taxCategories": ["Cannabis Excise"] if cannabis else [], "upc": None,
        "regulatoryCategory": master_value, "ndc": None, "daysSupply": None, "illinoisTaxCategory": None,
        "externalCategory": None, "externalId": None, "syncExternally": False, "regulatoryName": name,
        "broadcastedResponses": {"responses": None}, "administrationMethod": None,
        "unitCBDContentDose": None, "unitTHCContentDose": spec.thc if spec.infused else None,
        "oilVolume": None, "ingredientList": None, "expirationDays": None, "abbreviation": None,
        "isTestProduct": False, "isFinished": True, "allowAutomaticDiscounts": True, "servingSize": None,
        "servingSizePerUnit": None, "isNutrient": False, "approvalDateUTC": None,
        # The store's own ecommerce category (C8/F8): Dutchie's closest field [our choice].
        "ecomCategory": spec.custom_category, "ecomSubcategory": None, "customMetadata": None,
    }
    rooms = _room_quantities(spec)
    quantity = str(spec.quantity) if spec.malformed == "text_quantity" else float(spec.quantity)
    inventory = {
        "unitWeightUnit": "g", "inventoryId": 700_000 + index, "productId": spec.product_id, "sku": spec.sku,
        "productName": name, "description": spec.description, "categoryId": category_id_value,
        "category": category_value, "imageUrl": images[0] if images else None, "quantityAvailable": quantity,
        "quantityUnits": "Gram" if spec.tier_kind == "Gram" else "Quantity", "unitWeight": weight,
        "flowerEquivalent": spec.flower_equivalent or 0.0, "recFlowerEquivalent": spec.rec_flower_equivalent,
        "flowerEquivalentUnits": "g", "batchId": 500_000 + index, "batchName": batch,
        "packageId": package_id, "packageStatus": "Active", "unitPrice": price, "medUnitPrice": spec.price_med,
        "recUnitPrice": rec_price, "strainId": strain_id, "strain": spec.strain, "strainType": strain_type,
        "size": size, "labResults": _lab_results(spec),
        "testedDate": iso(tested) if cannabis else None, "sampleDate": iso(tested - timedelta(days=3))
        if cannabis else None, "packagedDate": iso(tested + timedelta(days=2)), "manufacturingDate": None,
        "lastModifiedDateUtc": modified, "labTestStatus": "Passed" if cannabis else None,
        "vendorId": brand_id + 100, "vendor": vendor_name, "expirationDate": None, "roomQuantities": rooms,
        "pricingTierName": product["pricingTierName"], "alternateName": None,
        "tags": [{"tagId": 1, "tagName": spec.custom_category, "packageId": package_id}]
        if spec.custom_category else [],
        "brandId": brand_id, "brandName": brand, "medicalOnly": medical_only, "externalPackageId": package_id,
        "producer": brand, "producerId": brand_id + 200, "lineage": [], "potencyIndicator": None,
        "masterCategory": master_value, "effectivePotencyMg": spec.thc if spec.infused else None,
        "isCannabis": cannabis, "packageNDC": None,
        "labResultUrl": f"https://coa.sandbox.canopy.test/{package_id}.pdf" if cannabis else None,
    }
    data = {"product": product, "inventory": inventory}
    if spec.batches:
        data["packages"] = [_package(inventory, location, spec, batch) for batch in spec.batches]
    # The record's quantity is the product's stock in every package and room (what /inventory filters on).
    quantity = float(spec.quantity) + sum(float(batch.quantity) for batch in spec.batches)
    return Row(external_id=str(spec.product_id), data=data, modified_at=spec.modified_at, quantity=quantity,
               room_id=str(rooms[0]["roomId"]))


def _package(inventory: dict, location: SandboxLocation, spec: ProductSpec, batch: BatchSpec) -> dict:
    """Another package (batch) of the product: the product's own item with its own inventory, batch and
    package ids, packaged later, and its stock in one room [our choice: a later batch, same lab results]."""
    index, number = spec.index, batch.number
    package_id = f"1A40{location.seed % 1000:03d}{number}{index:016d}"
    room_id = ROOMS[batch.room_index][0]
    packaged = datetime.fromisoformat(inventory["packagedDate"].replace("Z", "+00:00")) \
        + timedelta(days=batch.packaged_days_later)
    return {**inventory, "inventoryId": 1_000_000 + index * 10 + number, "batchId": 2_000_000 + index * 10 + number,
            "batchName": f"{inventory['batchName']}-{number}", "packageId": package_id,
            "externalPackageId": package_id, "packagedDate": iso(packaged),
            "quantityAvailable": float(batch.quantity),
            "roomQuantities": [{"roomId": room_id, "room": ROOM_NAMES[room_id],
                                "quantityAvailable": float(batch.quantity)}],
            "tags": [{**tag, "packageId": package_id} for tag in inventory["tags"]],
            "labResultUrl": f"https://coa.sandbox.canopy.test/{package_id}.pdf" if inventory["labResultUrl"] else None}


def packages(data: dict) -> list[dict]:
    """A product record's packages: its own item first, then the others."""
    return [data["inventory"], *data.get("packages", ())]


def customer_row(location: SandboxLocation, spec: CustomerSpec) -> Row:
    anonymous = spec.index % 50 == 49  # walk-in sales without a profile [our choice of share]
    data = {
        "customerId": spec.customer_id, "uniqueId": guid(location.seed, "customer", spec.customer_id),
        "name": f"{spec.first_name} {spec.last_name}", "firstName": spec.first_name,
        "lastName": spec.last_name, "middleName": None, "nameSuffix": None, "namePrefix": None,
        "address1": f"{100 + spec.index} Main St", "address2": None, "city": "Denver" if spec.state == "CO"
        else "Springfield", "state": spec.state, "postalCode": f"80{spec.index % 1000:03d}",
        "phone": None if anonymous else spec.phone, "cellPhone": None if anonymous else spec.phone,
        "emailAddress": None if anonymous else spec.email,
        # Dutchie documents Active / Cancelled / Hold / Banned; archived profiles are Cancelled [our choice].
        "status": "Cancelled" if spec.archived else "Active", "mmjidNumber": spec.medical_id,
        "mmjidExpirationDate": iso(spec.created_at + timedelta(days=730)) if spec.medical_id else None,
        "lastModifiedDateUTC": iso(spec.modified_at), "creationDate": iso(spec.created_at),
        "customerType": spec.customer_type, "gender": None, "driversLicenseHash": None,
        "dateOfBirth": f"{spec.birth_date}T00:00:00", "externalCustomerId": None, "createdByIntegrator": None,
        "isAnonymous": anonymous, "referralSource": None, "otherReferralSource": None, "springBigMemberId": 0,
        "customIdentifier": None, "discountGroups": list(spec.discount_groups),
        "createdAtLocation": location.name, "notes": None, "isLoyaltyMember": spec.loyalty_member,
        "primaryQualifyingCondition": None, "secondaryQualifyingConditions": [],
        "mergedIntoCustomerId": spec.merged_into, "optedIntoMarketing": spec.loyalty_member,
        "loyaltyTier": "Gold" if spec.loyalty_member and spec.index % 5 == 0 else None,
    }
    return Row(external_id=str(spec.customer_id), data=data, modified_at=spec.modified_at,
               phone=data["phone"] or "", email=data["emailAddress"] or "", position=spec.index)


def transaction_row(location: SandboxLocation, spec: TransactionSpec,
                    customer: CustomerSpec, products: dict[int, Row]) -> Row:
    tid = spec.transaction_id
    items = []
    for n, line in enumerate(spec.lines):
        item = products[line.product_index].data["inventory"]
        unit_cost = products[line.product_index].data["product"]["unitCost"]
        items.append({
            "transactionId": tid, "productId": item["productId"], "totalPrice": money(line.quantity *
                                                                                      line.unit_price),
            "quantity": float(line.quantity), "unitPrice": line.unit_price, "unitCost": unit_cost,
            "packageId": item["packageId"], "sourcePackageId": item["packageId"], "totalDiscount": 0.0,
            "inventoryId": item["inventoryId"], "unitId": 1, "unitWeight": item["unitWeight"],
            "unitWeightUnit": "g", "flowerEquivalent": item["flowerEquivalent"], "flowerEquivalentUnit": "g",
            "discounts": [], "taxes": [{"rateName": "Sales Tax", "rate": TAX_RATE,
                                        "amount": money(line.quantity * line.unit_price * TAX_RATE),
                                        "transactionItemId": tid * 10 + n}],
            "returnDate": None, "isReturned": False, "returnedByTransactionId": None, "returnReason": None,
            "batchName": item["batchName"], "transactionItemId": tid * 10 + n, "vendor": item["vendor"],
            "isCoupon": False,
        })
    # Loyalty points spent become a discount at 20 points per dollar [our choice].
    discount = money(spec.loyalty_spent / 20)
    discounts = [{"discountId": 9001, "discountName": "Loyalty Redemption", "discountReason": "Loyalty",
                  "amount": discount, "transactionItemId": tid * 10}] if discount else []
    before_tax = money(max(spec.total - discount, 0))
    tax = money(before_tax * TAX_RATE)
    total = money(before_tax + tax)
    medical = customer.customer_type.startswith("Medical")
    void_date = spec.occurred_at + timedelta(minutes=30) if spec.voided else None
    modified = void_date or spec.occurred_at
    data = {
        "transactionId": tid, "customerId": customer.customer_id, "employeeId": 10 + tid % 5,
        "transactionDate": iso(spec.occurred_at), "voidDate": iso(void_date), "isVoid": spec.voided,
        "subtotal": spec.total, "totalDiscount": discount, "totalBeforeTax": before_tax, "tax": tax,
        "tipAmount": None, "total": total, "paid": total, "changeDue": 0.0,
        "totalItems": sum(line.quantity for line in spec.lines), "terminalName": f"Register {1 + tid % 3}",
        "checkInDate": None, "invoiceNumber": f"INV-{tid}", "isTaxInclusive": False,
        "transactionType": "Retail", "loyaltyEarned": spec.loyalty_earned, "loyaltySpent": spec.loyalty_spent,
        "items": items, "discounts": discounts, "lastModifiedDateUTC": iso(modified), "cashPaid": total,
        "debitPaid": None, "electronicPaid": None, "electronicPaymentMethod": None, "checkPaid": None,
        "creditPaid": None, "giftPaid": None, "mmapPaid": None, "prePaymentAmount": None,
        "revenueFeesAndDonations": 0.0, "nonRevenueFeesAndDonations": 0.0, "feesAndDonations": [],
        "taxSummary": [{"rateName": "Sales Tax", "amount": tax}], "returnOnTransactionId": None,
        "adjustmentForTransactionId": None, "orderType": "In Store", "wasPreOrdered": False,
        "orderSource": "In Store", "orderMethod": None, "invoiceName": None, "isReturn": False,
        "authCode": None, "customerTypeId": CUSTOMER_TYPE_IDS.get(customer.customer_type, 3),
        "isMedical": medical, "orderIds": [], "totalCredit": 0.0, "completedByUser": "sandbox.budtender",
        "responsibleForSaleUserId": 10 + tid % 5,
        # Store-local time (Mountain) without an offset, as .NET writes a DateTime of kind Unspecified.
        "transactionDateLocalTime": (spec.occurred_at - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S"),
        "estTimeArrivalLocal": None, "estDeliveryDateLocal": None, "referenceId": None,
        "manualPayments": [], "manualPaid": None, "integratedPayments": [], "integratedPaid": None,
    }
    return Row(external_id=str(tid), data=data, modified_at=modified, occurred_at=spec.occurred_at,
               position=tid - 900_000)


# --- changes --------------------------------------------------------------------------------------
def set_price(data: dict, factor: float) -> None:
    product = data["product"]
    prices = [(product, ("price", "medPrice", "recPrice"))]
    prices += [(item, ("unitPrice", "medUnitPrice", "recUnitPrice")) for item in packages(data)]
    for record, fields in prices:
        for field in fields:
            if isinstance(record.get(field), int | float):
                record[field] = money(record[field] * factor)
    for tier in product.get("pricingTierData") or []:
        tier["price"] = money(tier["price"] * factor)
        tier["medicalPrice"] = money(tier["medicalPrice"] * factor)


def set_quantity(data: dict, quantity: float) -> None:
    """All stock goes to the product's own package, in its first room (its own room): the other rooms are
    emptied and its other packages are gone (sold out)."""
    data.pop("packages", None)
    inventory = data["inventory"]
    rooms = inventory.get("roomQuantities") or [{"roomId": 1001, "room": ROOM_NAMES[1001]}]
    inventory["roomQuantities"] = [{**rooms[0], "quantityAvailable": float(quantity)}]
    inventory["quantityAvailable"] = float(quantity)


def touch(data: dict, when: datetime) -> None:
    if "product" in data:
        # The same instant, spelled two ways: Dutchie's casing differs between products and inventory.
        data["product"]["lastModifiedDateUTC"] = iso(when)
        for item in packages(data):
            item["lastModifiedDateUtc"] = iso(when)


def advance_order(data: dict) -> str:
    """Submitted -> Processing -> Filled -> Complete. "Filled" is the sandbox's stand-in for Dutchie's
    Notify action (ready for the customer; Canopy shows Ready for Pickup, D7). Cancelled stays."""
    walk = ("Submitted", "Processing", "Filled", "Complete")
    current = data.get("status")
    if current in walk[:-1]:
        data["status"] = walk[walk.index(current) + 1]
    data["isUpdateable"] = data["status"] == "Submitted"
    data["isCancellable"] = data["status"] in OPEN_ORDER_STATUSES
    if data["status"] == "Complete" and not data.get("transactionId"):
        data["transactionId"] = 800_000 + int(data["preOrderId"]) % 100_000
    return data["status"]
