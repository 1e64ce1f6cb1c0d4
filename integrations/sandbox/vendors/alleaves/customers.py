"""Alleaves' customer endpoints: the customer list, the patient search and create (A7)."""
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import json_body
from ...models import RecordKind, SandboxLocation, SandboxRecord
from ...router import sandbox_db
from .api import bearer_endpoint, error_response, positive_int
from .reference import iso_ms

CUSTOMER_PAGE_SIZE_MAX = 1000


@bearer_endpoint
def customer_search(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """{page, pageSize}, 1-based, both required (a bare {} is refused as in the real API)."""
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "page and pageSize are required")
    page, size = positive_int(body.get("page")), positive_int(body.get("pageSize"))
    if page is None or size is None:
        return error_response(400, "page and pageSize are required")
    size = min(size, CUSTOMER_PAGE_SIZE_MAX)
    customers = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)
    data = customers.order_by("position", "id").values_list("data", flat=True)[(page - 1) * size: page * size]
    return JsonResponse(list(data), safe=False)


@bearer_endpoint
def patient_search(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """A7: find a patient by `medical_id` (exact, case-insensitive) or else by `phone` (digits)."""
    body = json_body(request)
    if not isinstance(body, dict) or not (body.get("medical_id") or body.get("phone")):
        return error_response(400, "medical_id or phone is required")
    customers = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)
    if body.get("medical_id"):
        found = [data for data in customers.filter(data__medical_id__iexact=str(body["medical_id"]).strip())
                 .values_list("data", flat=True)]
    else:
        digits = "".join(ch for ch in str(body["phone"]) if ch.isdigit())[-10:]
        found = list(customers.filter(phone=digits).values_list("data", flat=True)) if digits else []
    return JsonResponse(found, safe=False)


@bearer_endpoint
@transaction.atomic(using=sandbox_db())
def customer_create(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """A7: create a patient (or any customer) when no match was found."""
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "A JSON object is required")
    missing = [name for name in ("name_first", "name_last", "date_of_birth") if not body.get(name)]
    if missing:
        return error_response(400, f"Missing required fields: {', '.join(missing)}")
    customers = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER)
    medical_id = str(body.get("medical_id") or "").strip() or None
    if medical_id and (twin := customers.filter(data__medical_id__iexact=medical_id).first()):
        return error_response(409, "A customer with this medical_id already exists",
                              id_customer=twin.data["id_customer"])
    ids = [int(x) for x in customers.values_list("external_id", flat=True)]
    new_id = max(ids, default=4999) + 1
    now = timezone.now()
    phone = "".join(ch for ch in str(body.get("phone") or "") if ch.isdigit())[-10:]
    email = str(body.get("email") or "")
    data = {
        "id_customer": new_id,
        "customer_name": f"{body['name_first']} {body['name_last']}",
        "name_first": body["name_first"],
        "name_last": body["name_last"],
        "email": email or None,
        "phone": phone or None,
        "date_of_birth": body["date_of_birth"],
        "customer_since": now.date().isoformat(),
        "date_created": iso_ms(now),
        "date_updated": iso_ms(now),
        "alpine_user_code": None,
        "springbig_user_code": None,
        "credit_balance": 0,
        "customer_type": "Medical" if medical_id else "Adult Use",
        "is_medical": medical_id is not None,
        "medical_id": medical_id,
        "medical_id_expiration": body.get("medical_id_expiration"),
        "state": body.get("state"),
        "deleted": False,
    }
    SandboxRecord.objects.create(location=location, kind=RecordKind.CUSTOMER, external_id=str(new_id),
                                 data=data, phone=phone, email=email, modified_at=now,
                                 position=len(ids))
    return JsonResponse(data, status=201)
