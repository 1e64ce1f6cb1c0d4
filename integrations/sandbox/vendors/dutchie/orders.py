"""Dutchie's sales and pre-order endpoints: /reporting/transactions and /preorder/*."""
from datetime import timedelta

from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import json_body
from ...models import RecordKind, SandboxLocation, SandboxRecord
from .api import (
    BadParam,
    bad_request,
    bool_param,
    datetime_param,
    int_param,
    modified_between,
    records,
    role_endpoint,
    stream,
)
from .reference import iso, money, number
from .render import OPEN_ORDER_STATUSES, TAX_RATE


# --- sales ----------------------------------------------------------------------------------------
def _validation_error(errors: list[tuple[str, str, object]]) -> JsonResponse:
    """/reporting/transactions' own 400 body: a FluentValidation ValidationResult."""
    return JsonResponse({"isValid": False, "errors": [
        {"propertyName": name, "errorMessage": message, "attemptedValue": value, "customState": None,
         "severity": 0, "errorCode": "PredicateValidator", "formattedMessagePlaceholderValues": None}
        for name, message, value in errors], "ruleSetsExecuted": []}, status=400)


@role_endpoint("Reporting")
def transactions(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Exactly one of: TransactionId | FromDateUTC+ToDateUTC | FromLastModifiedDateUTC+ToLastModifiedDateUTC."""
    try:
        transaction_id = int_param(request, "TransactionId")
        dates = (datetime_param(request, "FromDateUTC"), datetime_param(request, "ToDateUTC"))
        modified = (datetime_param(request, "FromLastModifiedDateUTC"),
                    datetime_param(request, "ToLastModifiedDateUTC"))
        flags = {name: bool_param(request, name) for name in ("IncludeDetail", "IncludeTaxes", "IncludeOrderIds",
                                                              "IncludeFeesAndDonations")}
    except BadParam as error:
        return _validation_error([(error.name, str(error), error.value)])
    forms = [transaction_id is not None, any(dates), any(modified)]
    if sum(forms) != 1:
        return _validation_error([("", "Provide exactly one of TransactionId, FromDateUTC and ToDateUTC, or "
                                       "FromLastModifiedDateUTC and ToLastModifiedDateUTC.", None)])
    for (start, end), names in ((dates, ("FromDateUTC", "ToDateUTC")),
                                (modified, ("FromLastModifiedDateUTC", "ToLastModifiedDateUTC"))):
        if any((start, end)) and not all((start, end)):
            missing = names[1] if start else names[0]
            return _validation_error([(missing, f"'{missing}' must not be empty.", None)])
        if start and end and start > end:
            return _validation_error([(names[0], f"'{names[0]}' must be before '{names[1]}'.", iso(start))])
    queryset = records(location, RecordKind.TRANSACTION)
    if transaction_id is not None:
        queryset = queryset.filter(external_id=str(transaction_id))
    elif any(dates):
        queryset = queryset.filter(occurred_at__gte=dates[0], occurred_at__lte=dates[1])
    else:
        queryset = modified_between(queryset, *modified)

    def render(data: dict) -> dict:
        if not flags["IncludeDetail"]:
            data["items"] = []
        elif not flags["IncludeTaxes"]:
            for item in data["items"]:
                item["taxes"] = []
        if not flags["IncludeTaxes"]:
            data["taxSummary"] = []
        if not flags["IncludeOrderIds"]:
            data["orderIds"] = []
        if not flags["IncludeFeesAndDonations"]:
            data["feesAndDonations"] = []
        return data

    return stream(queryset, render)


# --- pre-orders -----------------------------------------------------------------------------------
def _order_items(location: SandboxLocation, lines: list[dict], medical: bool) -> tuple[list[dict], float, float]:
    """AllocatedPreOrderItem rows and subtotal/tax from the products' current prices."""
    ids = [str(line["productId"]) for line in lines]
    found = {int(pid): data for pid, data in records(location, RecordKind.PRODUCT).filter(
        external_id__in=ids).values_list("external_id", "data")}
    items, subtotal = [], 0.0
    for line in lines:
        product = found[int(line["productId"])]["product"]
        unit = product["medPrice"] if medical and product["medPrice"] is not None else product["recPrice"]
        total = money(number(unit) * float(line["quantity"]))
        subtotal += total
        items.append({"productName": product["productName"], "quantity": float(line["quantity"]),
                      "totalPrice": total, "totalDiscount": 0.0, "totalTax": money(total * TAX_RATE)})
    return items, money(subtotal), money(subtotal * TAX_RATE)


def _check_lines(location: SandboxLocation, items) -> tuple[list[dict], list[tuple[str, str]]]:
    if not isinstance(items, list) or not items:
        return [], [("items", "At least one item is required.")]
    lines, errors = [], []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("productId"), int) \
                or not isinstance(item.get("quantity"), int | float) or item["quantity"] <= 0:
            errors.append((f"items[{n}]", "productId (int) and a positive quantity are required."))
            continue
        lines.append({"productId": item["productId"], "quantity": item["quantity"]})
    known = set(records(location, RecordKind.PRODUCT).filter(
        external_id__in=[str(line["productId"]) for line in lines]).values_list("external_id", flat=True))
    errors += [(f"items[{n}].productId", f"Product {line['productId']} was not found.")
               for n, line in enumerate(lines) if str(line["productId"]) not in known]
    return lines, errors


def _public_order(data: dict, include_items: bool) -> dict:
    out = {key: value for key, value in data.items() if key != "_sandbox"}
    if not include_items:
        out["items"] = None
    return out


def _customer(location: SandboxLocation, customer_id) -> dict | None:
    if not isinstance(customer_id, int):
        return None
    return records(location, RecordKind.CUSTOMER).filter(external_id=str(customer_id)).values_list(
        "data", flat=True).first()


@role_endpoint("PreOrder", method="POST")
def preorder_submit(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """CreatePreOrderRequest -> the new order's id (int32). The same ConsumerKey + idempotencyKey returns
    the first order's id again without creating another."""
    body = json_body(request)
    if not isinstance(body, dict):
        return bad_request("A non-empty request body is required.")
    consumer_key, idempotency_key = request.headers.get("ConsumerKey", ""), body.get("idempotencyKey")
    orders = records(location, RecordKind.ORDER)
    if idempotency_key:
        for order_id, data in orders.values_list("external_id", "data"):
            keys = data["_sandbox"]
            if keys["idempotencyKey"] == idempotency_key and keys["consumerKey"] == consumer_key:
                return JsonResponse(int(order_id), safe=False)
    customer = _customer(location, body.get("customerId"))
    errors = [] if customer else [("customerId", f"Customer {body.get('customerId')} was not found.")]
    lines, line_errors = _check_lines(location, body.get("items"))
    if errors + line_errors:
        return bad_request("One or more validation errors occurred.", errors + line_errors)
    now = timezone.now()
    last = SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER).aggregate(Max("position"))
    position = (last["position__max"] or 0) + 1
    order_id = 70_000 + position
    items, subtotal, tax = _order_items(location, lines, customer["customerType"].startswith("Medical"))
    data = {
        "preOrderId": order_id, "status": "Submitted", "transactionId": None, "orderDate": iso(now),
        "customerFirstName": customer["firstName"], "customerLastName": customer["lastName"],
        "customerId": customer["customerId"],
        "orderType": body.get("orderType") or ("Delivery" if body.get("isDelivery") else "Pickup"),
        "orderSource": body.get("orderSource") or "Web", "rejectedReason": None, "isCancellable": True,
        "isUpdateable": True, "total": money(subtotal + tax), "subTotal": subtotal, "totalTax": tax,
        "sourceSystem": "API", "items": items,
        # What the real API keeps but never shows in PreOrderStatus; stripped from every response.
        "_sandbox": {"consumerKey": consumer_key, "idempotencyKey": idempotency_key, "lines": lines,
                     "request": body},
    }
    SandboxRecord.objects.create(location=location, kind=RecordKind.ORDER, external_id=str(order_id), data=data,
                                 occurred_at=now, modified_at=now, position=position)
    return JsonResponse(order_id, safe=False)


def _order_record(location: SandboxLocation, order_id) -> SandboxRecord | None:
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        return None
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER, external_id=str(order_id)).first()


@role_endpoint("PreOrder", method="POST")
def preorder_update(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """UpdatePreOrderRequest: 200 with an empty body; 404 unknown order; 400 (empty body) when the order can
    no longer be updated (past Submitted [our choice]) or the items are invalid."""
    body = json_body(request)
    if not isinstance(body, dict):
        return HttpResponse(status=400)
    record = _order_record(location, body.get("orderId"))
    if record is None:
        return HttpResponse(status=404)
    data = record.data
    if not data["isUpdateable"]:
        return HttpResponse(status=400)
    if "items" in body:
        lines, errors = _check_lines(location, body["items"])
        if errors:
            return HttpResponse(status=400)
        customer = _customer(location, data["customerId"]) or {"customerType": "Recreational"}
        items, subtotal, tax = _order_items(location, lines, customer["customerType"].startswith("Medical"))
        data.update(items=items, subTotal=subtotal, totalTax=tax, total=money(subtotal + tax))
        data["_sandbox"]["lines"] = lines
    if body.get("orderSource"):
        data["orderSource"] = body["orderSource"]
    if "isDelivery" in body:
        data["orderType"] = "Delivery" if body["isDelivery"] else "Pickup"
    data["_sandbox"]["update"] = body
    record.modified_at = timezone.now()
    record.save(update_fields=["data", "modified_at"])
    return HttpResponse(status=200)


@role_endpoint("PreOrder", method="POST")
def preorder_cancel(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """{orderId, cancellationReason} -> 200 with an int32 (the order id [our choice: the spec does not say
    which int]); 404 unknown; 400 (empty body) once Complete or already Cancelled."""
    body = json_body(request)
    if not isinstance(body, dict):
        return HttpResponse(status=400)
    record = _order_record(location, body.get("orderId"))
    if record is None:
        return HttpResponse(status=404)
    data = record.data
    if data["status"] not in OPEN_ORDER_STATUSES:
        return HttpResponse(status=400)
    data.update(status="Cancelled", rejectedReason=body.get("cancellationReason"), isCancellable=False,
                isUpdateable=False)
    record.modified_at = timezone.now()
    record.save(update_fields=["data", "modified_at"])
    return JsonResponse(data["preOrderId"], safe=False)


@role_endpoint("PreOrder")
def preorder_status(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """With PreOrderId: that order's PreOrderStatus. Without: an array of the open orders of the last 14
    days [the array shape is our choice; D1 only says "all recent active orders"]. 400s have empty bodies."""
    try:
        order_id = int_param(request, "PreOrderId")
        include_items = bool_param(request, "includeLineItems")
    except BadParam:
        return HttpResponse(status=400)
    if order_id is None:
        if include_items:
            return HttpResponse(status=400)  # includeLineItems requires a PreOrderId
        since = timezone.now() - timedelta(days=14)
        found = [_public_order(data, False) for data in records(location, RecordKind.ORDER).filter(
            occurred_at__gte=since).values_list("data", flat=True) if data["status"] in OPEN_ORDER_STATUSES]
        return JsonResponse(found, safe=False)
    record = _order_record(location, order_id)
    if record is None:
        return HttpResponse(status=400)  # only 400 and 500 are documented for this operation
    return JsonResponse(_public_order(record.data, include_items))
