"""What a sync run's entry says changed on an updated product (SyncRunEntry.diff: {column: [before, after]}).

Only the products whose entries a run keeps are compared (a page's at most, read in one query), so a
diff costs a run a handful of queries whatever the size of the catalogue.
"""
from typing import Any

import orjson

from .models import Product

# The columns a diff covers, in the words the run's page shows them with (registered with the stream):
# the short ones a store reads on its menu. Long text and lists (description, images, lab results,
# terpenes, tiers) are left out; the entry's message says the product changed.
DIFF_LABELS = {"product_name": "Name", "sku": "SKU", "brand": "Brand", "category": "Category",
               "subcategory": "Subcategory", "strain_type": "Strain type", "weight": "Weight",
               "thc_percentage": "THC %", "cbd_percentage": "CBD %", "unit_price": "Price",
               "medical_unit_price": "Medical price", "flower_equivalent": "Flower equivalent",
               "quantity": "Quantity", "room_type": "Room type"}
MONEY_COLUMNS = ("unit_price", "medical_unit_price")

Entry = tuple[str, str, str, str]  # (status, pos_id, name, message)


class WithDiffs:
    """A page's or a run's end's entries, and the diffs of the updated ones (index in entries -> diff)."""

    entries: list[Entry]
    diffs: dict[int, dict[str, list]]

    def reported_entries(self) -> list[tuple]:
        """The entries as the run reporter takes them: an updated record's with its diff."""
        return [(*entry, self.diffs[i]) if i in self.diffs else entry for i, entry in enumerate(self.entries)]


def comparable(column: str, value: Any) -> Any:
    """A column's value as stored or as about to be written (JSON as text, prices as floats) in one form,
    to compare and to keep: money as "35.00", numbers as floats, JSON parsed."""
    if value is None:
        return None
    if column in MONEY_COLUMNS:
        return f"{value:.2f}"
    if column == "weight":
        return orjson.loads(value) if isinstance(value, str | bytes) else value
    if isinstance(value, int | float):
        return float(value)
    return value


def product_diffs(changed: list[tuple[int, int, tuple]], columns: tuple[str, ...],
                  row_index: dict[str, int]) -> dict[int, dict[str, list]]:
    """For each (entry index, product pk, row about to be written): the columns whose value changes,
    [as stored, as written]. One query for them all."""
    if not columns or not changed:
        return {}
    stored = {pk: values for pk, *values in Product.objects.filter(pk__in=[pk for _, pk, _ in changed])
              .order_by().values_list("pk", *columns)}
    diffs = {}
    for index, pk, row in changed:
        if (before := stored.get(pk)) is None:
            continue
        diff = {}
        for column, old in zip(columns, before, strict=True):
            old, new = comparable(column, old), comparable(column, row[row_index[column]])
            if old != new:
                diff[column] = [old, new]
        if diff:
            diffs[index] = diff
    return diffs
