"""Menu categories and how a POS category string becomes one (C8, F8, F9, R5).

Precedence, for every vendor (only Flowhub fills custom_category and product_type, so for the others the
chain starts at the POS category):
  1. C8 POS custom mapping (the card's Category Settings), tried on every candidate in F8 order before any
     built-in spelling: a store's explicit mapping is the strongest signal it gives us.
  2. The built-in normaliser, tried on the candidates in F8 order: custom category, then type, then
     category (then Dutchie's masterCategory, kept in raw, when the store category says nothing).
A candidate "has no result" (F8's words) when neither step recognises it, and the next one is tried.
Nothing is guessed: a product none of whose candidates is recognised gets category "" and a flag, and goes
on the menu under UNCATEGORISED (written so by catalog.ingest) until a mapping decides it.
"""
import functools
import re
from typing import Any

from .strains import normalize_strain_type
from .types import Decision, MappingSettings

# Where the menu shows a product whose category no mapping recognises yet: visible, and filterable by a
# manager (Menu > Products, the menu API's category filter), rather than a product with no category at all.
UNCATEGORISED = "Uncategorised"
CATEGORIES = ("Flower", "Pre-Rolls", "Vaporizers", "Concentrates", "Edibles", "Beverages", "Topicals",
              "Tinctures", "Accessories")
# D6: weights of these are shown in milligrams.
INFUSED_CATEGORIES = frozenset({"Edibles", "Beverages", "Topicals", "Tinctures"})

# Spellings seen in POS feeds (Dutchie store categories such as "Vape Cartridges", Alleaves' "Pre rolls" /
# "Vapes" / "Concentrate", Flowhub categories and custom category names) -> menu category. Keys are
# compared after `category_key` (lowercase, letters and digits only), so "Pre-Roll", "Pre rolls" and
# "PREROLLS" are one key; a trailing plural "s" is also tried.
_SPELLINGS = {
    "Flower": ["flower", "flowers", "bud", "buds", "whole flower", "bulk flower", "shake", "smalls",
               "popcorn", "ground flower", "pre-pack flower", "prepack"],
    "Pre-Rolls": ["pre-rolls", "pre roll", "prerolls", "preroll", "pre-roll", "pre rolled", "joint", "joints",
                  "infused pre-rolls", "infused preroll", "blunt", "blunts", "pre-roll packs"],
    "Vaporizers": ["vaporizers", "vaporizer", "vape", "vapes", "vape cartridges", "vape cartridge", "cartridge",
                   "cartridges", "cart", "carts", "vape pens", "vape pen", "pod", "pods", "disposable",
                   "disposables", "disposable vapes"],
    "Concentrates": ["concentrates", "concentrate", "extract", "extracts", "wax", "shatter", "live resin", "rosin",
                     "live rosin", "budder", "badder", "crumble", "distillate", "dab", "dabs", "kief", "hash",
                     "sauce", "diamonds", "rso"],
    "Edibles": ["edibles", "edible", "gummy", "gummies", "chocolate", "chocolates", "candy", "candies",
                "baked goods", "mints", "infused edibles"],
    "Beverages": ["beverages", "beverage", "drink", "drinks", "infused beverages", "soda", "sodas"],
    "Topicals": ["topicals", "topical", "lotion", "lotions", "balm", "balms", "salve", "salves", "transdermal",
                 "transdermals", "bath"],
    "Tinctures": ["tinctures", "tincture", "sublingual", "sublinguals", "drops"],
    "Accessories": ["accessories", "accessory", "gear", "merch", "merchandise", "apparel", "paraphernalia",
                    "glass", "hardware", "batteries", "battery", "papers", "grinders"],
}


def category_key(text: str) -> str:
    return _category_key(str(text or ""))


@functools.lru_cache(maxsize=4096)  # a feed repeats a few dozen category spellings on every product
def _category_key(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower().replace("&", "and"))


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


_BY_KEY = {category_key(spelling): category for category, spellings in _SPELLINGS.items()
           for spelling in [category, *spellings]}
# Alleaves writes its category as a path: "Category > Pre rolls", "Category > Flower > Staff Picks".
_PATH_SEPARATOR = re.compile(r"\s*>\s*")
_PATH_ROOTS = {"category", "categories"}


def normalize_category(text: str) -> str:
    """A POS category spelling -> one of CATEGORIES, or "" when it is not recognised (never guessed)."""
    return _normalize_category(str(text or ""))


@functools.lru_cache(maxsize=4096)
def _normalize_category(text: str) -> str:
    key = category_key(text)
    if not key:
        return ""
    if key in _BY_KEY:
        return _BY_KEY[key]
    if key.endswith("s") and key[:-1] in _BY_KEY:
        return _BY_KEY[key[:-1]]
    return ""


def path_segments(text: str) -> list[str]:
    """Alleaves "Category > Flower > Staff Picks" -> ["Flower", "Staff Picks"]; a plain string -> [string]."""
    return list(_path_segments(str(text or "")))


@functools.lru_cache(maxsize=4096)
def _path_segments(text: str) -> tuple[str, ...]:
    parts = [part.strip() for part in _PATH_SEPARATOR.split(text.strip()) if part.strip()]
    if len(parts) > 1 and parts[0].lower() in _PATH_ROOTS:
        parts = parts[1:]
    return tuple(parts)


def _candidates(pos) -> list[tuple[str, str]]:
    """(label, text) in F8 order; Dutchie's masterCategory last (its store categories are free text)."""
    found = [("custom category", pos.custom_category), ("type", pos.product_type), ("category", pos.category)]
    raw: dict[str, Any] = pos.raw if isinstance(pos.raw, dict) else {}
    if raw.get("masterCategory"):
        found.append(("master category", str(raw["masterCategory"])))
    return [(label, str(text).strip()) for label, text in found if text and str(text).strip()]


def _custom_mapping(settings: MappingSettings) -> dict[str, str]:
    # C8: keys match the POS category case-insensitively (and ignoring spaces and punctuation).
    return {category_key(key): value for key, value in (settings.category_mapping or {}).items() if key}


def choose_category(pos, settings: MappingSettings) -> tuple[str, str, list[Decision]]:
    """(category, subcategory, decisions). category is "" when nothing is recognised; the caller flags it."""
    decisions: list[Decision] = []
    candidates = _candidates(pos)
    f8 = " (F8: custom category, then type, then category)" if "custom_category_first" in settings.rules else ""
    category, chosen_from = "", None
    mapping = _custom_mapping(settings)
    # 1. C8 POS custom mapping, on the whole string first, then on each path segment (deepest first).
    for label, text in candidates if mapping else []:
        for piece in [text, *reversed(path_segments(text))]:
            target = mapping.get(category_key(piece))
            if target is None:
                continue
            menu = normalize_category(target)
            if menu:
                category, chosen_from = menu, (label, text, piece)
                decisions.append(Decision("category", f"C8 POS custom mapping: {label} {piece!r} -> {menu!r}{f8}",
                                          menu))
                break
            decisions.append(Decision("category", f"C8 POS custom mapping names {target!r}, which is not a menu "
                                                  f"category: ignored", target))
        if category:
            break
    # 2. Built-in spellings, the last path segment first, then earlier ones (Alleaves paths).
    if not category:
        for label, text in candidates:
            for piece in reversed(path_segments(text)):
                menu = normalize_category(piece)
                if menu:
                    category, chosen_from = menu, (label, text, piece)
                    via = f" (path segment {piece!r})" if piece != text else ""
                    decisions.append(Decision("category", f"POS {label} {text!r}{via} is the menu category "
                                                          f"{menu!r}{f8}", menu))
                    break
            if category:
                break
            decisions.append(Decision("category", f"POS {label} {text!r} is not a menu category: next candidate{f8}",
                                      text))
    if not category:
        tried = ", ".join(f"{label} {text!r}" for label, text in candidates) or "no category at all"
        decisions.append(Decision("category", f"Unknown category ({tried}): shown under {UNCATEGORISED!r} until a "
                                              "POS custom mapping (C8) decides it", UNCATEGORISED))
    subcategory, rule = _subcategory(pos, settings, chosen_from)
    if rule:
        decisions.append(Decision("subcategory", rule, subcategory))
    return category, subcategory, decisions


def _subcategory(pos, settings: MappingSettings, chosen_from) -> tuple[str, str]:
    if "subcategory_from_product_type" in settings.rules:
        # F9: on + custom category present -> the custom category's name; otherwise product type, else the
        # main category, so a subtype is always assigned from what Flowhub gives.
        if settings.map_custom_category_to_subcategory and pos.custom_category.strip():
            return pos.custom_category.strip(), "F9 Map Custom Category to Sub Category on: the custom category name"
        if pos.product_type.strip():
            return pos.product_type.strip(), "F9: the product type"
        if pos.category.strip():
            return pos.category.strip(), "F9: no product type, so the main category"
        return "", ""
    if "subcategory_from_strain_type" in settings.rules:
        # R5 maps strainType -> subcategory. Seed 000 is silent on Dutchie subcategories, and our menu also
        # keeps strain_type as its own field; a strain-type subcategory is how menus group Flower > Indica,
        # so R5 is followed, with the strain type normalised (F6 spellings) so sub-menus do not split.
        strain_type, _decision = normalize_strain_type(pos.strain_type)
        if strain_type:
            return strain_type, f"R5: Dutchie strainType {pos.strain_type!r} is the subcategory"
        return "", ""
    # Alleaves: a deeper path segment than the one that chose the category is the store's own sub-menu
    # ("Category > Flower > Staff Picks" -> Flower / Staff Picks).
    if chosen_from and "subcategory_from_path" in settings.rules:
        label, text, piece = chosen_from
        segments = path_segments(text)
        if piece in segments and segments.index(piece) < len(segments) - 1:
            deeper = " > ".join(segments[segments.index(piece) + 1:])
            return deeper, f"The POS {label} path continues below {piece!r}: {deeper!r}"
    return "", ""
