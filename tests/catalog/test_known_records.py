"""A Dutchie resync skips what it already holds (catalog.sync, integrations.pos.dutchie): an /inventory item
whose bytes (xxh3 digest) catalog last wrote a product from, with the same card settings and unchanged
product details, comes back from the client as a KnownRecord (neither parsed nor mapped) and is counted
unchanged. Details changed since the last run (read incrementally from /products) make the item's digest
cover them, so the product is written; a run with no successful run before it never skips by digest.
Products flagged for review (no source hash) and products sharing a SKU (R8) are read on every run.
After a run that wrote ANALYZE_AFTER products or more, PostgreSQL's statistics of the product table are
refreshed for ANALYZED_COLUMNS.

Drives real syncs against the sandbox POS over HTTP (live server), on SQLite and on PostgreSQL.
"""
import gc
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog import ingest as catalog_ingest
from catalog import sync as catalog_sync
from catalog.ingest import ANALYZED_COLUMNS, Ingestor
from catalog.mapping import settings_from_card
from catalog.models import Product
from integrations import sync
from integrations.models import SyncRun
from integrations.pos.dutchie import DutchieClient
from integrations.pos.records import ClientConfig, KnownRecord
from integrations.sandbox import services
from integrations.sandbox.models import RecordKind, SandboxRecord
from tests.factories import IntegrationCardFactory
from tests.support import run_sync

# The columns a sync writes from the POS, and its bookkeeping of what it wrote.
SYNCED_COLUMNS = (*catalog_ingest.DATA_COLUMNS, "content_hash", "source_hash", "card_id")
NEW_IMAGE = "https://img.sandbox.canopy.test/details-only-change.jpg"


# --- fixtures (dutchie_card and mapped are in tests/conftest.py) ---------------------------------------
@dataclass
class InventoryRead:
    """One run's catalog.sync.iter_inventory: whether it was incremental, and the pos ids of the KnownRecords
    it returned (each carries what the `known` callback answered: pos id, SKU, stored quantity)."""

    incremental: bool
    known: list[str] = field(default_factory=list)
    records: int = 0


@pytest.fixture
def reads(monkeypatch):
    """Every iter_inventory of the inventory stream, as InventoryRead, in order."""
    found: list[InventoryRead] = []
    real = catalog_sync.iter_inventory

    def spying(client, card, store, known=None):
        records, incremental = real(client, card, store, known)
        read = InventoryRead(incremental)
        found.append(read)

        def counting():
            for record in records:
                read.records += 1
                if isinstance(record, KnownRecord):
                    read.known.append(record.held[0])
                yield record

        return counting(), incremental

    monkeypatch.setattr(catalog_sync, "iter_inventory", spying)
    return found


@pytest.fixture
def thawed():
    """Ingestor() freezes the GC until finish(): tests building one without finishing thaw it after."""
    yield
    gc.unfreeze()


# --- helpers ----------------------------------------------------------------------------------------
def menu(card) -> dict:
    """pos id -> the product's synced columns, as stored."""
    return {row[0]: row[1:] for row in Product.objects.filter(store=card.store)
            .values_list("pos_product_id", *SYNCED_COLUMNS, "quantity")}


def shared_sku(card) -> set[str]:
    """The store's products whose (non-blank) SKU another product of the store has too (R8)."""
    rows = list(Product.objects.filter(store=card.store).exclude(sku="").values_list("pos_product_id", "sku"))
    counts = Counter(sku for _, sku in rows)
    return {pos_id for pos_id, sku in rows if counts[sku] > 1}


def skippable(card) -> set[str]:
    """The card's products a resync may take as KnownRecords: a source hash, no shared SKU."""
    hashed = set(Product.objects.filter(store=card.store, card=card, source_hash__isnull=False)
                 .values_list("pos_product_id", flat=True))
    return hashed - shared_sku(card)


def sandbox_products(card) -> dict[str, SandboxRecord]:
    return {r.external_id: r for r in SandboxRecord.objects.filter(location=card.location, kind=RecordKind.PRODUCT)}


def inventory_digests(card) -> dict[str, str]:
    """productId -> the xxh3 digest of its /inventory item's bytes, as the client reads them."""
    client = DutchieClient(ClientConfig.from_card(card))
    params = {"includeLabResults": "true", "includeRoomQuantities": "true"}
    return {str(r.value["productId"]): r.digest for r in client.http.iter_json_records("/inventory", params=params)}


def change_details_only(card, pos_id: str) -> None:
    """Add an image to one product's details (/products imageUrls) as a POS edit would: its lastModifiedDateUTC
    and the record's modified_at (what fromLastModifiedDateUTC filters on) move to now; its /inventory item
    is left as it was."""
    record = SandboxRecord.objects.get(location=card.location, kind=RecordKind.PRODUCT, external_id=pos_id)
    now = timezone.now()
    product = record.data["product"]
    product["imageUrls"] = [*(product.get("imageUrls") or []), NEW_IMAGE]
    product["lastModifiedDateUTC"] = now.isoformat().replace("+00:00", "Z")
    record.modified_at = now
    record.save(update_fields=["data", "modified_at"])


def share_a_sku(card) -> tuple[str, str]:
    """Give the second product of the /inventory feed the first one's SKU in the POS (R8's duplicate SKU)."""
    first, second = sorted(inventory_digests(card))[:2]
    records = sandbox_products(card)
    sku = records[first].data["inventory"]["sku"]
    record = records[second]
    record.data["inventory"]["sku"] = record.data["product"]["sku"] = sku
    record.save(update_fields=["data"])
    return first, second


def a_skippable_product_with_details(card) -> Product:
    """A product a plain resync takes as a KnownRecord, whose details (imageUrls) the POS serves."""
    candidates = skippable(card)
    product = Product.objects.filter(store=card.store, pos_product_id__in=candidates, quantity__gt=0) \
        .exclude(images=[]).order_by("pos_product_id").first()
    assert product is not None
    return product


# --- 1. an unchanged resync ---------------------------------------------------------------------------
def test_an_unchanged_resync_takes_every_skippable_product_as_a_known_record(dutchie_card, reads, mapped):
    sharing = share_a_sku(dutchie_card)
    first = run_sync(dutchie_card)
    assert len(reads) == 1 and not reads[0].incremental and reads[0].known == []  # a first sync reads all
    assert len(mapped) == first.fetched
    before = menu(dutchie_card)
    expected = skippable(dutchie_card)
    assert shared_sku(dutchie_card) == set(sharing)  # never skipped (R8 sets their quantities)
    assert Product.objects.filter(store=dutchie_card.store, pos_product_id__in=sharing,
                                  source_hash__isnull=False).count() == 2  # though they have a source hash
    assert Product.objects.filter(store=dutchie_card.store, source_hash__isnull=True).exists()  # flagged ones
    mapped.clear()

    again = run_sync(dutchie_card)

    read = reads[1]
    assert read.incremental
    assert len(read.known) > 0
    assert len(read.known) == len(set(read.known)) == len(expected)
    assert set(read.known) == expected
    # Only the others were parsed and mapped: flagged products (no source hash) and shared SKUs.
    assert set(mapped).isdisjoint(read.known)
    assert len(mapped) + len(read.known) == again.fetched == first.fetched
    assert set(mapped) == set(before) - expected
    assert again.created == again.updated == 0
    assert again.unchanged == first.created + first.updated + first.unchanged == again.fetched - again.errors
    assert again.zeroed == 0
    assert menu(dutchie_card) == before
    flagged = set(Product.objects.filter(store=dutchie_card.store, source_hash__isnull=True)
                  .values_list("pos_product_id", flat=True))
    assert flagged and flagged <= set(mapped)


# --- 2. prices and quantities changed in the POS ------------------------------------------------------
def test_changed_prices_and_quantities_are_written_and_the_rest_comes_back_known(dutchie_card, reads, mapped):
    run_sync(dutchie_card)
    on_menu = set(Product.objects.filter(store=dutchie_card.store, quantity__gt=0)
                  .values_list("pos_product_id", flat=True))
    expected = skippable(dutchie_card)
    started = timezone.now()
    services.change_prices(dutchie_card.location, fraction=0.2, factor=1.5, seed=3)
    # A quantity above every low-inventory threshold, so the changed items stay in /inventory.
    services.change_quantities(dutchie_card.location, fraction=0.2, quantity=77.0, seed=4)
    sandbox = sandbox_products(dutchie_card)
    touched = {pos_id for pos_id, r in sandbox.items() if r.modified_at > started}
    assert touched
    mapped.clear()

    again = run_sync(dutchie_card)

    assert again.updated > 0
    read = reads[1]
    assert read.incremental
    # Every changed product was read and mapped, none taken as known; every untouched skippable one was known.
    assert touched.isdisjoint(read.known)
    assert set(read.known) == expected - touched
    assert (touched & on_menu) <= set(mapped)
    checked = 0
    for product in Product.objects.filter(store=dutchie_card.store,
                                          pos_product_id__in=(touched & on_menu) - shared_sku(dutchie_card)):
        if product.flags:
            continue
        item = sandbox[product.pos_product_id].data["inventory"]
        assert product.quantity == sandbox[product.pos_product_id].quantity == item["quantityAvailable"]
        assert product.unit_price == Decimal(str(round(item["recUnitPrice"], 2))), product.pos_product_id
        checked += 1
    assert checked > 0


# --- 3. product details changed, the /inventory item not -----------------------------------------------
def test_a_details_only_change_is_written_though_the_inventory_item_is_unchanged(dutchie_card, reads, mapped,
                                                                                 thawed):
    run_sync(dutchie_card)
    product = a_skippable_product_with_details(dutchie_card)
    pos_id, images, source_before = product.pos_product_id, product.images, product.source_hash
    expected = skippable(dutchie_card)
    items = inventory_digests(dutchie_card)
    change_details_only(dutchie_card, pos_id)
    assert inventory_digests(dutchie_card) == items  # the item's bytes are exactly as before
    mapped.clear()

    again = run_sync(dutchie_card)

    product.refresh_from_db()
    assert product.images == [*images, NEW_IMAGE]
    assert product.raw["productDetail"]["imageUrls"][-1] == NEW_IMAGE
    assert again.updated == 1 and again.created == 0
    read = reads[1]
    assert read.incremental
    assert pos_id not in read.known and pos_id in mapped
    assert set(read.known) == expected - {pos_id}
    # Its source hash now covers the details it was written with: the item's digest alone no longer matches it.
    assert product.source_hash and product.source_hash != source_before
    assert Ingestor(dutchie_card.store, dutchie_card).known_source(source_before) is None


# --- 4. no successful run before: not incremental --------------------------------------------------------
def test_without_a_successful_run_no_record_is_skipped_by_its_digest(dutchie_card, reads, mapped):
    first = run_sync(dutchie_card)
    SyncRun.objects.filter(card=dutchie_card, stream="inventory").update(status=SyncRun.Status.FAILED,
                                                                          error_category="internal")
    product = a_skippable_product_with_details(dutchie_card)
    change_details_only(dutchie_card, product.pos_product_id)
    mapped.clear()

    again = run_sync(dutchie_card)

    read = reads[1]
    assert not read.incremental
    assert read.known == []
    assert len(mapped) == again.fetched == first.fetched  # every record parsed and mapped
    product.refresh_from_db()
    assert product.images[-1] == NEW_IMAGE
    assert again.updated == 1 and again.created == 0


# --- a resync whose pages end inside one of the client's batches -------------------------------------------
def test_known_records_past_a_page_boundary_inside_a_client_batch(dutchie_card, reads, monkeypatch):
    """Every KnownRecord is counted unchanged, wherever the stream's pages end. With D1's Room IDs, items
    without stock in the chosen rooms yield no record, so the pages (PAGE_SIZE records) stop lining up with
    the client's batches (details_batch items, each asked of `known` before the batch is yielded): a page
    can end in the middle of a batch whose KnownRecords are still to come. PAGE_SIZE and details_batch are
    scaled down here, equal as in production (1000 and 1000); with the real ones a 2,500-product location
    and Room IDs 1001 + 1002 fails the same way."""
    monkeypatch.setattr(catalog_sync, "PAGE_SIZE", 10)
    monkeypatch.setattr(DutchieClient, "details_batch", 10)
    dutchie_card.room_ids = ["1001", "1002"]
    dutchie_card.save()
    first = run_sync(dutchie_card)
    assert first.fetched > 2 * catalog_sync.PAGE_SIZE
    before = menu(dutchie_card)
    expected = skippable(dutchie_card)

    again = sync.execute_run(sync.enqueue_sync(dutchie_card)[0].pk)

    assert again.status == SyncRun.Status.SUCCEEDED, again.message
    assert set(reads[1].known) == expected
    assert again.created == again.updated == 0 and again.unchanged == first.fetched - first.errors
    assert menu(dutchie_card) == before


# --- 5. Ingestor.known_source ---------------------------------------------------------------------------
def test_known_source_answers_only_for_a_product_that_may_be_skipped(dutchie_card, thawed):
    run_sync(dutchie_card)
    store = dutchie_card.store
    product = a_skippable_product_with_details(dutchie_card)
    answer = (product.pos_product_id, product.sku.strip(), product.quantity)

    ingestor = Ingestor(store, dutchie_card, sync_prices=True, synced_fields=dutchie_card.synced_fields)
    assert ingestor.known_source(product.source_hash) == answer
    assert ingestor.known_source("0" * 32) is None
    assert ingestor.known_source("") is None

    # Once its pos id was seen in a page (written or counted unchanged this run), never again.
    ingestor.ingest_page([], unchanged=[answer])
    assert ingestor.known_source(product.source_hash) is None

    # A card that does not sync quantity: the stored quantity is not the feed's (and R8 adds feed quantities).
    fields = [name for name in dutchie_card.synced_fields if name != "quantity"]
    assert Ingestor(store, dutchie_card, synced_fields=fields).known_source(product.source_hash) is None
    # Nor one that keeps its own prices (A5): R8 would compare prices edited here.
    assert Ingestor(store, dutchie_card, sync_prices=False).known_source(product.source_hash) is None
    # Another card's products are not this card's to skip.
    other = IntegrationCardFactory(store=store, vendor="flowhub")
    assert Ingestor(store, other).known_source(product.source_hash) is None


def test_known_source_never_answers_for_a_product_sharing_its_sku(dutchie_card, thawed):
    run_sync(dutchie_card)
    store = dutchie_card.store
    product = a_skippable_product_with_details(dutchie_card)
    assert Ingestor(store, dutchie_card).known_source(product.source_hash) is not None
    twin = Product.objects.create(store=store, card=dutchie_card, pos_product_id="twin-1", sku=product.sku,
                                  quantity=3, source_hash="f" * 32)
    lone = Product.objects.create(store=store, card=dutchie_card, pos_product_id="lone-1", sku="LONE-SKU-1",
                                  quantity=4, source_hash="e" * 32)

    ingestor = Ingestor(store, dutchie_card)
    assert ingestor.known_source(product.source_hash) is None
    assert ingestor.known_source(twin.source_hash) is None
    assert ingestor.known_source(lone.source_hash) == ("lone-1", "LONE-SKU-1", 4.0)


# --- 6. the source hash covers the card's settings --------------------------------------------------------
@pytest.mark.django_db
def test_the_source_hash_depends_on_the_cards_settings_and_room_filter(store_a):
    card = IntegrationCardFactory.build(store=store_a)
    digest = "0123456789abcdef0123456789abcdef"

    def source(card, digest=digest):
        return catalog_sync.SourceHasher(card, settings_from_card(card)).of_digest(digest)

    base = source(card)
    assert base == source(card)  # same card, same settings, same digest
    assert source(card, "fedcba9876543210fedcba9876543210") != base

    card.use_thc9 = not card.use_thc9  # a mapping setting (D12)
    assert settings_from_card(card).use_thc9 == card.use_thc9
    changed = source(card)
    assert changed != base
    card.use_thc9 = not card.use_thc9
    assert source(card) == base

    card.category_mapping = {"Prerolls": "Pre-Rolls"}  # another one (C8)
    assert source(card) not in (base, changed)
    card.category_mapping = {}

    card.room_ids = ["1001"]  # the rooms decide the quantity (D1)
    one_room = source(card)
    assert one_room != base
    card.room_ids = ["1001", "1002"]
    assert source(card) not in (base, one_room)
    card.room_ids = ["1001"]
    assert source(card) == one_room
    card.room_ids = []
    assert source(card) == base


@pytest.mark.django_db
def test_a_mapping_version_bump_changes_every_source_hash(store_a, monkeypatch):
    card = IntegrationCardFactory.build(store=store_a)
    digest = "0123456789abcdef0123456789abcdef"
    before = catalog_sync.SourceHasher(card, settings_from_card(card)).of_digest(digest)
    monkeypatch.setattr(catalog_sync, "MAPPING_VERSION", catalog_sync.MAPPING_VERSION + 1)
    assert catalog_sync.SourceHasher(card, settings_from_card(card)).of_digest(digest) != before


# --- 7. PostgreSQL statistics after a large write ------------------------------------------------------------
def analyze_statements(card, monkeypatch, threshold: int, **options) -> list[str]:
    monkeypatch.setattr(catalog_ingest, "ANALYZE_AFTER", threshold)
    statements = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("ANALYZE"):
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        run_sync(card, **options)
    return statements


def test_a_large_write_refreshes_the_product_tables_statistics_on_postgresql(dutchie_card, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    statements = analyze_statements(dutchie_card, monkeypatch, 1)
    assert len(statements) == 1
    found = re.fullmatch(r"\s*ANALYZE\s+(\w+)\s*\(([^)]*)\)\s*", statements[0], re.IGNORECASE)
    assert found, statements[0]
    assert found.group(1) == Product._meta.db_table
    assert [c.strip() for c in found.group(2).split(",")] == list(ANALYZED_COLUMNS)
    assert set(ANALYZED_COLUMNS) >= {"store_id", "pos_product_id", "source_hash"}


def test_a_small_write_leaves_the_statistics_alone(dutchie_card, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    assert analyze_statements(dutchie_card, monkeypatch, 10**9) == []
    # A resync that writes nothing, and a dry run, do not either, whatever the threshold.
    assert analyze_statements(dutchie_card, monkeypatch, 1) == []
    services.change_prices(dutchie_card.location, fraction=0.2, factor=1.5, seed=3)
    assert analyze_statements(dutchie_card, monkeypatch, 1, dry_run=True) == []
