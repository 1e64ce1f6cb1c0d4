"""Dutchie's parse functions over its documented JSON (tests/pos/fixtures/dutchie): no sandbox, no HTTP, no DB."""
from datetime import UTC, date, datetime

import pytest

from integrations.pos.dutchie import SPEC
from integrations.pos.dutchie.parse import (
    customer_from_record,
    customer_values,
    detail_extras,
    editable_values,
    is_terpene,
    iso,
    missing_customer_types,
    preorder_body,
    preorder_status,
    product_from_detail,
    product_from_inventory,
    product_names,
    room_from_record,
    transaction_from_sale,
)
from integrations.pos.records import LabValue, OrderCustomer, OrderLine, PosOrder, Tier


@pytest.fixture
def inventory(documented):
    return documented("dutchie", "inventory")


@pytest.fixture
def products(documented):
    return {str(p["productId"]): p for p in documented("dutchie", "products")}


# --- InventoryItem --------------------------------------------------------------------------------------

def test_documented_inventory_item_maps_field_by_field(inventory):
    product = product_from_inventory(inventory[0])
    assert (product.pos_product_id, product.sku, product.name) == ("55", "FL-BD-35", "Blue Dream 3.5g")
    assert (product.category, product.brand, product.strain, product.strain_type) == ("Flower", "Acme", "Blue Dream",
                                                                                       "Hybrid")
    assert (product.price, product.price_recreational, product.price_medical) == (35.0, 35.0, 30.0)
    assert (product.quantity, product.weight, product.weight_unit) == (12.0, 3.5, "g")
    assert product.images == ["https://..."]
    assert product.medical_only is False and product.is_active is True
    # "lastModifiedDateUtc" (this casing on inventory only) read as UTC.
    assert product.modified_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert product.raw["batchName"] == "BD-0424" and "productDetail" not in product.raw


def test_d3_lab_units_from_documented_inventory_item(inventory):
    documented, deli = (product_from_inventory(item) for item in inventory)
    # Units exactly as Dutchie wrote them ("Percentage" live, "%"/"mg/g"/"mg" per LabResultUnitData): D3's
    # display mapping is catalog's.
    assert documented.thc == LabValue("THC", 22.1, "Percentage")
    assert documented.labs == [LabValue("THC", 22.1, "Percentage"), LabValue("Myrcene", 0.8, "Percentage")]
    assert deli.thc == LabValue("THC", 19.5, "%")
    assert deli.cbd == LabValue("CBD", 0.4, "mg/g")
    assert LabValue("Myrcene", 3.2, "mg") in deli.labs
    # A test that was not detected has no value but keeps its row and unit.
    assert LabValue("Total Aerobic Count", None, "ND") in deli.labs
    assert documented.cbd is None and documented.thc9 is None


def test_c9_terpenes_are_the_lab_rows_named_after_terpenes(inventory):
    documented, deli = (product_from_inventory(item) for item in inventory)
    assert documented.terpenes == [LabValue("Myrcene", 0.8, "Percentage")]
    # LabResult.labTest's own examples: THC and CBD are cannabinoids, Total Aerobic Count a microbial test.
    assert [lab.name for lab in deli.terpenes] == ["Myrcene"]
    assert not any(is_terpene(name) for name in ("THC", "CBD", "Total Aerobic Count", "Delta-9 THC", "CBN"))
    assert all(is_terpene(name) for name in ("Myrcene", "beta-Myrcene", "d-Limonene", "Farnesene"))


def test_d1_room_quantities_from_documented_item(inventory):
    documented, deli = (product_from_inventory(item) for item in inventory)
    assert documented.room_quantities == {"1": 10.0}
    assert deli.room_quantities == {"1": 20.5, "2": 8.0}
    assert deli.quantity == 28.5  # quantityAvailable as sent; the card's rooms are applied by the client


def test_d10_both_flower_equivalents_are_kept(inventory):
    documented, deli = (product_from_inventory(item) for item in inventory)
    assert (documented.flower_equivalent, documented.rec_flower_equivalent) == (3.5, 3.5)
    assert (deli.flower_equivalent, deli.rec_flower_equivalent) == (1.0, None)


# --- ProductDetail ------------------------------------------------------------------------------------

def test_d5_gram_tiers_from_product_detail(inventory, products):
    deli = product_from_inventory(inventory[1], detail_extras(products["56"]))
    assert deli.quantity_units == "Gram"
    # pricingTierData in any order comes back by start weight; the last break is open-ended.
    assert deli.tiers == [Tier(0.0, 3.5, 10.0, 9.5), Tier(3.5, 7.0, 9.0, 8.5), Tier(7.0, 14.0, 8.5, 8.0),
                          Tier(14.0, None, 7.5, 7.0)]
    assert deli.low_quantity_threshold == 5.0
    assert deli.raw["productDetail"]["pricingTierData"][0]["startWeight"] == 7


def test_c7_images_in_order_each_once(inventory, products):
    with_detail = product_from_inventory(inventory[0], detail_extras(products["55"]))
    assert with_detail.images == ["https://...", "https://images.example/bd-1.jpg", "https://images.example/bd-2.jpg"]
    # ProductDetail's imageUrl is also imageUrls[0]: listed once.
    assert product_from_detail(products["55"]).images == ["https://images.example/bd-1.jpg",
                                                          "https://images.example/bd-2.jpg"]


def test_detail_extras_keep_only_what_the_item_lacks_and_the_detail_fills(products):
    assert detail_extras(products["55"]) == {
        "imageUrls": ["https://images.example/bd-1.jpg", "https://images.example/bd-2.jpg"], "lowInventoryThreshold": 3}
    assert set(detail_extras(products["56"])) == {"imageUrls", "pricingTierData", "lowInventoryThreshold"}


def test_product_detail_potency_and_units(products):
    flower, deli = product_from_detail(products["55"]), product_from_detail(products["56"])
    assert flower.description == "Blue Dream, a balanced hybrid."  # onlineDescription first
    assert (flower.quantity, flower.quantity_units, flower.unit_cost) == (None, "Quantity", 12.0)
    assert flower.thc == LabValue("THC", 22.1, "%") and flower.cbd is None
    assert deli.quantity_units == "Gram"  # unitType "Grams"
    assert deli.cbd == LabValue("CBD", 4.0, "mg/g")
    assert deli.modified_at == datetime(2025, 5, 2, 14, 30, tzinfo=UTC)


# --- rooms, customer types ------------------------------------------------------------------------------

def test_d1_rooms_quarantine_is_not_sellable(documented):
    sales_floor, quarantine = (room_from_record(row) for row in documented("dutchie", "rooms"))
    assert (sales_floor.id, sales_floor.name, sales_floor.sellable) == ("1", "Sales Floor", True)
    assert (quarantine.id, quarantine.name, quarantine.sellable) == ("3", "Quarantine", False)
    assert room_from_record({"roomName": "no id"}) is None


def test_d2_documented_customer_types_lack_medical_and_recreational(documented):
    shown, missing, optional = missing_customer_types(documented("dutchie", "customer_types"), "both")
    assert shown == ["Adult Use"]
    assert missing == ["Medical", "Recreational"]
    assert optional == ["Medical - Out of State", "Recreational - Out of State"]
    shown, missing, optional = missing_customer_types([{"name": "recreational"}], "recreational")
    assert (missing, optional) == ([], ["Recreational - Out of State"])


# --- customers --------------------------------------------------------------------------------------------

def test_l23_customer_fields_from_documented_customer(documented):
    customer = customer_from_record(documented("dutchie", "customers")[0])
    assert (customer.pos_customer_id, customer.first_name, customer.last_name) == ("7001", "Maya", "Lopez")
    assert customer.phone == "3035550142"  # cellPhone when phone is empty
    assert (customer.email, customer.gender, customer.medical_id) == ("maya@example.com", "F", "CO-123456")
    assert customer.birth_date == date(1990, 4, 20)
    assert customer.address == {"street": "12 Larimer St", "street2": "Apt 4", "city": "Denver", "state": "CO",
                                "zip": "80202"}
    assert (customer.customer_type, customer.discount_groups) == ("Medical", ["Veterans", "Staff"])
    assert customer.is_loyalty_member and not customer.archived
    assert customer.created_at == datetime(2023, 6, 1, 17, tzinfo=UTC)
    assert customer.modified_at == datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_l17_merged_profile_is_archived(documented):
    merged = customer_from_record(documented("dutchie", "customers")[1])
    assert merged.archived and merged.merged_into == "7001"
    assert customer_from_record({"customerId": 1, "status": "Cancelled"}).archived


def test_customer_values_write_back_what_was_read(documented):
    record = documented("dutchie", "customers")[0]
    values = customer_values(customer_from_record(record))
    assert values == {"firstName": "Maya", "lastName": "Lopez", "phone": "3035550142",
                      "emailAddress": "maya@example.com", "mmjidNumber": "CO-123456", "gender": "F",
                      "customerType": "Medical", "address1": "12 Larimer St", "address2": "Apt 4",
                      "city": "Denver", "state": "CO", "postalCode": "80202",
                      "dateOfBirth": "1990-04-20T00:00:00", "isLoyaltyMember": True}
    kept = editable_values(documented("dutchie", "customers")[1])
    assert kept["customerType"] == "Recreational" and "emailAddress" not in kept  # null fields are not sent


# --- orders and sales -------------------------------------------------------------------------------------

def test_d7_documented_preorder_status_filled_is_ready(documented):
    record = documented("dutchie", "preorder_status")[0]
    assert preorder_status(record, "90210") is record
    assert preorder_status([record], "90210") is record  # the open-orders array form
    assert preorder_status([record], "1") == {}
    assert SPEC.order_status(record["status"]) == "ready"
    assert [SPEC.order_status(word) for word in ("Submitted", "Processing", "Complete", "Cancelled")] == [
        "submitted", "accepted", "completed", "cancelled"]


def test_d9_d11_preorder_body():
    order = PosOrder(order_number="C-1", customer=OrderCustomer(), lines=[OrderLine("55", 2.0), OrderLine("56", 3.5)],
                     order_type="delivery", delivery_address={"street": "1 Main St", "city": "Denver", "state": "CO",
                                                              "zip": "80202"},
                     window_start=datetime(2025, 3, 1, 18, 0, 0, 250000, tzinfo=UTC), transaction_reference="pi_123",
                     kiosk=True, idempotency_key="key-1")
    body = preorder_body(order, 7001)
    assert body["items"] == [{"productId": 55, "quantity": 2}, {"productId": 56, "quantity": 3.5}]
    assert (body["customerId"], body["isDelivery"], body["orderType"]) == (7001, True, "Delivery")
    assert body["orderSource"] == "Kiosk"  # D11
    assert body["transactionReference"] == "Pre-Paid C-1 (pi_123)"  # D9
    assert (body["deliveryStreet"], body["deliveryStreet2"]) == ("1 Main St", None)
    assert body["timeWindowStartDateUtc"] == "2025-03-01T18:00:00.250Z" and "timeWindowEndDateUtc" not in body
    assert body["idempotencyKey"] == "key-1"
    assert iso(datetime(2024, 1, 15, 10, 30)) == "2024-01-15T10:30:00.000Z"  # naive = UTC


def test_l23_sales_lines_named_from_product_details(documented, products):
    sale = documented("dutchie", "transactions")[0]
    transaction = transaction_from_sale(sale, {"55": product_names(products["55"])})
    assert (transaction.pos_transaction_id, transaction.pos_customer_id) == ("5551", "7001")
    assert transaction.occurred_at == datetime(2025, 3, 1, 18, 42, 10, tzinfo=UTC)
    assert (transaction.total, transaction.loyalty_earned, transaction.loyalty_spent) == (81.0, 8.1, 2.0)
    first, second = transaction.lines
    assert (first.sku, first.name, first.category, first.brand) == ("FL-BD-35", "Blue Dream 3.5g", "Flower", "Acme")
    assert (first.quantity, first.unit_price, first.discount) == (2.0, 35.0, 5.0)
    # A product the names do not cover keeps its id; the rest stays empty rather than guessed.
    assert (second.pos_product_id, second.sku, second.name) == ("56", "", "")
    assert not transaction.voided
