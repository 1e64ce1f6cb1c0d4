"""Flowhub (Maui) client: the public data API (v0 inventory, v1 customers and orders) and Order Ahead.

Contract: ../shared/reference/POS-APIS.md section 2 (mostly [C-3p F1]); card requirements F1-F9.
Data endpoints take the `clientId` and `key` headers; Order Ahead takes a Bearer token from an Auth0
client-credentials grant. Endpoints used, field mapping and limits are in docs/pos/flowhub.md. This
module makes the calls; parse.py reads and writes Flowhub's JSON.
"""
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlparse

import requests

from ..base import PosClient
from ..errors import PosError, Refused, Unauthorized, UnsupportedFeature
from ..http import MinuteRateLimiter, PosHttp
from ..parsing import aware, number
from ..records import (
    ClientConfig,
    ConnectionResult,
    OrderStatus,
    PosCustomer,
    PosOrder,
    PosProduct,
    PosTransaction,
    PushResult,
    Room,
)
from .parse import (
    customer_body,
    customer_from_record,
    order_body,
    product_from_item,
    rooms_from_analytics,
    transaction_from_sale,
)
from .spec import SPEC

# Flowhub publishes no rate limit. About 59 requests a second has been seen to trigger a 429 that carries
# no Retry-After and no rate-limit headers, so we stay at 50 a second, counted per minute over all paths
# (the limit is per key, not per endpoint). A 429 that still comes is retried with jittered backoff.
REQUESTS_PER_MINUTE = 3000
# The real token endpoint lives on Auth0, not on api.flowhub.co; any other endpoint (the sandbox) serves
# it at {endpoint}/oauth/token.
AUTH0_BASE = "https://flowhub.auth0.com"
ORDER_AHEAD_AUDIENCE = "https://api.flowhub.co/"  # [I] the API's own URL, as Auth0 audiences usually are
TOKEN_RENEW_MARGIN = 60.0  # seconds before expires_in at which a cached token is renewed


class FlowhubLimiter(MinuteRateLimiter):
    """One one-minute window for every request of the card, whatever the path (order status polls carry
    the order id in the path and would otherwise each get a window of their own)."""

    def wait(self, method: str, path: str) -> float:
        return super().wait("ANY", "flowhub")


def _limit_for(method: str, path: str) -> int:
    return REQUESTS_PER_MINUTE


def token_base_url(endpoint: str) -> str:
    """Where Order Ahead tokens come from: Auth0 for the real API, the endpoint itself otherwise."""
    host = (urlparse(endpoint).hostname or "").lower()
    if host == "flowhub.co" or host.endswith(".flowhub.co"):
        return AUTH0_BASE
    return endpoint.rstrip("/")


class FlowhubClient(PosClient):
    """Flowhub Maui, one location of one Flowhub client (F1)."""

    spec = SPEC
    page_size = 500  # v1 customers and orders; the reference names no maximum

    def __init__(self, config: ClientConfig, http: PosHttp | None = None):
        super().__init__(config, http)
        self._token = ""
        self._token_expires = 0.0
        self._clock = time.monotonic
        self._location: dict | None = None

    @classmethod
    def make_http(cls, config: ClientConfig, **options: Any) -> PosHttp:
        """The data API's auth headers and the client-side limit. `options` go to PosHttp (timeouts, retry)."""
        http = PosHttp(config.endpoint, cls.label, limit_for=_limit_for, **options)
        http.session.headers.update({"clientId": config.client_id, "key": config.api_key})
        http.limiter = FlowhubLimiter(_limit_for, sleep=http.sleep)
        return http

    # --- connection ------------------------------------------------------------------------------
    def test_connection(self, *, purpose: str = "ecommerce", location_type: str = "") -> ConnectionResult:
        try:
            locations = self._client_locations()
        except Unauthorized as error:
            error.fix = ("Check the API Key and Client ID on the card: one of them is wrong, or the key was "
                         "revoked. Flowhub issues keys through api@flowhub.com.")
            return ConnectionResult.failed(error)
        except PosError as error:
            return ConnectionResult.failed(error)
        location = next((loc for loc in locations if str(loc.get("locationId")) == self.config.location_id), None)
        if location is None:
            available = "; ".join(f"{loc.get('locationName')} ({loc.get('locationId')})" for loc in locations)
            return ConnectionResult(
                False,
                f"The API key works, but Location ID {self.config.location_id or '(empty)'} is not one of this "
                f"Flowhub client's locations. Available: {available or 'none'}.",
                {"category": "unknown_location", "locations": [
                    {"id": loc.get("locationId"), "name": loc.get("locationName")} for loc in locations]})
        self._location = location
        name = location.get("locationName") or self.config.location_id
        result = ConnectionResult(True, f"Connected to {name}.", {"location": {
            "id": location.get("locationId"), "name": name, "import_id": location.get("importId")}})
        if self.config.order_ahead_client_id or self.config.order_ahead_token:
            # Order Ahead (order push, F2-F4) has its own credentials: reported apart, so a store whose menu
            # works learns that only its orders would fail.
            order_ahead = self._check_order_ahead()
            result.details["order_ahead"] = order_ahead
            if not order_ahead["ok"]:
                result.message += f" Order Ahead: {order_ahead['message']}"
        return result

    def _check_order_ahead(self) -> dict:
        if not (self.config.order_ahead_client_id and self.config.order_ahead_token):
            return {"ok": False, "category": "missing_credentials",
                    "message": "Order Ahead needs both the Order Ahead Client Id and the Order Ahead Token."}
        try:
            self._bearer(renew=True)
        except PosError as error:
            return {"ok": False, **error.as_dict(), "message": str(error)}
        return {"ok": True, "message": "Order Ahead sign-in works."}

    def _client_locations(self) -> list[dict]:
        return _data(self.http.get_json("/v0/clientsLocations"))

    def _this_location(self) -> dict:
        """This card's Location record (its importId names it to /v1/orders), looked up once."""
        if self._location is None:
            location = next((loc for loc in self._client_locations()
                             if str(loc.get("locationId")) == self.config.location_id), None)
            if location is None:
                raise Refused(f"Location ID {self.config.location_id} is not one of this Flowhub client's "
                              "locations.", "Run Test Connection on the card to see the available locations.")
            self._location = location
        return self._location

    # --- rooms and inventory -----------------------------------------------------------------------
    def list_rooms(self) -> list[Room]:
        """Flowhub has no rooms endpoint: the rooms are read off the by-rooms inventory analytics, which
        (with includesNotForSaleQuantity) also shows stock-less and not-for-sale rooms. Ids are 32
        alphanumeric characters, never the name (F7)."""
        path = f"/v0/locations/{self._location_path()}/InventoryAnalyticsByRooms"
        return rooms_from_analytics(self.http.iter_json_array(path, prefix="data.item",
                                                              params={"includesNotForSaleQuantity": "true"}))

    def iter_inventory(self, *, details_since: datetime | None = None,
                       known_details: Callable[[list[str]], dict[str, dict]] | None = None,
                       known: Callable[[str], Any] | None = None) -> Iterator[PosProduct]:
        """In-stock items of this location, streamed. With a Room ID only that room's rows, with its
        quantity; with a Purchase Category only those items, "both" items passing either (F1). Always the
        full feed: Flowhub's items carry everything and its inventory has no modified-since filter, so the
        incremental arguments (base.PosClient.iter_inventory) are accepted and ignored."""
        room_id = self.config.room_id.strip()
        suffix = "inventoryByRoomsNonZero" if room_id else "inventoryNonZero"
        wanted = self.config.purchase_category.strip().lower()
        path = f"/v0/locations/{self._location_path()}/{suffix}"
        for item in self.http.iter_json_array(path, prefix="data.item"):
            if room_id and str(item.get("roomId")) != room_id:
                continue
            if wanted in ("rec", "med") and item.get("purchaseCategory") not in (wanted, "both"):
                continue
            yield product_from_item(item)

    def iter_products(self, since: datetime | None = None) -> Iterator[PosProduct]:
        """Flowhub inventory has no modified-since filter: always the full snapshot (so products that left
        the feed can be zeroed, D13); `since` is ignored."""
        return self.iter_inventory()

    def _location_path(self) -> str:
        return quote(self.config.location_id, safe="")

    # --- Order Ahead ---------------------------------------------------------------------------------
    def push_order(self, order: PosOrder) -> PushResult:
        """POST /order-ahead/v0/create. Flowhub has no idempotency key, so this is sent once and never
        retried automatically: a retry after a lost answer could create a second order."""
        customer = order.customer
        if not (customer.medical_id.strip() or customer.phone.strip()):
            # F4: Flowhub needs one of them on every order; refuse here so nothing is half-pushed.
            raise Refused(f"Order {order.order_number} was not sent to Flowhub: every Flowhub order needs the "
                          "customer's medical ID or phone number, and this order has neither (F4).",
                          "Add the customer's phone number or medical ID to the order, then push it again.")
        body = order_body(order)
        response = self._order_ahead("POST", "/order-ahead/v0/create", json=body)
        answer = self.http.parse_json(response)
        if not isinstance(answer, dict) or not answer.get("orderId"):
            raise Refused(f"Flowhub accepted order {order.order_number} but sent back no order id.",
                          "Check the order in Flowhub before pushing it again.")
        return PushResult(pos_order_id=str(answer["orderId"]), status=str(answer.get("status") or ""), raw=answer)

    def mark_fulfilled(self, pos_order_id: str) -> OrderStatus:
        """Maui order syncing (F3): mark a pushed order fulfilled (status "sold"), which releases the
        quantity Flowhub holds for it. PATCH is not retried automatically."""
        response = self._order_ahead("PATCH", f"/orders/{quote(str(pos_order_id), safe='')}",
                                     json={"status": "sold"})
        answer = self.http.parse_json(response)
        return self.order_status(str(pos_order_id), str(answer.get("status") or "sold"), answer)

    def order_statuses(self, pos_order_ids: Iterable[str]) -> list[OrderStatus]:
        statuses = []
        for order_id in pos_order_ids:
            try:
                response = self._order_ahead("GET", f"/order-ahead/v0/orderStatus/{quote(str(order_id), safe='')}")
            except Refused as error:
                if error.status != 404:
                    raise
                # One order Flowhub no longer knows must not stop the others' statuses.
                statuses.append(self.order_status(str(order_id), "notFound", {"error": error.message}))
                continue
            answer = self.http.parse_json(response)
            statuses.append(self.order_status(str(order_id), str(answer.get("status") or ""), answer))
        return statuses

    def _order_ahead(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An Order Ahead call with the Bearer token; a 401 renews the token once (it may have been
        revoked or expired early) and resends: a 401 means Flowhub did nothing with the request."""
        token = self._bearer()
        try:
            return self.http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        except Unauthorized:
            token = self._bearer(renew=True)
        try:
            return self.http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        except Unauthorized as error:
            error.fix = ("Check the Order Ahead Client Id and Order Ahead Token on the card: Flowhub refused "
                         "the Order Ahead token it issued for them.")
            raise

    def _bearer(self, renew: bool = False) -> str:
        """The cached Order Ahead token, fetched again shortly before it expires."""
        if not renew and self._token and self._clock() < self._token_expires:
            return self._token
        if not (self.config.order_ahead_client_id and self.config.order_ahead_token):
            raise Unauthorized("Flowhub Order Ahead needs the Order Ahead Client Id and Order Ahead Token, and the "
                               "card is missing one.", "Fill both Order Ahead fields on the card.")
        token_http = PosHttp(token_base_url(self.config.endpoint), "Flowhub Order Ahead sign-in",
                             connect_timeout=self.http.connect_timeout, read_timeout=self.http.read_timeout,
                             retry=self.http.retry, sleep=self.http.sleep)
        body = {"client_id": self.config.order_ahead_client_id, "client_secret": self.config.order_ahead_token,
                "audience": ORDER_AHEAD_AUDIENCE, "grant_type": "client_credentials"}
        try:
            # Asking for a token twice is harmless, so this POST may be retried.
            answer = token_http.parse_json(token_http.request("POST", "/oauth/token", json=body,
                                                              idempotency_key=True))
        except (Unauthorized, Refused) as error:
            raise Unauthorized(f"Flowhub Order Ahead sign-in refused the Order Ahead Client Id and Token "
                               f"({error.status}).", "Check the Order Ahead Client Id and Order Ahead Token on "
                               "the card; Flowhub issues them through api@flowhub.com.",
                               status=error.status, url=error.url) from error
        finally:
            token_http.session.close()
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise Unauthorized("Flowhub Order Ahead sign-in answered without a token.",
                               "Check the Order Ahead Client Id and Order Ahead Token on the card.")
        lifetime = number(answer.get("expires_in")) or 3600.0
        self._token = str(answer["access_token"])
        self._token_expires = self._clock() + lifetime - min(TOKEN_RENEW_MARGIN, lifetime / 2)
        return self._token

    # --- customers -----------------------------------------------------------------------------------
    def iter_customers(self, since: datetime | None = None) -> Iterator[PosCustomer]:
        params = {"order_by": "asc"}
        if since is not None:
            # Flowhub takes the date only (a timestamp gets a 404) and reads it as a store-local day: a day
            # earlier covers any time zone, and the exact cut is made here on updatedAt.
            params["updated_after"] = _day_before(since)
        for record in self._pages("/v1/customers/", "customers", params):
            customer = customer_from_record(record)
            if since is not None and customer.modified_at is not None and customer.modified_at < aware(since):
                continue
            yield customer

    def create_customer(self, customer: PosCustomer) -> PosCustomer:
        """POST /v1/customer?store_id=: Flowhub requires birthDate, name, state and type."""
        response = self.http.request("POST", "/v1/customer", params={"store_id": self.config.location_id},
                                     json=customer_body(customer, creating=True))
        return customer_from_record(self.http.parse_json(response))

    def update_customer(self, customer: PosCustomer) -> PosCustomer:
        """PUT /v1/customer/{id}?store_id=: only the fields we have are sent (a partial update)."""
        if not customer.pos_customer_id:
            raise Refused("A customer can only be updated in Flowhub with its Flowhub id.",
                          "Create the customer first, or look them up by phone.")
        response = self.http.request("PUT", f"/v1/customer/{quote(customer.pos_customer_id, safe='')}",
                                     params={"store_id": self.config.location_id},
                                     json=customer_body(customer, creating=False))
        return customer_from_record(self.http.parse_json(response))

    def find_patient(self, *, medical_id: str = "", phone: str = "") -> PosCustomer | None:
        """By phone only: Flowhub's API has no lookup by medical ID."""
        if not phone.strip():
            if medical_id.strip():
                raise UnsupportedFeature(f"{self.label}'s API does not offer finding a customer by medical ID; "
                                         "it finds customers by phone number only.",
                                         "Give the customer's phone number to find them in Flowhub.")
            return None
        try:
            record = self.http.get_json("/v1/customers/findByPhoneNumber", params={"phone_number": phone.strip()})
        except Refused as error:
            if error.status == 404:
                return None
            raise
        return customer_from_record(record) if isinstance(record, dict) and record.get("id") else None

    # --- transactions --------------------------------------------------------------------------------
    def iter_transactions(self, since: datetime | None = None) -> Iterator[PosTransaction]:
        """Sales of this location (/v1/orders/findByLocationId takes the location's importId), oldest
        first. Flowhub filters on creation date, store-local: a day earlier, then the exact cut here."""
        import_id = self._this_location().get("importId")
        if not import_id:
            raise Refused("Flowhub gave this location no importId, which its orders API needs.",
                          "Contact Flowhub support about the location's importId.")
        params = {"order_by": "asc"}
        if since is not None:
            params["created_after"] = _day_before(since)
        path = f"/v1/orders/findByLocationId/{quote(str(import_id), safe='')}"
        for sale in self._pages(path, "orders", params):
            transaction = transaction_from_sale(sale)
            if since is not None and transaction.occurred_at < aware(since):
                continue
            yield transaction

    def _pages(self, path: str, key: str, params: dict) -> Iterator[dict]:
        """page / page_size until a short or empty page, or `total` reached."""
        page, seen = 1, 0
        while True:
            body = self.http.get_json(path, params={**params, "page": page, "page_size": self.page_size})
            if isinstance(body, list):
                records, total = body, None
            elif isinstance(body, dict):
                records, total = body.get(key) or body.get("data") or [], number(body.get("total"))
            else:
                records, total = [], None
            yield from (record for record in records if isinstance(record, dict))
            seen += len(records)
            if len(records) < self.page_size or (total is not None and seen >= total):
                return
            page += 1


def _data(body: Any) -> list[dict]:
    """The v0 envelope {"status":200,"data":[...]}."""
    items = body.get("data") if isinstance(body, dict) else body
    return [item for item in items or [] if isinstance(item, dict)] if isinstance(items, list) else []


def _day_before(since: datetime) -> str:
    """Flowhub's date filters take a store-local day: the UTC day before `since` covers any time zone."""
    return (aware(since).astimezone(UTC) - timedelta(days=1)).date().isoformat()
