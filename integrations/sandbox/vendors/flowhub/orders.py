"""Flowhub's orders: the v1 sales lists and Order Ahead (token, create, status, update, postback)."""
import re
import secrets
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import json_body, sandbox_endpoint
from ...models import RecordKind, SandboxLocation, SandboxRecord, SandboxToken
from ...router import sandbox_db
from .api import ERRORS, bearer_endpoint, client_locations_of, error_response, filtered_page, key_endpoint, token_auth
from .reference import import_id, iso
from .render import ALL_STATUSES, customer_records, digits, find_product, sell

E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")


# --- v1 sales -------------------------------------------------------------------------------------
def _sales(location: SandboxLocation) -> QuerySet:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.TRANSACTION, deleted=False)


def _orders_page(request: HttpRequest, location: SandboxLocation, records: QuerySet) -> HttpResponse:
    result = filtered_page(request, location, records, updated=False)
    if isinstance(result, HttpResponse):
        return result
    total, orders = result
    return JsonResponse({"total": total, "orders": orders})


@key_endpoint
def orders_by_location(request: HttpRequest, location: SandboxLocation, import_id_: str) -> HttpResponse:
    target = next((loc for loc in client_locations_of(location) if import_id(loc) == import_id_), None)
    if target is None:
        return error_response(404, f"Location with importId {import_id_} not found")
    return _orders_page(request, target, _sales(target))


@key_endpoint
def orders_by_customer(request: HttpRequest, location: SandboxLocation, customer_id: str) -> HttpResponse:
    return _orders_page(request, location, _sales(location).filter(data__customerId=customer_id))


# --- Order Ahead ----------------------------------------------------------------------------------
@sandbox_endpoint(ERRORS, token_auth)
def oauth_token(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    if request.method != "POST":
        return error_response(405, "Method not allowed")
    token = SandboxToken.objects.create(location=location, token=secrets.token_urlsafe(48),
                                        expires_at=timezone.now() + timedelta(seconds=location.token_ttl_seconds))
    return JsonResponse({"access_token": token.token, "scope": "create:orders read:orders update:orders",
                         "expires_in": location.token_ttl_seconds, "token_type": "Bearer"})


def _validate_order(location: SandboxLocation, body: dict, *, partial: bool) -> str | None:
    """The order-create rules; a message means the whole order is refused and nothing is stored (F4)."""
    if "customer" in body or not partial:
        customer = body.get("customer")
        if not isinstance(customer, dict):
            return "customer is required"
        med_id, phone = str(customer.get("medId") or "").strip(), str(customer.get("phone") or "").strip()
        if not med_id and not phone:
            return ("Order refused: the customer needs a medical ID (customer.medId) or a phone number "
                    "(customer.phone). Nothing was created.")
        if phone and not E164_RE.match(phone):
            return f"customer.phone must be in E.164 format, e.g. +13035550123 (got {phone!r})"
        if med_id and not customer.get("medExp"):
            return "customer.medExp is required when customer.medId is present"
        if customer.get("medRecOrBoth") not in (None, "med", "rec", "both"):
            return "customer.medRecOrBoth must be med, rec or both"
    if "orderItems" in body or not partial:
        items = body.get("orderItems")
        if not isinstance(items, list) or not items:
            return "orderItems must be a non-empty list"
        for item in items:
            if not isinstance(item, dict):
                return "each order item must be an object"
            quantity = item.get("quantityPurchased")
            if isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity <= 0:
                return f"quantityPurchased must be a positive number (product {item.get('productId')})"
            if find_product(location.pk, item.get("productId")) is None:
                return f"Product {item.get('productId')} not found"
    order_type = body.get("orderType")
    if order_type not in (None, "delivery", "pickup", "kiosk"):
        return "orderType must be delivery, pickup or kiosk"
    if order_type == "delivery":
        address = body.get("address")
        if not isinstance(address, dict) or not all(address.get(k) for k in ("street1", "city", "state", "zip")):
            return "address with street1, city, state and zip is required for delivery orders"
    for fee in body.get("fees") or []:
        if not isinstance(fee, dict) or not isinstance(fee.get("amount", 0), int):
            return "fees must be a list of {name, amount} with amount in pennies (an integer)"
    return None


def _order_out(data: dict) -> dict:
    return {"customerExternalId": data["customerExternalId"], "orderId": data["orderId"], "status": data["status"]}


ORDER_FIELDS = ("externalCreatedAt", "customer", "orderItems", "address", "customerId", "cartDiscountNote",
                "customerNote", "orderType", "requestedFulfillmentTimeStart", "requestedFulfillmentTimeEnd",
                "postbackUrl", "fees", "loyaltyPointsInPennies")


@bearer_endpoint
@transaction.atomic(using=sandbox_db())
def order_create(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    if request.method != "POST":
        return error_response(405, "Method not allowed")
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "Body must be a JSON object")
    if message := _validate_order(location, body, partial=False):
        return error_response(400, message)
    now = timezone.now()
    order_id = str(uuid.uuid4())
    customer = body["customer"]
    # customerExternalId echoes the integrator's customer.externalId, else the Flowhub customer matched by
    # phone, else a new id [I].
    phone = digits(customer.get("phone", ""))
    match = customer_records(location).filter(phone=phone).first() if phone else None
    external = customer.get("externalId") or (match.external_id if match else str(uuid.uuid4()))
    # locationId is kept (not served) so services.advance_order can find the stock to take a sale from.
    data = {"orderId": order_id, "customerExternalId": external, "status": "new", "locationId": location.location_id,
            "createdAt": iso(now), "updatedAt": iso(now),
            **{name: body[name] for name in ORDER_FIELDS if name in body}}
    SandboxRecord.objects.create(location=location, kind=RecordKind.ORDER, external_id=order_id, data=data,
                                 phone=phone, email=str(customer.get("email") or "")[:254], occurred_at=now,
                                 modified_at=now)
    return JsonResponse(_order_out(data))


def _order_record(location: SandboxLocation, order_id: str) -> SandboxRecord | None:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER, external_id=order_id).first()


@bearer_endpoint
def order_status(request: HttpRequest, location: SandboxLocation, order_id: str) -> HttpResponse:
    record = _order_record(location, order_id)
    if record is None:
        return error_response(404, f"Order {order_id} not found")
    return JsonResponse(_order_out(record.data))


@bearer_endpoint
@transaction.atomic(using=sandbox_db())
def order_update(request: HttpRequest, location: SandboxLocation, order_id: str) -> HttpResponse:
    """PATCH /orders/{orderId}: the create fields, plus `status` (or `fulfilled: true` = "sold") to mark an
    order fulfilled (F3) [the status field is our choice; the reference only names UpdateOrderParams]."""
    if request.method != "PATCH":
        return error_response(405, "Method not allowed")
    record = _order_record(location, order_id)
    if record is None:
        return error_response(404, f"Order {order_id} not found")
    body = json_body(request)
    if not isinstance(body, dict):
        return error_response(400, "Body must be a JSON object")
    status = "sold" if body.get("fulfilled") is True else body.get("status")
    if status is not None and status not in ALL_STATUSES:
        return error_response(400, f"status must be one of {', '.join(ALL_STATUSES)}")
    data = record.data
    if data["status"] in ("sold", "deleted") and (status or any(name in body for name in ORDER_FIELDS)):
        return error_response(400, f"Order {order_id} is already {data['status']} and cannot change")
    if message := _validate_order(location, body, partial=True):
        return error_response(400, message)
    data.update({name: body[name] for name in ORDER_FIELDS if name in body})
    if status:
        data["status"] = status
        if status == "sold":
            sell(location, data)
    record.modified_at = timezone.now()
    data["updatedAt"] = iso(record.modified_at)
    record.save(update_fields=["data", "modified_at"])
    return JsonResponse(_order_out(data))


@bearer_endpoint
def order_postback(request: HttpRequest, location: SandboxLocation, order_id: str) -> HttpResponse:
    """Asks Flowhub to post the order's status to its postbackUrl: the sandbox answers 204 and calls nobody
    (tests never reach the internet); clients poll orderStatus instead."""
    if request.method != "POST":
        return error_response(405, "Method not allowed")
    if _order_record(location, order_id) is None:
        return error_response(404, f"Order {order_id} not found")
    return HttpResponse(status=204)
