"""Sandbox Alleaves POS over real HTTP: customers and patients (A7), pushed orders with their delivery
window and status walk (C4, C5, A2, A7), and the order history."""
from integrations.sandbox import services
from integrations.sandbox.models import RecordKind, SandboxRecord
from tests.sandbox.alleaves_support import inventory, login, sellable

CUSTOMER_KEYS = {"id_customer", "customer_name", "name_first", "name_last", "email", "phone", "date_of_birth",
                 "customer_since", "date_created", "alpine_user_code", "springbig_user_code", "credit_balance",
                 "date_updated", "customer_type", "is_medical", "medical_id", "medical_id_expiration", "state",
                 "deleted"}
ORDER_KEYS = {"id_order", "id_location", "id_customer", "customer_name", "status", "type", "is_medical",
              "delivery_start", "delivery_end", "delivery_address", "notes", "reference", "subtotal", "tax",
              "discount", "total", "date_created", "date_updated", "items", "loyalty", "points_earned", "loyalties"}
ORDER_ITEM_KEYS = {"id_item", "id_batch", "item", "category", "quantity", "price"}


# --- customers and patients (A7) -------------------------------------------------------------------
def test_x1_customer_search_pages_and_rejects_bare_body(sandbox, http):
    sb = sandbox("alleaves", products=10, customers=30)
    headers = login(sb, http)
    url = sb["base_url"] + "customer/search"
    bare = http.post(url, json={}, headers=headers)
    assert bare.status_code == 400
    assert bare.json() == {"message": "page and pageSize are required"}
    first = http.post(url, json={"page": 1, "pageSize": 20}, headers=headers).json()
    second = http.post(url, json={"page": 2, "pageSize": 20}, headers=headers).json()
    assert len(first) == 20 and len(second) == 10
    assert all(set(c) == CUSTOMER_KEYS for c in first + second)
    assert http.post(url, json={"page": 3, "pageSize": 20}, headers=headers).json() == []
    assert any(c["medical_id"] for c in first + second) and any(c["alpine_user_code"] for c in first + second)


def test_a7_patient_by_medical_id_then_phone_else_create(sandbox, http):
    sb = sandbox("alleaves", products=10, customers=30)
    headers = login(sb, http)
    base = sb["base_url"]
    customers = http.post(base + "customer/search", json={"page": 1, "pageSize": 100}, headers=headers).json()
    patient = next(c for c in customers if c["medical_id"])
    search = base + "customer/patient/search"
    by_id = http.post(search, json={"medical_id": patient["medical_id"].lower()}, headers=headers).json()
    assert [c["id_customer"] for c in by_id] == [patient["id_customer"]]
    by_phone = http.post(search, json={"phone": f"({patient['phone'][:3]}) {patient['phone'][3:]}"},
                         headers=headers).json()
    assert patient["id_customer"] in [c["id_customer"] for c in by_phone]
    assert http.post(search, json={"medical_id": "NOPE-1"}, headers=headers).json() == []
    assert http.post(search, json={}, headers=headers).status_code == 400
    new = {"name_first": "Pat", "name_last": "Ient", "date_of_birth": "1980-02-03", "phone": "315-555-0199",
           "medical_id": "NY-MED-777", "medical_id_expiration": "2027-01-01"}
    created = http.post(base + "customer", json=new, headers=headers)
    assert created.status_code == 201
    assert set(created.json()) == CUSTOMER_KEYS and created.json()["is_medical"] is True
    found = http.post(search, json={"medical_id": "NY-MED-777"}, headers=headers).json()
    assert [c["id_customer"] for c in found] == [created.json()["id_customer"]]
    assert http.post(search, json={"phone": "3155550199"}, headers=headers).json()[0]["medical_id"] == "NY-MED-777"
    duplicate = http.post(base + "customer", json=new, headers=headers)
    assert duplicate.status_code == 409 and duplicate.json()["id_customer"] == created.json()["id_customer"]
    assert http.post(base + "customer", json={"name_first": "X"}, headers=headers).status_code == 400


# --- orders (C4, C5, A2, A7) -----------------------------------------------------------------------
def _order_body(sb, rows, customer, **extra) -> dict:
    row = next(r for r in sellable(rows) if r["available"] > 0)
    return {"id_location": int(sb["credentials"]["location_id"]), "id_customer": customer["id_customer"],
            "type": "pickup", "items": [{"id_item": row["id_item"], "id_batch": row["id_batch"], "quantity": 1,
                                         "price": row["price_retail_adult_use"] or row["price_retail"]}],
            "reference": "CANOPY-1001", **extra}


def test_c4_a2_push_delivery_order_with_window_and_advance_it(sandbox, http):
    sb = sandbox("alleaves", products=60, customers=30)
    headers = login(sb, http)
    base = sb["base_url"]
    rows = inventory(sb, http, headers)
    customers = http.post(base + "customer/search", json={"page": 1, "pageSize": 100}, headers=headers).json()
    customer = customers[0]
    body = _order_body(sb, rows, customer, type="delivery", delivery_start="2026-11-24T17:00:00Z",
                       delivery_end="2026-11-24T19:00:00Z", delivery_address={"address": "1 Main St"})
    response = http.post(base + "order", json=body, headers=headers)
    assert response.status_code == 201, response.text
    order = response.json()
    assert set(order) == ORDER_KEYS and set(order["items"][0]) == ORDER_ITEM_KEYS
    assert order["status"] == "open" and order["type"] == "delivery"
    assert order["delivery_start"] == "2026-11-24T17:00:00.000Z"
    assert order["delivery_end"] == "2026-11-24T19:00:00.000Z"
    assert order["total"] == round(order["subtotal"] + order["tax"], 2)
    url = base + f"order/{order['id_order']}"
    assert http.get(url, headers=headers).json() == order
    seen = []
    for _ in range(4):
        seen.append(services.advance_order(sb["location"], str(order["id_order"])))
        assert http.get(url, headers=headers).json()["status"] == seen[-1]
    assert seen == ["in_progress", "ready", "completed", "completed"]
    # A delivery without its window, an unknown batch, a wrong type: all refused at once, nothing stored.
    bad = _order_body(sb, rows, customer, type="delivery")
    bad["items"].append({"id_item": 1, "id_batch": 1, "quantity": 1, "price": 1})
    refused = http.post(base + "order", json=bad, headers=headers)
    assert refused.status_code == 400
    assert len(refused.json()["errors"]) == 2
    assert http.post(base + "order", json=_order_body(sb, rows, customer, type="kiosk"),
                     headers=headers).status_code == 400
    assert SandboxRecord.objects.filter(location=sb["location"], kind=RecordKind.ORDER).count() == 1
    assert http.get(base + "order/123", headers=headers).status_code == 404


def test_a7_medical_order_needs_a_patient(sandbox, http):
    sb = sandbox("alleaves", products=40, customers=30)
    headers = login(sb, http)
    base = sb["base_url"]
    rows = inventory(sb, http, headers)
    customers = http.post(base + "customer/search", json={"page": 1, "pageSize": 100}, headers=headers).json()
    patient = next(c for c in customers if c["medical_id"])
    shopper = next(c for c in customers if not c["medical_id"])
    refused = http.post(base + "order", json=_order_body(sb, rows, shopper, is_medical=True), headers=headers)
    assert refused.status_code == 400 and "not a medical patient" in refused.json()["message"]
    accepted = http.post(base + "order", json=_order_body(sb, rows, patient, is_medical=True), headers=headers)
    assert accepted.status_code == 201
    assert accepted.json()["is_medical"] is True and accepted.json()["tax"] == 0


def test_x1_order_history_pages_dates_and_includes_sales(sandbox, http):
    sb = sandbox("alleaves", products=60, customers=120)
    headers = login(sb, http)
    url = sb["base_url"] + "order"
    first = http.get(url, params={"page": 1, "pageSize": 500}, headers=headers)
    assert first.status_code == 200
    orders = first.json()
    assert len(orders) == 100, "100 per page at most"
    assert all(set(o) == ORDER_KEYS for o in orders)
    assert {o["status"] for o in orders} <= {"completed", "cancelled"}
    assert all(set(i) == ORDER_ITEM_KEYS for o in orders for i in o["items"])
    total = SandboxRecord.objects.filter(location=sb["location"], kind=RecordKind.TRANSACTION).count()
    pages, page = [], 1
    while batch := http.get(url, params={"page": page, "pageSize": 100}, headers=headers).json():
        pages.extend(batch)
        page += 1
    assert len(pages) == total
    day = orders[10]["date_created"][:10]
    same_day = http.get(url, params={"startDate": day, "endDate": day}, headers=headers).json()
    assert same_day and all(o["date_created"].startswith(day) for o in same_day)
    assert http.get(url, params={"startDate": "11/01/2026"}, headers=headers).status_code == 400
