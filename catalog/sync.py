"""The "inventory" stream: the POS's products and stock onto a store's menu.

Fetch (streamed) -> map (pure functions) -> ingest in pages of PAGE_SIZE, each page its own
transaction; a record that cannot be mapped is counted and kept for review and never aborts its page.
"""
from django.db.models import Q

from integrations.models import SyncRun
from integrations.pos.records import ClientConfig
from integrations.pos.registry import client_for
from integrations.streams import StreamOutcome

from .ingest import Ingestor
from .mapping import MappingError, map_product, settings_from_card
from .models import Product

PAGE_SIZE = 1000


def run_inventory_stream(run: SyncRun, reporter) -> StreamOutcome:
    card = run.card
    store = card.store
    client = client_for(card.vendor, ClientConfig.from_card(card))
    settings = settings_from_card(card)
    ingestor = Ingestor(store, card, run_id=run.pk, dry_run=run.dry_run, sync_prices=card.sync_prices,
                        synced_fields=card.synced_fields)
    fetched = 0
    mapped, failed = [], []

    def flush() -> None:
        result = ingestor.ingest_page(mapped, failed)
        reporter.page(f"{fetched:,} records so far", result.entries, fetched=len(mapped) + len(failed),
                      created=result.created, updated=result.updated, unchanged=result.unchanged,
                      flagged=result.flagged, errors=result.errors)
        mapped.clear()
        failed.clear()

    for record in client.iter_inventory():
        fetched += 1
        try:
            mapped.append(map_product(record, settings))
        except MappingError as error:
            failed.append((record.pos_product_id, record.name, str(error)))
        except Exception as error:  # noqa: BLE001 - one bad record never aborts the page
            failed.append((record.pos_product_id, record.name, f"Could not map this record: {error}"))
        if len(mapped) + len(failed) >= PAGE_SIZE:
            flush()
    if mapped or failed or fetched == 0:
        flush()

    if fetched == 0:
        # C10 / D14: good credentials, nothing usable. Do not zero the menu on an empty feed: say why.
        return _explain_empty(client, card, store)
    finish = ingestor.finish()
    reporter.add(finish.entries, zeroed=finish.zeroed, flagged=finish.flagged)
    run.refresh_from_db()
    verb = "Previewed" if run.dry_run else "Synced"
    outcome = StreamOutcome(message=(
        f"{verb} {fetched:,} records: {run.created:,} new, {run.updated:,} updated, {run.unchanged:,} unchanged, "
        f"{run.zeroed:,} zeroed, {run.flagged:,} flagged for review, {run.errors:,} could not be read."))
    if run.errors:
        outcome.fix = "Open Menu > Review items to see the records the POS sent that could not be read."
    if run.trigger == SyncRun.Trigger.INITIAL or run.dry_run:
        outcome.verification = verify_counts(store, card, fetched)
    return outcome


def verify_counts(store, card, fetched: int) -> dict:
    """R4: after an initial sync, the counts here against what the POS sent."""
    products = Product.objects.filter(store=store, card=card)
    here = products.count()
    in_stock = products.filter(quantity__gt=0).count()
    return {"pos_records": fetched, "menu_products": here, "in_stock": in_stock,
            "match": here >= fetched - products.filter(~Q(flags=[])).count() if fetched else here == 0}


def _explain_empty(client, card, store) -> StreamOutcome:
    """Why a sync with good credentials found nothing (C10, D14), in words a store can act on."""
    rooms = []
    try:
        rooms = client.list_rooms()
    except Exception:  # noqa: BLE001 - the explanation is best effort
        rooms = []
    if card.vendor == "dutchie":
        if card.room_ids:
            return StreamOutcome(
                category="empty",
                message=f"Dutchie returned no inventory in the chosen rooms ({', '.join(card.room_ids)}).",
                fix="Check the Room IDs on the card, or clear them to use every room.")
        return StreamOutcome(
            category="empty",
            message="The API key works but Dutchie returned no inventory. This usually means \"Assign Rooms To "
                    "Menus\" is on in Dutchie and this key may not see any room, or nothing is in stock.",
            fix="In Dutchie, check the key's room permissions (Settings > Integrations > Assign Rooms To Menus), "
                "or ask Dutchie support which rooms this key can see (D14).")
    if card.vendor == "alleaves" and card.area_ids:
        names = {r.id: r.name for r in rooms}
        chosen = ", ".join(names.get(a, a) for a in card.area_ids)
        return StreamOutcome(category="empty", message=f"Alleaves has no available inventory in {chosen}.",
                             fix="Choose the area(s) that hold the products you sell, such as Retail / Sales Floor.")
    if card.vendor == "flowhub" and (card.room_id or card.purchase_category):
        return StreamOutcome(
            category="empty", message="Flowhub returned no inventory for the card's room / purchase category.",
            fix="Check the Room ID (32 characters, not the room's name) and the Purchase Category on the card.")
    return StreamOutcome(category="empty", message=f"{card.get_vendor_display()} returned no products in stock.",
                         fix="Check in the POS that products are in stock and available online.")
