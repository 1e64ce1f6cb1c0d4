"""Dutchie's /inventory items are packages: one product per productId, its packages added up (D1, D13).

Each InventoryItem is one package (a batch) of a product, and several packages can share a productId,
possibly in several rooms. The menu shows one product per productId: its packages' quantities summed (only
those in the card's rooms, D1), so that catalog applies the low-inventory threshold and zeroing to the sum
(D13). Dutchie does not promise any order, so a product's last package may come at the very end of the
feed. How the feed is read:

1. Pass 1, while it downloads: each item's bytes go to a temporary file (PackageSpool), and per productId,
   in the order first seen, only where its packages are and their digests. An item's productId is read
   from its bytes (product_id_of), not by parsing it, or on a resync from what the caller answered for
   its digest (a product last written from exactly this one item): an unchanged resync parses nothing.
2. Pass 2: per product, the digest of all its packages (combined_digest). A product whose combined digest
   the caller already holds comes back as a KnownRecord without a byte being read again; the others'
   packages are read back, parsed, filtered by room, and merged into one PosProduct (merge_packages).

So a resync skips a product only when every one of its packages is exactly as when it was written (a
changed, new or vanished package changes the combined digest), and memory holds a few numbers per package
rather than the feed (100,000+ items, 100+ MB). A product with a single package keeps its item's own digest,
so what was stored before packages were grouped is still recognised.
"""
import array
import dataclasses
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from ..errors import BadResponse
from ..jsonstream import JsonRecord, digest_of
from ..records import PosProduct

DIGEST_SIZE = 16  # jsonstream's digests: xxh3-128, 32 hex digits
_PRODUCT_ID_KEY = b'"productId":'
_PRODUCT_ID = re.compile(rb'"productId":(\d+)[,}]')
# Ours, beside the item in PosProduct.raw: every package counted, for the product page's explanation (X3).
PACKAGES_KEY = "canopy_packages"


def product_id_of(piece: bytes) -> str | None:
    """The productId of one /inventory item, read from its bytes as sent; None unless they say it plainly,
    and then jsonstream parses the item. Used as jsonstream's `trusted`, so it also vouches that the piece
    is one whole item: the key occurs once (two items cut as one would show it twice, unless one lacks it:
    PackageSpool.items splits those), no nested object starts with the item's first key, and braces and
    brackets balance (jsonstream's cut can go wrong at a nested object starting with the first key, and
    leaves both halves unbalanced). A string value cannot hide the keys (its quotes would be escaped); a
    brace in one makes the item parsed, never misread. Only items the caller does not know come here (a
    resync's known ones do not): a first sync pays these scans, about a tenth of parsing the item."""
    if piece.count(_PRODUCT_ID_KEY) != 1 or piece.count(b"{") != piece.count(b"}") \
            or piece.count(b"[") != piece.count(b"]"):
        return None
    first_key = piece[:piece.find(b'":') + 2]  # b'{"unitWeightUnit":'
    if len(first_key) < 4 or piece.find(first_key, 1) != -1:
        return None
    found = _PRODUCT_ID.search(piece)
    if found is None or found.group(1) == b"0":  # 0 is no id (PosProduct's pos id would be "")
        return None
    return found.group(1).decode()


def id_of(item: dict) -> str:
    """A parsed item's product id as PosProduct has it ("" for none)."""
    pos_id = item.get("productId")
    return "" if pos_id in (None, "", 0, False) else str(pos_id)


def combined_digest(digests: Iterable[str]) -> str:
    """One digest for all of a product's packages, whatever order the feed sent them in; a lone package's
    own digest."""
    digests = sorted(digests)
    return digests[0] if len(digests) == 1 else digest_of("".join(digests).encode())


def _rank(product: PosProduct) -> tuple:
    """Which package speaks for the product (name, prices, labs): a package whose quantity the POS wrote
    as text first (so that catalog flags the broken feed, as for a lone package), then the one with the
    most stock (the one being sold), then the oldest (lowest inventoryId), whatever the feed's order."""
    raw = product.raw if isinstance(product.raw, dict) else {}
    text = isinstance(raw.get("quantityAvailable"), str)
    inventory_id = raw.get("inventoryId")
    number = inventory_id if isinstance(inventory_id, int | float) and not isinstance(inventory_id, bool) else None
    return (not text, -(product.quantity or 0.0), number is None, number or 0, product.digest)


def merge_packages(packages: list[PosProduct]) -> PosProduct:
    """One product from its packages (each already limited to the card's rooms, D1): the first by _rank with
    the quantities summed, in total and per room. One package whose quantity cannot be read makes the total
    unknown (None): catalog then flags the product rather than show a quantity silently too low."""
    if len(packages) == 1:
        return packages[0]
    ordered = sorted(packages, key=_rank)
    first = ordered[0]
    quantities = [package.quantity for package in packages]
    total = None if any(q is None for q in quantities) else sum(quantities)
    rooms: dict[str, float] = {}
    names: list[str] = []
    for package in ordered:
        for room, quantity in package.room_quantities.items():
            rooms[room] = rooms.get(room, 0.0) + quantity
        names += [name for name in package.room_name.split(", ") if name and name not in names]
    raw = dict(first.raw)
    raw[PACKAGES_KEY] = [_summary(package) for package in sorted(packages, key=_by_inventory_id)]
    modified = [package.modified_at for package in packages if package.modified_at is not None]
    return dataclasses.replace(first, quantity=total, room_quantities=rooms, room_name=", ".join(names), raw=raw,
                               modified_at=max(modified) if modified else None)


def _by_inventory_id(product: PosProduct) -> tuple:
    return _rank(product)[2:]


def _summary(package: PosProduct) -> dict[str, Any]:
    raw = package.raw if isinstance(package.raw, dict) else {}
    return {"inventoryId": raw.get("inventoryId"), "packageId": raw.get("packageId"),
            "batchName": raw.get("batchName"), "quantity": package.quantity, "rooms": package.room_quantities}


class PackageSpool:
    """Pass 1's store (see the module's docstring): the items' bytes in a temporary file, and per product id,
    in the order first seen, its packages' numbers. A package is a number: where its bytes end in the file
    and its digest are kept in two flat arrays (a 100,000-item feed costs a few MB, not a Python object per
    item). Items without a product id are kept one by one (never merged together); catalog reports them."""

    def __init__(self):
        # On disk from the first byte: a feed of 100 MB and more must not sit in memory.
        self._file = tempfile.TemporaryFile()
        self._ends = array.array("q")  # package -> where its bytes end (the previous one's end is its start)
        self._digests = bytearray()  # package -> its digest, DIGEST_SIZE raw bytes
        # product id -> its one package, or a list of them (most products have one).
        self._products: dict[str | int, int | list[int]] = {}
        self._unnamed = 0

    def __enter__(self) -> "PackageSpool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()
        self._products, self._ends, self._digests = {}, array.array("q"), bytearray()

    def __len__(self) -> int:
        return len(self._products)

    def add(self, record: JsonRecord) -> None:
        """One record of jsonstream.iter_records(..., trusted=product_id_of, known=...): a record the caller
        knows carries what its `known` answered, whose first item is the product id (iter_inventory's
        contract); it is kept all the same, for a product that now has more packages than it was written
        from."""
        if record.known:
            key: str | int = record.value[0]
        elif record.vouched:
            key = record.value
        elif isinstance(record.value, dict):
            key = id_of(record.value)
        else:
            return  # not an item at all (a number, a list): nothing to sell, as before
        if not key:
            self._unnamed += 1
            key = self._unnamed
        data = record.data if record.data is not None else orjson.dumps(record.value)
        self._file.write(data)
        package = len(self._ends)
        self._ends.append((self._ends[-1] if package else 0) + len(data))
        self._digests += bytes.fromhex(record.digest)
        held = self._products.get(key)
        if held is None:
            self._products[key] = package
        elif isinstance(held, list):
            held.append(package)
        else:
            self._products[key] = [held, package]

    def products(self) -> Iterator[tuple[str, list[int]]]:
        """(product id, its packages) in the order first seen; "" for an item without a product id."""
        for key, held in self._products.items():
            yield (key if isinstance(key, str) else ""), (held if isinstance(held, list) else [held])

    def digest(self, package: int) -> str:
        """The digest of the package's bytes as sent (jsonstream's)."""
        return self._digests[package * DIGEST_SIZE:(package + 1) * DIGEST_SIZE].hex()

    def items(self, package: int, what: str = "Dutchie's answer to GET /inventory") -> list[Any]:
        """One package's item, parsed: [item]. A piece vouched for can still hold several values when an
        item lacked both the first key and a productId (it was cut with the one before it): then each,
        as jsonstream would have read them (by_product sorts them out). Bytes that do not parse at all are
        a broken answer, as jsonstream would have said."""
        start = self._ends[package - 1] if package else 0
        self._file.seek(start)
        data = self._file.read(self._ends[package] - start)
        try:
            return [orjson.loads(data)]
        except orjson.JSONDecodeError:
            pass
        try:
            return orjson.loads(b"[" + data + b"]")
        except orjson.JSONDecodeError as error:
            raise BadResponse(f"{what} is not valid JSON.") from error


def by_product(pos_id: str, values: list[Any]) -> Iterator[tuple[str, list[dict]]]:
    """(product id, its items) for one product's parsed values: its own items, then any other item that
    came in the same piece (see PackageSpool.items) on its own, never added to this product's stock."""
    own, strays = [], []
    for value in values:
        if isinstance(value, dict):
            (own if id_of(value) == pos_id else strays).append(value)
    if own:
        yield pos_id, own
    for stray in strays:
        yield id_of(stray), [stray]
