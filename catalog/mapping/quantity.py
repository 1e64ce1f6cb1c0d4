"""Quantity (A3, D13, R5, R8): what the menu may sell, never below 0.

- R8: the POS wins on quantity; this is the POS's number.
- A3 (Alleaves Per Location Low Quantity Threshold) and D13 (Dutchie's threshold, whose products drop out of
  the feed): available <= threshold -> 0, which removes the product from the menu.
- A quantity the POS wrote as text is flagged: "12 units" is not guessed (0); a numeric text "12" is read
  as 12 (the clients read it already), still flagged, because the feed is wrong and should be fixed.
- A record that carries no quantity at all (Dutchie's /products details) is not a zero: quantity_known is
  False, so ingest keeps the stock it has.
"""
from typing import Any

from .types import Decision

# Where each client's raw record keeps the quantity (Dutchie, Flowhub, Alleaves).
RAW_QUANTITY_KEYS = ("quantityAvailable", "quantity", "available")


def _raw_text_quantity(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    for key in RAW_QUANTITY_KEYS:
        if isinstance(raw.get(key), str):
            return raw[key]
    return None


def map_quantity(pos) -> tuple[float, bool, list[Decision], list[str]]:
    """(quantity, quantity_known, decisions, flags)."""
    if pos.quantity is None:
        text = _raw_text_quantity(pos.raw)
        if text is not None:
            return 0, True, [Decision("quantity", f"Quantity is text ({text!r}): 0 until the POS fixes it", 0)], [
                f"Quantity is not a number: {text!r}"]
        return 0, False, [Decision("quantity", "The POS record carries no quantity: stock left as it is", None)], []
    quantity = float(pos.quantity)
    decisions, flags = [], []
    text = _raw_text_quantity(pos.raw)
    if text is not None:
        decisions.append(Decision("quantity", f"Quantity is text ({text!r}): read as {quantity:g}", quantity))
        flags.append(f"Quantity is not a number: {text!r}")
    if quantity < 0:
        decisions.append(Decision("quantity", f"POS quantity {quantity:g} is below 0: 0", 0))
        quantity = 0.0
    threshold = pos.low_quantity_threshold
    if threshold is not None and quantity > 0 and quantity <= threshold:
        decisions.append(Decision("quantity", f"A3/D13 low quantity threshold {threshold:g}: available "
                                              f"{quantity:g} <= threshold, so 0 (off the menu)", 0))
        quantity = 0.0
    return quantity, True, decisions, flags
