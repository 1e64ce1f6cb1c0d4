"""Dutchie's location, reference-data and catalogue endpoints, and the URL table of every Dutchie endpoint.

Paths, HTTP Basic auth, key roles and error bodies follow POS-APIS.md §1 and the official OpenAPI
document; customers.py and orders.py hold the customer and order endpoints.
"""
import base64

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from ...faults import sandbox_endpoint
from ...models import RecordKind, SandboxLocation
from .api import (
    ANY_ROLE,
    ERRORS,
    bad_params,
    bool_param,
    datetime_param,
    int_param,
    modified_between,
    param,
    records,
    role_endpoint,
    stream,
    stream_many,
)
from .customers import customer_edit, customer_search, customers, customers_paginated
from .orders import preorder_cancel, preorder_status, preorder_submit, preorder_update, transactions
from .reference import SELLABLE_ROOM_IDS, guid, number
from .render import OPEN_ORDER_STATUSES, packages


# --- location and reference data ------------------------------------------------------------------
@role_endpoint(ANY_ROLE)
def whoami(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse({
        "locationId": int(location.location_id), "lspId": 1000 + location.seed % 1000, "locationName": location.name,
        "lspName": "Sandbox Cannabis Co", "address": "1600 Sandbox Ave", "address2": None, "city": "Denver",
        "state": "CO", "postalCode": "80202", "licenseNumber": f"402R-{location.location_id}",
        "doingBusinessAs": location.name, "shareCustomerProfiles": False, "globalId": None,
        "locationGlobalId": guid("location", location.location_id), "lspGlobalId": guid("lsp", location.seed),
        "region": None, "regionId": None,
    })


@role_endpoint("Room")
@bad_params
def rooms(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    room_id, room_name = int_param(request, "roomId"), param(request, "roomName")
    found = [r for r in records(location, RecordKind.ROOM).values_list("data", flat=True)
             if (room_id is None or r["roomId"] == room_id)
             and (room_name is None or r["roomName"].lower() == room_name.lower())]
    return JsonResponse(found, safe=False)


@role_endpoint(ANY_ROLE)
def customer_types(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    hidden = set(location.hidden_customer_types or [])  # D2: types not shown for this location
    found = [t for t in records(location, RecordKind.CUSTOMER_TYPE).values_list("data", flat=True)
             if t["name"] not in hidden]
    return JsonResponse(found, safe=False)


@role_endpoint(ANY_ROLE)
def pricing_tiers(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse(list(records(location, RecordKind.PRICING_TIER).values_list("data", flat=True)), safe=False)


@role_endpoint("Inventory")
@bad_params
def discounts(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    include_inactive = bool_param(request, "includeInactive")
    include_restrictions = bool_param(request, "includeInclusionExclusionData")
    found = []
    for discount in records(location, RecordKind.DISCOUNT).values_list("data", flat=True):
        if not include_inactive and not discount["isActive"]:
            continue
        if not include_restrictions:
            for constraint in discount["constraints"] or []:
                constraint["restrictions"] = None
        found.append(discount)
    return JsonResponse(found, safe=False)


def _authorization_location(request: HttpRequest, apiKey: str = "", **kwargs) -> SandboxLocation | HttpResponse:
    """No auth: a sandbox location's key gets its fault switches; any other string is simply encoded."""
    location = SandboxLocation.objects.filter(vendor="dutchie", api_key=apiKey).first()
    return location or _authorization_answer(apiKey)


def _authorization_answer(api_key: str) -> HttpResponse:
    return JsonResponse("Basic " + base64.b64encode(f"{api_key}:".encode()).decode(), safe=False)


@sandbox_endpoint(ERRORS, _authorization_location)
def authorization_header(request: HttpRequest, location: SandboxLocation, apiKey: str) -> HttpResponse:
    return _authorization_answer(apiKey)


# --- products and inventory -----------------------------------------------------------------------
@role_endpoint("Inventory")
@bad_params
def products(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Only API-enabled, online-available products (`onlineAvailable`), in or out of stock."""
    is_active = bool_param(request, "isActive", default=None)
    queryset = modified_between(records(location, RecordKind.PRODUCT),
                                datetime_param(request, "fromLastModifiedDateUTC"), None)

    def render(data: dict) -> dict | None:
        product = data["product"]
        if not product.get("onlineAvailable") or (is_active is not None and product["isActive"] != is_active):
            return None
        return product

    return stream(queryset, render)


@role_endpoint("Reporting")
@bad_params
def reporting_products(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Every product, whatever its API/online flags."""
    queryset = modified_between(records(location, RecordKind.PRODUCT),
                                datetime_param(request, "fromLastModifiedDateUTC"), None)
    return stream(queryset, lambda data: data["product"])


def _sellable_rooms(location: SandboxLocation) -> set[int]:
    """Rooms whose stock /inventory counts. With Assign Rooms To Menus on (D14), only the rooms assigned
    to the menu count, so an empty assignment empties the feed although the key is good."""
    if not location.assign_rooms_to_menus:
        return SELLABLE_ROOM_IDS
    visible = set()
    for room_id in location.visible_room_ids or []:
        try:
            visible.add(int(room_id))
        except (TypeError, ValueError):
            continue
    return SELLABLE_ROOM_IDS & visible


@role_endpoint("Inventory")
@bad_params
def inventory(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Only API-enabled, active items with sellable stock, of products whose stock is above their
    low-inventory threshold (D13). One item per package: a product stocked as several packages has several
    items with its productId. The threshold is the product's (ProductDetail.lowInventoryThreshold), so it is
    held against the stock of all its packages together [our choice: Dutchie does not say]."""
    include_labs = bool_param(request, "includeLabResults")
    include_rooms = bool_param(request, "includeRoomQuantities")
    allowed = _sellable_rooms(location)
    queryset = records(location, RecordKind.PRODUCT).filter(quantity__gt=0)

    def render(data: dict) -> list[dict]:
        product = data["product"]
        if not product.get("onlineAvailable") or not product.get("isActive"):
            return []
        stocked = []  # per package: (it, its rooms with stock, those of them that count)
        for item in packages(data):
            rows = [r for r in item.get("roomQuantities") or [] if number(r["quantityAvailable"]) > 0]
            stocked.append((item, rows, [r for r in rows if r["roomId"] in allowed]))
        total = sum(number(r["quantityAvailable"]) for _, _, shown in stocked for r in shown)
        threshold = product.get("lowInventoryThreshold")
        if total <= 0 or (threshold is not None and total <= threshold):
            return []
        items = []
        for item, rows, shown in stocked:
            if not shown:
                continue
            out = dict(item)
            if len(shown) != len(rows):
                out["quantityAvailable"] = sum(number(r["quantityAvailable"]) for r in shown)
            out["roomQuantities"] = shown if include_rooms else []
            if not include_labs:
                out["labResults"] = []
            items.append(out)
        return items

    return stream_many(queryset, render)


def _allocated(location: SandboxLocation) -> dict[int, float]:
    """Quantities held by open pre-orders, per productId (allocatedQuantity)."""
    held: dict[int, float] = {}
    for order in records(location, RecordKind.ORDER).values_list("data", flat=True):
        if order["status"] in OPEN_ORDER_STATUSES:
            for line in order["_sandbox"]["lines"]:
                held[line["productId"]] = held.get(line["productId"], 0.0) + float(line["quantity"])
    return held


@role_endpoint("Reporting")
@bad_params
def reporting_inventory(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Every product's packages, in every room (quarantine included), with unitCost and allocatedQuantity."""
    include_labs = bool_param(request, "includeLabResults")
    include_rooms = bool_param(request, "includeRoomQuantities")
    include_allocated = bool_param(request, "includeAllocated")
    include_lineage = bool_param(request, "includeLineage")
    held = _allocated(location) if include_allocated else {}

    def render(data: dict) -> list[dict]:
        items = []
        for item in packages(data):
            # The product's allocation is shown once, on its own package [our choice].
            allocated = held.get(item["productId"], 0.0) if item is data["inventory"] else 0.0
            out = {"unitWeightUnit": item["unitWeightUnit"], "unitCost": data["product"]["unitCost"],
                   "allocatedQuantity": allocated if include_allocated else None, **item}
            if not include_rooms:
                out["roomQuantities"] = []
            if not include_labs:
                out["labResults"] = []
            if include_lineage:
                out["lineage"] = [{"packageId": item["packageId"], "antecedentPackageDistance": 1,
                                   "antecedentIsHarvest": True, "batchName": item["batchName"],
                                   "antecedentBatchName": f"H-{item['batchName']}"}]
            items.append(out)
        return items

    return stream_many(records(location, RecordKind.PRODUCT), render)


# --- URLs -----------------------------------------------------------------------------------------
urlpatterns = [
    path("whoami", whoami),
    path("products", products),
    path("reporting/products", reporting_products),
    path("inventory", inventory),
    path("reporting/inventory", reporting_inventory),
    path("room/rooms", rooms),
    path("customer/customer-types", customer_types),
    path("customer/customers", customers),
    path("customer/customers-paginated", customers_paginated),
    path("customer/customer", customer_edit),
    path("customer/search", customer_search),
    path("reporting/transactions", transactions),
    path("pricing-tiers", pricing_tiers),
    path("preorder/submit", preorder_submit),
    path("preorder/update", preorder_update),
    path("preorder/cancel", preorder_cancel),
    # ASP.NET routes ignore case; the documented spelling is "Status".
    path("preorder/Status", preorder_status),
    path("preorder/status", preorder_status),
    path("discounts/v2/list", discounts),
    path("util/AuthorizationHeader/<str:apiKey>", authorization_header),
]
