"""Lab results and potency (D3, D12, R5), and the unit rules terpenes share (A6).

Choices where the documents are silent:
- D3 "POS syncing for units" off: lab values still sync, their unit does not (unit ""), so the menu shows
  its own unit; thc_percentage / cbd_percentage are still filled when the POS says the value is a percent,
  because potency in percent is what the value is, whatever is displayed.
- Terpene rows (which Dutchie and Alleaves mix into their lab rows) are listed under terpenes only (C9).
- D12 on: the THC9 value becomes the THC value (lab row and thc_percentage); the THC9 row is not listed
  twice. D12 off: THC9 rows are never read and never listed.
"""
import functools
import re
from typing import Any

from .types import Decision, MappingSettings

DISPLAY_UNITS = ("mg", "%", "mg/g")
# D3: Dutchie's unit names -> display units; the short forms other POSes send are the same units.
DEFAULT_UNIT_MAP = {
    "milligrams": "mg", "milligram": "mg", "mg": "mg", "mgs": "mg",
    "percentage": "%", "percent": "%", "pct": "%", "%": "%",
    "milligrams per gram": "mg/g", "milligram per gram": "mg/g", "mg/g": "mg/g", "mg per g": "mg/g",
    "mg per gram": "mg/g", "mgg": "mg/g",
}
THC_NAMES = {"thc", "total thc", "thc total"}
CBD_NAMES = {"cbd", "total cbd", "cbd total"}
# D12: the spellings of the delta-9 THC row (Dutchie's sandbox writes "THC9").
THC9_NAMES = {"thc9", "thc 9", "thc-9", "delta-9 thc", "delta 9 thc", "d9-thc", "d9 thc", "δ9-thc", "δ9 thc",
              "delta9 thc", "delta-9-thc", "∆9-thc"}
# A6: "1.2%", "3 mg", "4.5 mg/g", "2.0" (bare: mg).
_SPACES = re.compile(r"\s+")
_VALUE_WITH_UNIT = re.compile(r"^\s*(-?\d+(?:\.\d+)?|-?\.\d+)\s*([^\d\s].*)?$")
# "THC %", "CBD mg/g": Alleaves names cannabinoid compounds with their unit.
_NAME_UNIT_SUFFIX = re.compile(r"\s*(\(?\s*(%|mg/g|mg|percent|percentage)\s*\)?)\s*$", re.IGNORECASE)


def unit_key(unit: str) -> str:
    return _unit_key(str(unit or ""))


@functools.lru_cache(maxsize=4096)  # a feed repeats a handful of units on every lab row
def _unit_key(unit: str) -> str:
    return _SPACES.sub(" ", unit.strip().lower())


def display_unit(unit: str, settings: MappingSettings) -> tuple[str, str]:
    """(display unit, rule): the card's lab unit mapping first (D3 overrides), then the default map.
    An unrecognised unit is kept as the POS wrote it (so nothing is hidden) and the rule says so."""
    key = unit_key(unit)
    overrides = {unit_key(k): v for k, v in (settings.lab_unit_mapping or {}).items() if k}
    if key in overrides:
        return str(overrides[key]), f"D3 lab unit mapping of this card: {unit!r} -> {overrides[key]!r}"
    if key in DEFAULT_UNIT_MAP:
        mapped = DEFAULT_UNIT_MAP[key]
        return mapped, (f"D3: {unit!r} -> {mapped!r}" if mapped != unit else "")
    return str(unit or "").strip(), f"Unit {unit!r} is not one of mg, %, mg/g: kept as given"


def split_value(value: Any, unit: str) -> tuple[float | None, str, bool]:
    """(number, unit, defaulted). A6: a unit written inside the value ("1.2%", "3 mg") wins; a value given as
    text in the unit slot (an unparsed Alleaves "1.2%") is read too; a bare number with no unit -> mg."""
    text_unit = str(unit or "").strip()
    if isinstance(value, bool):
        return None, text_unit, False
    if isinstance(value, int | float):
        return float(value), text_unit, False
    source = value if isinstance(value, str) else (text_unit if value is None else None)
    if source is None:
        return None, text_unit, False
    match = _VALUE_WITH_UNIT.match(source)
    if not match:
        return None, text_unit, False
    number = float(match.group(1))
    inner = (match.group(2) or "").strip()
    if inner:
        return number, inner, False
    if isinstance(value, str) and text_unit:
        return number, text_unit, False
    return number, "mg", True


def lab_name(name: str) -> str:
    """"THC %" -> "THC": the unit travels in the unit field, not the name."""
    stripped = _NAME_UNIT_SUFFIX.sub("", str(name or "").strip())
    return stripped or str(name or "").strip()


def is_thc9(name: str) -> bool:
    return unit_key(lab_name(name)) in THC9_NAMES


def _name_in(lab, names: set[str]) -> bool:
    return lab is not None and unit_key(lab_name(lab.name)) in names


def _readable(lab) -> bool:
    return lab is not None and split_value(lab.value, lab.unit)[0] is not None


def map_labs(pos, settings: MappingSettings) -> tuple[list[dict[str, Any]], float | None, float | None,
                                                        list[Decision]]:
    """(lab_results [{name, value, unit}], thc_percentage, cbd_percentage, decisions)."""
    decisions: list[Decision] = []
    thc = pos.thc
    if settings.use_thc9:
        if _readable(pos.thc9):
            thc = pos.thc9
            decisions.append(Decision("thc", f"D12 Use THC9 on: THC from the THC9 value {pos.thc9.value!r}",
                                      pos.thc9.value))
        elif thc is not None:
            decisions.append(Decision("thc", "D12 Use THC9 on, no THC9 value: THC from the THC lab", thc.value))
    elif pos.thc9 is not None:
        decisions.append(Decision("thc", "D12 Use THC9 off: the THC9 value is not read", None))
    terpene_ids = {id(lab) for lab in pos.terpenes}
    terpene_names = {unit_key(lab.name) for lab in pos.terpenes}
    rows: list = []
    seen_thc = seen_cbd = False
    for lab in pos.labs:
        if id(lab) in terpene_ids or unit_key(lab.name) in terpene_names or is_thc9(lab.name) or lab is pos.thc9:
            continue  # terpenes are C9's; THC9 is D12's (used as THC, or never read)
        if lab is pos.thc or _name_in(lab, THC_NAMES):
            if not seen_thc and thc is not None:
                rows.append(thc)
            seen_thc = True
            continue
        if lab is pos.cbd or _name_in(lab, CBD_NAMES):
            if not seen_cbd and pos.cbd is not None:
                rows.append(pos.cbd)
            seen_cbd = True
            continue
        rows.append(lab)
    # Potency that arrived outside the lab rows (Dutchie thcContent, Alleaves thc/thc_mg) is listed first.
    if not seen_thc and thc is not None:
        rows.insert(0, thc)
    if not seen_cbd and pos.cbd is not None:
        rows.insert(1 if thc is not None else 0, pos.cbd)
    results: list[dict[str, Any]] = []
    thc_percentage = cbd_percentage = None
    for lab in rows:
        value, unit, _defaulted = split_value(lab.value, lab.unit)
        # The THC row keeps the name "THC" even when its value came from THC9 (D12).
        name = "THC" if lab is thc else ("CBD" if lab is pos.cbd else lab_name(lab.name))
        if value is None:
            decisions.append(Decision("labs", f"Lab {lab.name!r} has no readable value ({lab.value!r}): skipped",
                                      lab.value))
            continue
        if not unit and lab_name(lab.name) != lab.name.strip():
            unit = lab.name.strip()[len(lab_name(lab.name)):].strip(" ()")  # "THC %" with no unit field
        shown, rule = display_unit(unit, settings)
        if rule:
            decisions.append(Decision("labs", f"{name}: {rule}", shown))
        if lab is thc and shown == "%":
            thc_percentage = value  # R5 potencyThc -> thc_percentage, only for a percent value
        if lab is pos.cbd and shown == "%":
            cbd_percentage = value
        if not settings.sync_lab_units:
            shown = ""
        results.append({"name": name, "value": value, "unit": shown})
    if not settings.sync_lab_units and results:
        decisions.append(Decision("labs", "D3 POS syncing for units off: lab values sync without their unit", None))
    return results, thc_percentage, cbd_percentage, decisions
