"""DutchieClient over real HTTP against the sandbox Dutchie POS: pre-orders with idempotency (C4, C5, D7, D9,
D11), customers with paging (L15-L23), find_patient, and transactions."""
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from django.utils import timezone

from integrations.pos.dutchie import CONSUMER_KEY
from integrations.pos.errors import BadResponse, Refused
from integrations.pos.records import OrderCustomer, OrderLine, PosCustomer, PosOrder
from integrations.sandbox import generate, services
from integrations.sandbox.models import Fault, RecordKind, SandboxRecord
from tests.pos.dutchie_support import Sleeps, client_for, raw, requests_to, switch_off


def orders_in_sandbox(box) -> list[dict]:
    return [r.data for r in SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.ORDER)]


def sandbox_customers(box) -> list[dict]:
    return [r.data for r in SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.CUSTOMER)]


def in_stock_product_id(box) -> str:
    return str(next(item for item in raw(box, "inventory") if isinstance(item["quantityAvailable"], float))
               ["productId"])


def an_order(product_id: str, **overrides) -> PosOrder:
    fields = {
        "order_number": "C-1001",
        "customer": OrderCustomer(first_name="Ava", last_name="Newcomer", phone="(720) 555-0199",
                                  email="ava.newcomer@example.com", birth_date=date(1990, 1, 2), state="CO"),
        "lines": [OrderLine(pos_product_id=product_id, quantity=2)],
        "order_type": "pickup",
    }
    return PosOrder(**{**fields, **overrides})


# --- pre-orders (C4, C5, D7, D9, D11) -------------------------------------------------------------------

def test_c4_push_order_creates_the_customer_and_the_pre_order(dutchie):
    box = dutchie(products=30)
    product_id = in_stock_product_id(box)
    customers_before = len(sandbox_customers(box))
    order = an_order(product_id, order_type="delivery", notes="Ring twice",
                     delivery_address={"street": "1 Main St", "street2": "Apt 2", "city": "Denver", "state": "CO",
                                       "zip": "80202"},
                     window_start=datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
                     window_end=datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    result = client_for(box).push_order(order)
    assert result.pos_order_id.isdigit() and result.status == "Submitted"
    [stored] = orders_in_sandbox(box)
    sent = stored["_sandbox"]["request"]
    assert stored["preOrderId"] == int(result.pos_order_id)
    assert sent["items"] == [{"productId": int(product_id), "quantity": 2}]
    assert sent["isDelivery"] is True and sent["orderSource"] == "Express"
    assert (sent["deliveryStreet"], sent["deliveryStreet2"], sent["deliveryCity"], sent["deliveryState"],
            sent["deliveryPostalCode"]) == ("1 Main St", "Apt 2", "Denver", "CO", "80202")
    assert sent["timeWindowStartDateUtc"] == "2026-12-01T18:00:00.000Z"
    assert sent["timeWindowEndDateUtc"] == "2026-12-01T19:00:00.000Z"
    assert sent["notes"] == "Ring twice" and "transactionReference" not in sent
    assert stored["_sandbox"]["consumerKey"] == CONSUMER_KEY
    customers = sandbox_customers(box)
    assert len(customers) == customers_before + 1
    new = next(c for c in customers if c["customerId"] == stored["customerId"])
    assert (new["firstName"], new["phone"], new["customerType"]) == ("Ava", "(720) 555-0199", "Recreational")
    assert new["address1"] == "1 Main St" and new["dateOfBirth"].startswith("1990-01-02")


def test_c4_pickup_order_of_a_known_shopper_uses_their_profile(dutchie):
    box = dutchie(products=30)
    shopper = next(c for c in sandbox_customers(box) if c["status"] == "Active" and c["phone"]
                   and not c["mergedIntoCustomerId"])
    customers_before = len(sandbox_customers(box))
    order = an_order(in_stock_product_id(box),
                     customer=OrderCustomer(first_name=shopper["firstName"], phone=shopper["phone"]))
    client_for(box).push_order(order)
    [stored] = orders_in_sandbox(box)
    assert stored["customerId"] == shopper["customerId"]
    assert stored["_sandbox"]["request"]["isDelivery"] is False
    assert len(sandbox_customers(box)) == customers_before


def test_c4_new_pickup_customer_gets_the_store_address_and_out_of_state_type(dutchie):
    box = dutchie(products=30)
    order = an_order(in_stock_product_id(box), is_medical=True,
                     customer=OrderCustomer(first_name="Zed", last_name="Visitor", phone="6025550100", state="AZ",
                                            medical_id="AZ-123", medical_id_expires=date(2027, 5, 1)))
    client_for(box).push_order(order)
    [stored] = orders_in_sandbox(box)
    new = next(c for c in sandbox_customers(box) if c["customerId"] == stored["customerId"])
    whoami = raw(box, "whoami")
    assert (new["address1"], new["city"], new["postalCode"]) == (whoami["address"], whoami["city"],
                                                                 whoami["postalCode"])
    assert new["state"] == "AZ" and new["customerType"] == "Medical - Out of State"
    assert new["mmjidNumber"] == "AZ-123" and new["mmjidExpirationDate"].startswith("2027-05-01")


def test_d9_pre_paid_reference_and_d11_kiosk_source(dutchie):
    box = dutchie(products=30)
    product_id = in_stock_product_id(box)
    client = client_for(box)
    client.push_order(an_order(product_id, order_number="C-2001", transaction_reference="aeropay-778"))
    client.push_order(an_order(product_id, order_number="C-2002", kiosk=True, order_type="kiosk"))
    first, second = sorted(orders_in_sandbox(box), key=lambda o: o["preOrderId"])
    assert first["_sandbox"]["request"]["transactionReference"] == "Pre-Paid C-2001 (aeropay-778)"
    assert first["orderSource"] == "Express"
    assert second["orderSource"] == "Kiosk" and "transactionReference" not in second["_sandbox"]["request"]


def test_c4_same_idempotency_key_creates_one_order(dutchie):
    box = dutchie(products=30)
    order = an_order(in_stock_product_id(box), idempotency_key="canopy-order-42")
    client = client_for(box)
    first, again = client.push_order(order), client.push_order(order)
    assert first.pos_order_id == again.pos_order_id
    assert len(orders_in_sandbox(box)) == 1
    assert orders_in_sandbox(box)[0]["_sandbox"]["idempotencyKey"] == "canopy-order-42"


def test_c4_push_with_idempotency_key_is_retried_and_creates_one_order(dutchie):
    box = dutchie(products=30)
    customer_id = sandbox_customers(box)[0]["customerId"]
    order = an_order(in_stock_product_id(box), idempotency_key="canopy-order-43",
                     customer=OrderCustomer(first_name="Known", pos_customer_id=str(customer_id)))
    services.set_fault(box["location"], Fault.SERVER_ERROR, endpoint="preorder/submit")
    sleeps = Sleeps(then=switch_off(box))
    client = client_for(box, sleeps=sleeps)
    sent = requests_to(client, "preorder/submit")
    result = client.push_order(order)
    assert len(sent) == 2 and len(sleeps) == 1
    [stored] = orders_in_sandbox(box)
    assert str(stored["preOrderId"]) == result.pos_order_id


def test_c4_push_without_idempotency_key_is_never_retried(dutchie):
    box = dutchie(products=30)
    customer_id = sandbox_customers(box)[0]["customerId"]
    order = an_order(in_stock_product_id(box),
                     customer=OrderCustomer(first_name="Known", pos_customer_id=str(customer_id)))
    services.set_fault(box["location"], Fault.SERVER_ERROR, endpoint="preorder/submit")
    sleeps = Sleeps()
    client = client_for(box, sleeps=sleeps)
    sent = requests_to(client, "preorder/submit")
    with pytest.raises(BadResponse) as caught:
        client.push_order(order)
    assert "internal error (500)" in caught.value.message
    assert len(sent) == 1 and sleeps == []  # exactly one attempt reached the sandbox
    assert orders_in_sandbox(box) == []


def test_c4_refusal_carries_dutchies_reason_and_stores_nothing(dutchie):
    box = dutchie(products=30)
    customer_id = sandbox_customers(box)[0]["customerId"]
    order = an_order("999999", customer=OrderCustomer(first_name="Known", pos_customer_id=str(customer_id)))
    with pytest.raises(Refused) as caught:
        client_for(box).push_order(order)
    assert caught.value.status == 400
    assert "Product 999999 was not found" in caught.value.message
    assert orders_in_sandbox(box) == []
    with pytest.raises(Refused) as not_dutchie:
        client_for(box).push_order(an_order("abc-uuid"))
    assert "not a Dutchie productId" in not_dutchie.value.message


def test_c5_d7_order_statuses_follow_the_pos(dutchie):
    box = dutchie(products=30)
    client = client_for(box)
    order_id = client.push_order(an_order(in_stock_product_id(box))).pos_order_id
    walk = []
    for _ in range(3):
        walk.append(client.order_statuses([order_id])[0].status)
        services.advance_order(box["location"], order_id)
    walk.append(client.order_statuses([order_id])[0].status)
    # "Filled" is Dutchie's Notify: ready for the customer (our Ready for Pickup, D7).
    assert walk == ["Submitted", "Processing", "Filled", "Complete"]
    unknown, known = client.order_statuses(["123456", order_id])
    assert (unknown.status, known.status) == ("NotFound", "Complete")
    assert known.raw["preOrderId"] == int(order_id)


def test_cancel_order(dutchie):
    box = dutchie(products=30)
    client = client_for(box)
    order_id = client.push_order(an_order(in_stock_product_id(box))).pos_order_id
    status = client.cancel_order(order_id, "Customer changed their mind")
    assert status.status == "Cancelled"
    assert client.order_statuses([order_id])[0].status == "Cancelled"
    assert orders_in_sandbox(box)[0]["rejectedReason"] == "Customer changed their mind"
    with pytest.raises(Refused):
        client.cancel_order(order_id)  # Dutchie answers 400 once it is cancelled


# --- customers (L15-L23) ---------------------------------------------------------------------------------

def test_customers_page_through_everything_from_page_zero(dutchie):
    box = dutchie(products=10, customers=100)
    client = client_for(box)
    client.customer_page_size = 25
    sent = requests_to(client, "customers-paginated")
    customers = list(client.iter_customers())
    stored = {c["customerId"]: c for c in sandbox_customers(box)}
    assert sorted(int(c.pos_customer_id) for c in customers) == sorted(stored)
    pages = [requests.utils.urlparse(r.url).query for r in sent]
    assert len(pages) == 5 and "PageNumber=0" in pages[0] and "PageNumber=4" in pages[-1]  # 4 pages, then []
    for customer in customers:
        record = stored[int(customer.pos_customer_id)]
        assert (customer.first_name, customer.last_name) == (record["firstName"], record["lastName"])
        assert customer.email == (record["emailAddress"] or "") and customer.medical_id == (record["mmjidNumber"]
                                                                                              or "")
        assert customer.customer_type == record["customerType"] and customer.state == record["state"]
        assert customer.discount_groups == record["discountGroups"]
        assert customer.is_loyalty_member == bool(record["isLoyaltyMember"])
        assert customer.birth_date == date.fromisoformat(record["dateOfBirth"][:10])
        assert customer.archived == (record["status"] == "Cancelled" or bool(record["mergedIntoCustomerId"]))
        assert customer.merged_into == str(record["mergedIntoCustomerId"] or "")
    assert any(c.archived and not c.merged_into for c in customers)  # Cancelled profiles (L17)
    assert any(c.merged_into for c in customers)  # merged profiles (L17)
    assert any(c.discount_groups for c in customers)


def test_customers_since_and_create_update(dutchie):
    box = dutchie(products=10, customers=20)
    client = client_for(box)
    before = timezone.now() - timedelta(seconds=1)
    created = client.create_customer(PosCustomer(pos_customer_id="", first_name="Nia", last_name="Okafor",
                                                 phone="3035559999", email="nia@example.com",
                                                 birth_date=date(1988, 4, 5), is_loyalty_member=True))
    assert created.pos_customer_id.isdigit() and created.customer_type == "Recreational"
    assert created.address["street"] == raw(box, "whoami")["address"]  # Dutchie requires an address
    assert created.is_loyalty_member and created.raw["status"] == "Active"
    existing = next(c for c in sandbox_customers(box) if c["status"] == "Active" and c["customerId"] < 6000)
    updated = client.update_customer(PosCustomer(pos_customer_id=str(existing["customerId"]),
                                                 email="new.address@example.com"))
    assert updated.email == "new.address@example.com"
    assert (updated.first_name, updated.phone, updated.customer_type) == (
        existing["firstName"], existing["phone"], existing["customerType"])  # the rest is kept
    sent = requests_to(client, "customers-paginated")
    changed = {c.pos_customer_id for c in client.iter_customers(since=before)}
    assert changed == {created.pos_customer_id, str(existing["customerId"])}
    assert "fromLastModifiedDateUTC=" in sent[0].url and "toLastModifiedDateUTC=" in sent[0].url
    with pytest.raises(Refused) as caught:
        client.update_customer(PosCustomer(pos_customer_id="999999", email="x@example.com"))
    assert caught.value.status == 404


def test_find_patient_by_medical_id_then_phone(dutchie):
    box = dutchie(products=10, customers=40)
    client = client_for(box)
    patient = next(c for c in sandbox_customers(box) if c["mmjidNumber"] and c["status"] == "Active"
                   and not c["mergedIntoCustomerId"])
    found = client.find_patient(medical_id=patient["mmjidNumber"])
    assert found.pos_customer_id == str(patient["customerId"])
    by_phone = client.find_patient(medical_id="NO-SUCH-ID", phone=patient["phone"])
    assert by_phone.pos_customer_id == str(patient["customerId"])
    assert client.find_patient(medical_id="NO-SUCH-ID", phone="0000000000") is None
    assert client.find_patient() is None


def test_l17_merged_profile_sharing_a_phone_is_not_chosen(dutchie):
    box = dutchie(products=10, customers=200)
    merged = next((c for c in sandbox_customers(box) if c["mergedIntoCustomerId"] and c["phone"]), None)
    if merged is None:
        pytest.skip("no merged profile with a phone in this catalogue")
    found = client_for(box).find_patient(phone=merged["phone"])
    assert found is None or not found.archived


# --- transactions ------------------------------------------------------------------------------------

def test_transactions_full_history_a_month_at_a_time(dutchie):
    box = dutchie(products=20, customers=20)
    client = client_for(box)
    client.history_start = generate.EPOCH - timedelta(days=800)
    sent = requests_to(client, "reporting/transactions")
    sales = list(client.iter_transactions())
    stored = {t.data["transactionId"]: t.data for t in SandboxRecord.objects.filter(
        location=box["location"], kind=RecordKind.TRANSACTION)}
    assert sorted(int(s.pos_transaction_id) for s in sales) == sorted(stored)
    assert len(sent) >= 26 and all("FromDateUTC=" in r.url and "IncludeDetail=true" in r.url for r in sent)
    products = {str(p["productId"]): p for p in raw(box, "reporting/products")}
    for sale in sales:
        record = stored[int(sale.pos_transaction_id)]
        assert sale.pos_customer_id == str(record["customerId"]) and sale.total == record["total"]
        assert sale.voided == record["isVoid"] and sale.loyalty_spent == record["loyaltySpent"]
        assert sale.occurred_at == datetime.fromisoformat(record["transactionDate"].replace("Z", "+00:00"))
        assert [(line.pos_product_id, line.quantity, line.unit_price) for line in sale.lines] == [
            (str(i["productId"]), i["quantity"], i["unitPrice"]) for i in record["items"]]
        for line in sale.lines:
            assert line.name == (products[line.pos_product_id]["productName"] or "")
            assert line.sku == products[line.pos_product_id]["sku"]
    assert sales and all(s.lines for s in sales)


def test_transactions_since_reads_changes_by_modified_date(dutchie):
    box = dutchie(products=20, customers=20)
    since = generate.EPOCH - timedelta(days=60)
    client = client_for(box)
    sent = requests_to(client, "reporting/transactions")
    sales = list(client.iter_transactions(since=since))
    expected = SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.TRANSACTION,
                                            modified_at__gte=since).count()
    assert len(sales) == expected > 0
    assert len(sent) == 1 and "FromLastModifiedDateUTC=2026-09-02T12%3A00%3A00.000Z" in sent[0].url
