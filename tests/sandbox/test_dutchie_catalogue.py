"""Sandbox Dutchie POS (X1) over real HTTP: products, inventory and lab results (D3, D5, D6, D10, D12, D13,
C7, R8), rooms and the room-to-menu switch (D1, D14), the change switches and determinism.

Field lists below are copied from the official OpenAPI schemas (POS-APIS.md §1 and its appendix);
tests/sandbox/test_dutchie_auth_faults.py checks the same responses against the reference document itself.
"""
from integrations.sandbox import generate, services
from integrations.sandbox.models import RecordKind, SandboxRecord
from integrations.sandbox.vendors.dutchie import DutchieSandbox
from tests.sandbox.dutchie_support import _get, _ok, _save

PRODUCT_DETAIL = {
    "productId", "sku", "internalName", "productName", "description", "masterCategory", "categoryId", "category",
    "imageUrl", "imageUrls", "strainId", "strain", "strainType", "size", "netWeight", "netWeightUnitId",
    "netWeightUnit", "brandId", "brandName", "vendorId", "vendorName", "isCannabis", "isActive", "isCoupon",
    "thcContent", "thcContentUnit", "cbdContent", "cbdContentUnit", "productGrams", "flowerEquivalent",
    "recFlowerEquivalent", "price", "medPrice", "recPrice", "unitCost", "unitType", "onlineTitle",
    "onlineDescription", "onlineProduct", "posProducts", "pricingTier", "onlineAvailable", "lowInventoryThreshold",
    "pricingTierName", "pricingTierDescription", "pricingTierData", "flavor", "alternateName", "lineageName",
    "distillationName", "maxPurchaseablePerTransaction", "tags", "effects", "dosage", "instructions", "allergens",
    "standardAllergens", "defaultUnit", "producerId", "producerName", "createdDate", "isMedicalOnly",
    "lastModifiedDateUTC", "grossWeight", "isTaxable", "taxCategories", "upc", "regulatoryCategory", "ndc",
    "daysSupply", "illinoisTaxCategory", "externalCategory", "externalId", "syncExternally", "regulatoryName",
    "broadcastedResponses", "administrationMethod", "unitCBDContentDose", "unitTHCContentDose", "oilVolume",
    "ingredientList", "expirationDays", "abbreviation", "isTestProduct", "isFinished", "allowAutomaticDiscounts",
    "servingSize", "servingSizePerUnit", "isNutrient", "approvalDateUTC", "ecomCategory", "ecomSubcategory",
    "customMetadata"}
INVENTORY_ITEM = {
    "unitWeightUnit", "inventoryId", "productId", "sku", "productName", "description", "categoryId", "category",
    "imageUrl", "quantityAvailable", "quantityUnits", "unitWeight", "flowerEquivalent", "recFlowerEquivalent",
    "flowerEquivalentUnits", "batchId", "batchName", "packageId", "packageStatus", "unitPrice", "medUnitPrice",
    "recUnitPrice", "strainId", "strain", "strainType", "size", "labResults", "testedDate", "sampleDate",
    "packagedDate", "manufacturingDate", "lastModifiedDateUtc", "labTestStatus", "vendorId", "vendor",
    "expirationDate", "roomQuantities", "pricingTierName", "alternateName", "tags", "brandId", "brandName",
    "medicalOnly", "externalPackageId", "producer", "producerId", "lineage", "potencyIndicator", "masterCategory",
    "effectivePotencyMg", "isCannabis", "packageNDC", "labResultUrl"}
ROOM = {"roomId", "roomName", "isQuarantineRoom", "isVaultRoom", "isWaitingRoom", "isSalesFloor", "isPOSRoom",
        "isInventoryRoom", "isPreOrderRoom", "isEcommerceRoom"}
C9_TERPENES = set(generate.TERPENES)


def _product_record(location, product_id) -> SandboxRecord:
    return SandboxRecord.objects.get(location=location, kind=RecordKind.PRODUCT, external_id=str(product_id))


# --- products and inventory ---------------------------------------------------------------------
def test_x1_products_only_online_available_and_reporting_all(sandbox, http):
    sb = sandbox("dutchie", products=60)
    products = _ok(http, sb, "products")
    everything = _ok(http, sb, "reporting/products")
    assert len(everything) == 60
    assert all(set(p) == PRODUCT_DETAIL for p in everything)
    assert all(p["onlineAvailable"] for p in products)
    assert {p["productId"] for p in everything if p["onlineAvailable"]} == {p["productId"] for p in products}
    assert any(not p["onlineAvailable"] for p in everything)
    active = _ok(http, sb, "products", isActive="true")
    inactive = _ok(http, sb, "products", isActive="false")
    assert inactive and all(not p["isActive"] for p in inactive)
    assert len(active) + len(inactive) == len(products)
    assert _get(http, sb, "products", isActive="maybe").status_code == 400


def test_x1_products_from_last_modified_is_incremental(sandbox, http):
    sb = sandbox("dutchie", products=40)
    everything = _ok(http, sb, "reporting/products")
    cutoff = sorted(p["lastModifiedDateUTC"] for p in everything)[20]
    newer = _ok(http, sb, "reporting/products", fromLastModifiedDateUTC=cutoff)
    assert newer and len(newer) < 40
    assert all(p["lastModifiedDateUTC"] >= cutoff for p in newer)
    services.change_prices(sb["location"], fraction=0.1, seed=3)
    changed = _ok(http, sb, "products", fromLastModifiedDateUTC="2099-01-01T00:00:00Z")
    assert changed == []
    # Generated products were modified before generate.EPOCH; the changed ones carry "now".
    recent = _ok(http, sb, "reporting/products", fromLastModifiedDateUTC=generate.EPOCH.isoformat())
    assert len(recent) == 4


def test_x1_inventory_shape_and_stock_rules(sandbox, http):
    sb = sandbox("dutchie", products=120)
    items = _ok(http, sb, "inventory", includeLabResults="true", includeRoomQuantities="true")
    report = {i["productId"]: i for i in _ok(http, sb, "reporting/inventory", includeRoomQuantities="true")}
    products = {p["productId"]: p for p in _ok(http, sb, "reporting/products")}
    assert items and all(set(i) == INVENTORY_ITEM for i in items)
    assert all(set(i) == INVENTORY_ITEM | {"unitCost", "allocatedQuantity"} for i in report.values())
    assert all(isinstance(i["inventoryId"], int) and isinstance(i["productId"], int) for i in items)
    for item in items:
        product = products[item["productId"]]
        quantity = float(item["quantityAvailable"])
        assert quantity > 0
        assert product["onlineAvailable"] and product["isActive"]
        threshold = product["lowInventoryThreshold"]
        assert threshold is None or quantity > threshold  # D13
        assert {r["roomId"] for r in item["roomQuantities"]} <= {1001, 1002, 1003}  # sellable rooms only
        assert "lastModifiedDateUtc" in item and "lastModifiedDateUTC" not in item
    # Stock only in Quarantine never reaches /inventory but /reporting/inventory shows it.
    quarantined = [i for i in report.values() if i["roomQuantities"]
                   and {r["roomId"] for r in i["roomQuantities"]} == {1004} and i["roomQuantities"][0][
                       "quantityAvailable"] > 0]
    assert quarantined
    shown = {i["productId"] for i in items}
    assert not shown & {i["productId"] for i in quarantined}
    # Without the include flags, no labs and no rooms.
    plain = _ok(http, sb, "inventory")
    assert len(plain) == len(items)
    assert all(i["labResults"] == [] and i["roomQuantities"] == [] for i in plain)


def test_d13_product_at_its_threshold_drops_out_of_inventory(sandbox, http):
    sb = sandbox("dutchie", products=80)
    items = {i["productId"]: i for i in _ok(http, sb, "inventory", includeRoomQuantities="true")}
    products = {p["productId"]: p for p in _ok(http, sb, "products")}
    product_id = next(pid for pid in items if products[pid]["lowInventoryThreshold"])
    threshold = products[product_id]["lowInventoryThreshold"]
    record = _product_record(sb["location"], product_id)
    DutchieSandbox().set_quantity(record.data, threshold)
    record.quantity = threshold
    record.save()
    assert product_id not in {i["productId"] for i in _ok(http, sb, "inventory")}
    assert product_id in {p["productId"] for p in _ok(http, sb, "products")}  # still in the catalogue
    report = {i["productId"]: i for i in _ok(http, sb, "reporting/inventory")}
    assert report[product_id]["quantityAvailable"] == threshold


def test_d3_d12_lab_results_units_terpenes_and_thc9(sandbox, http):
    sb = sandbox("dutchie", products=200)
    items = _ok(http, sb, "reporting/inventory", includeLabResults="true")
    rows = [row for item in items for row in item["labResults"]]
    assert all(set(row) == {"labTest", "value", "labResultUnitId", "labResultUnit"} for row in rows)
    units = {(row["labResultUnitId"], row["labResultUnit"]) for row in rows}
    assert units == {(1, "Milligrams"), (2, "Percentage"), (3, "Milligrams per Gram")}
    tests = {row["labTest"] for row in rows}
    assert {"THC", "CBD", "THC9"} <= tests
    # THC9 appears only on some products (D12 falls back to THC for the others).
    with_thc9 = [i for i in items if any(r["labTest"] == "THC9" for r in i["labResults"])]
    with_thc = [i for i in items if any(r["labTest"] == "THC" for r in i["labResults"])]
    assert 0 < len(with_thc9) < len(with_thc)
    terpene_names = tests - {"THC", "CBD", "THC9"}
    assert len(terpene_names) > len(C9_TERPENES) - 4  # many spellings, not only the C9 names
    assert terpene_names - C9_TERPENES  # Dutchie spellings differ from the C9 names (e.g. "Myrcene")
    assert terpene_names & set(generate.UNKNOWN_TERPENES)  # unknown names are passed through
    products = {p["productId"]: p for p in _ok(http, sb, "reporting/products")}
    assert {p["thcContentUnit"] for p in products.values()} >= {"%", "mg", "mg/g"}


def test_d5_d6_d10_c7_tiers_weights_flower_equivalent_images(sandbox, http):
    sb = sandbox("dutchie", products=200)
    products = _ok(http, sb, "reporting/products")
    items = {i["productId"]: i for i in _ok(http, sb, "reporting/inventory")}
    tiered = [p for p in products if p["pricingTierData"]]
    assert tiered
    kinds = {items[p["productId"]]["quantityUnits"] for p in tiered}
    assert kinds == {"Quantity", "Gram"}  # D5: price tiers and weight tiers
    for product in tiered:
        assert all(set(t) == {"startWeight", "endWeight", "price", "medicalPrice"} for t in product["pricingTierData"])
        assert product["pricingTier"] and product["pricingTierName"]
    tier_ids = {t["pricingTierId"] for t in _ok(http, sb, "pricing-tiers")}
    assert {p["pricingTier"] for p in tiered} <= tier_ids
    assert all(i["unitWeightUnit"] == "g" for i in items.values())  # D6: grams
    infused = [i for i in items.values() if i["category"] in ("Edibles", "Beverages", "Topicals", "Tinctures")]
    assert infused and all(i["unitWeight"] < 1 for i in infused)
    assert any(p["flowerEquivalent"] != p["recFlowerEquivalent"] for p in products if p["flowerEquivalent"])  # D10
    assert any(len(p["imageUrls"]) > 1 and p["imageUrl"] == p["imageUrls"][0] for p in products)  # C7
    assert any(p["imageUrls"] == [] and p["imageUrl"] is None for p in products)
    assert all(isinstance(items[p["productId"]]["medUnitPrice"], float) for p in products)


def test_r8_duplicate_skus_and_malformed_records(sandbox, http):
    sb = sandbox("dutchie", products=800)
    products = _ok(http, sb, "reporting/products")
    items = {i["productId"]: i for i in _ok(http, sb, "reporting/inventory")}
    skus = [p["sku"] for p in products]
    assert len(set(skus)) < len(skus)
    specs = {s.product_id: s for s in generate.product_specs(1, 800) if s.malformed}
    by_id = {p["productId"]: p for p in products}
    kinds = {spec.malformed for spec in specs.values()}
    assert kinds == set(generate.MALFORMED_KINDS)
    for product_id, spec in specs.items():
        product, item = by_id[product_id], items[product_id]
        if spec.malformed == "missing_name":
            assert product["productName"] is None and item["productName"] is None
        elif spec.malformed == "negative_price":
            assert product["price"] < 0 and item["unitPrice"] < 0
        elif spec.malformed == "text_quantity":
            assert isinstance(item["quantityAvailable"], str)
        else:
            assert product["category"] is None and product["masterCategory"] is None


# --- rooms (D1, D14) ----------------------------------------------------------------------------
def test_d1_rooms_include_non_sellable_and_filter(sandbox, http):
    sb = sandbox("dutchie", products=5)
    rooms = _ok(http, sb, "room/rooms")
    assert all(set(r) == ROOM for r in rooms)
    assert all(isinstance(r["roomId"], int) for r in rooms)
    names = {r["roomName"]: r for r in rooms}
    assert names["Sales Floor"]["isSalesFloor"]
    assert names["Quarantine"]["isQuarantineRoom"] and names["Vault"]["isVaultRoom"]
    assert _ok(http, sb, "room/rooms", roomId=1004) == [names["Quarantine"]]
    assert _ok(http, sb, "room/rooms", roomName="back stock") == [names["Back Stock"]]
    assert _ok(http, sb, "room/rooms", roomId=42) == []


def test_d14_assign_rooms_to_menus_hides_inventory(sandbox, http):
    sb = sandbox("dutchie", products=80)
    location = sb["location"]
    full = {i["productId"]: i for i in _ok(http, sb, "inventory", includeRoomQuantities="true")}
    assert full
    _save(location, assign_rooms_to_menus=True, visible_room_ids=[])
    # Good credentials, every endpoint answers, but the menu feed is empty: the D14 situation.
    assert _get(http, sb, "whoami").status_code == 200
    assert _ok(http, sb, "inventory") == []
    assert len(_ok(http, sb, "products")) > 0
    assert len(_ok(http, sb, "room/rooms")) == 5
    _save(location, visible_room_ids=[1001])
    floor = _ok(http, sb, "inventory", includeRoomQuantities="true")
    assert floor and len(floor) < len(full)
    for item in floor:
        assert [r["roomId"] for r in item["roomQuantities"]] == [1001]
        assert item["quantityAvailable"] == item["roomQuantities"][0]["quantityAvailable"]
        assert item["quantityAvailable"] <= float(full[item["productId"]]["quantityAvailable"])
    # A split item shows only its sales-floor part.
    assert any(item["quantityAvailable"] < float(full[item["productId"]]["quantityAvailable"]) for item in floor)


# --- switches -----------------------------------------------------------------------------------
def test_x1_price_quantity_add_delete_switches(sandbox, http):
    sb = sandbox("dutchie", products=40)
    location = sb["location"]
    before = {p["productId"]: p for p in _ok(http, sb, "reporting/products")}
    assert services.change_prices(location, fraction=0.25, factor=2.0, seed=5) == 10
    after = {p["productId"]: p for p in _ok(http, sb, "reporting/products")}
    doubled = [pid for pid in before if after[pid]["recPrice"] != before[pid]["recPrice"]]
    assert len(doubled) == 10
    for pid in doubled:
        assert after[pid]["recPrice"] == round(before[pid]["recPrice"] * 2, 2)
        assert after[pid]["lastModifiedDateUTC"] > before[pid]["lastModifiedDateUTC"]

    services.change_quantities(location, fraction=1.0, quantity=0)
    assert _ok(http, sb, "inventory") == []
    services.change_quantities(location, fraction=1.0, quantity=50)
    items = _ok(http, sb, "inventory")
    assert items and all(i["quantityAvailable"] == 50 for i in items)

    assert services.add_products(location, 5) == 5
    assert len(_ok(http, sb, "reporting/products")) == 45
    deleted = services.delete_products(location, 3, seed=1)
    remaining = {p["productId"] for p in _ok(http, sb, "reporting/products")}
    assert len(remaining) == 42 and not remaining & {int(pid) for pid in deleted}
    assert not {int(pid) for pid in deleted} & {i["productId"] for i in _ok(http, sb, "inventory")}


def test_x1_same_seed_same_catalogue(sandbox, http):
    first, second, other = sandbox("dutchie", seed=7), sandbox("dutchie", seed=7), sandbox("dutchie", seed=8)
    for path in ("reporting/products", "reporting/inventory?includeLabResults=true&includeRoomQuantities=true",
                 "customer/customers"):
        assert _ok(http, first, path) == _ok(http, second, path)
        assert _ok(http, first, path) != _ok(http, other, path)
    assert first["credentials"] != second["credentials"]
