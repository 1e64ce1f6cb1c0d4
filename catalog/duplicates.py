"""R8, duplicate SKUs: a SKU used by several POS products is merged when their records agree (quantities
added on the first, the others set to 0) and opened for review when they do not. The Ingestor tracks the
SKUs of a run as it writes its pages (`_first_by_sku`, `_later_by_sku`) and settles them here at finish."""
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import transaction

from catalog.models import Product, ReviewItem

AGREEING_FIELDS = ("product_name", "brand", "category", "unit_price", "weight")
DUPLICATE_DECISION = "duplicate_sku"


@dataclass
class _Problem:
    kind: str
    key: str
    message: str
    raw: list[dict[str, Any]]
    pos_ids: Sequence[str] = ()


def _json_default(value: Any) -> Any:
    return str(value)


def _money(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _agreeing(name: str, brand: str, category: str, price, weight) -> tuple:
    """R8's fields of a product, as compared between duplicates (mapped or as stored: the weight's JSON
    with sorted keys, a database's JSON may reorder them)."""
    weight = orjson.dumps(weight, default=_json_default, option=orjson.OPT_SORT_KEYS).decode() \
        if weight is not None else None
    return (name, brand, category, _money(price), weight)


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class DuplicateSkus:
    """The Ingestor's R8 half: settles the run's shared SKUs once every page is written."""

    def _finish_duplicates(self, result, now) -> None:
        """R8 at the end of a run: merge the SKUs whose records agree, open a review item for the others
        (`result` is the run's FinishResult)."""
        # pos id -> (quantity to show or None to keep, the R8 decision or None)
        targets: dict[str, tuple[float | None, dict | None]] = {}
        problems: list[_Problem] = []
        merged_entries: dict[str, int] = {}  # pos id -> index of its entry, for the quantity's diff
        self._fill_skipped_agreeing()
        for sku, later in self._later_by_sku.items():
            first = self._first_by_sku[sku]
            group = [first, *later]
            differing = [name for i, name in enumerate(AGREEING_FIELDS) if any(r[3][i] != first[3][i] for r in later)]
            if differing:
                ids = ", ".join(r[0] for r in group)
                problems.append(_Problem(
                    ReviewItem.Kind.DUPLICATE_SKU, sku[:200],
                    f"SKU {sku} is used by {len(group)} POS products ({ids}) that differ in "
                    f"{', '.join(differing)}: they stay on the menu until the POS is fixed (R8).",
                    [dict(zip(("pos_id", *AGREEING_FIELDS), (r[0], *r[3]), strict=True)) for r in group],
                    [r[0] for r in group]))
                result.flagged += 1
                if self._keep("flagged"):
                    result.entries.append(("flagged", first[0], first[1], problems[-1].message))
                continue
            total = sum(r[2] for r in group)
            merged_ids = ", ".join(r[0] for r in later)
            targets[first[0]] = (total if self.quantity_synced else None,
                                 {"field": DUPLICATE_DECISION, "rule": f"Duplicate SKU {sku}: quantities of "
                                  f"{merged_ids} added (R8)", "value": total})
            for pos_id, name, _, _ in later:
                targets[pos_id] = (0.0, {"field": DUPLICATE_DECISION, "rule": f"merged into {first[0]} (R8)",
                                         "value": 0})
                result.merged += 1
                if self._keep("updated"):
                    merged_entries[pos_id] = len(result.entries)
                    result.entries.append(("updated", pos_id, name, f"Duplicate SKU {sku}: merged into {first[0]} "
                                                                     "(R8)."))
        # Products that shared a SKU last time and no longer merge show their own feed quantity.
        for pos_id, quantity in self._deferred_quantity.items():
            targets.setdefault(pos_id, (quantity, None))
        if not targets and not problems:
            return
        changed = []
        for chunk in _chunks(list(targets), 900):
            rows = Product.objects.filter(store_id=self.store_id, pos_product_id__in=chunk).values_list(
                "pk", "pos_product_id", "quantity", "decisions")
            for pk, pos_id, quantity, decisions in rows:
                target, decision = targets[pos_id]
                kept = [d for d in decisions or []
                        if not (isinstance(d, dict) and d.get("field") == DUPLICATE_DECISION)]
                wanted = kept + [decision] if decision else kept
                new_quantity = quantity if target is None else target
                if pos_id in merged_entries and new_quantity != quantity:
                    result.diffs[merged_entries[pos_id]] = {"quantity": [quantity, new_quantity]}
                if new_quantity != quantity or wanted != (decisions or []):
                    changed.append(Product(pk=pk, quantity=new_quantity, decisions=wanted, updated_at=now,
                                           last_synced_at=now))
        if self.dry_run:
            return
        with transaction.atomic():
            Product.objects.bulk_update(changed, ["quantity", "decisions", "updated_at", "last_synced_at"],
                                        batch_size=500)
            if problems:
                self._open_review_items(problems)

    def _fill_skipped_agreeing(self) -> None:
        """Records whose mapping was skipped (unchanged) and that share a SKU in this feed: their R8
        fields as stored (the last mapping of the same record), in one query per 900 of them."""
        groups = [(sku, [self._first_by_sku[sku], *later]) for sku, later in self._later_by_sku.items()]
        missing = {record[0] for _, group in groups for record in group if record[3] is None}
        if not missing:
            return
        stored = {}
        for chunk in _chunks(sorted(missing), 900):
            for pos_id, name, brand, category, price, weight in Product.objects.filter(
                    store_id=self.store_id, pos_product_id__in=chunk).values_list(
                    "pos_product_id", *AGREEING_FIELDS):
                stored[pos_id] = (name, _agreeing(name, brand, category, price, weight))
        for sku, group in groups:
            filled = [(r[0], *stored[r[0]][:1], r[2], stored[r[0]][1]) if r[3] is None and r[0] in stored else r
                      for r in group]
            self._first_by_sku[sku], self._later_by_sku[sku] = filled[0], filled[1:]
