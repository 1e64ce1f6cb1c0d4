"""AlleavesClient over real HTTP against the sandbox Alleaves POS (live_server): Test Connection and its
failures in plain words (A1, R2, R11), and the login token's lifetime."""
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.pos.alleaves import AlleavesClient, jwt_expiry
from integrations.pos.errors import BadResponse, Forbidden, RateLimited, Refused, Timeout, Unauthorized, Unreachable
from integrations.pos.http import PosHttp, RetryPolicy
from integrations.pos.records import ClientConfig
from integrations.sandbox import services
from integrations.sandbox.models import Fault, SandboxToken
from tests.pos.alleaves_support import customer_rows
from tests.support import closed_port


def quick_http(base_url: str, **options) -> PosHttp:
    """One attempt, no waiting: what the fault tests need to see the first error as it is."""
    return PosHttp(base_url, "Alleaves", retry=RetryPolicy(attempts=1), **options)


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
