"""Ingest of mapped products onto a store's menu: set-based, in pages, each page its own transaction.

The sync engine builds one Ingestor per run, feeds it pages of MappedProducts (catalog.mapping) with
`ingest_page`, then calls `finish` once. The Ingestor reads the store's existing products once
(pos id -> pk, content hash, quantity), skips every record whose content hash and quantity are
unchanged without a single query, and writes the rest in one statement per page: a COPY into a
TEMP staging table then INSERT ... SELECT ... ON CONFLICT DO UPDATE on PostgreSQL, one executemany
upsert elsewhere (SQLite). Queries per page are a constant whatever the page size.

Rules applied here (REQUIREMENTS.md):
- R8 the POS's quantity wins; a product not found is created; a SKU used by several POS products is
  merged when the records agree, or opened for review when they do not.
- D13 a product that drops out of the feed is zeroed, never deleted.
- A5 with price sync off, existing products keep their prices; new products get the POS's.
- C8 fields the card does not sync are not overwritten on existing products.
- X2 a dry run computes every count and entry and writes nothing.
- A product whose category mapping did not recognise goes on the menu under "Uncategorised" (flagged and
  opened for review) until a mapping decides it.
"""
import gc
import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.diffs import DIFF_LABELS, Entry, WithDiffs, product_diffs
from catalog.duplicates import (
    AGREEING_FIELDS,
    DUPLICATE_DECISION,  # noqa: F401 - named by tests and the review queue
    DuplicateSkus,
    _agreeing,
    _chunks,
    _json_default,
    _money,
    _Problem,
)
from catalog.ingest_sql import upsert_products
from catalog.mapping.categories import UNCATEGORISED
from catalog.mapping.types import MappedProduct
from catalog.models import FIELD_COLUMNS, Product, ReviewItem

logger = logging.getLogger(__name__)

# C8: which product columns each synced field name covers (defined once, beside the model).
ALL: tuple[str, ...] = tuple(FIELD_COLUMNS)
# A5: the columns "our price" is made of; price sync off keeps them on existing products.
PRICE_COLUMNS = ("unit_price", "medical_unit_price", "price_tiers", "weight_tiers")

# Every product column a MappedProduct fills, in the order rows are written.
DATA_COLUMNS = ("sku", "product_name", "brand", "category", "subcategory", "strain_type", "description", "images",
                "thc_percentage", "cbd_percentage", "lab_results", "terpenes", "weight", "unit_price",
                "medical_unit_price", "price_tiers", "weight_tiers", "flower_equivalent", "quantity", "room_type",
                "unit_cost", "unknown_terpenes", "decisions", "flags", "raw")
# The content hash covers every mapped column but `raw` (the vendor's record as received: its
# timestamps change on every touch in the POS without anything on the menu changing).
HASHED_COLUMNS = tuple(c for c in DATA_COLUMNS if c != "raw")
# Columns written on existing products whatever the card syncs: the POS's identity of the product,
# the explanation (X3) and the bookkeeping.
ALWAYS_UPDATED = ("card_id", "content_hash", "source_hash", "sku", "room_type", "unit_cost", "decisions", "flags",
                  "raw", "last_synced_at", "updated_at")
WRITE_COLUMNS = ("store_id", "card_id", "pos_product_id", "content_hash", "source_hash", *DATA_COLUMNS,
                 "held_quantity", "last_synced_at", "created_at", "updated_at")
# R8: a duplicate SKU is merged only when its records agree on these.
AGREEING_COLUMNS = (*AGREEING_FIELDS, "medical_unit_price", "price_tiers", "weight_tiers", "flower_equivalent")

# A page keeps the first ENTRIES_PER_PAGE notable records of each status, and a run at most
# settings.SYNC_ENTRIES_PER_STATUS of each (the run reporter's cap, so none is prepared to be dropped):
# a 100,000-product first sync must not write 100,000 entry rows (the run's counts carry the totals).
ENTRIES_PER_PAGE = 200
# A run that wrote at least this many products refreshes PostgreSQL's statistics of the product table.
ANALYZE_AFTER = 5000
ANALYZED_COLUMNS = ("store_id", "card_id", "pos_product_id", "sku", "quantity", "source_hash")
POS_ID_LENGTH = Product._meta.get_field("pos_product_id").max_length
# The decisions ingest adds itself (R8 merges) carry this field name, so a later run can replace them.

_hashed_values = attrgetter(*HASHED_COLUMNS)
_WRITE_INDEX = {column: i for i, column in enumerate(WRITE_COLUMNS)}


@dataclass
class PageResult(WithDiffs):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0
    errors: int = 0
    # Notable records only (created, updated, flagged, failed), capped per page and per run.
    entries: list[Entry] = field(default_factory=list)
    # Index in entries -> {column: [before, after]}, for updated records (SyncRunEntry.diff).
    diffs: dict[int, dict[str, list]] = field(default_factory=dict)


@dataclass
class FinishResult(WithDiffs):
    zeroed: int = 0
    merged: int = 0  # duplicate rows merged into their SKU's first product (R8)
    flagged: int = 0  # duplicate SKUs opened for review (R8)
    entries: list[Entry] = field(default_factory=list)
    diffs: dict[int, dict[str, list]] = field(default_factory=dict)
    # D14: a feed with no record at all zeroes nothing (an empty menu would hide a credential or room
    # problem); the engine says why instead.
    empty_feed: bool = False


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _source_for(product: MappedProduct, source_hashes: dict[str, str]) -> str | None:
    """The source hash stored with a product; none for a flagged one, so that every run maps it again
    and counts and reports its flags."""
    return None if product.flags else source_hashes.get(product.pos_product_id)


def _raw_rows(queryset) -> list[tuple]:
    """A values_list queryset's rows through the database cursor itself: a 100,000-product store's rows
    are read at every run, and the ORM's per-row work was a third of an unchanged resync's reading."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class Ingestor(DuplicateSkus):
    """Puts one run's mapped products onto one store's menu. One per run; its pages are written by one
    thread at a time (catalog.sync's PageWriter: source_unchanged may be asked meanwhile from another)."""

    def __init__(self, store, card=None, *, run_id: int | None = None, dry_run: bool = False,
                 sync_prices: bool = True, synced_fields: Iterable[str] = ALL):
        self.store_id = store.pk
        self.card_id = card.pk if card is not None else None
        self.run_id = run_id
        self.dry_run = dry_run
        synced = set(synced_fields)
        if unknown := synced - set(FIELD_COLUMNS):
            logger.warning("Ingest ignores unknown synced fields %s", sorted(unknown))
        columns = {c for name in synced & set(FIELD_COLUMNS) for c in FIELD_COLUMNS[name]}
        if not sync_prices:
            columns -= set(PRICE_COLUMNS)
        # The columns an existing product gets from the POS (a new product gets every column).
        self.update_columns = tuple(c for c in WRITE_COLUMNS if c in columns or c in ALWAYS_UPDATED)
        self.quantity_synced = "quantity" in self.update_columns
        # An updated product's diff covers the columns it gets from the POS (C8: the others keep ours).
        self.diff_columns = tuple(c for c in DIFF_LABELS if c in self.update_columns)
        self.entries_per_status = settings.SYNC_ENTRIES_PER_STATUS
        # The settings that decide what is written are part of every hash: after a settings change
        # (a field synced again, price sync back on) each product is rewritten once with them.
        fingerprint = orjson.dumps([self.card_id, self.update_columns])
        self._hasher = hashlib.blake2b(fingerprint, digest_size=16)

        # The one read of what the store has: pos id -> (pk, content hash, quantity, source hash). SKUs are
        # only looked at to know which products shared a SKU last time (their quantities are R8's to set).
        self._existing: dict[str, tuple[int | None, str, float, str | None]] = {}
        self._shared_sku: set[str] = set()
        by_source: dict[str, tuple[str, str, float]] = {}  # this card's: source hash -> (pos id, SKU, quantity)
        first_with_sku: dict[str, str] = {}
        rows = Product.objects.filter(store_id=self.store_id).order_by().values_list(
            "pos_product_id", "pk", "content_hash", "quantity", "sku", "source_hash", "card_id")
        for pos_id, pk, content_hash, quantity, sku, source_hash, card_id in _raw_rows(rows):
            self._existing[pos_id] = (pk, content_hash, quantity, source_hash)
            if source_hash and card_id == self.card_id:
                by_source[source_hash] = (pos_id, (sku or "").strip(), quantity)
            if sku:
                first = first_with_sku.setdefault(sku, pos_id)
                if first != pos_id:
                    self._shared_sku.update((first, pos_id))
        del first_with_sku
        # Skipping the mapping of an unchanged record (source_unchanged) leaves R8 to compare its stored
        # name, brand, category, price and weight with a duplicate's: only right when the card syncs them
        # all (an unsynced one keeps a value edited here, not the POS's).
        self.skip_allowed = all(c in self.update_columns for c in AGREEING_COLUMNS)
        # What known_source() answers from: source hash -> (pos id, SKU, stored quantity) of the products
        # whose record may be skipped unread (see there).
        self._skippable: dict[str, tuple[str, str, float]] = {
            source: known for source, known in by_source.items() if known[0] not in self._shared_sku
        } if self.skip_allowed and self.quantity_synced else {}
        del by_source

        self._seen: set[str] = set()
        # R8: sku -> the first record with it (pos id, name, feed quantity, agreeing fields); the
        # later records with the same SKU are kept in full (they are few).
        self._first_by_sku: dict[str, tuple[str, str, float, tuple]] = {}
        self._later_by_sku: dict[str, list[tuple[str, str, float, tuple]]] = {}
        # Feed quantities of products that shared a SKU last time: finish() sets them (R8).
        self._deferred_quantity: dict[str, float] = {}
        self._entries_kept: Counter[str] = Counter()
        self._written = 0  # rows written by this run's pages
        # The cyclic GC re-walks every long-lived object on each full collection, and a 100,000-product
        # run allocates millions of short-lived ones: at that size GC took a quarter of an unchanged
        # resync. Freezing moves what exists now (Django, the existing-products dict) out of its walks
        # until finish() thaws it; nothing frozen is lost, it is only collected after the thaw.
        gc.freeze()

    # --- pages ------------------------------------------------------------------------------------
    def source_unchanged(self, pos_id: str, source_hash: str, quantity: float | None) -> bool:
        """True when the POS record hashes as it did when this product was last written (same record,
        same settings) and the stored quantity is the feed's: the record need not even be mapped. Its
        caller then hands it to ingest_page as `unchanged`. Not for products that shared a SKU last time
        (R8 sets their quantities), nor a pos id seen twice in the feed, nor a record without a quantity."""
        old = self._existing.get(pos_id)
        if old is None or not old[3] or old[3] != source_hash or not self.skip_allowed:
            return False
        if pos_id in self._shared_sku or pos_id in self._seen or quantity is None:
            return False
        return not self.quantity_synced or old[2] == max(0.0, float(quantity))

    def known_source(self, source_hash: str) -> tuple[str, str, float] | None:
        """The record a source hash was last written from, as ingest_page's `unchanged` takes it (pos id,
        SKU, stored quantity), when a record hashing the same may be taken as unchanged without even
        being read: the conditions of source_unchanged, the stored quantity being the one this very
        record gave. Only where the card syncs quantities (else the feed's quantity is not the stored one,
        and R8 adds feed quantities)."""
        known = self._skippable.get(source_hash)
        # A product written again this run (so its stored hash is no longer this one) is in _seen.
        return None if known is None or known[0] in self._seen else known

    def ingest_page(self, mapped: list[MappedProduct], failed: Iterable[tuple[str, str, str]] = (),
                    unchanged: Iterable[tuple[str, str, float]] = (),
                    source_hashes: dict[str, str] | None = None) -> PageResult:
        """Write one page: new and changed products, review items for flagged and failed records. A
        failed record (the mapper could not make a product of it) is counted and kept for review.
        `unchanged` are records source_unchanged() accepted, (pos id, sku, quantity), never mapped;
        `source_hashes` (pos id -> hash) are stored with the products written, for the next run."""
        # A page makes no reference cycles (rows are tuples of atoms): pausing the cyclic GC spares
        # the dozens of collections its allocations would trigger, each walking every live object.
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._ingest_page(mapped, failed, unchanged, source_hashes or {})
        finally:
            if paused:
                gc.enable()

    def _ingest_page(self, mapped: list[MappedProduct], failed: Iterable[tuple[str, str, str]],
                     unchanged: Iterable[tuple[str, str, float]], source_hashes: dict[str, str]) -> PageResult:
        result = PageResult()
        for pos_id, sku, quantity in unchanged:
            result.unchanged += 1
            if pos_id not in self._seen:
                self._seen.add(pos_id)
                if sku:
                    # R8 compares its stored fields at finish() (None: not mapped this run).
                    self._track_sku_record(sku, (pos_id, "", quantity, None))
        # Products whose menu content is unchanged but whose POS record is not (a touched timestamp):
        # only their source hash is written, so the next run can skip them.
        sources: list[tuple[int, str]] = []
        page_entries: Counter[str] = Counter()
        now = timezone.now()
        rows: dict[str, tuple] = {}  # pos id -> row, for products that exist
        new_rows: dict[str, tuple] = {}  # ... for products that did not exist when the run began
        flagged_written: list[MappedProduct] = []
        changed: list[tuple[int, int, str]] = []  # (entry index, pk, pos id) of the updated entries kept
        failed = list(failed)
        for product in mapped:
            pos_id = product.pos_product_id
            if not product.category:
                # Mapping recognised no category: on the menu under UNCATEGORISED, visible and filterable,
                # until a mapping decides it (flagged products are mapped again on every run).
                product.category = UNCATEGORISED
            if not pos_id or len(pos_id) > POS_ID_LENGTH:
                failed.append(((pos_id or "")[:POS_ID_LENGTH], product.product_name,
                               f"The POS product ID is empty or longer than {POS_ID_LENGTH} characters."))
                continue
            old = self._existing.get(pos_id)
            # A record without any quantity (quantity_known False: Dutchie /products) keeps our stock.
            if old is not None and not getattr(product, "quantity_known", True):
                quantity = old[2]
            else:
                quantity = max(0.0, float(product.quantity or 0))  # never below 0
            digest = self._hash(product)
            if pos_id not in self._seen:
                self._seen.add(pos_id)
                if product.sku:
                    self._track_sku(product, quantity)
            if product.flags:
                result.flagged += 1
                self._entry(result, page_entries, "flagged", pos_id, product.product_name,
                            "; ".join(map(str, product.flags)))
            deferred = pos_id in self._shared_sku and self.quantity_synced
            if deferred:
                self._deferred_quantity[pos_id] = quantity
            if old is None:
                result.created += 1
                self._entry(result, page_entries, "created", pos_id, product.product_name,
                            "New in the POS: created (R8).")
            else:
                pk, old_hash, old_quantity, old_source = old
                quantity_differs = self.quantity_synced and not deferred and old_quantity != quantity
                if old_hash == digest and not quantity_differs:
                    result.unchanged += 1
                    source = _source_for(product, source_hashes)
                    if source != old_source and pk is not None:
                        sources.append((pk, source))
                        self._existing[pos_id] = (pk, old_hash, old_quantity, source)
                    continue
                result.updated += 1
                message = ("Changed in the POS." if old_hash != digest else
                           f"Quantity {old_quantity:g} -> {quantity:g}: the POS wins (R8).")
                if self._entry(result, page_entries, "updated", pos_id, product.product_name, message):
                    if old_hash == digest:
                        result.diffs[len(result.entries) - 1] = {"quantity": [old_quantity, quantity]}
                    elif pk is not None:
                        changed.append((len(result.entries) - 1, pk, pos_id))
                if deferred:  # R8 sets it at finish() from the feed's quantities
                    quantity = old_quantity
            source = _source_for(product, source_hashes)
            self._existing[pos_id] = (old[0] if old else None, digest, quantity, source)
            if old is None or pos_id in new_rows:
                new_rows[pos_id] = self._row(product, digest, quantity, now, source)
            else:
                rows[pos_id] = self._row(product, digest, quantity, now, source)
            if product.flags:
                flagged_written.append(product)

        if changed:  # what changed, as stored before this page's write
            result.diffs.update(product_diffs([(index, pk, rows.get(pos_id) or new_rows[pos_id])
                                               for index, pk, pos_id in changed], self.diff_columns, _WRITE_INDEX))
        problems = [self._flag_problem(product) for product in flagged_written]
        for pos_id, name, message in failed:
            result.errors += 1
            self._entry(result, page_entries, "failed", pos_id, name, message)
            if pos_id:
                self._seen.add(pos_id)  # a record we could not read is not a product that left the POS
            problems.append(_Problem(ReviewItem.Kind.MALFORMED, (pos_id or f"name:{name}")[:200],
                                     f"Could not read this POS record: {message}",
                                     [{"pos_id": pos_id, "name": name, "message": message}]))
        if self.dry_run or not (rows or new_rows or problems or sources):
            return result
        with transaction.atomic():
            if rows or new_rows:
                upsert_products(list(rows.values()), list(new_rows.values()), WRITE_COLUMNS, self.update_columns)
                self._written += len(rows) + len(new_rows)
            if sources:
                with connection.cursor() as cursor:
                    cursor.executemany(f"UPDATE {Product._meta.db_table} SET source_hash = %s WHERE id = %s",  # noqa: S608
                                       [(source, pk) for pk, source in sources])
            if problems:
                self._open_review_items(problems)
        return result

    def _hash(self, product: MappedProduct) -> str:
        hasher = self._hasher.copy()
        hasher.update(orjson.dumps(_hashed_values(product), default=_json_default, option=orjson.OPT_NON_STR_KEYS))
        return hasher.hexdigest()

    def _track_sku(self, product: MappedProduct, quantity: float) -> None:
        agreeing = _agreeing(product.product_name, product.brand, product.category, product.unit_price,
                             product.weight)
        self._track_sku_record(product.sku, (product.pos_product_id, product.product_name, quantity, agreeing))

    def _track_sku_record(self, sku: str, record: tuple) -> None:
        first = self._first_by_sku.setdefault(sku, record)
        if first is not record:
            self._later_by_sku.setdefault(sku, []).append(record)

    def _entry(self, result, page_entries: Counter, status: str, pos_id: str, name: str, message: str) -> bool:
        """Keep a notable record unless its page or its run has enough of this status; True if kept."""
        if page_entries[status] >= ENTRIES_PER_PAGE or not self._keep(status):
            return False
        page_entries[status] += 1
        result.entries.append((status, pos_id, (name or "")[:300], message))
        return True

    def _keep(self, status: str) -> bool:
        """Whether the run still keeps entries of this status (and counts this one): past the run
        reporter's cap, none is prepared, nor its diff read."""
        if self._entries_kept[status] >= self.entries_per_status:
            return False
        self._entries_kept[status] += 1
        return True

    def _flag_problem(self, product: MappedProduct) -> _Problem:
        unknown = product.category in ("", UNCATEGORISED)
        kind = ReviewItem.Kind.UNKNOWN_CATEGORY if unknown else ReviewItem.Kind.MALFORMED
        flags = "; ".join(map(str, product.flags))
        return _Problem(kind, product.pos_product_id[:200], flags,
                        [{"pos_id": product.pos_product_id, "name": product.product_name, "flags": product.flags}],
                        (product.pos_product_id,))

    def _row(self, p: MappedProduct, digest: str, quantity: float, now, source: str | None = None) -> tuple:
        """One product as WRITE_COLUMNS, JSON columns as text (COPY and executemany take the same)."""
        weight = _dumps(p.weight) if p.weight is not None else None
        # Text columns are cut to their column's length: one overlong POS value must not fail the page.
        return (self.store_id, self.card_id, p.pos_product_id, digest, source, (p.sku or "")[:120],
                (p.product_name or "")[:300], (p.brand or "")[:200], (p.category or "")[:60],
                (p.subcategory or "")[:120], (p.strain_type or "")[:30], p.description or "",
                _dumps(p.images or []), p.thc_percentage, p.cbd_percentage, _dumps(p.lab_results or []),
                _dumps(p.terpenes or []), weight, _money(p.unit_price), _money(p.medical_unit_price),
                _dumps(p.price_tiers or []), _dumps(p.weight_tiers or []), p.flower_equivalent, quantity,
                (p.room_type or "")[:120], _money(p.unit_cost), _dumps(p.unknown_terpenes or []),
                _dumps(p.decisions or []), _dumps(p.flags or []), _dumps(p.raw or {}), 0.0, now, now, now)

    # --- writing ----------------------------------------------------------------------------------
    def _open_review_items(self, problems: list[_Problem]) -> None:
        """Open one review item per problem unless the same problem (kind, key, message) was opened
        before, whatever its status: a resync does not reopen what a manager resolved. Constant
        queries whatever the number of problems."""
        keys = {p.key for p in problems}
        known = set(ReviewItem.objects.filter(store_id=self.store_id, key__in=keys)
                    .values_list("kind", "key", "message"))
        fresh = {}
        for problem in problems:
            if (problem.kind, problem.key, problem.message) not in known:
                fresh.setdefault((problem.kind, problem.key), problem)
        if not fresh:
            return
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        table = ReviewItem._meta.db_table
        # ON CONFLICT DO NOTHING: the partial unique index one_open_review_item_per_problem keeps an
        # item that is still open (with an older message) from being opened twice.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (store_id, kind, key, message, raw, status, resolution, sync_run_id, "  # noqa: S608
                "created_at) VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s) ON CONFLICT DO NOTHING",
                [(self.store_id, p.kind, p.key, p.message, _dumps(p.raw), ReviewItem.Status.OPEN, self.run_id, now)
                 for p in fresh.values()])
        linked = {pos_id for p in fresh.values() for pos_id in p.pos_ids}
        if not linked:
            return
        pks = dict(Product.objects.filter(store_id=self.store_id, pos_product_id__in=linked)
                   .values_list("pos_product_id", "pk"))
        items = ReviewItem.objects.filter(store_id=self.store_id, status=ReviewItem.Status.OPEN,
                                          key__in={key for _, key in fresh})
        through = ReviewItem.products.through
        links = [through(reviewitem_id=item_pk, product_id=pks[pos_id])
                 for item_pk, kind, key in items.values_list("pk", "kind", "key") if (kind, key) in fresh
                 for pos_id in fresh[(kind, key)].pos_ids if pos_id in pks]
        through.objects.bulk_create(links, ignore_conflicts=True, batch_size=400)

    # --- after the last page ----------------------------------------------------------------------
    def finish(self) -> FinishResult:
        """R8 duplicate SKUs (merge or review), then D13 (zero what left the feed)."""
        result = FinishResult()
        now = timezone.now()
        try:
            self._finish_duplicates(result, now)
            self._zero_missing(result, now)
        finally:
            gc.unfreeze()
        if self._written >= ANALYZE_AFTER and connection.vendor == "postgresql" and not self.dry_run:
            # PostgreSQL plans with the table's statistics, which a first sync of 60,000 products leaves
            # describing an empty table until autovacuum gets to it: the next run's lookups by POS id
            # then scan the whole store (30 ms each instead of 0.3 ms). Refreshed now, for the columns the
            # sync's lookups filter on (the JSON columns would make it ten times longer).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Product._meta.db_table} ({', '.join(ANALYZED_COLUMNS)})")
        return result

    def _zero_missing(self, result: FinishResult, now) -> None:
        """D13: every product of this store and card not in this run's feed, with a quantity, is zeroed."""
        if not self._seen:
            result.empty_feed = True
            return
        products = Product.objects.filter(store_id=self.store_id, quantity__gt=0).order_by()
        products = products.filter(card_id=self.card_id) if self.card_id else products.filter(card__isnull=True)
        seen = self._seen
        missing = {pk: pos_id for pk, pos_id in _raw_rows(products.values_list("pk", "pos_product_id"))
                   if pos_id not in seen}
        room = self.entries_per_status - self._entries_kept["zeroed"]
        if missing and room > 0:  # names only for the entries kept
            self._entries_kept["zeroed"] += min(room, len(missing))
            named = Product.objects.filter(pk__in=list(missing)[:room]).values_list("pk", "product_name")
            result.entries += [("zeroed", missing[pk], name, "No longer in the POS feed: quantity set to 0 (D13).")
                               for pk, name in sorted(named)]
        missing = list(missing)
        result.zeroed = len(missing)
        if self.dry_run or not missing:
            return
        size = 10_000 if connection.vendor == "postgresql" else 900
        with transaction.atomic():
            for chunk in _chunks(missing, size):
                # No source hash: the same record back in the feed must be mapped and written again.
                Product.objects.filter(pk__in=chunk).update(quantity=0, updated_at=now, source_hash=None)
