"""FlowhubClient over real HTTP against the sandbox Flowhub: Order Ahead push (F2, F4), Maui order syncing (F3),
statuses, customers and sales with paging."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.pos.errors import BadResponse, Refused, Unauthorized, UnsupportedFeature
from integrations.pos.records import OrderCustomer, OrderLine, PosCustomer, PosOrder
from integrations.sandbox import services
from integrations.sandbox.models import Fault, RecordKind, SandboxRecord, SandboxToken
from tests.pos.flowhub_support import Sleeps, client_for, raw


def orders_in_sandbox(box) -> list[dict]:
    return [r.data for r in SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.ORDER)]


def in_stock_product(box, minimum: int = 2) -> dict:
    location_id = box["credentials"]["location_id"]
    return next(item for item in raw(box, f"v0/locations/{location_id}/inventoryNonZero")
                if isinstance(item["quantity"], int) and item["quantity"] >= minimum)


def an_order(product_id: str, **overrides) -> PosOrder:
    fields = {
        "order_number": "C-1001",
        "customer": OrderCustomer(first_name="Ava", last_name="Smith", phone="(303) 555-0142",
                                  email="ava@example.com", birth_date=date(1990, 1, 2)),
        "lines": [OrderLine(pos_product_id=product_id, quantity=2)],
        "order_type": "delivery",
        "delivery_address": {"street": "1 Main St", "street2": "", "city": "Denver", "state": "CO", "zip": "80202"},
        "window_start": datetime(2026, 11, 20, 18, 0, tzinfo=UTC),
        "window_end": datetime(2026, 11, 20, 19, 0, tzinfo=UTC),
        "notes": "Leave at the side door, ring twice",
        "fees": [("Delivery fee", 5.0)],
    }
    return PosOrder(**{**fields, **overrides})


# --- Order Ahead (F2, F3, F4) ---------------------------------------------------------------------------

def test_f2_push_order_sends_notes_fees_window_and_e164_phone(flowhub):
    box = flowhub(products=40)
    product = in_stock_product(box)
    client = client_for(box)
    result = client.push_order(an_order(product["productId"]))
    assert result.status == "new" and result.pos_order_id
    [stored] = orders_in_sandbox(box)
    assert stored["orderId"] == result.pos_order_id
    assert stored["customerNote"] == "Leave at the side door, ring twice"  # F2
    assert stored["fees"] == [{"name": "Delivery fee", "amount": 500}]  # F2, pennies
    assert stored["customer"]["phone"] == "+13035550142"
    assert stored["customer"]["medRecOrBoth"] == "rec" and stored["orderType"] == "delivery"
    assert stored["orderItems"] == [{"productId": product["productId"], "quantityPurchased": 2, "discountNote": ""}]
    assert stored["address"]["street1"] == "1 Main St"
    assert (stored["requestedFulfillmentTimeStart"], stored["requestedFulfillmentTimeEnd"]) == (
        "2026-11-20T18:00:00Z", "2026-11-20T19:00:00Z")
    # The token is cached: a second push signs in no more.
    client.push_order(an_order(product["productId"], order_number="C-1002", order_type="pickup",
                               delivery_address={}, kiosk=True))
    assert SandboxToken.objects.filter(location=box["location"]).count() == 1
    assert orders_in_sandbox(box)[-1]["orderType"] == "kiosk"


@pytest.mark.parametrize("customer", [OrderCustomer(first_name="No", last_name="Contact"),
                                      OrderCustomer(first_name="Blank", phone="  ", medical_id="")])
def test_f4_order_without_medical_id_or_phone_is_refused_before_flowhub(flowhub, customer):
    box = flowhub(products=10)
    product = in_stock_product(box, minimum=1)
    with pytest.raises(Refused) as raised:
        client_for(box).push_order(an_order(product["productId"], customer=customer))
    assert "medical ID or phone number" in str(raised.value) and "C-1001" in str(raised.value)
    assert raised.value.status is None  # our refusal, not the POS's
    # Nothing was sent: no order, not even an Order Ahead sign-in.
    assert orders_in_sandbox(box) == []
    assert not SandboxToken.objects.filter(location=box["location"]).exists()


def test_f4_medical_id_alone_is_enough(flowhub):
    box = flowhub(products=10)
    product = in_stock_product(box, minimum=1)
    customer = OrderCustomer(first_name="Med", last_name="Only", medical_id="MMJ0001",
                             medical_id_expires=date(2027, 5, 1))
    result = client_for(box).push_order(an_order(product["productId"], customer=customer, is_medical=True,
                                                 order_type="pickup", delivery_address={}))
    [stored] = orders_in_sandbox(box)
    assert stored["orderId"] == result.pos_order_id
    assert stored["customer"]["medId"] == "MMJ0001" and stored["customer"]["medExp"] == "2027-05-01"
    assert "phone" not in stored["customer"] and stored["customer"]["medRecOrBoth"] == "med"


def test_push_order_refusals_carry_flowhubs_reason_and_store_nothing(flowhub):
    box = flowhub(products=10)
    product = in_stock_product(box, minimum=1)
    client = client_for(box)
    no_expiry = OrderCustomer(first_name="Med", last_name="Only", medical_id="MMJ0001")
    with pytest.raises(Refused, match="medExp is required when customer.medId is present") as raised:
        client.push_order(an_order(product["productId"], customer=no_expiry))
    assert raised.value.status == 400
    with pytest.raises(Refused, match="Product no-such-product not found"):
        client.push_order(an_order("no-such-product"))
    with pytest.raises(Refused, match="E.164"):
        client.push_order(an_order(product["productId"], customer=OrderCustomer(phone="555-0100")))
    assert orders_in_sandbox(box) == []


def test_push_order_is_never_retried_automatically(flowhub):
    """No idempotency key in Order Ahead: a failed create is reported, not resent."""
    box = flowhub(products=10)
    product = in_stock_product(box, minimum=1)
    services.set_fault(box["location"], Fault.SERVER_ERROR, endpoint="order-ahead/v0/create")
    sleeps = Sleeps()
    with pytest.raises(BadResponse, match=r"internal error \(500\) on POST /order-ahead/v0/create"):
        client_for(box, attempts=4, sleeps=sleeps).push_order(an_order(product["productId"]))
    assert sleeps == []  # a retry would have slept first
    assert orders_in_sandbox(box) == []


def test_order_ahead_token_is_renewed_once_on_401_and_before_expiry(flowhub):
    box = flowhub(products=10)
    product = in_stock_product(box, minimum=1)
    client = client_for(box)
    order_id = client.push_order(an_order(product["productId"])).pos_order_id
    # Flowhub revokes (here: expires) the token early: the 401 gets one renewal, and the call succeeds.
    SandboxToken.objects.filter(location=box["location"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert [s.status for s in client.order_statuses([order_id])] == ["new"]
    assert SandboxToken.objects.filter(location=box["location"]).count() == 2
    # Cached until shortly before expires_in (3600 s): a moved clock renews it without a 401 first.
    started = client._clock()
    client._clock = lambda: started + 3600 - 30
    client.order_statuses([order_id])
    assert SandboxToken.objects.filter(location=box["location"]).count() == 3
    client.order_statuses([order_id])
    assert SandboxToken.objects.filter(location=box["location"]).count() == 3


def test_order_ahead_wrong_credentials_on_push(flowhub):
    box = flowhub(products=10)
    product = in_stock_product(box, minimum=1)
    with pytest.raises(Unauthorized) as raised:
        client_for(box, order_ahead_token="nope").push_order(an_order(product["productId"]))
    assert "Order Ahead Client Id and Token (401)" in str(raised.value)
    assert "nope" not in str(raised.value)
    assert orders_in_sandbox(box) == []


def test_c5_order_statuses_follow_the_pos(flowhub):
    box = flowhub(products=20)
    product = in_stock_product(box, minimum=2)
    client = client_for(box)
    first = client.push_order(an_order(product["productId"])).pos_order_id
    second = client.push_order(an_order(product["productId"], order_number="C-1002")).pos_order_id
    services.advance_order(box["location"], first)
    services.advance_order(box["location"], first)
    statuses = client.order_statuses([first, second, "no-such-order"])
    assert [(s.pos_order_id, s.status) for s in statuses] == [(first, "ready"), (second, "new"),
                                                              ("no-such-order", "notFound")]
    assert statuses[0].raw["orderId"] == first


def test_f3_mark_fulfilled_releases_the_held_quantity(flowhub):
    box = flowhub(products=20)
    product = in_stock_product(box, minimum=2)
    client = client_for(box)
    order_id = client.push_order(an_order(product["productId"])).pos_order_id
    status = client.mark_fulfilled(order_id)
    assert (status.pos_order_id, status.status) == (order_id, "sold")
    location_id = box["credentials"]["location_id"]
    after = next(item for item in raw(box, f"v0/locations/{location_id}/inventory")
                 if item["productId"] == product["productId"])
    assert after["quantity"] == product["quantity"] - 2
    assert client.order_statuses([order_id])[0].status == "sold"
    # A sold order cannot change again: Flowhub's refusal, in its words.
    with pytest.raises(Refused, match="already sold"):
        client.mark_fulfilled(order_id)


# --- customers ------------------------------------------------------------------------------------------

def test_customers_page_through_everything(flowhub):
    box = flowhub(products=10, customers=23)
    client = client_for(box)
    client.page_size = 5
    customers = list(client.iter_customers())
    expected = raw(box, "v1/customers/", page_size=100)["customers"]
    assert [c.pos_customer_id for c in customers] == [c["id"] for c in expected] and len(customers) == 23
    first, record = customers[0], expected[0]
    assert f"{first.first_name} {first.last_name}" == record["name"]
    assert (first.phone, first.email, first.state) == (record["phone"], record["email"], record["state"])
    assert first.birth_date == date.fromisoformat(record["birthDate"])
    assert first.customer_type == record["type"] and first.is_loyalty_member == record["isLoyal"]
    assert first.discount_groups == [g["name"] for g in record["groups"]]
    assert first.address["street"] == record["streetAddress1"] and first.address["city"] == record["city"]
    assert first.modified_at == datetime.fromisoformat(record["updatedAt"].replace("Z", "+00:00"))


def test_customers_since_sends_a_date_only(flowhub):
    box = flowhub(products=10, customers=30)
    client = client_for(box)
    urls = []
    client.http.session.hooks["response"].append(lambda response, *args, **kwargs: urls.append(response.url))
    updated = sorted(datetime.fromisoformat(c["updatedAt"].replace("Z", "+00:00"))
                     for c in raw(box, "v1/customers/", page_size=100)["customers"])
    since = updated[20]
    customers = list(client.iter_customers(since=since))
    assert customers and all(c.modified_at >= since for c in customers)
    assert len(customers) == sum(1 for when in updated if when >= since)
    # A full timestamp gets a 404 from Flowhub: the date alone goes out.
    assert re.search(r"updated_after=\d{4}-\d{2}-\d{2}(&|$)", urls[0])


def test_create_update_and_find_customer_by_phone(flowhub):
    box = flowhub(products=5)
    client = client_for(box)
    created = client.create_customer(PosCustomer(
        pos_customer_id="", first_name="Wren", last_name="Hall", phone="(720) 555-0199", email="wren@example.com",
        birth_date=date(1988, 3, 4), state="CO", medical_id="MMJ123", address={"city": "Denver"}))
    assert created.pos_customer_id and created.customer_type == "medCustomer"
    assert (created.first_name, created.last_name, created.address["city"]) == ("Wren", "Hall", "Denver")
    found = client.find_patient(phone="+17205550199")
    assert found is not None and found.pos_customer_id == created.pos_customer_id
    created.address = {"city": "Boulder"}
    created.is_loyalty_member = True
    updated = client.update_customer(created)
    assert updated.address["city"] == "Boulder" and updated.is_loyalty_member and updated.last_name == "Hall"
    assert client.find_patient(phone="7205550199").address["city"] == "Boulder"
    with pytest.raises(Refused, match="birthDate"):
        client.create_customer(PosCustomer(pos_customer_id="", first_name="No", last_name="Birthday", state="CO"))


def test_find_patient_by_medical_id_is_unsupported(flowhub):
    box = flowhub(products=5)
    client = client_for(box)
    with pytest.raises(UnsupportedFeature, match="medical ID"):
        client.find_patient(medical_id="MMJ123")
    assert client.find_patient(phone="9999999999") is None
    assert client.find_patient() is None
    # With both, the phone is used.
    phone = raw(box, "v1/customers/")["customers"][0]["phone"]
    assert client.find_patient(medical_id="MMJ123", phone=phone).phone == phone


# --- transactions ---------------------------------------------------------------------------------------

def test_transactions_page_through_and_map_cents(flowhub):
    box = flowhub(products=30)
    import_id = raw(box, "v0/clientsLocations")[0]["importId"]
    expected = raw(box, f"v1/orders/findByLocationId/{import_id}", page_size=1000)["orders"]
    client = client_for(box)
    client.page_size = 4
    sales = list(client.iter_transactions())
    assert len(sales) == len(expected) > 4
    assert [s.pos_transaction_id for s in sales] == [s["id"] for s in expected]
    for sale, record in zip(sales, expected, strict=True):
        assert sale.total == round(record["totals"]["FinalTotal"] / 100, 2)
        assert sale.pos_customer_id == record["customerId"] and sale.voided == record["voided"]
        assert sale.occurred_at == datetime.fromisoformat(record["createdAt"].replace("Z", "+00:00"))
        assert [(line.pos_product_id, line.quantity, line.unit_price) for line in sale.lines] == [
            (item["productId"], item["quantity"], round(item["unitPrice"] / 100, 2)) for item in record["itemsInCart"]]
        spent = sum(p["loyaltyPoints"] for p in record["payments"] if p["paymentType"] == "loyaltyPoints")
        assert sale.loyalty_spent == spent


def test_transactions_since_sends_a_date_only(flowhub):
    box = flowhub(products=30)
    client = client_for(box)
    urls = []
    client.http.session.hooks["response"].append(lambda response, *args, **kwargs: urls.append(response.url))
    everything = list(client.iter_transactions())
    since = sorted(s.occurred_at for s in everything)[len(everything) // 2]
    recent = list(client.iter_transactions(since=since))
    assert recent and len(recent) == sum(1 for s in everything if s.occurred_at >= since)
    assert any(re.search(r"created_after=\d{4}-\d{2}-\d{2}(&|$)", url) for url in urls)


def test_transactions_include_a_fulfilled_order(flowhub):
    box = flowhub(products=20)
    product = in_stock_product(box, minimum=2)
    client = client_for(box)
    order_id = client.push_order(an_order(product["productId"])).pos_order_id
    client.mark_fulfilled(order_id)
    sale = next(s for s in client.iter_transactions(since=timezone.now() - timedelta(hours=1))
                if s.raw["orderId"] == order_id)
    assert sale.raw["totals"]["TotalFees"] == 500 and sale.lines[0].pos_product_id == product["productId"]
