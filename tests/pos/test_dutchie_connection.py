"""DutchieClient over real HTTP against the sandbox Dutchie POS (live_server): its card fields and
client-side limits, Test Connection and every failure in plain words (R2, R11, D2, L1)."""
import time

import pytest
import requests

from integrations.pos.dutchie import DutchieClient, DutchieHttp, limit_for
from integrations.pos.errors import BadResponse, Forbidden, RateLimited, Timeout, Unreachable
from integrations.pos.http import RetryPolicy
from integrations.pos.records import ClientConfig
from integrations.sandbox import services
from integrations.sandbox.models import Fault
from tests.pos.dutchie_support import Sleeps, client_for, requests_to, switch_off
from tests.support import closed_port

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
