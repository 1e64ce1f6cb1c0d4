"""Sandbox tests talk to the sandbox POS over real HTTP, through pytest-django's live server."""
import pytest
import requests

from integrations.sandbox import services
from integrations.sandbox.faults import rate_counter


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
