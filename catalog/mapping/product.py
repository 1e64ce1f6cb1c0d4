"""One PosProduct + the card's settings -> the product as the menu shows it (R5 names), with why (X3).

Pure: no ORM, no HTTP. `settings_from_card` is the one function that reads a model instance, by attribute
access only. C8 synced fields are recorded, not applied: mapping always fills every field, and ingest uses
catalog.models.FIELD_COLUMNS to leave alone the columns of the fields a card does not sync (and A5: price sync
off leaves prices alone).
"""
from .categories import choose_category
from .labs import map_labs
from .prices import choose_flower_equivalent, choose_prices
from .quantity import map_quantity
from .strains import normalize_strain_type
from .terpenes import map_terpenes
from .tiers import map_tiers
from .types import Decision, MappedProduct, MappingError, MappingSettings
from .weights import map_weight

# C8: each POS Settings field name -> the MappedProduct attributes it governs. Tiers go with price (a deli
# tier is a price, A5), flower equivalent with weight; sku, room_type and unit_cost always sync.
SYNCABLE_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("product_name",),
    "description": ("description",),
    "brand": ("brand",),
    "price": ("unit_price", "medical_unit_price", "price_tiers", "weight_tiers"),
    "images": ("images",),
    "labs": ("lab_results", "thc_percentage", "cbd_percentage"),
    "terpenes": ("terpenes", "unknown_terpenes"),
    "category": ("category", "subcategory"),
    "quantity": ("quantity",),
    "strain_type": ("strain_type",),
    "weight": ("weight", "flower_equivalent"),
}


def synced_columns(settings: MappingSettings) -> set[str]:
    """The MappedProduct attributes this card's synced fields allow ingest to overwrite (C8)."""
    return {column for name in settings.synced_fields for column in SYNCABLE_FIELD_COLUMNS.get(name, ())}


def _images(urls) -> list[str]:
    """C7: every image, in the POS's order, each once."""
    images: list[str] = []
    for url in urls or []:
        if isinstance(url, str) and url.strip() and url.strip() not in images:
            images.append(url.strip())
    return images


def map_product(pos, settings: MappingSettings) -> MappedProduct:
    """Map one record. Raises MappingError only when it cannot be a product at all (no POS product id);
    anything else wrong is a flag on the product, for the review queue."""
    product_id = str(pos.pos_product_id or "").strip()
    if not product_id:
        raise MappingError(f"A {settings.vendor} record has no product id: it cannot become a product")
    decisions: list[Decision] = []
    flags: list[str] = []
    name = str(pos.name or "").strip()
    if not name:
        flags.append("Missing product name")

    category, subcategory, category_decisions = choose_category(pos, settings)
    decisions += category_decisions
    if not str(pos.category or "").strip():
        flags.append("The POS category is empty")
    if not category:
        given = pos.custom_category or pos.product_type or pos.category
        flags.append(f"Unknown category {given!r}: choose one or add a POS custom mapping (C8)" if given
                     else "No category: choose one or add a POS custom mapping (C8)")

    strain_type, strain_decision = normalize_strain_type(pos.strain_type)
    decisions.append(strain_decision)
    if strain_decision.rule.startswith("Unknown"):
        flags.append(f"Unknown strain type {pos.strain_type!r}")

    lab_results, thc_percentage, cbd_percentage, lab_decisions = map_labs(pos, settings)
    decisions += lab_decisions
    terpenes, unknown_terpenes, terpene_decisions = map_terpenes(pos.terpenes, settings)
    decisions += terpene_decisions

    weight, weight_decisions = map_weight(pos.weight, pos.weight_unit, category)
    decisions += weight_decisions
    price_tiers, weight_tiers, tier_decisions = map_tiers(pos, settings)
    decisions += tier_decisions
    if any(d.rule.startswith("Unknown") for d in tier_decisions):
        flags.append(f"Tier data with an unknown quantityUnits {pos.quantity_units!r}")

    unit_price, medical_unit_price, price_decisions, price_flags = choose_prices(pos, settings)
    decisions += price_decisions
    flags += price_flags
    flower_equivalent, fe_decision = choose_flower_equivalent(pos, settings)
    if fe_decision:
        decisions.append(fe_decision)

    quantity, quantity_known, quantity_decisions, quantity_flags = map_quantity(pos)
    decisions += quantity_decisions
    flags += quantity_flags

    unsynced = sorted(set(SYNCABLE_FIELD_COLUMNS) - set(settings.synced_fields))
    if unsynced:
        decisions.append(Decision("synced_fields", f"C8 POS Settings: {', '.join(unsynced)} not synced from the "
                                                   f"POS (values edited here are kept)", unsynced))

    return MappedProduct(
        pos_product_id=product_id,
        sku=str(pos.sku or "").strip(),
        product_name=name,  # R5 name -> product_name
        brand=str(pos.brand or "").strip(),  # R5 brandName -> brand
        category=category,
        subcategory=subcategory,
        strain_type=strain_type,
        description=str(pos.description or "").strip(),
        images=_images(pos.images),
        thc_percentage=thc_percentage,  # R5 potencyThc
        cbd_percentage=cbd_percentage,  # R5 potencyCbd
        lab_results=lab_results,
        terpenes=terpenes,
        weight=weight,
        unit_price=unit_price,  # R5 price -> unit_price
        medical_unit_price=medical_unit_price,
        price_tiers=price_tiers,
        weight_tiers=weight_tiers,
        flower_equivalent=flower_equivalent,
        quantity=quantity,
        quantity_known=quantity_known,
        room_type=str(pos.room_name or "").strip(),  # R5 roomName -> room_type
        unit_cost=pos.unit_cost,  # R5 unitCost -> unit_cost, never shown on the menu
        unknown_terpenes=unknown_terpenes,
        decisions=decisions,
        flags=flags,
        raw=pos.raw if isinstance(pos.raw, dict) else {},
    )


def settings_from_card(card) -> MappingSettings:
    """The MappingSettings of an IntegrationCard, read by attribute access only (no queries of its own)."""
    defaults = MappingSettings(vendor=str(card.vendor))
    store = getattr(card, "store", None)
    location_type = str(getattr(store, "location_type", "") or defaults.location_type)
    fields = getattr(card, "synced_fields", None)
    synced = defaults.synced_fields if fields is None else frozenset(str(name) for name in fields)
    if getattr(card, "sync_prices", True) is False:
        synced = synced - {"price"}  # A5: price sync off -> later POS price changes do not change ours
    return MappingSettings(
        vendor=str(card.vendor),
        location_type=location_type,
        synced_fields=frozenset(synced),
        category_mapping=dict(getattr(card, "category_mapping", None) or {}),
        use_thc9=bool(getattr(card, "use_thc9", False)),
        use_rec_flower_equivalent=bool(getattr(card, "use_rec_flower_equivalent", False)),
        sync_lab_units=bool(getattr(card, "sync_lab_units", True)),
        lab_unit_mapping=dict(getattr(card, "lab_unit_mapping", None) or {}),
        sync_terpenes=bool(getattr(card, "sync_terpenes", True)),
        use_otd_pricing=bool(getattr(card, "use_otd_pricing", False)),
        map_custom_category_to_subcategory=bool(getattr(card, "map_custom_category_to_subcategory", False)),
    )
