"""Sandbox Flowhub (Maui) public API (X1, F1-F9), per ../shared/reference/POS-APIS.md section 2.

Data endpoints authenticate with the `clientId` and `key` headers; Order Ahead uses a Bearer token from
an Auth0-style `POST /oauth/token` (served here, since the real one lives on flowhub.auth0.com).
reference.py holds the store's fixed facts, render.py turns the neutral specs into Flowhub's JSON, api.py
holds auth, errors and paging, and views.py, customers.py and orders.py serve the endpoints. What the
reference leaves open (error bodies, the customer list shape, tier shape) is our own choice and is listed
in docs/sandbox/flowhub.md.
"""
from ..base import SandboxVendor
from . import reference, render, views
from .api import ERRORS


class FlowhubSandbox(SandboxVendor):
    """Flowhub Maui: clientId + key data API (v0 inventory, v1 customers/orders) and Order Ahead."""

    vendor = "flowhub"
    path = "flowhub/"
    # The card's names (F1); order_ahead_token is the Order Ahead client secret.
    credential_fields = ("api_key", "location_id", "client_id", "order_ahead_client_id", "order_ahead_token")
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


__all__ = ["ERRORS", "FlowhubSandbox"]
