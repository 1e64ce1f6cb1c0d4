"""Mapping tables, one test per requirement ID (C7-C9, D3, D5, D6, D10, D12, D13, A2-A6, F5, F6, F8, F9, R5, R8,
X3), and one end-to-end test per vendor over sandbox-rendered records. No database, no HTTP."""
import pytest

from catalog.mapping import MappedProduct, MappingError, MappingSettings, map_product, settings_from_card
from catalog.mapping.categories import CATEGORIES, INFUSED_CATEGORIES, choose_category, normalize_category
from catalog.mapping.labs import map_labs
from catalog.mapping.product import SYNCABLE_FIELD_COLUMNS, synced_columns
from catalog.mapping.strains import STRAIN_TYPES, normalize_strain_type
from catalog.mapping.terpenes import TERPENES, map_terpenes, terpene_name
from integrations.pos.records import LabValue, PosProduct, Tier


def pos(**values) -> PosProduct:
    base = {"pos_product_id": "101", "name": "Blue Dream 3.5g", "category": "Flower", "price": 30.0, "quantity": 10.0}
    return PosProduct(**{**base, **values})


def settings(vendor: str = "dutchie", **values) -> MappingSettings:
    return MappingSettings(vendor=vendor, **values)


def rules(product: MappedProduct, field: str) -> list[str]:
    return [decision.rule for decision in product.decisions if decision.field == field]


# --- F6 strain types ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling, expected", [
    # F6, as seed 004 lists them
    ("Indica", "Indica"), ("Indica-Dom", "Indica Hybrid"), ("Sativa", "Sativa"), ("Sativa-Dom", "Sativa Hybrid"),
    ("Hybrid", "Hybrid"), ("50/50", "Hybrid"), ("CBD", "CBD"),
    ("Indica Hybrid", "Indica Hybrid"), ("indica hybrid", "Indica Hybrid"), ("hybrid indica", "Indica Hybrid"),
    ("Sativa Hybrid", "Sativa Hybrid"), ("sativa hybrid", "Sativa Hybrid"), ("hybrid sativa", "Sativa Hybrid"),
    # case- and order-insensitive
    ("INDICA", "Indica"), ("sativa", "Sativa"), ("HYBRID INDICA", "Indica Hybrid"), ("Indica-dom", "Indica Hybrid"),
    ("Sativa-dom", "Sativa Hybrid"), ("cbd", "CBD"), (" Hybrid ", "Hybrid"),
    # Dutchie strainType spellings
    ("IndicaDominant", "Indica Hybrid"), ("Sativa Dominant Hybrid", "Sativa Hybrid"),
    ("Indica Dominant", "Indica Hybrid"),
    ("High CBD", "CBD"), ("Balanced", "Hybrid"),
])
def test_f6_strain_spellings(spelling, expected):
    value, decision = normalize_strain_type(spelling)
    assert value == expected and value in STRAIN_TYPES
    assert "F6" in decision.rule


@pytest.mark.parametrize("spelling, expected, flagged", [
    ("", "", False), (None, "", False), ("N/A", "", False), ("Ruderalis", "", True), ("Indica Sativa CBD", "", True),
])
def test_f6_unknown_strain_types_are_empty_and_flagged(spelling, expected, flagged):
    value, decision = normalize_strain_type(spelling)
    assert value == expected
    assert decision.rule.startswith("Unknown") is flagged
    product = map_product(pos(strain_type=spelling or ""), settings())
    assert product.strain_type == ""
    assert any("strain type" in flag for flag in product.flags) is flagged


# --- C9 / F5 terpenes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling, expected", [
    # F5, Flowhub's spellings
    ("α-Bisabolol", "Bisabolol"), ("α-Humulene", "Humulene"), ("α-Terpinene", "Terpinene"),
    ("α-Pinene", "Alpha Pinene"),
    ("β-Pinene", "Beta Pinene"), ("β-Caryophyllene", "Beta Caryophyllene"), ("β-Myrcene", "Beta Myrcene"),
    ("β-Ocimene", "Ocimene"), ("Linalool", "Linalool"), ("Terpinolene", "Terpinolene"), ("Limonene", "Limonene"),
    ("Guaiol", "Guaiol"), ("Caryophyllene oxide", "Caryophyllene Oxide"), ("delta 3 Carene", "3-Carene"),
    ("Trans-Nerolidol", "Trans-Nerolidol"), ("β-Eudesmol", "Beta Eudesmol"),
    # lab-report and Dutchie spellings
    ("Myrcene", "Beta Myrcene"), ("beta-Myrcene", "Beta Myrcene"), ("b-Myrcene", "Beta Myrcene"),
    ("D-Limonene", "Limonene"), ("d-Limonene", "Limonene"), ("Caryophyllene", "Beta Caryophyllene"),
    ("b-Caryophyllene", "Beta Caryophyllene"), ("alpha-Pinene", "Alpha Pinene"), ("a-Pinene", "Alpha Pinene"),
    ("b-Pinene", "Beta Pinene"), ("trans-Nerolidol", "Trans-Nerolidol"), ("Nerolidol", "Trans-Nerolidol"),
    ("Delta-3-Carene", "3-Carene"), ("delta-3-Carene", "3-Carene"), ("alpha-Bisabolol", "Bisabolol"),
    ("alpha-Humulene", "Humulene"), ("beta-Ocimene", "Ocimene"), ("alpha-Terpinene", "Terpinene"),
    ("gamma-Terpinene", "Terpinene"), ("beta-Eudesmol", "Beta Eudesmol"),
    ("Caryophyllene Oxide", "Caryophyllene Oxide"),
    ("BETA MYRCENE", "Beta Myrcene"), ("Myrcene (%)", "Beta Myrcene"),
    # the 16 C9 names themselves
    *[(name, name) for name in TERPENES],
])
def test_c9_f5_terpene_spellings_map_to_supported_names(spelling, expected):
    assert terpene_name(spelling) == expected
    terpenes, unknown, _ = map_terpenes([LabValue(spelling, 0.5, "%")], settings())
    assert terpenes == [{"name": expected, "value": 0.5, "unit": "%"}] and unknown == []


def test_c9_supported_terpenes_are_the_16_names():
    assert len(TERPENES) == 16 and len(set(TERPENES)) == 16


@pytest.mark.parametrize("names, known, unknown", [
    (["Farnesene"], [], ["Farnesene"]),
    (["β-Myrcene", "Valencene", "Geraniol"], ["Beta Myrcene"], ["Valencene", "Geraniol"]),
    (["cis-Nerolidol", "Limonene"], ["Limonene"], ["cis-Nerolidol"]),
])
def test_c9_unknown_terpenes_are_reported_not_dropped(names, known, unknown):
    terpenes, unknown_names, decisions = map_terpenes([LabValue(name, 1.0, "mg") for name in names], settings())
    assert [t["name"] for t in terpenes] == known
    assert unknown_names == unknown
    assert any(all(name in d.rule for name in unknown) and "C9" in d.rule for d in decisions)


@pytest.mark.parametrize("sync_terpenes, expected", [(True, ["Limonene"]), (False, [])])
def test_c9_terpenes_only_when_terpene_sync_is_on(sync_terpenes, expected):
    product = map_product(pos(terpenes=[LabValue("Limonene", 1.0, "%"), LabValue("Farnesene", 1.0, "%")]),
                          settings(sync_terpenes=sync_terpenes))
    assert [t["name"] for t in product.terpenes] == expected
    assert product.unknown_terpenes == (["Farnesene"] if sync_terpenes else [])


def test_c9_two_spellings_of_one_terpene_add_up():
    terpenes, _, decisions = map_terpenes([LabValue("α-Terpinene", 0.2, "%"), LabValue("gamma-Terpinene", 0.3, "%")],
                                          settings())
    assert terpenes == [{"name": "Terpinene", "value": 0.5, "unit": "%"}]
    assert any("added up" in d.rule for d in decisions)


# --- A6 terpene units ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value, unit, expected_value, expected_unit", [
    # A6: the unit inside the value; no unit -> mg
    (None, "1.2%", 1.2, "%"), (None, "3 mg", 3.0, "mg"), (None, "4.5 mg/g", 4.5, "mg/g"), (None, "2", 2.0, "mg"),
    ("1.2%", "", 1.2, "%"), ("3 mg", "", 3.0, "mg"), ("2.0", "", 2.0, "mg"), (2.0, "", 2.0, "mg"),
    # Alleaves' client already split them
    (1.2, "%", 1.2, "%"), (3.0, "mg", 3.0, "mg"),
    # Dutchie's unit names (D3) and Flowhub's short ones
    (0.8, "Percentage", 0.8, "%"), (8.0, "Milligrams", 8.0, "mg"), (6.5, "Milligrams per Gram", 6.5, "mg/g"),
    (0.8, "%", 0.8, "%"), (6.5, "mg/g", 6.5, "mg/g"),
])
def test_a6_terpene_units_in_the_value(value, unit, expected_value, expected_unit):
    terpenes, _, _ = map_terpenes([LabValue("Limonene", value, unit)], settings("alleaves"))
    assert terpenes == [{"name": "Limonene", "value": expected_value, "unit": expected_unit}]


def test_a6_unreadable_terpene_value_is_skipped_with_a_decision():
    terpenes, unknown, decisions = map_terpenes([LabValue("Limonene", None, "trace")], settings("alleaves"))
    assert terpenes == [] and unknown == []
    assert any("no readable value" in d.rule for d in decisions)


# --- D3 lab units ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("unit, mapping, sync_units, expected", [
    ("Milligrams", {}, True, "mg"),
    ("Percentage", {}, True, "%"),
    ("Milligrams per Gram", {}, True, "mg/g"),
    ("milligrams per gram", {}, True, "mg/g"),
    ("%", {}, True, "%"), ("mg", {}, True, "mg"), ("mg/g", {}, True, "mg/g"),
    ("Milligrams", {"milligrams": "MG"}, True, "MG"),  # the card's lab unit mapping overrides (D3)
    ("Percentage", {"Percentage": "pct"}, True, "pct"),
    ("Percentage", {}, False, ""),  # POS syncing for units off: value only
    ("Parts per million", {}, True, "Parts per million"),  # unknown unit: kept as given, never hidden
])
def test_d3_lab_units(unit, mapping, sync_units, expected):
    product = pos(labs=[LabValue("THCA", 21.5, unit)])
    results, _, _, _ = map_labs(product, settings(lab_unit_mapping=mapping, sync_lab_units=sync_units))
    assert results == [{"name": "THCA", "value": 21.5, "unit": expected}]


@pytest.mark.parametrize("thc_unit, sync_units, thc_percentage", [
    ("Percentage", True, 22.0), ("%", True, 22.0), ("Milligrams", True, None), ("Milligrams per Gram", True, None),
    ("Percentage", False, 22.0),  # the unit is not shown, but the value is still a percent
])
def test_d3_r5_thc_percentage_only_for_percent(thc_unit, sync_units, thc_percentage):
    thc = LabValue("THC", 22.0, thc_unit)
    product = map_product(pos(thc=thc, labs=[thc]), settings(sync_lab_units=sync_units))
    assert product.thc_percentage == thc_percentage


# --- D12 Use THC9 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("use_thc9, thc9, thc, expected_thc", [
    (True, 24.5, 25.0, 24.5),  # on + THC9 present -> THC9
    (True, None, 25.0, 25.0),  # on + no THC9 -> the THC lab
    (False, 24.5, 25.0, 25.0),  # off -> THC9 never read
    (False, None, 25.0, 25.0),
    (True, 24.5, None, 24.5),
    (False, 24.5, None, None),
])
def test_d12_thc9_falls_back_to_lab(use_thc9, thc9, thc, expected_thc):
    thc_lab = LabValue("THC", thc, "Percentage") if thc is not None else None
    thc9_lab = LabValue("THC9", thc9, "Percentage") if thc9 is not None else None
    labs = [lab for lab in (thc_lab, thc9_lab, LabValue("CBD", 0.5, "Percentage")) if lab]
    product = map_product(pos(thc=thc_lab, thc9=thc9_lab, cbd=labs[-1], labs=labs), settings(use_thc9=use_thc9))
    assert product.thc_percentage == expected_thc
    names = [row["name"] for row in product.lab_results]
    assert "THC9" not in names  # never listed: used as THC (on) or never read (off)
    assert names.count("THC") == (1 if expected_thc is not None else 0)
    if expected_thc is not None:
        assert next(r for r in product.lab_results if r["name"] == "THC")["value"] == expected_thc


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


# --- C8 / F8 / F9 categories ----------------------------------------------------------------------------
@pytest.mark.parametrize("spelling, expected", [
    ("Flower", "Flower"), ("flower", "Flower"), ("Pre rolls", "Pre-Rolls"), ("Prerolls", "Pre-Rolls"),
    ("Pre-Roll", "Pre-Rolls"), ("PRE-ROLLS", "Pre-Rolls"), ("Vape", "Vaporizers"), ("Vapes", "Vaporizers"),
    ("Cartridges", "Vaporizers"), ("Vape Cartridges", "Vaporizers"), ("Concentrate", "Concentrates"),
    ("Edible", "Edibles"), ("Gummies", "Edibles"), ("Drinks", "Beverages"), ("Beverage", "Beverages"),
    ("Topical", "Topicals"), ("Tincture", "Tinctures"), ("Accessory", "Accessories"), ("Live Resin", "Concentrates"),
    ("Infused Pre-Rolls", "Pre-Rolls"),
    *[(name, name) for name in CATEGORIES],
    ("Staff Picks", ""), ("Uncategorized", ""), ("", ""), ("Indica", ""),
])
def test_c8_category_spellings_normalise(spelling, expected):
    assert normalize_category(spelling) == expected


@pytest.mark.parametrize("category, expected, subcategory", [
    ("Category > Pre rolls", "Pre-Rolls", ""),
    ("Category > Flower", "Flower", ""),
    ("Category > Vapes", "Vaporizers", ""),
    ("Category > Flower > Staff Picks", "Flower", "Staff Picks"),  # last segment unknown: the earlier one
    ("Category > Concentrate > Live Resin", "Concentrates", ""),  # last segment wins
    ("Uncategorized", "", ""),
])
def test_c8_alleaves_category_paths(category, expected, subcategory):
    chosen, sub, decisions = choose_category(pos(category=category), settings("alleaves"))
    assert (chosen, sub) == (expected, subcategory)
    assert decisions


@pytest.mark.parametrize("mapping, values, expected", [
    ({"Prerolls": "Pre-Rolls"}, {"category": "Prerolls"}, "Pre-Rolls"),
    ({"prerolls": "Pre-Rolls"}, {"category": "PREROLLS"}, "Pre-Rolls"),  # case-insensitive
    ({"Flower": "Pre-Rolls"}, {"category": "Flower"}, "Pre-Rolls"),  # mapping beats the built-in spelling
    ({"House Specials": "Edibles"}, {"category": "House Specials"}, "Edibles"),
    ({"Staff Picks": "Flower"}, {"category": "Category > Vapes > Staff Picks"}, "Flower"),  # a path segment
    ({"Flower": "Not A Category"}, {"category": "Flower"}, "Flower"),  # bad target: ignored, explained
    ({"House": "vape"}, {"category": "House"}, "Vaporizers"),  # target spelled loosely
])
def test_c8_custom_mapping_first(mapping, values, expected):
    product = map_product(pos(**values), settings("alleaves", category_mapping=mapping))
    assert product.category == expected
    assert any("C8" in rule for rule in rules(product, "category"))


@pytest.mark.parametrize("custom, type_, category, expected, rule", [
    ("Pre-Rolls", "Flower", "Flower", "Pre-Rolls", "custom category"),  # custom category first
    ("", "Vape", "Flower", "Vaporizers", "type"),  # then type
    ("", "", "Edibles", "Edibles", "category"),  # then category
    ("Staff Picks", "Cartridge", "Flower", "Vaporizers", "type"),  # "no result" for custom: next
    ("Staff Picks", "Indica", "Flower", "Flower", "category"),  # type is a strain type: next
    ("Staff Picks", "", "", "", "Unknown"),
])
def test_f8_custom_category_wins_over_type(custom, type_, category, expected, rule):
    product = map_product(pos(custom_category=custom, product_type=type_, category=category), settings("flowhub"))
    assert product.category == expected
    chosen = [r for r in rules(product, "category") if "is the menu category" in r or r.startswith("Unknown")]
    assert rule in chosen[-1] and ("F8" in chosen[-1] or rule == "Unknown")
    assert bool(product.flags) is (expected == "")


def test_f8_custom_mapping_applies_to_custom_category():
    product = map_product(pos(custom_category="Staff Picks", category="Flower"),
                          settings("flowhub", category_mapping={"staff picks": "Pre-Rolls"}))
    assert product.category == "Pre-Rolls"


@pytest.mark.parametrize("setting, custom, type_, category, expected", [
    (True, "Top Shelf", "Indica", "Flower", "Top Shelf"),  # on + custom present -> the custom name
    (True, "", "Indica", "Flower", "Indica"),  # on, no custom -> product type
    (True, "", "", "Flower", "Flower"),  # -> main category
    (False, "Top Shelf", "Indica", "Flower", "Indica"),  # off -> product type
    (False, "Top Shelf", "", "Flower", "Flower"),  # off, no type -> main category
    (False, "", "", "", ""),
])
def test_f9_custom_category_to_subcategory(setting, custom, type_, category, expected):
    product = map_product(pos(custom_category=custom, product_type=type_, category=category),
                          settings("flowhub", map_custom_category_to_subcategory=setting))
    assert product.subcategory == expected
    if expected:
        assert any("F9" in rule for rule in rules(product, "subcategory"))


# --- R5 field mapping -----------------------------------------------------------------------------------
def test_r5_field_mapping():
    thc, cbd = LabValue("THC", 23.4, "Percentage"), LabValue("CBD", 0.6, "Percentage")
    product = map_product(pos(pos_product_id="7", sku="FL-1", name=" Blue Dream 3.5g ", brand="Acme Farms ",
                              category="Flower", strain_type="Hybrid", thc=thc, cbd=cbd, labs=[thc, cbd],
                              quantity=12.0, room_name="Sales Floor", unit_cost=11.5, price=30.0,
                              price_recreational=None, description="Nice", raw={"productId": 7}),
                          settings("dutchie"))
    assert (product.pos_product_id, product.sku, product.product_name, product.brand) == \
        ("7", "FL-1", "Blue Dream 3.5g", "Acme Farms")
    assert (product.category, product.subcategory, product.strain_type) == ("Flower", "Hybrid", "Hybrid")
    assert (product.thc_percentage, product.cbd_percentage) == (23.4, 0.6)
    assert (product.quantity, product.room_type, product.unit_cost, product.unit_price) == \
        (12.0, "Sales Floor", 11.5, 30.0)
    assert product.raw == {"productId": 7} and product.description == "Nice"
    assert product.lab_results == [{"name": "THC", "value": 23.4, "unit": "%"},
                                   {"name": "CBD", "value": 0.6, "unit": "%"}]


@pytest.mark.parametrize("strain_type, subcategory", [
    ("Indica-Dom", "Indica Hybrid"), ("sativa", "Sativa"), ("", ""), ("Ruderalis", ""),
])
def test_r5_dutchie_strain_type_is_subcategory(strain_type, subcategory):
    product = map_product(pos(strain_type=strain_type), settings("dutchie"))
    assert product.subcategory == subcategory


# --- C7 images ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("images, expected", [
    (["a.jpg", "b.jpg", "c.jpg"], ["a.jpg", "b.jpg", "c.jpg"]),
    (["b.jpg", "a.jpg", "b.jpg"], ["b.jpg", "a.jpg"]),
    ([" a.jpg", "a.jpg ", "", None], ["a.jpg"]),
    ([], []),
])
def test_c7_images_in_order(images, expected):
    assert map_product(pos(images=images), settings()).images == expected


# --- C8 synced fields, A5, settings_from_card -----------------------------------------------------------
def test_c8_syncable_field_columns_cover_every_card_field():
    from integrations.models.cards import SYNCABLE_FIELDS
    assert set(SYNCABLE_FIELD_COLUMNS) == set(SYNCABLE_FIELDS)
    attributes = set(MappedProduct.__dataclass_fields__)
    assert all(set(columns) <= attributes for columns in SYNCABLE_FIELD_COLUMNS.values())
    assert "unit_price" not in synced_columns(settings(synced_fields=frozenset({"name"})))
    assert synced_columns(settings(synced_fields=frozenset({"name"}))) == {"product_name"}


def test_c8_unsynced_fields_are_recorded():
    product = map_product(pos(), settings(synced_fields=frozenset({"name", "quantity"})))
    assert product.unit_price == 30.0  # mapping fills every field; ingest decides what to overwrite
    assert any("price" in rule and "C8" in rule for rule in rules(product, "synced_fields"))


@pytest.mark.parametrize("card_values, store_type, expected", [
    ({}, "medical", {"location_type": "medical", "use_thc9": False}),
    ({"use_thc9": True, "use_rec_flower_equivalent": True, "sync_lab_units": False, "sync_terpenes": False},
     "both", {"use_thc9": True, "use_rec_flower_equivalent": True, "sync_lab_units": False, "sync_terpenes": False,
              "location_type": "both"}),
    ({"category_mapping": {"Prerolls": "Pre-Rolls"}, "lab_unit_mapping": {"Milligrams": "mg"}}, "recreational",
     {"category_mapping": {"Prerolls": "Pre-Rolls"}, "lab_unit_mapping": {"Milligrams": "mg"}}),
    ({"use_otd_pricing": True, "map_custom_category_to_subcategory": True}, "recreational",
     {"use_otd_pricing": True, "map_custom_category_to_subcategory": True}),
    ({"synced_fields": ["name", "price"]}, "recreational", {"synced_fields": frozenset({"name", "price"})}),
    ({"synced_fields": ["name", "price"], "sync_prices": False}, "recreational",  # A5: price sync off
     {"synced_fields": frozenset({"name"})}),
])
def test_c8_a5_settings_from_card(card_values, store_type, expected):
    from tests.factories import IntegrationCardFactory
    card = IntegrationCardFactory.build(vendor="alleaves", store__location_type=store_type, **card_values)
    mapped = settings_from_card(card)
    assert mapped.vendor == "alleaves"
    for name, value in expected.items():
        assert getattr(mapped, name) == value


def test_settings_from_card_without_store_is_recreational():
    from integrations.models import IntegrationCard
    assert settings_from_card(IntegrationCard(vendor="dutchie")).location_type == "recreational"


# --- X3 decisions ---------------------------------------------------------------------------------------
def test_x3_decisions_explain_category_and_unknown_terpenes():
    product = map_product(pos(category="Pre rolls", terpenes=[LabValue("β-Myrcene", 0.4, "%"),
                                                              LabValue("Farnesene", 0.1, "%")],
                              quantity=2, low_quantity_threshold=2, price_otd=40.0),
                          settings("alleaves", use_otd_pricing=True))
    assert product.category == "Pre-Rolls"
    assert any("'Pre rolls'" in rule and "Pre-Rolls" in rule for rule in rules(product, "category"))
    assert any("Farnesene" in rule for rule in rules(product, "terpenes")) and product.unknown_terpenes == ["Farnesene"]
    assert any("β-Myrcene" in rule and "Beta Myrcene" in rule for rule in rules(product, "terpenes"))
    assert any("OTD" in rule for rule in rules(product, "price"))
    assert any("threshold 2" in rule for rule in rules(product, "quantity"))
    assert rules(product, "strain_type")


# --- malformed records ----------------------------------------------------------------------------------
@pytest.mark.parametrize("values, flag", [
    ({"name": ""}, "Missing product name"),
    ({"name": "   "}, "Missing product name"),
    ({"price": -5.0}, "Negative price"),
    ({"quantity": None, "raw": {"quantityAvailable": "12 units"}}, "Quantity is not a number"),
    ({"category": ""}, "The POS category is empty"),
    ({"category": "Mystery Box"}, "Unknown category 'Mystery Box'"),
])
def test_malformed_records_flagged(values, flag):
    product = map_product(pos(**values), settings())
    assert any(flag in f for f in product.flags) and product.needs_review


@pytest.mark.parametrize("product_id", ["", "   ", None])
def test_record_without_id_cannot_be_a_product(product_id):
    with pytest.raises(MappingError):
        map_product(pos(pos_product_id=product_id), settings())


def test_a_clean_record_has_no_flags():
    assert map_product(pos(strain_type="Indica"), settings()).flags == []


# --- end to end: sandbox-rendered records through each client's row mapping ----------------------------
def _sandbox_products(vendor: str, count: int):
    """(spec, PosProduct) for every generated product, rendered by the sandbox vendor and mapped by the
    client's own row -> PosProduct code (no HTTP)."""
    from integrations.pos import alleaves, dutchie, flowhub
    from integrations.sandbox import generate
    from integrations.sandbox.models import SandboxLocation
    from integrations.sandbox.vendors import VENDORS

    location = SandboxLocation(vendor=vendor, name="Sandbox Store", seed=7, location_id="4242", client_id="c-1")
    impl = VENDORS[vendor]
    for spec in generate.product_specs(seed=7, count=count):
        data = impl.product_row(location, spec).data
        if vendor == "dutchie":
            detail = {key: data["product"][key] for key in ("imageUrls", "pricingTierData", "lowInventoryThreshold")
                      if data["product"].get(key) not in (None, [])}
            yield spec, dutchie.product_from_inventory(data["inventory"], detail)
        elif vendor == "alleaves":
            # An item's main batch with its stock, mapped by the client's pure row mapping (no HTTP).
            stock = alleaves.ItemStock()
            stock.add(data)
            yield spec, alleaves.product_from_row(data, stock)
        else:
            yield spec, flowhub.product_from_item(data)


MALFORMED_FLAGS = {"missing_name": "Missing product name", "negative_price": "Negative price",
                   "text_quantity": "Quantity is not a number", "null_category": "The POS category is empty"}


@pytest.mark.parametrize("vendor", ["dutchie", "alleaves", "flowhub"])
def test_sandbox_records_map_end_to_end(vendor):
    from integrations.sandbox import generate
    unknown_terpenes = set(generate.UNKNOWN_TERPENES)
    mapped = malformed = 0
    for spec, record in _sandbox_products(vendor, 1000):
        product = map_product(record, settings(vendor, location_type="both"))
        mapped += 1
        if spec.malformed:
            malformed += 1
            assert any(MALFORMED_FLAGS[spec.malformed] in flag for flag in product.flags), (spec.index, product.flags)
            continue
        custom = normalize_category(spec.custom_category or "") if vendor != "dutchie" else ""
        if vendor == "alleaves" and record.category == "Uncategorized":
            assert product.category == "" and any("Unknown category" in f for f in product.flags)
            continue
        if vendor == "alleaves" and spec.custom_category and not spec.index % 2:
            custom = ""  # the custom category is in the path of odd-numbered items only
        assert product.category == (custom or spec.category), (spec.index, record.category, record.custom_category)
        assert product.flags == [], (spec.index, product.flags)
        if vendor != "alleaves":  # Alleaves' feed has no strain type
            assert product.strain_type in STRAIN_TYPES if spec.strain_type else product.strain_type == ""
        known = {t.name for t in spec.terpenes if t.known}
        assert {t["name"] for t in product.terpenes} == known, (spec.index, record.terpenes)
        assert set(product.unknown_terpenes) <= unknown_terpenes
        assert all(t["unit"] in ("%", "mg", "mg/g") for t in product.terpenes)
        assert all(row["unit"] in ("%", "mg", "mg/g") for row in product.lab_results)
        if product.category in INFUSED_CATEGORIES and product.weight and product.weight["unit"] != "fl oz":
            assert product.weight["unit"] == "mg"
        assert product.quantity >= 0
    assert mapped == 1000 and malformed == 4
