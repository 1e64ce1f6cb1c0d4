"""Alleaves' JSON shapes, rendered from generate.py's neutral specs, and the changes made to them.

The inventory row copies the real `/inventory/search` response (reference/alleaves-inventory-sample.json)
key for key and in the same order. What the reference leaves unknown (tiered pricing, patient fields) is
our own choice, kept in Alleaves' style and listed in docs/sandbox/alleaves.md.
"""
from datetime import datetime, timedelta

from django.utils import timezone

from ... import generate
from ...generate import CustomerSpec, ProductSpec, TransactionSpec
from ...models import SandboxLocation
from ..base import Row, walk_status
from .reference import AREA_BASE, AREA_BY_ID, NON_SELLABLE_AREAS, feed_number, iso_ms, money

# Neutral category -> (Alleaves category path, item-name form, delivery_route). Paths start with
# "Category > " and use the store's own words ("Pre rolls", "Vapes", "Concentrate") as in the sample.
CATEGORIES = {
    "Flower": ("Category > Flower", "Flower", "Whole Flower"),
    "Pre-Rolls": ("Category > Pre rolls", "Pre Roll", "Pre-Roll"),
    "Vaporizers": ("Category > Vapes", "Cartridge", "Extract"),
    "Concentrates": ("Category > Concentrate", "Concentrate", "Concentrate"),
    "Edibles": ("Category > Edibles", "Gummies", "Solid Form"),
    "Beverages": ("Category > Beverages", "Beverage", "Liquid Form"),
    "Topicals": ("Category > Topicals", "Balm", "Topical"),
    "Tinctures": ("Category > Tinctures", "Tincture", "Liquid Form"),
    "Accessories": ("Category > Accessories", "", None),
}
# New York adult-use tax as the sample's OTD prices show it (price_otd_adult_use = 1.13 x retail).
OTD_RATE = 1.13
MEDICAL_OTD_RATE = 1.07
ORDER_TAX_RATE = 0.13
# Order push statuses, in the order services.advance_order walks them.
ORDER_STATUSES = ("open", "in_progress", "ready", "completed")
# Keys our rows carry beyond the 110 of the real sample: deli-style tiers (A4), absent from the sample.
TIER_KEYS = ("id_pricing_tier", "pricing_tiers")


# --- products, customers, sales -------------------------------------------------------------------
def _area(spec: ProductSpec) -> dict | None:
    """room_index 0/1 sellable, 2 no area (the sample's 82 area-less rows), 3 non-sellable."""
    if spec.room_index == 0:
        area_id = AREA_BASE
    elif spec.room_index == 1:
        area_id = AREA_BASE + spec.index % 2
    elif spec.room_index == 2:
        return None
    else:
        area_id = NON_SELLABLE_AREAS[spec.index % len(NON_SELLABLE_AREAS)]
    return AREA_BY_ID[area_id]


def _compounds(spec: ProductSpec) -> list[dict]:
    """Custom chemical profile (A6). THC keeps the real spelling ("THC %", decimal string);
    terpenes carry their unit in the value: "1.2%", "3 mg", "4.5 mg/g", or a bare number (= mg)."""
    if spec.thc is None or (not spec.terpenes and spec.index % 3):
        return []
    unit = "%" if spec.lab_unit == "%" else spec.lab_unit
    compounds = [{"compound": f"THC {unit}", "result": f"{spec.thc:.8f}" if spec.index % 2 else f"{spec.thc:g}"}]
    if spec.cbd:
        compounds.append({"compound": f"CBD {unit}", "result": f"{spec.cbd:g}"})
    for terpene in spec.terpenes:
        name = generate.TERPENES[terpene.name][terpene.spelling_index] if terpene.known else terpene.name
        if terpene.unit == "%":
            result = f"{terpene.value:g}%"
        elif terpene.unit == "mg/g":
            result = f"{terpene.value:g} mg/g"
        elif terpene.spelling_index % 2:
            result = f"{terpene.value:g}"  # no unit: Alleaves means mg (A6)
        else:
            result = f"{terpene.value:g} mg"
        compounds.append({"compound": name, "result": result})
    return compounds


def product_row(location: SandboxLocation, spec: ProductSpec) -> Row:
    """One batch of one item, as a row of POST /inventory/search (110 real keys + TIER_KEYS).

    Kept cheap (no queries): 100,000 of these are rendered when a big catalogue is generated."""
    index = spec.index
    category_path, form, delivery_route = CATEGORIES[spec.category]
    if spec.custom_category and index % 2:
        category_path = f"{category_path} > {spec.custom_category}"
    elif index % 97 == 5:
        category_path = "Uncategorized"
    cannabis = spec.category != "Accessories"
    # A second batch of an earlier item (R8 duplicate): same id_item, its own id_batch.
    id_item = 1000 + (spec.duplicate_of if spec.duplicate_of is not None else index)
    id_batch = 1000 + index
    area = _area(spec)
    quantity = spec.quantity if area is not None else 0  # area-less rows hold nothing, as in the sample
    on_hand = quantity + (1 if quantity and index % 13 == 0 else 0)  # one unit allocated to an order
    deli = spec.tier_kind == "Gram"
    # Prices: the store sells adult-use and medical; some items one menu only (0 = not on that menu).
    base_price = spec.tiers[0][2] if deli else spec.price_rec
    adult = base_price if index % 9 != 4 else 0
    medical = money(base_price * spec.price_med / spec.price_rec) if spec.price_rec and index % 9 != 5 else 0
    generic = base_price if index % 10 == 3 else 0  # the sample's other pattern: only price_retail set
    use_otd = index % 7 == 0  # A2: "Out-The-Door pricing" switched on for this item
    low = spec.low_threshold
    if spec.infused:
        size = f"{spec.thc:g}mg" if spec.thc else f"{spec.unit_weight_g * 1000:g}mg"
        weight, weight_uom, weight_short = feed_number(round(spec.unit_weight_g * 1000, 3)), "Milligrams", "mg"
    elif deli:
        # Deli style: weighed out at the counter, priced per gram by tier (A4).
        size, weight, weight_uom, weight_short = "Bulk", 1, "Grams", "g"
    elif cannabis:
        size = f"{spec.unit_weight_g:g}g"
        weight, weight_uom, weight_short = feed_number(spec.unit_weight_g), "Grams", "g"
    else:
        size, weight, weight_uom, weight_short = "", None, None, None
    if cannabis:
        item = " - ".join(part for part in (spec.brand.strip(), form, spec.strain, size) if part)
    else:
        item = spec.name
    received = spec.modified_at - timedelta(days=20 + index % 90)
    compounds = _compounds(spec)
    thc = cbd = thc_mg = cbd_mg = None
    if spec.thc is not None:
        if spec.lab_unit == "mg":
            thc_mg, cbd_mg = feed_number(spec.thc), (feed_number(spec.cbd) if spec.cbd else None)
        elif spec.lab_unit == "mg/g":  # stored as percent: 10 mg/g = 1 %
            thc, cbd = round(spec.thc / 10, 2), (round(spec.cbd / 10, 2) if spec.cbd else None)
        else:
            thc, cbd = feed_number(spec.thc), (feed_number(spec.cbd) if spec.cbd else None)
    cost = money(spec.unit_cost) if index % 3 else None
    tiers = [{"quantity_min": feed_number(start), "quantity_max": feed_number(end), "price": feed_number(price)}
             for start, end, price in spec.tiers]
    data = {
        "biotrack_test_results": [],
        "id_batch": id_batch,
        "id_item": id_item,
        "id_item_group": id_item,
        "id_location": int(location.location_id),
        "is_biotrack": False,
        "is_adult_use": adult > 0 or generic > 0,
        "is_medical_use": medical > 0,
        "is_cannabis": cannabis,
        "is_plant": False,
        "is_seed": False,
        # A3: an item-level threshold on some items, the per-location one below on others.
        "threshold_low_quantity": low if low and index % 4 == 1 else None,
        "threshold_low_quantity_selected": bool(low and index % 4 == 1),
        "batch_cost_of_good": cost,
        "id_strain": 1100 + generate.STRAINS.index(spec.strain) if spec.strain and index % 4 == 0 else None,
        "biotrack_barcode_id": None,
        "biotrack_state_id": None,
        "biotrack_inventory_type_id": None,
        "biotrack_scheduled_destroyed": None,
        "biotrack_destroyed": None,
        "biotrack_restocked": None,
        "biotrack_thc": None,
        "biotrack_cbd": None,
        "biotrack_thc_mg": None,
        "biotrack_cbd_mg": None,
        "biotrack_med_useable_weight": None,
        "biotrack_rec_useable_weight": None,
        "is_low_thc": False,
        "is_medicated": spec.infused,
        "is_smoking": spec.category in ("Flower", "Pre-Rolls"),
        "is_low_thc_and_medical": False,
        "is_product": True,
        "category": category_path,
        "id_raw_material": None,
        "raw_material": None,
        "dosage_recommended": None,
        "brand": spec.brand if index % 11 else None,
        "vendor": f"{spec.brand.strip()} Distribution LLC",
        "vendor_metrc_facility_license_number": f"OCM-PROC-24-{spec.product_id % 97 + 1:06d}" if cannabis
        else None,
        "id_area": area["id_area"] if area else None,
        "internal_id_area": None,
        "id_status": 1,
        "item": item,
        "sku": None,  # null in all 395 real rows; items are keyed by id_item / id_batch
        "batch": f"B{received:%Y%m%d}{index:08d}",
        "vendor_batch_id": None,
        "metrc_package_label": f"1A412030000{location.seed % 1000:03d}A{index:09d}" if cannabis else None,
        "metrc_item_id": str(850000 + spec.product_id % 100000) if cannabis else None,
        "metrc_item_id_item": None,
        "id_ommu_form": None,
        "ommu_form_name": None,
        "is_ommu_delivery_device": False,
        "location": location.name,
        "area": area["name"] if area else None,
        "area_path": area["path"] if area else None,
        "area_type": area["area_type"] if area else None,
        "priority": area["priority"] if area else None,
        # Location-wide totals are filled in when served (they depend on the whole feed); the
        # misspelt "avaliable" key is real and always 0 in the sample.
        "all_avaliable_per_location": 0,
        "all_on_hand_per_location": 0,
        "location_low_inventory_threshold_batch": None,
        "has_owned_batch": area is not None,
        "on_hand": on_hand,
        "available": quantity,
        "uom_type": "weight" if deli else "count",
        "delivery_route": "Bulk Flower" if deli else delivery_route,
        "uom": "Grams" if deli else "Each",
        "uom_short": "g" if deli else "ea",
        "weight_useable": weight,
        "weight_useable_uom": weight_uom,
        "weight_useable_uom_short": weight_short,
        "uom_weight_net_short": ("mL" if spec.category == "Beverages" else weight_short) if index % 3 == 0
        else None,
        "status": "open",
        "qc_hold": area is not None and area["name"] == "Quarantine",
        "date_closed": None,
        "cost_of_good": cost,
        "price_retail": feed_number(generic),
        "price_retail_adult_use": feed_number(adult),
        "price_retail_medical_use": feed_number(medical),
        "price_otd": feed_number(money(generic * OTD_RATE)),
        "price_otd_adult_use": feed_number(money(adult * OTD_RATE)),
        "price_otd_medical_use": feed_number(money(medical * MEDICAL_OTD_RATE)),
        "use_location_otd_price": use_otd,
        "use_otd_price": use_otd,
        "servings": 10 if spec.category == "Edibles" else None,
        "deleted": False,
        "has_inventory": on_hand > 0,
        "has_available_inventory": quantity > 0,
        "date_received": received.strftime("%Y-%m-%dT%H:%M:%S.") + f"{received.microsecond // 1000:03d}",
        "date_expire": (spec.modified_at + timedelta(days=180)).date().isoformat() if spec.infused else None,
        "allergens": "Vegan, Gluten Free" if spec.category == "Edibles" else None,
        "ingredients_list": "Read packaging" if spec.infused else None,
        "nutritional_information": None,
        "strain": spec.strain,
        "harvest_batch": None,
        "methodlabs_coa": None,
        "location_threshold_low_quantity_value": low,
        # A value that is set but not selected does not apply (the sample has 50 / false).
        "location_threshold_low_quantity_selected": bool(low and index % 5),
        "date_updated": iso_ms(spec.modified_at) if area is not None else None,
        "batch_date_updated": iso_ms(spec.modified_at),
        "id_test_result": 100 + index if compounds else None,
        "coa_s3_key": None,
        "biotrack_coa_link": None,
        "all_available_per_location": 0,
        "thc": thc,
        "thc_mg": thc_mg,
        "cbd": cbd,
        "cbd_mg": cbd_mg,
        "compounds": compounds,
        "coa_url": None,
        "total_rows": 0,
        # Deli style (A4): not in the real sample; our documented shape. Gram tiers price per gram.
        "id_pricing_tier": 2000 + index if tiers else None,
        "pricing_tiers": tiers,
    }
    if spec.malformed == "missing_name":
        data["item"] = None
    elif spec.malformed == "negative_price":
        data["price_retail_adult_use"] = -abs(spec.price_rec)
        data["price_otd_adult_use"] = -money(spec.price_rec * OTD_RATE)
    elif spec.malformed == "text_quantity":
        data["available"] = f"{quantity} units"
    elif spec.malformed == "null_category":
        data["category"] = None
    return Row(external_id=str(id_batch), data=data, modified_at=spec.modified_at, quantity=quantity,
               room_id=str(area["id_area"]) if area else "", position=index)


def customer_row(location: SandboxLocation, spec: CustomerSpec) -> Row:
    medical = spec.medical_id is not None
    created = spec.created_at
    data = {
        "id_customer": spec.customer_id,
        "customer_name": f"{spec.first_name} {spec.last_name}",
        "name_first": spec.first_name,
        "name_last": spec.last_name,
        "email": spec.email,
        "phone": spec.phone,
        "date_of_birth": spec.birth_date,
        "customer_since": created.date().isoformat(),
        "date_created": iso_ms(created),
        "date_updated": iso_ms(spec.modified_at),
        "alpine_user_code": f"{7000000 + spec.customer_id}" if spec.loyalty_member else None,
        "springbig_user_code": None,
        "credit_balance": 5 if spec.index % 9 == 0 else 0,
        # Patient fields (our choice: Alleaves' real names are not public).
        "customer_type": spec.customer_type.replace("Recreational", "Adult Use"),
        "is_medical": medical,
        "medical_id": spec.medical_id,
        "medical_id_expiration": (created + timedelta(days=365 * 2)).date().isoformat() if medical else None,
        "state": spec.state,
        "deleted": spec.archived,
    }
    return Row(external_id=str(spec.customer_id), data=data, modified_at=spec.modified_at,
               phone=spec.phone, email=spec.email, position=spec.index)


def transaction_row(location: SandboxLocation, spec: TransactionSpec,
                    customer: CustomerSpec, products: dict[int, Row]) -> Row:
    items = []
    for line in spec.lines:
        product = products.get(line.product_index)
        data = product.data if product else {}
        items.append({"id_item": data.get("id_item"), "id_batch": data.get("id_batch"),
                      "item": data.get("item"), "category": data.get("category"),
                      "quantity": line.quantity, "price": line.unit_price})
    subtotal = money(spec.total)
    tax = money(subtotal * ORDER_TAX_RATE)
    order = {
        "id_order": spec.transaction_id,
        "id_location": int(location.location_id),
        "id_customer": customer.customer_id,
        "customer_name": f"{customer.first_name} {customer.last_name}",
        # A completed in-store sale; a voided one is "cancelled".
        "status": "cancelled" if spec.voided else "completed",
        "type": "retail",
        "is_medical": customer.medical_id is not None,
        "delivery_start": None,
        "delivery_end": None,
        "delivery_address": None,
        "notes": None,
        "reference": None,
        "subtotal": subtotal,
        "tax": tax,
        "discount": 0,
        "total": money(subtotal + tax),
        "date_created": iso_ms(spec.occurred_at),
        "date_updated": iso_ms(spec.occurred_at),
        "items": items,
        "loyalty": spec.loyalty_spent,
        "points_earned": spec.loyalty_earned,
        "loyalties": [{"type": "redeem", "points": spec.loyalty_spent}] if spec.loyalty_spent else [],
    }
    return Row(external_id=str(spec.transaction_id), data=order, modified_at=spec.occurred_at,
               phone=customer.phone, email=customer.email, occurred_at=spec.occurred_at)


# --- changes --------------------------------------------------------------------------------------
PRICE_FIELDS = ("price_retail", "price_retail_adult_use", "price_retail_medical_use",
                "price_otd", "price_otd_adult_use", "price_otd_medical_use")


def set_price(data: dict, factor: float) -> None:
    for name in PRICE_FIELDS:
        if isinstance(data.get(name), int | float):
            data[name] = feed_number(money(data[name] * factor))
    for tier in data.get("pricing_tiers") or []:
        tier["price"] = feed_number(money(tier["price"] * factor))


def set_quantity(data: dict, quantity: float) -> None:
    held = 0
    if isinstance(data.get("on_hand"), int | float) and isinstance(data.get("available"), int | float):
        held = max(data["on_hand"] - data["available"], 0)
    data["available"] = feed_number(quantity)
    data["on_hand"] = feed_number(quantity + held)
    data["has_available_inventory"] = quantity > 0
    data["has_inventory"] = quantity + held > 0


def touch(data: dict, when: datetime) -> None:
    if "batch_date_updated" in data:
        data["date_updated"] = data["batch_date_updated"] = iso_ms(when)
    else:
        data["date_updated"] = iso_ms(when)


def advance_order(data: dict) -> str:
    """open -> in_progress -> ready -> completed; the order's date_updated moves with it."""
    status = walk_status(data, ORDER_STATUSES)
    data["date_updated"] = iso_ms(timezone.now())
    return status
