"""DutchieClient over real HTTP against the sandbox Dutchie POS: rooms and the room filter (D1), inventory
and product mapping (C7, D3, D5, D10, D12, D13), malformed rows passed on, products since a date."""
from datetime import datetime, timedelta

from django.utils import timezone

from integrations.pos.dutchie import is_terpene, product_from_inventory
from integrations.sandbox import services
from integrations.sandbox.models import RecordKind, SandboxRecord
from tests.pos.dutchie_support import client_for, raw, requests_to

# --- rooms, products and inventory (D1, C7, D3, D5, D10, D12, D13) -------------------------------------

def test_d1_rooms_with_sellable_flags(dutchie):
    box = dutchie(products=5)
    rooms = client_for(box).list_rooms()
    assert [(r.id, r.name, r.sellable) for r in rooms] == [
        ("1001", "Sales Floor", True), ("1002", "Back Stock", True), ("1003", "Ecommerce", True),
        ("1004", "Quarantine", False), ("1005", "Vault", False)]
    assert rooms[3].raw["isQuarantineRoom"] is True


def test_inventory_maps_every_field_from_the_feed(dutchie):
    box = dutchie(products=120)
    served = {str(i["productId"]): i for i in raw(box, "inventory", includeLabResults="true",
                                                   includeRoomQuantities="true")}
    details = {str(p["productId"]): p for p in raw(box, "products")}
    products = {p.pos_product_id: p for p in client_for(box).iter_inventory()}
    assert set(products) == set(served)
    for product_id, product in products.items():
        item, detail = served[product_id], details[product_id]
        assert product.name == (item["productName"] or "")
        assert product.sku == item["sku"] and product.brand == item["brandName"].strip()
        assert product.category == (item["category"] or "")
        assert product.raw["masterCategory"] == item["masterCategory"]
        assert product.strain == (item["strain"] or "") and product.strain_type == (item["strainType"] or "")
        assert product.price == item["unitPrice"]
        assert product.price_recreational == item["recUnitPrice"] and product.price_medical == item["medUnitPrice"]
        assert product.weight == item["unitWeight"] and product.weight_unit == "g"
        assert product.quantity_units == item["quantityUnits"]
        assert product.flower_equivalent == item["flowerEquivalent"]
        assert product.rec_flower_equivalent == item["recFlowerEquivalent"]
        assert product.low_quantity_threshold == detail["lowInventoryThreshold"]
        assert product.modified_at == datetime.fromisoformat(item["lastModifiedDateUtc"].replace("Z", "+00:00"))
        assert product.room_quantities == {str(r["roomId"]): r["quantityAvailable"] for r in item["roomQuantities"]}
        # C7: imageUrl first, then the other imageUrls, each once.
        assert product.images == detail["imageUrls"]
        assert [(t.start, t.end, t.price, t.medical_price) for t in product.tiers] == [
            (t["startWeight"], t["endWeight"], t["price"], t["medicalPrice"]) for t in detail["pricingTierData"]]
        assert [(lab.name, lab.value, lab.unit) for lab in product.labs] == [
            (r["labTest"], r["value"], r["labResultUnit"]) for r in item["labResults"]]
        tests = {r["labTest"]: r for r in item["labResults"]}
        assert (product.thc.value if product.thc else None) == (tests["THC"]["value"] if "THC" in tests else None)
        assert (product.cbd.value if product.cbd else None) == (tests["CBD"]["value"] if "CBD" in tests else None)
        assert (product.thc9.value if product.thc9 else None) == (tests["THC9"]["value"] if "THC9" in tests
                                                                  else None)
        assert [t.name for t in product.terpenes] == [name for name in tests if name not in ("THC", "THC9", "CBD")]
        assert product.raw["inventoryId"] == item["inventoryId"]
    # The catalogue has each case at least once, so the loop above checked them.
    assert any(p.thc9 for p in products.values()) and any(p.terpenes for p in products.values())
    assert any(len(p.images) > 1 for p in products.values()) and any(p.tiers for p in products.values())
    assert {p.quantity_units for p in products.values() if p.tiers} == {"Gram", "Quantity"}
    assert any(p.flower_equivalent != p.rec_flower_equivalent for p in products.values())
    assert {lab.unit for p in products.values() for lab in p.labs} >= {"Percentage", "Milligrams"}


def test_d12_thc9_and_c9_terpene_rows_are_told_apart():
    assert not any(is_terpene(name) for name in ("THC", "THC9", "CBD", "CBN", "Total THC", "Moisture"))
    sandbox_names = ["Myrcene", "beta-Myrcene", "b-Myrcene", "alpha-Pinene", "a-Pinene", "d-Limonene",
                     "alpha-Humulene", "delta-3-Carene", "Delta 3 Carene", "trans-Nerolidol", "Caryophyllene Oxide",
                     "Farnesene", "Valencene", "Geraniol"]
    assert all(is_terpene(name) for name in sandbox_names)


def test_d13_inventory_leaves_out_what_dutchie_leaves_out(dutchie):
    box = dutchie(products=60)
    details = {str(p["productId"]): p for p in raw(box, "reporting/products")}
    products = list(client_for(box).iter_inventory())
    for product in products:
        threshold = details[product.pos_product_id]["lowInventoryThreshold"]
        assert product.quantity > (threshold or 0)
    assert len(products) < len(details)  # out-of-stock, quarantined, offline and low items are not in the feed


def test_d1_room_filter_counts_only_those_rooms(dutchie):
    box = dutchie(products=80)
    served = raw(box, "inventory", includeRoomQuantities="true")
    back_stock = {str(i["productId"]): sum(r["quantityAvailable"] for r in i["roomQuantities"] if r["roomId"] == 1002)
                  for i in served}
    products = list(client_for(box, room_ids=["1002"]).iter_inventory())
    assert products and {p.pos_product_id for p in products} == {pid for pid, qty in back_stock.items() if qty > 0}
    for product in products:
        assert product.quantity == back_stock[product.pos_product_id]
        assert product.room_name == "Back Stock"
    both = list(client_for(box, room_ids=["1001", "1002"]).iter_inventory())
    assert len(both) > len(products)


def test_malformed_rows_are_passed_on_not_dropped(dutchie):
    box = dutchie(products=12)
    records = list(SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.PRODUCT)
                   .order_by("position"))
    on_menu = {str(i["productId"]) for i in raw(box, "inventory")}
    broken = [r for r in records if r.external_id in on_menu][:4]
    changes = [{"productName": None}, {"unitPrice": -12.5, "recUnitPrice": "abc"},
               {"quantityAvailable": "12"}, {"category": None, "categoryId": None, "masterCategory": None}]
    for record, change in zip(broken, changes, strict=True):
        record.data["inventory"].update(change)
        record.save(update_fields=["data"])
    products = {p.pos_product_id: p for p in client_for(box).iter_inventory()}
    assert set(products) == on_menu  # nothing dropped, nothing crashed
    name, price, quantity, category = (products[r.external_id] for r in broken)
    assert name.name == "" and name.raw["productName"] is None
    assert price.price == -12.5 and price.price_recreational is None and price.raw["recUnitPrice"] == "abc"
    assert quantity.quantity == 12.0 and quantity.raw["quantityAvailable"] == "12"
    assert category.category == "" and category.raw["masterCategory"] is None


def test_unparseable_values_become_none():
    product = product_from_inventory({"productId": 1, "quantityAvailable": "twelve", "unitPrice": True,
                                      "labResults": [{"labTest": "THC", "value": "n/a", "labResultUnit": "%"}],
                                      "lastModifiedDateUtc": "yesterday", "roomQuantities": [None]})
    assert product.quantity is None and product.price is None and product.modified_at is None
    assert product.thc.value is None and product.room_quantities == {}


def test_products_since_asks_only_for_changes(dutchie):
    box = dutchie(products=40)
    client = client_for(box)
    everything = list(client.iter_products())
    assert len(everything) == len(raw(box, "products"))
    assert all(p.quantity is None for p in everything)  # /products carries no stock
    flower = next(p for p in everything if p.tiers and p.quantity_units == "Gram")
    assert flower.price_recreational == flower.raw["recPrice"] and flower.thc.unit == flower.raw["thcContentUnit"]
    before = timezone.now() - timedelta(seconds=1)
    services.change_prices(box["location"], fraction=0.1, seed=3)
    sent = requests_to(client, "/products")
    changed = list(client.iter_products(since=before))
    assert 0 < len(changed) <= 4
    assert "fromLastModifiedDateUTC=" in sent[0].url and sent[0].url.endswith("Z")
    assert all(p.modified_at >= before.replace(microsecond=0) for p in changed)
