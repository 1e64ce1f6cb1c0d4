"""Sandbox Flowhub (Maui) over real HTTP: shapes against the reference (POS-APIS.md section 2), auth, the
v1 date-format 404, Order Ahead (F2-F4), rooms (F7), faults, rate limits, change switches, determinism."""
import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from integrations.sandbox import services
from integrations.sandbox.models import Fault, RecordKind, SandboxRecord, SandboxToken
from integrations.sandbox.vendors.flowhub import ERRORS

# Every key of the reference's InventoryItem example (F1 tests/fixtures/inventory.fixtures.ts).
INVENTORY_KEYS = {
    "productId", "variantId", "variantName", "parentProductId", "parentProductName", "productName",
    "productDescription", "productPictureURL", "sku", "brand", "category", "customCategoryName", "type",
    "speciesName", "strainName", "quantity", "locationId", "locationName", "clientId", "purchaseCategory",
    "priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies", "costInMinorUnits", "currencyCode",
    "priceProfileName", "weightTierInformation", "isSoldByWeight", "isMixAndMatch", "isStackable", "productWeight",
    "productUnitOfMeasure", "productUnitOfMeasureToGramsMultiplier", "inventoryUnitOfMeasure",
    "inventoryUnitOfMeasureToGramsMultiplier", "cannabinoidInformation", "terpenes", "effects", "tags", "nutrients",
    "regulatoryId", "manifestId", "invoiceNumber", "supplierName", "expirationDate", "createdAt", "productUpdatedAt",
}
LOCATION_KEYS = {"address", "clientId", "clientName", "email", "hoursOfOperation", "importId", "licenseType",
                 "locationId", "locationLogoURL", "locationName", "phoneNumber", "timeZone", "website"}
ADDRESS_KEYS = {"city", "country", "county", "state", "streetAddress1", "streetAddress2", "zip"}
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
LAB_KEYS = {"name", "lowerRange", "upperRange", "unitOfMeasure", "unitOfMeasureToGramsMultiplier"}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
F5_SPELLINGS = {"α-Bisabolol", "α-Humulene", "α-Terpinene", "α-Pinene", "β-Pinene", "β-Caryophyllene", "β-Myrcene",
                "β-Ocimene", "Linalool", "Terpinolene", "Limonene", "Guaiol", "Caryophyllene oxide", "delta 3 Carene",
                "Trans-Nerolidol"}


def headers(box) -> dict:
    return {"clientId": box["credentials"]["client_id"], "key": box["credentials"]["api_key"]}


def get(http, box, path, **kwargs):
    return http.get(box["base_url"] + path, headers=kwargs.pop("headers", headers(box)), timeout=30, **kwargs)


def data(response) -> list:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"status", "data"} and body["status"] == 200
    return body["data"]


def token_for(http, box) -> str:
    creds = box["credentials"]
    response = http.post(box["base_url"] + "oauth/token", timeout=10, json={
        "client_id": creds["order_ahead_client_id"], "client_secret": creds["order_ahead_token"],
        "audience": "https://api.flowhub.co/", "grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


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


# --- auth ----------------------------------------------------------------------------------------

def test_f1_credentials_are_the_cards_fields(sandbox):
    box = sandbox("flowhub")
    creds = box["credentials"]
    assert set(creds) == {"api_key", "location_id", "client_id", "order_ahead_client_id", "order_ahead_token"}
    assert UUID_RE.match(creds["location_id"]) and UUID_RE.match(creds["client_id"])
    assert creds["order_ahead_client_id"] and creds["order_ahead_token"]
    assert box["base_url"].endswith("/sandbox/flowhub/")


def test_x1_health_and_auth_test(sandbox, http):
    box = sandbox("flowhub", products=5)
    health = http.get(box["base_url"] + "health", timeout=10)
    assert (health.status_code, health.text) == (200, "OK")
    ok = get(http, box, "authTest")
    assert ok.status_code == 200 and ok.headers["Content-Type"].startswith("text/plain")
    # Header names are case-insensitive (other clients send Clientid / Key).
    creds = box["credentials"]
    assert get(http, box, "authTest", headers={"CLIENTID": creds["client_id"], "Key": creds["api_key"]}).ok
    assert get(http, box, "authTest", headers={"Authorization": f"Bearer {token_for(http, box)}"}).ok


@pytest.mark.parametrize("path", ["authTest", "v0/clientsLocations", "v0/inventory", "v1/customers/",
                                  "v0/inventoryByRoomsNonZero"])
def test_x1_wrong_or_missing_credentials_answer_plain_unauthorized(sandbox, http, path):
    box = sandbox("flowhub", products=5)
    creds = box["credentials"]
    for bad in ({}, {"clientId": creds["client_id"]}, {"clientId": creds["client_id"], "key": "wrong"},
                {"clientId": "someone-else", "key": creds["api_key"]}):
        response = get(http, box, path, headers=bad)
        assert (response.status_code, response.text) == (401, "Unauthorized")
        assert response.headers["x-request-id"]


# --- v0 -------------------------------------------------------------------------------------------

def test_x1_clients_locations_shape(sandbox, http):
    box = sandbox("flowhub", products=5)
    locations = data(get(http, box, "v0/clientsLocations"))
    assert len(locations) == 1
    location = locations[0]
    assert set(location) == LOCATION_KEYS and set(location["address"]) == ADDRESS_KEYS
    assert location["locationId"] == box["credentials"]["location_id"]
    assert location["clientId"] == box["credentials"]["client_id"]
    assert isinstance(location["licenseType"], list) and location["importId"]


def test_x1_inventory_items_carry_every_reference_key(sandbox, http):
    box = sandbox("flowhub", products=60)
    items = data(get(http, box, "v0/inventory"))
    assert items and all(set(item) == INVENTORY_KEYS for item in items)
    location_id = box["credentials"]["location_id"]
    assert data(get(http, box, f"v0/locations/{location_id}/inventory")) == items
    for item in items:
        assert UUID_RE.match(item["productId"]) and item["locationId"] == location_id
        assert item["purchaseCategory"] in ("rec", "med", "both")
        for name in ("priceInMinorUnits", "preTaxPriceInPennies", "postTaxPriceInPennies", "costInMinorUnits"):
            assert isinstance(item[name], int)
        assert item["productPictureURL"] is None or item["productPictureURL"].startswith("https://")
        for lab in item["cannabinoidInformation"] + item["terpenes"]:
            assert set(lab) == LAB_KEYS
    non_zero = data(get(http, box, "v0/inventoryNonZero"))
    assert non_zero == data(get(http, box, f"v0/locations/{location_id}/inventoryNonZero"))
    assert 0 < len(non_zero) < len(items)
    assert all(item["quantity"] != 0 for item in non_zero)


def test_f7_inventory_by_rooms_has_32_character_room_ids(sandbox, http):
    box = sandbox("flowhub", products=120)
    location_id = box["credentials"]["location_id"]
    rows = data(get(http, box, "v0/inventoryByRoomsNonZero"))
    assert rows == data(get(http, box, f"v0/locations/{location_id}/inventoryByRoomsNonZero"))
    assert all(set(row) == INVENTORY_KEYS | {"roomId", "roomName", "upc"} for row in rows)
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", row["roomId"]) for row in rows)
    assert all(row["roomId"] != row["roomName"] for row in rows)
    assert len({row["roomName"] for row in rows}) >= 2
    # One row per room with stock: a product in two rooms adds up to its inventory quantity.
    inventory = {item["productId"]: item for item in data(get(http, box, "v0/inventoryNonZero"))}
    per_product = {}
    for row in rows:
        if isinstance(row["quantity"], int):
            per_product.setdefault(row["productId"], []).append(row["quantity"])
    split = [pid for pid, quantities in per_product.items() if len(quantities) > 1]
    assert split
    for pid in split:
        assert sum(per_product[pid]) == inventory[pid]["quantity"]


def test_x1_not_for_sale_room_only_in_analytics(sandbox, http):
    box = sandbox("flowhub", products=120)
    location_id = box["credentials"]["location_id"]
    hidden = data(get(http, box, "v0/inventoryAnalytics", params={"includesNotForSaleQuantity": "true"}))
    assert all(set(item) == INVENTORY_KEYS | {"forSale", "supplierLicense"} for item in hidden)
    not_for_sale = {item["productId"] for item in hidden if item["forSale"] is False}
    assert not_for_sale
    plain = {item["productId"] for item in data(get(http, box, "v0/inventory"))}
    assert not plain & not_for_sale
    default = data(get(http, box, f"v0/locations/{location_id}/InventoryAnalytics"))
    assert all(item["forSale"] for item in default)
    by_rooms = data(get(http, box, "v0/inventoryAnalyticsByRooms", params={"includesNotForSaleQuantity": "true"}))
    assert all(set(row) == INVENTORY_KEYS | {"roomId", "roomName", "upc", "forSale", "supplierLicense"}
               for row in by_rooms)
    assert any(row["roomName"].startswith("Quarantine") and not row["forSale"] for row in by_rooms)
    assert data(get(http, box, f"v0/locations/{location_id}/InventoryAnalyticsByRooms"))


def test_x1_location_of_another_client_is_not_found(sandbox, http):
    mine, theirs = sandbox("flowhub", products=5, seed=1), sandbox("flowhub", products=5, seed=2)
    other = theirs["credentials"]["location_id"]
    for suffix in ("inventory", "inventoryNonZero", "inventoryByRoomsNonZero"):
        response = get(http, mine, f"v0/locations/{other}/{suffix}")
        assert response.status_code == 404 and other in response.json()["message"]
        assert get(http, mine, f"v0/locations/not-a-location/{suffix}").status_code == 404


def test_f5_f6_f8_catalogue_variety_in_flowhub_spellings(sandbox, http):
    box = sandbox("flowhub", products=800)  # the four malformed kinds sit at 13, 263, 513, 763
    items = data(get(http, box, "v0/inventory"))
    items += data(get(http, box, "v0/inventoryAnalytics", params={"includesNotForSaleQuantity": "true"}))
    terpenes = {t["name"] for item in items for t in item["terpenes"]}
    assert len(terpenes & F5_SPELLINGS) >= 12
    species = {item["speciesName"] for item in items}
    assert {"50/50", "CBD"} <= species and species & {"Indica-Dom", "Indica-dom", "Indica Hybrid", "hybrid indica"}
    assert any(item["type"] is None and item["speciesName"] for item in items)
    assert any(item["customCategoryName"] for item in items)  # F8
    units = {item["productUnitOfMeasure"] for item in items}
    assert {"grams", "each", "milligrams", "fluidounces"} <= units
    # Edible labs in mg carry the multiplier as the STRING "1000".
    edible_labs = [lab for item in items if item["category"] == "Edibles" for lab in item["cannabinoidInformation"]]
    assert edible_labs and all(lab["unitOfMeasure"] == "mg" and lab["unitOfMeasureToGramsMultiplier"] == "1000"
                               for lab in edible_labs)
    assert {"%", "mg/g"} <= {lab["unitOfMeasure"] for item in items for lab in item["cannabinoidInformation"]}
    tiered = [item for item in items if item["weightTierInformation"]]
    assert tiered and all(item["isSoldByWeight"] for item in tiered)
    assert all(set(tier) == {"name", "gramAmount", "pricePerGramInMinorUnits", "priceInMinorUnits"}
               for item in tiered for tier in item["weightTierInformation"])
    skus = [item["sku"] for item in items[:len(items) // 2]]
    assert len(skus) != len(set(skus))  # duplicate SKUs (R8)
    # Malformed records, broken the way real feeds break.
    assert any(item["productName"] is None for item in items)
    assert any(isinstance(item["priceInMinorUnits"], int) and item["priceInMinorUnits"] < 0 for item in items)
    assert any(isinstance(item["quantity"], str) for item in items)
    assert any(item["category"] is None for item in items)


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


# --- faults, rate limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("fault,status,body", [
    (Fault.UNAUTHORIZED, 401, "Unauthorized"),
    (Fault.FORBIDDEN, 403, "Forbidden"),
    (Fault.SERVER_ERROR, 500, "Internal Server Error"),
])
def test_x1_status_faults_on_the_wire(sandbox, http, fault, status, body):
    box = sandbox("flowhub", products=5)
    services.set_fault(box["location"], fault, endpoint="inventory")
    response = get(http, box, "v0/inventory")
    assert (response.status_code, response.text) == (status, body)
    # The switch names one endpoint: the others still answer.
    assert get(http, box, "v0/clientsLocations").status_code == 200


def test_x1_rate_limit_faults_with_and_without_retry_after(sandbox, http):
    box = sandbox("flowhub", products=5)
    services.set_fault(box["location"], Fault.RATE_LIMITED, retry_after_seconds=7)
    response = get(http, box, "v0/inventory")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    services.set_fault(box["location"], Fault.RATE_LIMITED_NO_RETRY_AFTER)
    response = get(http, box, "v0/inventory")
    assert response.status_code == 429 and "Retry-After" not in response.headers


def test_r11_enforced_rate_limit_sends_no_rate_limit_headers(sandbox, http, monkeypatch):
    box = sandbox("flowhub", products=5)
    box["location"].enforce_rate_limits = True
    box["location"].save(update_fields=["enforce_rate_limits"])
    monkeypatch.setattr(ERRORS, "per_minute", 3)  # the real ~59 req/s would take 3,000 calls
    # 8 calls against a limit of 3 per fixed minute hit 429 even if a minute boundary falls in between.
    responses = [get(http, box, "v0/clientsLocations") for _ in range(8)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited
    for response in limited:
        assert response.text == "Too Many Requests"
        assert not [name for name in response.headers if "retry" in name.lower() or "ratelimit" in name.lower()]


def test_x1_slow_fault_passes_a_client_timeout(sandbox, http):
    box = sandbox("flowhub", products=5)
    services.set_fault(box["location"], Fault.SLOW, slow_seconds=1.5)
    with pytest.raises(requests.exceptions.Timeout):
        http.get(box["base_url"] + "v0/inventory", headers=headers(box), timeout=0.5)


def test_x1_malformed_and_truncated_bodies(sandbox, http):
    box = sandbox("flowhub", products=20)
    whole = get(http, box, "v0/inventory").content
    services.set_fault(box["location"], Fault.MALFORMED_JSON)
    response = get(http, box, "v0/inventory")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    services.set_fault(box["location"], Fault.TRUNCATED)
    try:
        response = get(http, box, "v0/inventory")
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        return  # the connection dropped mid-body, as a truncated response does
    # What arrives on the wire: the first half of the body, then the server closes the connection.
    assert response.status_code == 200 and 0 < len(response.content) < len(whole)
    assert whole.startswith(response.content)
    with pytest.raises(ValueError):
        response.json()


# --- change switches, determinism ----------------------------------------------------------------------

def test_x1_change_switches_show_through_the_api(sandbox, http):
    box = sandbox("flowhub", products=30)
    location = box["location"]
    before = {item["productId"]: item for item in data(get(http, box, "v0/inventory"))}
    assert services.change_prices(location, fraction=0.2, factor=2.0, seed=3) > 0
    assert services.change_quantities(location, fraction=0.2, quantity=77, seed=4) > 0
    after = {item["productId"]: item for item in data(get(http, box, "v0/inventory"))}
    repriced = [pid for pid in before if pid in after and after[pid]["priceInMinorUnits"] != before[pid][
        "priceInMinorUnits"]]
    assert repriced
    for pid in repriced:
        assert after[pid]["priceInMinorUnits"] == round(before[pid]["priceInMinorUnits"] * 2)
        assert after[pid]["productUpdatedAt"] > before[pid]["productUpdatedAt"]
    assert any(item["quantity"] == 77 for item in after.values())
    services.add_products(location, 5)
    removed = services.delete_products(location, 3, seed=1)
    everything = data(get(http, box, "v0/inventoryAnalytics", params={"includesNotForSaleQuantity": "true"}))
    ids = {item["productId"] for item in everything}
    assert len(everything) == 30 + 5 - 3 and not ids & set(removed)


def test_x1_catalogue_is_deterministic_by_seed(sandbox, http):
    def catalogue(box):
        items = data(get(http, box, "v0/inventoryAnalyticsByRooms", params={"includesNotForSaleQuantity": "true"}))
        return [{k: v for k, v in item.items() if k not in ("locationId", "clientId", "locationName")}
                for item in items]

    first, second, other = sandbox("flowhub", seed=5), sandbox("flowhub", seed=5), sandbox("flowhub", seed=6)
    assert catalogue(first) == catalogue(second)
    assert catalogue(first) != catalogue(other)
    customers = [get(http, box, "v1/customers/").json()["customers"] for box in (first, second)]
    assert customers[0] == customers[1]

