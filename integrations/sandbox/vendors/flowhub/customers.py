"""Flowhub's v1 customer endpoints: the list, one customer by id or phone, create and update."""
import hashlib
import uuid

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import json_body
from ...generate import DISCOUNT_GROUPS
from ...models import RecordKind, SandboxLocation, SandboxRecord
from ...router import sandbox_db
from .api import DATE_RE, client_locations_of, error_response, filtered_page, key_endpoint
from .reference import iso
from .render import customer_records, digits


def group_id(name: str) -> str:
    """A customer group's id (24 hex characters): writes name groups by id, reads show their names."""
    return hashlib.md5(f"flowhub-group:{name}".encode(), usedforsecurity=False).hexdigest()[:24]


def _customer_out(data: dict, request: HttpRequest) -> dict:
    if request.GET.get("store_id"):
        # Only sent when store_id is given (reference); 1 point = 1 penny in the sandbox [I].
        return {**data, "loyaltyPointsInPennies": int(data.get("loyaltyPoints") or 0)}
    return data


@key_endpoint
def customers_list(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    result = filtered_page(request, location, customer_records(location), updated=True)
    if isinstance(result, HttpResponse):
        return result
    total, customers = result
    # Shape [our choice]: mirrors the orders endpoints' {total, orders}.
    return JsonResponse({"total": total, "customers": customers})


@key_endpoint
def customer_detail(request: HttpRequest, location: SandboxLocation, customer_id: str) -> HttpResponse:
    record = customer_records(location).filter(external_id=customer_id).first()
    if record is None:
        return error_response(404, f"Customer {customer_id} not found")
    return JsonResponse(_customer_out(record.data, request))


@key_endpoint
def customer_by_phone(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    phone = digits(request.GET.get("phone_number", ""))
    if not phone:
        return error_response(400, "phone_number is required")
    record = customer_records(location).filter(phone=phone).order_by("position", "id").first()
    if record is None:
        return error_response(404, f"No customer with phone number {request.GET.get('phone_number')}")
    return JsonResponse(_customer_out(record.data, request))


GROUP_NAMES = {group_id(name): name for name in DISCOUNT_GROUPS}
WRITABLE = ("name", "state", "birthDate", "type", "city", "email", "phone", "streetAddress1", "streetAddress2", "zip",
            "isLoyal", "loyaltyPoints", "consentsToPromotionalEmail", "consentsToPromotionalSMS")


def _store_check(request: HttpRequest, location: SandboxLocation) -> HttpResponse | None:
    store_id = request.GET.get("store_id", "")
    if not store_id:
        return error_response(400, "store_id is required")
    if not client_locations_of(location).filter(location_id=store_id).exists():
        return error_response(404, f"Store {store_id} not found")
    return None


def _apply_customer_body(data: dict, body: dict, *, creating: bool) -> str | None:
    """Copy a CustomerWrite body onto a Customer record; return an error message or None."""
    if creating:
        missing = [name for name in ("birthDate", "name", "state", "type") if not body.get(name)]
        if missing:
            return f"Missing required field(s): {', '.join(missing)}"
    if "type" in body and body["type"] not in ("medCustomer", "recCustomer"):
        return "type must be medCustomer or recCustomer"
    for name in ("birthDate", "medIdExpiration", "stateIdExpiration"):
        if body.get(name) and not DATE_RE.match(str(body[name])):
            return f"{name} must be in format yyyy-mm-dd"
    for name in WRITABLE:
        if name in body:
            data[name] = digits(body[name]) if name == "phone" else body[name]
    if "groups" in body:
        # Writes name groups by groupId; reads show their names. Unknown ids show as themselves [I].
        data["groups"] = [{"name": GROUP_NAMES.get(g.get("groupId"), g.get("groupId"))}
                          for g in body["groups"] or [] if isinstance(g, dict)]
    return None


@key_endpoint
@transaction.atomic(using=sandbox_db())
def customer_create(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    if request.method != "POST":
        return error_response(405, "Method not allowed")
    if refusal := _store_check(request, location):
        return refusal
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "Body must be a JSON object")
    now = timezone.now()
    customer_id = str(uuid.uuid4())
    data = {"id": customer_id, "createdAt": iso(now), "updatedAt": iso(now), "type": "recCustomer", "name": "",
            "state": "", "birthDate": "", "isLoyal": False, "loyaltyPoints": 0, "phone": "", "email": "",
            "streetAddress1": "", "streetAddress2": "", "city": "", "zip": "", "country": "US",
            "consentsToPromotionalEmail": False, "consentsToPromotionalSMS": False, "groups": []}
    if message := _apply_customer_body(data, body, creating=True):
        return error_response(400, message)
    position = customer_records(location).count()
    SandboxRecord.objects.create(location=location, kind=RecordKind.CUSTOMER, external_id=customer_id, data=data,
                                 phone=data["phone"], email=data["email"] or "", occurred_at=now, modified_at=now,
                                 position=position)
    return JsonResponse(_customer_out(data, request))


@key_endpoint
@transaction.atomic(using=sandbox_db())
def customer_update(request: HttpRequest, location: SandboxLocation, customer_id: str) -> HttpResponse:
    if request.method != "PUT":
        return error_response(405, "Method not allowed")
    if refusal := _store_check(request, location):
        return refusal
    record = customer_records(location).select_for_update().filter(external_id=customer_id).first()
    if record is None:
        return error_response(404, f"Customer {customer_id} not found")
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "Body must be a JSON object")
    data = dict(record.data)
    if message := _apply_customer_body(data, body, creating=False):
        return error_response(400, message)
    now = timezone.now()
    data["updatedAt"] = iso(now)
    record.data, record.phone, record.email, record.modified_at = data, data["phone"], data["email"] or "", now
    record.save(update_fields=["data", "phone", "email", "modified_at"])
    return JsonResponse(_customer_out(data, request))
