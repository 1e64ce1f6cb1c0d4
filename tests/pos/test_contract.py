"""The client contract (integrations/pos/base.py): every client offers every operation, the features its spec
names are exactly those it implements, and the rest raise a named UnsupportedFeature. No HTTP."""
import inspect

import pytest

from integrations.pos.base import FEATURE_METHODS, PosClient
from integrations.pos.errors import UnsupportedFeature
from integrations.pos.records import ClientConfig
from integrations.pos.registry import CLIENTS

OFFLINE = ClientConfig(endpoint="http://pos.invalid")


def implemented(cls: type[PosClient]) -> set[str]:
    """The features whose method the client defines itself (not the base's UnsupportedFeature default)."""
    return {feature for feature, method in FEATURE_METHODS.items()
            if getattr(cls, method) is not getattr(PosClient, method)} - {"incremental_inventory"}


@pytest.mark.parametrize("vendor", sorted(CLIENTS))
def test_features_are_what_the_client_implements(vendor):
    cls = CLIENTS[vendor]
    assert set(cls.features) - {"incremental_inventory"} == implemented(cls)
    assert set(cls.features) <= set(FEATURE_METHODS)


def test_only_dutchie_cancels_reads_incrementally_and_only_flowhub_marks_fulfilled():
    assert {vendor for vendor, cls in CLIENTS.items() if "cancel_order" in cls.features} == {"dutchie"}
    assert {vendor for vendor, cls in CLIENTS.items() if "incremental_inventory" in cls.features} == {"dutchie"}
    assert {vendor for vendor, cls in CLIENTS.items() if "mark_fulfilled" in cls.features} == {"flowhub"}


@pytest.mark.parametrize("vendor", sorted(CLIENTS))
def test_every_client_takes_the_incremental_inventory_arguments(vendor):
    parameters = inspect.signature(CLIENTS[vendor].iter_inventory).parameters
    for name in ("details_since", "known_details", "known"):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default is None


@pytest.mark.parametrize(("vendor", "call", "words"), [
    ("alleaves", lambda client: client.cancel_order("1", "changed mind"), "Alleaves's API does not offer cancelling"),
    ("flowhub", lambda client: client.cancel_order("1"), "Flowhub Maui's API does not offer cancelling orders"),
    ("dutchie", lambda client: client.mark_fulfilled("1"), "Dutchie POS's API does not offer marking orders fulfilled"),
    ("alleaves", lambda client: client.update_customer(None), "does not offer updating customers"),
])
def test_unsupported_operations_raise_a_named_error(vendor, call, words):
    client = CLIENTS[vendor](OFFLINE)
    with pytest.raises(UnsupportedFeature, match=words):
        call(client)


def test_order_status_keeps_the_pos_word_and_adds_ours():
    dutchie, flowhub = CLIENTS["dutchie"](OFFLINE), CLIENTS["flowhub"](OFFLINE)
    filled = dutchie.order_status("42", "Filled", {"preOrderId": 42})
    assert (filled.pos_order_id, filled.status, filled.ours) == ("42", "Filled", "ready")
    assert filled.raw == {"preOrderId": 42}
    assert flowhub.order_status("a", "inTransit").ours == "out_for_delivery"
    assert dutchie.order_status("9", "NotFound").ours == ""  # a word the spec does not map
