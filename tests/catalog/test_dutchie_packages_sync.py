"""Dutchie packages over real HTTP (the sandbox POS, live server): several /inventory items (packages) can
share a productId, in several rooms. The client returns one product per productId with its packages'
quantities summed (D1: only the card's rooms), the menu applies the low-inventory threshold to the sum
(D13), and a resync skips a product only when every one of its packages is as it was written.

The sandbox stocks about one product in ten from its 150th on as two or three packages
(integrations.sandbox.generate.batch_specs); the location here has 400 products."""
from collections import defaultdict

import pytest
import requests
from django.utils import timezone

from catalog import sync as catalog_sync
from catalog.models import Product
from integrations import cards, sync
from integrations.models import IntegrationCard
from integrations.pos.dutchie import DutchieClient
from integrations.pos.dutchie.packages import PACKAGES_KEY
from integrations.pos.records import ClientConfig, KnownRecord
from integrations.sandbox.models import RecordKind, SandboxRecord

SELLABLE = {1001, 1002, 1003}


@pytest.fixture
def packed(sandbox, store_a, staff_a):
    """A Dutchie card of store A wired to a 400-product sandbox location (card.location)."""
    wiring = sandbox("dutchie", products=400, seed=21)
    card = IntegrationCard(company=store_a.company, store=store_a, vendor="dutchie", api_endpoint=wiring["base_url"],
                           api_key=wiring["credentials"]["api_key"])
    cards.save_card(card, staff_a)
    card.location = wiring["location"]
    card.staff = staff_a
    return card


@pytest.fixture
def known(monkeypatch) -> list[list[str]]:
    """Per inventory run, the product ids the client returned as KnownRecords (not read)."""
    runs: list[list[str]] = []
    real = catalog_sync.iter_inventory

    def spying(client, card, store, known=None):
        records, incremental = real(client, card, store, known)
        runs.append([])

        def counting():
            for record in records:
                if isinstance(record, KnownRecord):
                    runs[-1].append(record.held[0])
                yield record

        return counting(), incremental

    monkeypatch.setattr(catalog_sync, "iter_inventory", spying)
    return runs


# --- helpers ------------------------------------------------------------------------------------------
def served(card) -> dict[str, list[dict]]:
    """productId -> its /inventory items (packages) as the sandbox serves them, read without the client."""
    response = requests.get(card.endpoint.rstrip("/") + "/inventory", timeout=30, auth=(card.api_key, ""),
                            params={"includeRoomQuantities": "true", "includeLabResults": "true"})
    assert response.status_code == 200, response.text
    packages = defaultdict(list)
    for item in response.json():
        packages[str(item["productId"])].append(item)
    return dict(packages)


def thresholds(card) -> dict[str, float | None]:
    response = requests.get(card.endpoint.rstrip("/") + "/products", timeout=30, auth=(card.api_key, ""))
    return {str(p["productId"]): p["lowInventoryThreshold"] for p in response.json()}


def in_rooms(items: list[dict], rooms: set[int] | None = None) -> float:
    return sum(row["quantityAvailable"] for item in items for row in item["roomQuantities"]
               if rooms is None or row["roomId"] in rooms)


def run_sync(card):
    run = sync.execute_run(sync.enqueue_sync(card)[0].pk)
    assert run.status in ("succeeded", "partial"), run.message
    return run


def menu(card) -> dict[str, float]:
    return dict(Product.objects.filter(store=card.store).values_list("pos_product_id", "quantity"))


def record_of(card, pos_id: str) -> SandboxRecord:
    return SandboxRecord.objects.get(location=card.location, kind=RecordKind.PRODUCT, external_id=pos_id)


def set_packages(card, pos_id: str, stock: list[tuple[int, float]], threshold=...) -> None:
    """Give a sandbox product these packages, one (room id, quantity) each, as a POS edit would (its
    modification time moves to now); the first is its own item, the others its further packages."""
    record = record_of(card, pos_id)
    items = [record.data["inventory"], *record.data.get("packages", [])]
    assert len(items) >= len(stock)
    now = timezone.now()
    for item, (room, quantity) in zip(items, stock, strict=False):
        item["roomQuantities"] = [{"roomId": room, "room": {1001: "Sales Floor", 1002: "Back Stock",
                                                            1003: "Ecommerce"}[room], "quantityAvailable": quantity}]
        item["quantityAvailable"] = quantity
        item["lastModifiedDateUtc"] = now.isoformat().replace("+00:00", "Z")
    record.data["packages"] = items[1:len(stock)]
    if threshold is not ...:
        record.data["product"]["lowInventoryThreshold"] = threshold
        record.data["product"]["lastModifiedDateUTC"] = now.isoformat().replace("+00:00", "Z")
    record.quantity = sum(quantity for _, quantity in stock)
    record.modified_at = now
    record.save(update_fields=["data", "quantity", "modified_at"])


def multi_package(card, count: int = 1, rooms: int = 1) -> list[str]:
    """Products the sandbox serves as several packages (in at least `rooms` rooms)."""
    found = [pid for pid, items in sorted(served(card).items()) if len(items) > 1
             and len({row["roomId"] for item in items for row in item["roomQuantities"]}) >= rooms]
    assert len(found) >= count, found
    return found[:count]


# --- the client ---------------------------------------------------------------------------------------
def test_d1_one_product_per_product_id_with_its_packages_summed(packed):
    feed = served(packed)
    several = {pid for pid, items in feed.items() if len(items) > 1}
    assert several and any(len({r["roomId"] for i in feed[pid] for r in i["roomQuantities"]}) > 1 for pid in several)
    products = list(DutchieClient(ClientConfig.from_card(packed)).iter_inventory())
    assert len(products) == len({p.pos_product_id for p in products}) == len(feed)
    for product in products:
        items = feed[product.pos_product_id]
        assert product.quantity == sum(float(i["quantityAvailable"]) for i in items), product.pos_product_id
        rooms = defaultdict(float)
        for item in items:
            for row in item["roomQuantities"]:
                rooms[str(row["roomId"])] += row["quantityAvailable"]
        assert product.room_quantities == rooms
        if product.pos_product_id in several:
            assert sorted(p["inventoryId"] for p in product.raw[PACKAGES_KEY]) == \
                sorted(i["inventoryId"] for i in items)
        else:
            assert PACKAGES_KEY not in product.raw


def test_d1_only_packages_in_the_cards_rooms_are_counted(packed):
    feed = served(packed)
    products = {p.pos_product_id: p for p in DutchieClient(ClientConfig.from_card(packed, room_ids=["1002"]))
                .iter_inventory()}
    expected = {pid: in_rooms(items, {1002}) for pid, items in feed.items()}
    assert set(products) == {pid for pid, quantity in expected.items() if quantity > 0}
    for pid, product in products.items():
        assert product.quantity == expected[pid] and set(product.room_quantities) == {"1002"}
    # Some product has packages both in and out of the chosen room: only the chosen room's are counted.
    assert any(len(feed[pid]) > 1 and 0 < expected[pid] < in_rooms(feed[pid]) for pid in products)


# --- the menu -----------------------------------------------------------------------------------------
def test_d1_d13_the_menu_shows_the_sum_with_the_threshold_applied_to_it(packed):
    run = run_sync(packed)
    feed, limits, shown = served(packed), thresholds(packed), menu(packed)
    assert run.fetched == len(feed)
    flagged = set(Product.objects.filter(store=packed.store).exclude(flags=[])
                  .values_list("pos_product_id", flat=True))
    for pid, items in feed.items():
        if pid in flagged:
            continue
        total, limit = in_rooms(items), limits[pid]
        assert shown[pid] == (0.0 if limit is not None and total <= limit else total), pid
    assert any(len(items) > 1 for pid, items in feed.items() if pid not in flagged)


def test_d13_each_package_under_the_threshold_but_the_sum_above_it_is_on_the_menu(packed):
    pid, other = multi_package(packed, 2)
    run_sync(packed)
    assert menu(packed)[other] > 0
    # Threshold 5: packages of 3 and 3 are each under it, their sum is not.
    set_packages(packed, pid, [(1001, 3.0), (1002, 3.0)], threshold=5)
    set_packages(packed, other, [(1001, 2.0), (1002, 2.0)], threshold=5)  # the sum at 4: Dutchie hides it
    run_sync(packed)
    assert menu(packed)[pid] == 6.0
    assert menu(packed)[other] == 0.0  # zeroed: out of the feed (D13)

    # With Room IDs (D1), only the sales floor's package counts: 3 <= 5, so 0 on the menu.
    packed.room_ids = ["1001"]
    cards.save_card(packed, packed.staff)
    run_sync(packed)
    product = Product.objects.get(store=packed.store, pos_product_id=pid)
    assert product.quantity == 0.0
    assert any("threshold 5" in d["rule"] for d in product.decisions if d["field"] == "quantity")
    set_packages(packed, pid, [(1001, 6.0), (1002, 3.0)])
    run_sync(packed)
    assert menu(packed)[pid] == 6.0


# --- resyncs ------------------------------------------------------------------------------------------
def test_a_changed_package_updates_the_sum_and_an_unchanged_resync_still_skips(packed, known):
    first = run_sync(packed)
    skippable = set(Product.objects.filter(store=packed.store, card=packed, source_hash__isnull=False)
                    .values_list("pos_product_id", flat=True))
    several = multi_package(packed, 3)
    assert set(several) <= skippable

    again = run_sync(packed)  # nothing changed: every skippable product known, packages and all
    assert set(known[1]) >= set(several)
    assert again.updated == again.created == 0 and again.unchanged == first.fetched - first.errors

    # One package of one product changes (its other packages do not): that product alone is read again.
    pid = several[0]
    items = served(packed)[pid]
    record = record_of(packed, pid)
    extra = next(package for package in record.data["packages"]
                 if package["inventoryId"] in {item["inventoryId"] for item in items})
    before = menu(packed)[pid]
    extra["quantityAvailable"] = float(extra["quantityAvailable"]) + 10
    extra["roomQuantities"][0]["quantityAvailable"] += 10
    record.quantity += 10
    record.save(update_fields=["data", "quantity"])
    assert in_rooms(served(packed)[pid]) == in_rooms(items) + 10

    third = run_sync(packed)
    assert menu(packed)[pid] == before + 10
    assert pid not in known[2] and set(known[2]) == set(known[1]) - {pid}
    assert third.updated == 1 and third.created == 0

    fourth = run_sync(packed)
    assert set(known[3]) == set(known[1]) and fourth.updated == 0
