"""Sandbox Alleaves POS over real HTTP: login and bearer tokens (A1, X1), and the fault switches on the wire."""
import base64
import json
import time

import pytest
import requests

from integrations.sandbox import services
from integrations.sandbox.models import Fault, SandboxToken
from integrations.sandbox.vendors import alleaves
from tests.sandbox.alleaves_support import login

AUTH_KEYS = {"id_user", "name_first", "name_last", "username", "id_company", "company", "token"}


def jwt_payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# --- auth (A1) -------------------------------------------------------------------------------------
def test_a1_login_returns_user_and_hs256_jwt_with_exp(sandbox, http):
    sb = sandbox("alleaves", products=10)
    creds = sb["credentials"]
    assert set(creds) == {"location_id", "username", "password"}
    assert int(creds["location_id"]) >= 1000
    response = http.post(sb["base_url"] + "auth", json={"username": creds["username"],
                                                        "password": creds["password"], "pin": ""})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == AUTH_KEYS
    header, payload, _ = body["token"].split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==="))["alg"] == "HS256"
    claims = jwt_payload(body["token"])
    assert abs(claims["exp"] - (time.time() + sb["location"].token_ttl_seconds)) < 60
    # The signature is an HMAC-SHA256 with the server's secret.
    assert alleaves.make_jwt(json.loads(base64.urlsafe_b64decode(payload + "==="))).split(".")[:2] == \
        body["token"].split(".")[:2]
    assert SandboxToken.objects.filter(token=body["token"], location=sb["location"]).exists()


def test_a1_wrong_credentials_answer_401_with_message(sandbox, http):
    sb = sandbox("alleaves", products=5)
    url, creds = sb["base_url"] + "auth", sb["credentials"]
    wrong = http.post(url, json={"username": creds["username"], "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json() == {"message": "Invalid username or password"}
    unknown = http.post(url, json={"username": "nobody@example.com", "password": creds["password"]})
    assert unknown.status_code == 401
    missing = http.post(url, json={})
    assert missing.status_code == 400
    assert missing.json() == {"message": "username and password are required"}
    assert http.get(url).status_code == 405


def test_a1_pin_is_checked_when_the_user_has_one(sandbox, http):
    sb = sandbox("alleaves", products=5)
    location = sb["location"]
    location.pin = "4321"
    location.save(update_fields=["pin"])
    assert alleaves.AlleavesSandbox().credentials(location)["pin"] == "4321"
    url, creds = sb["base_url"] + "auth", sb["credentials"]
    assert http.post(url, json={"username": creds["username"], "password": creds["password"]}).status_code == 401
    assert http.post(url, json={**creds, "pin": "4321"}).status_code == 200


def test_x1_bearer_token_missing_unknown_or_expired_is_401(sandbox, http):
    sb = sandbox("alleaves", products=5)
    url = sb["base_url"] + "location"
    missing = http.get(url)
    assert missing.status_code == 401
    assert missing.json() == {"message": "No authorization token was found"}
    unknown = http.get(url, headers={"Authorization": "Bearer not.a.token"})
    assert unknown.status_code == 401
    assert unknown.json() == {"message": "Invalid token"}
    # An already-expired token, made directly (no sleeping).
    expired = alleaves.issue_token(sb["location"], ttl_seconds=-60)
    response = http.get(url, headers={"Authorization": f"Bearer {expired.token}"})
    assert response.status_code == 401
    assert response.json() == {"message": "Token expired"}
    fresh = alleaves.issue_token(sb["location"])
    assert http.get(url, headers={"Authorization": f"Bearer {fresh.token}"}).status_code == 200


# --- faults ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fault", "status", "body"), [
    (Fault.UNAUTHORIZED, 401, {"message": "Unauthorized"}),
    (Fault.FORBIDDEN, 403, {"message": "Forbidden: sandbox fault"}),
    (Fault.RATE_LIMITED, 429, {"message": "Too many requests"}),
    (Fault.RATE_LIMITED_NO_RETRY_AFTER, 429, {"message": "Too many requests"}),
    (Fault.SERVER_ERROR, 500, {"message": "Internal server error"}),
])
def test_x1_fault_status_and_body_on_the_wire(sandbox, http, fault, status, body):
    sb = sandbox("alleaves", products=5)
    headers = login(sb, http)
    services.set_fault(sb["location"], fault, endpoint="inventory/search", retry_after_seconds=7)
    response = http.post(sb["base_url"] + "inventory/search",
                         json={"query": "", "id_location": int(sb["credentials"]["location_id"])}, headers=headers)
    assert response.status_code == status
    assert response.json() == body
    if fault == Fault.RATE_LIMITED:
        assert response.headers["Retry-After"] == "7"
    else:
        assert "Retry-After" not in response.headers
    # Other paths are untouched by an endpoint-scoped fault.
    assert http.get(sb["base_url"] + "location", headers=headers).status_code == 200


def test_x1_fault_slow_passes_the_client_timeout(sandbox, http):
    sb = sandbox("alleaves", products=5)
    headers = login(sb, http)
    services.set_fault(sb["location"], Fault.SLOW, endpoint="location", slow_seconds=1.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(sb["base_url"] + "location", headers=headers, timeout=0.5)


def test_x1_fault_malformed_json(sandbox, http):
    sb = sandbox("alleaves", products=5)
    headers = login(sb, http)
    services.set_fault(sb["location"], Fault.MALFORMED_JSON)
    response = http.get(sb["base_url"] + "location", headers=headers)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_x1_fault_truncated_body(sandbox, http):
    sb = sandbox("alleaves", products=30)
    headers = login(sb, http)
    url, body = sb["base_url"] + "inventory/search", {"query": "", "id_location": int(sb["credentials"]["location_id"])}
    full = http.post(url, json=body, headers=headers).content
    services.set_fault(sb["location"], Fault.TRUNCATED, endpoint="inventory/search")
    # faults.py closes the connection after half the body. Without a Content-Length the client
    # reads a short body that ends at the close; with one, requests raises instead. Either way the
    # client never gets the whole array.
    try:
        response = http.post(url, json=body, headers=headers)
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        return
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert 0 < len(response.content) < len(full) and full.startswith(response.content)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_x1_no_published_rate_limit(sandbox, http):
    sb = sandbox("alleaves", products=3)
    location = sb["location"]
    location.enforce_rate_limits = True
    location.save(update_fields=["enforce_rate_limits"])
    headers = login(sb, http)
    assert all(http.get(sb["base_url"] + "location", headers=headers).status_code == 200 for _ in range(5))
