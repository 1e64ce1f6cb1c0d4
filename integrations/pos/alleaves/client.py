"""Alleaves POS client (ecommerce card 003, requirements A1-A7).

Alleaves (`https://app.alleaves.com/api`) logs in with a username and password (and an optional PIN):
`POST /auth` returns a JWT that every other call sends as `Authorization: Bearer`. The menu feed is
`POST /inventory/search`, a bare array with one row per *batch* of an item; this client returns one
PosProduct per item (`id_item`), adding up the batches in the card's chosen areas (A1). See
docs/pos/alleaves.md for the endpoints and the field mapping. This module makes the calls; parse.py
reads and writes Alleaves' JSON.
"""
import base64
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from ..base import PosClient
from ..errors import BadResponse, Forbidden, Refused, Unauthorized
from ..http import PosHttp
from ..parsing import aware, iso_utc, parse_datetime
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
    ItemStock,
    area_key,
    customer_body,
    customer_from_row,
    int_or_str,
    is_sale,
    location_details,
    order_item,
    product_from_row,
    room_from_area,
    transaction_from_order,
)
from .spec import SPEC

logger = logging.getLogger(__name__)

# Log in again this many seconds before the JWT's `exp`, so a request never leaves with a token that
# expires on the way (the 401 retry below covers clocks that disagree).
RENEW_BEFORE_SECONDS = 120
CUSTOMER_PAGE_SIZE = 500
ORDER_PAGE_SIZE = 100  # GET /order serves 100 a page at most


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, read without checking the signature (we only need to know when to renew)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class AlleavesClient(PosClient):
    spec = SPEC
    # A1: Location ID, Username, Password; the PIN (ClientConfig.pin) only when the user has one.

    def __init__(self, config: ClientConfig, http: PosHttp | None = None,
                 clock: Callable[[], float] = time.time):
        super().__init__(config, http)
        self.clock = clock  # wall clock, compared with the JWT's exp
        self._token = ""
        self._expires_at: float | None = None

    @classmethod
    def make_http(cls, config: ClientConfig) -> PosHttp:
        # Alleaves publishes no rate limits, so none are applied client-side (limit_for stays 0);
        # a 429 is still honoured by PosHttp's retries (Retry-After).
        return PosHttp(config.endpoint, cls.label)

    # --- auth ----------------------------------------------------------------------------------
    def login(self) -> None:
        """POST /auth {username, password, pin?}; keep the JWT and when it expires."""
        missing = [name.replace("_", " ") for name in self.required_credentials if not getattr(self.config, name)]
        if missing:
            raise Unauthorized(f"Alleaves needs the {', '.join(missing)} to log in.",
                               "Fill in the Location ID, Username and Password on the card.")
        body = {"username": self.config.username, "password": self.config.password}
        if self.config.pin:
            body["pin"] = self.config.pin
        try:
            # Logging in changes nothing on the POS, so a 429/5xx may be retried like a GET.
            response = self.http.request("POST", "/auth", json=body, idempotency_key=True)
        except Unauthorized as error:
            what = "username, password or PIN" if self.config.pin else "username or password"
            raise Unauthorized(f"Alleaves refused the {what} (401).",
                               f"Check the {what} on the card; they are the ones used to sign in to Alleaves.",
                               status=error.status, url=error.url) from None
        answer = self.http.parse_json(response)
        token = answer.get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise BadResponse("Alleaves accepted the login but sent no token.", status=response.status_code,
                              url=response.url)
        self._token, self._expires_at = token, jwt_expiry(token)

    def _auth_header(self) -> dict[str, str]:
        if not self._token or (self._expires_at is not None
                               and self.clock() >= self._expires_at - RENEW_BEFORE_SECONDS):
            self.login()
        return {"Authorization": f"Bearer {self._token}"}

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A data call with the JWT. On a 401 (a token that expired mid-sync or was revoked) log in
        again once and send the same request once more: the POS refused it before doing anything."""
        headers = self._auth_header()  # outside the try: a refused login is not retried
        try:
            return self.http.request(method, path, headers=headers, **kwargs)
        except Unauthorized:
            logger.info("Alleaves answered 401 on %s %s; logging in again", method, path)
            self.login()
        except Forbidden as error:
            raise self._forbidden(method, path, error) from None
        try:
            return self.http.request(method, path, headers=self._auth_header(), **kwargs)
        except Unauthorized as error:
            raise Unauthorized(f"Alleaves refused {method} {path} (401) even right after a fresh login.",
                               status=error.status, url=error.url) from None
        except Forbidden as error:
            raise self._forbidden(method, path, error) from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.http.parse_json(self._request(method, path, **kwargs))

    def _stream(self, method: str, path: str, **kwargs: Any) -> Iterator[Any]:
        """Stream a JSON array (PosHttp.iter_json_array), with the same one re-login on a 401. The 401
        comes before the first item, so nothing was yielded twice."""
        for attempt in (1, 2):
            headers = self._auth_header()  # outside the try: a refused login is not retried
            try:
                yield from self.http.iter_json_array(path, method=method, headers=headers, **kwargs)
                return
            except Unauthorized as error:
                if attempt == 2:
                    raise Unauthorized(f"Alleaves refused {method} {path} (401) even right after a fresh login.",
                                       status=error.status, url=error.url) from None
                logger.info("Alleaves answered 401 on %s %s; logging in again", method, path)
                self.login()
            except Forbidden as error:
                raise self._forbidden(method, path, error) from None

    def _forbidden(self, method: str, path: str, error: Forbidden) -> Forbidden:
        return Forbidden(f"Alleaves says this user may not use {method} {path} (403).",
                         "Check that the Alleaves user has access to this location (the Location ID on the "
                         "card) and to inventory, customers and orders.", status=error.status, url=error.url)

    def _location_id(self) -> int:
        try:
            return int(str(self.config.location_id).strip())
        except ValueError:
            raise Refused(f"The Location ID {self.config.location_id!r} is not a number.",
                          "Alleaves location ids are numbers (e.g. 1000): copy it from Alleaves.") from None

    # --- connection and areas (A1) --------------------------------------------------------------
    def test_connection(self, *, purpose: str = "ecommerce", location_type: str = "") -> ConnectionResult:
        wanted = self._location_id()
        locations = self._json("GET", "/location")
        if isinstance(locations, dict):  # one object instead of a list
            locations = [locations]
        if not isinstance(locations, list):
            locations = []
        found = next((loc for loc in locations if isinstance(loc, dict)
                      and str(loc.get("id_location")) == str(wanted)), None)
        if found is None:
            visible = ", ".join(f"{loc.get('id_location')} ({loc.get('name') or loc.get('reference')})"
                                for loc in locations if isinstance(loc, dict)) or "none"
            return ConnectionResult(False, f"Logged in to Alleaves, but this user cannot see location {wanted}. "
                                           f"Locations it can see: {visible}. Check the Location ID on the card.",
                                    {"location_ids": [loc.get("id_location") for loc in locations
                                                      if isinstance(loc, dict)]})
        name = found.get("name") or found.get("reference") or str(wanted)
        if found.get("reference") and found.get("reference") != name:
            name = f"{name} ({found['reference']})"
        return ConnectionResult(True, f"Connected to {name}.", location_details(found))

    def list_rooms(self) -> list[Room]:
        """A1: the areas a card can pull inventory from (parse.room_from_area says which are sellable)."""
        areas = self._json("GET", "/inventory/area", params={"id_location": self._location_id()})
        return [room for room in map(room_from_area, areas if isinstance(areas, list) else []) if room is not None]

    # --- inventory (A1-A6) ----------------------------------------------------------------------
    def iter_products(self, since: datetime | None = None) -> Iterator[PosProduct]:
        """Alleaves has no modified-since filter: always the full snapshot of iter_inventory."""
        return self.iter_inventory()

    def iter_inventory(self, *, details_since: datetime | None = None,
                       known_details: Callable[[list[str]], dict[str, dict]] | None = None,
                       known: Callable[[str], Any] | None = None) -> Iterator[PosProduct]:
        """One PosProduct per item (id_item), its batches in the chosen areas added up. Always the full
        feed: Alleaves has no product details apart from the rows and no modified-since filter, so the
        incremental arguments (base.PosClient.iter_inventory) are accepted and ignored.

        The feed has one row per batch and an item's batches are not next to each other, so the feed is
        read twice, streamed both times: the first pass keeps a few numbers per batch (stock per area,
        which batch has the most), the second maps the item's main batch once. Memory stays small
        whatever the catalogue's size; the price is a second download of the feed."""
        stock: dict[str, ItemStock] = {}
        for row in self._inventory_rows():
            stock.setdefault(str(row["id_item"]), ItemStock()).add(row)
        for row in self._inventory_rows():
            item = stock.get(str(row["id_item"]))
            if item is None or str(row.get("id_batch")) != item.primary_batch:
                continue  # another batch of an item already mapped, or new since the first pass
            del stock[str(row["id_item"])]
            yield product_from_row(row, item)

    def _inventory_rows(self) -> Iterator[dict]:
        """POST /inventory/search, streamed, keeping the rows of the chosen areas (A1)."""
        chosen = {str(area) for area in self.config.area_ids}
        body = {"query": "", "id_location": self._location_id()}
        # A search changes nothing, so it may be retried like a GET.
        for row in self._stream("POST", "/inventory/search", json=body, idempotency_key=True):
            if not isinstance(row, dict) or row.get("deleted") or row.get("id_item") is None:
                continue
            # A1: with areas chosen, only their rows; a row with no area is then never included.
            if chosen and area_key(row) not in chosen:
                continue
            yield row

    # --- orders (C4, A2, A7) ---------------------------------------------------------------------
    def push_order(self, order: PosOrder) -> PushResult:
        """POST /order. Checked here first so nothing is half-pushed (no patient created for an order that
        cannot go through). Never retried automatically: a second POST would make a second order."""
        missing = [str(n) for n, line in enumerate(order.lines, start=1) if not line.batch_id]
        if not order.lines or missing:
            raise Refused(f"Order {order.order_number} cannot go to Alleaves: "
                          + (f"line(s) {', '.join(missing)} have no batch (id_batch)." if missing else "no lines."),
                          "Resync the menu so every product knows the Alleaves batch it sells from.")
        if order.order_type == "delivery" and not (order.window_start and order.window_end):
            raise Refused(f"Delivery order {order.order_number} has no delivery start and end time (A2).",
                          "Choose a delivery window for the order.")
        body: dict[str, Any] = {
            "id_location": self._location_id(),
            "id_customer": self._customer_for(order),
            # Alleaves knows pickup and delivery; a kiosk order is collected in store.
            "type": "delivery" if order.order_type == "delivery" else "pickup",
            "is_medical": order.is_medical,
            "items": [order_item(line) for line in order.lines],
            "reference": order.order_number,
        }
        if order.order_type == "delivery":
            body["delivery_start"] = iso_utc(order.window_start)
            body["delivery_end"] = iso_utc(order.window_end)
            if order.delivery_address:
                body["delivery_address"] = order.delivery_address
        if order.notes:
            body["notes"] = order.notes
        created = self._json("POST", "/order", json=body)
        return PushResult(pos_order_id=str(created.get("id_order")), status=str(created.get("status") or ""),
                          raw=created)

    def _customer_for(self, order: PosOrder) -> int | str:
        """A7: the POS customer for an order: the one we know, else the patient found by medical ID, else
        by phone, else a new one."""
        shopper = order.customer
        if shopper.pos_customer_id:
            return int_or_str(shopper.pos_customer_id)
        found = self.find_patient(medical_id=shopper.medical_id if order.is_medical else "", phone=shopper.phone)
        if found is None:
            found = self.create_customer(PosCustomer(
                pos_customer_id="", first_name=shopper.first_name, last_name=shopper.last_name, phone=shopper.phone,
                email=shopper.email, birth_date=shopper.birth_date,
                medical_id=shopper.medical_id if order.is_medical else "", state=shopper.state,
                raw={"medical_id_expiration": shopper.medical_id_expires.isoformat()
                     if shopper.medical_id_expires else None}))
        return int_or_str(found.pos_customer_id)

    def order_statuses(self, pos_order_ids: Iterable[str]) -> list[OrderStatus]:
        """GET /order/{id} for each id. An order Alleaves no longer knows (404) answers "not_found"
        instead of stopping the other orders' updates."""
        statuses = []
        for pos_order_id in pos_order_ids:
            try:
                order = self._json("GET", f"/order/{pos_order_id}")
            except Refused as error:
                if error.status != 404:
                    raise
                statuses.append(self.order_status(str(pos_order_id), "not_found"))
                continue
            statuses.append(self.order_status(str(pos_order_id), str(order.get("status") or ""), order))
        return statuses

    def iter_transactions(self, since: datetime | None = None) -> Iterator[PosTransaction]:
        """GET /order pages of 100 until a short page. startDate/endDate are whole UTC days on the
        order's creation date, so `since` is also applied to date_created here. Only finished orders
        (completed, cancelled = voided) are sales; open pushed orders are left for a later run."""
        params: dict[str, Any] = {"pageSize": ORDER_PAGE_SIZE}
        if since is not None:
            since = aware(since)
            params["startDate"] = since.astimezone(UTC).date().isoformat()
            # Tomorrow, so an order stamped by a POS clock slightly ahead of ours is not missed.
            params["endDate"] = (datetime.fromtimestamp(self.clock(), UTC).date() + timedelta(days=1)).isoformat()
        page = 1
        while True:
            orders = _as_list(self._json("GET", "/order", params={**params, "page": page}), "orders")
            for order in filter(is_sale, orders):
                occurred = parse_datetime(order.get("date_created"))
                if since is not None and occurred is not None and occurred < since:
                    continue  # an order of unknown date is kept: better counted than lost
                yield transaction_from_order(order)
            if len(orders) < ORDER_PAGE_SIZE:
                return
            page += 1

    # --- customers (A7) -------------------------------------------------------------------------
    def iter_customers(self, since: datetime | None = None) -> Iterator[PosCustomer]:
        """POST /customer/search {page, pageSize}, 1-based, until an empty page. Alleaves has no
        modified-since filter, so `since` keeps customers whose date_updated (else date_created) is newer."""
        since = aware(since) if since is not None else None
        page, previous = 1, None
        while True:
            body = {"page": page, "pageSize": CUSTOMER_PAGE_SIZE}
            rows = _as_list(self._json("POST", "/customer/search", json=body, idempotency_key=True), "customers")
            ids = [row.get("id_customer") for row in rows if isinstance(row, dict)]
            if not rows or ids == previous:
                return  # an empty page is the end; the same page twice means the POS ignores paging
            for row in rows:
                if not isinstance(row, dict):
                    continue
                customer = customer_from_row(row)
                changed = customer.modified_at or customer.created_at
                if since is not None and changed is not None and changed < since:
                    continue
                yield customer
            previous, page = ids, page + 1

    def create_customer(self, customer: PosCustomer) -> PosCustomer:
        """POST /customer. Alleaves requires first name, last name and date of birth; a medical ID that
        is already on file is refused (409) with the POS's words."""
        return customer_from_row(self._json("POST", "/customer", json=customer_body(customer)))

    def find_patient(self, *, medical_id: str = "", phone: str = "") -> PosCustomer | None:
        """A7: POST /customer/patient/search by medical ID first, then by phone; None when neither matches.
        Archived (deleted) profiles are passed over."""
        for key, value in (("medical_id", medical_id), ("phone", phone)):
            if not value:
                continue
            rows = _as_list(self._json("POST", "/customer/patient/search", json={key: value}, idempotency_key=True),
                            "customers")
            for row in rows:
                if isinstance(row, dict) and not row.get("deleted"):
                    return customer_from_row(row)
        return None


def _as_list(answer: Any, key: str) -> list:
    """Alleaves list answers come in several shapes (POS-APIS.md §3): a bare array, {customers: [...]},
    {data: [...]}, or an object with numeric keys ({"0": {...}, "1": {...}})."""
    if isinstance(answer, list):
        return answer
    if isinstance(answer, dict):
        for name in (key, "data"):
            if isinstance(answer.get(name), list):
                return answer[name]
        if answer and all(str(k).isdigit() for k in answer):
            return [answer[k] for k in sorted(answer, key=int)]
    return []
