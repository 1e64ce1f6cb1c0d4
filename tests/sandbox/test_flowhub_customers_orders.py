"""Sandbox Flowhub (Maui) over real HTTP: v1 customers and sales with the v1 date-format 404, and Order Ahead
(F2-F4): token, create, status, fulfil."""
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.sandbox import services
from integrations.sandbox.models import RecordKind, SandboxRecord, SandboxToken
from tests.sandbox.flowhub_support import data, get, headers, token_for

CUSTOMER_KEYS = {"id", "createdAt", "updatedAt", "type", "name", "state", "birthDate", "isLoyal", "loyaltyPoints",
                 "phone", "email", "streetAddress1", "streetAddress2", "city", "zip", "country",
                 "consentsToPromotionalEmail", "consentsToPromotionalSMS", "groups"}
SALE_KEYS = {"id", "budtender", "budtenderId", "clientId", "createdAt", "completedOn", "currentPoints", "customerId",
             "customerType", "fulfilledBy", "fulfilledById", "fullName", "integratorId", "itemsInCart", "locationId",
             "name", "orderId", "orderStatus", "orderType", "originalSaleId", "payments", "sentToFulfillmentBy",
             "sentToFulfillmentById", "totals", "voided"}
SALE_ITEM_KEYS = {"id", "category", "itemDiscounts", "parentProductId", "productId", "productName", "quantity",
                  "strainName", "sku", "tax", "title1", "title2", "totalCost", "totalPrice", "unitOfWeight",
                  "unitPrice", "unitCost", "variantId", "brand", "type"}


def order_body(product_id, **overrides) -> dict:
    body = {
        "externalCreatedAt": "2026-11-20T18:00:00Z",
        "customer": {"firstName": "Ava", "lastName": "Smith", "birthDate": "1990-01-02", "externalId": "canopy-42",
                     "email": "ava@example.com", "phone": "+13035550142", "medRecOrBoth": "rec"},
        "orderItems": [{"productId": product_id, "quantityPurchased": 2, "discountNote": ""}],
        "address": {"street1": "1 Main St", "street2": "", "city": "Denver", "state": "CO", "zip": "80202"},
        "customerNote": "Leave at the side door, ring twice",
        "orderType": "delivery",
        "fees": [{"name": "Delivery fee", "amount": 500}],
    }
    body.update(overrides)
    return body


# --- v1 customers and orders ----------------------------------------------------------------------

def test_x1_customers_list_shape_paging_and_order(sandbox, http):
    box = sandbox("flowhub", products=10, customers=30)
    body = get(http, box, "v1/customers/", params={"page": 1, "page_size": 10}).json()
    assert set(body) == {"total", "customers"} and body["total"] == 30 and len(body["customers"]) == 10
    assert all(set(c) == CUSTOMER_KEYS for c in body["customers"])
    assert {c["type"] for c in body["customers"]} <= {"medCustomer", "recCustomer"}
    everyone = get(http, box, "v1/customers/", params={"page_size": 100}).json()["customers"]
    pages = [c for page in (1, 2, 3) for c in
             get(http, box, "v1/customers/", params={"page": page, "page_size": 10}).json()["customers"]]
    assert [c["id"] for c in pages] == [c["id"] for c in everyone]
    created = [c["createdAt"] for c in everyone]
    assert created == sorted(created)
    desc = get(http, box, "v1/customers/", params={"order_by": "desc", "page_size": 100}).json()["customers"]
    assert [c["id"] for c in desc] == [c["id"] for c in reversed(everyone)]
    cutoff = sorted(created)[15][:10]
    after = get(http, box, "v1/customers/", params={"created_after": cutoff, "page_size": 100}).json()
    assert 0 < after["total"] < 30 and all(c["createdAt"][:10] >= cutoff for c in after["customers"])
    updated = get(http, box, "v1/customers/", params={"updated_before": cutoff, "page_size": 100}).json()
    assert 0 < updated["total"] < 30


@pytest.mark.parametrize("param", ["created_after", "created_before", "updated_after", "updated_before"])
def test_x1_full_timestamp_dates_answer_404_format_message(sandbox, http, param):
    box = sandbox("flowhub", products=5)
    response = get(http, box, "v1/customers/", params={param: "2026-01-01T00:00:00Z"})
    assert response.status_code == 404 and "must be in format yyyy-mm-dd" in response.text
    if param.startswith("created"):
        import_id = data(get(http, box, "v0/clientsLocations"))[0]["importId"]
        response = get(http, box, f"v1/orders/findByLocationId/{import_id}", params={param: "2026-01-01T10:00"})
        assert response.status_code == 404 and "must be in format yyyy-mm-dd" in response.text


def test_x1_customer_by_id_by_phone_create_and_update(sandbox, http):
    box = sandbox("flowhub", products=5)
    store_id = box["credentials"]["location_id"]
    first = get(http, box, "v1/customers/").json()["customers"][0]
    one = get(http, box, f"v1/customers/{first['id']}")
    assert one.json() == first
    with_store = get(http, box, f"v1/customers/{first['id']}", params={"store_id": store_id}).json()
    assert set(with_store) == CUSTOMER_KEYS | {"loyaltyPointsInPennies"}
    assert get(http, box, "v1/customers/no-such-id").status_code == 404
    by_phone = get(http, box, "v1/customers/findByPhoneNumber", params={"phone_number": first["phone"]})
    assert by_phone.json()["id"] == first["id"]
    assert get(http, box, "v1/customers/findByPhoneNumber", params={"phone_number": "9999999999"}).status_code == 404

    url = box["base_url"] + "v1/customer"
    new = {"birthDate": "1988-03-04", "name": "Wren Hall", "state": "CO", "type": "medCustomer",
           "phone": "(720) 555-0199", "email": "wren@example.com", "medId": "MMJ123", "medIdExpiration": "2027-01-01",
           "groups": [{"groupId": "unknown-group"}]}
    assert http.post(url, json=new, headers=headers(box), timeout=10).status_code == 400  # store_id required
    refused = http.post(url, params={"store_id": store_id}, json={"name": "No Birthdate"}, headers=headers(box),
                        timeout=10)
    assert refused.status_code == 400 and "birthDate" in refused.json()["message"]
    created = http.post(url, params={"store_id": store_id}, json=new, headers=headers(box), timeout=10)
    assert created.status_code == 200 and set(created.json()) == CUSTOMER_KEYS | {"loyaltyPointsInPennies"}
    customer_id = created.json()["id"]
    found = get(http, box, "v1/customers/findByPhoneNumber", params={"phone_number": "+17205550199"}).json()
    assert found["id"] == customer_id and found["type"] == "medCustomer"
    updated = http.put(f"{url}/{customer_id}", params={"store_id": store_id}, json={"isLoyal": True, "city": "Boulder"},
                       headers=headers(box), timeout=10)
    assert updated.status_code == 200 and updated.json()["city"] == "Boulder" and updated.json()["isLoyal"] is True
    assert get(http, box, f"v1/customers/{customer_id}").json()["city"] == "Boulder"
    assert http.put(f"{url}/nobody", params={"store_id": store_id}, json={}, headers=headers(box),
                    timeout=10).status_code == 404


def test_x1_orders_by_location_and_customer(sandbox, http):
    box = sandbox("flowhub", products=30)
    import_id = data(get(http, box, "v0/clientsLocations"))[0]["importId"]
    body = get(http, box, f"v1/orders/findByLocationId/{import_id}", params={"page_size": 1000}).json()
    assert set(body) == {"total", "orders"} and body["total"] == len(body["orders"]) > 0
    sale = body["orders"][0]
    assert set(sale) == SALE_KEYS and set(sale["totals"]) == {"FinalTotal", "SubTotal", "TotalDiscounts",
                                                               "TotalFees", "TotalTaxes"}
    assert all(set(item) == SALE_ITEM_KEYS for order in body["orders"] for item in order["itemsInCart"])
    assert {order["orderStatus"] for order in body["orders"]} == {"sold"}
    inventory_ids = {item["productId"] for item in data(get(http, box, "v0/inventory"))} | {
        item["productId"] for item in data(get(http, box, "v0/inventoryAnalytics",
                                               params={"includesNotForSaleQuantity": "true"}))}
    assert all(item["productId"] in inventory_ids for order in body["orders"] for item in order["itemsInCart"])
    paged = get(http, box, f"v1/orders/findByLocationId/{import_id}", params={"page_size": 2, "page": 2}).json()
    assert paged["total"] == body["total"] and [o["id"] for o in paged["orders"]] == [
        o["id"] for o in body["orders"][2:4]]
    mine = get(http, box, f"v1/orders/findByCustomerId/{sale['customerId']}").json()
    assert mine["total"] >= 1 and all(o["customerId"] == sale["customerId"] for o in mine["orders"])
    assert get(http, box, "v1/orders/findByLocationId/not-an-import-id").status_code == 404


# --- Order Ahead ------------------------------------------------------------------------------------

def test_x1_oauth_token_shape_and_refusals(sandbox, http):
    box = sandbox("flowhub", products=5)
    creds = box["credentials"]
    url = box["base_url"] + "oauth/token"
    good = {"client_id": creds["order_ahead_client_id"], "client_secret": creds["order_ahead_token"],
            "audience": "https://api.flowhub.co/", "grant_type": "client_credentials"}
    body = http.post(url, json=good, timeout=10).json()
    assert set(body) == {"access_token", "scope", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == box["location"].token_ttl_seconds
    wrong = http.post(url, json={**good, "client_secret": "nope"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "access_denied"
    assert http.post(url, json={**good, "grant_type": "password"}, timeout=10).status_code == 403


def test_f2_f3_order_ahead_create_status_and_fulfil(sandbox, http):
    box = sandbox("flowhub", products=40)
    location = box["location"]
    product = next(item for item in data(get(http, box, "v0/inventoryNonZero"))
                   if isinstance(item["quantity"], int) and item["quantity"] >= 2)
    bearer = {"Authorization": f"Bearer {token_for(http, box)}"}
    created = http.post(box["base_url"] + "order-ahead/v0/create", json=order_body(product["productId"]),
                        headers=bearer, timeout=10)
    assert created.status_code == 200, created.text
    assert set(created.json()) == {"customerExternalId", "orderId", "status"}
    assert created.json()["status"] == "new" and created.json()["customerExternalId"] == "canopy-42"
    order_id = created.json()["orderId"]
    # F2: delivery notes and fees arrive with the order.
    stored = SandboxRecord.objects.get(location=location, kind=RecordKind.ORDER, external_id=order_id).data
    assert stored["customerNote"] == "Leave at the side door, ring twice"
    assert stored["fees"] == [{"name": "Delivery fee", "amount": 500}]
    status_url = box["base_url"] + f"order-ahead/v0/orderStatus/{order_id}"
    assert http.get(status_url, headers=bearer, timeout=10).json()["status"] == "new"
    # The operator's "advance order" walks new -> started -> ready ("Flowhub ready") -> sold.
    walked = [services.advance_order(location, order_id) for _ in range(2)]
    assert walked == ["started", "ready"]
    assert http.get(status_url, headers=bearer, timeout=10).json()["status"] == "ready"
    # F3: the pushed order is marked fulfilled; the sale takes its items out of stock.
    patched = http.patch(box["base_url"] + f"orders/{order_id}", json={"fulfilled": True}, headers=bearer, timeout=10)
    assert patched.status_code == 200 and patched.json()["status"] == "sold"
    after = next(item for item in data(get(http, box, "v0/inventory")) if item["productId"] == product["productId"])
    assert after["quantity"] == product["quantity"] - 2
    again = http.patch(box["base_url"] + f"orders/{order_id}", json={"status": "started"}, headers=bearer, timeout=10)
    assert again.status_code == 400
    assert http.post(box["base_url"] + f"orderPostback/{order_id}", headers=bearer, timeout=10).status_code == 204
    # The sold order is now a sale the loyalty side can pull, fees included (F2).
    import_id = data(get(http, box, "v0/clientsLocations"))[0]["importId"]
    sales = get(http, box, f"v1/orders/findByLocationId/{import_id}", params={"order_by": "desc"}).json()["orders"]
    sale = next(sale for sale in sales if sale["orderId"] == order_id)
    assert set(sale) == SALE_KEYS and sale["orderType"] == "delivery" and sale["totals"]["TotalFees"] == 500
    assert [(item["productId"], item["quantity"]) for item in sale["itemsInCart"]] == [(product["productId"], 2)]


def test_x1_order_ahead_patch_status_and_advance_to_sold(sandbox, http):
    box = sandbox("flowhub", products=20)
    product = data(get(http, box, "v0/inventory"))[0]
    bearer = {"Authorization": f"Bearer {token_for(http, box)}"}
    body = order_body(100000 + 0, orderType="pickup", address=None)  # the numeric productId form
    order_id = http.post(box["base_url"] + "order-ahead/v0/create", json=body, headers=bearer, timeout=10).json()[
        "orderId"]
    url = box["base_url"] + f"orders/{order_id}"
    assert http.patch(url, json={"status": "inQueue"}, headers=bearer, timeout=10).json()["status"] == "inQueue"
    assert http.patch(url, json={"status": "nonsense"}, headers=bearer, timeout=10).status_code == 400
    assert http.patch(url, json={"customerNote": "Running late"}, headers=bearer, timeout=10).status_code == 200
    walked = [services.advance_order(box["location"], order_id) for _ in range(3)]
    assert walked == ["inTransit", "delivered", "sold"]
    after = data(get(http, box, "v0/inventory"))[0]
    assert after["productId"] == product["productId"]
    if isinstance(product["quantity"], int):
        assert after["quantity"] == max(0, product["quantity"] - 2)


@pytest.mark.parametrize("customer", [
    {"firstName": "No", "lastName": "Contact"},
    {"firstName": "Blank", "lastName": "Both", "phone": "", "medId": ""},
])
def test_f4_order_without_medical_id_or_phone_is_refused_whole(sandbox, http, customer):
    box = sandbox("flowhub", products=10)
    product = data(get(http, box, "v0/inventory"))[0]
    bearer = {"Authorization": f"Bearer {token_for(http, box)}"}
    response = http.post(box["base_url"] + "order-ahead/v0/create",
                         json=order_body(product["productId"], customer=customer), headers=bearer, timeout=10)
    assert response.status_code == 400
    assert "medical ID" in response.json()["message"] and "phone" in response.json()["message"]
    assert not SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.ORDER).exists()


def test_f4_medical_id_alone_is_enough_and_bad_orders_are_refused(sandbox, http):
    box = sandbox("flowhub", products=10)
    product = data(get(http, box, "v0/inventory"))[0]
    bearer = {"Authorization": f"Bearer {token_for(http, box)}"}
    url = box["base_url"] + "order-ahead/v0/create"
    med_only = {"firstName": "Med", "lastName": "Only", "medId": "MMJ0001", "medExp": "2027-05-01",
                "medRecOrBoth": "med"}
    assert http.post(url, json=order_body(product["productId"], customer=med_only), headers=bearer,
                     timeout=10).status_code == 200
    for bad in (order_body(product["productId"], customer={"phone": "303-555-0100"}),
                order_body(product["productId"], customer={"medId": "MMJ1"}),
                order_body("no-such-product"),
                order_body(product["productId"], orderItems=[]),
                order_body(product["productId"], address=None)):
        response = http.post(url, json=bad, headers=bearer, timeout=10)
        assert response.status_code == 400 and response.json()["message"]
    assert SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.ORDER).count() == 1


def test_x1_order_ahead_needs_a_live_bearer_token(sandbox, http):
    box = sandbox("flowhub", products=5)
    token = token_for(http, box)
    url = box["base_url"] + "order-ahead/v0/orderStatus/whatever"
    assert http.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 404
    # Data-API headers do not open Order Ahead.
    response = http.get(url, headers=headers(box), timeout=10)
    assert (response.status_code, response.text) == (401, "Unauthorized")
    # An expired token (moved into the past in the database: no waiting on the clock) is refused.
    SandboxToken.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = http.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert (response.status_code, response.text) == (401, "Unauthorized")
