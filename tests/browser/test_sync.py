"""Menu > Products in a real browser: a manager presses Sync, watches the progress reach done and sees
the products (C3), with a real django-q2 worker taking the run from the queue."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integrations import cards, roles
from tests.factories import PASSWORD, IntegrationCardFactory, UserFactory
from tests.support import database_url_of_test_db

from .conftest import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db):
    """A qcluster on the embedded ORM broker, against the test database."""
    env = {**os.environ, "DATABASE_URL": database_url_of_test_db()}
    env.pop("REDIS_URL", None)
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield cluster
    cluster.terminate()
    try:
        cluster.wait(timeout=20)
    except subprocess.TimeoutExpired:
        cluster.kill()


def test_c3_manager_presses_sync_and_watches_it_finish(page, live_server, sandbox, worker, screenshot, store_a):
    wiring = sandbox("dutchie", products=300, seed=31)
    card = IntegrationCardFactory.build(store=store_a, enabled=False, api_endpoint=wiring["base_url"],
                                        **wiring["credentials"])
    cards.save_card(card, None)
    UserFactory(username="manager-a", company=store_a.company, role=roles.MANAGER)
    login(page, live_server, "manager-a", PASSWORD)

    page.get_by_role("link", name="Products", exact=True).first.click()
    panel = page.locator("#sync-panel")
    assert store_a.name in panel.inner_text()
    panel.locator(f"tr[data-card='{card.pk}']").get_by_role("button", name="Sync", exact=True).click()
    progress = panel.locator(f".sync-progress-row[data-card='{card.pk}']")
    progress.locator(".sync-status").filter(has_text="Queued sync").or_(
        progress.locator(".sync-status").filter(has_text="pages")).first.wait_for(timeout=15_000)
    page.wait_for_selector(f".sync-progress-row.sync-done[data-card='{card.pk}']", timeout=90_000)
    status = progress.locator(".sync-status").inner_text()
    assert "Succeeded" in status or "Partly" in status, status
    assert "created" in status
    screenshot(page, "products-sync-done")

    page.reload()
    assert store_a.products.count() > 0
    assert "300 products" in page.locator(".paginator").inner_text() or store_a.products.count() <= 300
    first = store_a.products.order_by("product_name").first()
    assert first.product_name in page.content()
