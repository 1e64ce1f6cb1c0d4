"""Mapping tables for tiers, weights, flower equivalent, prices and quantities, one test per requirement ID
(D5, A4, D6, D10, A2, A3, D13, R8). No database, no HTTP."""
import pytest

from catalog.mapping import map_product
from catalog.mapping.categories import CATEGORIES, INFUSED_CATEGORIES
from integrations.pos.records import Tier
from tests.catalog.mapping_support import pos, rules, settings

# --- D5 / A4 / Flowhub tiers ----------------------------------------------------------------------------
TIERS = [Tier(1, 3.5, 10.0, 9.0), Tier(3.5, 7, 9.0, 8.0), Tier(7, None, 8.0, None)]


@pytest.mark.parametrize("vendor, quantity_units, tiers, price_tiers, weight_tiers, flagged", [
    ("dutchie", "Quantity", TIERS, 3, 0, False),
    ("dutchie", "Gram", TIERS, 0, 3, False),
    ("dutchie", "Quantity", [], 0, 0, False),  # no tier data: no tiers
    ("dutchie", "Gram", [], 0, 0, False),
    ("dutchie", "Ounces", TIERS, 0, 0, True),  # unknown: not guessed
    ("flowhub", "Gram", TIERS, 0, 3, False),  # isSoldByWeight -> Gram (client's words)
    ("flowhub", "Quantity", TIERS, 3, 0, False),
])
def test_d5_quantity_units_pick_price_or_weight_tiers(vendor, quantity_units, tiers, price_tiers, weight_tiers,
                                                      flagged):
    product = map_product(pos(quantity_units=quantity_units, tiers=tiers), settings(vendor))
    assert len(product.price_tiers) == price_tiers and len(product.weight_tiers) == weight_tiers
    assert any("quantityUnits" in flag for flag in product.flags) is flagged
    if price_tiers:
        assert product.price_tiers[0] == {"min_quantity": 1, "max_quantity": 3.5, "price": 10.0}
        assert product.price_tiers[-1]["max_quantity"] is None
    if weight_tiers:
        assert product.weight_tiers[0] == {"min_weight": 1, "max_weight": 3.5, "unit": "g", "price": 10.0}


@pytest.mark.parametrize("location_type, first", [
    ("recreational", {"price": 10.0}), ("medical", {"price": 9.0}), ("both", {"price": 10.0, "medical_price": 9.0}),
])
def test_d5_tier_prices_follow_the_menu_type(location_type, first):
    product = map_product(pos(quantity_units="Quantity", tiers=TIERS), settings(location_type=location_type))
    assert {k: v for k, v in product.price_tiers[0].items() if "price" in k} == first


@pytest.mark.parametrize("uom", ["Grams", "Each", ""])
def test_a4_deli_tiers(uom):
    tiers = [Tier(1, 3.5, 12.0), Tier(3.5, 7, 10.8), Tier(7, 28, 9.6)]
    product = map_product(pos(quantity_units=uom, tiers=tiers), settings("alleaves"))
    assert product.weight_tiers == []
    assert product.price_tiers == [{"min_quantity": 1, "max_quantity": 3.5, "price": 12.0},
                                   {"min_quantity": 3.5, "max_quantity": 7, "price": 10.8},
                                   {"min_quantity": 7, "max_quantity": 28, "price": 9.6}]
    assert any("A4" in rule for rule in rules(product, "price_tiers"))


def test_flowhub_weight_tiers_from_weight_tier_information():
    from integrations.pos.flowhub import product_from_item
    item = {"productId": "u-1", "productName": "Deli OG", "category": "Flower", "priceInMinorUnits": 1000,
            "quantity": 50, "isSoldByWeight": True,
            "weightTierInformation": [{"gramAmount": 3.5, "pricePerGramInMinorUnits": 900},
                                      {"gramAmount": 1, "pricePerGramInMinorUnits": 1000}]}
    product = map_product(product_from_item(item), settings("flowhub"))
    assert product.weight_tiers == [{"min_weight": 1, "max_weight": 3.5, "unit": "g", "price": 10.0},
                                    {"min_weight": 3.5, "max_weight": None, "unit": "g", "price": 9.0}]


# --- D6 weights -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("category, weight, unit, expected", [
    ("Flower", 3.5, "g", {"value": 3.5, "unit": "g"}),
    ("Flower", 3.5, "", {"value": 3.5, "unit": "g"}),  # Dutchie: grams
    ("Pre-Rolls", 0.5, "grams", {"value": 0.5, "unit": "g"}),
    ("Edibles", 0.1, "g", {"value": 100.0, "unit": "mg"}),
    ("Beverages", 0.01, "g", {"value": 10.0, "unit": "mg"}),
    ("Topicals", 0.5, "g", {"value": 500.0, "unit": "mg"}),
    ("Tinctures", 0.3, "g", {"value": 300.0, "unit": "mg"}),
    ("Edibles", 100, "mg", {"value": 100.0, "unit": "mg"}),  # Alleaves/Flowhub already send mg
    ("Flower", 1000, "mg", {"value": 1.0, "unit": "g"}),
    ("Flower", 0.125, "oz", {"value": 3.543690, "unit": "g"}),
    ("Beverages", 12, "fl oz", {"value": 12, "unit": "fl oz"}),  # a volume: kept
    ("Accessories", 1, "each", None),
    ("Accessories", 0, "g", None),
    ("Flower", None, "g", None),
])
def test_d6_infused_weights_in_mg(category, weight, unit, expected):
    product = map_product(pos(category=category, weight=weight, weight_unit=unit), settings())
    if expected is None:
        assert product.weight is None
    else:
        assert product.weight["unit"] == expected["unit"]
        assert product.weight["value"] == pytest.approx(expected["value"], abs=1e-5)


def test_d6_infused_categories():
    assert INFUSED_CATEGORIES == {"Edibles", "Beverages", "Topicals", "Tinctures"}
    assert INFUSED_CATEGORIES <= set(CATEGORIES)


# --- D10 flower equivalent ------------------------------------------------------------------------------
@pytest.mark.parametrize("use_rec, flower_eq, rec_flower_eq, expected", [
    (False, 3.5, 2.8, 3.5), (True, 3.5, 2.8, 2.8), (True, 3.5, None, None), (False, None, 2.8, None),
    (False, None, None, None),
])
def test_d10_flower_equivalent_setting(use_rec, flower_eq, rec_flower_eq, expected):
    product = map_product(pos(flower_equivalent=flower_eq, rec_flower_equivalent=rec_flower_eq),
                          settings(use_rec_flower_equivalent=use_rec))
    assert product.flower_equivalent == expected


# --- prices and A2 OTD ----------------------------------------------------------------------------------
PRICES = {"price": 30.0, "price_recreational": 32.0, "price_medical": 28.0, "price_otd": 33.9,
          "price_otd_recreational": 36.16, "price_otd_medical": 29.96}


@pytest.mark.parametrize("location_type, values, unit_price, medical_unit_price", [
    ("recreational", PRICES, 32.0, None),
    ("medical", PRICES, 28.0, None),
    ("both", PRICES, 32.0, 28.0),
    ("recreational", {"price": 30.0}, 30.0, None),  # fallback to the general price
    ("medical", {"price": 30.0}, 30.0, None),
    ("both", {"price": 30.0, "price_medical": 27.0}, 30.0, 27.0),
])
def test_prices_follow_the_menu_type(location_type, values, unit_price, medical_unit_price):
    base = {name: None for name in PRICES}
    product = map_product(pos(**{**base, **values}), settings(location_type=location_type))
    assert (product.unit_price, product.medical_unit_price) == (unit_price, medical_unit_price)
    assert not product.flags


@pytest.mark.parametrize("otd, location_type, values, unit_price, medical_unit_price", [
    (True, "recreational", PRICES, 36.16, None),
    (True, "medical", PRICES, 29.96, None),
    (True, "both", PRICES, 36.16, 29.96),
    (False, "recreational", PRICES, 32.0, None),
    (False, "both", PRICES, 32.0, 28.0),
    (True, "recreational", {"price": 30.0, "price_otd": 33.9}, 33.9, None),  # general OTD field
    (True, "recreational", {"price": 30.0}, 30.0, None),  # no OTD price at all: regular price, explained
])
def test_a2_otd_pricing(otd, location_type, values, unit_price, medical_unit_price):
    base = {name: None for name in PRICES}
    product = map_product(pos(**{**base, **values}), settings("alleaves", location_type=location_type,
                                                             use_otd_pricing=otd))
    assert (product.unit_price, product.medical_unit_price) == (unit_price, medical_unit_price)
    assert all(("A2" in rule) for rule in rules(product, "price"))


@pytest.mark.parametrize("values, location_type, flag", [
    ({"price": -30.0}, "recreational", "Negative price"),
    ({"price": 30.0, "price_recreational": -32.0}, "recreational", "Negative price"),
    ({"price": None}, "recreational", "No recreational price"),
    ({"price": None}, "medical", "No medical price"),
    ({"price": None}, "both", "No recreational or medical price"),
])
def test_negative_or_missing_price_is_flagged(values, location_type, flag):
    product = map_product(pos(**values), settings(location_type=location_type))
    assert any(flag in f for f in product.flags)
    assert product.unit_price is None or product.unit_price >= 0


def test_medical_only_product_on_a_recreational_menu_is_not_flagged_for_price():
    product = map_product(pos(price=None, price_medical=25.0, medical_only=True), settings())
    assert product.unit_price is None and not product.flags


# --- A3 / D13 quantity ----------------------------------------------------------------------------------
@pytest.mark.parametrize("quantity, threshold, expected", [
    (5, 5, 0), (4, 5, 0), (6, 5, 6), (5, None, 5), (0, 0, 0), (1, 0, 1), (3, 2.5, 3), (2.5, 2.5, 0),
])
def test_a3_low_quantity_threshold_zeroes(quantity, threshold, expected):
    product = map_product(pos(quantity=quantity, low_quantity_threshold=threshold), settings("alleaves"))
    assert product.quantity == expected
    zeroed = any("threshold" in rule for rule in rules(product, "quantity"))
    assert zeroed is (expected == 0 and quantity > 0)


def test_d13_dutchie_threshold_acts_like_ours():
    product = map_product(pos(quantity=3, low_quantity_threshold=3), settings("dutchie"))
    assert product.quantity == 0 and any("D13" in rule for rule in rules(product, "quantity"))


@pytest.mark.parametrize("quantity, raw, expected, known, flagged", [
    (-4, {}, 0, True, False),  # never below 0
    (12, {}, 12, True, False),  # R8: the POS's number
    (None, {"quantityAvailable": "12 units"}, 0, True, True),
    (None, {"available": "3 ea"}, 0, True, True),
    (None, {"quantity": "lots"}, 0, True, True),
    (None, {}, 0, False, False),  # no quantity in this record (Dutchie /products): not a zero
    (12, {"quantityAvailable": "12"}, 12, True, True),  # numeric text: read (as the client did), still flagged
])
def test_r8_quantity_never_below_zero_and_text_flagged(quantity, raw, expected, known, flagged):
    product = map_product(pos(quantity=quantity, raw=raw), settings())
    assert product.quantity == expected and product.quantity_known is known
    assert any("Quantity is not a number" in flag for flag in product.flags) is flagged
