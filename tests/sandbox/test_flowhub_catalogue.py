"""Sandbox Flowhub (Maui) over real HTTP: v0 locations and inventory against the reference's shapes (POS-APIS.md
section 2), rooms (F7), Flowhub's spellings and malformed records (F5, F6, F8), change switches, determinism."""
import re

from integrations.sandbox import services
from tests.sandbox.flowhub_support import UUID_RE, data, get

# Every key of the reference's InventoryItem example (F1 tests/fixtures/inventory.fixtures.ts).
INVENTORY_KEYS = {
    "productId", "variantId", "variantName", "parentProductId", "parentProductName", "productName",
    "productDescription", "productPictureURL", "sku", "brand", "category", "customCategoryName", "type",
    "speciesName", "strainName", "quantity", "locationId", "locationName", "clientId", "purchaseCategory",
    "priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies", "costInMinorUnits", "currencyCode",
    "priceProfileName", "weightTierInformation", "isSoldByWeight", "isMixAndMatch", "isStackable", "productWeight",
    "productUnitOfMeasure", "productUnitOfMeasureToGramsMultiplier", "inventoryUnitOfMeasure",
    "inventoryUnitOfMeasureToGramsMultiplier", "cannabinoidInformation", "terpenes", "effects", "tags", "nutrients",
    "regulatoryId", "manifestId", "invoiceNumber", "supplierName", "expirationDate", "createdAt", "productUpdatedAt",
}
LOCATION_KEYS = {"address", "clientId", "clientName", "email", "hoursOfOperation", "importId", "licenseType",
                 "locationId", "locationLogoURL", "locationName", "phoneNumber", "timeZone", "website"}
ADDRESS_KEYS = {"city", "country", "county", "state", "streetAddress1", "streetAddress2", "zip"}
LAB_KEYS = {"name", "lowerRange", "upperRange", "unitOfMeasure", "unitOfMeasureToGramsMultiplier"}
F5_SPELLINGS = {"α-Bisabolol", "α-Humulene", "α-Terpinene", "α-Pinene", "β-Pinene", "β-Caryophyllene", "β-Myrcene",
                "β-Ocimene", "Linalool", "Terpinolene", "Limonene", "Guaiol", "Caryophyllene oxide", "delta 3 Carene",
                "Trans-Nerolidol"}


# --- v0 -------------------------------------------------------------------------------------------

def test_x1_clients_locations_shape(sandbox, http):
    box = sandbox("flowhub", products=5)
    locations = data(get(http, box, "v0/clientsLocations"))
    assert len(locations) == 1
    location = locations[0]
    assert set(location) == LOCATION_KEYS and set(location["address"]) == ADDRESS_KEYS
    assert location["locationId"] == box["credentials"]["location_id"]
    assert location["clientId"] == box["credentials"]["client_id"]
    assert isinstance(location["licenseType"], list) and location["importId"]


def test_x1_inventory_items_carry_every_reference_key(sandbox, http):
    box = sandbox("flowhub", products=60)
    items = data(get(http, box, "v0/inventory"))
    assert items and all(set(item) == INVENTORY_KEYS for item in items)
    location_id = box["credentials"]["location_id"]
    assert data(get(http, box, f"v0/locations/{location_id}/inventory")) == items
    for item in items:
        assert UUID_RE.match(item["productId"]) and item["locationId"] == location_id
        assert item["purchaseCategory"] in ("rec", "med", "both")
        for name in ("priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies", "costInMinorUnits"):
            assert isinstance(item[name], int)
        assert item["productPictureURL"] is None or item["productPictureURL"].startswith("https://")
        for lab in item["cannabinoidInformation"] + item["terpenes"]:
            assert set(lab) == LAB_KEYS
    non_zero = data(get(http, box, "v0/inventoryNonZero"))
    assert non_zero == data(get(http, box, f"v0/locations/{location_id}/inventoryNonZero"))
    assert 0 < len(non_zero) < len(items)
    assert all(item["quantity"] != 0 for item in non_zero)


def test_f7_inventory_by_rooms_has_32_character_room_ids(sandbox, http):
    box = sandbox("flowhub", products=120)
    location_id = box["credentials"]["location_id"]
    rows = data(get(http, box, "v0/inventoryByRoomsNonZero"))
    assert rows == data(get(http, box, f"v0/locations/{location_id}/inventoryByRoomsNonZero"))
    assert all(set(row) == INVENTORY_KEYS | {"roomId", "roomName", "upc"} for row in rows)
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", row["roomId"]) for row in rows)
    assert all(row["roomId"] != row["roomName"] for row in rows)
    assert len({row["roomName"] for row in rows}) >= 2
    # One row per room with stock: a product in two rooms adds up to its inventory quantity.
    inventory = {item["productId"]: item for item in data(get(http, box, "v0/inventoryNonZero"))}
    per_product = {}
    for row in rows:
        if isinstance(row["quantity"], int):
            per_product.setdefault(row["productId"], []).append(row["quantity"])
    split = [pid for pid, quantities in per_product.items() if len(quantities) > 1]
    assert split
    for pid in split:
        assert sum(per_product[pid]) == inventory[pid]["quantity"]


def test_x1_not_for_sale_room_only_in_analytics(sandbox, http):
    box = sandbox("flowhub", products=120)
    location_id = box["credentials"]["location_id"]
    hidden = data(get(http, box, "v0/inventoryAnalytics", params={"includesNotForSaleQuantity": "true"}))
    assert all(set(item) == INVENTORY_KEYS | {"forSale", "supplierLicense"} for item in hidden)
    not_for_sale = {item["productId"] for item in hidden if item["forSale"] is False}
    assert not_for_sale
    plain = {item["productId"] for item in data(get(http, box, "v0/inventory"))}
    assert not plain & not_for_sale
    default = data(get(http, box, f"v0/locations/{location_id}/InventoryAnalytics"))
    assert all(item["forSale"] for item in default)
    by_rooms = data(get(http, box, "v0/inventoryAnalyticsByRooms", params={"includesNotForSaleQuantity": "true"}))
    assert all(set(row) == INVENTORY_KEYS | {"roomId", "roomName", "upc", "forSale", "supplierLicense"}
               for row in by_rooms)
    assert any(row["roomName"].startswith("Quarantine") and not row["forSale"] for row in by_rooms)
    assert data(get(http, box, f"v0/locations/{location_id}/InventoryAnalyticsByRooms"))


def test_x1_location_of_another_client_is_not_found(sandbox, http):
    mine, theirs = sandbox("flowhub", products=5, seed=1), sandbox("flowhub", products=5, seed=2)
    other = theirs["credentials"]["location_id"]
    for suffix in ("inventory", "inventoryNonZero", "inventoryByRoomsNonZero"):
        response = get(http, mine, f"v0/locations/{other}/{suffix}")
        assert response.status_code == 404 and other in response.json()["message"]
        assert get(http, mine, f"v0/locations/not-a-location/{suffix}").status_code == 404


def test_f5_f6_f8_catalogue_variety_in_flowhub_spellings(sandbox, http):
    box = sandbox("flowhub", products=800)  # the four malformed kinds sit at 13, 263, 513, 763
    items = data(get(http, box, "v0/inventory"))
    items += data(get(http, box, "v0/inventoryAnalytics", params={"includesNotForSaleQuantity": "true"}))
    terpenes = {t["name"] for item in items for t in item["terpenes"]}
    assert len(terpenes & F5_SPELLINGS) >= 12
    species = {item["speciesName"] for item in items}
    assert {"50/50", "CBD"} <= species and species & {"Indica-Dom", "Indica-dom", "Indica Hybrid", "hybrid indica"}
    assert any(item["type"] is None and item["speciesName"] for item in items)
    assert any(item["customCategoryName"] for item in items)  # F8
    units = {item["productUnitOfMeasure"] for item in items}
    assert {"grams", "each", "milligrams", "fluidounces"} <= units
    # Edible labs in mg carry the multiplier as the STRING "1000".
    edible_labs = [lab for item in items if item["category"] == "Edibles" for lab in item["cannabinoidInformation"]]
    assert edible_labs and all(lab["unitOfMeasure"] == "mg" and lab["unitOfMeasureToGramsMultiplier"] == "1000"
                               for lab in edible_labs)
    assert {"%", "mg/g"} <= {lab["unitOfMeasure"] for item in items for lab in item["cannabinoidInformation"]}
    tiered = [item for item in items if item["weightTierInformation"]]
    assert tiered and all(item["isSoldByWeight"] for item in tiered)
    assert all(set(tier) == {"name", "gramAmount", "pricePerGramInMinorUnits", "priceInMinorUnits"}
               for item in tiered for tier in item["weightTierInformation"])
    skus = [item["sku"] for item in items[:len(items) // 2]]
    assert len(skus) != len(set(skus))  # duplicate SKUs (R8)
    # Malformed records, broken the way real feeds break.
    assert any(item["productName"] is None for item in items)
    assert any(isinstance(item["priceInMinorUnits"], int) and item["priceInMinorUnits"] < 0 for item in items)
    assert any(isinstance(item["quantity"], str) for item in items)
    assert any(item["category"] is None for item in items)


# --- change switches, determinism ----------------------------------------------------------------------

def test_x1_change_switches_show_through_the_api(sandbox, http):
    box = sandbox("flowhub", products=30)
    location = box["location"]
    before = {item["productId"]: item for item in data(get(http, box, "v0/inventory"))}
    assert services.change_prices(location, fraction=0.2, factor=2.0, seed=3) > 0
    assert services.change_quantities(location, fraction=0.2, quantity=77, seed=4) > 0
    after = {item["productId"]: item for item in data(get(http, box, "v0/inventory"))}
    repriced = [pid for pid in before if pid in after and after[pid]["priceInMinorUnits"] != before[pid][
        "priceInMinorUnits"]]
    assert repriced
    for pid in repriced:
        assert after[pid]["priceInMinorUnits"] == round(before[pid]["priceInMinorUnits"] * 2)
        assert after[pid]["productUpdatedAt"] > before[pid]["productUpdatedAt"]
    assert any(item["quantity"] == 77 for item in after.values())
    services.add_products(location, 5)
    removed = services.delete_products(location, 3, seed=1)
    everything = data(get(http, box, "v0/inventoryAnalytics", params={"includesNotForSaleQuantity": "true"}))
    ids = {item["productId"] for item in everything}
    assert len(everything) == 30 + 5 - 3 and not ids & set(removed)


def test_x1_catalogue_is_deterministic_by_seed(sandbox, http):
    def catalogue(box):
        items = data(get(http, box, "v0/inventoryAnalyticsByRooms", params={"includesNotForSaleQuantity": "true"}))
        return [{k: v for k, v in item.items() if k not in ("locationId", "clientId", "locationName")}
                for item in items]

    first, second, other = sandbox("flowhub", seed=5), sandbox("flowhub", seed=5), sandbox("flowhub", seed=6)
    assert catalogue(first) == catalogue(second)
    assert catalogue(first) != catalogue(other)
    customers = [get(http, box, "v1/customers/").json()["customers"] for box in (first, second)]
    assert customers[0] == customers[1]
