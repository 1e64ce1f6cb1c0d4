"""The sync engine (C2, C3, R4, R7, X2, C10/D14, R11) through the sandbox POS over real HTTP."""
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations import cards, sync
from integrations.models import IntegrationCard, SyncRun
from integrations.sandbox import services
from integrations.sandbox.models import Fault
from tests.support import database_url_of_test_db

ROOT = Path(__file__).resolve().parent.parent


def test_c2_enabling_a_card_makes_its_first_sync_due_within_10_minutes(dutchie_card, staff_a):
    assert dutchie_card.next_sync_at is None  # disabled: no schedule
    before = cards.snapshot(dutchie_card)
    dutchie_card.enabled = True
    cards.save_card(dutchie_card, staff_a, before=before)
    assert dutchie_card.next_sync_at <= timezone.now()
    queued = sync.dispatch_due_syncs()
    run = SyncRun.objects.get(pk=queued[0])
    assert run.trigger == SyncRun.Trigger.INITIAL and run.stream == "inventory"
    dutchie_card.refresh_from_db()
    assert timedelta(minutes=9) < dutchie_card.next_sync_at - timezone.now() <= timedelta(minutes=10)  # C2
    # Disabling removes the schedule: nothing more is queued.
    before = cards.snapshot(dutchie_card)
    dutchie_card.enabled = False
    cards.save_card(dutchie_card, staff_a, before=before)
    IntegrationCard.objects.filter(pk=dutchie_card.pk).update(next_sync_at=None)
    assert sync.dispatch_due_syncs() == []


@pytest.mark.parametrize("frequency, interval", [("15m", timedelta(minutes=15)), ("hourly", timedelta(hours=1)),
                                                 ("daily", timedelta(days=1))])
def test_r7_polling_intervals(dutchie_card, staff_a, frequency, interval):
    before = cards.snapshot(dutchie_card)
    dutchie_card.enabled, dutchie_card.sync_frequency = True, frequency
    cards.save_card(dutchie_card, staff_a, before=before)
    sync.dispatch_due_syncs()
    dutchie_card.refresh_from_db()
    assert interval - timedelta(minutes=1) < dutchie_card.next_sync_at - timezone.now() <= interval


def test_a_second_request_joins_the_running_run(dutchie_card, manager_a):
    first, joined = sync.enqueue_sync(dutchie_card, "inventory", SyncRun.Trigger.BUTTON, manager_a)
    second, joined_again = sync.enqueue_sync(dutchie_card, "inventory", SyncRun.Trigger.SCHEDULE)
    assert not joined and joined_again and first.pk == second.pk
    assert SyncRun.objects.filter(card=dutchie_card).count() == 1


def test_a_run_whose_worker_died_is_failed_and_the_next_starts_cleanly(dutchie_card, settings):
    run, _ = sync.enqueue_sync(dutchie_card)
    SyncRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now() - timedelta(hours=1))
    fresh, joined = sync.enqueue_sync(dutchie_card)
    assert not joined and fresh.pk != run.pk
    run.refresh_from_db()
    assert run.status == "failed" and run.error_category == "worker_lost" and "stopped" in run.message
    finished = sync.execute_run(fresh.pk)
    assert finished.status == "succeeded", finished.message


def test_c3_r5_sync_fills_the_menu_and_counts_each_record(dutchie_card):
    run, _ = sync.enqueue_sync(dutchie_card)
    run = sync.execute_run(run.pk)
    assert run.status in ("succeeded", "partial"), run.message
    assert run.fetched > 0 and run.created > 0 and run.pages_done >= 1
    assert run.started_at and run.finished_at and run.duration is not None
    products = dutchie_card.store.products.all()
    assert products.count() == run.created
    again = sync.execute_run(sync.enqueue_sync(dutchie_card)[0].pk)
    assert again.created == 0 and again.unchanged > 0, again.message


def test_x2_dry_run_previews_and_writes_nothing(dutchie_card):
    run, _ = sync.enqueue_sync(dutchie_card, dry_run=True)
    run = sync.execute_run(run.pk)
    assert run.created > 0 and "Previewed" in run.message
    assert not dutchie_card.store.products.exists()


def test_r4_initial_sync_verifies_counts_against_the_pos(dutchie_card):
    run, _ = sync.enqueue_sync(dutchie_card, trigger=SyncRun.Trigger.INITIAL)
    run = sync.execute_run(run.pk)
    assert run.verification["pos_records"] == run.fetched
    assert run.verification["menu_products"] == dutchie_card.store.products.count()


def test_r11_a_refused_key_ends_as_a_failed_run_in_plain_words(dutchie_card):
    services.set_fault(dutchie_card.location, Fault.UNAUTHORIZED)
    run = sync.execute_run(sync.enqueue_sync(dutchie_card)[0].pk)
    assert run.status == "failed" and run.error_category == "unauthorized"
    assert "401" in run.message and "API key" in run.fix
    assert not dutchie_card.store.products.exists()


def test_d14_c10_good_credentials_but_no_products_is_explained(dutchie_card):
    location = dutchie_card.location
    location.assign_rooms_to_menus, location.visible_room_ids = True, []
    location.save()
    run = sync.execute_run(sync.enqueue_sync(dutchie_card)[0].pk)
    assert run.status == "partial" and run.error_category == "empty"
    assert "Assign Rooms To Menus" in run.message and run.fix


def test_sync_command_prints_counts_and_fails_with_a_non_zero_exit(dutchie_card, capsys):
    call_command("sync", str(dutchie_card.pk))
    out = capsys.readouterr().out
    assert "created" in out and ("Succeeded" in out or "Partly" in out)
    services.set_fault(dutchie_card.location, Fault.SERVER_ERROR)
    with pytest.raises(SystemExit) as exit_:
        call_command("sync", str(dutchie_card.pk), "--dry-run")
    assert exit_.value.code == 1
    assert "Failed" in capsys.readouterr().out


def test_api_sync_queues_and_the_run_reports_progress(api_client_for, dutchie_card, manager_a, staff_b):
    api = api_client_for(manager_a)
    queued = api.post(f"/api/v1/cards/{dutchie_card.pk}/sync/", {"stream": "inventory"}, format="json")
    assert queued.status_code == 202, queued.content
    run_id = queued.json()["id"]
    joined = api.post(f"/api/v1/cards/{dutchie_card.pk}/sync/", {}, format="json")
    assert joined.status_code == 200 and joined.json()["id"] == run_id
    sync.execute_run(run_id)
    body = api.get(f"/api/v1/sync-runs/{run_id}/").json()
    assert body["status"] in ("succeeded", "partial") and body["progress"]["done"] and body["counts"]["created"] > 0
    assert api_client_for(staff_b).get(f"/api/v1/sync-runs/{run_id}/").status_code == 404


def test_staff_cannot_start_a_sync_but_may_preview(api_client_for, client, dutchie_card, staff_a):
    assert api_client_for(staff_a).post(f"/api/v1/cards/{dutchie_card.pk}/sync/", {}, format="json").status_code == 403
    client.force_login(staff_a)
    refused = client.post("/admin/integrations/syncrun/start/", {"card": dutchie_card.pk})
    assert refused.status_code == 403
    preview = client.post("/admin/integrations/syncrun/start/", {"card": dutchie_card.pk, "dry_run": "1"})
    assert preview.status_code == 200


def test_c3_sync_button_queues_at_once_and_progress_is_readable(client, dutchie_card, manager_a):
    client.force_login(manager_a)
    started = client.post("/admin/integrations/syncrun/start/", {"card": dutchie_card.pk}).json()
    assert started["message"].startswith("Queued sync #")
    progress = client.get(started["progress_url"]).json()
    assert progress["status"] == "queued" and progress["progress"]["done"] is False
    sync.execute_run(started["run"])
    progress = client.get(started["progress_url"]).json()
    assert progress["progress"]["done"] and progress["counts"]["created"] > 0


def test_a_real_worker_runs_a_queued_sync(dutchie_card):
    """django-q2's cluster (ORM broker, the embedded default) picks the run up from the queue."""
    run, _ = sync.enqueue_sync(dutchie_card)
    sync._send_to_queue(run.pk)  # on_commit does not fire inside the test's transaction handling
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db()}
    env.pop("REDIS_URL", None)
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = timezone.now() + timedelta(seconds=60)
        while timezone.now() < deadline:
            run.refresh_from_db()
            if not run.is_active:
                break
            time.sleep(0.5)
        assert run.status in ("succeeded", "partial"), (run.status, run.message)
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cluster.kill()
