"""Fixtures of the POS tests: the vendors' documented JSON for the pure parse tests, and one sandbox location
per vendor on the live server for the client tests.

`documented` serves the parse tests (tests/pos/test_<vendor>_parse.py). Each tests/pos/fixtures/<vendor>/<name>.json
holds {"source": where the records come from in ../shared/reference, "records": [...]}: small records transcribed
from the vendors' documents, so the parse functions are checked against the vendors' own shapes rather than our
sandbox's reading of them.

`dutchie`, `alleaves_pos` and `flowhub` serve the client tests over real HTTP
(tests/pos/test_<vendor>_connection.py, _inventory.py and _orders_customers.py).
"""
import json
from pathlib import Path

import pytest

from integrations.pos.alleaves import AlleavesClient
from integrations.pos.http import PosHttp
from integrations.pos.records import ClientConfig
from integrations.sandbox import services
from integrations.sandbox.faults import rate_counter
from integrations.sandbox.models import SandboxLocation

FIXTURES = Path(__file__).parent / "fixtures"

# The client tests' helpers assert on the sandbox's answers: have pytest rewrite their asserts as it does a test
# module's, so a failure shows the values compared. This must run before the test modules import them.
pytest.register_assert_rewrite("tests.pos.alleaves_support", "tests.pos.dutchie_support", "tests.pos.flowhub_support")


def documented_records(vendor: str, name: str) -> list[dict]:
    return json.loads((FIXTURES / vendor / f"{name}.json").read_text())["records"]


@pytest.fixture
def documented():
    """documented(vendor, name) -> the records of tests/pos/fixtures/<vendor>/<name>.json."""
    return documented_records


@pytest.fixture
def dutchie(live_server, transactional_db):
    """make(products=, seed=, customers=, **location_fields) -> a sandbox Dutchie location (services.describe)."""
    rate_counter.reset()

    def make(products: int = 40, seed: int = 1, customers: int | None = None, **fields):
        location = services.create_location("dutchie", products=products, seed=seed, customers=customers)
        if fields:
            SandboxLocation.objects.filter(pk=location.pk).update(**fields)
            location.refresh_from_db()
        return {**services.describe(location, live_server.url), "location": location}

    yield make
    rate_counter.reset()


@pytest.fixture
def alleaves_pos(live_server, transactional_db):
    """`make(products=, seed=, customers=, **config)` -> (client, sandbox info, SandboxLocation)."""
    rate_counter.reset()

    def make(products: int = 40, seed: int = 1, customers: int | None = None, http: PosHttp | None = None,
             **config):
        location = services.create_location("alleaves", products=products, seed=seed, customers=customers)
        info = services.describe(location, live_server.url)
        cfg = ClientConfig(endpoint=info["base_url"], **{**info["credentials"], **config})
        return AlleavesClient(cfg, http=http), info, location

    yield make
    rate_counter.reset()


@pytest.fixture
def flowhub(live_server, transactional_db):
    """make(products=, seed=, customers=) -> a sandbox Flowhub location as services.describe gives it."""
    rate_counter.reset()

    def make(products: int = 40, seed: int = 1, **options):
        location = services.create_location("flowhub", products=products, seed=seed, **options)
        return {**services.describe(location, live_server.url), "location": location}

    yield make
    rate_counter.reset()
