"""A run's notable records (SyncRunEntry): what happened to each (status), what changed (diff), one cap per
status, and how the run's page shows them."""
import pytest

from catalog.models import Product
from integrations import sync
from integrations.models import SyncRunEntry
from integrations.sandbox import services
from tests.factories import IntegrationCardFactory, SyncRunEntryFactory, SyncRunFactory
from tests.support import run_sync


@pytest.mark.django_db
def test_the_reporter_keeps_the_first_entries_of_each_status(settings):
    settings.SYNC_ENTRIES_PER_STATUS = 2
    run = SyncRunFactory()
    reporter = sync.RunReporter(run)
    reporter.page("page 1", [("created", i, f"P{i}", "New.") for i in range(3)] + [("failed", "x", "X", "Bad.")],
                  created=3, errors=1)
    reporter.add([("updated", 7, "P7", "Changed.", {"unit_price": ["35.00", "32.00"]}), ("failed", "y", "Y", "Bad."),
                   ("failed", "z", "Z", "Bad.")])
    kept = list(run.entries.values_list("status", "pos_id", "diff"))
    assert kept == [("created", "0", {}), ("created", "1", {}), ("failed", "x", {}),
                    ("updated", "7", {"unit_price": ["35.00", "32.00"]}), ("failed", "y", {})]
    run.refresh_from_db()
    assert (run.created, run.errors) == (3, 1)  # the counts cover every record


@pytest.mark.django_db
def test_the_run_page_shows_each_entrys_status_and_changes_in_words(client, manager_a, store_a):
    run = SyncRunFactory(card=IntegrationCardFactory(store=store_a))
    SyncRunEntryFactory(run=run, updated=True, name="Blue Dream 3.5g",
                        diff={"unit_price": ["35.00", "32.00"], "quantity": [12.0, 1250.5],
                              "weight": [{"value": 3.5, "unit": "g"}, {"value": 7, "unit": "g"}],
                              "brand": ["Acme", ""]})
    SyncRunEntryFactory(run=run, status=SyncRunEntry.Status.ZEROED, message="No longer in the POS feed.")
    client.force_login(manager_a)
    page = client.get(f"/admin/integrations/syncrun/{run.pk}/change/").content.decode()
    assert "Updated" in page and "Set to 0 (left the POS feed)" in page
    for change in ("Price: 35.00 -&gt; 32.00", "Quantity: 12 -&gt; 1,250.5", "Weight: 3.5 g -&gt; 7 g",
                   "Brand: Acme -&gt; none"):
        assert change in page
    assert "unit_price" not in page


def test_r8_a_price_change_in_the_pos_is_recorded_with_its_diff(dutchie_card):
    run_sync(dutchie_card)
    services.change_prices(dutchie_card.location, fraction=0.2, factor=1.5, seed=3)
    again = run_sync(dutchie_card)
    updated = list(again.entries.filter(status="updated"))
    assert updated and len(updated) == again.updated
    prices = dict(Product.objects.filter(store=dutchie_card.store).values_list("pos_product_id", "unit_price"))
    for entry in updated:
        before, after = entry.diff["unit_price"]
        assert after == f"{prices[entry.pos_id]:.2f}" and before != after
