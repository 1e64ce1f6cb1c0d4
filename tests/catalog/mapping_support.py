"""Helpers of the mapping tests (tests/catalog/test_mapping*.py): a PosProduct with defaults, settings for a
vendor, the rules recorded for one field."""
from catalog.mapping import MappedProduct, MappingSettings
from integrations.pos.records import PosProduct


def pos(**values) -> PosProduct:
    base = {"pos_product_id": "101", "name": "Blue Dream 3.5g", "category": "Flower", "price": 30.0, "quantity": 10.0}
    return PosProduct(**{**base, **values})


def settings(vendor: str = "dutchie", **values) -> MappingSettings:
    return MappingSettings(vendor=vendor, **values)


def rules(product: MappedProduct, field: str) -> list[str]:
    return [decision.rule for decision in product.decisions if decision.field == field]
