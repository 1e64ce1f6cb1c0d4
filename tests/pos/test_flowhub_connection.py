"""FlowhubClient over real HTTP against the sandbox Flowhub (live_server): its card fields, the Order Ahead
token URL and the client-side rate limit, Test Connection and its failures in plain words (R2, R11)."""
import re

import pytest

from integrations.pos.errors import BadResponse, RateLimited
from integrations.pos.flowhub import AUTH0_BASE, REQUESTS_PER_MINUTE, FlowhubClient, FlowhubLimiter, token_base_url
from integrations.pos.records import ClientConfig
from integrations.sandbox import services
from integrations.sandbox.models import Fault, SandboxLocation
from integrations.sandbox.vendors.flowhub import ERRORS
from tests.pos.flowhub_support import Sleeps, client_for
from tests.support import closed_port

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
