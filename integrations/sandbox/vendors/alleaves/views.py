"""Alleaves' login, location, area and inventory endpoints, and the URL table of every Alleaves endpoint
(served under /sandbox/alleaves/ as `https://app.alleaves.com/api`). customers.py and orders.py hold the
customer and order endpoints; the shapes Alleaves does not publish are listed in docs/sandbox/alleaves.md.
"""
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from ...faults import json_body, stream_json_array
from ...models import RecordKind, SandboxLocation, SandboxRecord
from .api import (
    bearer_endpoint,
    error_response,
    issue_token,
    location_mismatch,
    login_endpoint,
    methods,
    positive_int,
    user_id,
)
from .customers import customer_create, customer_search, patient_search
from .orders import order_create, order_detail, order_list
from .reference import feed_number, location_object


@login_endpoint
def login(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    token = issue_token(location)
    return JsonResponse({
        "id_user": user_id(location), "name_first": "Canopy", "name_last": "Integration",
        "username": location.username, "id_company": 1000, "company": f"{location.name} LLC",
        "token": token.token,
    })


def _area_records(location: SandboxLocation) -> list[dict]:
    return list(SandboxRecord.objects.filter(location=location, kind=RecordKind.ROOM)
                .values_list("data", flat=True))


@bearer_endpoint
def location_detail(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse([location_object(location, _area_records(location))], safe=False)


@bearer_endpoint
def areas(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    id_location = request.GET.get("id_location")
    if id_location and (refused := location_mismatch(location, id_location)):
        return refused
    return JsonResponse(_area_records(location), safe=False)


@bearer_endpoint
def inventory_search(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """The menu feed: a bare array, every row with `total_rows` (the count matching the query).
    `query` filters on the item name; `page`/`pageSize` (1-based) are optional: without them the
    whole feed comes back in one response, as the real sync reads it."""
    body = json_body(request)
    if not isinstance(body, dict) or body.get("id_location") in (None, ""):
        return error_response(400, "id_location is required")
    if refused := location_mismatch(location, body["id_location"]):
        return refused
    products = SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT, deleted=False)
    totals = products.aggregate(available=Sum("quantity"))
    query = str(body.get("query") or "").strip()
    if query:
        products = products.filter(data__item__icontains=query)
    total = products.count()
    feed = products.order_by("position", "id").values_list("data", flat=True)
    if "page" in body or "pageSize" in body:
        page, size = positive_int(body.get("page")), positive_int(body.get("pageSize"))
        if page is None or size is None:
            return error_response(400, "page and pageSize must be positive integers")
        feed = feed[(page - 1) * size: page * size]
    location_available = feed_number(totals["available"] or 0)

    def rows():
        for data in feed.iterator(chunk_size=2000):
            data["total_rows"] = total
            data["all_available_per_location"] = location_available
            data["all_on_hand_per_location"] = location_available
            yield data

    return stream_json_array(rows())


def _batch_json(row: dict) -> dict:
    """GET /inventory/batch/{id}: the reference names id_batch, date_expire, date_production,
    date_harvest, quantity, on_hand; the rest repeats the inventory row's batch fields."""
    received = row.get("date_received")
    return {
        "id_batch": row["id_batch"], "id_item": row["id_item"], "id_location": row["id_location"],
        "batch": row["batch"], "metrc_package_label": row["metrc_package_label"],
        "status": row["status"], "id_status": row["id_status"],
        "id_area": row["id_area"], "area": row["area"],
        "date_expire": row["date_expire"],
        "date_production": received[:10] if received else None,
        "date_harvest": None,
        "date_received": received,
        "quantity": row["on_hand"], "on_hand": row["on_hand"], "available": row["available"],
        "thc_mg": row["thc_mg"], "cbd_mg": row["cbd_mg"],
        "cost_of_good": row["batch_cost_of_good"], "date_updated": row["batch_date_updated"],
    }


def _batches(location: SandboxLocation) -> QuerySet:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT, deleted=False)


@bearer_endpoint
def batch_search(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Body {"ids": [id_batch, ...]} (the body a production client sends; unconfirmed)."""
    body = json_body(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        return error_response(400, "ids must be a non-empty list of id_batch")
    rows = _batches(location).filter(external_id__in=[str(i) for i in ids]).values_list("data", flat=True)
    return JsonResponse([_batch_json(row) for row in rows], safe=False)


@bearer_endpoint
def batch_detail(request: HttpRequest, location: SandboxLocation, id_batch: int) -> HttpResponse:
    record = _batches(location).filter(external_id=str(id_batch)).first()
    if record is None:
        return error_response(404, "Batch not found")
    return JsonResponse(_batch_json(record.data))


# --- URLs -----------------------------------------------------------------------------------------
urlpatterns = [
    path("auth", methods(post=login)),
    path("location", methods(get=location_detail)),
    path("inventory/area", methods(get=areas)),
    path("inventory/search", methods(post=inventory_search)),
    path("inventory/batch/search", methods(post=batch_search)),
    path("inventory/batch/<int:id_batch>", methods(get=batch_detail)),
    path("customer/search", methods(post=customer_search)),
    path("customer/patient/search", methods(post=patient_search)),
    path("customer", methods(post=customer_create)),
    path("order", methods(get=order_list, post=order_create)),
    path("order/<int:id_order>", methods(get=order_detail)),
]
