"""Helpers of the sandbox Flowhub tests (tests/sandbox/test_flowhub_*.py): data-API headers and GETs, the
{status, data} envelope, an Order Ahead bearer token."""
import re

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def headers(box) -> dict:
    return {"clientId": box["credentials"]["client_id"], "key": box["credentials"]["api_key"]}


def get(http, box, path, **kwargs):
    return http.get(box["base_url"] + path, headers=kwargs.pop("headers", headers(box)), timeout=30, **kwargs)


def data(response) -> list:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"status", "data"} and body["status"] == 200
    return body["data"]


def token_for(http, box) -> str:
    creds = box["credentials"]
    response = http.post(box["base_url"] + "oauth/token", timeout=10, json={
        "client_id": creds["order_ahead_client_id"], "client_secret": creds["order_ahead_token"],
        "audience": "https://api.flowhub.co/", "grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
