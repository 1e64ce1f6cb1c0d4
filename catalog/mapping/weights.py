"""Weights (D6): arrive in grams (Dutchie enters every weight in grams); infused categories (edibles,
beverages, topicals, tinctures) are shown in milligrams, everything else in grams.

Other POS units are converted to grams first (Alleaves and Flowhub send "mg" for infused products). A unit
that is not a mass ("fl oz", "ml", "each") cannot become grams: a volume is kept as given, "each" is no
weight at all, and a decision says so.
"""
from typing import Any

from .categories import INFUSED_CATEGORIES
from .types import Decision

GRAMS_PER_UNIT = {
    "": 1.0, "g": 1.0, "gram": 1.0, "grams": 1.0, "gr": 1.0,
    "mg": 0.001, "milligram": 0.001, "milligrams": 0.001,
    "kg": 1000.0, "kilogram": 1000.0, "kilograms": 1000.0,
    "oz": 28.349523125, "ounce": 28.349523125, "ounces": 28.349523125,
    "lb": 453.59237, "lbs": 453.59237, "pound": 453.59237, "pounds": 453.59237,
}
VOLUME_UNITS = {"fl oz": "fl oz", "floz": "fl oz", "fluid ounces": "fl oz", "fluidounces": "fl oz",
                "ml": "ml", "milliliters": "ml", "millilitres": "ml", "l": "l", "liters": "l", "litres": "l"}
COUNT_UNITS = {"each", "ea", "unit", "units", "count"}


def map_weight(weight: float | None, unit: str, category: str) -> tuple[dict[str, Any] | None, list[Decision]]:
    """({value, unit} or None, decisions)."""
    key = str(unit or "").strip().lower()
    if weight is None or weight <= 0:
        return None, []
    if key in COUNT_UNITS:
        return None, [Decision("weight", f"Weight is counted ({unit!r}), not weighed: no weight shown", None)]
    if key in VOLUME_UNITS:
        return {"value": weight, "unit": VOLUME_UNITS[key]}, [
            Decision("weight", f"Weight is a volume ({unit!r}): kept as given", weight)]
    if key not in GRAMS_PER_UNIT:
        return {"value": weight, "unit": str(unit).strip()}, [
            Decision("weight", f"Unknown weight unit {unit!r}: kept as given", weight)]
    grams = weight * GRAMS_PER_UNIT[key]
    decisions = []
    if not key:
        decisions.append(Decision("weight", "D6: no weight unit given, so grams (Dutchie enters weights in grams)",
                                  grams))
    if category in INFUSED_CATEGORIES:
        milligrams = round(grams * 1000, 3)
        decisions.append(Decision("weight", f"D6: {category} is an infused category, so the weight is shown in mg",
                                  milligrams))
        return {"value": milligrams, "unit": "mg"}, decisions
    return {"value": round(grams, 6), "unit": "g"}, decisions
