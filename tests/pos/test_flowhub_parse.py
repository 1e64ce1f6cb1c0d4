"""Flowhub's parse functions over its documented shapes (tests/pos/fixtures/flowhub): no sandbox, no HTTP, no DB."""
from datetime import UTC, date, datetime

import pytest

from integrations.pos.flowhub import SPEC
from integrations.pos.flowhub.parse import (
    customer_body,
    customer_from_record,
    e164,
    order_body,
    product_from_item,
    rooms_from_analytics,
    transaction_from_sale,
)
from integrations.pos.records import LabValue, OrderCustomer, OrderLine, PosOrder


@pytest.fixture
def items(documented):
    return documented("flowhub", "inventory")


def test_documented_inventory_item_maps_field_by_field(items):
    product = product_from_item(items[0])
    assert (product.pos_product_id, product.sku, product.name) == ("uuid", "h5aPEEmD8L", "Afghani Shake - One Gram")
    assert (product.brand, product.category, product.strain, product.strain_type) == ("", "Flower", "Afghani", "")
    assert product.quantity == 45.0 and product.room_quantities == {}  # no room: the location's whole stock
    # Money in pennies: 100 -> 1.00; a "rec" item has no medical price.
    assert (product.price, product.price_recreational, product.price_medical) == (1.0, 1.0, None)
    assert (product.price_otd, product.unit_cost) == (1.0, 0.5)
    assert (product.weight, product.weight_unit, product.quantity_units) == (1.0, "g", "Quantity")
    assert product.images == []  # productPictureURL null
    assert (product.purchase_category, product.medical_only) == ("rec", False)
    assert product.modified_at == datetime(2023, 12, 22, 21, 17, 26, 138999, tzinfo=UTC)
    assert product.tiers == []  # weightTierInformation null


def test_f5_labs_and_terpenes_keep_their_units(items):
    product = product_from_item(items[0])
    assert product.thc == LabValue("thc", 1.0, "%") and product.cbd is None
    # A range: the upper bound is shown (12-24 mg/g -> 24); spellings mapped later by catalog (F5).
    assert product.terpenes == [LabValue("Limonene", 24.0, "mg/g")]
    edible = product_from_item(items[1])
    assert edible.thc == LabValue("thc", 100.0, "mg")
    assert edible.cbd == LabValue("cbd", 2.0, "mg")  # no upper bound: the lower one


def test_f8_f6_custom_category_type_and_species_as_given(items):
    edible = product_from_item(items[1])
    assert (edible.custom_category, edible.product_type, edible.category) == ("Gummies", "Edible", "Edibles")
    assert edible.strain_type == "Sativa-dom"
    assert edible.brand == "Kiva"


def test_f1_both_purchase_category_prices_both_menus_and_room_stock(items):
    edible = product_from_item(items[1])
    assert (edible.purchase_category, edible.medical_only) == ("both", False)
    assert (edible.price, edible.price_recreational, edible.price_medical, edible.price_otd) == (22.0, 22.0, 22.0,
                                                                                                24.86)
    assert edible.room_quantities == {"a1b2c3d4e5f60718293a4b5c6d7e8f90": 12.0}
    assert edible.room_name == "Sales Floor"
    assert (edible.weight, edible.weight_unit) == (100.0, "mg")  # "milligrams"
    assert edible.images == ["https://images.example/camino.png"]


def test_f7_rooms_from_inventory_analytics(documented):
    rooms = rooms_from_analytics(documented("flowhub", "analytics_by_rooms"))
    assert [(room.id, room.name, room.sellable) for room in rooms] == [
        ("0f9e8d7c6b5a49382716059483726150", "Back Stock", False),
        ("a1b2c3d4e5f60718293a4b5c6d7e8f90", "Sales Floor", True)]  # sellable: any of its stock is for sale
    assert all(len(room.id) == 32 and room.id.isalnum() for room in rooms)


def test_customer_from_documented_record_and_back(documented):
    record = documented("flowhub", "customers")[0]
    customer = customer_from_record(record)
    assert (customer.pos_customer_id, customer.first_name, customer.last_name) == ("cus_01HZX3", "Jordan", "Lee Parker")
    assert (customer.customer_type, customer.state, customer.birth_date) == ("medCustomer", "CO", date(1988, 11, 2))
    assert customer.discount_groups == ["Veterans"] and customer.is_loyalty_member
    assert customer.address["street"] == "400 Colfax Ave" and customer.address["street2"] == ""
    assert customer.modified_at == datetime(2024, 3, 9, 9, 15, 30, tzinfo=UTC)
    assert customer_body(customer, creating=False) == {
        "name": "Jordan Lee Parker", "birthDate": "1988-11-02", "state": "CO", "type": "medCustomer",
        "email": "jordan@example.com", "phone": "+13035550199", "streetAddress1": "400 Colfax Ave", "city": "Denver",
        "zip": "80203", "isLoyal": True}


def test_sale_amounts_are_cents(documented):
    sale = transaction_from_sale(documented("flowhub", "sales")[0])
    assert (sale.pos_transaction_id, sale.pos_customer_id) == ("sale_9001", "cus_01HZX3")
    assert sale.occurred_at == datetime(2024, 3, 9, 19, 45, tzinfo=UTC)
    assert (sale.total, sale.voided) == (45.2, False)
    line = sale.lines[0]
    assert (line.sku, line.quantity, line.unit_price, line.discount) == ("CAM-WC-10", 2, 22.0, 4.0)
    # Points spent are the loyaltyPoints payments; earned is the sale's currentPoints.
    assert (sale.loyalty_spent, sale.loyalty_earned) == (100, 25)


def test_f2_f4_order_ahead_body():
    order = PosOrder(order_number="C-1", customer=OrderCustomer(first_name="Jordan", last_name="Parker",
                                                                 phone="(303) 555-0199", medical_id=" MED-1 ",
                                                                 medical_id_expires=date(2026, 1, 31),
                                                                 pos_customer_id="cus_01HZX3"),
                     lines=[OrderLine("7b0c9a1e2f3d4c5b6a7988776655aa01", 2.0), OrderLine("123", 1.5)],
                     order_type="delivery", is_medical=True, delivery_address={"street": "1 Main St", "zip": "80202"},
                     window_start=datetime(2024, 3, 9, 18, 0, 30, 500000, tzinfo=UTC), notes="Ring twice",
                     fees=[("Delivery", 5.0)])
    body = order_body(order)
    assert body["customer"] == {"firstName": "Jordan", "lastName": "Parker", "medRecOrBoth": "med",
                                "phone": "+13035550199", "medId": "MED-1", "medExp": "2026-01-31"}
    assert body["orderItems"] == [
        {"productId": "7b0c9a1e2f3d4c5b6a7988776655aa01", "quantityPurchased": 2, "discountNote": ""},
        {"productId": 123, "quantityPurchased": 1.5, "discountNote": ""}]
    assert (body["orderType"], body["customerId"], body["customerNote"]) == ("delivery", "cus_01HZX3", "Ring twice")
    assert body["fees"] == [{"name": "Delivery", "amount": 500}]  # F2: pennies
    assert body["requestedFulfillmentTimeStart"] == "2024-03-09T18:00:30Z"  # to the second
    assert body["address"]["street1"] == "1 Main St" and body["address"]["city"] == ""
    assert [e164(phone) for phone in ("303-555-0199", "1 303 555 0199", "+44 20 7946 0958", "555-0199")] == [
        "+13035550199", "+13035550199", "+442079460958", "555-0199"]


def test_c5_order_ahead_status_words_map_to_ours():
    words = ("new", "inQueue", "started", "ready", "inTransit", "delivered", "sold", "unableToComplete", "deleted")
    assert [SPEC.order_status(word) for word in words] == [
        "submitted", "submitted", "accepted", "ready", "out_for_delivery", "completed", "completed", "cancelled",
        "cancelled"]
    assert SPEC.order_status("notFound") == ""
