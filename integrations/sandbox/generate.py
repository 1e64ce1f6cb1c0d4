"""Deterministic, vendor-neutral catalogue, customers and sales for the sandbox POS.

`product_specs(seed, n)` always yields the same products for the same seed; each vendor module
renders a spec into its own JSON shape. The variety covers every case REQUIREMENTS.md names:
infused categories, several images, labs in mg / % / mg/g, THC9 present and absent, terpene
spellings, strain-type spellings, custom categories, quantity and gram tiers, flower equivalents,
deli tiers and OTD prices, low-quantity thresholds, duplicate SKUs, products stocked as several batches
(packages, some in other rooms) and a few malformed records.
"""
import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# A fixed "now" keeps generated timestamps identical from run to run.
EPOCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# (category, infused, unit weights in grams, price range)
CATEGORIES = [
    ("Flower", False, [1.0, 3.5, 7.0, 14.0, 28.0], (10, 260)),
    ("Pre-Rolls", False, [0.5, 1.0, 2.5], (6, 45)),
    ("Vaporizers", False, [0.5, 1.0], (25, 70)),
    ("Concentrates", False, [0.5, 1.0, 2.0], (20, 90)),
    ("Edibles", True, [0.1, 0.2], (12, 40)),
    ("Beverages", True, [0.01, 0.1], (6, 18)),
    ("Topicals", True, [0.1, 0.5], (18, 65)),
    ("Tinctures", True, [0.3, 0.6], (25, 80)),
    ("Accessories", False, [0.0], (5, 60)),
]
# Names a store gives its own sub-menus (F8, F9).
CUSTOM_CATEGORIES = ["Staff Picks", "Top Shelf", "Value Ounces", "Infused Pre-Rolls", "Live Resin", "Gummies"]
BRANDS = ["Acme Farms", "Summit Growers", "Wana", "Kiva", "Stiiizy", "Old Pal", "Cresco", "Good Tide",
          "Evergreen Organix", "High Plains", "Mesa Verde", "Riverbend", "Kings Road ", "Lowell Farms"]
STRAINS = ["Blue Dream", "OG Kush", "Gelato", "Sour Diesel", "Wedding Cake", "GSC", "Jack Herer",
           "Granddaddy Purple", "Pineapple Express", "Durban Poison", "Zkittlez", "Harlequin", "ACDC",
           "Northern Lights", "Bosscotti x Haze", "Tangie", "Mimosa", "Runtz", "Purple Punch"]
# Neutral strain types; vendors spell them their own ways (F6).
STRAIN_TYPES = ["indica", "sativa", "hybrid", "indica-dominant", "sativa-dominant", "balanced", "cbd"]
STRAIN_SPELLINGS = {
    "indica": ["Indica", "indica", "INDICA"],
    "sativa": ["Sativa", "sativa"],
    "hybrid": ["Hybrid", "hybrid"],
    "indica-dominant": ["Indica-Dom", "Indica-dom", "Indica Hybrid", "indica hybrid", "hybrid indica"],
    "sativa-dominant": ["Sativa-Dom", "Sativa-dom", "Sativa Hybrid", "sativa hybrid", "hybrid sativa"],
    "balanced": ["50/50"],
    "cbd": ["CBD"],
}
# The 16 supported names (C9) and spellings seen from the vendors (F5) and in lab reports.
TERPENES = {
    "3-Carene": ["3-Carene", "delta 3 Carene", "Delta-3-Carene"],
    "Alpha Pinene": ["Alpha Pinene", "α-Pinene", "alpha-Pinene"],
    "Beta Caryophyllene": ["Beta Caryophyllene", "β-Caryophyllene", "Caryophyllene"],
    "Beta Eudesmol": ["Beta Eudesmol", "β-Eudesmol"],
    "Beta Myrcene": ["Beta Myrcene", "β-Myrcene", "Myrcene"],
    "Beta Pinene": ["Beta Pinene", "β-Pinene"],
    "Bisabolol": ["Bisabolol", "α-Bisabolol"],
    "Caryophyllene Oxide": ["Caryophyllene Oxide", "Caryophyllene oxide"],
    "Guaiol": ["Guaiol"],
    "Humulene": ["Humulene", "α-Humulene"],
    "Limonene": ["Limonene", "D-Limonene"],
    "Linalool": ["Linalool"],
    "Ocimene": ["Ocimene", "β-Ocimene"],
    "Terpinolene": ["Terpinolene"],
    "Terpinene": ["Terpinene", "α-Terpinene"],
    "Trans-Nerolidol": ["Trans-Nerolidol", "trans-Nerolidol"],
}
UNKNOWN_TERPENES = ["Farnesene", "Valencene", "Geraniol"]
LAB_UNITS = ["%", "mg", "mg/g"]
DISCOUNT_GROUPS = ["Veterans", "Seniors", "Industry", "VIP", "Students"]
FIRST_NAMES = ["Ava", "Ben", "Carla", "Dev", "Elena", "Felix", "Grace", "Hugo", "Iris", "Jamal", "Kira", "Leo",
               "Maya", "Nate", "Olive", "Pablo", "Quinn", "Rosa", "Sam", "Tess", "Uma", "Victor", "Wren", "Yara"]
LAST_NAMES = ["Smith", "Garcia", "Nguyen", "Patel", "Johnson", "Kim", "Lopez", "Brown", "Davis", "Martinez",
              "Wilson", "Clark", "Lewis", "Young", "Hall", "Allen", "King", "Wright", "Scott", "Green"]
STATES = ["CO", "CO", "CO", "NM", "CA", "AZ", "NY", "MI"]
# Malformed shapes a real feed has produced: a record the mapper must flag, never crash on.
MALFORMED_KINDS = ["missing_name", "negative_price", "text_quantity", "null_category"]


@dataclass
class TerpeneSpec:
    name: str  # canonical C9 name, or an unknown name
    spelling_index: int
    value: float
    unit: str  # "%", "mg", "mg/g"
    known: bool = True


@dataclass
class BatchSpec:
    """One more batch (a Dutchie package) of a product in stock, beside the product's own (quantity and
    room_index of its ProductSpec): vendors whose feeds have one row per batch render it as its own row."""

    number: int  # 1, 2...: the product's own batch is 0
    room_index: int  # 0..3, as ProductSpec.room_index
    quantity: int
    packaged_days_later: int  # a later batch was packaged later


@dataclass
class ProductSpec:
    index: int
    product_id: int
    sku: str
    name: str
    brand: str
    category: str
    infused: bool
    custom_category: str | None
    strain: str | None
    strain_type: str | None
    strain_spelling_index: int
    unit_weight_g: float
    price_rec: float
    price_med: float
    price_otd: float
    unit_cost: float
    quantity: int
    low_threshold: int | None
    room_index: int  # 0..3; vendors mark index 3 non-sellable
    thc: float | None
    cbd: float | None
    lab_unit: str
    thc9: float | None
    terpenes: list[TerpeneSpec]
    images: list[str]
    tier_kind: str | None  # "Quantity", "Gram" (D5) or None
    tiers: list[tuple[float, float, float]]  # (start, end, price)
    flower_equivalent: float | None
    rec_flower_equivalent: float | None
    description: str
    modified_at: datetime
    duplicate_of: int | None = None
    malformed: str | None = None
    effects: list[str] = field(default_factory=list)
    batches: list[BatchSpec] = field(default_factory=list)  # more batches in stock, beside its own


def _money(x: float) -> float:
    return round(x, 2)


def product_spec(rng: random.Random, index: int, seed: int) -> ProductSpec:
    category, infused, weights, (low, high) = CATEGORIES[index % len(CATEGORIES)]
    weight = rng.choice(weights)
    strain = rng.choice(STRAINS) if category != "Accessories" else None
    strain_type = rng.choice(STRAIN_TYPES) if strain else None
    brand = rng.choice(BRANDS)
    price_rec = _money(rng.uniform(low, high))
    price_med = _money(price_rec * rng.choice([0.85, 0.9, 1.0]))
    lab_unit = "mg" if infused else rng.choice(["%", "%", "%", "mg/g"])
    if infused:
        thc = float(rng.choice([2.5, 5, 10, 100, 250, 500, 1000]))
        cbd = float(rng.choice([0, 0, 5, 100]))
    elif category == "Accessories":
        thc = cbd = None
    else:
        thc = round(rng.uniform(14, 32) if lab_unit == "%" else rng.uniform(140, 320), 1)
        cbd = round(rng.uniform(0, 2), 2) if lab_unit == "%" else round(rng.uniform(0, 20), 1)
    terpenes = []
    if thc is not None and rng.random() < 0.7:
        for name in rng.sample(list(TERPENES), rng.randint(1, 5)):
            unit = rng.choice(LAB_UNITS)
            value = round(rng.uniform(0.05, 2.5), 2) if unit == "%" else round(rng.uniform(0.5, 25), 1)
            terpenes.append(TerpeneSpec(name, rng.randrange(len(TERPENES[name])), value, unit))
        if rng.random() < 0.08:
            terpenes.append(TerpeneSpec(rng.choice(UNKNOWN_TERPENES), 0, round(rng.uniform(0.1, 1), 2), "%",
                                        known=False))
    tier_kind, tiers = None, []
    if category == "Flower" and rng.random() < 0.3:
        # Gram tiers (deli style): the more grams, the lower the price per gram (D5, A4).
        tier_kind = "Gram"
        per_gram = _money(rng.uniform(6, 14))
        tiers = [(1, 3.5, per_gram), (3.5, 7, _money(per_gram * 0.9)), (7, 28, _money(per_gram * 0.8)),
                 (28, 1000, _money(per_gram * 0.7))]
    elif category in ("Pre-Rolls", "Edibles") and rng.random() < 0.2:
        tier_kind = "Quantity"
        tiers = [(1, 2, price_rec), (2, 5, _money(price_rec * 0.9)), (5, 100, _money(price_rec * 0.8))]
    flower_eq = round(weight * (1 if category in ("Flower", "Pre-Rolls") else 0.25), 3) if thc else None
    sku_base = f"{category[:2].upper()}-{brand[:3].upper().strip()}-{index:06d}"
    n_images = rng.choice([0, 1, 1, 2, 3])
    images = [f"https://images.sandbox.canopy.test/{seed}/{index}/{k}.jpg" for k in range(n_images)]
    size = f"{weight:g}g" if weight >= 0.5 else f"{weight * 1000:g}mg"
    name = f"{brand.strip()} {strain or category} {size}".strip() if category != "Accessories" else \
        f"{brand.strip()} {rng.choice(['Grinder', 'Battery', 'Papers', 'Lighter'])}"
    quantity = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 120])
    return ProductSpec(
        index=index, product_id=100000 + index, sku=sku_base, name=name, brand=brand, category=category,
        infused=infused, custom_category=rng.choice(CUSTOM_CATEGORIES) if rng.random() < 0.15 else None,
        strain=strain, strain_type=strain_type,
        strain_spelling_index=rng.randrange(5), unit_weight_g=weight, price_rec=price_rec, price_med=price_med,
        price_otd=_money(price_rec * 1.13), unit_cost=_money(price_rec * rng.uniform(0.35, 0.55)),
        quantity=quantity, low_threshold=rng.choice([None, None, None, 2, 3, 5]),
        room_index=rng.choice([0, 0, 0, 0, 1, 1, 2, 3]), thc=thc, cbd=cbd, lab_unit=lab_unit,
        thc9=round(thc * 0.97, 2) if thc is not None and lab_unit == "%" and rng.random() < 0.4 else None,
        terpenes=terpenes, images=images, tier_kind=tier_kind, tiers=tiers,
        flower_equivalent=flower_eq,
        rec_flower_equivalent=round(flower_eq * rng.choice([1.0, 0.8, 0.5]), 3) if flower_eq else None,
        description=f"{strain or category} from {brand.strip()}. Sandbox product #{index}.",
        modified_at=EPOCH - timedelta(minutes=rng.randrange(60 * 24 * 60)),
        effects=rng.sample(["relaxed", "happy", "euphoric", "uplifted", "sleepy", "focused"], 2),
    )


# Products from this index on may have more batches (BATCHES_SHARE of them). The first ones never do: small
# catalogues, which most tests use, keep one feed row per product, so a row and its product compare 1:1.
BATCHES_FROM = 150
BATCHES_SHARE = 0.1


def batch_specs(seed: int, spec: ProductSpec) -> list[BatchSpec]:
    """One or two more batches for BATCHES_SHARE of the products from BATCHES_FROM on (not the malformed or
    duplicate-SKU ones, whose own cases stay plain), from a generator of their own: the rest of the catalogue
    is what it was before batches existed, for the same seed."""
    if spec.index < BATCHES_FROM or spec.malformed or spec.duplicate_of is not None:
        return []
    rng = random.Random(seed * 1_000_003 + spec.index)
    if rng.random() >= BATCHES_SHARE:
        return []
    # Mostly the sales floor, some in back stock, the ecommerce room or quarantine (so room filters, D1,
    # count some batches and not others).
    return [BatchSpec(number=n, room_index=rng.choice([0, 0, 1, 2, 3]), quantity=rng.choice([1, 2, 3, 5, 8, 12, 20]),
                      packaged_days_later=rng.randint(1, 60) * n) for n in range(1, rng.choice([2, 2, 3]))]


def product_specs(seed: int, count: int) -> Iterator[ProductSpec]:
    """`count` products, identical for the same seed. About 1 in 200 shares an earlier product's SKU
    (R8): half of those agree with it in every field a menu shows (merge), half differ (review).
    About 1 in 250 is malformed. From BATCHES_FROM on, about 1 in 10 has one or two more batches."""
    rng = random.Random(seed)
    recent: list[ProductSpec] = []
    for index in range(count):
        spec = product_spec(rng, index, seed)
        if index > 10 and index % 200 == 7:
            original = recent[rng.randrange(len(recent))]
            if index % 400 == 7:
                spec = dataclasses.replace(original, index=index, product_id=spec.product_id,
                                           terpenes=list(original.terpenes), images=list(original.images))
            spec.sku = original.sku
            spec.duplicate_of = original.index
        if index % 250 == 13:
            spec.malformed = MALFORMED_KINDS[(index // 250) % len(MALFORMED_KINDS)]
        spec.batches = batch_specs(seed, spec)
        recent = (recent + [spec])[-10:]
        yield spec


@dataclass
class CustomerSpec:
    index: int
    customer_id: int
    first_name: str
    last_name: str
    phone: str
    email: str
    birth_date: str
    state: str
    medical_id: str | None
    customer_type: str  # "Medical", "Recreational", ...
    discount_groups: list[str]
    created_at: datetime
    modified_at: datetime
    archived: bool = False
    merged_into: int | None = None
    loyalty_member: bool = False


def customer_specs(seed: int, count: int) -> Iterator[CustomerSpec]:
    """Shoppers, including archived and merged profiles older than a year (L17), discount groups
    (L16) and shoppers from other states (L20)."""
    rng = random.Random(seed * 7919 + 1)
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        medical = rng.random() < 0.35
        created = EPOCH - timedelta(days=rng.randrange(900))
        spec = CustomerSpec(
            index=index, customer_id=5000 + index, first_name=first, last_name=last,
            phone=f"303555{index:04d}"[-10:], email=f"{first.lower()}.{last.lower()}{index}@example.com",
            birth_date=f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            state=rng.choice(STATES), medical_id=f"MMJ{seed:02d}{index:06d}" if medical else None,
            customer_type=("Medical" if medical else "Recreational")
            + (" - Out of State" if rng.random() < 0.1 else ""),
            discount_groups=rng.sample(DISCOUNT_GROUPS, rng.choice([0, 0, 0, 1, 1, 2])),
            created_at=created, modified_at=created + timedelta(days=rng.randrange(30)),
            loyalty_member=rng.random() < 0.6,
        )
        old = created < EPOCH - timedelta(days=365)
        if old and index % 17 == 3:
            spec.archived = True
        if old and index % 23 == 5 and index > 0:
            # A merged profile shares the survivor's phone: Mirror Archives must merge them (L17).
            spec.merged_into = 5000 + index - 1
            spec.archived = True
        yield spec


@dataclass
class SaleLine:
    product_index: int
    quantity: int
    unit_price: float


@dataclass
class TransactionSpec:
    transaction_id: int
    customer_index: int
    occurred_at: datetime
    lines: list[SaleLine]
    total: float
    voided: bool = False
    loyalty_earned: float = 0
    loyalty_spent: float = 0


def transaction_specs(seed: int, customers: list[CustomerSpec], product_count: int) -> Iterator[TransactionSpec]:
    """Zero to five sales per shopper over the last two years, some older than a year (L17, L22)."""
    rng = random.Random(seed * 104729 + 2)
    next_id = 900000
    for customer in customers:
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            lines = [SaleLine(rng.randrange(max(product_count, 1)), rng.randint(1, 3), _money(rng.uniform(8, 60)))
                     for _ in range(rng.randint(1, 4))]
            total = _money(sum(line.quantity * line.unit_price for line in lines))
            yield TransactionSpec(
                transaction_id=next_id, customer_index=customer.index,
                occurred_at=max(customer.created_at, EPOCH - timedelta(days=rng.randrange(730))),
                lines=lines, total=total, voided=rng.random() < 0.03,
                loyalty_earned=round(total, 0), loyalty_spent=rng.choice([0, 0, 0, 50, 100]),
            )
            next_id += 1
