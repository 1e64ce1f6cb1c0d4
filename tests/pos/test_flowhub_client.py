"""FlowhubClient over real HTTP against the sandbox Flowhub (live_server): connection and its failures
(R2, R11), rooms (F7), inventory mapping and filters (F1, F5, F6, F8), Order Ahead push (F2, F4), Maui
order syncing (F3), statuses, customers and sales with paging, and the client-side rate limit."""
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from django.utils import timezone

from integrations.pos.errors import BadResponse, RateLimited, Refused, Unauthorized, UnsupportedFeature
from integrations.pos.flowhub import (
    AUTH0_BASE,
    REQUESTS_PER_MINUTE,
    FlowhubClient,
    FlowhubLimiter,
    token_base_url,
)
from integrations.pos.http import RetryPolicy
from integrations.pos.records import ClientConfig, OrderCustomer, OrderLine, PosCustomer, PosOrder
from integrations.sandbox import services
from integrations.sandbox.faults import rate_counter
from integrations.sandbox.models import Fault, RecordKind, SandboxLocation, SandboxRecord, SandboxToken
from integrations.sandbox.vendors.flowhub import ERRORS
from tests.support import closed_port

ROOM_ID_RE = re.compile(r"^[A-Za-z0-9]{32}$")


@pytest.fixture
def flowhub(live_server, transactional_db):
    """make(products=, seed=, customers=) -> a sandbox Flowhub location as services.describe gives it."""
    rate_counter.reset()

    def make(products: int = 40, seed: int = 1, **options):
        location = services.create_location("flowhub", products=products, seed=seed, **options)
        return {**services.describe(location, live_server.url), "location": location}

    yield make
    rate_counter.reset()


class Sleeps(list):
    """Stands in for time.sleep: records the delays, never waits (tests do not depend on the clock)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def config_for(box, **overrides) -> ClientConfig:
    return ClientConfig(**{"endpoint": box["base_url"], **box["credentials"], **overrides})


def client_for(box, *, attempts: int = 4, sleeps: Sleeps | None = None, read_timeout: float = 30.0,
               **overrides) -> FlowhubClient:
    config = config_for(box, **overrides)
    http = FlowhubClient.make_http(config, retry=RetryPolicy(attempts=attempts), read_timeout=read_timeout,
                                   sleep=sleeps if sleeps is not None else Sleeps())
    return FlowhubClient(config, http)


def raw(box, path, **params) -> list[dict]:
    """What the sandbox serves, read without the client, to check the mapping against."""
    creds = box["credentials"]
    response = requests.get(box["base_url"] + path, params=params, timeout=30,
                            headers={"clientId": creds["client_id"], "key": creds["api_key"]})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["data"] if "data" in body else body


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


# --- the class and its pieces ------------------------------------------------------------------------

def test_f1_card_fields_and_features():
    assert (FlowhubClient.vendor, FlowhubClient.label) == ("flowhub", "Flowhub Maui")
    assert FlowhubClient.credential_fields == ("api_key", "location_id", "client_id", "order_ahead_client_id",
                                               "order_ahead_token", "room_id", "purchase_category")
    assert FlowhubClient.required_credentials == ("api_key", "location_id", "client_id")
    assert FlowhubClient.sensitive_fields == ("api_key", "order_ahead_token")
    assert {"inventory", "orders", "customers", "transactions", "rooms"} <= FlowhubClient.features


def test_order_ahead_token_url_is_auth0_for_the_real_api_and_the_endpoint_otherwise():
    assert token_base_url("https://api.flowhub.co") == AUTH0_BASE
    assert token_base_url("https://api.flowhub.co/") == AUTH0_BASE
    assert token_base_url("http://localhost:8000/sandbox/flowhub/") == "http://localhost:8000/sandbox/flowhub"


def test_r11_one_rate_window_for_every_path():
    """Flowhub's ~59 req/s limit is per key: order status polls (one path per order) share one window."""
    now = [0.0]
    sleeps = Sleeps()

    def sleep(seconds):
        sleeps(seconds)
        now[0] += seconds

    limiter = FlowhubLimiter(lambda method, path: 2, clock=lambda: now[0], sleep=sleep)
    for path in ("/order-ahead/v0/orderStatus/a", "/order-ahead/v0/orderStatus/b", "/v0/clientsLocations"):
        limiter.wait("GET", path)
    assert len(sleeps) == 1 and 59 < sleeps[0] <= 60.1
    http = FlowhubClient.make_http(ClientConfig(endpoint="http://example.test"))
    assert http.limit_for("GET", "/v0/inventory") == REQUESTS_PER_MINUTE == 3000
    assert isinstance(http.limiter, FlowhubLimiter)


# --- Test Connection (R2, R11) -----------------------------------------------------------------------

def test_r2_connection_names_the_location(flowhub):
    box = flowhub(products=5)
    result = client_for(box).test_connection()
    assert result.ok, result.message
    assert result.message == f"Connected to {box['location'].name}."
    assert result.details["location"]["id"] == box["credentials"]["location_id"]
    assert result.details["order_ahead"]["ok"] is True  # the card's Order Ahead fields work too


def test_f1_location_id_of_no_location_names_the_available_ones(flowhub):
    box = flowhub(products=5, seed=1)
    sibling = flowhub(products=5, seed=2)
    # Two sandbox locations sharing a client id make one Flowhub client with two locations.
    SandboxLocation.objects.filter(pk=sibling["location"].pk).update(client_id=box["credentials"]["client_id"])
    result = client_for(box, location_id="not-a-location").test_connection()
    assert not result.ok
    assert "Location ID not-a-location is not one of this Flowhub client's locations" in result.message
    assert box["location"].name in result.message and sibling["location"].name in result.message
    assert sibling["credentials"]["location_id"] in result.message
    assert len(result.details["locations"]) == 2
    assert client_for(box, location_id=sibling["credentials"]["location_id"]).test_connection().ok


def test_f1_order_ahead_failure_is_reported_apart(flowhub):
    box = flowhub(products=5)
    result = client_for(box, order_ahead_token="wrong-secret").test_connection()
    assert result.ok and result.message.startswith(f"Connected to {box['location'].name}.")
    order_ahead = result.details["order_ahead"]
    assert order_ahead["ok"] is False and order_ahead["category"] == "unauthorized"
    assert "Order Ahead Client Id and Order Ahead Token" in order_ahead["message"]
    assert "Order Ahead" in result.message and "wrong-secret" not in result.message
    half = client_for(box, order_ahead_token="").test_connection()
    assert half.ok and half.details["order_ahead"]["category"] == "missing_credentials"
    neither = client_for(box, order_ahead_token="", order_ahead_client_id="").test_connection()
    assert neither.ok and "order_ahead" not in neither.details


def test_r11_unauthorized_in_plain_words(flowhub):
    box = flowhub(products=5)
    services.set_fault(box["location"], Fault.UNAUTHORIZED)
    result = client_for(box).test_connection()
    assert not result.ok and result.details["category"] == "unauthorized"
    assert "Flowhub Maui refused the credentials (401)" in result.message
    assert "API Key and Client ID" in result.message
    assert box["credentials"]["api_key"] not in result.message
    # Wrong key, no fault: the same answer.
    wrong = client_for(flowhub(products=5, seed=2), api_key="not-the-key").test_connection()
    assert not wrong.ok and wrong.details["status"] == 401 and "not-the-key" not in wrong.message


def test_r11_forbidden_in_plain_words(flowhub):
    box = flowhub(products=5)
    services.set_fault(box["location"], Fault.FORBIDDEN)
    result = client_for(box).test_connection()
    assert not result.ok and result.details["category"] == "forbidden"
    assert "may not use GET /v0/clientsLocations (403)" in result.message


def test_r11_rate_limited_honours_retry_after(flowhub):
    box = flowhub(products=5)
    services.set_fault(box["location"], Fault.RATE_LIMITED, retry_after_seconds=7)
    sleeps = Sleeps()
    result = client_for(box, attempts=3, sleeps=sleeps).test_connection()
    assert sleeps == [7, 7]  # waited as told, then gave up with the error
    assert not result.ok and result.details["category"] == "rate_limited"
    assert "asked Canopy to slow down (429)" in result.message and "waits and resumes" in result.message


def test_r11_flowhub_429_without_headers_backs_off(flowhub, monkeypatch):
    """Real Flowhub sends no Retry-After on 429: the client backs off with jitter on its own."""
    box = flowhub(products=5)
    box["location"].enforce_rate_limits = True
    box["location"].save(update_fields=["enforce_rate_limits"])
    monkeypatch.setattr(ERRORS, "per_minute", 1)  # the sandbox's 3,000 a minute would take too many calls
    sleeps = Sleeps()
    client = client_for(box, attempts=3, sleeps=sleeps)
    client.list_rooms()
    # The same endpoint again in the same minute gets the header-less 429, each retry included.
    with pytest.raises(RateLimited) as raised:
        client.list_rooms()
    assert raised.value.retry_after is None
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0  # jittered, doubling


def test_r11_timeout_in_plain_words(flowhub):
    box = flowhub(products=5)
    services.set_fault(box["location"], Fault.SLOW, slow_seconds=1.0)
    result = client_for(box, attempts=1, read_timeout=0.3).test_connection()
    assert not result.ok and result.details["category"] == "timeout"
    assert "did not answer GET /v0/clientsLocations within 0.3 seconds" in result.message


def test_r11_connection_refused_in_plain_words(flowhub):
    box = flowhub(products=5)
    endpoint = f"http://127.0.0.1:{closed_port()}/sandbox/flowhub/"
    result = client_for(box, attempts=1, endpoint=endpoint).test_connection()
    assert not result.ok and result.details["category"] == "unreachable"
    assert "Could not connect to Flowhub Maui" in result.message and "firewall" in result.message


def test_r11_malformed_json_in_plain_words(flowhub):
    box = flowhub(products=20)
    services.set_fault(box["location"], Fault.MALFORMED_JSON)
    client = client_for(box)
    result = client.test_connection()
    assert not result.ok and result.details["category"] == "bad_response"
    assert re.search(r"Flowhub Maui's answer to GET \S*/v0/clientsLocations is not valid JSON", result.message)
    with pytest.raises(BadResponse, match="is not valid JSON|ended before"):
        list(client.iter_inventory())


def test_r11_truncated_body_in_plain_words(flowhub):
    box = flowhub(products=20)
    services.set_fault(box["location"], Fault.TRUNCATED)
    client = client_for(box)
    result = client.test_connection()
    assert not result.ok and result.details["category"] == "bad_response"
    assert re.search(r"ended before the document was complete|cut off", result.message)
    with pytest.raises(BadResponse, match="ended before the document was complete|cut off"):
        list(client.iter_inventory())


# --- rooms and inventory (F1, F5-F8) --------------------------------------------------------------------

def test_f7_rooms_are_32_character_ids_with_names(flowhub):
    box = flowhub(products=120)
    rooms = client_for(box).list_rooms()
    assert {room.name for room in rooms} == {"Sales Floor", "Back Stock", "Display Case",
                                             "Quarantine - Not For Sale"}
    assert all(ROOM_ID_RE.match(room.id) and room.id != room.name for room in rooms)
    assert {room.name: room.sellable for room in rooms}["Quarantine - Not For Sale"] is False
    assert all(room.sellable for room in rooms if not room.name.startswith("Quarantine"))


def test_inventory_maps_every_field_from_the_feed(flowhub):
    box = flowhub(products=300)
    location_id = box["credentials"]["location_id"]
    feed = {item["productId"]: item for item in raw(box, f"v0/locations/{location_id}/inventoryNonZero")}
    products = list(client_for(box).iter_inventory())
    assert [p.pos_product_id for p in products] == list(feed)
    for product in products:
        item = feed[product.pos_product_id]
        assert product.raw == item
        assert product.name == (item["productName"] or "") and product.sku == item["sku"]
        assert product.category == (item["category"] or "") and product.brand == item["brand"].strip()
        assert product.custom_category == (item["customCategoryName"] or "")  # F8
        assert product.product_type == (item["type"] or "") and product.strain_type == (item["speciesName"] or "")
        assert product.price == round(item["priceInMinorUnits"] / 100, 2)
        assert product.price_otd == round(item["postTaxPriceInPennies"] / 100, 2)
        assert product.unit_cost == round(item["costInMinorUnits"] / 100, 2)
        assert product.purchase_category == item["purchaseCategory"]
        assert (product.price_medical is not None) == (item["purchaseCategory"] in ("med", "both"))
        assert (product.price_recreational is not None) == (item["purchaseCategory"] in ("rec", "both"))
        assert product.images == ([item["productPictureURL"]] if item["productPictureURL"] else [])
        assert product.weight == item["productWeight"]
        assert product.modified_at == datetime.fromisoformat(item["productUpdatedAt"].replace("Z", "+00:00"))
        if isinstance(item["quantity"], int):
            assert product.quantity == item["quantity"]
        else:
            assert product.quantity is None  # text quantity: left for catalog to flag, never a crash
        labs = {lab["name"]: lab for lab in item["cannabinoidInformation"]}
        if "thc" in labs:
            assert (product.thc.value, product.thc.unit) == (labs["thc"]["upperRange"], labs["thc"]["unitOfMeasure"])
        else:
            assert product.thc is None
        # F5: terpene names exactly as Flowhub spells them, with their units.
        assert [(t.name, t.value, t.unit) for t in product.terpenes] == [
            (t["name"], t["upperRange"], t["unitOfMeasure"]) for t in item["terpenes"]]
        tiers = item["weightTierInformation"] or []
        assert [(t.start, t.price) for t in product.tiers] == [
            (t["gramAmount"], round(t["pricePerGramInMinorUnits"] / 100, 2)) for t in tiers]
        assert product.quantity_units == ("Gram" if item["isSoldByWeight"] else "Quantity")
    units = {(p.raw["productUnitOfMeasure"], p.weight_unit) for p in products}
    assert {("grams", "g"), ("milligrams", "mg")} <= units
    assert any(p.tiers and p.tiers[-1].end is None and p.tiers[0].end == p.tiers[1].start for p in products)
    assert any(p.custom_category for p in products) and any(p.images for p in products)
    assert {"%", "mg"} <= {p.thc.unit for p in products if p.thc}
    assert any(t.name.startswith(("α-", "β-")) for p in products for t in p.terpenes)


def test_f1_room_filter_keeps_only_that_rooms_rows(flowhub):
    box = flowhub(products=120)
    location_id = box["credentials"]["location_id"]
    rooms = {room.name: room.id for room in client_for(box).list_rooms()}
    back_stock = rooms["Back Stock"]
    rows = [row for row in raw(box, f"v0/locations/{location_id}/inventoryByRoomsNonZero")
            if row["roomId"] == back_stock]
    products = list(client_for(box, room_id=back_stock).iter_inventory())
    assert rows and [p.pos_product_id for p in products] == [row["productId"] for row in rows]
    for product, row in zip(products, rows, strict=True):
        assert product.room_name == "Back Stock"
        if isinstance(row["quantity"], int):
            assert product.quantity == row["quantity"] and product.room_quantities == {back_stock: row["quantity"]}


@pytest.mark.parametrize("category,allowed", [("rec", {"rec", "both"}), ("med", {"med", "both"}),
                                              ("both", {"rec", "med", "both"}), ("", {"rec", "med", "both"})])
def test_f1_purchase_category_filter(flowhub, category, allowed):
    box = flowhub(products=120)
    location_id = box["credentials"]["location_id"]
    feed = raw(box, f"v0/locations/{location_id}/inventoryNonZero")
    products = list(client_for(box, purchase_category=category).iter_inventory())
    assert [p.pos_product_id for p in products] == [i["productId"] for i in feed if i["purchaseCategory"] in allowed]
    assert products and {p.purchase_category for p in products} <= allowed


def test_f1_room_and_purchase_category_together(flowhub):
    box = flowhub(products=150)
    location_id = box["credentials"]["location_id"]
    sales_floor = {room.name: room.id for room in client_for(box).list_rooms()}["Sales Floor"]
    expected = [row["productId"] for row in raw(box, f"v0/locations/{location_id}/inventoryByRoomsNonZero")
                if row["roomId"] == sales_floor and row["purchaseCategory"] in ("med", "both")]
    products = list(client_for(box, room_id=sales_floor, purchase_category="med").iter_inventory())
    assert expected and [p.pos_product_id for p in products] == expected
    assert all(p.room_name == "Sales Floor" and p.purchase_category in ("med", "both") for p in products)


def test_d13_iter_products_is_a_full_snapshot_whatever_since(flowhub):
    """Flowhub's inventory has no modified-since filter: `since` still gives every product, so those
    that left the feed can be zeroed."""
    box = flowhub(products=60)
    client = client_for(box)
    everything = [p.pos_product_id for p in client.iter_inventory()]
    assert [p.pos_product_id for p in client.iter_products(since=timezone.now())] == everything
    removed = services.delete_products(box["location"], 3, seed=1)
    after = [p.pos_product_id for p in client.iter_products()]
    assert not set(after) & set(removed) and len(after) < len(everything)


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
