"""Alleaves' order endpoints: the order history (pushed orders and completed sales), one order, and the
order push (C4, A2, A7) in our own documented shape."""
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import json_body
from ...models import RecordKind, SandboxLocation, SandboxRecord
from ...router import sandbox_db
from .api import bearer_endpoint, error_response, location_mismatch, positive_int
from .reference import iso_ms, money
from .render import ORDER_STATUSES, ORDER_TAX_RATE

ORDER_TYPES = ("pickup", "delivery")
FIRST_ORDER_ID = 2_000_000
ORDER_PAGE_SIZE = 100


def _orders(location: SandboxLocation) -> QuerySet:
    return SandboxRecord.objects.filter(location=location, kind__in=[RecordKind.ORDER, RecordKind.TRANSACTION])


@bearer_endpoint
def order_list(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Order history: pushed orders and completed sales, oldest first, 100 a page (1-based);
    startDate/endDate (YYYY-MM-DD, UTC, inclusive) filter on date_created."""
    page = positive_int(request.GET.get("page", 1))
    size = positive_int(request.GET.get("pageSize", ORDER_PAGE_SIZE))
    if page is None or size is None:
        return error_response(400, "page and pageSize must be positive integers")
    size = min(size, ORDER_PAGE_SIZE)
    orders = _orders(location)
    try:
        if start := request.GET.get("startDate"):
            orders = orders.filter(occurred_at__gte=datetime.combine(date.fromisoformat(start),
                                                                     datetime.min.time(), UTC))
        if end := request.GET.get("endDate"):
            orders = orders.filter(occurred_at__lt=datetime.combine(date.fromisoformat(end),
                                                                    datetime.min.time(), UTC) + timedelta(days=1))
    except ValueError:
        return error_response(400, "startDate and endDate must be YYYY-MM-DD")
    data = orders.order_by("occurred_at", "id").values_list("data", flat=True)[(page - 1) * size: page * size]
    return JsonResponse(list(data), safe=False)


@bearer_endpoint
def order_detail(request: HttpRequest, location: SandboxLocation, id_order: int) -> HttpResponse:
    record = _orders(location).filter(external_id=str(id_order)).first()
    if record is None:
        return error_response(404, "Order not found")
    return JsonResponse(record.data)


@bearer_endpoint
@transaction.atomic(using=sandbox_db())
def order_create(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Order push (C4, A2, A7). Our shape: {id_location, id_customer, type: pickup|delivery,
    is_medical, items[{id_item, id_batch, quantity, price}], delivery_start, delivery_end,
    delivery_address, notes, reference}. Every problem is reported at once; nothing is half-stored."""
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "A JSON object is required")
    if body.get("id_location") in (None, ""):
        return error_response(400, "id_location is required")
    if refused := location_mismatch(location, body["id_location"]):
        return refused
    problems = []
    order_type = body.get("type")
    if order_type not in ORDER_TYPES:
        problems.append("type must be pickup or delivery")
    customer = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER,
                                            external_id=str(body.get("id_customer"))).first()
    if customer is None:
        problems.append(f"customer {body.get('id_customer')} not found")
    elif body.get("is_medical") and not customer.data.get("medical_id"):
        problems.append(f"customer {body.get('id_customer')} is not a medical patient")
    delivery_start = delivery_end = None
    if order_type == "delivery":
        # A2: delivery orders carry their window.
        try:
            delivery_start = datetime.fromisoformat(str(body.get("delivery_start")).replace("Z", "+00:00"))
            delivery_end = datetime.fromisoformat(str(body.get("delivery_end")).replace("Z", "+00:00"))
            if delivery_end <= delivery_start:
                problems.append("delivery_end must be after delivery_start")
        except ValueError:
            problems.append("delivery orders need delivery_start and delivery_end (ISO 8601)")
    lines = body.get("items")
    items = []
    if not isinstance(lines, list) or not lines:
        problems.append("items must be a non-empty list")
        lines = []
    batch_ids = [str(line.get("id_batch")) for line in lines if isinstance(line, dict)]
    batches = {record.external_id: record.data for record in SandboxRecord.objects.filter(
        location=location, kind=RecordKind.PRODUCT, deleted=False, external_id__in=batch_ids)}
    for number, line in enumerate(lines, start=1):
        batch = batches.get(str(line.get("id_batch"))) if isinstance(line, dict) else None
        if batch is None or str(batch.get("id_item")) != str(line.get("id_item")):
            problems.append(f"item {number}: id_item/id_batch not found")
            continue
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity <= 0:
            problems.append(f"item {number}: quantity must be a positive number")
            continue
        price = line.get("price", batch.get("price_retail_adult_use"))
        if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
            problems.append(f"item {number}: price must be a number >= 0")
            continue
        items.append({"id_item": batch["id_item"], "id_batch": batch["id_batch"], "item": batch.get("item"),
                      "category": batch.get("category"), "quantity": quantity, "price": price})
    if problems:
        return error_response(400, "; ".join(problems), errors=problems)
    existing = [int(x) for x in SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER)
                .values_list("external_id", flat=True)]
    id_order = max(existing, default=FIRST_ORDER_ID - 1) + 1
    now = timezone.now()
    subtotal = money(sum(item["quantity"] * item["price"] for item in items))
    tax = 0 if body.get("is_medical") else money(subtotal * ORDER_TAX_RATE)
    order = {
        "id_order": id_order,
        "id_location": int(location.location_id),
        "id_customer": customer.data["id_customer"],
        "customer_name": customer.data.get("customer_name"),
        "status": ORDER_STATUSES[0],
        "type": order_type,
        "is_medical": bool(body.get("is_medical")),
        "delivery_start": iso_ms(delivery_start),
        "delivery_end": iso_ms(delivery_end),
        "delivery_address": body.get("delivery_address"),
        "notes": body.get("notes"),
        "reference": body.get("reference"),
        "subtotal": subtotal,
        "tax": tax,
        "discount": 0,
        "total": money(subtotal + tax),
        "date_created": iso_ms(now),
        "date_updated": iso_ms(now),
        "items": items,
        "loyalty": 0,
        "points_earned": 0,
        "loyalties": [],
    }
    SandboxRecord.objects.create(location=location, kind=RecordKind.ORDER, external_id=str(id_order),
                                 data=order, phone=customer.phone, email=customer.email,
                                 occurred_at=now, modified_at=now)
    return JsonResponse(order, status=201)
