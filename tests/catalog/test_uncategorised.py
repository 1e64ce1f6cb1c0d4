"""A product whose POS category no mapping recognises goes on the menu under "Uncategorised": flagged and
opened for review as before, but visible, and filterable by a manager (Menu > Products' category filter,
the menu API's category filter), until a POS custom mapping (C8) decides its category.

End to end: a sync of the sandbox Dutchie POS over HTTP; and ingest's own rule, on SQLite and PostgreSQL."""
import pytest

from catalog.ingest import Ingestor
from catalog.mapping import map_product
from catalog.mapping.categories import UNCATEGORISED, choose_category
from catalog.mapping.types import MappingSettings
from catalog.models import Product, ReviewItem
from integrations import cards, sync
from integrations.models import IntegrationCard
from integrations.pos.records import PosProduct
from integrations.sandbox.models import RecordKind, SandboxRecord

PRODUCTS = "/admin/catalog/product/"


def run_sync(card):
    run = sync.execute_run(sync.enqueue_sync(card)[0].pk)
    assert run.status in ("succeeded", "partial"), run.message
    return run


def give_unknown_category(card, count: int = 2) -> list[str]:
    """`count` products on the sandbox's /inventory get the POS category "Mystery Box" (no master category)."""
    records = SandboxRecord.objects.filter(location=card.location, kind=RecordKind.PRODUCT, quantity__gt=20) \
        .order_by("position")[:count]
    changed = []
    for record in records:
        for shape in ("inventory", "product"):
            record.data[shape].update(category="Mystery Box", masterCategory=None)
        record.save(update_fields=["data"])
        changed.append(record.external_id)
    return changed


def listed(response) -> set[str]:
    return {obj.pos_product_id for obj in response.context["cl"].result_list}


def test_an_unknown_category_is_on_the_menu_under_uncategorised_until_a_mapping_decides(
        dutchie_card, client, manager_a, api_client_for):
    unknown = give_unknown_category(dutchie_card)
    run_sync(dutchie_card)

    products = Product.objects.filter(store=dutchie_card.store, pos_product_id__in=unknown)
    assert products.count() == 2
    for product in products:
        assert product.category == UNCATEGORISED and product.quantity > 0
        assert any("Unknown category 'Mystery Box'" in flag for flag in product.flags)
        assert any(UNCATEGORISED in d["rule"] for d in product.decisions if d["field"] == "category")
    items = ReviewItem.objects.filter(store=dutchie_card.store, kind=ReviewItem.Kind.UNKNOWN_CATEGORY)
    assert set(items.values_list("key", flat=True)) == set(unknown)
    # Every other product has a category of its own: only the unknown ones are Uncategorised, none empty.
    on_menu = Product.objects.filter(store=dutchie_card.store)
    assert set(on_menu.filter(category=UNCATEGORISED).values_list("pos_product_id", flat=True)) == set(unknown)
    assert not on_menu.filter(category="").exists()

    # Menu > Products: the category filter offers it and lists exactly those.
    client.force_login(manager_a)
    response = client.get(PRODUCTS)
    category_filter = next(f for f in response.context["cl"].filter_specs if getattr(f, "field_path", "") == "category")
    assert UNCATEGORISED in category_filter.lookup_choices
    assert listed(client.get(PRODUCTS, {"category": UNCATEGORISED})) == set(unknown)

    # The menu API: category=uncategorised (either spelling, any case), and the field says so.
    api = api_client_for(manager_a)
    for asked in ("uncategorised", "Uncategorised", "uncategorized"):
        body = api.get(f"/api/v1/stores/{dutchie_card.store.pk}/menu", {"category": asked}).json()
        assert {item["pos_product_id"] for item in body["results"]} == set(unknown), asked
        assert {item["category"] for item in body["results"]} == {UNCATEGORISED}

    # A POS custom mapping decides it: the next sync files them under it.
    card = IntegrationCard.objects.get(pk=dutchie_card.pk)
    card.category_mapping = {"Mystery Box": "Edibles"}
    cards.save_card(card, manager_a)
    card.location = dutchie_card.location
    run_sync(card)
    assert set(products.values_list("category", flat=True)) == {"Edibles"}
    assert listed(client.get(PRODUCTS, {"category": UNCATEGORISED})) == set()
    body = api.get(f"/api/v1/stores/{dutchie_card.store.pk}/menu", {"category": "uncategorised"}).json()
    assert body["count"] == 0


@pytest.mark.django_db
def test_ingest_files_an_unrecognised_category_under_uncategorised(store_a, thawed_gc):
    card = IntegrationCard.objects.create(company=store_a.company, store=store_a, vendor="dutchie")
    settings = MappingSettings(vendor="dutchie")
    record = PosProduct(pos_product_id="77", sku="MB-1", name="Mystery", category="Mystery Box", quantity=4.0)
    mapped = map_product(record, settings)
    assert mapped.category == ""  # mapping itself recognised nothing (its contract is unchanged)
    category, _, decisions = choose_category(record, settings)
    assert category == "" and decisions[-1].value == UNCATEGORISED

    ingestor = Ingestor(store_a, card)
    result = ingestor.ingest_page([mapped])
    ingestor.finish()

    product = Product.objects.get(store=store_a, pos_product_id="77")
    assert (product.category, product.quantity, result.created, result.flagged) == (UNCATEGORISED, 4.0, 1, 1)
    item = ReviewItem.objects.get(store=store_a)
    assert (item.kind, item.key) == (ReviewItem.Kind.UNKNOWN_CATEGORY, "77")
    assert list(item.products.all()) == [product]


@pytest.fixture
def thawed_gc():
    """Ingestor() freezes the GC until finish(); a test that fails before finish() thaws it here."""
    import gc

    yield
    gc.unfreeze()
