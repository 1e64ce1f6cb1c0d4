"""Prices (A2, R5, D10) and flower equivalent (D10).

- The store's menu type picks the price: medical -> the medical price; recreational -> the recreational
  price; both -> recreational as unit_price and medical as medical_unit_price. A missing menu-type price
  falls back to the POS's general price (Dutchie unitPrice, Alleaves price_retail, Flowhub price).
- A2 Out-The-Door (OTD) pricing on: the OTD field for the menu type (Alleaves price_otd_adult_use /
  price_otd_medical_use), else the general OTD field; a product with no OTD price at all keeps its regular
  price, with a decision. Off: the OTD fields are never read.
- A negative price is never shown (None) and the product is flagged; so is a missing price, except for a
  medical-only product on a recreational menu, which that menu does not sell.
- D10: on -> Rec Flower Equivalent; off (default) -> Flower Equivalent. No fallback between the two: the
  setting names the field to pull from.
"""
from .types import Decision, MappingSettings

_PRICE_FIELDS = ("price", "price_recreational", "price_medical", "price_otd", "price_otd_recreational",
                 "price_otd_medical")


def _pick(pos, menu: str, otd: bool) -> tuple[float | None, str]:
    """(price, the POS field it came from) for "recreational" or "medical"."""
    specific = "price_otd_recreational" if otd and menu == "recreational" else (
        "price_otd_medical" if otd else ("price_recreational" if menu == "recreational" else "price_medical"))
    general = "price_otd" if otd else "price"
    for name in (specific, general):
        value = getattr(pos, name)
        if value is not None:
            return value, name
    return None, ""


def choose_prices(pos, settings: MappingSettings) -> tuple[float | None, float | None, list[Decision], list[str]]:
    """(unit_price, medical_unit_price, decisions, flags)."""
    decisions: list[Decision] = []
    flags: list[str] = []
    negative = [name for name in _PRICE_FIELDS if (getattr(pos, name) or 0) < 0]
    if negative:
        flags.append(f"Negative price in the POS ({', '.join(negative)}): not shown")
    menus = {"medical": ["medical"], "both": ["recreational", "medical"]}.get(settings.location_type,
                                                                              ["recreational"])
    picked: dict[str, float | None] = {}
    for menu in menus:
        otd = settings.use_otd_pricing
        value, source = _pick(pos, menu, otd)
        if otd and value is None:
            value, source = _pick(pos, menu, False)
            if value is not None:
                decisions.append(Decision("price", f"A2 Out-The-Door (OTD) pricing on, but no OTD price: {menu} price "
                                                   f"from {source}", value))
        elif otd:
            decisions.append(Decision("price", f"A2 Out-The-Door (OTD) pricing on: {menu} price from {source}", value))
        elif value is not None:
            rule = f"{settings.location_type} menu: {menu} price from {source}"
            if "otd_pricing" in settings.rules:
                rule = "A2 Out-The-Door (OTD) pricing off: " + rule
            decisions.append(Decision("price", rule, value))
        if value is not None and value < 0:
            value = None
        picked[menu] = value
    if all(value is None for value in picked.values()) and not negative:
        if pos.medical_only and "medical" not in picked:
            decisions.append(Decision("price", "Medical-only product on a recreational menu: no price", None))
        else:
            flags.append(f"No {' or '.join(picked)} price in the POS")
    if settings.location_type == "both":
        return picked["recreational"], picked["medical"], decisions, flags
    return picked[menus[0]], None, decisions, flags


def choose_flower_equivalent(pos, settings: MappingSettings) -> tuple[float | None, Decision | None]:
    if settings.use_rec_flower_equivalent:
        return pos.rec_flower_equivalent, Decision(
            "flower_equivalent", "D10 Flower Equivalent setting on: Rec Flower Equivalent", pos.rec_flower_equivalent)
    if pos.flower_equivalent is None and pos.rec_flower_equivalent is None:
        return None, None
    return pos.flower_equivalent, Decision(
        "flower_equivalent", "D10 Flower Equivalent setting off (default): Flower Equivalent", pos.flower_equivalent)
