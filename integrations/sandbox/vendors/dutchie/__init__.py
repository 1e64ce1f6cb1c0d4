"""Sandbox Dutchie POS (X1): the Dutchie POS API (formerly LeafLogix) as POS-APIS.md §1 and the official
OpenAPI document describe it: same paths, HTTP Basic auth with the location API key, key roles, exact
camelCase field names, the 401-with-empty-body and 429 bodies, and the per-endpoint rate limits.

reference.py holds the store's fixed facts, render.py turns the neutral specs into Dutchie's JSON, api.py
holds auth, errors and request parsing, and views.py, customers.py and orders.py serve the endpoints.
Choices the reference leaves open are marked "[our choice]" in the code and listed in docs/sandbox/dutchie.md.
"""
from ..base import SandboxVendor
from . import reference, render, views
from .api import ERRORS


class DutchieSandbox(SandboxVendor):
    vendor = "dutchie"
    path = "dutchie/"
    credential_fields = ("api_key", "location_id")
    order_statuses = render.ORDER_STATUSES

    configure_location = staticmethod(reference.configure_location)
    reference_rows = staticmethod(reference.reference_rows)
    product_row = staticmethod(render.product_row)
    customer_row = staticmethod(render.customer_row)
    transaction_row = staticmethod(render.transaction_row)
    set_price = staticmethod(render.set_price)
    set_quantity = staticmethod(render.set_quantity)
    touch = staticmethod(render.touch)
    advance_order = staticmethod(render.advance_order)

    def urlpatterns(self) -> list:
        return list(views.urlpatterns)


__all__ = ["ERRORS", "DutchieSandbox"]
