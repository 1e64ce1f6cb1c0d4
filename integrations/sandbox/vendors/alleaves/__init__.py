"""Sandbox Alleaves POS (X1, requirements A1-A7).

Serves the Alleaves API (`https://app.alleaves.com/api`) under /sandbox/alleaves/. The inventory row
copies the real `/inventory/search` response (reference/alleaves-inventory-sample.json) key for key and
in the same order; the location and area shapes copy alleaves-location-areas.json. What the reference
marks unknown (error bodies, order push, patient lookup, tiered pricing) is our own choice, kept in
Alleaves' style (snake_case, `id_*` keys, bare arrays) and listed in docs/sandbox/alleaves.md.

reference.py holds the store's fixed facts, render.py turns the neutral specs into Alleaves' JSON, api.py
holds the login, tokens, auth and errors, and views.py, customers.py and orders.py serve the endpoints.
"""
from ...models import SandboxLocation
from ..base import SandboxVendor
from . import reference, render, views
from .api import ERRORS, issue_token, make_jwt
from .render import TIER_KEYS


class AlleavesSandbox(SandboxVendor):
    vendor = "alleaves"
    path = "alleaves/"
    # A1: Location ID, Username, Password (the PIN is optional and only shown when set).
    credential_fields = ("location_id", "username", "password")
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

    def credentials(self, location: SandboxLocation) -> dict:
        found = super().credentials(location)
        if location.pin:
            found["pin"] = location.pin
        return found

    def urlpatterns(self) -> list:
        return list(views.urlpatterns)


__all__ = ["ERRORS", "TIER_KEYS", "AlleavesSandbox", "issue_token", "make_jwt"]
