"""Create sandbox locations and switch their changes and faults on (from the admin, commands and tests)."""
import functools
import json
import random
import secrets
from collections.abc import Callable, Iterator
from itertools import islice

from django.db import connections, transaction
from django.utils import timezone

from . import generate
from .models import Fault, RecordKind, SandboxLocation, SandboxRecord, Vendor
from .router import sandbox_db
from .vendors.base import Row, SandboxVendor

BATCH = 2000
# SandboxLocation.seed is an integer column: PostgreSQL's integer is 32-bit.
MAX_SEED = 2_147_483_647


def _atomic(func: Callable) -> Callable:
    """transaction.atomic on the sandbox's own database (the default one's would not cover its writes)."""

    @functools.wraps(func)
    def atomic(*args, **kwargs):
        with transaction.atomic(using=sandbox_db()):
            return func(*args, **kwargs)

    return atomic


def vendor_for(vendor: str) -> SandboxVendor:
    from .vendors import VENDORS

    return VENDORS[vendor]


COLUMNS = ("location_id", "kind", "external_id", "data", "quantity", "room_id", "phone", "email", "occurred_at",
           "modified_at", "deleted", "position")


def _insert_rows(location: SandboxLocation, kind: str, rows) -> int:
    """Write generated rows straight to the table: COPY on PostgreSQL, executemany elsewhere.

    The ORM's bulk_create spent most of a 100,000-product location escaping JSON documents; a sandbox
    location is written once and read many times, so it takes the fast path."""
    rows = iter(rows)
    table = SandboxRecord._meta.db_table
    connection = connections[sandbox_db()]
    ops = connection.ops
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(_values(location, kind, row, lambda dt: dt))
                    total += 1
            return total
        sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
        while batch := list(islice(rows, BATCH)):
            cursor.executemany(sql, [_values(location, kind, row, ops.adapt_datetimefield_value) for row in batch])
            total += len(batch)
    return total


def _values(location: SandboxLocation, kind: str, row: Row, adapt) -> tuple:
    return (location.pk, kind, row.external_id, json.dumps(row.data, separators=(",", ":")), row.quantity,
            row.room_id, row.phone, row.email, adapt(row.occurred_at) if row.occurred_at else None,
            adapt(row.modified_at), False, row.position)


def _product_rows(vendor: SandboxVendor, location: SandboxLocation, start: int, count: int) -> Iterator[Row]:
    specs = generate.product_specs(location.seed, start + count)
    for spec in islice(specs, start, None):
        row = vendor.product_row(location, spec)
        row.position = spec.index
        yield row


@_atomic
def create_location(vendor: str, name: str = "", products: int = 50, seed: int = 1,
                    customers: int | None = None) -> SandboxLocation:
    """A new sandbox location with a generated catalogue, customers and sales (deterministic by seed)."""
    if vendor not in Vendor.values:
        raise ValueError(f"Unknown vendor {vendor!r}: choose one of {', '.join(Vendor.values)}.")
    if not 1 <= products <= 100_000:
        raise ValueError("A sandbox catalogue has between 1 and 100,000 products.")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"The seed is a whole number from 0 to {MAX_SEED:,}.")
    impl = vendor_for(vendor)
    rng = random.Random(seed)
    location = SandboxLocation(vendor=vendor, name=name or f"Sandbox {Vendor(vendor).label} #{seed}", seed=seed)
    impl.configure_location(location, rng)
    if not location.location_id:
        location.location_id = str(rng.randint(10_000, 99_999)) + secrets.token_hex(2)
    location.save()
    for kind, reference in impl.reference_rows(location).items():
        _insert_rows(location, kind, reference)
    _insert_rows(location, RecordKind.PRODUCT, _product_rows(impl, location, 0, products))
    customer_count = customers if customers is not None else min(max(products // 5, 20), 500)
    customer_specs = list(generate.customer_specs(seed, customer_count))
    _insert_rows(location, RecordKind.CUSTOMER, (impl.customer_row(location, c) for c in customer_specs))
    sales = list(generate.transaction_specs(seed, customer_specs, products))
    wanted = {line.product_index for sale in sales for line in sale.lines}
    products_by_index = {spec.index: impl.product_row(location, spec)
                         for spec in generate.product_specs(seed, products) if spec.index in wanted}
    _insert_rows(location, RecordKind.TRANSACTION, (
        impl.transaction_row(location, sale, customer_specs[sale.customer_index], products_by_index)
        for sale in sales
    ))
    return location


def _products(location: SandboxLocation):
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT, deleted=False)


def _pick(location: SandboxLocation, fraction: float, seed: int, count: int | None = None) -> list[SandboxRecord]:
    ids = list(_products(location).values_list("pk", flat=True))
    if count is None:
        count = max(1, round(len(ids) * fraction)) if ids else 0
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    return list(SandboxRecord.objects.filter(pk__in=chosen))


@_atomic
def change_prices(location: SandboxLocation, fraction: float = 0.05, factor: float = 1.1,
                  seed: int = 0) -> int:
    """Raise (or lower) the prices of a share of the products; returns how many changed."""
    impl, now = vendor_for(location.vendor), timezone.now()
    records = _pick(location, fraction, seed)
    for record in records:
        impl.set_price(record.data, factor)
        impl.touch(record.data, now)
        record.modified_at = now
    SandboxRecord.objects.bulk_update(records, ["data", "modified_at"], batch_size=BATCH)
    return len(records)


@_atomic
def change_quantities(location: SandboxLocation, fraction: float = 0.05, quantity: float | None = None,
                      seed: int = 0) -> int:
    """Set a share of the products to `quantity` (or a new random one); returns how many changed."""
    impl, now = vendor_for(location.vendor), timezone.now()
    rng = random.Random(seed)
    records = _pick(location, fraction, seed)
    for record in records:
        new = quantity if quantity is not None else float(rng.randint(0, 80))
        impl.set_quantity(record.data, new)
        impl.touch(record.data, now)
        record.quantity, record.modified_at = new, now
    SandboxRecord.objects.bulk_update(records, ["data", "quantity", "modified_at"], batch_size=BATCH)
    return len(records)


@_atomic
def add_products(location: SandboxLocation, count: int) -> int:
    """Append `count` new products to the feed (the catalogue continues the same seed)."""
    impl, now = vendor_for(location.vendor), timezone.now()
    start = SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT).count()
    rows = list(_product_rows(impl, location, start, count))
    for row in rows:
        impl.touch(row.data, now)
        row.modified_at = now
    return _insert_rows(location, RecordKind.PRODUCT, rows)


@_atomic
def delete_products(location: SandboxLocation, count: int, seed: int = 0) -> list[str]:
    """Drop `count` products out of the feed, as the POS does when one is deleted or deactivated."""
    records = _pick(location, 0, seed, count=count)
    SandboxRecord.objects.filter(pk__in=[r.pk for r in records]).update(deleted=True, modified_at=timezone.now())
    return [r.external_id for r in records]


@_atomic
def advance_order(location: SandboxLocation, order_id: str) -> str:
    """Move a pushed order one status on (Dutchie's Notify, Flowhub ready, Alleaves statuses)."""
    record = SandboxRecord.objects.select_for_update().get(location=location, kind=RecordKind.ORDER,
                                                           external_id=str(order_id))
    status = vendor_for(location.vendor).advance_order(record.data)
    record.modified_at = timezone.now()
    record.save(update_fields=["data", "modified_at"])
    return status


def set_fault(location: SandboxLocation, fault: str, endpoint: str = "", **options) -> None:
    """Switch a fault on (or off with Fault.NONE) for every path, or only paths containing `endpoint`."""
    Fault(fault)
    fields = {"fault": fault, "fault_endpoint": endpoint, **options}
    SandboxLocation.objects.filter(pk=location.pk).update(**fields)
    for name, value in fields.items():
        setattr(location, name, value)


def describe(location: SandboxLocation, base_url: str) -> dict:
    """What a script needs to wire a card to this location (`sandbox_location create` prints it)."""
    impl = vendor_for(location.vendor)
    return {
        "vendor": location.vendor,
        "name": location.name,
        "sandbox_location_id": location.pk,
        "base_url": base_url.rstrip("/") + "/sandbox/" + impl.path,
        "credentials": impl.credentials(location),
    }
