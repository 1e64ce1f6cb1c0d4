"""Helpers of the sandbox Dutchie tests (tests/sandbox/test_dutchie_*.py): Basic-auth requests to a sandbox
location made by the `sandbox` fixture, and a pre-order body built from what it serves."""
from requests.auth import HTTPBasicAuth


def _auth(sb) -> HTTPBasicAuth:
    return HTTPBasicAuth(sb["credentials"]["api_key"], "")


def _get(http, sb, path, **params):
    return http.get(sb["base_url"] + path, params=params, auth=_auth(sb), timeout=30)


def _post(http, sb, path, body, **kwargs):
    return http.post(sb["base_url"] + path, json=body, auth=_auth(sb), timeout=30, **kwargs)


def _ok(http, sb, path, **params):
    response = _get(http, sb, path, **params)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.json()


def _save(location, **fields):
    for name, value in fields.items():
        setattr(location, name, value)
    location.save(update_fields=list(fields))


def _order_body(http, sb, key="order-1"):
    customer = _ok(http, sb, "customer/customers")[0]
    product = _ok(http, sb, "inventory")[0]
    return {"customerId": customer["customerId"], "items": [{"productId": product["productId"], "quantity": 2}],
            "isDelivery": False, "orderSource": "Web", "idempotencyKey": key,
            "transactionReference": "Pre-Paid CANOPY-1001", "notes": "Sandbox test"}
