"""Mapping tables for strains, terpenes and labs, one test per requirement ID (F6, C9, F5, A6, D3, D12, R5).
No database, no HTTP."""
import pytest

from catalog.mapping import map_product
from catalog.mapping.labs import map_labs
from catalog.mapping.strains import STRAIN_TYPES, normalize_strain_type
from catalog.mapping.terpenes import TERPENES, map_terpenes, terpene_name
from integrations.pos.records import LabValue
from tests.catalog.mapping_support import pos, settings


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
