"""DutchieClient over real HTTP against the sandbox Dutchie POS (live_server): Test Connection and its
failures (R2, R11, D2, L1), rooms and the room filter (D1), inventory and product mapping (C7, D3, D5,
D10, D12, D13), pre-orders with idempotency (C4, C5, D7, D9, D11), customers with paging (L15-L23),
find_patient, and transactions."""
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from django.utils import timezone

from integrations.pos.dutchie import (
    CONSUMER_KEY,
    DutchieClient,
    DutchieHttp,
    is_terpene,
    limit_for,
    product_from_inventory,
)
from integrations.pos.errors import BadResponse, Forbidden, RateLimited, Refused, Timeout, Unreachable
from integrations.pos.http import RetryPolicy
from integrations.pos.records import ClientConfig, OrderCustomer, OrderLine, PosCustomer, PosOrder
from integrations.sandbox import generate, services
from integrations.sandbox.faults import rate_counter
from integrations.sandbox.models import Fault, RecordKind, SandboxLocation, SandboxRecord
from tests.support import closed_port


@pytest.fixture
def dutchie(live_server, transactional_db):
    """make(products=, seed=, customers=, **location_fields) -> a sandbox Dutchie location (services.describe)."""
    rate_counter.reset()

    def make(products: int = 40, seed: int = 1, customers: int | None = None, **fields):
        location = services.create_location("dutchie", products=products, seed=seed, customers=customers)
        if fields:
            SandboxLocation.objects.filter(pk=location.pk).update(**fields)
            location.refresh_from_db()
        return {**services.describe(location, live_server.url), "location": location}

    yield make
    rate_counter.reset()


class Sleeps(list):
    """Stands in for time.sleep: records each delay and never waits; `then` runs after the first one
    (e.g. switching the sandbox fault off, as if the POS recovered while we waited)."""

    def __init__(self, then=None):
        super().__init__()
        self.then = then

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.then is not None:
            self.then()
            self.then = None


def config_for(box, **overrides) -> ClientConfig:
    return ClientConfig(**{"endpoint": box["base_url"], **box["credentials"], **overrides})


def client_for(box, *, attempts: int = 4, sleeps: Sleeps | None = None, read_timeout: float = 30.0,
               **overrides) -> DutchieClient:
    config = config_for(box, **overrides)
    http = DutchieClient.make_http(config, retry=RetryPolicy(attempts=attempts), read_timeout=read_timeout,
                                   sleep=sleeps if sleeps is not None else Sleeps())
    return DutchieClient(config, http)


def raw(box, path, **params):
    """What the sandbox serves, read without the client, to check the mapping against."""
    response = requests.get(box["base_url"] + path, params=params, timeout=30,
                            auth=(box["credentials"]["api_key"], ""))
    assert response.status_code == 200, response.text
    return response.json()


def requests_to(client: DutchieClient, path: str) -> list[requests.PreparedRequest]:
    """Every request the client sends whose URL contains `path` (a session response hook)."""
    seen = []

    def hook(response, *args, **kwargs):
        if path in response.request.url:
            seen.append(response.request)

    client.http.session.hooks["response"].append(hook)
    return seen


def switch_off(box):
    return lambda: services.set_fault(box["location"], Fault.NONE)


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


# --- the class and its pieces ------------------------------------------------------------------------

def test_d1_card_fields_and_features():
    assert (DutchieClient.vendor, DutchieClient.label) == ("dutchie", "Dutchie POS")
    assert DutchieClient.credential_fields == ("api_key", "room_ids")
    assert DutchieClient.required_credentials == ("api_key",)
    assert DutchieClient.sensitive_fields == ("api_key",)
    assert {"rooms", "products", "inventory", "orders", "order_statuses", "customers", "create_customer",
            "update_customer", "find_patient", "transactions"} <= DutchieClient.features


def test_r11_client_side_limits_follow_dutchies_published_numbers():
    assert limit_for("GET", "/products") == 120
    assert limit_for("GET", "/room/rooms") == 120
    assert limit_for("GET", "/inventory") == limit_for("GET", "/whoami") == 200
    assert limit_for("GET", "/reporting/inventory") == limit_for("GET", "/reporting/products") == 60
    assert limit_for("GET", "/reporting/transactions") == 600
    assert limit_for("POST", "/customer/customer") == 1500
    assert limit_for("POST", "/customer/search") == 360
    assert limit_for("POST", "/preorder/cancel") == 240
    assert limit_for("POST", "/preorder/submit") == 120
    http = DutchieClient.make_http(ClientConfig(endpoint="http://example.test", api_key="k"))
    assert isinstance(http, DutchieHttp) and http.limit_for is limit_for
    assert http.session.auth == ("k", "")  # Basic: the key as username, empty password
    assert 500 in http.retry_statuses


# --- Test Connection (R2, R11, D2, L1) ----------------------------------------------------------------

def test_r2_connection_names_the_location(dutchie):
    box = dutchie(products=5)
    result = client_for(box).test_connection(purpose="ecommerce", location_type="recreational")
    assert result.ok, result.message
    assert result.message.startswith(f"Connected to {box['location'].name}.")
    assert "Warning" not in result.message and "Note" not in result.message
    assert result.details["location"]["id"] == int(box["credentials"]["location_id"])
    assert result.details["missing_customer_types"] == []


def test_d2_missing_customer_types_are_warned_about(dutchie):
    box = dutchie(products=5, hidden_customer_types=["Medical", "Medical - Out of State"])
    result = client_for(box).test_connection(purpose="ecommerce", location_type="medical")
    # The key works, so the connection is ok; the card shows the warning (our documented choice).
    assert result.ok
    assert "Warning" in result.message and "Medical" in result.message and "(D2)" in result.message
    assert result.details["missing_customer_types"] == ["Medical"]
    assert result.details["missing_optional_customer_types"] == ["Medical - Out of State"]
    # A recreational store of the same location needs none of them.
    rec = client_for(box).test_connection(location_type="recreational")
    assert rec.details["missing_customer_types"] == [] and "Warning" not in rec.message


def test_d2_both_needs_medical_and_recreational_out_of_state_is_a_note(dutchie):
    box = dutchie(products=5, hidden_customer_types=["Recreational", "Recreational - Out of State"])
    result = client_for(box).test_connection(location_type="both")
    assert result.ok
    assert result.details["missing_customer_types"] == ["Recreational"]
    assert result.details["missing_optional_customer_types"] == ["Recreational - Out of State"]
    assert "Note: Recreational - Out of State is not shown" in result.message


def test_d2_customer_types_forbidden_says_customer_permission(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.FORBIDDEN, endpoint="customer-types")
    result = client_for(box).test_connection(location_type="medical")
    assert result.ok
    assert "Could not check the customer types" in result.message
    assert "lacks the Customer permission" in result.message
    assert result.details["customer_types_checked"] is False


def test_l1_loyalty_key_with_every_permission(dutchie):
    box = dutchie(products=5)
    client = client_for(box)
    probes = requests_to(client, "/")
    result = client.test_connection(purpose="loyalty")
    assert result.ok, result.message
    assert result.details["missing_permissions"] == []
    assert "Customer, Reporting and Inventory" in result.message
    paths = [requests.utils.urlparse(r.url).path.split("/dutchie", 1)[1] for r in probes]
    assert paths == ["/whoami", "/customer/customers-paginated", "/reporting/transactions", "/products"]


def test_l1_loyalty_key_names_the_missing_permissions(dutchie):
    box = dutchie(products=5, roles=["Inventory", "Room", "PreOrder"])
    result = client_for(box).test_connection(purpose="loyalty")
    assert not result.ok
    assert result.details["missing_permissions"] == ["Customer", "Reporting"]
    assert "lacks the Customer (customers) and Reporting (transactions) permissions" in result.message
    assert result.message.startswith(f"Connected to {box['location'].name}.")


def test_l1_missing_inventory_permission(dutchie):
    box = dutchie(products=5, roles=["Customer", "Reporting"])
    result = client_for(box).test_connection(purpose="loyalty")
    assert not result.ok and result.details["missing_permissions"] == ["Inventory"]
    assert "Inventory (products, inventory) permission" in result.message


def test_r11_unauthorized_in_plain_words(dutchie):
    box = dutchie(products=5)
    wrong = client_for(box, api_key="not-the-key-123").test_connection()
    assert not wrong.ok and wrong.details["category"] == "unauthorized"
    assert "refused the credentials (401)" in wrong.message and "Check the API key" in wrong.message
    assert "not-the-key-123" not in wrong.message
    services.set_fault(box["location"], Fault.UNAUTHORIZED)
    faulted = client_for(box).test_connection(purpose="loyalty")
    assert not faulted.ok and faulted.details["status"] == 401
    assert box["credentials"]["api_key"] not in faulted.message


def test_r11_forbidden_in_plain_words(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.FORBIDDEN, endpoint="whoami")
    result = client_for(box).test_connection()
    assert not result.ok and result.details["category"] == "forbidden"
    assert "may not use GET /whoami (403)" in result.message


def test_r11_403_on_a_data_endpoint_names_the_missing_role(dutchie):
    box = dutchie(products=5, roles=["Customer", "Reporting", "PreOrder"])
    with pytest.raises(Forbidden) as caught:
        list(client_for(box).iter_inventory())
    assert caught.value.missing_roles == ["Inventory"]
    assert "lacks the Inventory permission" in str(caught.value)
    with pytest.raises(Forbidden) as rooms:
        client_for(box).list_rooms()
    assert rooms.value.missing_roles == ["Room"]


def test_r11_429_retry_after_is_honoured_then_succeeds(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.RATE_LIMITED, retry_after_seconds=7)
    sleeps = Sleeps(then=switch_off(box))
    result = client_for(box, sleeps=sleeps).test_connection(location_type="recreational")
    assert result.ok, result.message
    assert sleeps == [7.0]


def test_r11_429_without_retry_after_backs_off(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.RATE_LIMITED_NO_RETRY_AFTER)
    sleeps = Sleeps(then=switch_off(box))
    rooms = client_for(box, sleeps=sleeps).list_rooms()
    assert len(rooms) == 5
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= RetryPolicy().backoff_base  # jittered first backoff


def test_r11_429_that_persists_is_reported_in_plain_words(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.RATE_LIMITED, retry_after_seconds=3)
    sleeps = Sleeps()
    result = client_for(box, attempts=2, sleeps=sleeps).test_connection()
    assert not result.ok and result.details["category"] == "rate_limited"
    assert "asked Canopy to slow down (429)" in result.message and "waits and resumes" in result.message
    assert sleeps == [3.0]
    with pytest.raises(RateLimited) as caught:
        client_for(box, attempts=1).list_rooms()
    assert caught.value.retry_after == 3


def test_r11_server_error_on_get_is_retried(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.SERVER_ERROR, endpoint="room/rooms")
    sleeps = Sleeps(then=switch_off(box))
    client = client_for(box, sleeps=sleeps)
    sent = requests_to(client, "room/rooms")
    assert len(client.list_rooms()) == 5
    assert len(sent) == 2 and len(sleeps) == 1


def test_r11_timeout_in_plain_words(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.SLOW, slow_seconds=1.0)
    result = client_for(box, attempts=1, read_timeout=0.3).test_connection()
    assert not result.ok and result.details["category"] == "timeout"
    assert "did not answer GET /whoami within 0.3 seconds" in result.message
    with pytest.raises(Timeout):
        client_for(box, attempts=1, read_timeout=0.3).list_rooms()
    time.sleep(1.2)  # let the sandbox's slow answers finish before the test database goes away


def test_r11_connection_refused_in_plain_words():
    config = ClientConfig(endpoint=f"http://127.0.0.1:{closed_port()}/sandbox/dutchie/", api_key="secret-key-1")
    client = DutchieClient(config, DutchieClient.make_http(config, retry=RetryPolicy(attempts=1)))
    result = client.test_connection()
    assert not result.ok and result.details["category"] == "unreachable"
    assert "Could not connect to Dutchie POS" in result.message and "firewall" in result.message
    assert "secret-key-1" not in result.message
    with pytest.raises(Unreachable):
        client.list_rooms()


def test_r11_malformed_json_in_plain_words(dutchie):
    box = dutchie(products=5)
    services.set_fault(box["location"], Fault.MALFORMED_JSON)
    result = client_for(box).test_connection()
    assert not result.ok and result.details["category"] == "bad_response"
    assert "answer to GET /sandbox/dutchie/whoami is not valid JSON" in result.message
    with pytest.raises(BadResponse) as caught:
        list(client_for(box).iter_inventory())
    assert "is not valid JSON" in caught.value.message


def test_r11_truncated_body_in_plain_words(dutchie):
    box = dutchie(products=30)
    services.set_fault(box["location"], Fault.TRUNCATED)
    result = client_for(box).test_connection()
    assert not result.ok and result.details["category"] == "bad_response"
    assert "ended before the document was complete" in result.message
    services.set_fault(box["location"], Fault.TRUNCATED, endpoint="/inventory")
    with pytest.raises(BadResponse) as caught:
        list(client_for(box).iter_inventory())
    assert "ended before the document was complete" in caught.value.message


# --- rooms, products and inventory (D1, C7, D3, D5, D10, D12, D13) -------------------------------------

def test_d1_rooms_with_sellable_flags(dutchie):
    box = dutchie(products=5)
    rooms = client_for(box).list_rooms()
    assert [(r.id, r.name, r.sellable) for r in rooms] == [
        ("1001", "Sales Floor", True), ("1002", "Back Stock", True), ("1003", "Ecommerce", True),
        ("1004", "Quarantine", False), ("1005", "Vault", False)]
    assert rooms[3].raw["isQuarantineRoom"] is True


def test_inventory_maps_every_field_from_the_feed(dutchie):
    box = dutchie(products=120)
    served = {str(i["productId"]): i for i in raw(box, "inventory", includeLabResults="true",
                                                   includeRoomQuantities="true")}
    details = {str(p["productId"]): p for p in raw(box, "products")}
    products = {p.pos_product_id: p for p in client_for(box).iter_inventory()}
    assert set(products) == set(served)
    for product_id, product in products.items():
        item, detail = served[product_id], details[product_id]
        assert product.name == (item["productName"] or "")
        assert product.sku == item["sku"] and product.brand == item["brandName"].strip()
        assert product.category == (item["category"] or "")
        assert product.raw["masterCategory"] == item["masterCategory"]
        assert product.strain == (item["strain"] or "") and product.strain_type == (item["strainType"] or "")
        assert product.price == item["unitPrice"]
        assert product.price_recreational == item["recUnitPrice"] and product.price_medical == item["medUnitPrice"]
        assert product.weight == item["unitWeight"] and product.weight_unit == "g"
        assert product.quantity_units == item["quantityUnits"]
        assert product.flower_equivalent == item["flowerEquivalent"]
        assert product.rec_flower_equivalent == item["recFlowerEquivalent"]
        assert product.low_quantity_threshold == detail["lowInventoryThreshold"]
        assert product.modified_at == datetime.fromisoformat(item["lastModifiedDateUtc"].replace("Z", "+00:00"))
        assert product.room_quantities == {str(r["roomId"]): r["quantityAvailable"] for r in item["roomQuantities"]}
        # C7: imageUrl first, then the other imageUrls, each once.
        assert product.images == detail["imageUrls"]
        assert [(t.start, t.end, t.price, t.medical_price) for t in product.tiers] == [
            (t["startWeight"], t["endWeight"], t["price"], t["medicalPrice"]) for t in detail["pricingTierData"]]
        assert [(lab.name, lab.value, lab.unit) for lab in product.labs] == [
            (r["labTest"], r["value"], r["labResultUnit"]) for r in item["labResults"]]
        tests = {r["labTest"]: r for r in item["labResults"]}
        assert (product.thc.value if product.thc else None) == (tests["THC"]["value"] if "THC" in tests else None)
        assert (product.cbd.value if product.cbd else None) == (tests["CBD"]["value"] if "CBD" in tests else None)
        assert (product.thc9.value if product.thc9 else None) == (tests["THC9"]["value"] if "THC9" in tests
                                                                  else None)
        assert [t.name for t in product.terpenes] == [name for name in tests if name not in ("THC", "THC9", "CBD")]
        assert product.raw["inventoryId"] == item["inventoryId"]
    # The catalogue has each case at least once, so the loop above checked them.
    assert any(p.thc9 for p in products.values()) and any(p.terpenes for p in products.values())
    assert any(len(p.images) > 1 for p in products.values()) and any(p.tiers for p in products.values())
    assert {p.quantity_units for p in products.values() if p.tiers} == {"Gram", "Quantity"}
    assert any(p.flower_equivalent != p.rec_flower_equivalent for p in products.values())
    assert {lab.unit for p in products.values() for lab in p.labs} >= {"Percentage", "Milligrams"}


def test_d12_thc9_and_c9_terpene_rows_are_told_apart():
    assert not any(is_terpene(name) for name in ("THC", "THC9", "CBD", "CBN", "Total THC", "Moisture"))
    sandbox_names = ["Myrcene", "beta-Myrcene", "b-Myrcene", "alpha-Pinene", "a-Pinene", "d-Limonene",
                     "alpha-Humulene", "delta-3-Carene", "Delta 3 Carene", "trans-Nerolidol", "Caryophyllene Oxide",
                     "Farnesene", "Valencene", "Geraniol"]
    assert all(is_terpene(name) for name in sandbox_names)


def test_d13_inventory_leaves_out_what_dutchie_leaves_out(dutchie):
    box = dutchie(products=60)
    details = {str(p["productId"]): p for p in raw(box, "reporting/products")}
    products = list(client_for(box).iter_inventory())
    for product in products:
        threshold = details[product.pos_product_id]["lowInventoryThreshold"]
        assert product.quantity > (threshold or 0)
    assert len(products) < len(details)  # out-of-stock, quarantined, offline and low items are not in the feed


def test_d1_room_filter_counts_only_those_rooms(dutchie):
    box = dutchie(products=80)
    served = raw(box, "inventory", includeRoomQuantities="true")
    back_stock = {str(i["productId"]): sum(r["quantityAvailable"] for r in i["roomQuantities"] if r["roomId"] == 1002)
                  for i in served}
    products = list(client_for(box, room_ids=["1002"]).iter_inventory())
    assert products and {p.pos_product_id for p in products} == {pid for pid, qty in back_stock.items() if qty > 0}
    for product in products:
        assert product.quantity == back_stock[product.pos_product_id]
        assert product.room_name == "Back Stock"
    both = list(client_for(box, room_ids=["1001", "1002"]).iter_inventory())
    assert len(both) > len(products)


def test_malformed_rows_are_passed_on_not_dropped(dutchie):
    box = dutchie(products=12)
    records = list(SandboxRecord.objects.filter(location=box["location"], kind=RecordKind.PRODUCT)
                   .order_by("position"))
    on_menu = {str(i["productId"]) for i in raw(box, "inventory")}
    broken = [r for r in records if r.external_id in on_menu][:4]
    changes = [{"productName": None}, {"unitPrice": -12.5, "recUnitPrice": "abc"},
               {"quantityAvailable": "12"}, {"category": None, "categoryId": None, "masterCategory": None}]
    for record, change in zip(broken, changes, strict=True):
        record.data["inventory"].update(change)
        record.save(update_fields=["data"])
    products = {p.pos_product_id: p for p in client_for(box).iter_inventory()}
    assert set(products) == on_menu  # nothing dropped, nothing crashed
    name, price, quantity, category = (products[r.external_id] for r in broken)
    assert name.name == "" and name.raw["productName"] is None
    assert price.price == -12.5 and price.price_recreational is None and price.raw["recUnitPrice"] == "abc"
    assert quantity.quantity == 12.0 and quantity.raw["quantityAvailable"] == "12"
    assert category.category == "" and category.raw["masterCategory"] is None


def test_unparseable_values_become_none():
    product = product_from_inventory({"productId": 1, "quantityAvailable": "twelve", "unitPrice": True,
                                      "labResults": [{"labTest": "THC", "value": "n/a", "labResultUnit": "%"}],
                                      "lastModifiedDateUtc": "yesterday", "roomQuantities": [None]})
    assert product.quantity is None and product.price is None and product.modified_at is None
    assert product.thc.value is None and product.room_quantities == {}


def test_products_since_asks_only_for_changes(dutchie):
    box = dutchie(products=40)
    client = client_for(box)
    everything = list(client.iter_products())
    assert len(everything) == len(raw(box, "products"))
    assert all(p.quantity is None for p in everything)  # /products carries no stock
    flower = next(p for p in everything if p.tiers and p.quantity_units == "Gram")
    assert flower.price_recreational == flower.raw["recPrice"] and flower.thc.unit == flower.raw["thcContentUnit"]
    before = timezone.now() - timedelta(seconds=1)
    services.change_prices(box["location"], fraction=0.1, seed=3)
    sent = requests_to(client, "/products")
    changed = list(client.iter_products(since=before))
    assert 0 < len(changed) <= 4
    assert "fromLastModifiedDateUTC=" in sent[0].url and sent[0].url.endswith("Z")
    assert all(p.modified_at >= before.replace(microsecond=0) for p in changed)


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
