"""Create sandbox locations and switch their changes and faults on (from the admin, commands and tests)."""
import random
import secrets
from collections.abc import Iterator
from itertools import islice

from django.db import transaction
from django.db.models import JSONField, Value
from django.utils import timezone

from . import generate
from .models import Fault, RecordKind, SandboxLocation, SandboxRecord, Vendor
from .vendors.base import Row, SandboxVendor

BATCH = 2000


def vendor_for(vendor: str) -> SandboxVendor:
    from .vendors import VENDORS

    return VENDORS[vendor]


def _records(location: SandboxLocation, kind: str, rows) -> Iterator[SandboxRecord]:
    for row in rows:
        yield SandboxRecord(
            # Value(): on PostgreSQL, Django 5.2 bulk-inserts plain values through UNNEST arrays, and psycopg
            # escapes each JSON document into an array literal in Python, which made 100,000 products take
            # over a minute; an expression keeps the plain VALUES insert (same rows, no effect on SQLite).
            location=location, kind=kind, external_id=row.external_id,
            data=Value(row.data, output_field=JSONField()),
            quantity=row.quantity, room_id=row.room_id, phone=row.phone, email=row.email,
            occurred_at=row.occurred_at, modified_at=row.modified_at, position=row.position,
        )


def _bulk_insert(records: Iterator[SandboxRecord]) -> int:
    total = 0
    while batch := list(islice(records, BATCH)):
        SandboxRecord.objects.bulk_create(batch, batch_size=BATCH)
        total += len(batch)
    return total


def _product_rows(vendor: SandboxVendor, location: SandboxLocation, start: int, count: int) -> Iterator[Row]:
    specs = generate.product_specs(location.seed, start + count)
    for spec in islice(specs, start, None):
        row = vendor.product_row(location, spec)
        row.position = spec.index
        yield row


@transaction.atomic
def create_location(vendor: str, name: str = "", products: int = 50, seed: int = 1,
                    customers: int | None = None) -> SandboxLocation:
    """A new sandbox location with a generated catalogue, customers and sales (deterministic by seed)."""
    if vendor not in Vendor.values:
        raise ValueError(f"Unknown vendor {vendor!r}: choose one of {', '.join(Vendor.values)}.")
    if not 1 <= products <= 100_000:
        raise ValueError("A sandbox catalogue has between 1 and 100,000 products.")
    impl = vendor_for(vendor)
    rng = random.Random(seed)
    location = SandboxLocation(vendor=vendor, name=name or f"Sandbox {Vendor(vendor).label} #{seed}", seed=seed)
    impl.configure_location(location, rng)
    if not location.location_id:
        location.location_id = str(rng.randint(10_000, 99_999)) + secrets.token_hex(2)
    location.save()
    for kind, rows in impl.reference_rows(location).items():
        _bulk_insert(_records(location, kind, rows))
    _bulk_insert(_records(location, RecordKind.PRODUCT, _product_rows(impl, location, 0, products)))
    customer_count = customers if customers is not None else min(max(products // 5, 20), 500)
    customer_specs = list(generate.customer_specs(seed, customer_count))
    _bulk_insert(_records(location, RecordKind.CUSTOMER, (impl.customer_row(location, c) for c in customer_specs)))
    sales = list(generate.transaction_specs(seed, customer_specs, products))
    wanted = {line.product_index for sale in sales for line in sale.lines}
    products_by_index = {spec.index: impl.product_row(location, spec)
                         for spec in generate.product_specs(seed, products) if spec.index in wanted}
    _bulk_insert(_records(location, RecordKind.TRANSACTION, (
        impl.transaction_row(location, sale, customer_specs[sale.customer_index], products_by_index)
        for sale in sales
    )))
    return location


def _products(location: SandboxLocation):
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT, deleted=False)


def _pick(location: SandboxLocation, fraction: float, seed: int, count: int | None = None) -> list[SandboxRecord]:
    ids = list(_products(location).values_list("pk", flat=True))
    if count is None:
        count = max(1, round(len(ids) * fraction)) if ids else 0
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    return list(SandboxRecord.objects.filter(pk__in=chosen))


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
def add_products(location: SandboxLocation, count: int) -> int:
    """Append `count` new products to the feed (the catalogue continues the same seed)."""
    impl, now = vendor_for(location.vendor), timezone.now()
    start = SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT).count()
    rows = list(_product_rows(impl, location, start, count))
    for row in rows:
        impl.touch(row.data, now)
        row.modified_at = now
    return _bulk_insert(_records(location, RecordKind.PRODUCT, rows))


@transaction.atomic
def delete_products(location: SandboxLocation, count: int, seed: int = 0) -> list[str]:
    """Drop `count` products out of the feed, as the POS does when one is deleted or deactivated."""
    records = _pick(location, 0, seed, count=count)
    SandboxRecord.objects.filter(pk__in=[r.pk for r in records]).update(deleted=True, modified_at=timezone.now())
    return [r.external_id for r in records]


@transaction.atomic
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
