"""Price tiers and weight tiers (D5, A4, F: Flowhub weight tiers).

- D5 (Dutchie; Flowhub's isSoldByWeight is given in the same words by its client): quantityUnits
  "Quantity" + tier data -> price tiers (unit-count breaks); "Gram" + tier data -> weight tiers (gram breaks).
- A4 (Alleaves deli style): tiered pricing maps to our price tiers, whatever the item's unit of measure.
- Tier prices follow the menu type like unit prices do: a medical store shows the tier's medical price
  when the POS gives one; a store selling both keeps the recreational price and adds medical_price.
- Tier data with a quantityUnits we do not know is not guessed into either list: a decision explains it
  and the product is flagged (the caller adds the flag when the rule starts with "Unknown").
"""
from typing import Any

from .types import Decision, MappingSettings

QUANTITY_UNITS = {"quantity", "each", "ea", "unit", "units", "count"}
GRAM_UNITS = {"gram", "grams", "g", "weight"}


def _price(tier, settings: MappingSettings) -> dict[str, Any]:
    if settings.location_type == "medical" and tier.medical_price is not None:
        return {"price": tier.medical_price}
    if settings.location_type == "both" and tier.medical_price is not None:
        return {"price": tier.price, "medical_price": tier.medical_price}
    return {"price": tier.price}


def map_tiers(pos, settings: MappingSettings) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Decision]]:
    """(price_tiers, weight_tiers, decisions)."""
    tiers = sorted((tier for tier in pos.tiers if tier.price is not None), key=lambda tier: tier.start)
    if not tiers:
        return [], [], []
    units = str(pos.quantity_units or "").strip().lower()
    price_tiers = [{"min_quantity": tier.start, "max_quantity": tier.end, **_price(tier, settings)}
                   for tier in tiers]
    if "tiers_are_prices" in settings.rules:
        return price_tiers, [], [Decision("price_tiers", "A4: Alleaves deli-style tiered pricing -> price tiers",
                                          len(price_tiers))]
    if units in QUANTITY_UNITS:
        return price_tiers, [], [Decision("price_tiers", f"D5: quantityUnits {pos.quantity_units!r} with tier data "
                                                         f"-> price tiers", len(price_tiers))]
    if units in GRAM_UNITS:
        weight_tiers = [{"min_weight": tier.start, "max_weight": tier.end, "unit": "g", **_price(tier, settings)}
                        for tier in tiers]
        return [], weight_tiers, [Decision("weight_tiers", f"D5: quantityUnits {pos.quantity_units!r} with tier "
                                                           f"data -> weight tiers", len(weight_tiers))]
    return [], [], [Decision("price_tiers", f"Unknown quantityUnits {pos.quantity_units!r} with tier data: tiers "
                                            f"left out for review (D5 knows Quantity and Gram)", pos.quantity_units)]
