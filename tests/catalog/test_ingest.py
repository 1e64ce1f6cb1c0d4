"""catalog.ingest: set-based ingest of mapped products (R8, D13, A5, C8, X2).

Runs on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the write paths differ (executemany
upsert vs COPY into a staging table + INSERT ... SELECT ... ON CONFLICT), the results must not.
"""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.ingest import ENTRIES_PER_PAGE, Ingestor
from catalog.mapping.types import Decision, MappedProduct
from catalog.models import Product, ReviewItem
from tests.factories import IntegrationCardFactory

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY", "TRUNCATE", "CREATE")


def product(pos_id: str, **values) -> MappedProduct:
    defaults = dict(sku=f"SKU-{pos_id}", product_name=f"Product {pos_id}", brand="Acme", category="flower",
                    unit_price=10.0, quantity=5.0, images=[f"https://img.example/{pos_id}.jpg"],
                    weight={"value": 3.5, "unit": "g"}, lab_results=[{"name": "THC", "value": 20.5, "unit": "%"}],
                    decisions=[Decision("category", "POS category Flower (F1)", "flower")],
                    raw={"productId": pos_id, "lastModifiedDateUtc": "2026-01-01T00:00:00Z"})
    return MappedProduct(pos_product_id=pos_id, **{**defaults, **values})


@pytest.fixture
def card(store_a):
    return IntegrationCardFactory(store=store_a)


def sync(store, card, *pages, failed=(), **options):
    """One run: every page, then finish(); returns (summed page counts, finish result)."""
    ingestor = Ingestor(store, card, **options)
    totals = {"created": 0, "updated": 0, "unchanged": 0, "flagged": 0, "errors": 0, "entries": []}
    for number, page in enumerate(pages):
        result = ingestor.ingest_page(page, failed if number == 0 else ())
        for name in totals:
            totals[name] += getattr(result, name)
    return totals, ingestor.finish()


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def stored(store, pos_id) -> Product:
    return Product.objects.get(store=store, pos_product_id=pos_id)


def test_r8_created_updated_unchanged_across_resyncs(store_a, card):
    feed = [product("1"), product("2"), product("3")]
    counts, finish = sync(store_a, card, feed)
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (3, 0, 0)
    assert {e[0] for e in counts["entries"]} == {"created"}
    first = stored(store_a, "1")
    assert first.card == card and first.content_hash and first.last_synced_at
    assert first.images == ["https://img.example/1.jpg"] and first.weight == {"value": 3.5, "unit": "g"}
    assert first.unit_price == Decimal("10.00") and first.decisions[0]["rule"] == "POS category Flower (F1)"
    assert first.raw["productId"] == "1" and first.held_quantity == 0

    counts, _ = sync(store_a, card, [product("1"), product("2"), product("3")])
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 3)

    counts, _ = sync(store_a, card, [product("1"), product("2", product_name="Blue Dream 3.5g"), product("3")])
    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 1, 2)
    assert counts["entries"] == [("updated", "2", "Blue Dream 3.5g", "Changed in the POS.")]
    assert stored(store_a, "2").product_name == "Blue Dream 3.5g"
    assert Product.objects.filter(store=store_a).count() == 3


def test_r8_raw_only_changes_are_unchanged(store_a, card):
    """The hash leaves `raw` out: a POS touch that changes nothing on the menu is not a write."""
    sync(store_a, card, [product("1")])
    touched = product("1", raw={"productId": "1", "lastModifiedDateUtc": "2026-02-02T00:00:00Z"})
    counts, _ = sync(store_a, card, [touched])
    assert counts["unchanged"] == 1


def test_r8_unchanged_resync_writes_nothing(store_a, card):
    feed = [product(str(i)) for i in range(50)]
    sync(store_a, card, feed)
    ingestor = Ingestor(store_a, card)
    with CaptureQueriesContext(connection) as page_queries:
        result = ingestor.ingest_page([product(str(i)) for i in range(50)])
    assert result.unchanged == 50
    assert len(page_queries) == 0
    with CaptureQueriesContext(connection) as finish_queries:
        finish = ingestor.finish()
    assert finish.zeroed == 0 and writes(finish_queries) == []


@pytest.mark.parametrize("kind", ["new", "changed"])
def test_r8_constant_queries_per_page_whatever_its_size(store_a, company_a, kind):
    """Pages of 10, 100 and 1,000 products (a tenth flagged, one failed record each) take the same
    number of queries."""
    counts = []
    for size in (10, 100, 1000):
        card = IntegrationCardFactory(store__company=company_a)
        store = card.store
        page = [product(f"{size}-{i}", flags=["Unknown POS category"] if i % 10 == 0 else []) for i in range(size)]
        if kind == "changed":
            sync(store, card, page)
            page = [product(f"{size}-{i}", unit_price=12.0, flags=["Unknown POS category"] if i % 10 == 0 else [])
                    for i in range(size)]
        ingestor = Ingestor(store, card)
        with CaptureQueriesContext(connection) as queries:
            result = ingestor.ingest_page(page, [(f"bad-{size}", "No name", "no product id")])
        assert result.created + result.updated == size and result.errors == 1
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 12


def test_a5_price_sync_off_keeps_our_price_but_new_items_get_the_pos_price(store_a, card):
    sync(store_a, card, [product("1", unit_price=10.0, medical_unit_price=9.0,
                                 price_tiers=[{"min_quantity": 1, "max_quantity": 2, "price": 10.0}])])
    Product.objects.filter(store=store_a, pos_product_id="1").update(unit_price=Decimal("8.50"))
    counts, _ = sync(store_a, card, [product("1", unit_price=15.0, medical_unit_price=14.0, quantity=7.0,
                                             price_tiers=[{"min_quantity": 1, "max_quantity": 2, "price": 15.0}]),
                                     product("2", unit_price=20.0)], sync_prices=False)
    assert (counts["created"], counts["updated"]) == (1, 1)
    kept = stored(store_a, "1")
    assert kept.unit_price == Decimal("8.50") and kept.medical_unit_price == Decimal("9.00")
    assert kept.price_tiers == [{"min_quantity": 1, "max_quantity": 2, "price": 10.0}]
    assert kept.quantity == 7  # everything else still syncs
    assert stored(store_a, "2").unit_price == Decimal("20.00")


def test_a5_price_sync_back_on_rewrites_prices_once(store_a, card):
    """The settings are part of the hash: turning price sync back on applies the POS price even though
    the POS record did not change since."""
    sync(store_a, card, [product("1", unit_price=10.0)])
    sync(store_a, card, [product("1", unit_price=15.0)], sync_prices=False)
    assert stored(store_a, "1").unit_price == Decimal("10.00")
    counts, _ = sync(store_a, card, [product("1", unit_price=15.0)])
    assert counts["updated"] == 1 and stored(store_a, "1").unit_price == Decimal("15.00")
    counts, _ = sync(store_a, card, [product("1", unit_price=15.0)])
    assert counts["unchanged"] == 1


def test_c8_field_not_synced_keeps_our_edited_value(store_a, card):
    synced = ["description", "brand", "price", "images", "labs", "terpenes", "category", "quantity",
              "strain_type", "weight"]  # no "name"
    sync(store_a, card, [product("1", product_name="POS name")], synced_fields=synced)
    assert stored(store_a, "1").product_name == "POS name"  # a new product gets everything
    Product.objects.filter(store=store_a, pos_product_id="1").update(product_name="Our better name")
    counts, _ = sync(store_a, card, [product("1", product_name="POS renamed", brand="NewBrand", unit_price=11.0)],
                     synced_fields=synced)
    assert counts["updated"] == 1
    kept = stored(store_a, "1")
    assert kept.product_name == "Our better name"
    assert (kept.brand, kept.unit_price) == ("NewBrand", Decimal("11.00"))


def test_c8_quantity_not_synced_keeps_our_quantity(store_a, card):
    synced = ["name", "price"]
    sync(store_a, card, [product("1", quantity=5.0)], synced_fields=synced)
    Product.objects.filter(store=store_a, pos_product_id="1").update(quantity=42)
    counts, _ = sync(store_a, card, [product("1", quantity=6.0, unit_price=12.0)], synced_fields=synced)
    assert counts["updated"] == 1
    assert stored(store_a, "1").quantity == 42 and stored(store_a, "1").unit_price == Decimal("12.00")


def test_r8_pos_quantity_wins(store_a, card):
    sync(store_a, card, [product("1", quantity=5.0), product("2", quantity=-3.0)])
    assert stored(store_a, "2").quantity == 0  # never below 0
    Product.objects.filter(store=store_a, pos_product_id="1").update(quantity=99)
    counts, _ = sync(store_a, card, [product("1", quantity=5.0), product("2", quantity=-3.0)])
    assert (counts["updated"], counts["unchanged"]) == (1, 1)
    assert counts["entries"] == [("updated", "1", "Product 1", "Quantity 99 -> 5: the POS wins (R8).")]
    assert stored(store_a, "1").quantity == 5


def test_r8_unknown_quantity_keeps_our_stock(store_a, card):
    """A record with no quantity at all (quantity_known False) is not a zero."""
    sync(store_a, card, [product("1", quantity=5.0)])
    counts, _ = sync(store_a, card, [product("1", quantity=0, quantity_known=False, brand="Renamed")])
    assert counts["updated"] == 1
    assert stored(store_a, "1").quantity == 5 and stored(store_a, "1").brand == "Renamed"


def test_r8_duplicate_sku_merged_when_records_agree(store_a, card):
    def feed(first_quantity=3.0, second_quantity=4.0):
        return ([product("A", sku="SKU-1", product_name="Gummies", quantity=first_quantity), product("X")],
                [product("B", sku="SKU-1", product_name="Gummies", quantity=second_quantity)])

    counts, finish = sync(store_a, card, *feed())
    assert counts["created"] == 3 and finish.merged == 1 and finish.flagged == 0
    assert stored(store_a, "A").quantity == 7
    merged = stored(store_a, "B")
    assert merged.quantity == 0 and merged.decisions[-1]["rule"] == "merged into A (R8)"
    assert ("updated", "B", "Gummies", "Duplicate SKU SKU-1: merged into A (R8).") in finish.entries
    assert not ReviewItem.objects.exists()

    # A resync computes from the feed: no doubled quantity, and nothing written.
    with CaptureQueriesContext(connection) as queries:
        counts, finish = sync(store_a, card, *feed())
    assert counts["unchanged"] == 3 and finish.merged == 1
    assert writes(queries) == []
    assert (stored(store_a, "A").quantity, stored(store_a, "B").quantity) == (7, 0)

    counts, finish = sync(store_a, card, *feed(second_quantity=5.0))
    assert (stored(store_a, "A").quantity, stored(store_a, "B").quantity) == (8, 0)
    assert stored(store_a, "B").decisions[-1]["rule"] == "merged into A (R8)"

    # The duplicate leaves the POS: A shows its own quantity again.
    sync(store_a, card, feed()[0])
    assert (stored(store_a, "A").quantity, stored(store_a, "B").quantity) == (3, 0)
    assert all(d.get("field") != "duplicate_sku" for d in stored(store_a, "A").decisions)


def test_r8_duplicate_sku_flagged_when_records_disagree(store_a, card):
    feed = [product("A", sku="SKU-1", product_name="Gummies", unit_price=10.0, quantity=3.0),
            product("B", sku="SKU-1", product_name="Gummies", unit_price=12.0, quantity=4.0)]
    counts, finish = sync(store_a, card, feed)
    assert finish.flagged == 1 and finish.merged == 0
    item = ReviewItem.objects.get(store=store_a, kind=ReviewItem.Kind.DUPLICATE_SKU)
    assert item.key == "SKU-1" and item.status == ReviewItem.Status.OPEN
    assert "unit_price" in item.message and "product_name" not in item.message
    assert set(item.products.values_list("pos_product_id", flat=True)) == {"A", "B"}
    assert (stored(store_a, "A").quantity, stored(store_a, "B").quantity) == (3, 4)  # both stay on the menu

    sync(store_a, card, feed)
    assert ReviewItem.objects.filter(kind=ReviewItem.Kind.DUPLICATE_SKU).count() == 1
    ReviewItem.objects.filter(pk=item.pk).update(status=ReviewItem.Status.RESOLVED, resolution="Kept separate")
    _, finish = sync(store_a, card, feed)
    assert finish.flagged == 1  # still reported on the run...
    assert ReviewItem.objects.filter(kind=ReviewItem.Kind.DUPLICATE_SKU).count() == 1  # ...not reopened


def test_r8_flagged_product_written_and_reviewed_once(store_a, card):
    counts, _ = sync(store_a, card, [product("1", category="", flags=["Unknown POS category 'Gear'"])])
    assert counts["flagged"] == 1 and counts["created"] == 1
    assert ("flagged", "1", "Product 1", "Unknown POS category 'Gear'") in counts["entries"]
    assert stored(store_a, "1").flags == ["Unknown POS category 'Gear'"]
    item = ReviewItem.objects.get(store=store_a)
    assert (item.kind, item.key) == (ReviewItem.Kind.UNKNOWN_CATEGORY, "1")
    assert list(item.products.values_list("pos_product_id", flat=True)) == ["1"]
    counts, _ = sync(store_a, card, [product("1", category="", quantity=9.0, flags=["Unknown POS category 'Gear'"])])
    assert counts["updated"] == 1 and counts["flagged"] == 1
    assert ReviewItem.objects.count() == 1


def test_d13_product_missing_from_feed_is_zeroed_not_deleted(store_a, card):
    sync(store_a, card, [product("1"), product("2"), product("3")])
    counts, finish = sync(store_a, card, [product("1"), product("3")])
    assert finish.zeroed == 1
    assert finish.entries == [("zeroed", "2", "Product 2", "No longer in the POS feed: quantity set to 0 (D13).")]
    assert stored(store_a, "2").quantity == 0  # still there
    _, finish = sync(store_a, card, [product("1"), product("3")])
    assert finish.zeroed == 0  # already zero
    counts, _ = sync(store_a, card, [product("1"), product("2"), product("3")])
    assert counts["updated"] == 1 and stored(store_a, "2").quantity == 5  # back in the feed: back in stock


def test_d13_only_this_cards_products_are_zeroed(store_a, card):
    other = IntegrationCardFactory(store=store_a, vendor="flowhub")
    sync(store_a, other, [product("F1")])
    sync(store_a, card, [product("D1")])
    _, finish = sync(store_a, card, [product("D2")])
    assert finish.zeroed == 1 and stored(store_a, "F1").quantity == 5 and stored(store_a, "D1").quantity == 0


def test_d13_empty_feed_zeroes_nothing(store_a, card):
    sync(store_a, card, [product("1")])
    _, finish = sync(store_a, card)
    assert finish.empty_feed and finish.zeroed == 0 and stored(store_a, "1").quantity == 5


def test_r8_failed_records_counted_and_kept_for_review(store_a, card):
    failed = [("77", "Broken", "A dutchie record has no product id"), ("", "Nameless", "no id at all")]
    counts, finish = sync(store_a, card, [product("1"), product("2")], failed=failed)
    assert counts["errors"] == 2 and counts["created"] == 2  # the page was not aborted
    assert ("failed", "77", "Broken", "A dutchie record has no product id") in counts["entries"]
    items = ReviewItem.objects.filter(store=store_a, kind=ReviewItem.Kind.MALFORMED)
    assert set(items.values_list("key", flat=True)) == {"77", "name:Nameless"}
    assert items.get(key="77").raw == [{"pos_id": "77", "name": "Broken",
                                        "message": "A dutchie record has no product id"}]
    sync(store_a, card, [product("1"), product("2")], failed=failed)
    assert items.count() == 2  # not opened twice


def test_r8_overlong_pos_id_is_a_failed_record(store_a, card):
    counts, _ = sync(store_a, card, [product("x" * 80), product("1")])
    assert counts["errors"] == 1 and counts["created"] == 1


def test_x2_dry_run_writes_nothing_but_reports_counts(store_a, card):
    dup = {"sku": "S", "product_name": "Same"}
    sync(store_a, card, [product("1"), product("2"), product("3", **dup), product("4", **dup, quantity=1)])
    before = list(Product.objects.order_by("pk").values())
    feed = [product("1", unit_price=99.0), product("3", **dup), product("4", **dup, quantity=1),
            product("5", category="", flags=["Unknown POS category"])]
    with CaptureQueriesContext(connection) as queries:
        counts, finish = sync(store_a, card, feed, failed=[("6", "Bad", "unreadable")], dry_run=True)
    assert writes(queries) == []
    assert (counts["created"], counts["updated"], counts["unchanged"], counts["flagged"], counts["errors"]) == \
        (1, 1, 2, 1, 1)
    assert (finish.zeroed, finish.merged) == (1, 1)
    assert ("zeroed", "2", "Product 2", "No longer in the POS feed: quantity set to 0 (D13).") in finish.entries
    assert list(Product.objects.order_by("pk").values()) == before
    assert not ReviewItem.objects.exists()


def test_r8_entries_are_capped_per_page(store_a, card):
    result = Ingestor(store_a, card).ingest_page([product(str(i)) for i in range(ENTRIES_PER_PAGE + 50)])
    assert result.created == ENTRIES_PER_PAGE + 50
    assert len(result.entries) == ENTRIES_PER_PAGE


def test_r8_same_pos_id_twice_in_one_page(store_a, card):
    result = Ingestor(store_a, card).ingest_page([product("1", quantity=1.0), product("1", quantity=2.0)])
    assert result.created == 1 and result.updated == 1
    assert stored(store_a, "1").quantity == 2


def test_r8_product_created_meanwhile_is_updated_not_duplicated(store_a, card):
    """A product the run did not know of when it began (a webhook created it since) is upserted: the
    straight COPY of new products falls back to the upsert on PostgreSQL."""
    ingestor = Ingestor(store_a, card)
    Product.objects.create(store=store_a, card=card, pos_product_id="1", product_name="From a webhook", quantity=1)
    result = ingestor.ingest_page([product("1", quantity=4.0), product("2")])
    assert result.created == 2
    assert stored(store_a, "1").product_name == "Product 1" and stored(store_a, "1").quantity == 4
    assert Product.objects.filter(store=store_a).count() == 2


@pytest.mark.parametrize("price, merged", [(10.0, 1), (12.0, 0)])
def test_r8_a_skipped_unchanged_record_still_counts_in_a_duplicate_sku(store_a, card, price, merged):
    """A record whose mapping was skipped (source hash unchanged) meets a new one with its SKU: R8 compares
    the skipped one's stored fields, and merges (they agree) or flags (they do not)."""
    ingestor = Ingestor(store_a, card)
    ingestor.ingest_page([product("A", sku="SKU-1", product_name="Gummies", quantity=3.0)], source_hashes={"A": "h-A"})
    ingestor.finish()

    ingestor = Ingestor(store_a, card)
    assert ingestor.source_unchanged("A", "h-A", 3.0)
    assert not ingestor.source_unchanged("A", "h-other", 3.0) and not ingestor.source_unchanged("A", "h-A", 2.0)
    result = ingestor.ingest_page([product("B", sku="SKU-1", product_name="Gummies", unit_price=price, quantity=4.0)],
                                  unchanged=[("A", "SKU-1", 3.0)])
    finish = ingestor.finish()
    assert (result.unchanged, result.created, finish.merged, finish.flagged) == (1, 1, merged, 1 - merged)
    assert stored(store_a, "A").quantity == (7 if merged else 3)


def test_r8_a_flagged_product_keeps_no_source_hash(store_a, card):
    ingestor = Ingestor(store_a, card)
    ingestor.ingest_page([product("A", flags=["The POS category is empty"]), product("B")],
                         source_hashes={"A": "h-A", "B": "h-B"})
    assert (stored(store_a, "A").source_hash, stored(store_a, "B").source_hash) == (None, "h-B")
    assert not Ingestor(store_a, card).source_unchanged("A", "h-A", 5.0)  # mapped (and reported) again


# --- what an entry says changed (SyncRunEntry.diff) ----------------------------------------------------------
def test_r8_an_updated_entry_carries_what_changed(store_a, card):
    sync(store_a, card, [product("1"), product("2"), product("3")])
    Product.objects.filter(store=store_a, pos_product_id="3").update(quantity=99)
    result = Ingestor(store_a, card).ingest_page([
        product("1", unit_price=12.5, brand="Bolt"), product("2", quantity=9.0, weight={"value": 7, "unit": "g"}),
        product("3")])
    assert result.reported_entries() == [
        ("updated", "1", "Product 1", "Changed in the POS.",
         {"brand": ["Acme", "Bolt"], "unit_price": ["10.00", "12.50"]}),
        ("updated", "2", "Product 2", "Changed in the POS.",
         {"weight": [{"value": 3.5, "unit": "g"}, {"value": 7, "unit": "g"}], "quantity": [5.0, 9.0]}),
        ("updated", "3", "Product 3", "Quantity 99 -> 5: the POS wins (R8).", {"quantity": [99.0, 5.0]})]


def test_r8_a_diff_leaves_out_what_the_card_does_not_sync_and_long_fields(store_a, card):
    sync(store_a, card, [product("1")])
    result = Ingestor(store_a, card, sync_prices=False).ingest_page([
        product("1", unit_price=15.0, product_name="Renamed", description="Now with a description")])
    assert result.reported_entries() == [
        ("updated", "1", "Renamed", "Changed in the POS.", {"product_name": ["Product 1", "Renamed"]})]


def test_x2_a_dry_run_reports_diffs_and_writes_nothing(store_a, card):
    sync(store_a, card, [product("1")])
    with CaptureQueriesContext(connection) as queries:
        result = Ingestor(store_a, card, dry_run=True).ingest_page([product("1", unit_price=8.0)])
    assert writes(queries) == []
    assert result.diffs == {0: {"unit_price": ["10.00", "8.00"]}}


def test_r8_a_merged_duplicate_reports_its_quantity_going_to_zero(store_a, card):
    gummies = {"product_name": "Gummies", "quantity": 4.0}
    sync(store_a, card, [product("A", sku="SKU-1", **gummies), product("B", sku="SKU-2", **gummies)])
    ingestor = Ingestor(store_a, card)
    ingestor.ingest_page([product("A", sku="SKU-1", **gummies), product("B", sku="SKU-1", **gummies)])
    finish = ingestor.finish()
    assert ("updated", "B", "Gummies", "Duplicate SKU SKU-1: merged into A (R8).", {"quantity": [4.0, 0.0]}) \
        in finish.reported_entries()


def test_r8_entries_stop_at_the_runs_cap_per_status(store_a, card, settings):
    settings.SYNC_ENTRIES_PER_STATUS = 3
    ingestor = Ingestor(store_a, card)
    first = ingestor.ingest_page([product(str(i)) for i in range(5)], [("bad-1", "Bad", "unreadable")])
    second = ingestor.ingest_page([product(str(i)) for i in range(5, 10)])
    assert [e[0] for e in first.entries] == ["created"] * 3 + ["failed"]
    assert second.entries == []
    ingestor.finish()

    ingestor = Ingestor(store_a, card)
    with CaptureQueriesContext(connection) as queries:
        changed = ingestor.ingest_page([product(str(i), unit_price=11.0) for i in range(10)])
    assert changed.updated == 10 and len(changed.diffs) == 3
    assert len([q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]) == 1  # the kept ones' diffs
