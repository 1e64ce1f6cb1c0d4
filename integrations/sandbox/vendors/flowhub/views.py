"""Flowhub's v0 endpoints (auth test, health, locations, the inventory family) and the URL table of every
Flowhub endpoint. v0 wraps everything in `{"status": 200, "data": [...]}` and never paginates, so big
inventories are streamed; customers.py and orders.py hold the v1 and Order Ahead endpoints.
"""
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path

from ...faults import sandbox_endpoint, stream_json_array
from ...models import RecordKind, SandboxLocation, SandboxRecord
from .api import ERRORS, any_auth, client_locations_of, error_response, health_auth, key_endpoint
from .customers import customer_by_phone, customer_create, customer_detail, customer_update, customers_list
from .orders import (
    oauth_token,
    order_create,
    order_postback,
    order_status,
    order_update,
    orders_by_customer,
    orders_by_location,
)
from .reference import ROOMS, location_json, room_ids


# --- serving helpers ------------------------------------------------------------------------------
def _envelope(items) -> StreamingHttpResponse:
    """`{"status":200,"data":[...]}` written item by item (v0 has no pagination, so lists can be huge)."""
    inner = stream_json_array(items)

    def chunks():
        yield b'{"status":200,"data":'
        yield from inner.streaming_content
        yield b"}"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


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


# --- v0 endpoints ---------------------------------------------------------------------------------
@sandbox_endpoint(ERRORS, any_auth)
def auth_test(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return HttpResponse("Authenticated", content_type="text/plain")


@sandbox_endpoint(ERRORS, health_auth)
def health(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return HttpResponse("OK", content_type="text/plain")


@key_endpoint
def clients_locations(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse({"status": 200, "data": [location_json(loc) for loc in client_locations_of(location)]})


def _inventory_view(*, non_zero: bool = False, by_rooms: bool = False, analytics: bool = False,
                    per_location: bool = False):
    @key_endpoint
    def view(request: HttpRequest, location: SandboxLocation, location_id: str = "") -> HttpResponse:
        locations = client_locations_of(location)
        if per_location:
            locations = locations.filter(location_id=location_id)
            if not locations.exists():
                # Another client's location (or none at all) is not found for this key [our choice: 404].
                return error_response(404, f"Location {location_id} not found")
        include = request.GET.get("includesNotForSaleQuantity", "").lower() == "true"
        return _envelope(_inventory(locations, non_zero=non_zero, by_rooms=by_rooms, analytics=analytics,
                                    include_not_for_sale=include))

    return view


# --- URLs -----------------------------------------------------------------------------------------
LOC = "v0/locations/<str:location_id>/"  # the per-location v0 paths
urlpatterns = [
    path("authTest", auth_test),
    path("health", health),
    path("v0/clientsLocations", clients_locations),
    path("v0/inventory", _inventory_view()),
    path("v0/inventoryNonZero", _inventory_view(non_zero=True)),
    path("v0/inventoryByRoomsNonZero", _inventory_view(non_zero=True, by_rooms=True)),
    path("v0/inventoryAnalytics", _inventory_view(analytics=True)),
    path("v0/inventoryAnalyticsByRooms", _inventory_view(analytics=True, by_rooms=True)),
    path(LOC + "inventory", _inventory_view(per_location=True)),
    path(LOC + "inventoryNonZero", _inventory_view(non_zero=True, per_location=True)),
    path(LOC + "inventoryByRoomsNonZero", _inventory_view(non_zero=True, by_rooms=True, per_location=True)),
    # Capital "I" on the per-location analytics paths, as the reference spells them.
    path(LOC + "InventoryAnalytics", _inventory_view(analytics=True, per_location=True)),
    path(LOC + "InventoryAnalyticsByRooms", _inventory_view(analytics=True, by_rooms=True, per_location=True)),
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
