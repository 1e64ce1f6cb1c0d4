"""The embedded default holds under real use (issue 10): SQLite set up for a web app with workers, the
sandbox POS in its own database, no transaction held over a POS call, the demo wired to the address
served, and runs whose worker died failed promptly without the schedule re-queuing a failure forever."""
import os
import signal
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections, router
from django.utils import timezone
from django.utils.html import escape

from integrations import cards, sync
from integrations.models import Company, IntegrationCard, SyncRun
from integrations.sandbox import services
from integrations.sandbox.models import Fault, SandboxLocation, SandboxRecord
from tests.factories import CompanyFactory
from tests.support import qcluster

ROOT = Path(__file__).resolve().parent.parent
on_sqlite = pytest.mark.skipif(django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                               reason="the SQLite set-up")


# --- SQLite for a web app with background workers ---------------------------------------------------

@on_sqlite
@pytest.mark.parametrize("alias", ["default", "sandbox"])
def test_sqlite_is_set_up_for_readers_and_writers_at_once(transactional_db, alias):
    with connections[alias].cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 20_000
    assert connections[alias].transaction_mode == "IMMEDIATE"


@on_sqlite
def test_a_reader_in_progress_never_blocks_a_writer(transactional_db, company_a):
    """What deadlocked a sync: a web thread streaming rows out while the worker commits a page."""
    CompanyFactory.create_batch(60)
    reader = connections.create_connection("default")
    try:
        cursor = reader.cursor()
        rows = cursor.execute("SELECT id FROM integrations_company")
        rows.fetchone()  # the read is open, mid-way
        started = time.monotonic()
        Company.objects.filter(pk=company_a.pk).update(name="Written meanwhile")
        assert time.monotonic() - started < 1
        assert len(rows.fetchall()) >= 60  # and the reader goes on
    finally:
        reader.close()


@on_sqlite
def test_the_sandbox_has_its_own_database_file(transactional_db):
    assert router.db_for_write(SandboxRecord) == "sandbox" and router.db_for_read(SandboxLocation) == "sandbox"
    assert router.db_for_write(IntegrationCard) == "default"
    default_name = Path(connections["default"].settings_dict["NAME"])
    assert connections["sandbox"].settings_dict["NAME"] == str(
        default_name.with_name(f"{default_name.stem}-sandbox{default_name.suffix}"))
    location = services.create_location("dutchie", products=5)
    assert SandboxRecord.objects.filter(location=location).count() >= 5
    tables = {name: set(connections[name].introspection.table_names()) for name in ("default", "sandbox")}
    assert "sandbox_sandboxrecord" in tables["sandbox"] and "sandbox_sandboxrecord" not in tables["default"]
    assert "integrations_integrationcard" not in tables["sandbox"]


def test_no_app_model_refers_to_a_sandbox_model():
    """Foreign keys cannot cross two databases: a card names its sandbox location by URL and credentials."""
    for model in apps.get_models():
        if model._meta.app_label == "sandbox":
            continue
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            assert related is None or related._meta.app_label != "sandbox", f"{model.__name__}.{field.name}"


def test_migrate_all_migrates_every_database(transactional_db):
    out = StringIO()
    call_command("migrate_all", "--noinput", stdout=out)
    for alias in django_settings.DATABASES:
        assert f"Database {alias!r}" in out.getvalue()


# --- no request waits on a POS call while holding a transaction --------------------------------------

def _flowhub_form(card: IntegrationCard, **changes) -> dict:
    form = {"enabled": "on", "sync_frequency": card.sync_frequency, "data_types": card.data_types,
            "direction": card.direction, "api_endpoint": card.api_endpoint, "synced_fields": card.synced_fields,
            "category_mapping": "{}", "location_id": card.location_id, "client_id": card.client_id,
            "order_ahead_client_id": card.order_ahead_client_id, "purchase_category": card.purchase_category,
            "room_id": card.room_id, "sync_terpenes": "on", "history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}
    return {**form, **changes}


def test_card_save_tests_the_connection_outside_any_transaction(client, sandbox, store_a, staff_a):
    """Flowhub Save (purchase category changed) runs Test Connection against a slow POS; meanwhile another
    writer goes through at once: no transaction of the Save waits on the POS."""
    wiring = sandbox("flowhub", products=10)
    card = IntegrationCard(company=store_a.company, store=store_a, vendor="flowhub", enabled=True,
                           api_endpoint=wiring["base_url"], **wiring["credentials"])
    cards.save_card(card, staff_a)
    services.set_fault(wiring["location"], Fault.SLOW, slow_seconds=2)
    client.force_login(staff_a)
    waits = []

    def write_meanwhile():
        try:
            for _ in range(3):
                time.sleep(1)
                started = time.monotonic()
                Company.objects.filter(pk=store_a.company_id).update(name="Acme Cannabis")
                waits.append(time.monotonic() - started)
        finally:
            connection.close()

    writer = threading.Thread(target=write_meanwhile)
    writer.start()
    started = time.monotonic()
    response = client.post(f"/admin/integrations/integrationcard/{card.pk}/change/",
                           _flowhub_form(card, purchase_category="med"))
    took = time.monotonic() - started
    writer.join()
    assert response.status_code == 302, response.content.decode()[:3000]
    card.refresh_from_db()
    assert card.purchase_category == "med" and card.last_test_ok
    assert took > 2  # the POS was slow...
    assert max(waits) < 0.5, waits  # ...and nobody waited on it


def test_a_failed_save_writes_nothing(client, sandbox, store_a, staff_a):
    """The writes of a Save are one transaction: a refused Test Connection leaves the card as it was."""
    wiring = sandbox("flowhub", products=10)
    card = IntegrationCard(company=store_a.company, store=store_a, vendor="flowhub", enabled=True,
                           api_endpoint=wiring["base_url"], **wiring["credentials"])
    cards.save_card(card, staff_a)
    client.force_login(staff_a)
    response = client.post(f"/admin/integrations/integrationcard/{card.pk}/change/",
                           _flowhub_form(card, purchase_category="med", api_key="not-the-key"))
    assert response.status_code == 200 and "Test Connection failed" in response.content.decode()
    card.refresh_from_db()
    assert card.purchase_category == "" and card.api_key == wiring["credentials"]["api_key"]
    assert card.history.count() == 1  # "created" only


# --- the demo points at the address served ------------------------------------------------------------

def test_load_demo_base_url_is_what_the_cards_use(transactional_db):
    out = StringIO()
    call_command("load_demo", "--base-url", "http://127.0.0.1:8010", stdout=out)
    assert "Sign in at http://127.0.0.1:8010/admin/" in out.getvalue()
    assert "8000" not in out.getvalue()
    demo = IntegrationCard.objects.all()
    assert demo.count() == 4
    assert all(card.api_endpoint.startswith("http://127.0.0.1:8010/sandbox/") for card in demo)
    # Served elsewhere later: the demo cards follow; one pointed at a real POS meanwhile is left alone.
    real = IntegrationCard.objects.get(vendor="alleaves")
    real.api_endpoint = "https://pos.example.com/api"
    real.save()
    call_command("load_demo", "--base-url", "http://127.0.0.1:8020/", stdout=StringIO())
    for card in IntegrationCard.objects.exclude(pk=real.pk):
        assert card.api_endpoint.startswith("http://127.0.0.1:8020/sandbox/"), card
        assert card.history.filter(field="api_endpoint").exists()  # in the card's history (X4)
    real.refresh_from_db()
    assert real.api_endpoint == "https://pos.example.com/api"


def test_load_demo_refuses_a_base_url_without_a_scheme(transactional_db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="http://127.0.0.1:8010"):
        call_command("load_demo", "--base-url", "127.0.0.1:8010", stdout=StringIO())


def test_readme_shows_how_to_run_on_another_port():
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=8010" in readme


def test_sandbox_location_page_shows_the_address_served(client, specialist, transactional_db):
    location = services.create_location("dutchie", products=3)
    client.force_login(specialist)
    page = client.get(f"/admin/sandbox/sandboxlocation/{location.pk}/change/", HTTP_HOST="127.0.0.1:8010")
    text = page.content.decode()
    assert "http://127.0.0.1:8010/sandbox/dutchie/" in text and "127.0.0.1:8000" not in text


# --- stuck runs: failed within 2 minutes, and no endless re-queuing -----------------------------------

def test_stale_runs_are_failed_within_two_minutes_by_default():
    assert django_settings.SYNC_HEARTBEAT_SECONDS * 3 <= django_settings.SYNC_STALE_AFTER_SECONDS
    # The dispatcher reaps every minute: stale after + one minute stays within two.
    assert django_settings.SYNC_STALE_AFTER_SECONDS + 60 <= 120


def test_the_heartbeat_beats_while_a_run_works_and_stops_once_it_was_reaped(dutchie_card, settings):
    settings.SYNC_HEARTBEAT_SECONDS = 0.1
    run, _ = sync.enqueue_sync(dutchie_card)
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    SyncRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=long_ago)
    with sync.Heartbeat(run.pk):
        time.sleep(0.5)
        run.refresh_from_db()
        assert run.heartbeat_at > long_ago
        SyncRun.objects.filter(pk=run.pk).update(status="failed")
        time.sleep(0.3)
        stopped_at = SyncRun.objects.get(pk=run.pk).heartbeat_at
        time.sleep(0.3)
        assert SyncRun.objects.get(pk=run.pk).heartbeat_at == stopped_at


def _fail_runs(card: IntegrationCard, count: int, trigger=SyncRun.Trigger.SCHEDULE) -> None:
    for _ in range(count):
        run, joined = sync.enqueue_sync(card, trigger=trigger)
        assert not joined
        assert sync.execute_run(run.pk).status == "failed"


def test_three_failures_in_a_row_pause_the_schedule_and_the_card_says_so(dutchie_card, client, manager_a):
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(api_key="refused-key", enabled=True)  # every run: 401
    dutchie_card.refresh_from_db()
    _fail_runs(dutchie_card, 2)
    dutchie_card.refresh_from_db()
    assert dutchie_card.failed_syncs_in_a_row == 2 and dutchie_card.sync_paused_at is None
    _fail_runs(dutchie_card, 1)
    dutchie_card.refresh_from_db()
    assert dutchie_card.sync_paused_at is not None
    # The schedule no longer queues it, however due it is.
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(next_sync_at=timezone.now())
    assert sync.dispatch_due_syncs() == []
    assert dutchie_card.sync_runs.count() == 3
    client.force_login(manager_a)
    page = client.get(f"/admin/integrations/integrationcard/{dutchie_card.pk}/change/").content.decode()
    assert "Scheduled syncs of this card are paused" in page and "save the card or press Sync" in page
    last = dutchie_card.sync_runs.order_by("-id").first()
    assert escape(last.message) in page  # the last failure, in words
    assert "schedule paused" in client.get("/admin/catalog/product/").content.decode()


def test_pressing_sync_resumes_a_paused_schedule(dutchie_card, client, manager_a):
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(api_key="refused-key")
    dutchie_card.refresh_from_db()
    _fail_runs(dutchie_card, 3)
    client.force_login(manager_a)
    answer = client.post("/admin/integrations/syncrun/start/", {"card": dutchie_card.pk}).json()
    assert answer["joined"] is False
    dutchie_card.refresh_from_db()
    assert dutchie_card.sync_paused_at is None and dutchie_card.failed_syncs_in_a_row == 0


def test_saving_the_card_resumes_a_paused_schedule_and_a_success_resets_the_count(dutchie_card, staff_a):
    key = dutchie_card.api_key
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(api_key="refused-key", enabled=True)
    dutchie_card.refresh_from_db()
    _fail_runs(dutchie_card, 3)
    dutchie_card.refresh_from_db()
    before = cards.snapshot(dutchie_card)
    dutchie_card.api_key = key
    cards.save_card(dutchie_card, staff_a, before=before)
    dutchie_card.refresh_from_db()
    assert dutchie_card.sync_paused_at is None and dutchie_card.failed_syncs_in_a_row == 0
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(next_sync_at=timezone.now())
    queued = sync.dispatch_due_syncs()
    assert len(queued) == 1 and sync.execute_run(queued[0]).status == "succeeded"
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(failed_syncs_in_a_row=2)
    run, _ = sync.enqueue_sync(dutchie_card)
    sync.execute_run(run.pk)
    dutchie_card.refresh_from_db()
    assert dutchie_card.failed_syncs_in_a_row == 0


def test_a_dead_worker_fails_its_run_and_the_sync_button_comes_back(dutchie_card, client, manager_a, settings):
    settings.SYNC_STALE_AFTER_SECONDS = 60
    run, _ = sync.enqueue_sync(dutchie_card)
    SyncRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now() - timezone.timedelta(
        seconds=61))
    client.force_login(manager_a)
    progress = client.get(f"/admin/integrations/syncrun/{run.pk}/progress/").json()
    assert progress["status"] == "failed" and progress["progress"]["done"] is True
    assert "stopped" in progress["message"]
    answer = client.post("/admin/integrations/syncrun/start/", {"card": dutchie_card.pk}).json()
    assert answer["joined"] is False and answer["run"] != run.pk
    dutchie_card.refresh_from_db()
    assert dutchie_card.failed_syncs_in_a_row == 1


def test_a_real_worker_keeps_its_run_alive_and_its_death_fails_the_run(dutchie_card, client, manager_a, settings):
    """A worker waiting on a slow POS beats its heartbeat (the run stays running past the stale window);
    killed, its run is failed once the window passes and the Sync button starts a new run."""
    settings.SYNC_STALE_AFTER_SECONDS = 3
    services.set_fault(dutchie_card.location, Fault.SLOW, endpoint="products", slow_seconds=25)
    run, _ = sync.enqueue_sync(dutchie_card)
    sync._send_to_queue(run.pk)  # on_commit does not fire inside the test's transaction handling
    client.force_login(manager_a)
    progress_url = f"/admin/integrations/syncrun/{run.pk}/progress/"
    with qcluster(SYNC_HEARTBEAT_SECONDS="0.5", SYNC_STALE_AFTER_SECONDS="3") as cluster:
        deadline = time.monotonic() + 60
        while run.status == "queued" and time.monotonic() < deadline:
            time.sleep(0.2)
            run.refresh_from_db()
        assert run.status == "running"
        time.sleep(4)  # past the stale window, waiting on the POS: alive
        assert client.get(progress_url).json()["status"] == "running"
        os.killpg(cluster.pid, signal.SIGKILL)  # the worker dies mid-run
        time.sleep(4)
        progress = client.get(progress_url).json()
    assert progress["status"] == "failed" and progress["progress"]["done"] and "stopped" in progress["message"]
    answer = client.post("/admin/integrations/syncrun/start/", {"card": dutchie_card.pk}).json()
    assert answer["joined"] is False and answer["run"] != run.pk
