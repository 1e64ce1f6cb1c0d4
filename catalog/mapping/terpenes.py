"""Terpenes (C9, F5, A6): every spelling onto the 16 supported names, units read from wherever they are.

- Names: Flowhub's Greek-letter spellings (F5: "β-Myrcene", "delta 3 Carene"), lab-report spellings
  ("beta-Myrcene", "Myrcene", "D-Limonene", "trans-Nerolidol"), Dutchie's short forms ("b-Pinene") and the
  C9 names themselves. A name we do not know is returned in unknown_names and explained in a decision,
  never dropped silently (C9); it is not shown on the menu, which lists C9 names only.
- Units: A6 (Alleaves) writes the unit inside the value ("1.2%", "3 mg"; bare number -> mg); Dutchie writes
  "Percentage" / "Milligrams" / "Milligrams per Gram" (D3 map and the card's overrides apply); Flowhub
  writes "%", "mg", "mg/g". A terpene with no unit anywhere is in mg (A6's default, applied to all POSes).
- Two rows that land on one C9 name (alpha- and gamma-Terpinene) are added up when their units agree,
  else the first is kept; either way a decision says so.
"""
import functools
import re
from typing import Any

from .labs import display_unit, split_value
from .types import Decision, MappingSettings

TERPENES = ("3-Carene", "Alpha Pinene", "Beta Caryophyllene", "Beta Eudesmol", "Beta Myrcene", "Beta Pinene",
            "Bisabolol", "Caryophyllene Oxide", "Guaiol", "Humulene", "Limonene", "Linalool", "Ocimene",
            "Terpinolene", "Terpinene", "Trans-Nerolidol")

_GREEK = {"α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "Δ": " delta ", "∆": " delta "}
# One-letter prefixes labs use: a-Pinene, b-Myrcene, g-Terpinene, d-Limonene.
_LETTERS = {"a": "alpha", "b": "beta", "g": "gamma"}
# Spellings beyond "<name>" itself; keys are `terpene_key` forms (words joined by one space).
_SPELLINGS = {
    "3-Carene": ["3 carene", "delta 3 carene", "delta3 carene", "d3 carene", "carene", "3 delta carene"],
    "Alpha Pinene": ["alpha pinene"],
    "Beta Caryophyllene": ["beta caryophyllene", "caryophyllene", "trans caryophyllene", "e caryophyllene"],
    "Beta Eudesmol": ["beta eudesmol", "eudesmol"],
    "Beta Myrcene": ["beta myrcene", "myrcene"],
    "Beta Pinene": ["beta pinene"],
    "Bisabolol": ["bisabolol", "alpha bisabolol", "levomenol"],
    "Caryophyllene Oxide": ["caryophyllene oxide", "beta caryophyllene oxide"],
    "Guaiol": ["guaiol"],
    "Humulene": ["humulene", "alpha humulene", "alpha caryophyllene"],
    "Limonene": ["limonene", "d limonene", "r limonene", "dextro limonene"],
    "Linalool": ["linalool", "beta linalool"],
    "Ocimene": ["ocimene", "beta ocimene", "cis ocimene", "trans ocimene", "cis beta ocimene",
                "trans beta ocimene"],
    "Terpinolene": ["terpinolene", "alpha terpinolene"],
    "Terpinene": ["terpinene", "alpha terpinene", "gamma terpinene"],
    "Trans-Nerolidol": ["trans nerolidol", "nerolidol", "e nerolidol"],
}


def terpene_key(name: str) -> str:
    """"β-Myrcene" -> "beta myrcene"; "delta 3 Carene" -> "delta 3 carene"; "b-Pinene (%)" -> "beta pinene"."""
    return _terpene_key(str(name or ""))


@functools.lru_cache(maxsize=4096)  # a feed repeats a few dozen lab names on every product
def _terpene_key(text: str) -> str:
    for letter, word in _GREEK.items():
        text = text.replace(letter, word)
    words = re.findall(r"[a-z0-9]+", text.lower())
    while words and words[-1] in {"mg", "g", "percent", "pct", "total"}:
        words.pop()  # "Myrcene mg/g", "Myrcene Total": a unit or total in the name, not part of it
    return " ".join(_LETTERS.get(word, word) if n < len(words) - 1 else word for n, word in enumerate(words))


_BY_KEY = {terpene_key(spelling): name for name, spellings in _SPELLINGS.items() for spelling in [name, *spellings]}


def terpene_name(name: str) -> str:
    """The C9 name for a spelling, or "" when it is not one of the 16."""
    return _BY_KEY.get(terpene_key(name), "")


def map_terpenes(values: list, settings: MappingSettings) -> tuple[list[dict[str, Any]], list[str], list[Decision]]:
    """(terpenes [{name, value, unit}] with C9 names, unknown_names, decisions). Only when terpene sync is on."""
    if not settings.sync_terpenes:
        return [], [], [Decision("terpenes", "C9: terpene sync is off for this card", None)] if values else []
    terpenes: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    decisions: list[Decision] = []
    for lab in values:
        given = str(lab.name or "").strip()
        name = terpene_name(given)
        if not name:
            if given and given not in unknown:
                unknown.append(given)
            continue
        value, unit, defaulted = split_value(lab.value, lab.unit)
        if value is None:
            decisions.append(Decision("terpenes", f"{given!r} has no readable value ({lab.value!r}): skipped",
                                      lab.value))
            continue
        if defaulted or not unit:
            unit = "mg"
            decisions.append(Decision("terpenes", f"A6: {given!r} has no unit of measure: mg", value))
        shown, rule = display_unit(unit, settings)
        if name != given:
            decisions.append(Decision("terpenes", f"C9/F5: {given!r} is {name!r}", name))
        if rule:
            decisions.append(Decision("terpenes", f"{name}: {rule}", shown))
        if name in terpenes:
            kept = terpenes[name]
            if kept["unit"] == shown:
                kept["value"] = round(kept["value"] + value, 6)
                decisions.append(Decision("terpenes", f"{given!r} is also {name!r}: values added up", kept["value"]))
            else:
                decisions.append(Decision("terpenes", f"{given!r} is also {name!r} in another unit ({shown}): "
                                                      f"the first value is kept", kept["value"]))
            continue
        terpenes[name] = {"name": name, "value": value, "unit": shown}
    if unknown:
        decisions.append(Decision("terpenes", f"C9: unknown terpene(s) {', '.join(unknown)}: not one of the 16 "
                                              f"supported names, reported and not shown", list(unknown)))
    return list(terpenes.values()), unknown, decisions
