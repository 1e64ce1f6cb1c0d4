"""Operating the sandbox (X1): the commands scripts use, the admin pages specialists use, and the
demo wiring. Each shows its effect over real HTTP."""
import json
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from integrations.sandbox import services
from integrations.sandbox.models import Fault, SandboxLocation
from tests.support import database_url_of_test_db, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("vendor, fields", [
    ("dutchie", {"api_key"}),
    ("alleaves", {"location_id", "username", "password"}),
    ("flowhub", {"api_key", "location_id", "client_id", "order_ahead_client_id", "order_ahead_token"}),
])
def test_x1_sandbox_location_create_prints_card_wiring(db, vendor, fields):
    out = StringIO()
    call_command("sandbox_location", "create", "--vendor", vendor, "--products", "25", "--seed", "3", stdout=out)
    wiring = json.loads(out.getvalue())
    assert wiring["vendor"] == vendor
    assert wiring["base_url"] == f"http://127.0.0.1:8000/sandbox/{vendor}/"
    assert fields <= set(wiring["credentials"])
    assert all(wiring["credentials"][name] for name in fields)
    location = SandboxLocation.objects.get(pk=wiring["sandbox_location_id"])
    assert location.records.filter(kind="product").count() == 25
    listed = StringIO()
    call_command("sandbox_location", "list", stdout=listed)
    assert json.loads(listed.getvalue().splitlines()[0])["vendor"] == vendor


def test_x1_sandbox_location_refuses_a_size_out_of_range(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="between 1 and 100,000"):
        call_command("sandbox_location", "create", "--vendor", "dutchie", "--products", "100001", stdout=StringIO())


def test_x1_created_location_answers_with_its_credentials(sandbox, http):
    wiring = sandbox("dutchie", products=12)
    response = http.get(wiring["base_url"] + "whoami", auth=(wiring["credentials"]["api_key"], ""))
    assert response.status_code == 200
    assert response.json()["locationName"] == wiring["location"].name


def test_x1_run_sandbox_pos_serves_the_sandbox_alone(transactional_db):
    location = services.create_location("dutchie", products=10, seed=4)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db()}
    server = subprocess.Popen([sys.executable, "manage.py", "run_sandbox_pos", "--port", str(port)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                response = requests.get(f"{base}/sandbox/dutchie/whoami", auth=(location.api_key, ""), timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        else:
            pytest.fail("run_sandbox_pos did not start: " + server.stdout.read1().decode())
        assert response.status_code == 200
        assert response.json()["locationName"] == location.name
        assert requests.get(f"{base}/admin/", timeout=5).status_code == 404  # only the sandbox is served
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_x1_specialist_creates_a_location_and_switches_a_fault_in_the_admin(client, specialist, live_server, http):
    client.force_login(specialist)
    response = client.post("/admin/sandbox/sandboxlocation/create/",
                           {"vendor": "dutchie", "name": "Admin made", "products": 15, "seed": 5})
    location = SandboxLocation.objects.get(name="Admin made")
    assert response.status_code == 302
    page = client.get(f"/admin/sandbox/sandboxlocation/{location.pk}/change/").content.decode()
    assert "Change prices" in page and location.api_key in page
    # Switch the 401 fault on from the admin form: the wire answers 401 with Dutchie's empty body.
    form = {field: getattr(location, field) for field in (
        "name", "api_key", "location_id", "client_id", "username", "password", "pin", "order_ahead_client_id",
        "order_ahead_token", "retry_after_seconds", "slow_seconds", "token_ttl_seconds")}
    form.update({"roles": json.dumps(location.roles), "hidden_customer_types": "[]", "visible_room_ids": "[]",
                 "fault": Fault.UNAUTHORIZED, "fault_endpoint": ""})
    saved = client.post(f"/admin/sandbox/sandboxlocation/{location.pk}/change/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    wire = http.get(f"{live_server.url}/sandbox/dutchie/whoami", auth=(location.api_key, ""))
    assert wire.status_code == 401 and wire.content == b""


def test_x1_admin_changes_prices_adds_and_deletes_products(client, specialist, live_server, http):
    location = services.create_location("dutchie", products=20, seed=6)
    client.force_login(specialist)
    url = f"/admin/sandbox/sandboxlocation/{location.pk}/change-data/"
    auth = (location.api_key, "")
    before = {p["productId"]: p["price"] for p in http.get(f"{live_server.url}/sandbox/dutchie/reporting/products",
                                                           auth=auth).json()}
    client.post(url, {"action": "prices", "fraction": 1, "factor": 2, "count": 1})
    after = {p["productId"]: p["price"] for p in http.get(f"{live_server.url}/sandbox/dutchie/reporting/products",
                                                          auth=auth).json()}
    changed = [pid for pid in before if before[pid] and after[pid] != before[pid]]
    assert changed and all(abs(after[pid] - 2 * before[pid]) < 0.02 for pid in changed)
    client.post(url, {"action": "add", "fraction": 0.5, "factor": 1, "count": 3})
    client.post(url, {"action": "delete", "fraction": 0.5, "factor": 1, "count": 2})
    products = http.get(f"{live_server.url}/sandbox/dutchie/reporting/products", auth=auth).json()
    assert len(products) == 20 + 3 - 2


def test_x1_staff_cannot_reach_the_sandbox_admin(db, client, staff_a):
    client.force_login(staff_a)
    assert client.get("/admin/sandbox/sandboxlocation/").status_code == 403
    assert client.get("/admin/sandbox/sandboxlocation/create/").status_code == 302


def test_demo_cards_point_at_the_sandbox(db):
    from integrations.demo import load_demo_data
    from integrations.models import IntegrationCard, LoyaltyCredential

    load_demo_data()
    load_demo_data()
    assert IntegrationCard.objects.filter(kind="ecommerce").count() == 3
    assert IntegrationCard.objects.filter(kind="loyalty").count() == 1
    assert LoyaltyCredential.objects.count() == 2
    assert SandboxLocation.objects.count() == 4
    dutchie = IntegrationCard.objects.get(vendor="dutchie", kind="ecommerce")
    assert dutchie.endpoint == "http://127.0.0.1:8000/sandbox/dutchie"
    assert dutchie.api_key == SandboxLocation.objects.get(name="Green Leaf Denver (sandbox)").api_key
