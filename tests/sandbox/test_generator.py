"""The sandbox's generated catalogue is deterministic and covers every case REQUIREMENTS.md names (X1)."""
from collections import Counter
from datetime import timedelta

from integrations.sandbox import generate


def test_x1_same_seed_same_catalogue_other_seed_other_catalogue():
    first = list(generate.product_specs(7, 300))
    assert first == list(generate.product_specs(7, 300))
    assert first != list(generate.product_specs(8, 300))
    # A longer catalogue starts with the shorter one, so "add products" continues the same feed.
    assert list(generate.product_specs(7, 400))[:300] == first


def test_x1_catalogue_covers_categories_labs_terpenes_and_tiers():
    specs = list(generate.product_specs(1, 2000))
    categories = Counter(s.category for s in specs)
    for infused in ("Edibles", "Beverages", "Topicals", "Tinctures"):
        assert categories[infused] > 0
        assert all(s.infused for s in specs if s.category == infused)
    assert {"Flower", "Pre-Rolls", "Vaporizers", "Concentrates"} <= set(categories)
    assert {s.lab_unit for s in specs if s.thc is not None} == {"%", "mg", "mg/g"}  # D3
    assert any(s.thc9 is not None for s in specs) and any(s.thc9 is None and s.thc for s in specs)  # D12
    assert max(len(s.images) for s in specs) >= 3  # C7
    assert {s.tier_kind for s in specs} == {None, "Quantity", "Gram"}  # D5, A4
    assert any(s.flower_equivalent != s.rec_flower_equivalent for s in specs if s.flower_equivalent)  # D10
    assert any(s.custom_category for s in specs)  # F8, F9
    assert any(s.low_threshold for s in specs)  # A3
    assert any(s.room_index == 3 for s in specs)  # non-sellable room / area
    assert {s.strain_type for s in specs if s.strain} == set(generate.STRAIN_TYPES)  # F6
    terpenes = [t for s in specs for t in s.terpenes]
    assert {t.name for t in terpenes if t.known} == set(generate.TERPENES)  # C9
    assert any(not t.known for t in terpenes)  # unknown names must be reported, not dropped
    assert any(s.price_otd != s.price_rec for s in specs)  # A2


def test_r8_duplicate_skus_some_agreeing_some_not():
    specs = list(generate.product_specs(1, 2000))
    by_index = {s.index: s for s in specs}
    duplicates = [s for s in specs if s.duplicate_of is not None]
    assert duplicates
    for dup in duplicates:
        assert dup.sku == by_index[dup.duplicate_of].sku
    agreeing = [d for d in duplicates if d.name == by_index[d.duplicate_of].name
                and d.price_rec == by_index[d.duplicate_of].price_rec]
    assert 0 < len(agreeing) < len(duplicates)


def test_x1_a_few_malformed_records_of_every_kind():
    specs = list(generate.product_specs(1, 2000))
    kinds = Counter(s.malformed for s in specs if s.malformed)
    assert set(kinds) == set(generate.MALFORMED_KINDS)
    assert sum(kinds.values()) < len(specs) * 0.01


def test_l17_l16_l20_customers_include_old_archived_merged_groups_and_other_states():
    customers = list(generate.customer_specs(1, 400))
    year_ago = generate.EPOCH - timedelta(days=365)
    archived = [c for c in customers if c.archived]
    assert archived and all(c.created_at < year_ago for c in archived)
    merged = [c for c in customers if c.merged_into]
    assert merged
    assert any(c.discount_groups for c in customers)
    assert len({c.state for c in customers}) > 1
    assert {c.customer_type for c in customers} >= {"Medical", "Recreational"}
    sales = list(generate.transaction_specs(1, customers, 100))
    assert any(s.occurred_at < year_ago for s in sales) and any(s.occurred_at > year_ago for s in sales)


def test_d1_some_products_have_more_batches_some_in_other_rooms():
    specs = list(generate.product_specs(1, 3000))
    assert not any(s.batches for s in specs[:generate.BATCHES_FROM])  # small catalogues: one row per product
    batched = [s for s in specs if s.batches]
    assert 0.05 * len(specs) < len(batched) < 0.15 * len(specs)
    assert {len(s.batches) for s in batched} == {1, 2}
    assert any(b.room_index != s.room_index for s in batched for b in s.batches)  # several rooms (D1)
    assert any(b.room_index == 3 for s in batched for b in s.batches)  # some in a room that is not sold from
    assert not any(s.malformed or s.duplicate_of is not None for s in batched)
    assert [s.batches for s in specs] == [s.batches for s in generate.product_specs(1, 3000)]
