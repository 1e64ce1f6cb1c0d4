"""Menu in the admin: Products (read-only, scoped, Explain X3), the review queue (R8) and storefront keys."""
from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Product, ReviewItem, StorefrontKey
from integrations.models import hash_api_key
from tests.factories import IntegrationCardFactory, ProductFactory, RetailStoreFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"
REVIEW = "/admin/catalog/reviewitem/"
KEYS = "/admin/catalog/storefrontkey/"


def make_product(store, pos_id, **fields) -> Product:
    return ProductFactory(store=store, pos_product_id=str(pos_id), **{"unit_price": None, **fields})


def listed(response) -> set[str]:
    return {obj.pos_product_id for obj in response.context["cl"].result_list}


@pytest.fixture
def products(store_a, store_b):
    return {
        "gelato": make_product(store_a, "a1", product_name="Gelato 3.5g", sku="GEL-35", brand="Cookies",
                               category="flower", strain_type="Hybrid", quantity=4),
        "gummy": make_product(store_a, "a2", product_name="Mango Gummies", sku="GUM-10", brand="Wana",
                              category="edibles", strain_type="Sativa", quantity=1, held_quantity=3,
                              flags=["Unknown category 'Snacks'"]),
        "bravo": make_product(store_b, "b1", product_name="Bravo Kush", sku="BK-1", brand="Bravo"),
    }


# --- Menu > Products ---------------------------------------------------------------------------
def test_product_list_is_scoped_to_the_company(client, manager_a, products):
    client.force_login(manager_a)
    response = client.get(PRODUCTS)
    assert response.status_code == 200
    assert listed(response) == {"a1", "a2"}
    assert "Bravo Kush" not in response.content.decode()
    # The store filter offers the user's own stores only.
    store_filter = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "store")
    assert [name for _, name in store_filter.lookup_choices] == ["Acme Downtown"]
    assert "Bravo Uptown" not in response.content.decode()


def test_other_companys_product_is_404(client, manager_a, products):
    client.force_login(manager_a)
    assert client.get(f"{PRODUCTS}{products['bravo'].pk}/change/").status_code == 404
    assert client.get(f"{PRODUCTS}{products['gelato'].pk}/change/").status_code == 200


def test_specialist_sees_every_company(client, specialist, products):
    client.force_login(specialist)
    assert listed(client.get(PRODUCTS)) == {"a1", "a2", "b1"}


def test_product_list_columns(client, manager_a, products):
    client.force_login(manager_a)
    response = client.get(PRODUCTS)
    assert [c for c in response.context["cl"].list_display if c != "action_checkbox"] == [
        "product_name", "sku", "brand", "category", "subcategory", "strain_type", "unit_price", "available",
        "store", "flags_badge", "updated_at"]
    html = response.content.decode()
    assert "1 flag" in html  # the gummies' badge
    assert "canopy-flag-badge" in html


def test_product_filters_and_search(client, manager_a, store_a, products):
    client.force_login(manager_a)
    assert listed(client.get(PRODUCTS, {"store": store_a.pk})) == {"a1", "a2"}
    assert listed(client.get(PRODUCTS, {"category": "edibles"})) == {"a2"}
    assert listed(client.get(PRODUCTS, {"strain_type": "Hybrid"})) == {"a1"}
    assert listed(client.get(PRODUCTS, {"flagged": "yes"})) == {"a2"}
    assert listed(client.get(PRODUCTS, {"flagged": "no"})) == {"a1"}
    # C6: held quantity above quantity is out of stock on the menu.
    assert listed(client.get(PRODUCTS, {"in_stock": "yes"})) == {"a1"}
    assert listed(client.get(PRODUCTS, {"in_stock": "no"})) == {"a2"}
    for term, expected in (("gel-35", {"a1"}), ("wana", {"a2"}), ("mango", {"a2"}), ("a1", {"a1"}),
                           ("bravo", set())):
        assert listed(client.get(PRODUCTS, {"q": term})) == expected, term


def test_products_are_read_only_for_everyone(client, manager_a, specialist, products):
    gelato = products["gelato"]
    for user in (manager_a, specialist):
        client.force_login(user)
        assert client.get(f"{PRODUCTS}add/").status_code == 403
        assert client.get(f"{PRODUCTS}{gelato.pk}/delete/").status_code == 403
        assert client.post(f"{PRODUCTS}{gelato.pk}/change/", {"product_name": "Edited"}).status_code == 403
    gelato.refresh_from_db()
    assert gelato.product_name == "Gelato 3.5g"


def test_c3_products_list_has_the_sync_panel_above_the_results(client, manager_a, staff_a, products, store_a):
    IntegrationCardFactory(store=store_a)
    client.force_login(manager_a)
    page = client.get(PRODUCTS).content.decode()
    assert 'id="sync-panel"' in page and page.index('id="sync-panel"') < page.index('id="result_list"')
    assert ">Sync</button>" in page and "Run Initial Sync" in page
    client.force_login(staff_a)
    assert ">Sync</button>" not in client.get(PRODUCTS).content.decode()  # staff configure, managers sync


def test_x3_explain_panel_shows_raw_record_decisions_flags_terpenes_and_review_items(client, manager_a, store_a):
    product = make_product(
        store_a, "p-77", product_name="Wedding Cake", unit_cost=Decimal("6.10"),
        raw={"productId": "p-77", "productName": "Wedding Cake", "category": "Flower",
             "terpenes": [{"name": "Farnesene", "value": 0.4}], "apiKey": "sk-live-SECRET", "nested": {
                 "password": "hunter2", "roomName": "Sales Floor"}},
        decisions=[{"field": "category", "rule": "F8: Custom Category wins over Type", "value": "flower"},
                   {"field": "strain_type", "rule": "F6: 'indica hybrid' normalises to Indica-Dom",
                    "value": "Indica-Dom"}],
        flags=["THC above 100%"], unknown_terpenes=["Farnesene"])
    item = ReviewItem.objects.create(store=store_a, kind=ReviewItem.Kind.MALFORMED, key="p-77",
                                     message="THC above 100% in the POS record")
    item.products.add(product)
    client.force_login(manager_a)
    response = client.get(f"{PRODUCTS}{product.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="explain"' in html
    # The raw record, pretty-printed, product data only.
    assert "&quot;productName&quot;: &quot;Wedding Cake&quot;" in html
    assert "&quot;roomName&quot;: &quot;Sales Floor&quot;" in html
    assert "sk-live-SECRET" not in html and "hunter2" not in html and "apiKey" not in html
    # Each decision as a table row.
    explain = response.context["explain"]
    assert explain["decisions"][0] == {"field": "category", "rule": "F8: Custom Category wins over Type",
                                       "value": "flower"}
    assert "F6: &#x27;indica hybrid&#x27; normalises to Indica-Dom" in html
    assert 'id="explain-decisions"' in html
    assert "THC above 100%" in html
    assert 'id="explain-unknown-terpenes"' in html and "Farnesene" in html
    assert f"{REVIEW}{item.pk}/change/" in html
    # Cost may show to staff in the admin (only the menu API must never expose it).
    assert "6.10" in html


# --- Menu > Review queue -----------------------------------------------------------------------
@pytest.fixture
def duplicate(store_a):
    first = make_product(store_a, "d1", sku="DUP-1", product_name="Blue Dream", quantity=3)
    second = make_product(store_a, "d2", sku="DUP-1", product_name="Blue Dream 1/8", quantity=2)
    item = ReviewItem.objects.create(store=store_a, kind=ReviewItem.Kind.DUPLICATE_SKU, key="DUP-1",
                                     message="SKU DUP-1 is used by 2 POS products (d1, d2) that differ in name",
                                     raw=[{"pos_id": "d1"}, {"pos_id": "d2"}])
    item.products.add(first, second)
    return item


@pytest.fixture
def unknown_category(store_a):
    return ReviewItem.objects.create(store=store_a, kind=ReviewItem.Kind.UNKNOWN_CATEGORY, key="Snacks",
                                     message="Category 'Snacks' matches no menu category")


def test_review_queue_lists_open_first_and_is_scoped(client, manager_a, store_a, store_b, duplicate,
                                                     unknown_category):
    resolved = ReviewItem.objects.create(store=store_a, kind=ReviewItem.Kind.MALFORMED, key="x",
                                         message="old", status=ReviewItem.Status.RESOLVED, resolution="done")
    theirs = ReviewItem.objects.create(store=store_b, kind=ReviewItem.Kind.MALFORMED, key="y", message="theirs")
    client.force_login(manager_a)
    response = client.get(REVIEW)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert set(rows) == {duplicate, unknown_category, resolved}
    assert rows[-1] == resolved  # open items first
    html = response.content.decode()
    assert "DUP-1" in html and "Acme Downtown" in html
    assert client.get(f"{REVIEW}{theirs.pk}/change/").status_code == 404
    assert client.post(f"{REVIEW}{theirs.pk}/resolve/", {"decision": "mark_resolved"}).status_code == 404
    assert set(client.get(REVIEW, {"kind": "duplicate_sku"}).context["cl"].result_list) == {duplicate}
    assert set(client.get(REVIEW, {"status__exact": "resolved"}).context["cl"].result_list) == {resolved}


def test_r8_manager_merges_a_duplicate_sku_with_no_data_loss(client, manager_a, duplicate):
    client.force_login(manager_a)
    page = client.get(f"{REVIEW}{duplicate.pk}/change/").content.decode()
    assert 'id="resolve-keep_separate"' in page and 'id="resolve-merge"' in page
    assert 'id="resolve-mark_resolved"' not in page
    response = client.post(f"{REVIEW}{duplicate.pk}/resolve/", {"decision": "merge", "note": "same strain"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == ReviewItem.Status.RESOLVED
    assert duplicate.resolved_by == manager_a and duplicate.resolved_at is not None
    assert duplicate.resolution.startswith("Merged: SKU DUP-1")
    assert "same strain" in duplicate.resolution
    # Nothing deleted or rewritten.
    assert set(Product.objects.filter(sku="DUP-1").values_list("pos_product_id", "quantity")) == {
        ("d1", 3), ("d2", 2)}
    assert duplicate.products.count() == 2
    # Resolved items offer no buttons and cannot be resolved twice.
    assert 'id="resolve-merge"' not in client.get(f"{REVIEW}{duplicate.pk}/change/").content.decode()
    client.post(f"{REVIEW}{duplicate.pk}/resolve/", {"decision": "keep_separate"})
    duplicate.refresh_from_db()
    assert duplicate.resolution.startswith("Merged")


def test_r8_manager_keeps_duplicates_separate_with_the_admin_action(client, manager_a, duplicate, unknown_category):
    client.force_login(manager_a)
    response = client.post(REVIEW, {"action": "keep_separate", "_selected_action": [duplicate.pk,
                                                                                     unknown_category.pk]})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    unknown_category.refresh_from_db()
    assert duplicate.status == ReviewItem.Status.RESOLVED
    assert duplicate.resolution.startswith("Kept separate")
    assert duplicate.resolved_by == manager_a
    # Keep separate means nothing for an unknown category: it stays open.
    assert unknown_category.status == ReviewItem.Status.OPEN


def test_manager_marks_other_items_resolved_but_not_duplicates(client, manager_a, duplicate, unknown_category):
    client.force_login(manager_a)
    client.post(REVIEW, {"action": "mark_resolved", "_selected_action": [duplicate.pk, unknown_category.pk]})
    duplicate.refresh_from_db()
    unknown_category.refresh_from_db()
    assert unknown_category.status == ReviewItem.Status.RESOLVED
    assert unknown_category.resolution == "Marked resolved."
    assert unknown_category.resolved_by == manager_a
    assert duplicate.status == ReviewItem.Status.OPEN  # a duplicate needs Keep separate or Merge


def test_staff_read_the_queue_but_cannot_resolve(client, staff_a, duplicate, unknown_category):
    """Dispensary Staff have view_reviewitem only: resolving the queue is a manager's call."""
    assert staff_a.has_perm("catalog.view_reviewitem")
    assert not staff_a.has_perm("catalog.change_reviewitem")
    client.force_login(staff_a)
    response = client.get(REVIEW)
    assert response.status_code == 200
    assert "keep_separate" not in response.content.decode()  # no resolve actions offered
    page = client.get(f"{REVIEW}{unknown_category.pk}/change/").content.decode()
    assert 'id="resolve-mark_resolved"' not in page
    assert client.post(f"{REVIEW}{unknown_category.pk}/resolve/", {"decision": "mark_resolved"}).status_code == 403
    client.post(REVIEW, {"action": "mark_resolved", "_selected_action": [unknown_category.pk]})
    client.post(REVIEW, {"action": "merge", "_selected_action": [duplicate.pk]})
    assert ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).count() == 2


def test_review_items_cannot_be_added_or_deleted(client, manager_a, duplicate):
    client.force_login(manager_a)
    assert client.get(f"{REVIEW}add/").status_code == 403
    assert client.get(f"{REVIEW}{duplicate.pk}/delete/").status_code == 403


# --- Menu > Storefront keys --------------------------------------------------------------------
def test_staff_create_a_storefront_key_shown_once(client, staff_a, store_a):
    client.force_login(staff_a)
    response = client.post(f"{KEYS}add/", {"store": store_a.pk, "name": "Website"})
    assert response.status_code == 200
    plain = response.context["plain_key"]
    html = response.content.decode()
    assert plain in html and "Copy this key now" in html
    assert "no-store" in response["Cache-Control"]
    key = StorefrontKey.objects.get()
    assert key.store == store_a and key.name == "Website"
    assert key.key_hash == hash_api_key(plain) and key.last4 == plain[-4:]
    # Never shown again.
    later = client.get(f"{KEYS}{key.pk}/change/").content.decode()
    assert plain not in later and f"…{key.last4}" in later
    assert plain not in client.get(KEYS).content.decode()


def test_staff_rotate_and_revoke_a_storefront_key(client, staff_a, store_a):
    old, old_plain = services.create_storefront_key(store_a, "Kiosk")
    client.force_login(staff_a)
    response = client.post(f"{KEYS}{old.pk}/rotate/")
    assert response.status_code == 200
    new_plain = response.context["plain_key"]
    assert new_plain != old_plain and new_plain in response.content.decode()
    old.refresh_from_db()
    assert old.revoked_at is not None
    new = StorefrontKey.objects.get(revoked_at__isnull=True)
    assert new.key_hash == hash_api_key(new_plain) and new.name == "Kiosk"
    assert client.get(f"{KEYS}{new.pk}/rotate/").status_code == 405  # POST only
    client.post(f"{KEYS}{new.pk}/revoke/")
    new.refresh_from_db()
    assert new.revoked_at is not None


def test_storefront_keys_are_scoped_to_the_company(client, staff_a, staff_b, store_a, store_b):
    key, _ = services.create_storefront_key(store_a)
    client.force_login(staff_b)
    assert client.get(f"{KEYS}{key.pk}/change/").status_code == 404
    assert client.post(f"{KEYS}{key.pk}/rotate/").status_code == 404
    assert key not in client.get(KEYS).context["cl"].result_list
    # Nor can staff issue a key for another company's store.
    response = client.post(f"{KEYS}add/", {"store": store_a.pk, "name": "Sneaky"})
    assert response.status_code == 200 and "plain_key" not in response.context
    assert StorefrontKey.objects.count() == 1


def test_managers_do_not_manage_storefront_keys(client, manager_a, store_a):
    key, _ = services.create_storefront_key(store_a)
    client.force_login(manager_a)
    assert client.get(f"{KEYS}add/").status_code == 403
    assert client.post(f"{KEYS}{key.pk}/rotate/").status_code == 403


def test_specialist_manages_keys_of_any_company(client, specialist, store_b):
    client.force_login(specialist)
    response = client.post(f"{KEYS}add/", {"store": store_b.pk, "name": "Bravo site"})
    assert response.status_code == 200 and response.context["plain_key"]


def test_key_for_a_second_store_of_the_company(client, staff_a, company_a):
    sister = RetailStoreFactory(company=company_a, name="Acme Uptown")
    client.force_login(staff_a)
    response = client.post(f"{KEYS}add/", {"store": sister.pk, "name": "Uptown kiosk"})
    assert StorefrontKey.objects.get().store == sister
    assert f"/api/v1/stores/{sister.pk}/menu" in response.content.decode()
