"""The stream registry: one definition per stream name."""
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from integrations import streams


@pytest.fixture
def registry(monkeypatch):
    """The registry as the apps left it, restored afterwards."""
    monkeypatch.setattr(streams, "STREAMS", dict(streams.STREAMS))
    return streams.STREAMS


def test_a_second_definition_of_a_stream_name_is_refused(registry):
    with pytest.raises(ImproperlyConfigured) as error:
        streams.register_stream("inventory", "orders.sync.run_inventory_stream")
    message = str(error.value)
    assert "'inventory' is already registered" in message
    assert "catalog.sync.run_inventory_stream" in message and "orders.sync.run_inventory_stream" in message
    assert registry["inventory"][0] == "catalog.sync.run_inventory_stream"  # the first definition stands


def test_the_same_stream_for_other_card_kinds_is_a_second_definition(registry):
    with pytest.raises(ImproperlyConfigured):
        streams.register_stream("inventory", "catalog.sync.run_inventory_stream", kinds=("loyalty",))


def test_the_same_definition_again_is_a_no_op(registry):
    before = dict(registry)
    apps.get_app_config("catalog").ready()  # Django may call ready() twice
    streams.register_stream("inventory", "catalog.sync.run_inventory_stream", kinds=["ecommerce"],
                            diff_labels="catalog.diffs.DIFF_LABELS")
    assert registry == before


def test_new_names_register(registry):
    streams.register_stream("customers", "loyalty.sync.run_customers_stream", kinds=("loyalty",))
    assert streams.streams_for("loyalty") == ["customers"]
    assert "customers" not in streams.streams_for("ecommerce")


def test_a_streams_diff_labels_are_the_words_its_run_page_shows(registry):
    assert streams.diff_labels("inventory")["unit_price"] == "Price"
    assert streams.diff_labels("no-such-stream") == {}
