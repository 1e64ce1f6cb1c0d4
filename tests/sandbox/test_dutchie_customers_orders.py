"""Sandbox Dutchie POS over real HTTP: customers and their search (D2, L19, L24), transactions and their
validation errors, pre-orders (C4, C5, D7) and discounts (L16).

Field lists below are copied from the official OpenAPI schemas (POS-APIS.md §1 and its appendix).
"""
import pytest

from integrations.sandbox import generate, services
from integrations.sandbox.models import RecordKind, SandboxRecord
from tests.sandbox.dutchie_support import _auth, _get, _ok, _order_body, _post, _save

CUSTOMER = {
    "customerId", "uniqueId", "name", "firstName", "lastName", "middleName", "nameSuffix", "namePrefix", "address1",
    "address2", "city", "state", "postalCode", "phone", "cellPhone", "emailAddress", "status", "mmjidNumber",
    "mmjidExpirationDate", "lastModifiedDateUTC", "creationDate", "customerType", "gender", "driversLicenseHash",
    "dateOfBirth", "externalCustomerId", "createdByIntegrator", "isAnonymous", "referralSource",
    "otherReferralSource", "springBigMemberId", "customIdentifier", "discountGroups", "createdAtLocation", "notes",
    "isLoyaltyMember", "primaryQualifyingCondition", "secondaryQualifyingConditions", "mergedIntoCustomerId",
    "optedIntoMarketing", "loyaltyTier"}
TRANSACTION = {
    "transactionId", "customerId", "employeeId", "transactionDate", "voidDate", "isVoid", "subtotal",
    "totalDiscount", "totalBeforeTax", "tax", "tipAmount", "total", "paid", "changeDue", "totalItems",
    "terminalName", "checkInDate", "invoiceNumber", "isTaxInclusive", "transactionType", "loyaltyEarned",
    "loyaltySpent", "items", "discounts", "lastModifiedDateUTC", "cashPaid", "debitPaid", "electronicPaid",
    "electronicPaymentMethod", "checkPaid", "creditPaid", "giftPaid", "mmapPaid", "prePaymentAmount",
    "revenueFeesAndDonations", "nonRevenueFeesAndDonations", "feesAndDonations", "taxSummary",
    "returnOnTransactionId", "adjustmentForTransactionId", "orderType", "wasPreOrdered", "orderSource",
    "orderMethod", "invoiceName", "isReturn", "authCode", "customerTypeId", "isMedical", "orderIds", "totalCredit",
    "completedByUser", "responsibleForSaleUserId", "transactionDateLocalTime", "estTimeArrivalLocal",
    "estDeliveryDateLocal", "referenceId", "manualPayments", "manualPaid", "integratedPayments", "integratedPaid"}
TRANSACTION_ITEM = {
    "transactionId", "productId", "totalPrice", "quantity", "unitPrice", "unitCost", "packageId", "sourcePackageId",
    "totalDiscount", "inventoryId", "unitId", "unitWeight", "unitWeightUnit", "flowerEquivalent",
    "flowerEquivalentUnit", "discounts", "taxes", "returnDate", "isReturned", "returnedByTransactionId",
    "returnReason", "batchName", "transactionItemId", "vendor", "isCoupon"}
PRE_ORDER_STATUS = {"preOrderId", "status", "transactionId", "orderDate", "customerFirstName", "customerLastName",
                    "customerId", "orderType", "orderSource", "rejectedReason", "isCancellable", "isUpdateable",
                    "total", "subTotal", "totalTax", "sourceSystem", "items"}


# --- customers (D2, L*) -------------------------------------------------------------------------
def test_d2_customer_types_and_hidden_ones(sandbox, http):
    sb = sandbox("dutchie", products=1)
    types = _ok(http, sb, "customer/customer-types")
    assert all(set(t) == {"id", "name", "isMedical", "isRetail"} for t in types)
    assert [t["name"] for t in types] == ["Medical", "Medical - Out of State", "Recreational",
                                          "Recreational - Out of State"]
    _save(sb["location"], hidden_customer_types=["Medical - Out of State"])
    assert "Medical - Out of State" not in {t["name"] for t in _ok(http, sb, "customer/customer-types")}


def test_x1_customers_filters_and_anonymous(sandbox, http):
    sb = sandbox("dutchie", products=10, customers=120)
    customers = _ok(http, sb, "customer/customers")
    assert len(customers) == 120 and all(set(c) == CUSTOMER for c in customers)
    assert any(c["isAnonymous"] for c in customers)
    assert any(c["discountGroups"] for c in customers)
    assert any(c["mergedIntoCustomerId"] for c in customers)
    assert {c["customerType"] for c in customers} <= {"Medical", "Medical - Out of State", "Recreational",
                                                      "Recreational - Out of State"}
    named = _ok(http, sb, "customer/customers", includeAnonymous="false")
    assert len(named) == len([c for c in customers if not c["isAnonymous"]])
    one = customers[7]
    assert _ok(http, sb, "customer/customers", customerID=one["customerId"]) == [one]
    assert _ok(http, sb, "customer/customers", uniqueId=one["uniqueId"]) == [one]
    assert _get(http, sb, "customer/customers", customerID=1).status_code == 404
    cutoff = sorted(c["lastModifiedDateUTC"] for c in customers)[60]
    newer = _ok(http, sb, "customer/customers", fromLastModifiedDateUTC=cutoff)
    older = _ok(http, sb, "customer/customers", toLastModifiedDateUTC=cutoff)
    assert all(c["lastModifiedDateUTC"] >= cutoff for c in newer)
    assert all(c["lastModifiedDateUTC"] <= cutoff for c in older)
    assert len(newer) + len(older) == 121  # the customer at the cutoff is in both


def test_x1_customers_paginated_is_zero_based_and_ends_with_empty_page(sandbox, http):
    sb = sandbox("dutchie", products=10, customers=45)
    seen, page = [], 0
    while batch := _ok(http, sb, "customer/customers-paginated", PageNumber=page, PageSize=20):
        seen += batch
        page += 1
    assert page == 3 and len(seen) == 45
    assert [c["customerId"] for c in seen] == [c["customerId"] for c in _ok(http, sb, "customer/customers")]
    assert len(_ok(http, sb, "customer/customers-paginated")) == 45  # default PageSize 1000
    bad = _get(http, sb, "customer/customers-paginated", PageSize=10_001)
    assert bad.status_code == 400 and set(bad.json()) == {"message", "propertyErrors"}


def test_l19_create_and_update_customer(sandbox, http):
    sb = sandbox("dutchie", products=5, customers=20)
    missing = _post(http, sb, "customer/customer", {"firstName": "Ada"})
    assert missing.status_code == 400
    body = missing.json()
    assert set(body) == {"message", "propertyErrors"}
    assert {e["propertyName"] for e in body["propertyErrors"]} == {"address1", "city", "state", "postalCode",
                                                                   "status", "customerType"}
    new = {"customerId": None, "firstName": "Ada", "lastName": "Lovelace", "address1": "1 Analytical Way",
           "city": "Denver", "state": "CO", "postalCode": "80202", "status": "Active",
           "customerType": "Recreational", "phone": "7205550100", "emailAddress": "ada@example.com"}
    created = _post(http, sb, "customer/customer", new, headers={"ConsumerKey": "c0ffee"}).json()
    assert set(created) == CUSTOMER and created["customerId"] > 0 and created["firstName"] == "Ada"
    updated = _post(http, sb, "customer/customer", {**new, "customerId": created["customerId"],
                                                    "emailAddress": "ada@lovelace.dev"}).json()
    assert updated["customerId"] == created["customerId"] and updated["emailAddress"] == "ada@lovelace.dev"
    listed = _ok(http, sb, "customer/customers", customerID=created["customerId"])
    assert listed[0]["emailAddress"] == "ada@lovelace.dev"
    unknown = _post(http, sb, "customer/customer", {**new, "customerId": 999_999})
    assert unknown.status_code == 404 and isinstance(unknown.json(), str)


def test_l24_customer_search_by_each_criterion(sandbox, http):
    sb = sandbox("dutchie", products=5, customers=40)
    customers = [c for c in _ok(http, sb, "customer/customers") if not c["isAnonymous"]]
    target = next(c for c in customers if c["mmjidNumber"])
    by_phone = _post(http, sb, "customer/search", {"phone": f"({target['phone'][:3]}) {target['phone'][3:6]}-"
                                                            f"{target['phone'][6:]}"}).json()
    assert [r["customerId"] for r in by_phone] == [target["customerId"]]
    assert set(by_phone[0]) == CUSTOMER | {"matchType"}
    assert by_phone[0]["matchType"] == "Phone"
    by_email = _post(http, sb, "customer/search", {"emailAddress": target["emailAddress"].upper()}).json()
    assert by_email[0]["customerId"] == target["customerId"]
    both = _post(http, sb, "customer/search", {"mmjidNumber": target["mmjidNumber"],
                                               "lastName": target["lastName"],
                                               "dateOfBirth": target["dateOfBirth"]}).json()
    assert {r["matchType"] for r in both if r["customerId"] == target["customerId"]} == {"MMJID",
                                                                                        "LastNameDateOfBirth"}
    assert _post(http, sb, "customer/search", {"phone": "0000000000"}).json() == []
    empty = _post(http, sb, "customer/search", {})
    assert empty.status_code == 400 and set(empty.json()) == {"message", "propertyErrors"}


# --- transactions -------------------------------------------------------------------------------
def test_x1_transactions_query_forms(sandbox, http):
    sb = sandbox("dutchie", products=20)
    every = _ok(http, sb, "reporting/transactions", FromDateUTC="2020-01-01T00:00:00Z",
                ToDateUTC="2030-01-01T00:00:00Z")
    assert every and all(set(t) == TRANSACTION for t in every)
    assert all(t["items"] == [] for t in every)
    detailed = _ok(http, sb, "reporting/transactions", FromDateUTC="2020-01-01T00:00:00Z",
                   ToDateUTC="2030-01-01T00:00:00Z", IncludeDetail="true")
    assert all(t["items"] and all(set(i) == TRANSACTION_ITEM for i in t["items"]) for t in detailed)
    one = every[3]
    assert _ok(http, sb, "reporting/transactions", TransactionId=one["transactionId"]) == [one]
    since = sorted(t["lastModifiedDateUTC"] for t in every)[len(every) // 2]
    modified = _ok(http, sb, "reporting/transactions", FromLastModifiedDateUTC=since,
                   ToLastModifiedDateUTC="2030-01-01T00:00:00Z")
    assert modified and all(t["lastModifiedDateUTC"] >= since for t in modified) and len(modified) < len(every)
    window = _ok(http, sb, "reporting/transactions", FromDateUTC="2026-10-01T00:00:00Z",
                 ToDateUTC="2026-11-02T00:00:00Z")
    assert all("2026-10-01" <= t["transactionDate"][:10] <= "2026-11-02" for t in window)


@pytest.mark.parametrize("params", [
    {},
    {"TransactionId": 900000, "FromDateUTC": "2026-01-01", "ToDateUTC": "2026-02-01"},
    {"FromDateUTC": "2026-01-01"},
    {"FromLastModifiedDateUTC": "2026-01-01", "ToLastModifiedDateUTC": "2026-02-01", "FromDateUTC": "2026-01-01",
     "ToDateUTC": "2026-02-01"},
    {"TransactionId": "abc"},
])
def test_x1_transactions_validation_result_400(sandbox, http, params):
    sb = sandbox("dutchie", products=3)
    response = _get(http, sb, "reporting/transactions", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["isValid"] is False and body["ruleSetsExecuted"] == [] and body["errors"]
    assert set(body["errors"][0]) == {"propertyName", "errorMessage", "attemptedValue", "customState", "severity",
                                      "errorCode", "formattedMessagePlaceholderValues"}


# --- pre-orders (C4, C5, D7) --------------------------------------------------------------------
def test_c4_d7_preorder_lifecycle(sandbox, http):
    sb = sandbox("dutchie", products=30)
    location = sb["location"]
    body = _order_body(http, sb)
    headers = {"ConsumerKey": "3f1c5e0e-6d8a-4c36-9a53-7d1d2d3c4b5a"}
    response = _post(http, sb, "preorder/submit", body, headers=headers)
    assert response.status_code == 200
    order_id = response.json()
    assert isinstance(order_id, int)
    # Idempotency: the same key gives the same order, not a second one.
    assert _post(http, sb, "preorder/submit", body, headers=headers).json() == order_id
    assert SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER).count() == 1
    other = _post(http, sb, "preorder/submit", {**body, "idempotencyKey": "order-2"}, headers=headers).json()
    assert other != order_id

    status = _ok(http, sb, "preorder/Status", PreOrderId=order_id, includeLineItems="true")
    assert set(status) == PRE_ORDER_STATUS
    assert status["status"] == "Submitted" and status["isCancellable"] and status["isUpdateable"]
    assert status["items"][0]["quantity"] == 2
    assert set(status["items"][0]) == {"productName", "quantity", "totalPrice", "totalDiscount", "totalTax"}
    assert _ok(http, sb, "preorder/Status", PreOrderId=order_id)["items"] is None
    open_orders = _ok(http, sb, "preorder/Status")
    assert {o["preOrderId"] for o in open_orders} == {order_id, other}

    update = _post(http, sb, "preorder/update", {"orderId": order_id, "customerId": body["customerId"],
                                                 "items": [{**body["items"][0], "quantity": 3}]})
    assert update.status_code == 200 and update.content == b""
    assert _ok(http, sb, "preorder/Status", PreOrderId=order_id, includeLineItems="true")["items"][0]["quantity"] == 3
    report = {i["productId"]: i for i in _ok(http, sb, "reporting/inventory", includeAllocated="true")}
    assert report[body["items"][0]["productId"]]["allocatedQuantity"] == 5  # 3 + 2 held by the two open orders

    # No HTTP endpoint advances an order (Dutchie has none); the operator does it through services.
    assert services.advance_order(location, str(order_id)) == "Processing"
    assert _post(http, sb, "preorder/update", {"orderId": order_id, "items": body["items"]}).status_code == 400
    assert services.advance_order(location, str(order_id)) == "Filled"  # Dutchie's Notify -> Ready for Pickup
    assert _ok(http, sb, "preorder/Status", PreOrderId=order_id)["status"] == "Filled"
    assert services.advance_order(location, str(order_id)) == "Complete"
    done = _ok(http, sb, "preorder/Status", PreOrderId=order_id)
    assert done["status"] == "Complete" and done["transactionId"] and not done["isCancellable"]
    assert services.advance_order(location, str(order_id)) == "Complete"
    assert _post(http, sb, "preorder/cancel", {"orderId": order_id, "cancellationReason": "late"}).status_code == 400
    assert {o["preOrderId"] for o in _ok(http, sb, "preorder/Status")} == {other}

    cancelled = _post(http, sb, "preorder/cancel", {"orderId": other, "cancellationReason": "Customer asked"})
    assert cancelled.status_code == 200 and cancelled.json() == other
    gone = _ok(http, sb, "preorder/Status", PreOrderId=other)
    assert gone["status"] == "Cancelled" and gone["rejectedReason"] == "Customer asked"
    assert services.advance_order(location, str(other)) == "Cancelled"
    assert _ok(http, sb, "preorder/Status") == []


def test_c4_preorder_errors(sandbox, http):
    sb = sandbox("dutchie", products=10)
    body = _order_body(http, sb)
    bad_customer = _post(http, sb, "preorder/submit", {**body, "customerId": 1})
    assert bad_customer.status_code == 400 and set(bad_customer.json()) == {"message", "propertyErrors"}
    bad_product = _post(http, sb, "preorder/submit", {**body, "items": [{"productId": 1, "quantity": 1}]})
    assert bad_product.status_code == 400
    assert _post(http, sb, "preorder/cancel", {"orderId": 12345}).status_code == 404
    update = _post(http, sb, "preorder/update", {"orderId": 12345, "items": body["items"]})
    assert update.status_code == 404 and update.content == b""
    assert _get(http, sb, "preorder/Status", includeLineItems="true").status_code == 400
    unknown = _get(http, sb, "preorder/Status", PreOrderId=12345)
    assert unknown.status_code == 400 and unknown.content == b""
    assert http.get(sb["base_url"] + "preorder/submit", auth=_auth(sb), timeout=10).status_code == 405


def test_l16_discounts_include_a_discount_group(sandbox, http):
    sb = sandbox("dutchie", products=1)
    active = _ok(http, sb, "discounts/v2/list")
    everything = _ok(http, sb, "discounts/v2/list", includeInactive="true", includeInclusionExclusionData="true")
    assert len(everything) == len(active) + 1 and all(d["isActive"] for d in active)
    group = next(d for d in active if d["restrictToGroupIds"])
    assert group["onlineName"] == "Veterans 15% Off"
    assert group["restrictToGroupIds"] == [generate.DISCOUNT_GROUPS.index("Veterans") + 1]
    assert any(c["restrictions"] for d in everything for c in d["constraints"])
    assert not any(c["restrictions"] for d in active for c in d["constraints"])
