"""Alleaves POS client (A1-A7) over real HTTP against the sandbox Alleaves POS (live_server)."""
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from django.utils import timezone

from integrations.pos.alleaves import AlleavesClient, jwt_expiry, parse_lab_value
from integrations.pos.alleaves import client as alleaves_module
from integrations.pos.errors import (
    BadResponse,
    Forbidden,
    RateLimited,
    Refused,
    Timeout,
    Unauthorized,
    Unreachable,
    UnsupportedFeature,
)
from integrations.pos.http import PosHttp, RetryPolicy
from integrations.pos.records import ClientConfig, OrderCustomer, OrderLine, PosCustomer, PosOrder
from integrations.sandbox import services
from integrations.sandbox.faults import rate_counter
from integrations.sandbox.models import Fault, RecordKind, SandboxRecord, SandboxToken
from tests.support import closed_port

SELLABLE_AREAS = ["1000", "1001"]  # Sales Floor and Display Case (Retail) in the sandbox


@pytest.fixture
def alleaves_pos(live_server, transactional_db):
    """`make(products=, seed=, customers=, **config)` -> (client, sandbox info, SandboxLocation)."""
    rate_counter.reset()

    def make(products: int = 40, seed: int = 1, customers: int | None = None, http: PosHttp | None = None,
             **config):
        location = services.create_location("alleaves", products=products, seed=seed, customers=customers)
        info = services.describe(location, live_server.url)
        cfg = ClientConfig(endpoint=info["base_url"], **{**info["credentials"], **config})
        return AlleavesClient(cfg, http=http), info, location

    yield make
    rate_counter.reset()


def quick_http(base_url: str, **options) -> PosHttp:
    """One attempt, no waiting: what the fault tests need to see the first error as it is."""
    return PosHttp(base_url, "Alleaves", retry=RetryPolicy(attempts=1), **options)


def raw_feed(info: dict) -> list[dict]:
    """The sandbox's inventory as any HTTP caller sees it, to check the client's mapping against."""
    base, creds = info["base_url"], info["credentials"]
    token = requests.post(base + "auth", json={"username": creds["username"], "password": creds["password"]},
                          timeout=10).json()["token"]
    return requests.post(base + "inventory/search", json={"query": "", "id_location": int(creds["location_id"])},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30).json()


def orders_stored(location) -> int:
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER).count()


def customer_rows(location) -> list[dict]:
    return list(SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)
                .order_by("position", "id").values_list("data", flat=True))


# --- test_connection (A1, R2, R11) --------------------------------------------------------------------
def test_a1_test_connection_names_the_location_and_its_areas(alleaves_pos):
    client, info, location = alleaves_pos(products=5)
    result = client.test_connection()
    assert result.ok is True
    assert result.message == f"Connected to {location.name} (sandbox_{location.location_id})."
    assert str(result.details["id_location"]) == location.location_id
    areas = {area["id"]: area["name"] for area in result.details["areas"]}
    assert areas["1001"] == "Sales Floor > Display Case"
    assert "1005" not in areas  # the deleted "Back Room (closed)"


def test_a1_unknown_location_id_names_the_locations_the_user_can_see(alleaves_pos):
    client, info, location = alleaves_pos(products=5, location_id="999999")
    result = client.test_connection()
    assert result.ok is False
    assert "cannot see location 999999" in result.message
    assert f"{location.location_id} ({location.name})" in result.message
    assert result.details["location_ids"] == [int(location.location_id)]


def test_a1_wrong_password_is_unauthorized_and_never_echoed(alleaves_pos):
    client, info, _ = alleaves_pos(products=5, password="not-the-Secret-42")
    with pytest.raises(Unauthorized) as caught:
        client.test_connection()
    assert caught.value.message == "Alleaves refused the username or password (401)."
    assert "not-the-Secret-42" not in str(caught.value)
    assert info["credentials"]["password"] not in str(caught.value)


def test_a1_pin_is_sent_when_the_user_has_one(alleaves_pos):
    client, info, location = alleaves_pos(products=5)
    location.pin = "4321"
    location.save(update_fields=["pin"])
    with pytest.raises(Unauthorized, match="username, password or PIN") as caught:
        AlleavesClient(ClientConfig(**{**client.config.__dict__, "pin": "1111"})).test_connection()
    assert "1111" not in str(caught.value)
    assert AlleavesClient(ClientConfig(**{**client.config.__dict__, "pin": "4321"})).test_connection().ok


def test_a1_missing_credentials_are_named_before_any_call():
    client = AlleavesClient(ClientConfig(endpoint="http://127.0.0.1:9", location_id="1000", username="u"))
    with pytest.raises(Unauthorized, match="needs the password"):
        client.test_connection()


def test_a1_location_id_must_be_a_number(alleaves_pos):
    client, _, _ = alleaves_pos(products=5, location_id="store-one")
    with pytest.raises(Refused, match="is not a number"):
        client.test_connection()


def test_r11_401_on_a_data_endpoint_even_after_a_fresh_login(alleaves_pos):
    client, info, location = alleaves_pos(products=5)
    services.set_fault(location, Fault.UNAUTHORIZED, endpoint="location")
    with pytest.raises(Unauthorized) as caught:
        client.test_connection()
    assert caught.value.message == "Alleaves refused GET /location (401) even right after a fresh login."
    assert info["credentials"]["password"] not in str(caught.value)
    # One login, one re-login after the first 401: no loop.
    assert SandboxToken.objects.filter(location=location).count() == 2


def test_r11_403_says_the_user_lacks_access(alleaves_pos):
    client, _, location = alleaves_pos(products=5)
    services.set_fault(location, Fault.FORBIDDEN, endpoint="location")
    with pytest.raises(Forbidden) as caught:
        client.test_connection()
    assert caught.value.message == "Alleaves says this user may not use GET /location (403)."
    assert "has access to this location" in caught.value.fix


def test_r11_429_is_rate_limited_with_retry_after(alleaves_pos, live_server):
    client, info, location = alleaves_pos(products=5)
    client.http = quick_http(info["base_url"])
    services.set_fault(location, Fault.RATE_LIMITED, endpoint="location", retry_after_seconds=7)
    with pytest.raises(RateLimited) as caught:
        client.test_connection()
    assert caught.value.retry_after == 7
    assert caught.value.message == "Alleaves asked Canopy to slow down (429) on GET /location."


def test_r11_429_is_waited_out_then_reported(alleaves_pos):
    """A GET is retried after the POS's Retry-After; the wait goes through PosHttp.sleep (no real sleep)."""
    waits = []
    client, info, location = alleaves_pos(products=5)
    client.http = PosHttp(info["base_url"], "Alleaves", retry=RetryPolicy(attempts=2), sleep=waits.append)
    services.set_fault(location, Fault.RATE_LIMITED, endpoint="inventory/area", retry_after_seconds=3)
    with pytest.raises(RateLimited):
        client.list_rooms()
    assert waits == [3.0]


def test_r11_timeout_when_the_pos_is_slow(alleaves_pos):
    client, info, location = alleaves_pos(products=5)
    client.http = quick_http(info["base_url"], read_timeout=0.3)
    services.set_fault(location, Fault.SLOW, endpoint="location", slow_seconds=1.0)
    with pytest.raises(Timeout) as caught:
        client.test_connection()
    assert caught.value.message == "Alleaves did not answer GET /location within 0.3 seconds."


def test_r11_connection_refused_is_unreachable():
    endpoint = f"http://127.0.0.1:{closed_port()}/api"
    client = AlleavesClient(ClientConfig(endpoint=endpoint, location_id="1000", username="u", password="p-secret"),
                            http=quick_http(endpoint))
    with pytest.raises(Unreachable) as caught:
        client.test_connection()
    assert caught.value.message == (f"Could not connect to Alleaves at {endpoint}: the connection was refused or "
                                    "the address does not answer.")
    assert "p-secret" not in str(caught.value)


def test_r11_malformed_json(alleaves_pos):
    client, _, location = alleaves_pos(products=5)
    services.set_fault(location, Fault.MALFORMED_JSON, endpoint="location")
    with pytest.raises(BadResponse) as caught:
        client.test_connection()
    assert "answer to GET" in caught.value.message and "is not valid JSON" in caught.value.message


def test_r11_malformed_json_in_the_streamed_feed(alleaves_pos):
    client, _, location = alleaves_pos(products=20)
    services.set_fault(location, Fault.MALFORMED_JSON, endpoint="inventory/search")
    with pytest.raises(BadResponse, match=r"POST /inventory/search is not valid JSON"):
        list(client.iter_inventory())


def test_r11_truncated_body_of_the_streamed_feed(alleaves_pos):
    client, _, location = alleaves_pos(products=30)
    services.set_fault(location, Fault.TRUNCATED, endpoint="inventory/search")
    with pytest.raises(BadResponse) as caught:
        list(client.iter_inventory())
    assert caught.value.message in (
        "Alleaves's answer to POST /inventory/search ended before the document was complete.",
        "Alleaves's answer to POST /inventory/search was cut off before it was complete.",
    )


def test_r11_truncated_body_of_a_small_answer(alleaves_pos):
    client, _, location = alleaves_pos(products=5)
    services.set_fault(location, Fault.TRUNCATED, endpoint="location")
    with pytest.raises(BadResponse, match="ended before the document was complete|cut off"):
        client.test_connection()


# --- token lifetime ---------------------------------------------------------------------------------
def test_a1_token_is_renewed_shortly_before_it_expires(alleaves_pos):
    now = [1_000_000_000.0]
    client, info, location = alleaves_pos(products=5)
    client.login()
    expires = jwt_expiry(client._token)
    assert expires is not None and expires > 0
    client.clock = lambda: now[0]
    now[0] = expires - 3600  # long before exp: the same token is used
    client.list_rooms()
    assert SandboxToken.objects.filter(location=location).count() == 1
    now[0] = expires - 30  # within the renewal margin: log in again first
    client.list_rooms()
    assert SandboxToken.objects.filter(location=location).count() == 2


def test_a1_token_expired_mid_sync_logs_in_again_once(alleaves_pos):
    client, _, location = alleaves_pos(products=20, customers=30)
    rooms = client.list_rooms()
    # The POS expires the token while our clock still thinks it is good (a server-side expiry).
    SandboxToken.objects.filter(location=location).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert [r.id for r in client.list_rooms()] == [r.id for r in rooms]
    SandboxToken.objects.filter(location=location).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert len(list(client.iter_inventory())) > 0  # streamed POST: same single re-login
    SandboxToken.objects.filter(location=location).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert len(list(client.iter_customers())) == len(customer_rows(location))
    assert SandboxToken.objects.filter(location=location).count() == 4


def test_jwt_expiry_reads_exp_without_the_signature():
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.!!!.c") is None
    assert jwt_expiry("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.sig") == 1_700_000_000.0


# --- areas and inventory (A1-A6) --------------------------------------------------------------------
def test_a1_list_rooms_marks_retail_areas_sellable_and_skips_deleted(alleaves_pos):
    client, _, _ = alleaves_pos(products=5)
    rooms = {room.id: room for room in client.list_rooms()}
    assert set(rooms) == {"1000", "1001", "1002", "1003", "1004"}
    assert rooms["1000"].name == "Sales Floor" and rooms["1000"].sellable
    assert rooms["1001"].name == "Sales Floor > Display Case" and rooms["1001"].sellable
    assert not rooms["1002"].sellable and rooms["1002"].raw["area_type"] == "Damaged"  # Quarantine
    assert not rooms["1004"].sellable  # Vault, no area type


def test_a1_inventory_only_from_the_chosen_areas_one_product_per_item(alleaves_pos):
    # Seed 3 with 300 products has an item with two batches on the sales floor, the later one fuller.
    client, info, _ = alleaves_pos(products=300, seed=3, area_ids=SELLABLE_AREAS)
    rows_by_item = defaultdict(list)
    for row in raw_feed(info):
        if str(row["id_area"]) in SELLABLE_AREAS:
            rows_by_item[str(row["id_item"])].append(row)
    products = list(client.iter_inventory())
    ids = [p.pos_product_id for p in products]
    assert len(ids) == len(set(ids)), "one PosProduct per id_item"
    assert set(ids) == set(rows_by_item)
    for product in products:
        rows = rows_by_item[product.pos_product_id]
        assert [b["id_batch"] for b in product.raw["canopy_batches"]] == [r["id_batch"] for r in rows]
        assert set(product.room_quantities) <= set(SELLABLE_AREAS)
        if all(isinstance(r["available"], int | float) for r in rows):
            assert product.quantity == sum(r["available"] for r in rows)
            assert sum(product.room_quantities.values()) == product.quantity
            # The batch with the most stock speaks for the item (and is the one orders sell from).
            assert product.raw["id_batch"] == max(rows, key=lambda r: r["available"])["id_batch"]
    multi = [p for p in products if len(rows_by_item[p.pos_product_id]) > 1]
    assert multi, "the data has an item with several batches in the chosen areas"
    assert multi[0].raw["id_batch"] != rows_by_item[multi[0].pos_product_id][0]["id_batch"]
    # Area-less, quarantine and vault rows never reach a card that chose the retail areas.
    assert all(p.raw["area_type"] == "Retail" for p in products)


def test_a1_no_area_chosen_reads_every_row(alleaves_pos):
    client, info, _ = alleaves_pos(products=60, seed=2)
    feed = raw_feed(info)
    products = list(client.iter_inventory())
    assert {p.pos_product_id for p in products} == {str(r["id_item"]) for r in feed}
    assert any("" in p.room_quantities for p in products), "area-less rows are included when no area is chosen"


def test_a2_a3_a4_a6_field_mapping_matches_the_sandbox(alleaves_pos):
    client, info, _ = alleaves_pos(products=150, seed=5)
    by_batch = {row["id_batch"]: row for row in raw_feed(info)}
    products = list(client.iter_inventory())
    seen = defaultdict(int)
    for product in products:
        row = by_batch[product.raw["id_batch"]]
        assert product.pos_product_id == str(row["id_item"])
        assert product.name == (row["item"] or "")
        assert product.category == (row["category"] or "")  # "Category > Flower" as given
        assert product.brand == (row["brand"] or "").strip()
        # A2: menu-type and OTD prices; 0 means "not on that menu".
        for attr, key in (("price", "price_retail"), ("price_recreational", "price_retail_adult_use"),
                          ("price_medical", "price_retail_medical_use"), ("price_otd", "price_otd"),
                          ("price_otd_recreational", "price_otd_adult_use"),
                          ("price_otd_medical", "price_otd_medical_use")):
            assert getattr(product, attr) == (None if row[key] == 0 else row[key]), attr
        assert product.use_otd_price == row["use_otd_price"]
        seen["otd"] += product.use_otd_price
        # A3: the item's threshold when selected, else the location's when selected.
        if row["threshold_low_quantity_selected"]:
            assert product.low_quantity_threshold == row["threshold_low_quantity"]
            seen["item threshold"] += 1
        elif row["location_threshold_low_quantity_selected"]:
            assert product.low_quantity_threshold == row["location_threshold_low_quantity_value"]
            seen["location threshold"] += 1
        else:
            assert product.low_quantity_threshold is None
            seen["threshold not selected"] += row["location_threshold_low_quantity_value"] is not None
        # A4: deli-style tiers.
        assert [(t.start, t.end, t.price) for t in product.tiers] == [
            (t["quantity_min"], t["quantity_max"], t["price"]) for t in row["pricing_tiers"]]
        seen["tiers"] += bool(product.tiers)
        # A6: every compound is a lab; terpenes are the non-cannabinoids, unit parsed from the value.
        assert [lab.name for lab in product.labs] == [c["compound"] for c in row["compounds"]]
        for terpene in product.terpenes:
            result = next(c["result"] for c in row["compounds"] if c["compound"] == terpene.name)
            assert terpene.unit == ("%" if result.endswith("%") else "mg/g" if result.endswith("mg/g") else "mg")
            assert terpene.value == float(result.rstrip("%").replace("mg/g", "").replace("mg", "").strip())
            seen["terpenes"] += 1
        assert all(not t.name.upper().startswith(("THC", "CBD")) for t in product.terpenes)
        # Potency: percent fields, else milligrams.
        if row["thc"] is not None:
            assert (product.thc.value, product.thc.unit) == (row["thc"], "%")
        elif row["thc_mg"] is not None:
            assert (product.thc.value, product.thc.unit) == (row["thc_mg"], "mg")
            seen["thc mg"] += 1
        if row["cbd"] is not None:
            assert (product.cbd.value, product.cbd.unit) == (row["cbd"], "%")
        assert product.weight == row["weight_useable"]
        assert product.weight_unit == (row["weight_useable_uom_short"] or "")
        assert product.quantity_units == row["uom"]
        assert product.medical_only == (row["is_medical_use"] and not row["is_adult_use"])
        if row["date_updated"]:
            assert product.modified_at >= datetime.fromisoformat(row["date_updated"].replace("Z", "+00:00"))
    assert all(seen[key] for key in ("otd", "item threshold", "location threshold", "threshold not selected",
                                     "tiers", "terpenes", "thc mg")), seen


def test_x1_malformed_rows_are_passed_on_for_review_not_dropped(alleaves_pos):
    client, info, _ = alleaves_pos(products=600, seed=4)
    feed = raw_feed(info)
    products = {p.pos_product_id: p for p in client.iter_inventory()}
    text_rows = [r for r in feed if isinstance(r["available"], str)]
    assert text_rows, "the sandbox serves a few malformed rows"
    for row in text_rows:
        assert products[str(row["id_item"])].quantity is None  # unreadable: the catalog flags it


@pytest.mark.parametrize(("name", "result", "value", "unit"), [
    ("β-Myrcene", "1.2%", 1.2, "%"),
    ("Limonene", "3 mg", 3.0, "mg"),
    ("Linalool", "4.5 mg/g", 4.5, "mg/g"),
    ("Guaiol", "2", 2.0, "mg"),  # A6: no unit means mg
    ("THC %", "22.10000000", 22.1, "%"),  # cannabinoids name their unit
    ("THC mg/g", "221", 221.0, "mg/g"),
    ("Humulene", "n.d.", None, "n.d."),
])
def test_a6_lab_value_units(name, result, value, unit):
    lab = parse_lab_value(name, result)
    assert (lab.name, lab.value, lab.unit) == (name, value, unit)


def test_iter_products_is_the_inventory_snapshot_whatever_since(alleaves_pos):
    client, _, _ = alleaves_pos(products=30, area_ids=SELLABLE_AREAS)
    everything = [p.pos_product_id for p in client.iter_inventory()]
    assert [p.pos_product_id for p in client.iter_products(since=datetime.now(UTC))] == everything


def test_a5_price_and_quantity_changes_are_visible(alleaves_pos):
    client, _, location = alleaves_pos(products=40, area_ids=SELLABLE_AREAS)
    before = {p.pos_product_id: p for p in client.iter_inventory()}
    services.change_quantities(location, fraction=1.0, quantity=0)
    after = {p.pos_product_id: p for p in client.iter_inventory()}
    assert set(after) == set(before)
    assert all(p.quantity == 0 for p in after.values())


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
