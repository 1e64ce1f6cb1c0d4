"""FlowhubClient over real HTTP against the sandbox Flowhub: rooms (F7), inventory mapping (F1, F5, F6, F8),
the room and purchase-category filters, products as a full snapshot."""
import re
from datetime import datetime

import pytest
from django.utils import timezone

from integrations.sandbox import services
from tests.pos.flowhub_support import client_for, raw

ROOM_ID_RE = re.compile(r"^[A-Za-z0-9]{32}$")


# --- rooms and inventory (F1, F5-F8) --------------------------------------------------------------------

def test_f7_rooms_are_32_character_ids_with_names(flowhub):
    box = flowhub(products=120)
    rooms = client_for(box).list_rooms()
    assert {room.name for room in rooms} == {"Sales Floor", "Back Stock", "Display Case",
                                             "Quarantine - Not For Sale"}
    assert all(ROOM_ID_RE.match(room.id) and room.id != room.name for room in rooms)
    assert {room.name: room.sellable for room in rooms}["Quarantine - Not For Sale"] is False
    assert all(room.sellable for room in rooms if not room.name.startswith("Quarantine"))


def test_inventory_maps_every_field_from_the_feed(flowhub):
    box = flowhub(products=300)
    location_id = box["credentials"]["location_id"]
    feed = {item["productId"]: item for item in raw(box, f"v0/locations/{location_id}/inventoryNonZero")}
    products = list(client_for(box).iter_inventory())
    assert [p.pos_product_id for p in products] == list(feed)
    for product in products:
        item = feed[product.pos_product_id]
        assert product.raw == item
        assert product.name == (item["productName"] or "") and product.sku == item["sku"]
        assert product.category == (item["category"] or "") and product.brand == item["brand"].strip()
        assert product.custom_category == (item["customCategoryName"] or "")  # F8
        assert product.product_type == (item["type"] or "") and product.strain_type == (item["speciesName"] or "")
        assert product.price == round(item["priceInMinorUnits"] / 100, 2)
        assert product.price_otd == round(item["postTaxPriceInPennies"] / 100, 2)
        assert product.unit_cost == round(item["costInMinorUnits"] / 100, 2)
        assert product.purchase_category == item["purchaseCategory"]
        assert (product.price_medical is not None) == (item["purchaseCategory"] in ("med", "both"))
        assert (product.price_recreational is not None) == (item["purchaseCategory"] in ("rec", "both"))
        assert product.images == ([item["productPictureURL"]] if item["productPictureURL"] else [])
        assert product.weight == item["productWeight"]
        assert product.modified_at == datetime.fromisoformat(item["productUpdatedAt"].replace("Z", "+00:00"))
        if isinstance(item["quantity"], int):
            assert product.quantity == item["quantity"]
        else:
            assert product.quantity is None  # text quantity: left for catalog to flag, never a crash
        labs = {lab["name"]: lab for lab in item["cannabinoidInformation"]}
        if "thc" in labs:
            assert (product.thc.value, product.thc.unit) == (labs["thc"]["upperRange"], labs["thc"]["unitOfMeasure"])
        else:
            assert product.thc is None
        # F5: terpene names exactly as Flowhub spells them, with their units.
        assert [(t.name, t.value, t.unit) for t in product.terpenes] == [
            (t["name"], t["upperRange"], t["unitOfMeasure"]) for t in item["terpenes"]]
        tiers = item["weightTierInformation"] or []
        assert [(t.start, t.price) for t in product.tiers] == [
            (t["gramAmount"], round(t["pricePerGramInMinorUnits"] / 100, 2)) for t in tiers]
        assert product.quantity_units == ("Gram" if item["isSoldByWeight"] else "Quantity")
    units = {(p.raw["productUnitOfMeasure"], p.weight_unit) for p in products}
    assert {("grams", "g"), ("milligrams", "mg")} <= units
    assert any(p.tiers and p.tiers[-1].end is None and p.tiers[0].end == p.tiers[1].start for p in products)
    assert any(p.custom_category for p in products) and any(p.images for p in products)
    assert {"%", "mg"} <= {p.thc.unit for p in products if p.thc}
    assert any(t.name.startswith(("α-", "β-")) for p in products for t in p.terpenes)


def test_f1_room_filter_keeps_only_that_rooms_rows(flowhub):
    box = flowhub(products=120)
    location_id = box["credentials"]["location_id"]
    rooms = {room.name: room.id for room in client_for(box).list_rooms()}
    back_stock = rooms["Back Stock"]
    rows = [row for row in raw(box, f"v0/locations/{location_id}/inventoryByRoomsNonZero")
            if row["roomId"] == back_stock]
    products = list(client_for(box, room_id=back_stock).iter_inventory())
    assert rows and [p.pos_product_id for p in products] == [row["productId"] for row in rows]
    for product, row in zip(products, rows, strict=True):
        assert product.room_name == "Back Stock"
        if isinstance(row["quantity"], int):
            assert product.quantity == row["quantity"] and product.room_quantities == {back_stock: row["quantity"]}


@pytest.mark.parametrize("category,allowed", [("rec", {"rec", "both"}), ("med", {"med", "both"}),
                                              ("both", {"rec", "med", "both"}), ("", {"rec", "med", "both"})])
def test_f1_purchase_category_filter(flowhub, category, allowed):
    box = flowhub(products=120)
    location_id = box["credentials"]["location_id"]
    feed = raw(box, f"v0/locations/{location_id}/inventoryNonZero")
    products = list(client_for(box, purchase_category=category).iter_inventory())
    assert [p.pos_product_id for p in products] == [i["productId"] for i in feed if i["purchaseCategory"] in allowed]
    assert products and {p.purchase_category for p in products} <= allowed


def test_f1_room_and_purchase_category_together(flowhub):
    box = flowhub(products=150)
    location_id = box["credentials"]["location_id"]
    sales_floor = {room.name: room.id for room in client_for(box).list_rooms()}["Sales Floor"]
    expected = [row["productId"] for row in raw(box, f"v0/locations/{location_id}/inventoryByRoomsNonZero")
                if row["roomId"] == sales_floor and row["purchaseCategory"] in ("med", "both")]
    products = list(client_for(box, room_id=sales_floor, purchase_category="med").iter_inventory())
    assert expected and [p.pos_product_id for p in products] == expected
    assert all(p.room_name == "Sales Floor" and p.purchase_category in ("med", "both") for p in products)


def test_d13_iter_products_is_a_full_snapshot_whatever_since(flowhub):
    """Flowhub's inventory has no modified-since filter: `since` still gives every product, so those
    that left the feed can be zeroed."""
    box = flowhub(products=60)
    client = client_for(box)
    everything = [p.pos_product_id for p in client.iter_inventory()]
    assert [p.pos_product_id for p in client.iter_products(since=timezone.now())] == everything
    removed = services.delete_products(box["location"], 3, seed=1)
    after = [p.pos_product_id for p in client.iter_products()]
    assert not set(after) & set(removed) and len(after) < len(everything)
