"""Sandbox Alleaves POS (X1, A1-A6) over real HTTP: the location and its areas, the inventory feed against
the real sample's keys and types, batches, prices, thresholds, tiers and terpenes, the change switches
(A5) and determinism."""
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from integrations.sandbox import services
from integrations.sandbox.vendors import alleaves
from tests.sandbox.alleaves_support import inventory, login, sellable

# The real responses live beside the repository (never copied into it).
REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
INVENTORY_SAMPLE = REFERENCE / "alleaves-inventory-sample.json"
LOCATION_SAMPLE = REFERENCE / "alleaves-location-areas.json"

AREA_KEYS = {"id_area", "id_location", "name", "path", "id_status", "deleted", "priority", "area_type",
             "id_parent", "returnable"}
NESTED_AREA_KEYS = {"id_area", "id_parent", "name", "path", "deleted", "returnable", "children"}
# Keys the real sample only ever has as null, which the requirements ask us to fill (A3, A6 / potency).
FILLED_NULL_KEYS = {"threshold_low_quantity", "thc_mg", "cbd", "cbd_mg"}


def json_type(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


# --- location and areas ----------------------------------------------------------------------------
def test_x1_location_object_matches_reference_keys(sandbox, http):
    sb = sandbox("alleaves", products=5)
    headers = login(sb, http)
    response = http.get(sb["base_url"] + "location", headers=headers)
    assert response.status_code == 200
    [location] = response.json()
    for key in ("id_location", "reference", "active", "address", "city", "state", "postal_code", "timezone",
                "license", "is_adult_use", "is_medical_use", "pickup", "delivery", "curbside", "retail",
                "local_tax_percentage", "tax_group_list", "areas"):
        assert key in location
    assert location["id_location"] == int(sb["credentials"]["location_id"])
    assert set(location["tax_group_list"][0]) == {"id_tax_group", "name"}
    assert all(set(area) == NESTED_AREA_KEYS for area in location["areas"])
    sales_floor = next(a for a in location["areas"] if a["name"] == "Sales Floor")
    assert sales_floor["children"][0]["path"] == "Sales Floor > Display Case"
    if LOCATION_SAMPLE.exists():
        [real] = json.loads(LOCATION_SAMPLE.read_text())
        assert set(real) <= set(location)
        assert set(real["areas"][0]) == NESTED_AREA_KEYS
        for key in real:
            if real[key] is not None:
                assert json_type(location[key]) == json_type(real[key]), key


def test_a1_areas_include_sellable_and_non_sellable(sandbox, http):
    sb = sandbox("alleaves", products=5)
    headers = login(sb, http)
    id_location = sb["credentials"]["location_id"]
    response = http.get(sb["base_url"] + "inventory/area", params={"id_location": id_location}, headers=headers)
    assert response.status_code == 200
    areas = response.json()
    assert all(set(area) == AREA_KEYS for area in areas)
    types = {area["area_type"] for area in areas}
    assert {"Retail", "Damaged", None} <= types
    assert {"Sales Floor", "Quarantine", "Damaged"} <= {area["name"] for area in areas}
    assert any(area["deleted"] for area in areas)
    other = http.get(sb["base_url"] + "inventory/area", params={"id_location": "999999"}, headers=headers)
    assert other.status_code == 403


# --- inventory -------------------------------------------------------------------------------------
def test_x1_inventory_rows_have_every_key_of_the_real_sample_with_its_types(sandbox, http):
    sb = sandbox("alleaves", products=120)
    rows = inventory(sb, http, login(sb, http))
    assert len(rows) == 120
    assert all(row["total_rows"] == 120 for row in rows)
    if not INVENTORY_SAMPLE.exists():
        pytest.skip(f"real sample not found at {INVENTORY_SAMPLE}: key comparison skipped")
    real = json.loads(INVENTORY_SAMPLE.read_text())
    real_keys = list(real[0])
    assert all(list(row) == real_keys for row in real)
    for row in rows:
        # The real keys plus our documented deli-tier keys (A4). Key order is not compared: it is
        # the sample's on SQLite, but PostgreSQL's jsonb stores keys in its own order.
        assert set(row) == set(real_keys) | set(alleaves.TIER_KEYS)
    real_types = defaultdict(set)
    for row in real:
        for key, value in row.items():
            if value is not None:
                real_types[key].add(json_type(value))
    clean = [row for row in rows if row["item"] and row["category"] and isinstance(row["available"], int)]
    for key in real_keys:
        ours = {json_type(row[key]) for row in clean if row[key] is not None}
        if real_types[key]:
            assert ours <= real_types[key], (key, ours, real_types[key])
        elif key not in FILLED_NULL_KEYS:
            assert not ours, f"{key} is always null in the real sample"
    for row in clean:
        for compound in row["compounds"]:
            assert set(compound) == {"compound", "result"} and isinstance(compound["result"], str)


def test_x1_inventory_query_paging_and_validation(sandbox, http):
    sb = sandbox("alleaves", products=60)
    headers = login(sb, http)
    rows = inventory(sb, http, headers)
    word = next(r for r in rows if r["item"])["item"].split(" - ")[0]
    matching = inventory(sb, http, headers, query=word.lower())
    expected = [r for r in rows if r["item"] and word.lower() in r["item"].lower()]
    assert [r["id_batch"] for r in matching] == [r["id_batch"] for r in expected]
    assert all(r["total_rows"] == len(expected) for r in matching)
    page2 = inventory(sb, http, headers, page=2, pageSize=25)
    assert [r["id_batch"] for r in page2] == [r["id_batch"] for r in rows[25:50]]
    assert page2[0]["total_rows"] == 60
    url = sb["base_url"] + "inventory/search"
    assert http.post(url, json={"query": ""}, headers=headers).status_code == 400
    assert http.post(url, json={"id_location": 1, "query": ""}, headers=headers).status_code == 403
    bad_page = http.post(url, json={"id_location": int(sb["credentials"]["location_id"]), "page": 0,
                                    "pageSize": 10}, headers=headers)
    assert bad_page.status_code == 400


BATCH_KEYS = {"id_batch", "id_item", "id_location", "batch", "metrc_package_label", "status", "id_status",
              "id_area", "area", "date_expire", "date_production", "date_harvest", "date_received", "quantity",
              "on_hand", "available", "thc_mg", "cbd_mg", "cost_of_good", "date_updated"}


def test_x1_batch_search_and_detail(sandbox, http):
    sb = sandbox("alleaves", products=20)
    headers = login(sb, http)
    rows = inventory(sb, http, headers)
    wanted = [rows[1]["id_batch"], rows[4]["id_batch"]]
    found = http.post(sb["base_url"] + "inventory/batch/search", json={"ids": wanted}, headers=headers)
    assert found.status_code == 200
    assert sorted(b["id_batch"] for b in found.json()) == sorted(wanted)
    assert all(set(b) == BATCH_KEYS for b in found.json())
    one = http.get(sb["base_url"] + f"inventory/batch/{rows[1]['id_batch']}", headers=headers)
    assert one.json()["on_hand"] == rows[1]["on_hand"] and one.json()["id_item"] == rows[1]["id_item"]
    assert http.get(sb["base_url"] + "inventory/batch/1", headers=headers).status_code == 404
    assert http.post(sb["base_url"] + "inventory/batch/search", json={}, headers=headers).status_code == 400


def test_x1_inventory_covers_batches_areas_categories_and_units(sandbox, http):
    sb = sandbox("alleaves", products=800)
    rows = inventory(sb, http, login(sb, http))
    batches = Counter(r["id_item"] for r in rows)
    assert any(count > 1 for count in batches.values()), "several batches per item"
    assert len({r["id_batch"] for r in rows}) == len(rows)
    no_area = [r for r in rows if r["area"] is None]
    assert no_area and all(r["available"] == 0 and r["area_type"] is None for r in no_area)
    assert {"Retail", "Damaged", None} <= {r["area_type"] for r in rows}
    categories = {r["category"] for r in rows if r["category"]}
    assert all(c == "Uncategorized" or c.startswith("Category > ") for c in categories)
    assert "Category > Pre rolls" in categories
    assert {"Grams", "Milligrams", None} <= {r["weight_useable_uom"] for r in rows}
    assert {r["weight_useable_uom_short"] for r in rows} >= {"g", "mg"}
    assert any(r["on_hand"] != r["available"] for r in rows)
    assert all(r["date_updated"] is None or r["date_updated"].endswith("Z") for r in rows)
    # Malformed records, each kind rendered as a realistically broken row.
    assert any(r["item"] is None for r in rows)
    assert any(r["category"] is None for r in rows)
    assert any(isinstance(r["available"], str) for r in rows)
    assert any(isinstance(r["price_retail_adult_use"], int | float) and r["price_retail_adult_use"] < 0
               for r in rows)


def test_a2_otd_prices_and_menu_type_prices(sandbox, http):
    sb = sandbox("alleaves", products=200)
    rows = sellable(inventory(sb, http, login(sb, http)))
    otd = [r for r in rows if r["use_otd_price"]]
    assert otd and all(r["price_otd_adult_use"] > r["price_retail_adult_use"] > 0 for r in otd
                       if r["price_retail_adult_use"])
    assert any(not r["use_otd_price"] for r in rows)
    assert any(r["price_retail_medical_use"] > 0 for r in rows)
    assert any(r["price_retail_adult_use"] == 0 and r["price_retail_medical_use"] > 0 for r in rows)
    assert any(r["price_retail"] > 0 and r["price_retail_adult_use"] == 0 for r in rows)


def test_a3_low_quantity_thresholds_present(sandbox, http):
    sb = sandbox("alleaves", products=300)
    rows = sellable(inventory(sb, http, login(sb, http)))
    selected = [r for r in rows if r["location_threshold_low_quantity_selected"]]
    assert selected
    assert any(r["available"] <= r["location_threshold_low_quantity_value"] for r in selected)
    assert any(r["available"] > r["location_threshold_low_quantity_value"] for r in selected)
    assert any(r["location_threshold_low_quantity_value"] and not r["location_threshold_low_quantity_selected"]
               for r in rows)
    assert any(r["threshold_low_quantity_selected"] and r["threshold_low_quantity"] for r in rows)


def test_a4_deli_style_tiered_pricing(sandbox, http):
    sb = sandbox("alleaves", products=300)
    rows = inventory(sb, http, login(sb, http))
    tiered = [r for r in rows if r["pricing_tiers"]]
    assert tiered and all(r["id_pricing_tier"] for r in tiered)
    assert all(set(t) == {"quantity_min", "quantity_max", "price"} for r in tiered for t in r["pricing_tiers"])
    deli = [r for r in tiered if r["uom"] == "Grams"]
    assert deli and all(r["uom_type"] == "weight" and r["uom_short"] == "g" for r in deli)
    # The more grams, the lower the price per gram.
    assert all(r["pricing_tiers"][0]["price"] > r["pricing_tiers"][-1]["price"] for r in deli)
    assert any(r["uom"] == "Each" for r in tiered), "quantity tiers too"
    assert all(r["id_pricing_tier"] is None and r["pricing_tiers"] == [] for r in rows if r not in tiered)


def test_a6_terpene_units_live_in_the_value(sandbox, http):
    sb = sandbox("alleaves", products=300)
    rows = inventory(sb, http, login(sb, http))
    results = [c for r in rows for c in r["compounds"] if not c["compound"].startswith(("THC", "CBD"))]
    assert any(c["result"].endswith("%") for c in results)
    assert any(c["result"].endswith(" mg") for c in results)
    assert any(c["result"].replace(".", "", 1).isdigit() for c in results), "bare number = mg"
    names = {c["compound"] for c in results}
    assert names & {"β-Myrcene", "α-Pinene", "delta 3 Carene", "β-Caryophyllene", "D-Limonene", "Myrcene",
                    "alpha-Pinene", "Delta-3-Carene", "Caryophyllene"}
    assert any(c["compound"] == "THC %" for r in rows for c in r["compounds"])
    assert any(r["thc_mg"] is not None for r in rows) and any(r["thc"] is not None for r in rows)


# --- changes (A5 and the sync engine's change detection) -------------------------------------------
def test_x1_price_quantity_add_delete_changes_are_visible(sandbox, http):
    sb = sandbox("alleaves", products=40)
    location = sb["location"]
    headers = login(sb, http)
    before = {r["id_batch"]: r for r in inventory(sb, http, headers)}
    assert services.change_prices(location, fraction=0.25, factor=2.0, seed=3) == 10
    after = {r["id_batch"]: r for r in inventory(sb, http, headers)}
    changed = [b for b in before if before[b]["price_otd_adult_use"] != after[b]["price_otd_adult_use"]]
    assert changed
    for batch in changed:
        old, new = before[batch], after[batch]
        assert new["price_retail_adult_use"] == pytest.approx(old["price_retail_adult_use"] * 2, abs=0.02)
        assert new["date_updated"] != old["date_updated"]
    services.change_quantities(location, fraction=0.25, quantity=7, seed=4)
    rows = inventory(sb, http, headers)
    sevens = [r for r in rows if r["available"] == 7]
    assert len(sevens) >= 10 and all(r["has_available_inventory"] and r["on_hand"] >= 7 for r in sevens)
    services.add_products(location, 5)
    rows = inventory(sb, http, headers)
    assert len(rows) == 45 and rows[0]["total_rows"] == 45
    gone = services.delete_products(location, 3, seed=1)
    rows = inventory(sb, http, headers)
    assert len(rows) == 42 and not {str(r["id_batch"]) for r in rows} & set(gone)


# --- determinism -----------------------------------------------------------------------------------
def test_x1_same_seed_same_catalogue(sandbox, http):
    def feed(seed):
        sb = sandbox("alleaves", products=80, seed=seed)
        headers = login(sb, http)
        rows = inventory(sb, http, headers)
        customers = http.post(sb["base_url"] + "customer/search", json={"page": 1, "pageSize": 100},
                              headers=headers).json()
        for row in rows:
            row.pop("id_location"), row.pop("location")
        return rows, customers

    first, again, other = feed(5), feed(5), feed(6)
    assert first == again
    assert first[0] != other[0]
