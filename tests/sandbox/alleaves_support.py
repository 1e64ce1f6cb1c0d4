"""Helpers of the sandbox Alleaves tests (tests/sandbox/test_alleaves_*.py): log in, read the inventory,
keep the sellable rows."""
import requests


def login(sb: dict, http: requests.Session) -> dict:
    creds = sb["credentials"]
    response = http.post(sb["base_url"] + "auth", json={"username": creds["username"],
                                                        "password": creds["password"]})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def inventory(sb: dict, http: requests.Session, headers: dict, **body) -> list[dict]:
    body = {"query": "", "id_location": int(sb["credentials"]["location_id"]), **body}
    response = http.post(sb["base_url"] + "inventory/search", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def sellable(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["area_type"] == "Retail" and isinstance(r["available"], int | float)
            and r["item"] and r["category"]]
