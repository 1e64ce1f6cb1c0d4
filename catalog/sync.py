"""The "inventory" stream: the POS's products and stock onto a store's menu.

Fetch (streamed) -> map (pure functions) -> ingest in pages of PAGE_SIZE, each page its own
transaction; a record that cannot be mapped is counted and kept for review and never aborts its page.
"""
import dataclasses
import gc
import hashlib
import queue
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import orjson
from django.db import connection
from django.db.models import Q
from django.db.models.fields.json import KT

from integrations.models import SyncRun
from integrations.pos.jsonstream import digest_of
from integrations.pos.records import ClientConfig, KnownRecord
from integrations.pos.registry import client_for
from integrations.streams import StreamOutcome

from .ingest import Ingestor
from .mapping import MappingError, map_product, settings_from_card
from .mapping.quantity import map_quantity
from .models import Product

PAGE_SIZE = 1000
# Bump when mapping code changes what a record maps to: every source hash then differs once, and the
# next run maps every record again.
MAPPING_VERSION = 1
# D4: Dutchie's product list can lag edits by up to an hour: an incremental read of product details
# starts this long before the last successful run started.
DETAILS_OVERLAP = timedelta(hours=1)
SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def run_inventory_stream(run: SyncRun, reporter) -> StreamOutcome:
    card = run.card
    store = card.store
    client = client_for(card.vendor, ClientConfig.from_card(card))
    settings = settings_from_card(card)
    ingestor = Ingestor(store, card, run_id=run.pk, dry_run=run.dry_run, sync_prices=card.sync_prices,
                        synced_fields=card.synced_fields)
    hasher = SourceHasher(card, settings)
    fetched = 0
    mapped, failed, unchanged, hashes = [], [], [], {}

    def write(page: tuple) -> None:
        result = ingestor.ingest_page(*page[:4])
        reporter.page(f"{page[4]:,} records so far", result.reported_entries(),
                      fetched=len(page[0]) + len(page[1]) + len(page[2]), created=result.created,
                      updated=result.updated, unchanged=result.unchanged, flagged=result.flagged,
                      errors=result.errors)

    writer = PageWriter(write)

    def flush() -> None:
        nonlocal mapped, failed, unchanged, hashes
        writer.put((mapped, failed, unchanged, hashes, fetched))
        mapped, failed, unchanged, hashes = [], [], [], {}

    def take(record) -> None:
        """One parsed record onto the page: unchanged if it hashes as when last written, else mapped (or
        failed: one bad record never aborts the page)."""
        try:
            # A record that hashes as it did when last written, with the stored quantity, is unchanged:
            # mapping it again would give the same product (the hash covers the card's settings too).
            digest = hasher.of_record(record)
            quantity, has_quantity, _, _ = map_quantity(record)
            # A digest of the bytes alone does not cover product details read in full (not incrementally):
            # those records are mapped, their content hash says what changed.
            skippable = incremental or not record.digest
            if skippable and ingestor.source_unchanged(record.pos_product_id, digest,
                                                       quantity if has_quantity else None):
                unchanged.append((record.pos_product_id, str(record.sku or "").strip(), float(quantity)))
            else:
                mapped.append(map_product(record, settings))
                hashes[mapped[-1].pos_product_id] = digest
        except MappingError as error:
            failed.append((record.pos_product_id, record.name, str(error)))
        except Exception as error:  # noqa: BLE001 - one bad record never aborts the page
            failed.append((record.pos_product_id, record.name, f"Could not map this record: {error}"))

    def known(digest: str) -> tuple[str, str, float] | None:
        """For the client: the product (pos id, SKU, stored quantity) a record with this digest was
        written as, if it may be skipped unread."""
        return ingestor.known_source(hasher.of_digest(digest))

    try:
        with fewer_collections():
            records, incremental = iter_inventory(client, card, store, known)
            for record in records:
                fetched += 1
                if isinstance(record, KnownRecord):
                    # Exactly the record last written (same bytes, same settings): nothing to read.
                    unchanged.append(record.held)
                else:
                    take(record)
                if len(mapped) + len(failed) + len(unchanged) >= PAGE_SIZE:
                    flush()
        if mapped or failed or unchanged or fetched == 0:
            flush()
    except BaseException:
        gc.unfreeze()  # the Ingestor froze the GC until finish(), which a failed run never reaches
        raise
    finally:
        writer.close()  # every page written (or the writer's error raised) before finish()

    if fetched == 0:
        # C10 / D14: good credentials, nothing usable. Do not zero the menu on an empty feed: say why.
        gc.unfreeze()  # finish() (which thaws the GC) is skipped on purpose
        return _explain_empty(client, card, store)
    finish = ingestor.finish()
    reporter.add(finish.reported_entries(), zeroed=finish.zeroed, flagged=finish.flagged)
    run.refresh_from_db()
    verb = "Previewed" if run.dry_run else "Synced"
    outcome = StreamOutcome(message=(
        f"{verb} {fetched:,} records: {run.created:,} new, {run.updated:,} updated, {run.unchanged:,} unchanged, "
        f"{run.zeroed:,} zeroed, {run.flagged:,} flagged for review, {run.errors:,} could not be read."))
    if run.errors:
        outcome.fix = "Open Menu > Review items to see the records the POS sent that could not be read."
    if run.trigger == SyncRun.Trigger.INITIAL or run.dry_run:
        outcome.verification = verify_counts(store, card, fetched)
    return outcome


class PageWriter:
    """Writes pages (`write(page)`) in a thread of its own, with its own database connection, while the
    caller fetches and maps the next: on PostgreSQL a page's COPY and upsert wait on the server, and
    that wait overlaps Python's work. At most QUEUED pages wait (memory stays bounded); each page is
    still its own transaction. The first error stops the writing and is raised by the next put() or by
    close(). Inline (no thread) on SQLite and inside a transaction (tests), where a second connection
    would not see the first one's rows."""

    QUEUED = 2
    # While the writer runs, the busy parser hands the GIL over after this long instead of Python's 5 ms:
    # each of the writer's queries gives the GIL up and waits that long to get it back.
    SWITCH_INTERVAL = 0.0005

    def __init__(self, write):
        self._write = write
        self.error: BaseException | None = None
        self._raised = False
        self._closed = False
        self.busy = 0.0  # seconds spent writing (the benchmark's "ingest")
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._queue: queue.Queue | None = queue.Queue(self.QUEUED) if threaded else None
        self._thread = threading.Thread(target=self._run, name="canopy-page-writer", daemon=True) \
            if threaded else None
        if self._thread:
            _quick_switching(True, self.SWITCH_INTERVAL)
            self._thread.start()

    def put(self, page) -> None:
        if self._queue is None:
            self._timed(page)
            return
        self._raise()
        self._queue.put(page)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._thread is not None and not self._closed:
            self._closed = True
            _quick_switching(False)
        self._raise()

    def _run(self) -> None:
        try:
            while (page := self._queue.get()) is not None:
                if self.error is None:  # after an error, pages are only drained (put() never blocks)
                    try:
                        self._timed(page)
                    except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                        self.error = error
        finally:
            connection.close()  # this thread's own connection

    def _timed(self, page) -> None:
        started = time.perf_counter()
        try:
            self._write(page)
        finally:
            self.busy += time.perf_counter() - started

    def _raise(self) -> None:
        if self.error is not None and not self._raised:
            self._raised = True  # once: close() after a put() that raised it adds nothing
            raise self.error


_switching = {"writers": 0, "saved": 0.005}
_switching_lock = threading.Lock()


def _quick_switching(on: bool, interval: float = 0.0) -> None:
    """The process's GIL switch interval while any page writer runs (runs in threads of one process may
    overlap): set by the first writer, restored by the last."""
    with _switching_lock:
        if on:
            if not _switching["writers"]:
                _switching["saved"] = sys.getswitchinterval()
                sys.setswitchinterval(interval)
            _switching["writers"] += 1
        else:
            _switching["writers"] -= 1
            if not _switching["writers"]:
                sys.setswitchinterval(_switching["saved"])


@contextmanager
def fewer_collections(threshold: int = 50_000):
    """Parsing, hashing and mapping allocate millions of short-lived objects without reference cycles:
    with the default threshold (700) the cyclic GC runs every few records (0.6 s of an unchanged 100,000
    -product resync). Its youngest generation is collected every `threshold` allocations instead."""
    saved = gc.get_threshold()
    gc.set_threshold(threshold, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


class SourceHasher:
    """Source hashes for one run: seeded with everything besides the record that decides what it maps to,
    the mapping settings and the card's filters (rooms, areas, purchase category decide the quantity)."""

    def __init__(self, card, settings):
        filters = [getattr(card, name, None) for name in ("room_ids", "area_ids", "room_id", "purchase_category")]
        fingerprint = orjson.dumps([MAPPING_VERSION, dataclasses.asdict(settings), filters], default=_sorted,
                                   option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
        self._blake = hashlib.blake2b(fingerprint, digest_size=16)
        self._seed = self._blake.digest()

    def of_digest(self, digest: str) -> str:
        """The source hash of a record the client digested from its bytes as sent (PosProduct.digest):
        asked for every record of a resync, so as cheap as a hash gets (xxh3)."""
        return digest_of(self._seed + digest.encode())

    def of_record(self, record) -> str:
        """The record's digest as sent where the client took one; else the POS record as received
        (PosProduct.raw). The product details Dutchie's records carry (raw["productDetail"]) may come
        back from the database on a resync (iter_inventory), whose JSON does not keep the POS's key order:
        they are hashed with sorted keys. Sorting the whole record would triple the hash's cost."""
        if record.digest:
            return self.of_digest(record.digest)
        hasher = self._blake.copy()
        raw = record.raw if isinstance(record.raw, dict) else {}
        detail = raw.get("productDetail")
        if detail is not None:
            hasher.update(orjson.dumps(detail, default=str, option=SORTED))
            raw = {key: value for key, value in raw.items() if key != "productDetail"}
        hasher.update(orjson.dumps(raw, default=str, option=orjson.OPT_NON_STR_KEYS))
        return hasher.hexdigest()


def _sorted(value):
    return sorted(value) if isinstance(value, frozenset | set) else str(value)


def iter_inventory(client, card, store, known=None) -> tuple[Iterator, bool]:
    """(The client's inventory, whether incremental); with product details read incrementally where the
    client can (Dutchie): those changed since the last successful run (less DETAILS_OVERLAP), the rest as
    stored with each product (Product.raw["productDetail"]), and the records `known(digest)` holds as
    KnownRecords (not read). A first sync reads everything."""
    if "incremental_inventory" not in client.features:
        return client.iter_inventory(), False
    # A run that went through the whole feed: succeeded, or partly for records it could not read (not for an
    # empty feed, error_category "empty", which wrote nothing).
    runs = SyncRun.objects.filter(card=card, stream="inventory", dry_run=False, started_at__isnull=False,
                                  error_category="",
                                  status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL])
    last = runs.order_by("-started_at").values_list("started_at", flat=True).first()
    if last is None:
        return client.iter_inventory(), False
    return client.iter_inventory(details_since=last - DETAILS_OVERLAP, known_details=StoredDetails(store, card),
                                 known=known), True


class StoredDetails:
    """known_details for DutchieClient.iter_inventory: pos id -> the product details stored with each
    product of this store and card ({} when it has none). Asked per batch for the records read (not those
    skipped as known): while few are asked (a resync), only those are read, `pos_product_id IN (...)`;
    past FEW in all, every product's in one query (per row, an IN query costs ten times more: each reads
    its rows' whole `raw`)."""

    FEW = 5000

    def __init__(self, store, card):
        self.store, self.card = store, card
        self.details: dict[str, dict] | None = None
        self.asked = 0

    def __call__(self, pos_ids: list[str]) -> dict[str, dict]:
        self.asked += len(pos_ids)
        if self.details is None and self.asked > self.FEW:
            self.details = self._load(self._products())
        if self.details is None:
            # A plain query: a few rows, by the (store, pos id) index.
            rows = self._products().filter(pos_product_id__in=pos_ids).values_list("pos_product_id",
                                                                                   KT("raw__productDetail"))
            return self._parse(list(rows))
        return {pos_id: self.details[pos_id] for pos_id in pos_ids if pos_id in self.details}

    def _products(self):
        return Product.objects.filter(store=self.store, card=self.card).order_by()

    @classmethod
    def _load(cls, products) -> dict[str, dict]:
        return cls._parse(products.values_list("pos_product_id", KT("raw__productDetail")).iterator(chunk_size=10_000))

    @staticmethod
    def _parse(rows) -> dict[str, dict]:
        # The details as JSON text (->>), parsed here by orjson: faster than the JSONField's per-row decoding.
        details = {}
        for pos_id, text in rows:
            detail = orjson.loads(text) if text else None
            details[pos_id] = detail if isinstance(detail, dict) else {}
        return details


def verify_counts(store, card, fetched: int) -> dict:
    """R4: after an initial sync, the counts here against what the POS sent."""
    products = Product.objects.filter(store=store, card=card)
    here = products.count()
    in_stock = products.filter(quantity__gt=0).count()
    return {"pos_records": fetched, "menu_products": here, "in_stock": in_stock,
            "match": here >= fetched - products.filter(~Q(flags=[])).count() if fetched else here == 0}


def _explain_empty(client, card, store) -> StreamOutcome:
    """Why a sync with good credentials found nothing (C10, D14), in words a store can act on: the vendor's
    description says what its filters mean."""
    rooms = []
    try:
        rooms = client.list_rooms()
    except Exception:  # noqa: BLE001 - the explanation is best effort
        rooms = []
    empty = client.spec.empty_feed(card, rooms)
    return StreamOutcome(category="empty", message=empty.message, fix=empty.fix)
