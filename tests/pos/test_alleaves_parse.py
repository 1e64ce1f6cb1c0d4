"""Alleaves' parse functions over real /inventory/search rows and its documented shapes
(tests/pos/fixtures/alleaves): no sandbox, no HTTP, no DB."""
from datetime import UTC, date, datetime

import pytest

from integrations.pos.alleaves import SPEC
from integrations.pos.alleaves.parse import (
    ItemStock,
    customer_body,
    customer_from_row,
    is_sale,
    location_details,
    order_item,
    parse_lab_value,
    product_from_row,
    room_from_area,
    transaction_from_order,
)
from integrations.pos.records import LabValue, OrderLine


@pytest.fixture
def rows(documented):
    return documented("alleaves", "inventory_search")


def products_of(rows: list[dict]) -> dict[str, object]:
    """What AlleavesClient.iter_inventory makes of a feed, without HTTP: each item's batches added up, then
    its main batch mapped."""
    stock: dict[str, ItemStock] = {}
    for row in rows:
        stock.setdefault(str(row["id_item"]), ItemStock()).add(row)
    return {item: product_from_row(next(r for r in rows if str(r["id_item"]) == item
                                        and str(r["id_batch"]) == held.primary_batch), held)
            for item, held in stock.items()}


def row_of(rows: list[dict], id_batch: int) -> dict:
    return next(row for row in rows if row["id_batch"] == id_batch)


def test_documented_row_maps_field_by_field(rows):
    product = product_from_row(row_of(rows, 1028))  # the row POS-APIS.md §3 shows
    assert (product.pos_product_id, product.name) == ("1037", "Kings Road - Pre Roll 2pk - Bosscotti x Haze - 1g")
    assert product.brand == "Kings Road"  # the feed's trailing space dropped
    assert (product.category, product.strain, product.sku) == ("Category > Pre rolls", "Bosscotti x Haze", "")
    assert (product.quantity, product.room_quantities, product.room_name) == (9.0, {"1000": 9.0}, "Sales Floor")
    assert (product.weight, product.weight_unit, product.quantity_units) == (1.0, "g", "Each")
    assert product.unit_cost == 8.0
    assert product.medical_only is False and product.is_active is True
    assert product.modified_at == datetime(2026, 1, 10, 21, 58, 10, 280000, tzinfo=UTC)
    assert product.raw["canopy_batches"] == [{"id_batch": 1028, "id_area": 1000, "area": "Sales Floor", "available": 9}]


def test_a2_zero_means_not_on_that_menu_and_otd_prices_are_kept(rows):
    product = product_from_row(row_of(rows, 1028))
    # price_retail 0 and price_retail_medical_use 0: an adult-use-only item has no general or medical price.
    assert (product.price, product.price_recreational, product.price_medical) == (None, 16.0, None)
    assert (product.price_otd, product.price_otd_recreational, product.use_otd_price) == (None, 18.08, False)
    otd = product_from_row(row_of(rows, 1017))  # a row with "use_otd_price": true
    assert (otd.use_otd_price, otd.price_recreational, otd.price_otd_recreational) == (True, 40.0, 45.2)
    battery = product_from_row(row_of(rows, 1155))  # an accessory with every price filled
    assert (battery.price, battery.price_medical, battery.price_otd_medical) == (23.1481, 25.0, 25.0)


def test_a1_batches_of_an_item_add_up(rows):
    products = products_of(rows)
    assert set(products) == {"1037", "1153", "1029", "1215", "1014", "1137", "1162"}
    # Item 1153: two batches on the Sales Floor (5 + 2); the batch with the most stock speaks for the item.
    dank = products["1153"]
    assert (dank.quantity, dank.room_quantities) == (7.0, {"1000": 7.0})
    assert [batch["id_batch"] for batch in dank.raw["canopy_batches"]] == [1145, 1591]
    assert dank.raw["id_batch"] == 1145
    assert dank.thc == LabValue("THC", 39.6, "%")  # from the main batch
    # The newest batch update is the item's.
    assert dank.modified_at == datetime(2026, 1, 16, 0, 19, 18, 977000, tzinfo=UTC)
    # Item 1029: an empty batch with no area (id_area null) and 46 on the Sales Floor.
    nar = products["1029"]
    assert (nar.quantity, nar.room_quantities) == (46.0, {"": 0.0, "1000": 46.0})
    assert nar.raw["id_batch"] == 1694


def test_a1_damaged_area_stock_is_reported_under_its_area(rows):
    quarantined = product_from_row(row_of(rows, 1129))
    assert (quarantined.room_quantities, quarantined.room_name) == ({"1002": 9.0}, "Quaratine ")


def test_a3_location_low_quantity_threshold(rows):
    assert product_from_row(row_of(rows, 1221)).low_quantity_threshold == 2.0  # location's, selected
    assert product_from_row(row_of(rows, 1028)).low_quantity_threshold is None  # neither selected
    item_threshold = {**row_of(rows, 1221), "threshold_low_quantity": 4, "threshold_low_quantity_selected": True}
    assert product_from_row(item_threshold).low_quantity_threshold == 4.0  # the item's own wins


def test_a6_lab_values_carry_their_unit(rows):
    # The real chemical profile: "THC %" with a decimal string; the unit is in the compound's name.
    assert parse_lab_value("THC %", "70.00000000") == LabValue("THC %", 70.0, "%")
    # A6's own examples: the unit in the value, and a bare number in mg.
    assert parse_lab_value("Myrcene", "1.2%") == LabValue("Myrcene", 1.2, "%")
    assert parse_lab_value("Limonene", "3 mg") == LabValue("Limonene", 3.0, "mg")
    assert parse_lab_value("Linalool", "0.5") == LabValue("Linalool", 0.5, "mg")
    assert parse_lab_value("Pinene", "n/a") == LabValue("Pinene", None, "n/a")
    battery = product_from_row(row_of(rows, 1155))
    # thc 0 (percent) is a value, not a missing one; the compound row is a lab, not a terpene.
    assert battery.thc == LabValue("THC", 0.0, "%")
    assert battery.labs == [LabValue("THC %", 0.0, "%")] and battery.terpenes == []


def test_a1_location_and_its_areas(documented):
    location = documented("alleaves", "location")[0]
    details = location_details(location)
    assert (details["id_location"], details["reference"]) == (1000, "buds_dba_thrive_syracuse")
    assert (details["is_adult_use"], details["is_medical_use"]) == (True, False)
    assert details["areas"] == [{"id": "1000", "name": "Sales Floor"},
                                {"id": "1001", "name": "Test Product for open not for sale "},
                                {"id": "1002", "name": "Quaratine "}]
    rooms = [room_from_area(area) for area in location["areas"]]
    assert [(room.id, room.name) for room in rooms] == [("1000", "Sales Floor"),
                                                       ("1001", "Test Product for open not for sale "),
                                                       ("1002", "Quaratine ")]
    assert room_from_area({**location["areas"][0], "deleted": True}) is None


def test_a7_customers_from_documented_rows(documented):
    member, other = (customer_from_row(row) for row in documented("alleaves", "customers"))
    assert (member.pos_customer_id, member.first_name, member.last_name) == ("4101", "Ana", "Ruiz")
    assert (member.phone, member.email, member.birth_date) == ("3155550123", "ana@example.com", date(1992, 7, 14))
    assert member.is_loyalty_member  # alpine_user_code set
    assert member.created_at == datetime(2024, 5, 1, 15, 2, 11, tzinfo=UTC)
    assert other.birth_date == date(1985, 1, 30) and not other.is_loyalty_member and other.email == ""
    assert customer_body(member) == {"name_first": "Ana", "name_last": "Ruiz", "date_of_birth": "1992-07-14",
                                     "phone": "3155550123", "email": "ana@example.com"}


def test_c5_finished_orders_are_sales(documented):
    orders = documented("alleaves", "orders")
    assert [order["id_order"] for order in orders if is_sale(order)] == [2000101, 2000102]
    completed, voided = (transaction_from_order(order) for order in orders[:2])
    assert (completed.pos_transaction_id, completed.pos_customer_id, completed.total) == ("2000101", "4101", 36.16)
    assert completed.occurred_at == datetime(2026, 1, 12, 18, 30, tzinfo=UTC)
    assert (completed.loyalty_spent, completed.loyalty_earned, completed.voided) == (5.0, 36.0, False)
    line = completed.lines[0]
    assert (line.pos_product_id, line.quantity, line.unit_price, line.category) == ("1037", 2.0, 16.0,
                                                                                  "Category > Pre rolls")
    assert voided.voided
    assert [SPEC.order_status(order["status"]) for order in orders] == ["completed", "cancelled", "submitted"]


def test_a2_order_items_name_the_batch():
    assert order_item(OrderLine("1153", 2, unit_price=20.0, batch_id="1145")) == {
        "id_item": 1153, "id_batch": 1145, "quantity": 2, "price": 20.0}
    assert order_item(OrderLine("abc", 1, batch_id="1145")) == {"id_item": "abc", "id_batch": 1145, "quantity": 1}
