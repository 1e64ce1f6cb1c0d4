"""Strain types (F6): every POS spelling onto the menu's few values, case- and word-order-insensitively.

Seed 004 lists Flowhub's spellings as a flattened two-column table; our reading, shared with the sandbox
generator (integrations/sandbox/generate.py STRAIN_SPELLINGS):
  Indica, Sativa, Hybrid, CBD: themselves;
  Indica-Dom / Indica Hybrid / indica hybrid / hybrid indica -> "Indica Hybrid" (an indica-dominant hybrid);
  Sativa-Dom / Sativa Hybrid / sativa hybrid / hybrid sativa -> "Sativa Hybrid";
  50/50 -> "Hybrid" (a balanced hybrid).
Dutchie's strainType ("IndicaDominant", "Sativa Dominant Hybrid", "High CBD"...) reads the same way.
"""
import functools
import re

from .types import Decision

STRAIN_TYPES = ("Indica", "Indica Hybrid", "Sativa", "Sativa Hybrid", "Hybrid", "CBD")

# Words are compared as a set, so "hybrid indica" == "Indica Hybrid" (F6: order-insensitive).
_DOMINANT = {"dom", "dominant", "dominate", "dominated", "leaning", "heavy"}
_BY_WORDS: dict[frozenset[str], str] = {}
for _words, _value in [
    ({"indica"}, "Indica"), ({"sativa"}, "Sativa"), ({"hybrid"}, "Hybrid"), ({"cbd"}, "CBD"),
    ({"high", "cbd"}, "CBD"), ({"cbd", "hemp"}, "CBD"), ({"hemp"}, "CBD"),
    ({"indica", "hybrid"}, "Indica Hybrid"), ({"indica", "dom"}, "Indica Hybrid"),
    ({"indica", "dom", "hybrid"}, "Indica Hybrid"),
    ({"sativa", "hybrid"}, "Sativa Hybrid"), ({"sativa", "dom"}, "Sativa Hybrid"),
    ({"sativa", "dom", "hybrid"}, "Sativa Hybrid"),
    ({"50"}, "Hybrid"), ({"balanced"}, "Hybrid"), ({"balanced", "hybrid"}, "Hybrid"), ({"even", "hybrid"}, "Hybrid"),
]:
    _BY_WORDS[frozenset(_words)] = _value
# Values that mean "no strain type" rather than a spelling we do not know.
_NONE_WORDS = {frozenset(), frozenset({"n", "a"}), frozenset({"na"}), frozenset({"none"}),
               frozenset({"not", "applicable"})}


def strain_words(text: str) -> frozenset[str]:
    """"Indica-Dom" -> {indica, dom}; "IndicaDominantHybrid" -> {indica, dom, hybrid}; "50/50" -> {50}."""
    return _strain_words(str(text or ""))


@functools.lru_cache(maxsize=4096)  # a feed spells a few strain types on every product
def _strain_words(text: str) -> frozenset[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    words = set(re.findall(r"[a-z0-9]+", spaced.lower()))
    return frozenset("dom" if word in _DOMINANT else word for word in words)


def normalize_strain_type(text: str | None) -> tuple[str, Decision]:
    """(one of STRAIN_TYPES or "", the decision). An unknown spelling gives "" and a decision whose rule
    starts with "Unknown": the caller flags it for review instead of guessing."""
    given = str(text or "").strip()
    words = strain_words(given)
    if words in _NONE_WORDS:
        return "", Decision("strain_type", "The POS gives no strain type", "")
    value = _BY_WORDS.get(words)
    if value:
        return value, Decision("strain_type", f"F6: POS strain type {given!r} is {value!r}", value)
    return "", Decision("strain_type", f"Unknown strain type {given!r}: left empty for review", given)
