"""Mapping tables for categories, fields, images, synced fields and settings, decisions and malformed records
(C7, C8, F8, F9, R5, A5, X3, R8), and one end-to-end test per vendor over sandbox-rendered records. No
database, no HTTP. Strains, terpenes and labs are in test_mapping_labs.py; tiers, weights, prices and
quantities in test_mapping_prices_quantities.py."""
import pytest

from catalog.mapping import MappedProduct, MappingError, map_product, settings_from_card
from catalog.mapping.categories import CATEGORIES, INFUSED_CATEGORIES, choose_category, normalize_category
from catalog.mapping.product import SYNCABLE_FIELD_COLUMNS, synced_columns
from catalog.mapping.strains import STRAIN_TYPES
from integrations.pos.records import LabValue
from tests.catalog.mapping_support import pos, rules, settings


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
