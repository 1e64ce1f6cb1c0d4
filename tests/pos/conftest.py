"""The vendors' documented JSON, for the pure parse tests (tests/pos/test_<vendor>_parse.py).

Each tests/pos/fixtures/<vendor>/<name>.json holds {"source": where the records come from in
../shared/reference, "records": [...]}: small records transcribed from the vendors' documents, so the
parse functions are checked against the vendors' own shapes rather than our sandbox's reading of them.
"""
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def documented_records(vendor: str, name: str) -> list[dict]:
    return json.loads((FIXTURES / vendor / f"{name}.json").read_text())["records"]


@pytest.fixture
def documented():
    """documented(vendor, name) -> the records of tests/pos/fixtures/<vendor>/<name>.json."""
    return documented_records
