from pathlib import Path

import pytest
import requests
from rest_framework.test import APIClient

from catalog import sync as catalog_sync
from integrations import cards, roles
from integrations.sandbox import services
from integrations.sandbox.faults import rate_counter

from .factories import PASSWORD, CompanyFactory, IntegrationCardFactory, RetailStoreFactory, UserFactory

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_collection_modifyitems(config, items):
    """Every test that uses the database may use all of them: the sandbox POS has its own on SQLite
    (settings.DATABASES["sandbox"]), and pytest-django gives a test only "default" unless told."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        args, kwargs = (marker.args, marker.kwargs) if marker else ((), {})
        if len(args) < 3 and kwargs.get("databases") is None:  # a test that names its databases keeps them
            item.add_marker(pytest.mark.django_db(*args, **{**kwargs, "databases": "__all__"}), append=False)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database file left by a crashed run may have left its WAL beside it: a new file of the same
    name must not pick that log up."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        name = db.get("TEST", {}).get("NAME")
        if db["ENGINE"] == "django.db.backends.sqlite3" and name:
            for leftover in (Path(f"{name}-wal"), Path(f"{name}-shm")):
                leftover.unlink(missing_ok=True)


@pytest.fixture
def company_a():
    return CompanyFactory(name="Acme Cannabis")


@pytest.fixture
def company_b():
    return CompanyFactory(name="Bravo Buds")


@pytest.fixture
def store_a(company_a):
    return RetailStoreFactory(company=company_a, name="Acme Downtown")


@pytest.fixture
def store_b(company_b):
    return RetailStoreFactory(company=company_b, name="Bravo Uptown")


@pytest.fixture
def staff_a(company_a):
    return UserFactory(username="staff-a", company=company_a, role=roles.DISPENSARY_STAFF)


@pytest.fixture
def staff_b(company_b):
    return UserFactory(username="staff-b", company=company_b, role=roles.DISPENSARY_STAFF)


@pytest.fixture
def manager_a(company_a):
    return UserFactory(username="manager-a", company=company_a, role=roles.MANAGER)


@pytest.fixture
def specialist():
    return UserFactory(username="specialist", company=None, role=roles.ONBOARDING_SPECIALIST)


@pytest.fixture
def api_client_for():
    """An API client signed in with a token obtained the way a script would."""

    def make(user):
        client = APIClient()
        response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make


# Sandbox POS over real HTTP, through pytest-django's live server (used by sandbox, client and card tests).
@pytest.fixture
def sandbox(live_server, transactional_db):
    """Create a sandbox location and get what a card would use: `make(vendor, products=..., seed=...)`
    returns `services.describe(...)` plus the location object under "location"."""
    rate_counter.reset()

    def make(vendor: str, products: int = 40, seed: int = 1, **options):
        location = services.create_location(vendor, products=products, seed=seed, **options)
        return {**services.describe(location, live_server.url), "location": location}

    yield make
    rate_counter.reset()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def dutchie_card(sandbox, store_a, staff_a):
    """A Dutchie card of store A wired to a 60-product sandbox location (card.location)."""
    wiring = sandbox("dutchie", products=60, seed=21)
    card = IntegrationCardFactory.build(store=store_a, api_endpoint=wiring["base_url"], **wiring["credentials"])
    cards.save_card(card, staff_a)
    card.location = wiring["location"]
    return card


@pytest.fixture
def mapped(monkeypatch):
    """The pos ids of the records the inventory stream maps (its map_product calls)."""
    calls = []
    real = catalog_sync.map_product

    def counting(record, settings):
        calls.append(record.pos_product_id)
        return real(record, settings)

    monkeypatch.setattr(catalog_sync, "map_product", counting)
    return calls
