"""Mapping: POS records -> menu products (pure functions; see product.py)."""
from .product import SYNCABLE_FIELD_COLUMNS, map_product, settings_from_card, synced_columns
from .types import Decision, MappedProduct, MappingError, MappingSettings

__all__ = ["SYNCABLE_FIELD_COLUMNS", "Decision", "MappedProduct", "MappingError", "MappingSettings", "map_product",
           "settings_from_card", "synced_columns"]
