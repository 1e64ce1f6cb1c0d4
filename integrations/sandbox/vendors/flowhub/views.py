"""Sandbox Flowhub (Maui) public API (X1, F1-F9), per ../shared/reference/POS-APIS.md section 2.

Data endpoints authenticate with the `clientId` and `key` headers; Order Ahead uses a Bearer token from
an Auth0-style `POST /oauth/token` (served here, since the real one lives on flowhub.auth0.com).
v0 endpoints wrap everything in `{"status": 200, "data": [...]}` and never paginate, so big inventories
are streamed. What the reference leaves open (error bodies, the customer list shape, tier shape) is our
own choice and is listed in docs/sandbox/flowhub.md.
"""
import hashlib
import random
import re
import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone

from ...faults import VendorErrors, json_body, sandbox_endpoint, stream_json_array
from ...generate import DISCOUNT_GROUPS, STRAIN_SPELLINGS, TERPENES, CustomerSpec, ProductSpec, TransactionSpec
from ...models import RecordKind, SandboxLocation, SandboxRecord, SandboxToken, Vendor
from ..base import Row, SandboxVendor

# Rooms every sandbox location has; the last one holds stock that is not for sale (F1 room filter, D14).
ROOMS = [("Sales Floor", True), ("Back Stock", True), ("Display Case", True), ("Quarantine - Not For Sale", False)]
# Flowhub's own terpene spellings (F5); Beta Eudesmol is not in F5, so it keeps the lab spelling.
FLOWHUB_TERPENES = {
    "3-Carene": "delta 3 Carene", "Alpha Pinene": "α-Pinene", "Beta Caryophyllene": "β-Caryophyllene",
    "Beta Eudesmol": "β-Eudesmol", "Beta Myrcene": "β-Myrcene", "Beta Pinene": "β-Pinene",
    "Bisabolol": "α-Bisabolol", "Caryophyllene Oxide": "Caryophyllene oxide", "Guaiol": "Guaiol",
    "Humulene": "α-Humulene", "Limonene": "Limonene", "Linalool": "Linalool", "Ocimene": "β-Ocimene",
    "Terpinolene": "Terpinolene", "Terpinene": "α-Terpinene", "Trans-Nerolidol": "Trans-Nerolidol",
}
# Order Ahead statuses (F1 src/types/orders.ts); ALL_STATUSES is what PATCH accepts.
ALL_STATUSES = ("new", "started", "ready", "inQueue", "inTransit", "delivered", "unableToComplete",
                "unableToVerify", "deleted", "sold")
NEXT_STATUS = {"new": "started", "started": "ready", "ready": "sold", "inQueue": "inTransit",
               "inTransit": "delivered", "delivered": "sold"}
INFUSED_UNITS = {"Edibles": "milligrams", "Topicals": "milligrams", "Tinctures": "milligrams",
                 "Beverages": "fluidounces"}
STATE_PLACES = {"CO": ("Denver", "Denver County", "America/Denver"), "NM": ("Albuquerque", "Bernalillo County",
                "America/Denver"), "CA": ("Oakland", "Alameda County", "America/Los_Angeles"),
                "AZ": ("Phoenix", "Maricopa County", "America/Phoenix"), "NY": ("Albany", "Albany County",
                "America/New_York"), "MI": ("Detroit", "Wayne County", "America/Detroit")}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
NAMESPACE = uuid.UUID("6f1c2d0e-4b8a-4c55-9a57-0f1d3e6b7a10")
# ~59 req/s has been seen to trigger 429 (reference); 3000/min is just under that.
REQUESTS_PER_MINUTE = 3000
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 100, 1000


def _uuid(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def _iso(when: datetime) -> str:
    # Flowhub writes six fractional digits and a literal Z: "2023-12-22T21:17:26.138999Z".
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pennies(amount: float) -> int:
    return int(round(amount * 100))


@lru_cache(maxsize=64)
def room_ids(seed: int) -> tuple[str, ...]:
    """Room ids are 32-character alphanumeric strings, never the room name (F7)."""
    return tuple(hashlib.md5(f"flowhub-room:{seed}:{i}".encode(), usedforsecurity=False).hexdigest()
            for i in range(len(ROOMS)))


def group_id(name: str) -> str:
    return hashlib.md5(f"flowhub-group:{name}".encode(), usedforsecurity=False).hexdigest()[:24]


def import_id(location: SandboxLocation) -> str:
    """Flowhub's `importId` (what /v1/orders/findByLocationId takes): 24 hex characters [I]."""
    return hashlib.md5(f"flowhub-import:{location.location_id}".encode(), usedforsecurity=False).hexdigest()[:24]


def _place(location: SandboxLocation) -> tuple[str, str, str, str]:
    state = random.Random(location.seed).choice(list(STATE_PLACES))
    return (state, *STATE_PLACES[state])


def location_json(location: SandboxLocation) -> dict:
    state, city, county, tz = _place(location)
    slug = re.sub(r"[^a-z0-9]+", "-", location.name.lower()).strip("-")
    return {
        "address": {"city": city, "country": "US", "county": county, "state": state,
                    "streetAddress1": f"{100 + location.seed % 900} Market St", "streetAddress2": None,
                    "zip": f"{80000 + location.seed % 9999:05d}"},
        "clientId": location.client_id,
        "clientName": "Sandbox Cannabis Co.",
        "email": f"store+{location.seed}@sandbox.canopy.test",
        "hoursOfOperation": "Mon-Sun 9:00 AM - 9:00 PM",
        "importId": import_id(location),
        "licenseType": ["medical", "recreational"] if location.seed % 3 else ["recreational"],
        "locationId": location.location_id,
        "locationLogoURL": None,
        "locationName": location.name,
        "phoneNumber": f"303555{location.seed % 10000:04d}",
        "timeZone": tz,
        "website": f"https://{slug or 'store'}.sandbox.canopy.test",
    }


# --- errors and auth ---------------------------------------------------------------------------

def _request_id(response: HttpResponse) -> HttpResponse:
    # Flowhub errors may carry an `x-request-id` header (reference); ours always do.
    response["x-request-id"] = str(uuid.uuid4())
    return response


class FlowhubErrors(VendorErrors):
    """Flowhub answers auth failures with a plain-text `Unauthorized` and sends no rate-limit headers,
    not even on 429 (reference section 2)."""

    per_minute = REQUESTS_PER_MINUTE
    # The enforced limit never tells the caller when to come back; the 429-with-Retry-After fault still does.
    retry_after_on_rate_limit = False

    def unauthorized(self) -> HttpResponse:
        return _request_id(HttpResponse("Unauthorized", status=401, content_type="text/plain"))

    def forbidden(self, detail: str = "") -> HttpResponse:
        return _request_id(HttpResponse("Forbidden", status=403, content_type="text/plain"))

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        response = _request_id(HttpResponse("Too Many Requests", status=429, content_type="text/plain"))
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def server_error(self) -> HttpResponse:
        return _request_id(super().server_error())

    def rate_limit_for(self, request: HttpRequest) -> int:
        return self.per_minute


ERRORS = FlowhubErrors()


def _error(status: int, message: str) -> JsonResponse:
    # Flowhub's error bodies are not documented; we answer {"status", "message"} like the v0 envelope [I].
    return _request_id(JsonResponse({"status": status, "message": message}, status=status))


def _key_location(request: HttpRequest) -> SandboxLocation | None:
    client_id, key = request.headers.get("clientId", ""), request.headers.get("key", "")
    if not client_id or not key:
        return None
    return SandboxLocation.objects.filter(vendor=Vendor.FLOWHUB, client_id=client_id, api_key=key).first()


def _bearer_location(request: HttpRequest) -> SandboxLocation | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = (SandboxToken.objects.select_related("location")
             .filter(token=header[7:].strip(), location__vendor=Vendor.FLOWHUB).first())
    if token is None or token.expires_at <= timezone.now():
        return None
    return token.location


def key_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Data endpoints: `clientId` + `key` headers (case-insensitive names)."""
    return _key_location(request) or ERRORS.unauthorized()


def bearer_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Order Ahead endpoints: `Authorization: Bearer <token from /oauth/token>`."""
    return _bearer_location(request) or ERRORS.unauthorized()


def any_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """/authTest accepts either kind of credential."""
    return _key_location(request) or _bearer_location(request) or ERRORS.unauthorized()


def health_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """/health needs no credentials; with credentials, the location's fault switches apply to it too."""
    return _key_location(request) or _bearer_location(request) or HttpResponse("OK", content_type="text/plain")


def token_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Auth0 client-credentials grant: the Order Ahead client id and secret in a JSON (or form) body."""
    body = json_body(request)
    if not isinstance(body, dict):
        body = request.POST.dict()
    if body.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "unsupported_grant_type",
                             "error_description": f"Grant type '{body.get('grant_type')}' not allowed for the client."},
                            status=403)
    location = SandboxLocation.objects.filter(
        vendor=Vendor.FLOWHUB, order_ahead_client_id=body.get("client_id") or "-",
        order_ahead_token=body.get("client_secret") or "-").first()
    return location or JsonResponse({"error": "access_denied", "error_description": "Unauthorized"}, status=401)


key_endpoint = sandbox_endpoint(ERRORS, key_auth)
bearer_endpoint = sandbox_endpoint(ERRORS, bearer_auth)


# --- serving helpers ---------------------------------------------------------------------------

def _envelope(items) -> StreamingHttpResponse:
    """`{"status":200,"data":[...]}` written item by item (v0 has no pagination, so lists can be huge)."""
    inner = stream_json_array(items)

    def chunks():
        yield b'{"status":200,"data":'
        yield from inner.streaming_content
        yield b"}"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


def _client_locations(location: SandboxLocation) -> QuerySet:
    return SandboxLocation.objects.filter(vendor=Vendor.FLOWHUB, client_id=location.client_id).order_by("pk")


def _rooms(locations) -> dict[str, tuple[str, bool]]:
    rooms = {}
    for loc in locations:
        rooms.update({rid: room for rid, room in zip(room_ids(loc.seed), ROOMS, strict=True)})
    return rooms


def _product_records(locations) -> QuerySet:
    return SandboxRecord.objects.filter(location__in=locations, kind=RecordKind.PRODUCT, deleted=False).order_by(
        "location_id", "position", "id")


def _room_split(item: dict, room_id: str, rooms: dict, seed_rooms: list[str]) -> list[tuple[str, object]]:
    """(roomId, quantity) rows for one product: big Sales Floor stock is split 60/40 with Back Stock, so
    inventoryByRooms has products in several rooms [our choice]."""
    quantity = item.get("quantity")
    if isinstance(quantity, int) and quantity >= 20 and room_id == seed_rooms[0]:
        front = quantity * 6 // 10
        return [(room_id, front), (seed_rooms[1], quantity - front)]
    return [(room_id, quantity)]


def _upc(item: dict) -> str | None:
    product_id = str(item.get("productId") or "")
    if not product_id or product_id[-1] in "012":
        return None  # Plenty of Flowhub products carry no UPC.
    return str(int(product_id.replace("-", ""), 16))[:12]


def _inventory(locations, *, non_zero: bool, by_rooms: bool, analytics: bool, include_not_for_sale: bool):
    """Rows for the v0 inventory family. Plain inventory hides stock in not-for-sale rooms; the analytics
    endpoints show it with `forSale: false` when `includesNotForSaleQuantity=true` [our choice]."""
    locations = list(locations)
    rooms = _rooms(locations)
    seed_rooms = {loc.pk: room_ids(loc.seed) for loc in locations}
    records = _product_records(locations)
    if non_zero:
        records = records.filter(quantity__gt=0)
    if not (analytics and include_not_for_sale):
        records = records.exclude(room_id__in=[rid for rid, (_, for_sale) in rooms.items() if not for_sale])
    for data, room_id, location_pk in records.values_list("data", "room_id", "location_id").iterator(chunk_size=2000):
        if not by_rooms:
            if analytics:
                data = {**data, "forSale": rooms.get(room_id, ("", True))[1], "supplierLicense": None}
            yield data
            continue
        for rid, quantity in _room_split(data, room_id, rooms, seed_rooms[location_pk]):
            if non_zero and isinstance(quantity, int | float) and quantity <= 0:
                continue
            row = {**data, "quantity": quantity, "roomId": rid, "roomName": rooms[rid][0], "upc": _upc(data)}
            if analytics:
                row.update(forSale=rooms[rid][1], supplierLicense=None)
            yield row


def _parse_day(name: str, value: str | None) -> date | None | HttpResponse:
    if value in (None, ""):
        return None
    try:
        if not DATE_RE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        # The real API answers a full timestamp with 404 "...must be in format yyyy-mm-dd" (reference).
        return _error(404, f"{name} must be in format yyyy-mm-dd")


def _filtered_page(request: HttpRequest, location: SandboxLocation, records: QuerySet, *, updated: bool):
    """Apply the v1 date filters (store-local days, inclusive), order_by and page/page_size.
    Returns (total, [data]) or an error response."""
    tz = ZoneInfo(_place(location)[3])
    bounds = [("created_after", "occurred_at__gte", 0), ("created_before", "occurred_at__lt", 1)]
    if updated:
        bounds += [("updated_after", "modified_at__gte", 0), ("updated_before", "modified_at__lt", 1)]
    for name, lookup, day_offset in bounds:
        day = _parse_day(name, request.GET.get(name))
        if isinstance(day, HttpResponse):
            return day
        if day is not None:
            records = records.filter(**{lookup: datetime.combine(day + timedelta(days=day_offset), time(), tz)})
    order_by = request.GET.get("order_by", "asc")
    if order_by not in ("asc", "desc"):
        return _error(400, "order_by must be asc or desc")
    try:
        page = int(request.GET.get("page", 1))
        page_size = int(request.GET.get("page_size", PAGE_SIZE_DEFAULT))
    except ValueError:
        return _error(400, "page and page_size must be integers")
    if page < 1 or not 1 <= page_size <= PAGE_SIZE_MAX:
        return _error(400, f"page must be >= 1 and page_size between 1 and {PAGE_SIZE_MAX}")
    records = records.order_by("occurred_at", "id") if order_by == "asc" else records.order_by("-occurred_at", "-id")
    total = records.count()
    start = (page - 1) * page_size
    return total, list(records.values_list("data", flat=True)[start:start + page_size])


# --- v0 views ----------------------------------------------------------------------------------

@sandbox_endpoint(ERRORS, any_auth)
def auth_test(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return HttpResponse("Authenticated", content_type="text/plain")


@sandbox_endpoint(ERRORS, health_auth)
def health(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return HttpResponse("OK", content_type="text/plain")


@key_endpoint
def clients_locations(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse({"status": 200, "data": [location_json(loc) for loc in _client_locations(location)]})


def _inventory_view(*, non_zero: bool = False, by_rooms: bool = False, analytics: bool = False,
                    per_location: bool = False):
    @key_endpoint
    def view(request: HttpRequest, location: SandboxLocation, location_id: str = "") -> HttpResponse:
        locations = _client_locations(location)
        if per_location:
            locations = locations.filter(location_id=location_id)
            if not locations.exists():
                # Another client's location (or none at all) is not found for this key [our choice: 404].
                return _error(404, f"Location {location_id} not found")
        include = request.GET.get("includesNotForSaleQuantity", "").lower() == "true"
        return _envelope(_inventory(locations, non_zero=non_zero, by_rooms=by_rooms, analytics=analytics,
                                    include_not_for_sale=include))

    return view


# --- v1 customers and orders ---------------------------------------------------------------------

def _customers(location: SandboxLocation) -> QuerySet:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)


def _customer_out(data: dict, request: HttpRequest) -> dict:
    if request.GET.get("store_id"):
        # Only sent when store_id is given (reference); 1 point = 1 penny in the sandbox [I].
        return {**data, "loyaltyPointsInPennies": int(data.get("loyaltyPoints") or 0)}
    return data


@key_endpoint
def customers_list(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    result = _filtered_page(request, location, _customers(location), updated=True)
    if isinstance(result, HttpResponse):
        return result
    total, customers = result
    # Shape [our choice]: mirrors the orders endpoints' {total, orders}.
    return JsonResponse({"total": total, "customers": customers})


@key_endpoint
def customer_detail(request: HttpRequest, location: SandboxLocation, customer_id: str) -> HttpResponse:
    record = _customers(location).filter(external_id=customer_id).first()
    if record is None:
        return _error(404, f"Customer {customer_id} not found")
    return JsonResponse(_customer_out(record.data, request))


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")[-10:]


@key_endpoint
def customer_by_phone(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    phone = _digits(request.GET.get("phone_number", ""))
    if not phone:
        return _error(400, "phone_number is required")
    record = _customers(location).filter(phone=phone).order_by("position", "id").first()
    if record is None:
        return _error(404, f"No customer with phone number {request.GET.get('phone_number')}")
    return JsonResponse(_customer_out(record.data, request))


GROUP_NAMES = {group_id(name): name for name in DISCOUNT_GROUPS}
WRITABLE = ("name", "state", "birthDate", "type", "city", "email", "phone", "streetAddress1", "streetAddress2", "zip",
            "isLoyal", "loyaltyPoints", "consentsToPromotionalEmail", "consentsToPromotionalSMS")


def _store_check(request: HttpRequest, location: SandboxLocation) -> HttpResponse | None:
    store_id = request.GET.get("store_id", "")
    if not store_id:
        return _error(400, "store_id is required")
    if not _client_locations(location).filter(location_id=store_id).exists():
        return _error(404, f"Store {store_id} not found")
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
            data[name] = _digits(body[name]) if name == "phone" else body[name]
    if "groups" in body:
        # Writes name groups by groupId; reads show their names. Unknown ids show as themselves [I].
        data["groups"] = [{"name": GROUP_NAMES.get(g.get("groupId"), g.get("groupId"))}
                          for g in body["groups"] or [] if isinstance(g, dict)]
    return None


@key_endpoint
@transaction.atomic
def customer_create(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "Method not allowed")
    if refusal := _store_check(request, location):
        return refusal
    body = json_body(request)
    if not isinstance(body, dict):
        return _error(400, "Body must be a JSON object")
    now = timezone.now()
    customer_id = str(uuid.uuid4())
    data = {"id": customer_id, "createdAt": _iso(now), "updatedAt": _iso(now), "type": "recCustomer", "name": "",
            "state": "", "birthDate": "", "isLoyal": False, "loyaltyPoints": 0, "phone": "", "email": "",
            "streetAddress1": "", "streetAddress2": "", "city": "", "zip": "", "country": "US",
            "consentsToPromotionalEmail": False, "consentsToPromotionalSMS": False, "groups": []}
    if message := _apply_customer_body(data, body, creating=True):
        return _error(400, message)
    position = _customers(location).count()
    SandboxRecord.objects.create(location=location, kind=RecordKind.CUSTOMER, external_id=customer_id, data=data,
                                 phone=data["phone"], email=data["email"] or "", occurred_at=now, modified_at=now,
                                 position=position)
    return JsonResponse(_customer_out(data, request))


@key_endpoint
@transaction.atomic
def customer_update(request: HttpRequest, location: SandboxLocation, customer_id: str) -> HttpResponse:
    if request.method != "PUT":
        return _error(405, "Method not allowed")
    if refusal := _store_check(request, location):
        return refusal
    record = _customers(location).select_for_update().filter(external_id=customer_id).first()
    if record is None:
        return _error(404, f"Customer {customer_id} not found")
    body = json_body(request)
    if not isinstance(body, dict):
        return _error(400, "Body must be a JSON object")
    data = dict(record.data)
    if message := _apply_customer_body(data, body, creating=False):
        return _error(400, message)
    now = timezone.now()
    data["updatedAt"] = _iso(now)
    record.data, record.phone, record.email, record.modified_at = data, data["phone"], data["email"] or "", now
    record.save(update_fields=["data", "phone", "email", "modified_at"])
    return JsonResponse(_customer_out(data, request))


def _sales(location: SandboxLocation) -> QuerySet:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.TRANSACTION, deleted=False)


def _orders_page(request: HttpRequest, location: SandboxLocation, records: QuerySet) -> HttpResponse:
    result = _filtered_page(request, location, records, updated=False)
    if isinstance(result, HttpResponse):
        return result
    total, orders = result
    return JsonResponse({"total": total, "orders": orders})


@key_endpoint
def orders_by_location(request: HttpRequest, location: SandboxLocation, import_id_: str) -> HttpResponse:
    target = next((loc for loc in _client_locations(location) if import_id(loc) == import_id_), None)
    if target is None:
        return _error(404, f"Location with importId {import_id_} not found")
    return _orders_page(request, target, _sales(target))


@key_endpoint
def orders_by_customer(request: HttpRequest, location: SandboxLocation, customer_id: str) -> HttpResponse:
    return _orders_page(request, location, _sales(location).filter(data__customerId=customer_id))


# --- Order Ahead ---------------------------------------------------------------------------------

@sandbox_endpoint(ERRORS, token_auth)
def oauth_token(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "Method not allowed")
    token = SandboxToken.objects.create(location=location, token=secrets.token_urlsafe(48),
                                        expires_at=timezone.now() + timedelta(seconds=location.token_ttl_seconds))
    return JsonResponse({"access_token": token.token, "scope": "create:orders read:orders update:orders",
                         "expires_in": location.token_ttl_seconds, "token_type": "Bearer"})


def _find_product(location_pk: int, product_id) -> SandboxRecord | None:
    """Order items name a product by number, inventory by UUID (reference: mapping unclear [I]). The sandbox
    takes the inventory UUID, or the number 100000 + the product's position in the feed."""
    products = SandboxRecord.objects.filter(location_id=location_pk, kind=RecordKind.PRODUCT, deleted=False)
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        return products.filter(position=product_id - 100000).first()
    if isinstance(product_id, str) and product_id:
        return products.filter(external_id=product_id).first()
    return None


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
            if _find_product(location.pk, item.get("productId")) is None:
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


def _sell(location: SandboxLocation, data: dict) -> None:
    """A sold order becomes a sale, as at the register: its items leave stock and a `Sale` appears in
    /v1/orders/findByLocationId and findByCustomerId [our choice; the reference does not say when]."""
    now = timezone.now()
    items, subtotal = [], 0
    for n, item in enumerate(data.get("orderItems", [])):
        record = _find_product(location.pk, item.get("productId"))
        if record is None:
            continue
        product, quantity = record.data, item["quantityPurchased"]
        if isinstance(product.get("quantity"), int | float):
            left = max(0, product["quantity"] - quantity)
            product["quantity"] = int(left) if float(left).is_integer() else left
            record.quantity, record.modified_at = left, now
            product["productUpdatedAt"] = _iso(now)
            record.save(update_fields=["data", "quantity", "modified_at"])
        unit_price = product["priceInMinorUnits"] if isinstance(product.get("priceInMinorUnits"), int) else 0
        total = int(round(unit_price * quantity))
        subtotal += total
        items.append(_sale_item(_uuid(data["orderId"], n), product, quantity, unit_price, total))
    fees = sum(fee.get("amount", 0) for fee in data.get("fees") or [])
    taxes = sum(item["tax"][0]["thisTaxInPennies"] for item in items)
    discounts = min(int(data.get("loyaltyPointsInPennies") or 0), subtotal)
    final = subtotal + taxes + fees - discounts
    customer = data.get("customer") or {}
    phone = _digits(customer.get("phone", ""))
    match = _customers(location).filter(phone=phone).first() if phone else None
    name = f"{customer.get('firstName', '')} {customer.get('lastName', '')}".strip()
    sale = {
        "id": str(uuid.uuid4()), "budtender": "Online Order", "budtenderId": "", "clientId": location.client_id,
        "createdAt": data["createdAt"], "completedOn": _iso(now), "currentPoints": 0,
        "customerId": data.get("customerId") or (match.external_id if match else ""),
        "customerType": "medCustomer" if customer.get("medId") else "recCustomer",
        "fulfilledBy": "Online Order", "fulfilledById": "", "fullName": name, "integratorId": "canopy",
        "itemsInCart": items, "locationId": location.location_id, "name": name, "orderId": data["orderId"],
        "orderStatus": "sold", "orderType": data.get("orderType") or "pickup", "originalSaleId": "",
        "payments": [{"_id": str(uuid.uuid4()), "paymentType": "cash", "amount": final, "cardId": "",
                      "loyaltyPoints": 0, "debitProvider": "", "balanceAfterPayment": 0}],
        "sentToFulfillmentBy": "Online Order", "sentToFulfillmentById": "",
        "totals": {"FinalTotal": final, "SubTotal": subtotal, "TotalDiscounts": discounts, "TotalFees": fees,
                   "TotalTaxes": taxes},
        "voided": False,
    }
    created = datetime.fromisoformat(data["createdAt"].replace("Z", "+00:00"))
    SandboxRecord.objects.create(location=location, kind=RecordKind.TRANSACTION, external_id=sale["id"], data=sale,
                                 phone=phone, occurred_at=created, modified_at=now)


def _sale_item(item_id: str, product: dict, quantity, unit_price: int, total: int) -> dict:
    """A Sale's itemsInCart entry (F1 src/types/orders-api.ts SaleItem); a 15% excise tax line."""
    tax = int(round(total * 0.15))
    cost = product.get("costInMinorUnits") if isinstance(product.get("costInMinorUnits"), int) else 0
    return {
        "id": item_id, "category": product["category"], "itemDiscounts": [],
        "parentProductId": product["parentProductId"], "productId": product["productId"],
        "productName": product["productName"], "quantity": quantity, "strainName": product["strainName"],
        "sku": product["sku"],
        "tax": [{"_id": _uuid("tax", "excise"), "name": "Excise Tax", "percentage": 15,
                 "calculateBeforeDiscounts": "false", "supplierSpecificTax": False, "excludeCustomerGroups": [],
                 "enableCostMarkup": False, "markupPercentage": 0, "thisTaxInPennies": tax, "appliesTo": "cannabis"}],
        "title1": product["productName"], "title2": product["variantName"], "totalCost": int(round(cost * quantity)),
        "totalPrice": total, "unitOfWeight": product["productUnitOfMeasure"], "unitPrice": unit_price,
        "unitCost": cost, "variantId": product["variantId"], "brand": product["brand"], "type": product["type"],
    }


ORDER_FIELDS = ("externalCreatedAt", "customer", "orderItems", "address", "customerId", "cartDiscountNote",
                "customerNote", "orderType", "requestedFulfillmentTimeStart", "requestedFulfillmentTimeEnd",
                "postbackUrl", "fees", "loyaltyPointsInPennies")


@bearer_endpoint
@transaction.atomic
def order_create(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "Method not allowed")
    body = json_body(request)
    if not isinstance(body, dict):
        return _error(400, "Body must be a JSON object")
    if message := _validate_order(location, body, partial=False):
        return _error(400, message)
    now = timezone.now()
    order_id = str(uuid.uuid4())
    customer = body["customer"]
    # customerExternalId echoes the integrator's customer.externalId, else the Flowhub customer matched by
    # phone, else a new id [I].
    phone = _digits(customer.get("phone", ""))
    match = _customers(location).filter(phone=phone).first() if phone else None
    external = customer.get("externalId") or (match.external_id if match else str(uuid.uuid4()))
    # locationId is kept (not served) so services.advance_order can find the stock to take a sale from.
    data = {"orderId": order_id, "customerExternalId": external, "status": "new", "locationId": location.location_id,
            "createdAt": _iso(now), "updatedAt": _iso(now),
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
        return _error(404, f"Order {order_id} not found")
    return JsonResponse(_order_out(record.data))


@bearer_endpoint
@transaction.atomic
def order_update(request: HttpRequest, location: SandboxLocation, order_id: str) -> HttpResponse:
    """PATCH /orders/{orderId}: the create fields, plus `status` (or `fulfilled: true` = "sold") to mark an
    order fulfilled (F3) [the status field is our choice; the reference only names UpdateOrderParams]."""
    if request.method != "PATCH":
        return _error(405, "Method not allowed")
    record = _order_record(location, order_id)
    if record is None:
        return _error(404, f"Order {order_id} not found")
    body = json_body(request)
    if not isinstance(body, dict):
        return _error(400, "Body must be a JSON object")
    status = "sold" if body.get("fulfilled") is True else body.get("status")
    if status is not None and status not in ALL_STATUSES:
        return _error(400, f"status must be one of {', '.join(ALL_STATUSES)}")
    data = record.data
    if data["status"] in ("sold", "deleted") and (status or any(name in body for name in ORDER_FIELDS)):
        return _error(400, f"Order {order_id} is already {data['status']} and cannot change")
    if message := _validate_order(location, body, partial=True):
        return _error(400, message)
    data.update({name: body[name] for name in ORDER_FIELDS if name in body})
    if status:
        data["status"] = status
        if status == "sold":
            _sell(location, data)
    record.modified_at = timezone.now()
    data["updatedAt"] = _iso(record.modified_at)
    record.save(update_fields=["data", "modified_at"])
    return JsonResponse(_order_out(data))


@bearer_endpoint
def order_postback(request: HttpRequest, location: SandboxLocation, order_id: str) -> HttpResponse:
    """Asks Flowhub to post the order's status to its postbackUrl: the sandbox answers 204 and calls nobody
    (tests never reach the internet); clients poll orderStatus instead."""
    if request.method != "POST":
        return _error(405, "Method not allowed")
    if _order_record(location, order_id) is None:
        return _error(404, f"Order {order_id} not found")
    return HttpResponse(status=204)


# --- the vendor class ----------------------------------------------------------------------------

class FlowhubSandbox(SandboxVendor):
    """Flowhub Maui: clientId + key data API (v0 inventory, v1 customers/orders) and Order Ahead."""

    vendor = "flowhub"
    path = "flowhub/"
    # The card's names (F1); order_ahead_token is the Order Ahead client secret.
    credential_fields = ("api_key", "location_id", "client_id", "order_ahead_client_id", "order_ahead_token")
    # What services.advance_order walks ("Flowhub ready", then the sale completes).
    order_statuses = ("new", "started", "ready", "sold")

    def configure_location(self, location: SandboxLocation, rng: random.Random) -> None:
        # Ids must be unique across locations, so they are random; the catalogue depends only on the seed.
        location.location_id = str(uuid.uuid4())
        location.client_id = str(uuid.uuid4())
        location.order_ahead_client_id = secrets.token_urlsafe(24)
        location.order_ahead_token = secrets.token_urlsafe(48)

    def reference_rows(self, location: SandboxLocation) -> dict[str, list[Row]]:
        # Flowhub's public API has no rooms endpoint; the records let the admin and tests name the rooms.
        rooms = [Row(external_id=rid, data={"roomId": rid, "roomName": name, "forSale": for_sale},
                     modified_at=timezone.now(), room_id=rid, position=i)
                 for i, (rid, (name, for_sale)) in enumerate(zip(room_ids(location.seed), ROOMS, strict=True))]
        return {RecordKind.ROOM: rooms}

    def product_row(self, location: SandboxLocation, spec: ProductSpec) -> Row:
        seed = location.seed
        product_id = _uuid(seed, spec.index, "product")
        strain_type = None
        if spec.strain_type:
            spellings = STRAIN_SPELLINGS[spec.strain_type]
            strain_type = spellings[spec.strain_spelling_index % len(spellings)]
        unit = "each" if spec.category == "Accessories" else INFUSED_UNITS.get(spec.category, "grams")
        weight = {"grams": spec.unit_weight_g, "milligrams": round(spec.unit_weight_g * 1000, 3),
                  "fluidounces": 12, "each": 1}[unit]
        price = spec.price_med if spec.index % 9 == 4 else spec.price_rec
        purchase = "med" if spec.index % 9 == 4 else ("both" if spec.price_med == spec.price_rec else "rec")
        tiers = None
        if spec.tier_kind == "Gram":
            # Our shape for gram tiers [I]: one entry per break, prices in pennies per gram.
            tiers = [{"name": f"{start:g}g", "gramAmount": start, "pricePerGramInMinorUnits": _pennies(per_gram),
                      "priceInMinorUnits": _pennies(start * per_gram)} for start, _end, per_gram in spec.tiers]
        sold_by_weight = spec.tier_kind == "Gram"
        size = f"{spec.unit_weight_g:g}g" if unit == "grams" else ("Each" if unit == "each" else f"{weight:g}mg")
        data = {
            "productId": product_id,
            "variantId": _uuid(seed, spec.index, "variant"),
            "variantName": size,
            "parentProductId": _uuid(seed, spec.index, "parent"),
            "parentProductName": f"{spec.brand.strip()} {spec.strain or spec.category}",
            "productName": spec.name,
            "productDescription": spec.description,
            # Flowhub has one picture field: the first image only (C7 gets at most one image from Flowhub).
            "productPictureURL": spec.images[0] if spec.images else None,
            "sku": spec.sku,
            "brand": spec.brand,
            "category": spec.category,
            "customCategoryName": spec.custom_category,
            # `type` is the item-level strain type; half the items leave it null, as the fixtures do (F6, F8).
            "type": strain_type if spec.strain_spelling_index % 2 == 0 else None,
            "speciesName": strain_type,
            "strainName": spec.strain,
            "quantity": spec.quantity,
            "locationId": location.location_id,
            "locationName": location.name,
            "clientId": location.client_id,
            "purchaseCategory": purchase,
            "priceInMinorUnits": _pennies(price),
            "preTaxPriceInPennies": _pennies(price),
            "postTaxPriceInPennies": _pennies(spec.price_otd),
            "costInMinorUnits": _pennies(spec.unit_cost),
            "currencyCode": "USD",
            "priceProfileName": "Default",
            "weightTierInformation": tiers,
            "isSoldByWeight": sold_by_weight,
            "isMixAndMatch": True if spec.tier_kind == "Quantity" else None,
            "isStackable": None,
            "productWeight": weight,
            "productUnitOfMeasure": unit,
            "productUnitOfMeasureToGramsMultiplier": {"grams": 1, "milligrams": 1000}.get(unit),
            "inventoryUnitOfMeasure": "grams" if sold_by_weight else "each",
            "inventoryUnitOfMeasureToGramsMultiplier": 1 if sold_by_weight else None,
            "cannabinoidInformation": self._cannabinoids(spec),
            "terpenes": [self._terpene(t) for t in spec.terpenes],
            "effects": spec.effects,
            "tags": ["Staff Pick"] if spec.custom_category == "Staff Picks" else [],
            "nutrients": None,
            "regulatoryId": f"1A40{seed % 10000:04d}0000{spec.index:012d}",
            "manifestId": f"1A40{seed % 10000:04d}0001{spec.index // 50:012d}",
            "invoiceNumber": None,
            "supplierName": f"{spec.brand.strip()} Wholesale",
            "expirationDate": _iso(spec.modified_at + timedelta(days=365)) if spec.infused else None,
            "createdAt": _iso(spec.modified_at - timedelta(days=30 + spec.index % 200)),
            "productUpdatedAt": _iso(spec.modified_at),
        }
        # Malformed records, as broken as real feeds get (the mapper must flag them, not crash).
        if spec.malformed == "missing_name":
            data["productName"] = None
            data["parentProductName"] = None
        elif spec.malformed == "negative_price":
            for name in ("priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies"):
                data[name] = -abs(data[name])
        elif spec.malformed == "text_quantity":
            data["quantity"] = f"{spec.quantity} units"
        elif spec.malformed == "null_category":
            data["category"] = None
        return Row(external_id=product_id, data=data, modified_at=spec.modified_at, quantity=spec.quantity,
                   room_id=room_ids(seed)[spec.room_index])

    @staticmethod
    def _cannabinoids(spec: ProductSpec) -> list[dict]:
        unit = spec.lab_unit
        # Edibles' mg come with the multiplier as a STRING "1000" (reference); % has none.
        multiplier = {"%": None, "mg/g": 1, "mg": "1000"}[unit]
        labs = []
        for name, value in (("thc", spec.thc), ("cbd", spec.cbd)):
            if value is not None:
                labs.append({"name": name, "lowerRange": value, "upperRange": value, "unitOfMeasure": unit,
                             "unitOfMeasureToGramsMultiplier": multiplier})
        return labs

    @staticmethod
    def _terpene(terpene) -> dict:
        if not terpene.known:
            name = terpene.name
        elif terpene.spelling_index == 2:
            name = TERPENES[terpene.name][2]  # a lab's spelling now and then ("Caryophyllene", "D-Limonene")
        else:
            name = FLOWHUB_TERPENES[terpene.name]
        return {"name": name, "lowerRange": terpene.value, "upperRange": terpene.value,
                "unitOfMeasure": terpene.unit,
                "unitOfMeasureToGramsMultiplier": {"%": None, "mg/g": 1, "mg": 1000}[terpene.unit]}

    def customer_row(self, location: SandboxLocation, spec: CustomerSpec) -> Row:
        customer_id = _uuid(location.seed, spec.index, "customer")
        city = STATE_PLACES[spec.state][0]
        data = {
            "id": customer_id,
            "createdAt": _iso(spec.created_at),
            "updatedAt": _iso(spec.modified_at),
            "type": "medCustomer" if spec.customer_type.startswith("Medical") else "recCustomer",
            "name": f"{spec.first_name} {spec.last_name}",
            "state": spec.state,
            "birthDate": spec.birth_date,
            "isLoyal": spec.loyalty_member,
            "loyaltyPoints": (spec.index * 37) % 900 if spec.loyalty_member else 0,
            "phone": spec.phone,
            "email": spec.email,
            "streetAddress1": f"{10 + spec.index % 990} {['Oak', 'Pine', 'Elm', 'Cedar'][spec.index % 4]} St",
            "streetAddress2": "" if spec.index % 5 else f"Apt {spec.index % 40 + 1}",
            "city": city,
            "zip": f"{80000 + spec.index % 999:05d}",
            "country": "US",
            "consentsToPromotionalEmail": spec.index % 3 != 0,
            "consentsToPromotionalSMS": spec.index % 4 != 0,
            "groups": [{"name": name} for name in spec.discount_groups],
        }
        return Row(external_id=customer_id, data=data, modified_at=spec.modified_at, phone=spec.phone,
                   email=spec.email, occurred_at=spec.created_at, position=spec.index)

    def transaction_row(self, location: SandboxLocation, spec: TransactionSpec,
                        customer: CustomerSpec, products: dict[int, Row]) -> Row:
        seed = location.seed
        items, subtotal, taxes = [], 0, 0
        for n, line in enumerate(spec.lines):
            product = products[line.product_index].data
            unit_price = _pennies(line.unit_price)
            total = unit_price * line.quantity
            sale_item = _sale_item(_uuid(seed, spec.transaction_id, n, "item"), product, line.quantity, unit_price,
                                   total)
            subtotal, taxes = subtotal + total, taxes + sale_item["tax"][0]["thisTaxInPennies"]
            items.append(sale_item)
        # Points redeemed at 1 point = 1 penny [I].
        discounts = min(int(spec.loyalty_spent), subtotal)
        final = subtotal + taxes - discounts
        payments = [{"_id": _uuid(seed, spec.transaction_id, "cash"), "paymentType": "cash", "amount": final,
                     "cardId": "", "loyaltyPoints": 0, "debitProvider": "", "balanceAfterPayment": 0}]
        if discounts:
            payments.append({"_id": _uuid(seed, spec.transaction_id, "loyalty"), "paymentType": "loyaltyPoints",
                             "amount": discounts, "cardId": "", "loyaltyPoints": spec.loyalty_spent,
                             "debitProvider": "", "balanceAfterPayment": 0})
        created = spec.occurred_at
        budtender = ["Alex Rivera", "Jo Chen", "Sam Ortiz"][spec.transaction_id % 3]
        data = {
            "id": _uuid(seed, spec.transaction_id, "sale"),
            "budtender": budtender,
            "budtenderId": _uuid(seed, budtender),
            "clientId": location.client_id,
            "createdAt": _iso(created),
            "completedOn": _iso(created + timedelta(minutes=4)),
            "currentPoints": int(spec.loyalty_earned),
            "customerId": _uuid(seed, customer.index, "customer"),
            "customerType": "medCustomer" if customer.customer_type.startswith("Medical") else "recCustomer",
            "fulfilledBy": budtender,
            "fulfilledById": _uuid(seed, budtender),
            "fullName": f"{customer.first_name} {customer.last_name}",
            "integratorId": "",
            "itemsInCart": items,
            "locationId": location.location_id,
            "name": f"{customer.first_name} {customer.last_name}",
            "orderId": str(spec.transaction_id),
            # Live data spells it lowercase (reference), though the spec's enum says "Sold".
            "orderStatus": "sold",
            "orderType": "inStore",
            "originalSaleId": "",
            "payments": payments,
            "sentToFulfillmentBy": budtender,
            "sentToFulfillmentById": _uuid(seed, budtender),
            "totals": {"FinalTotal": final, "SubTotal": subtotal, "TotalDiscounts": discounts, "TotalFees": 0,
                       "TotalTaxes": taxes},
            "voided": spec.voided,
        }
        return Row(external_id=data["id"], data=data, modified_at=created, occurred_at=created,
                   phone=customer.phone, position=spec.transaction_id)

    # --- changes ---------------------------------------------------------------------------------
    def set_price(self, data: dict, factor: float) -> None:
        for name in ("priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies"):
            if isinstance(data.get(name), int | float):
                data[name] = int(round(data[name] * factor))
        for tier in data.get("weightTierInformation") or []:
            tier["pricePerGramInMinorUnits"] = int(round(tier["pricePerGramInMinorUnits"] * factor))
            tier["priceInMinorUnits"] = int(round(tier["priceInMinorUnits"] * factor))

    def set_quantity(self, data: dict, quantity: float) -> None:
        data["quantity"] = int(quantity) if float(quantity).is_integer() else quantity

    def touch(self, data: dict, when: datetime) -> None:
        data["productUpdatedAt"] = _iso(when)

    def advance_order(self, data: dict) -> str:
        """new -> started -> ready ("Flowhub ready") -> sold; a sold order takes its items out of stock."""
        previous = data.get("status")
        # Delivery orders a client moved into inQueue/inTransit continue along that path [our choice];
        # unableToComplete, unableToVerify, deleted and sold are final.
        status = NEXT_STATUS.get(previous, previous if previous in ALL_STATUSES else "new")
        data["status"] = status
        if status == "sold" and previous != "sold":
            location = SandboxLocation.objects.filter(vendor=Vendor.FLOWHUB,
                                                      location_id=data.get("locationId", "")).first()
            if location is not None:
                _sell(location, data)
        data["updatedAt"] = _iso(timezone.now())
        return status

    # --- HTTP ------------------------------------------------------------------------------------
    def urlpatterns(self) -> list:
        loc = "v0/locations/<str:location_id>/"
        return [
            path("authTest", auth_test),
            path("health", health),
            path("v0/clientsLocations", clients_locations),
            path("v0/inventory", _inventory_view()),
            path("v0/inventoryNonZero", _inventory_view(non_zero=True)),
            path("v0/inventoryByRoomsNonZero", _inventory_view(non_zero=True, by_rooms=True)),
            path("v0/inventoryAnalytics", _inventory_view(analytics=True)),
            path("v0/inventoryAnalyticsByRooms", _inventory_view(analytics=True, by_rooms=True)),
            path(loc + "inventory", _inventory_view(per_location=True)),
            path(loc + "inventoryNonZero", _inventory_view(non_zero=True, per_location=True)),
            path(loc + "inventoryByRoomsNonZero", _inventory_view(non_zero=True, by_rooms=True, per_location=True)),
            # Capital "I" on the per-location analytics paths, as the reference spells them.
            path(loc + "InventoryAnalytics", _inventory_view(analytics=True, per_location=True)),
            path(loc + "InventoryAnalyticsByRooms", _inventory_view(analytics=True, by_rooms=True,
                                                                    per_location=True)),
            path("v1/customers/", customers_list),
            path("v1/customers/findByPhoneNumber", customer_by_phone),
            path("v1/customers/<str:customer_id>", customer_detail),
            path("v1/customer", customer_create),
            path("v1/customer/<str:customer_id>", customer_update),
            path("v1/orders/findByLocationId/<str:import_id_>", orders_by_location),
            path("v1/orders/findByCustomerId/<str:customer_id>", orders_by_customer),
            # The real token endpoint is https://flowhub.auth0.com/oauth/token; the card points here instead.
            path("oauth/token", oauth_token),
            path("order-ahead/v0/create", order_create),
            path("order-ahead/v0/orderStatus/<str:order_id>", order_status),
            path("orders/<str:order_id>", order_update),
            path("orderPostback/<str:order_id>", order_postback),
        ]
