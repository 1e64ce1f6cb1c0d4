"""What mapping takes and gives: the card's settings that shape a product, and the product as the menu
shows it. Pure data: mapping functions never touch the database or the network."""
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MappingSettings:
    """The card and store settings mapping depends on (built from an IntegrationCard by
    `settings_from_card`; tests build them directly)."""

    vendor: str  # "dutchie", "alleaves", "flowhub"
    location_type: str = "recreational"  # "medical", "recreational", "both": picks the price field
    synced_fields: frozenset[str] = frozenset(
        {"name", "description", "brand", "price", "images", "labs", "terpenes", "category", "quantity",
         "strain_type", "weight"})  # C8
    category_mapping: dict[str, str] = field(default_factory=dict)  # C8: POS category -> menu category
    use_thc9: bool = False  # D12
    use_rec_flower_equivalent: bool = False  # D10
    sync_lab_units: bool = True  # D3
    lab_unit_mapping: dict[str, str] = field(default_factory=dict)  # D3: overrides of the default unit map
    sync_terpenes: bool = True  # C9
    use_otd_pricing: bool = False  # A2
    map_custom_category_to_subcategory: bool = False  # F9

    @property
    def rules(self) -> frozenset[str]:
        """The vendor's mapping rules, from its description (integrations/pos/<vendor>/spec.py)."""
        from integrations.pos.registry import VENDORS

        return VENDORS[self.vendor].mapping

    def __hash__(self) -> int:  # dict fields: hash by identity is enough for caching per run
        return id(self)


@dataclass
class Decision:
    """One mapping decision, kept for the product page's explanation (X3)."""

    field: str  # "category", "strain_type", "terpenes", "price", "quantity"...
    rule: str  # the rule that decided, in words a store understands, with its requirement ID
    value: Any = None


@dataclass
class MappedProduct:
    """A product as the menu shows it (R5 field names), plus why (decisions) and what is wrong (flags)."""

    pos_product_id: str
    sku: str = ""
    product_name: str = ""
    brand: str = ""
    category: str = ""  # one of CATEGORIES, or "" when unknown (then flagged)
    subcategory: str = ""
    strain_type: str = ""  # one of STRAIN_TYPES or ""
    description: str = ""
    images: list[str] = field(default_factory=list)
    thc_percentage: float | None = None
    cbd_percentage: float | None = None
    lab_results: list[dict[str, Any]] = field(default_factory=list)  # [{name, value, unit}]
    terpenes: list[dict[str, Any]] = field(default_factory=list)  # [{name, value, unit}], C9 names only
    weight: dict[str, Any] | None = None  # {value, unit}: grams, or mg for infused categories (D6)
    unit_price: float | None = None
    medical_unit_price: float | None = None
    # D5 Quantity / A4: [{min_quantity, max_quantity, price}]; D5 Gram: [{min_weight, max_weight, unit, price}]
    price_tiers: list[dict[str, Any]] = field(default_factory=list)
    weight_tiers: list[dict[str, Any]] = field(default_factory=list)
    flower_equivalent: float | None = None
    quantity: float = 0  # never below 0
    # False when the POS record carries no quantity at all (Dutchie /products details): ingest keeps its stock
    quantity_known: bool = True
    room_type: str = ""  # R5 roomName -> room_type
    unit_cost: float | None = None  # never on the menu
    unknown_terpenes: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # problems a manager should review (bad data, unknown category)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)


class MappingError(ValueError):
    """A record that cannot become a product at all (no id, no name...): counted and kept for review,
    never aborting its page."""
