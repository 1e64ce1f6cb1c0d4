"""Sandbox Flowhub (Maui) over real HTTP: credentials and auth, status faults, rate limits (R11), slow,
malformed and truncated answers."""
import pytest
import requests

from integrations.sandbox import services
from integrations.sandbox.models import Fault
from integrations.sandbox.vendors.flowhub import ERRORS
from tests.sandbox.flowhub_support import UUID_RE, get, headers, token_for

# --- auth ----------------------------------------------------------------------------------------

def test_f1_credentials_are_the_cards_fields(sandbox):
    box = sandbox("flowhub")
    creds = box["credentials"]
    assert set(creds) == {"api_key", "location_id", "client_id", "order_ahead_client_id", "order_ahead_token"}
    assert UUID_RE.match(creds["location_id"]) and UUID_RE.match(creds["client_id"])
    assert creds["order_ahead_client_id"] and creds["order_ahead_token"]
    assert box["base_url"].endswith("/sandbox/flowhub/")


def test_x1_health_and_auth_test(sandbox, http):
    box = sandbox("flowhub", products=5)
    health = http.get(box["base_url"] + "health", timeout=10)
    assert (health.status_code, health.text) == (200, "OK")
    ok = get(http, box, "authTest")
    assert ok.status_code == 200 and ok.headers["Content-Type"].startswith("text/plain")
    # Header names are case-insensitive (other clients send Clientid / Key).
    creds = box["credentials"]
    assert get(http, box, "authTest", headers={"CLIENTID": creds["client_id"], "Key": creds["api_key"]}).ok
    assert get(http, box, "authTest", headers={"Authorization": f"Bearer {token_for(http, box)}"}).ok


@pytest.mark.parametrize("path", ["authTest", "v0/clientsLocations", "v0/inventory", "v1/customers/",
                                  "v0/inventoryByRoomsNonZero"])
def test_x1_wrong_or_missing_credentials_answer_plain_unauthorized(sandbox, http, path):
    box = sandbox("flowhub", products=5)
    creds = box["credentials"]
    for bad in ({}, {"clientId": creds["client_id"]}, {"clientId": creds["client_id"], "key": "wrong"},
                {"clientId": "someone-else", "key": creds["api_key"]}):
        response = get(http, box, path, headers=bad)
        assert (response.status_code, response.text) == (401, "Unauthorized")
        assert response.headers["x-request-id"]


# --- faults, rate limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("fault,status,body", [
    (Fault.UNAUTHORIZED, 401, "Unauthorized"),
    (Fault.FORBIDDEN, 403, "Forbidden"),
    (Fault.SERVER_ERROR, 500, "Internal Server Error"),
])
def test_x1_status_faults_on_the_wire(sandbox, http, fault, status, body):
    box = sandbox("flowhub", products=5)
    services.set_fault(box["location"], fault, endpoint="inventory")
    response = get(http, box, "v0/inventory")
    assert (response.status_code, response.text) == (status, body)
    # The switch names one endpoint: the others still answer.
    assert get(http, box, "v0/clientsLocations").status_code == 200


def test_x1_rate_limit_faults_with_and_without_retry_after(sandbox, http):
    box = sandbox("flowhub", products=5)
    services.set_fault(box["location"], Fault.RATE_LIMITED, retry_after_seconds=7)
    response = get(http, box, "v0/inventory")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    services.set_fault(box["location"], Fault.RATE_LIMITED_NO_RETRY_AFTER)
    response = get(http, box, "v0/inventory")
    assert response.status_code == 429 and "Retry-After" not in response.headers


def test_r11_enforced_rate_limit_sends_no_rate_limit_headers(sandbox, http, monkeypatch):
    box = sandbox("flowhub", products=5)
    box["location"].enforce_rate_limits = True
    box["location"].save(update_fields=["enforce_rate_limits"])
    monkeypatch.setattr(ERRORS, "per_minute", 3)  # the real ~59 req/s would take 3,000 calls
    # 8 calls against a limit of 3 per fixed minute hit 429 even if a minute boundary falls in between.
    responses = [get(http, box, "v0/clientsLocations") for _ in range(8)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited
    for response in limited:
        assert response.text == "Too Many Requests"
        assert not [name for name in response.headers if "retry" in name.lower() or "ratelimit" in name.lower()]


def test_x1_slow_fault_passes_a_client_timeout(sandbox, http):
    box = sandbox("flowhub", products=5)
    services.set_fault(box["location"], Fault.SLOW, slow_seconds=1.5)
    with pytest.raises(requests.exceptions.Timeout):
        http.get(box["base_url"] + "v0/inventory", headers=headers(box), timeout=0.5)


def test_x1_malformed_and_truncated_bodies(sandbox, http):
    box = sandbox("flowhub", products=20)
    whole = get(http, box, "v0/inventory").content
    services.set_fault(box["location"], Fault.MALFORMED_JSON)
    response = get(http, box, "v0/inventory")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    services.set_fault(box["location"], Fault.TRUNCATED)
    try:
        response = get(http, box, "v0/inventory")
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        return  # the connection dropped mid-body, as a truncated response does
    # What arrives on the wire: the first half of the body, then the server closes the connection.
    assert response.status_code == 200 and 0 < len(response.content) < len(whole)
    assert whole.startswith(response.content)
    with pytest.raises(ValueError):
        response.json()
