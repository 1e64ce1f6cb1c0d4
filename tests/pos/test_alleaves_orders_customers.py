"""AlleavesClient over real HTTP against the sandbox Alleaves POS: pushed orders and their statuses (C4, A2,
A7), customers and patients, and the order history as transactions."""
from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.pos.alleaves import AlleavesClient
from integrations.pos.alleaves import client as alleaves_module
from integrations.pos.errors import BadResponse, Refused, UnsupportedFeature
from integrations.pos.http import PosHttp, RetryPolicy
from integrations.pos.records import OrderCustomer, OrderLine, PosCustomer, PosOrder
from integrations.sandbox import services
from integrations.sandbox.models import Fault, RecordKind, SandboxRecord
from tests.pos.alleaves_support import SELLABLE_AREAS, customer_rows


def orders_stored(location) -> int:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER).count()


# --- orders (C4, A2, A7) ----------------------------------------------------------------------------
def _sellable_line(client: AlleavesClient) -> OrderLine:
    product = next(p for p in client.iter_inventory() if p.quantity and p.price_recreational
                   and p.price_recreational > 0)
    return OrderLine(pos_product_id=product.pos_product_id, quantity=1, unit_price=product.price_recreational,
                     batch_id=str(product.raw["id_batch"]))


def test_c4_push_pickup_order_and_follow_its_status(alleaves_pos):
    client, _, location = alleaves_pos(products=40, customers=30, area_ids=SELLABLE_AREAS)
    shopper = customer_rows(location)[0]
    order = PosOrder(order_number="CANOPY-1", lines=[_sellable_line(client)],
                     customer=OrderCustomer(pos_customer_id=str(shopper["id_customer"])))
    pushed = client.push_order(order)
    assert pushed.status == "open" and int(pushed.pos_order_id) >= 2_000_000
    assert pushed.raw["reference"] == "CANOPY-1" and pushed.raw["type"] == "pickup"
    assert [s.status for s in client.order_statuses([pushed.pos_order_id])] == ["open"]
    services.advance_order(location, pushed.pos_order_id)
    services.advance_order(location, pushed.pos_order_id)
    statuses = client.order_statuses([pushed.pos_order_id, "123"])
    assert [(s.pos_order_id, s.status) for s in statuses] == [(pushed.pos_order_id, "ready"), ("123", "not_found")]


def test_a2_delivery_order_carries_its_start_and_end_time(alleaves_pos):
    client, _, location = alleaves_pos(products=40, customers=30, area_ids=SELLABLE_AREAS)
    shopper = customer_rows(location)[0]
    start = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    order = PosOrder(order_number="CANOPY-2", lines=[_sellable_line(client)], order_type="delivery",
                     customer=OrderCustomer(pos_customer_id=str(shopper["id_customer"])),
                     window_start=start, window_end=start + timedelta(hours=2),
                     delivery_address={"street": "1 Main St", "city": "Syracuse", "state": "NY", "zip": "13202"},
                     notes="Ring twice")
    pushed = client.push_order(order)
    assert pushed.raw["type"] == "delivery"
    assert pushed.raw["delivery_start"] == "2026-11-24T17:00:00.000Z"
    assert pushed.raw["delivery_end"] == "2026-11-24T19:00:00.000Z"
    assert pushed.raw["delivery_address"]["street"] == "1 Main St" and pushed.raw["notes"] == "Ring twice"


def test_a2_delivery_without_a_window_is_refused_before_anything_is_sent(alleaves_pos):
    client, _, location = alleaves_pos(products=20, customers=20, area_ids=SELLABLE_AREAS)
    customers_before = len(customer_rows(location))
    order = PosOrder(order_number="CANOPY-3", lines=[_sellable_line(client)], order_type="delivery",
                     customer=OrderCustomer(first_name="New", last_name="Shopper", birth_date=date(1990, 1, 2)))
    with pytest.raises(Refused, match="no delivery start and end time"):
        client.push_order(order)
    line = OrderLine(pos_product_id="1000", quantity=1)
    with pytest.raises(Refused, match="have no batch"):
        client.push_order(PosOrder(order_number="CANOPY-4", lines=[line], customer=OrderCustomer()))
    assert orders_stored(location) == 0 and len(customer_rows(location)) == customers_before


def test_c4_refusal_carries_the_pos_reason_and_nothing_is_stored(alleaves_pos):
    client, _, location = alleaves_pos(products=20, customers=20)
    shopper = customer_rows(location)[0]
    order = PosOrder(order_number="CANOPY-5", customer=OrderCustomer(pos_customer_id=str(shopper["id_customer"])),
                     lines=[OrderLine(pos_product_id="1", quantity=1, batch_id="1")])
    with pytest.raises(Refused) as caught:
        client.push_order(order)
    assert caught.value.status == 400
    assert caught.value.message == "Alleaves refused POST /order (400): item 1: id_item/id_batch not found"
    assert orders_stored(location) == 0


def test_c4_order_push_is_never_retried_automatically(alleaves_pos):
    waits = []
    client, info, location = alleaves_pos(products=20, customers=20, area_ids=SELLABLE_AREAS)
    client.http = PosHttp(info["base_url"], "Alleaves", retry=RetryPolicy(attempts=4), sleep=waits.append)
    shopper = customer_rows(location)[0]
    order = PosOrder(order_number="CANOPY-6", lines=[_sellable_line(client)],
                     customer=OrderCustomer(pos_customer_id=str(shopper["id_customer"])))
    services.set_fault(location, Fault.SERVER_ERROR, endpoint="order")
    with pytest.raises(BadResponse, match=r"internal error \(500\) on POST /order"):
        client.push_order(order)
    assert waits == [], "a failed POST /order is reported, not sent again"


def test_a7_medical_order_attaches_the_patient_found_by_medical_id(alleaves_pos):
    client, _, location = alleaves_pos(products=40, customers=40, area_ids=SELLABLE_AREAS)
    patient = next(c for c in customer_rows(location) if c["medical_id"] and not c["deleted"])
    order = PosOrder(order_number="CANOPY-7", lines=[_sellable_line(client)], is_medical=True,
                     customer=OrderCustomer(first_name="X", last_name="Y", medical_id=patient["medical_id"].lower(),
                                            phone="0000000000"))
    pushed = client.push_order(order)
    assert pushed.raw["id_customer"] == patient["id_customer"] and pushed.raw["is_medical"] is True


def test_a7_medical_order_falls_back_to_the_phone(alleaves_pos):
    client, _, location = alleaves_pos(products=40, customers=40, area_ids=SELLABLE_AREAS)
    patient = next(c for c in customer_rows(location) if c["medical_id"] and not c["deleted"])
    order = PosOrder(order_number="CANOPY-8", lines=[_sellable_line(client)], is_medical=True,
                     customer=OrderCustomer(medical_id="UNKNOWN-ID", phone=f"+1 ({patient['phone'][-10:-7]}) "
                                                                            f"{patient['phone'][-7:]}"))
    found = client.find_patient(medical_id="UNKNOWN-ID", phone=order.customer.phone)
    assert found is not None and found.pos_customer_id == str(patient["id_customer"])
    assert client.push_order(order).raw["id_customer"] == patient["id_customer"]


def test_a7_medical_order_creates_the_patient_when_none_matches(alleaves_pos):
    client, _, location = alleaves_pos(products=40, customers=20, area_ids=SELLABLE_AREAS)
    before = len(customer_rows(location))
    order = PosOrder(order_number="CANOPY-9", lines=[_sellable_line(client)], is_medical=True,
                     customer=OrderCustomer(first_name="Nia", last_name="Okafor", phone="3155550199",
                                            birth_date=date(1985, 4, 3), medical_id="NY-MED-777",
                                            medical_id_expires=date(2027, 4, 3), state="NY"))
    pushed = client.push_order(order)
    rows = customer_rows(location)
    assert len(rows) == before + 1
    created = rows[-1]
    assert created["medical_id"] == "NY-MED-777" and created["medical_id_expiration"] == "2027-04-03"
    assert pushed.raw["id_customer"] == created["id_customer"] and pushed.raw["tax"] == 0
    # The same patient ordering again is found, not created twice.
    again = PosOrder(order_number="CANOPY-10", lines=order.lines, is_medical=True,
                     customer=OrderCustomer(medical_id="ny-med-777"))
    assert client.push_order(again).raw["id_customer"] == created["id_customer"]
    assert len(customer_rows(location)) == before + 1


# --- customers and transactions ---------------------------------------------------------------------
def test_customers_page_until_an_empty_page(alleaves_pos, monkeypatch):
    monkeypatch.setattr(alleaves_module, "CUSTOMER_PAGE_SIZE", 7)
    client, _, location = alleaves_pos(products=10, customers=30)
    rows = customer_rows(location)
    customers = list(client.iter_customers())
    assert [c.pos_customer_id for c in customers] == [str(r["id_customer"]) for r in rows]
    first, row = customers[0], rows[0]
    assert (first.first_name, first.last_name, first.phone, first.email) == (
        row["name_first"], row["name_last"], row["phone"], row["email"])
    assert first.birth_date == date.fromisoformat(row["date_of_birth"])
    assert any(c.archived for c in customers) and any(c.medical_id for c in customers)
    assert any(c.is_loyalty_member for c in customers)
    assert all(c.modified_at is not None and c.modified_at.tzinfo for c in customers)


def test_customers_since_keeps_the_newer_ones(alleaves_pos):
    client, _, location = alleaves_pos(products=10, customers=40)
    everyone = list(client.iter_customers())
    cutoff = sorted(c.modified_at for c in everyone)[len(everyone) // 2]
    newer = list(client.iter_customers(since=cutoff))
    assert 0 < len(newer) < len(everyone)
    assert {c.pos_customer_id for c in newer} == {c.pos_customer_id for c in everyone if c.modified_at >= cutoff}


@pytest.mark.parametrize("answer", [
    [{"id_customer": 1}, {"id_customer": 2}],
    {"customers": [{"id_customer": 1}, {"id_customer": 2}]},
    {"data": [{"id_customer": 1}, {"id_customer": 2}]},
    {"1": {"id_customer": 2}, "0": {"id_customer": 1}},
])
def test_customer_search_answer_shapes(answer):
    assert [row["id_customer"] for row in alleaves_module._as_list(answer, "customers")] == [1, 2]


def test_create_customer_and_find_patient(alleaves_pos):
    client, _, location = alleaves_pos(products=10, customers=20)
    created = client.create_customer(PosCustomer(pos_customer_id="", first_name="Ada", last_name="Lovelace",
                                                 phone="(315) 555-0142", email="ada@example.com",
                                                 birth_date=date(1990, 12, 10)))
    assert created.pos_customer_id and created.phone == "3155550142" and created.customer_type == "Adult Use"
    assert client.find_patient(phone="315-555-0142").pos_customer_id == created.pos_customer_id
    assert client.find_patient(medical_id="NOPE", phone="9999999999") is None
    patient = next(c for c in customer_rows(location) if c["medical_id"] and not c["deleted"])
    assert client.find_patient(medical_id=patient["medical_id"]).pos_customer_id == str(patient["id_customer"])
    with pytest.raises(Refused, match=r"\(409\): A customer with this medical_id already exists"):
        client.create_customer(PosCustomer(pos_customer_id="", first_name="A", last_name="B",
                                           birth_date=date(1980, 1, 1), medical_id=patient["medical_id"]))
    with pytest.raises(Refused, match="Missing required fields: date_of_birth"):
        client.create_customer(PosCustomer(pos_customer_id="", first_name="A", last_name="B"))


def test_update_customer_is_unsupported(alleaves_pos):
    client, _, _ = alleaves_pos(products=5)
    with pytest.raises(UnsupportedFeature, match="Alleaves's API does not offer updating customers"):
        client.update_customer(PosCustomer(pos_customer_id="1"))


def test_transactions_page_through_the_order_history(alleaves_pos):
    client, _, location = alleaves_pos(products=60, customers=120)
    sales = {str(data["id_order"]): data for data in SandboxRecord.objects.filter(
        location=location, kind=RecordKind.TRANSACTION).values_list("data", flat=True)}
    assert len(sales) > 100, "more than one page of 100"
    transactions = list(client.iter_transactions())
    assert {t.pos_transaction_id for t in transactions} == set(sales)
    sample = transactions[0]
    sale = sales[sample.pos_transaction_id]
    assert sample.total == sale["total"] and sample.pos_customer_id == str(sale["id_customer"])
    assert [(line.pos_product_id, line.quantity, line.unit_price) for line in sample.lines] == [
        (str(item["id_item"]), item["quantity"], item["price"]) for item in sale["items"]]
    assert sample.occurred_at.tzinfo is not None
    assert {t.voided for t in transactions} == {True, False}
    assert any(t.loyalty_spent for t in transactions)


def test_transactions_since_and_open_orders_left_out(alleaves_pos):
    client, _, location = alleaves_pos(products=60, customers=120, area_ids=SELLABLE_AREAS)
    everything = list(client.iter_transactions())
    cutoff = sorted(t.occurred_at for t in everything)[-15]
    recent = list(client.iter_transactions(since=cutoff))
    assert {t.pos_transaction_id for t in recent} == {t.pos_transaction_id for t in everything
                                                       if t.occurred_at >= cutoff}
    # A pushed order still open is not a sale yet; once completed it is.
    shopper = customer_rows(location)[0]
    pushed = client.push_order(PosOrder(order_number="CANOPY-11", lines=[_sellable_line(client)],
                                        customer=OrderCustomer(pos_customer_id=str(shopper["id_customer"]))))
    assert pushed.pos_order_id not in {t.pos_transaction_id for t in client.iter_transactions(since=cutoff)}
    for _ in range(3):
        services.advance_order(location, pushed.pos_order_id)
    assert pushed.pos_order_id in {t.pos_transaction_id for t in client.iter_transactions(since=cutoff)}
