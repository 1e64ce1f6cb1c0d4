"""GET /api/v1/stores/{id}/menu: fields, filters, paging, ETag polling, storefront keys and company scoping.

Products are created directly (the sync engine is tested on its own)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services
from catalog.api.views import MenuPagination
from catalog.models import Product, StorefrontKey
from integrations.models import hash_api_key
from tests.factories import ProductFactory, RetailStoreFactory, UserFactory

pytestmark = pytest.mark.django_db

MENU_FIELDS = {"id", "pos_product_id", "sku", "product_name", "brand", "category", "subcategory", "strain_type",
               "description", "images", "thc_percentage", "cbd_percentage", "lab_results", "terpenes", "weight",
               "unit_price", "price_tiers", "weight_tiers", "flower_equivalent", "quantity_available", "room_type",
               "updated_at"}


def make_product(store, pos_id, **fields) -> Product:
    return ProductFactory(store=store, pos_product_id=str(pos_id), **{"quantity": 10, **fields})


def menu_url(store, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/stores/{store.pk}/menu" + (f"?{query}" if query else "")


def key_client(plain: str, style: str = "header") -> APIClient:
    client = APIClient()
    if style == "header":
        client.credentials(HTTP_X_STOREFRONT_KEY=plain)
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Storefront {plain}")
    return client


@pytest.fixture
def api(api_client_for, manager_a):
    return api_client_for(manager_a)


# --- fields ------------------------------------------------------------------------------------
def test_r5_menu_has_every_mapped_field_and_never_unit_cost(api, store_a):
    make_product(
        store_a, 1001, sku="BD-35", product_name="Blue Dream 3.5g", brand="Canopy Farms", category="flower",
        subcategory="Flower", strain_type="Hybrid", description="Sweet berry", images=["https://img/1.jpg",
                                                                                        "https://img/2.jpg"],
        thc_percentage=22.5, cbd_percentage=0.1, lab_results=[{"name": "THC", "value": 22.5, "unit": "%"}],
        terpenes=[{"name": "Limonene", "value": 1.2, "unit": "%"}], weight={"value": 3.5, "unit": "g"},
        unit_price=Decimal("35.00"), price_tiers=[{"min_quantity": 1, "max_quantity": 2, "price": 35}],
        weight_tiers=[], flower_equivalent=3.5, quantity=12, held_quantity=2, room_type="Sales Floor",
        unit_cost=Decimal("7.25"), raw={"unitCost": 7.25}, decisions=[{"field": "category", "rule": "x"}],
    )
    response = api.get(menu_url(store_a))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) == MENU_FIELDS
    assert item["unit_price"] == 35.0
    assert item["quantity_available"] == 10.0
    assert item["images"] == ["https://img/1.jpg", "https://img/2.jpg"]
    assert item["lab_results"] == [{"name": "THC", "value": 22.5, "unit": "%"}]
    assert item["terpenes"] == [{"name": "Limonene", "value": 1.2, "unit": "%"}]
    assert item["weight"] == {"value": 3.5, "unit": "g"}
    assert item["price_tiers"] == [{"min_quantity": 1, "max_quantity": 2, "price": 35}]
    # Cost never leaves the building: not as a field, not in the raw record, not anywhere in the body.
    assert b"unit_cost" not in response.content
    assert b"unitCost" not in response.content
    assert b"7.25" not in response.content


def test_medical_store_serves_mapped_price_and_medical_unit_price_when_present(api, company_a):
    medical = RetailStoreFactory(company=company_a, name="Acme Medical", location_type="medical")
    make_product(medical, 1, unit_price=Decimal("18.00"), medical_unit_price=Decimal("18.00"))
    make_product(medical, 2, unit_price=Decimal("25.00"))
    results = {r["pos_product_id"]: r for r in api.get(menu_url(medical)).json()["results"]}
    assert results["1"]["unit_price"] == 18.0
    assert results["1"]["medical_unit_price"] == 18.0
    assert "medical_unit_price" not in results["2"]


def test_c6_quantity_available_never_below_zero(api, store_a):
    make_product(store_a, 1, product_name="A oversold", quantity=2, held_quantity=5)
    make_product(store_a, 2, product_name="B held", quantity=10, held_quantity=3)
    results = api.get(menu_url(store_a)).json()["results"]
    assert [r["quantity_available"] for r in results] == [0.0, 7.0]


# --- filters and paging ------------------------------------------------------------------------
def test_category_filter_is_exact_and_case_insensitive(api, store_a):
    for i in range(3):
        make_product(store_a, f"f{i}", category="Flower")
    make_product(store_a, "e1", category="edibles")
    make_product(store_a, "p1", category="flower pre-roll")
    body = api.get(menu_url(store_a, category="FLOWER")).json()
    assert body["count"] == 3
    assert {r["category"] for r in body["results"]} == {"Flower"}
    assert api.get(menu_url(store_a, category="edibles")).json()["count"] == 1


def test_subcategory_in_stock_search_and_updated_since_filters(api, store_a):
    old = make_product(store_a, 1, product_name="Blue Dream", brand="Farm", subcategory="Pre-Roll", quantity=5)
    make_product(store_a, 2, product_name="Gummies", brand="Sweet Co", sku="GUM-1", quantity=1, held_quantity=1)
    make_product(store_a, 3, product_name="Vape", brand="Cloud", quantity=0)
    assert [r["pos_product_id"] for r in api.get(menu_url(store_a, subcategory="pre-roll")).json()["results"]] == ["1"]
    assert [r["pos_product_id"] for r in api.get(menu_url(store_a, in_stock="true")).json()["results"]] == ["1"]
    assert {r["pos_product_id"] for r in api.get(menu_url(store_a, in_stock="false")).json()["results"]} == {"2", "3"}
    assert [r["pos_product_id"] for r in api.get(menu_url(store_a, search="sweet")).json()["results"]] == ["2"]
    assert [r["pos_product_id"] for r in api.get(menu_url(store_a, search="gum-")).json()["results"]] == ["2"]
    assert [r["pos_product_id"] for r in api.get(menu_url(store_a, search="blue")).json()["results"]] == ["1"]
    Product.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {r["pos_product_id"] for r in api.get(menu_url(store_a, updated_since=since)).json()["results"]} == {
        "2", "3"}


def test_bad_filters_answer_400(api, store_a):
    assert api.get(menu_url(store_a, in_stock="maybe")).status_code == 400
    assert api.get(menu_url(store_a, updated_since="yesterday")).status_code == 400
    assert api.get(menu_url(store_a, ordering="unit_cost")).status_code == 400


def test_paging_is_stable_and_page_size_is_capped(api, store_a):
    # Same names: the id breaks ties, so no product is skipped or repeated across pages.
    for i in range(7):
        make_product(store_a, i, product_name="Same name")
    seen = []
    page = api.get(menu_url(store_a, page_size=3)).json()
    assert page["count"] == 7 and len(page["results"]) == 3 and page["next"]
    seen += [r["id"] for r in page["results"]]
    for number in (2, 3):
        seen += [r["id"] for r in api.get(menu_url(store_a, page_size=3, page=number)).json()["results"]]
    assert seen == sorted(Product.objects.filter(store=store_a).values_list("id", flat=True))
    assert api.get(menu_url(store_a, page_size=3, page=4)).status_code == 404
    assert MenuPagination.max_page_size == 500
    assert len(api.get(menu_url(store_a, page_size=100000)).json()["results"]) == 7


def test_menu_also_answers_with_trailing_slash(api, store_a):
    make_product(store_a, 1)
    assert api.get(f"/api/v1/stores/{store_a.pk}/menu/").json()["count"] == 1


# --- ETag --------------------------------------------------------------------------------------
def test_etag_304_until_a_product_of_the_store_changes(api, store_a, store_b):
    product = make_product(store_a, 1)
    first = api.get(menu_url(store_a))
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')

    again = api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # Strong form of the same tag, and a list of tags, match too (weak comparison).
    assert api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304
    assert api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304

    # Another store's change leaves this menu's ETag alone.
    make_product(store_b, 1)
    assert api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=etag).status_code == 304

    product.quantity = 3
    product.save()
    changed = api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["results"][0]["quantity_available"] == 3.0

    new_etag = changed["ETag"]
    make_product(store_a, 2)
    assert api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=new_etag).status_code == 200
    latest = api.get(menu_url(store_a))["ETag"]
    Product.objects.filter(store=store_a, pos_product_id="2").delete()
    assert api.get(menu_url(store_a), HTTP_IF_NONE_MATCH=latest).status_code == 200


def test_etag_depends_on_the_query(api, store_a):
    make_product(store_a, 1)
    plain = api.get(menu_url(store_a))["ETag"]
    flower = api.get(menu_url(store_a, category="flower"))["ETag"]
    assert plain != flower
    assert api.get(menu_url(store_a, category="Flower"), HTTP_IF_NONE_MATCH=flower).status_code == 304
    assert api.get(menu_url(store_a, page_size=1), HTTP_IF_NONE_MATCH=plain).status_code == 200


# --- storefront keys ---------------------------------------------------------------------------
def test_storefront_key_reads_its_store_only(store_a, company_a, store_b):
    sister = RetailStoreFactory(company=company_a, name="Acme Uptown")
    make_product(store_a, 1)
    make_product(sister, 2)
    key, plain = services.create_storefront_key(store_a)
    for style in ("header", "authorization"):
        client = key_client(plain, style)
        response = client.get(menu_url(store_a))
        assert response.status_code == 200, response.content
        assert [r["pos_product_id"] for r in response.json()["results"]] == ["1"]
        # Same company's other store, and another company's store: as if they did not exist.
        assert client.get(menu_url(sister)).status_code == 404
        assert client.get(menu_url(store_b)).status_code == 404
        # A key reads the menu and nothing else.
        assert client.get("/api/v1/stores/").status_code in (401, 403)
        assert client.get(f"/api/v1/stores/{store_a.pk}/").status_code in (401, 403)


def test_storefront_key_is_stored_as_hash_and_last4(store_a):
    key, plain = services.create_storefront_key(store_a, "Kiosk")
    key.refresh_from_db()
    assert key.key_hash == hash_api_key(plain)
    assert key.last4 == plain[-4:]
    assert plain not in str(StorefrontKey.objects.filter(pk=key.pk).values().get())


def test_revoked_unknown_or_missing_key_is_refused_with_401(store_a):
    make_product(store_a, 1)
    key, plain = services.create_storefront_key(store_a)
    services.revoke_storefront_key(key)
    revoked = key_client(plain).get(menu_url(store_a))
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]
    assert key_client("cnp_sf_not-a-key").get(menu_url(store_a)).status_code == 401
    assert APIClient().get(menu_url(store_a)).status_code == 401


def test_rotated_key_replaces_the_old_one(store_a):
    make_product(store_a, 1)
    old, old_plain = services.create_storefront_key(store_a, "Website")
    new, new_plain = services.rotate_storefront_key(old)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.name == "Website" and new.store_id == store_a.pk and new.revoked_at is None
    assert key_client(old_plain).get(menu_url(store_a)).status_code == 401
    assert key_client(new_plain).get(menu_url(store_a)).status_code == 200


# --- users -------------------------------------------------------------------------------------
def test_user_token_is_scoped_to_their_company(api_client_for, manager_a, staff_a, specialist, store_a, store_b):
    make_product(store_a, 1)
    make_product(store_b, 2)
    for user in (manager_a, staff_a):
        client = api_client_for(user)
        assert client.get(menu_url(store_a)).status_code == 200
        assert client.get(menu_url(store_b)).status_code == 404
        assert client.get("/api/v1/stores/999999/menu").status_code == 404
    everyone = api_client_for(specialist)
    assert everyone.get(menu_url(store_a)).status_code == 200
    assert everyone.get(menu_url(store_b)).status_code == 200


def test_user_without_view_product_cannot_read_menus(api_client_for, company_a, store_a):
    nobody = UserFactory(username="no-role", company=company_a)
    assert api_client_for(nobody).get(menu_url(store_a)).status_code == 403


def test_session_user_reads_menu(client, manager_a, store_a):
    make_product(store_a, 1)
    client.force_login(manager_a)
    assert client.get(menu_url(store_a)).json()["count"] == 1


# --- schema ------------------------------------------------------------------------------------
def test_menu_is_in_the_openapi_schema_without_unit_cost(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/stores/{store_id}/menu" in schema["paths"]
    operation = schema["paths"]["/api/v1/stores/{store_id}/menu"]["get"]
    assert {"category", "in_stock", "page", "page_size"} <= {p["name"] for p in operation["parameters"]}
    assert "304" in operation["responses"]
    product = schema["components"]["schemas"]["MenuProduct"]["properties"]
    assert "unit_cost" not in product and "quantity_available" in product
    assert "storefrontKey" in schema["components"]["securitySchemes"]
