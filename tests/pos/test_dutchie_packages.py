"""Dutchie packages without HTTP (integrations.pos.dutchie.packages): an /inventory item is a package, one
product per productId with its packages' quantities summed (D1: only the card's rooms), the threshold
applied to the sum (D13), and one digest covering all of a product's packages.

The feed is read through jsonstream's trusted mode into a PackageSpool, as the client reads it; the items
come back equal to ijson's reading whatever the chunking, order or shape."""
import io
import random
from collections import defaultdict

import ijson
import orjson
import pytest

from catalog.mapping import map_product
from catalog.mapping.types import MappingSettings
from integrations.pos.dutchie import product_from_inventory
from integrations.pos.dutchie.packages import (
    PACKAGES_KEY,
    PackageSpool,
    by_product,
    combined_digest,
    merge_packages,
    product_id_of,
)
from integrations.pos.jsonstream import digest_of, iter_records

CHUNK_SIZES = [1, 64, 4096, None]


def package(product_id, inventory_id, rooms: dict[int, float], **fields) -> dict:
    """An InventoryItem as Dutchie writes it (first key unitWeightUnit), one package of `product_id`."""
    return {"unitWeightUnit": "g", "inventoryId": inventory_id, "productId": product_id, "sku": f"SKU-{product_id}",
            "productName": f"Product {product_id}", "category": "Flower", "batchName": f"B-{inventory_id}",
            "packageId": f"1A4-{inventory_id}", "quantityAvailable": float(sum(rooms.values())),
            "unitPrice": 30.0, "labResults": [{"labTest": "THC", "value": 20.0 + inventory_id % 5,
                                               "labResultUnit": "Percentage"}],
            "roomQuantities": [{"roomId": room, "room": ROOMS[room], "quantityAvailable": qty}
                               for room, qty in rooms.items()], **fields}


ROOMS = {1001: "Sales Floor", 1002: "Back Stock", 1003: "Ecommerce"}


def chunked(body: bytes, size: int | None):
    if size is None:
        yield body
        return
    for start in range(0, len(body), size):
        yield body[start:start + size]


def spool_of(body: bytes, size: int | None = None) -> PackageSpool:
    spool = PackageSpool()
    for record in iter_records(chunked(body, size), trusted=product_id_of):
        spool.add(record)
    return spool


def grouped(spool: PackageSpool) -> dict[str, list]:
    groups = defaultdict(list)
    for n, (pos_id, packages) in enumerate(spool.products()):
        values = [value for p in packages for value in spool.items(p)]
        for own, items in by_product(pos_id, values):
            groups[own or f"#{n}-{len(groups)}"] += items
    return dict(groups)


def reference_groups(body: bytes) -> dict[str, list]:
    groups = defaultdict(list)
    for n, item in enumerate(ijson.items(io.BytesIO(body), "item", use_float=True)):
        if isinstance(item, dict):
            pid = item.get("productId")
            groups[str(pid) if pid not in (None, "", 0) else f"#{n}"].append(item)
    return dict(groups)


def comparable(groups: dict[str, list]) -> list:
    """Groups without the keys of items that have no product id (each is its own group)."""
    return sorted((pid if not pid.startswith("#") else "", orjson.dumps(items, option=orjson.OPT_SORT_KEYS))
                  for pid, items in groups.items())


def feed(seed: int = 3, products: int = 40) -> list[dict]:
    """Packages of `products` products, shuffled: a third have two or three packages, in several rooms."""
    rng = random.Random(seed)
    items, inventory_id = [], 700
    for pid in range(100, 100 + products):
        for _ in range(rng.choice([1, 1, 2, 3])):
            inventory_id += 1
            rooms = {room: float(rng.randint(1, 9)) for room in rng.sample(list(ROOMS), rng.randint(1, 2))}
            items.append(package(pid, inventory_id, rooms))
    rng.shuffle(items)
    return items


# --- reading the feed -------------------------------------------------------------------------------------
def test_product_id_is_read_from_the_bytes_only_when_they_say_it_plainly():
    item = orjson.dumps(package(123, 7, {1001: 2.0}))
    assert product_id_of(item) == "123"
    # The key's text in a string value is escaped: not the key.
    assert product_id_of(orjson.dumps(package(123, 7, {1001: 2.0}, description='x"productId":9'))) == "123"
    # A brace in a string unbalances the count: not vouched for, so parsed (slower, never wrong).
    assert product_id_of(orjson.dumps(package(123, 7, {1001: 2.0}, description="{"))) is None
    # A nested object starting with the item's first key: where jsonstream's cut can go wrong.
    assert product_id_of(orjson.dumps(package(123, 7, {1001: 2.0}, lineage=[{"unitWeightUnit": "g"}]))) is None
    two = item + b"," + orjson.dumps(package(124, 8, {1001: 1.0}))
    assert product_id_of(two) is None  # two items in one piece (one lacked the first key)
    assert product_id_of(item[:-40]) is None  # cut inside the item: unbalanced
    assert product_id_of(orjson.dumps({"unitWeightUnit": "g", "sku": "none"})) is None
    for odd in (None, 0, "123", -4, 1.5):
        assert product_id_of(orjson.dumps(package(odd, 7, {1001: 2.0}))) is None, odd  # parsed instead


@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_the_spool_groups_packages_by_product_as_ijson_reads_them(size):
    items = feed()
    body = orjson.dumps(items)
    spool = spool_of(body, size)
    assert comparable(grouped(spool)) == comparable(reference_groups(body))
    assert len(spool) == 40 < len(items)
    # In the order first seen, and each package with the digest of its bytes as sent.
    first_seen = list(dict.fromkeys(str(item["productId"]) for item in items))
    assert [pos_id for pos_id, _ in spool.products()] == first_seen
    digests = {digest_of(orjson.dumps(item)) for item in items}
    assert {spool.digest(p) for _, packages in spool.products() for p in packages} == digests


@pytest.mark.parametrize("size", CHUNK_SIZES)
@pytest.mark.parametrize("body", [
    # pretty-printed (ijson reads it, the spool keeps the values re-serialised)
    orjson.dumps(feed(5, 6), option=orjson.OPT_INDENT_2),
    # an item lacking the first key, and items without a product id: never merged together
    b'[{"unitWeightUnit":"g","productId":1,"n":1},{"productId":1,"n":2},{"unitWeightUnit":"g","n":3},'
    b'{"unitWeightUnit":"g","productId":null,"n":4},{"unitWeightUnit":"g","productId":2,"n":5},7,"x"]',
    # a nested object starting with the items' first key: a false cut, read again by ijson
    b'[{"unitWeightUnit":"g","productId":1,"tags":[{"x":1},{"unitWeightUnit":"mg"}]},'
    b'{"unitWeightUnit":"g","productId":1,"n":2},{"unitWeightUnit":"g","productId":3}]',
    b'[]',
])
def test_odd_feeds_group_as_ijson_reads_them(body, size):
    assert comparable(grouped(spool_of(body, size))) == comparable(reference_groups(body))


def test_a_known_item_is_named_by_the_callers_answer_and_kept_for_a_product_with_a_new_package():
    # A resync: the caller knows the first item (a product last written from it alone); a second package of
    # that product has appeared since. The known item is not parsed, but grouped and kept all the same.
    items = [package(5, 801, {1001: 2.0}), package(6, 802, {1001: 1.0}), package(5, 803, {1002: 4.0})]
    answers = {digest_of(orjson.dumps(items[0])): ("5", "SKU-5", 2.0)}
    asked = []

    def known(digest):
        asked.append(digest)
        return answers.get(digest)

    spool = PackageSpool()
    for record in iter_records(chunked(orjson.dumps(items), 64), known=known, trusted=product_id_of):
        assert record.known == (record.digest in answers)
        spool.add(record)
    assert len(asked) == 3
    assert grouped(spool) == {"5": [items[0], items[2]], "6": [items[1]]}
    packages = dict(spool.products())
    assert combined_digest(spool.digest(p) for p in packages["5"]) not in answers  # so the product is read again


def test_a_large_feed_reads_back_from_the_spool_in_any_order():
    items = feed(7, 300)
    spool = spool_of(orjson.dumps(items), 1000)
    assert comparable(grouped(spool)) == comparable(reference_groups(orjson.dumps(items)))
    # Read back in reverse too: every package's bytes are where they were written.
    products = list(spool.products())
    forward = [spool.items(p) for _, packages in products for p in packages]
    backward = [spool.items(p) for _, packages in reversed(products) for p in reversed(packages)]
    assert backward == forward[::-1] and sorted(map(orjson.dumps, sum(forward, []))) == sorted(map(orjson.dumps, items))
    spool.close()


def test_a_broken_item_is_a_broken_answer():
    # Vouched for (balanced, one productId) but not JSON: a broken answer, as jsonstream would have said.
    from integrations.pos.errors import BadResponse

    spool = spool_of(b'[{"unitWeightUnit":"g","productId":1,"n":nope},{"unitWeightUnit":"g","productId":2}]')
    (_, broken), (_, fine) = spool.products()
    assert spool.items(fine[0]) == [{"unitWeightUnit": "g", "productId": 2}]
    with pytest.raises(BadResponse, match="not valid JSON"):
        spool.items(broken[0])


# --- one digest per product ---------------------------------------------------------------------------------
def test_combined_digest_covers_every_package_in_any_order():
    a, b, c = (digest_of(bytes([n])) for n in range(3))
    assert combined_digest([a]) == a  # a lone package keeps its item's digest (stored hashes stay valid)
    assert combined_digest([a, b, c]) == combined_digest([c, a, b]) == combined_digest(iter([b, c, a]))
    assert len({combined_digest([a, b]), combined_digest([a, c]), combined_digest([a, b, c]), a}) == 4


# --- merging ------------------------------------------------------------------------------------------------
def merged(*items, rooms: set[str] | None = None):
    """As the client does: each package limited to the rooms (none left: dropped), then merged."""
    products = []
    for item in items:
        product = product_from_inventory(item)
        product.digest = digest_of(orjson.dumps(item))
        if rooms:
            kept = {room: qty for room, qty in product.room_quantities.items() if room in rooms}
            if not kept or sum(kept.values()) <= 0:
                continue
            product.quantity, product.room_quantities = sum(kept.values()), kept
            product.room_name = ", ".join(ROOMS[int(room)] for room in kept)
        products.append(product)
    return merge_packages(products) if products else None


def test_d1_packages_summed_per_product_across_rooms():
    small = package(5, 801, {1001: 2.0, 1002: 3.0})
    large = package(5, 802, {1001: 6.0, 1003: 1.0}, unitPrice=32.0)
    product = merged(small, large)
    assert product.quantity == 12.0
    assert product.room_quantities == {"1001": 8.0, "1002": 3.0, "1003": 1.0}
    # The package with the most stock speaks for the product, whatever the feed's order.
    assert product.price == 32.0 and product.raw["inventoryId"] == 802
    assert merged(large, small).raw["inventoryId"] == 802
    assert [p["inventoryId"] for p in product.raw[PACKAGES_KEY]] == [801, 802]
    assert [p["quantity"] for p in product.raw[PACKAGES_KEY]] == [5.0, 7.0]


def test_d1_only_the_cards_rooms_are_counted():
    first = package(5, 801, {1001: 2.0, 1002: 3.0})
    second = package(5, 802, {1002: 6.0})
    third = package(5, 803, {1003: 9.0})
    product = merged(first, second, third, rooms={"1001", "1002"})
    assert product.quantity == 11.0 and product.room_quantities == {"1001": 2.0, "1002": 9.0}
    assert set(product.room_name.split(", ")) == {"Sales Floor", "Back Stock"}
    assert [p["inventoryId"] for p in product.raw[PACKAGES_KEY]] == [801, 802]  # the third is not counted
    assert merged(third, rooms={"1001"}) is None


def test_ties_go_to_the_oldest_package_and_an_unreadable_quantity_makes_the_total_unknown():
    older, newer = package(5, 801, {1001: 4.0}), package(5, 802, {1001: 4.0})
    assert merged(newer, older).raw["inventoryId"] == 801
    text = package(5, 803, {1001: 1.0}, quantityAvailable="many")
    product = merged(older, text)
    assert product.quantity is None and product.raw["inventoryId"] == 803  # catalog flags it
    assert merged(older).quantity == 4.0 and PACKAGES_KEY not in merged(older).raw  # a lone package as it was


SETTINGS = MappingSettings(vendor="dutchie")


@pytest.mark.parametrize("quantities, threshold, shown", [
    ((2.0, 2.0), 3.0, 4.0),  # each package at or under the threshold, the sum above it: on the menu
    ((1.0, 1.0), 3.0, 0.0),  # the sum at or under it: zeroed (D13)
    ((3.0, 0.5), 3.0, 3.5),
    ((2.0,), 3.0, 0.0),
])
def test_d13_the_threshold_applies_to_the_sum(quantities, threshold, shown):
    items = [package(5, 800 + n, {1001: qty}) for n, qty in enumerate(quantities)]
    product = merged(*items)
    product.low_quantity_threshold = threshold
    assert map_product(product, SETTINGS).quantity == shown
