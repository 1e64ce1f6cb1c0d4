"""A resync's shortcuts (catalog.sync): unchanged POS records are not mapped again (source hash), and
Dutchie's product details are read incrementally, the rest kept from what is stored (D4 overlap)."""
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from catalog import sync as catalog_sync
from catalog.models import Product
from integrations.pos.dutchie import DutchieClient
from integrations.pos.records import ClientConfig
from integrations.sandbox import services
from tests.support import run_sync


@pytest.fixture
def details_since(monkeypatch):
    """The `since` of every /products read of the Dutchie client (None: the full list)."""
    seen = []
    real = DutchieClient._product_details

    def spying(self, since=None):
        seen.append(since)
        return real(self, since)

    monkeypatch.setattr(DutchieClient, "_product_details", spying)
    return seen


def menu(card) -> dict:
    return {p.pos_product_id: (p.images, p.price_tiers, p.unit_price, p.quantity)
            for p in Product.objects.filter(store=card.store)}


def test_unchanged_records_are_not_mapped_again(dutchie_card, mapped):
    first = run_sync(dutchie_card)
    assert len(mapped) == first.fetched
    before = menu(dutchie_card)
    # Flagged products keep no source hash: they are mapped (and reported) on every run.
    flagged = Product.objects.filter(store=dutchie_card.store, source_hash__isnull=True).count()
    assert flagged < first.fetched
    mapped.clear()
    again = run_sync(dutchie_card)
    assert len(mapped) == flagged
    assert again.fetched == first.fetched and again.created == again.updated == 0
    assert again.unchanged == again.fetched - again.errors
    assert menu(dutchie_card) == before


def test_a_changed_record_is_mapped_and_written(dutchie_card, mapped):
    run_sync(dutchie_card)
    services.change_prices(dutchie_card.location, fraction=0.2, factor=1.5, seed=3)
    mapped.clear()
    again = run_sync(dutchie_card)
    assert again.updated > 0
    assert again.updated <= len(mapped) < again.fetched


def test_a_settings_change_maps_every_record_again(dutchie_card, mapped):
    first = run_sync(dutchie_card)
    dutchie_card.use_thc9 = not dutchie_card.use_thc9
    dutchie_card.save()
    mapped.clear()
    run_sync(dutchie_card)
    assert len(mapped) == first.fetched
    mapped.clear()
    run_sync(dutchie_card)  # the new settings' hashes are stored: unchanged again
    assert len(mapped) < first.fetched


def test_a_zeroed_product_back_in_the_feed_is_written_again(dutchie_card, mapped):
    run_sync(dutchie_card)
    product = Product.objects.filter(store=dutchie_card.store, quantity__gt=0, source_hash__isnull=False).first()
    # As D13 leaves it: zeroed, its source hash cleared (the rule for any change made outside a sync).
    Product.objects.filter(pk=product.pk).update(quantity=0, source_hash=None)
    again = run_sync(dutchie_card)
    product.refresh_from_db()
    assert product.quantity > 0 and again.updated >= 1 and product.pos_product_id in mapped


def test_resync_reads_product_details_since_the_last_run_and_keeps_the_others(dutchie_card, details_since):
    first = run_sync(dutchie_card)
    assert details_since == [None]
    before = menu(dutchie_card)
    assert any(images for images, *_ in before.values()) and any(tiers for _, tiers, *_ in before.values())
    again = run_sync(dutchie_card)
    assert details_since[1] == first.started_at - timedelta(hours=1)  # D4: an hour of overlap
    assert len(details_since) == 2  # no full read: every product was known
    assert again.unchanged == again.fetched - again.errors
    assert menu(dutchie_card) == before
    # Changed details are read and written; the others stay as they were.
    services.change_prices(dutchie_card.location, fraction=0.2, factor=1.5, seed=3)
    third = run_sync(dutchie_card)
    after = menu(dutchie_card)
    assert third.updated > 0
    changed = {pid for pid in before if after[pid] != before[pid]}
    assert changed and all(after[pid][0] == before[pid][0] for pid in before)  # images kept
    # Every product's details are the POS's current ones (re-read where changed, kept elsewhere).
    fresh = {p.pos_product_id: p.raw.get("productDetail")
             for p in DutchieClient(ClientConfig.from_card(dutchie_card)).iter_inventory()}
    assert {p.pos_product_id: p.raw.get("productDetail") for p in Product.objects.filter(store=dutchie_card.store)} \
        == fresh
    assert any(detail and detail.get("pricingTierData") for detail in fresh.values())


def test_incremental_details_come_from_what_is_stored(dutchie_card):
    run_sync(dutchie_card)
    client = DutchieClient(ClientConfig.from_card(dutchie_card))
    full = {p.pos_product_id: p for p in client.iter_inventory()}
    asked, stored = [], catalog_sync.StoredDetails(dutchie_card.store, dutchie_card)

    def known(ids):
        asked.append(ids)
        return stored(ids)

    # A "since" in the future: no detail changed, so every one comes from the database.
    later = timezone.now() + timedelta(days=1)
    incremental = {p.pos_product_id: p for p in client.iter_inventory(details_since=later, known_details=known)}
    assert asked and incremental.keys() == full.keys()
    for pid, product in full.items():
        assert (incremental[pid].images, incremental[pid].tiers) == (product.images, product.tiers)
        assert incremental[pid].low_quantity_threshold == product.low_quantity_threshold


def test_a_product_never_synced_makes_the_client_read_every_detail(dutchie_card, details_since):
    client = DutchieClient(ClientConfig.from_card(dutchie_card))
    full = {p.pos_product_id: p.images for p in client.iter_inventory()}
    later = timezone.now() + timedelta(days=1)
    incremental = {p.pos_product_id: p.images
                   for p in client.iter_inventory(details_since=later, known_details=lambda ids: {})}
    assert details_since == [None, later, None]
    assert incremental == full


@pytest.mark.django_db(transaction=True)
def test_pages_are_written_beside_the_fetch_and_a_write_error_reaches_the_run():
    """PageWriter: on PostgreSQL a thread of its own writes the pages (inline on SQLite); the first error
    stops the writing and is raised in the run's thread."""
    written, threads = [], set()

    def write(page):
        threads.add(threading.current_thread())
        if page == 2:
            raise ValueError("the page could not be written")
        written.append(page)

    writer = catalog_sync.PageWriter(write)
    with pytest.raises(ValueError, match="could not be written"):
        for page in range(10):
            writer.put(page)
        writer.close()
    writer.close()  # raised once only
    assert written == [0, 1]
    threaded = connection.vendor == "postgresql"
    assert (threading.current_thread() not in threads) == threaded


@pytest.mark.django_db(transaction=True)
def test_page_writers_quicken_gil_switching_while_any_runs_and_restore_it_after():
    """The GIL switch interval is shortened while a threaded page writer runs (its queries wait less for
    the GIL), and restored when the last of several overlapping writers closes, even after an error."""
    import sys

    before = sys.getswitchinterval()
    first, second = catalog_sync.PageWriter(lambda page: None), catalog_sync.PageWriter(lambda page: None)
    threaded = connection.vendor == "postgresql"
    assert (sys.getswitchinterval() == catalog_sync.PageWriter.SWITCH_INTERVAL) == threaded
    first.close()
    first.close()  # closing twice counts once
    assert (sys.getswitchinterval() == catalog_sync.PageWriter.SWITCH_INTERVAL) == threaded
    second.close()
    assert sys.getswitchinterval() == before

    def failing(page):
        raise ValueError("no")

    writer = catalog_sync.PageWriter(failing)
    with pytest.raises(ValueError):
        writer.put(1)
        writer.close()
    assert sys.getswitchinterval() == before
