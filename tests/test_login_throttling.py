"""Issue 11, finding 7: repeated wrong passwords lock a username out from that address, on the admin's
sign-in page and on the API's token view, with a plain message; `manage.py axes_reset` lifts it."""
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_TRIES = 25


def admin_login(client, username: str, password: str):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})


def token_login(client, username: str, password: str):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")


def test_admin_login_locks_out_after_wrong_passwords_and_reset_lets_in(client, staff_a):
    statuses = [admin_login(client, "staff-a", f"wrong-{n}").status_code for n in range(WRONG_TRIES)]
    # The form answers "wrong password" (200) until the limit, then the lockout page (429).
    assert statuses[:settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    refused = admin_login(client, "staff-a", PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many failed sign-ins" in page and "Try again in 15 minutes" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still signed out

    call_command("axes_reset", stdout=io.StringIO())
    allowed = admin_login(client, "staff-a", PASSWORD)
    assert allowed.status_code == 302 and allowed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_token_view_locks_out_after_wrong_passwords_and_reset_lets_in(staff_a):
    api = APIClient()
    statuses = [token_login(api, "staff-a", f"wrong-{n}").status_code for n in range(WRONG_TRIES)]
    assert statuses[0] == 400 and statuses[-1] == 429
    refused = token_login(api, "staff-a", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.json()["detail"]
    assert "token" not in refused.json()

    call_command("axes_reset_username", "staff-a", stdout=io.StringIO())
    allowed = token_login(api, "staff-a", PASSWORD)
    assert allowed.status_code == 200 and allowed.json()["token"]


def test_lockout_is_per_username_and_address(client, staff_a, staff_b):
    for n in range(WRONG_TRIES):
        admin_login(client, "staff-a", f"wrong-{n}")
    # Another person at the same address is not locked out...
    assert admin_login(client, "staff-b", PASSWORD).status_code == 302
    # ...nor is the same username from another address.
    elsewhere = client.post("/admin/login/", {"username": "staff-a", "password": PASSWORD, "next": "/admin/"},
                            REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == 302


def test_forged_forwarded_for_does_not_reset_the_count(client, staff_a):
    """X-Forwarded-For is the client's to write: it must not give each attempt a fresh address."""
    for n in range(WRONG_TRIES):
        client.post("/admin/login/", {"username": "staff-a", "password": f"wrong-{n}"},
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert admin_login(client, "staff-a", PASSWORD).status_code == 429


def test_right_passwords_never_lock_out(client, staff_a):
    """Many sign-ins with the right password (scripts, tests) are never throttled."""
    for _ in range(settings.AXES_FAILURE_LIMIT * 2):
        assert token_login(APIClient(), "staff-a", PASSWORD).status_code == 200
    assert admin_login(client, "staff-a", PASSWORD).status_code == 302
