"""Alleaves POS client (ecommerce card 003, requirements A1-A7).

Alleaves (`https://app.alleaves.com/api`) logs in with a username and password (and an optional PIN):
`POST /auth` returns a JWT that every other call sends as `Authorization: Bearer`. The menu feed is
`POST /inventory/search`, a bare array with one row per *batch* of an item; this client returns one
PosProduct per item (`id_item`), adding up the batches in the card's chosen areas (A1). See
docs/pos/alleaves.md for the endpoints and the field mapping.
"""
import base64
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from ..base import PosClient
from ..errors import BadResponse, Forbidden, Refused, Unauthorized
from ..http import PosHttp
from ..records import (
    ClientConfig,
    ConnectionResult,
    LabValue,
    OrderStatus,
    PosCustomer,
    PosOrder,
    PosProduct,
    PosTransaction,
    PushResult,
    Room,
    SaleLine,
    Tier,
)
from .spec import SPEC

logger = logging.getLogger(__name__)

# Log in again this many seconds before the JWT's `exp`, so a request never leaves with a token that
# expires on the way (the 401 retry below covers clocks that disagree).
RENEW_BEFORE_SECONDS = 120
CUSTOMER_PAGE_SIZE = 500
ORDER_PAGE_SIZE = 100  # GET /order serves 100 a page at most
SELLABLE_AREA_TYPES = {"Retail"}  # area types seen: "Retail", "Damaged", null (POS-APIS.md §3)
# Orders that are sales: a pushed order still "open" or "ready" is not a sale yet.
FINAL_ORDER_STATUSES = {"completed", "cancelled", "voided"}
VOID_ORDER_STATUSES = {"cancelled", "voided"}
# Cannabinoid compounds carry their unit in the name ("THC %", "CBD mg/g"); everything else in a
# custom chemical profile is a terpene (A6).
CANNABINOID = re.compile(r"^(delta[- ]?\d+[- ]?)?(THC|CB[DNGCL])[A-Z]?\b", re.IGNORECASE)
VALUE_WITH_UNIT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([^\d\s].*)?$")


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, read without checking the signature (we only need to know when to renew)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def _number(value: Any) -> float | None:
    """A number from the feed, or None when it is missing or not a number (a malformed "12 units")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _price(value: Any) -> float | None:
    # Alleaves writes 0 for "not on that menu" (adult-use only and medical-only items): no price.
    number = _number(value)
    return None if number == 0 else number


def _datetime(value: Any) -> datetime | None:
    """"2026-01-10T21:58:10.280Z" (and zone-less values, taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def parse_lab_value(name: str, result: Any) -> LabValue:
    """A6: a custom chemical profile's value carries its unit ("1.2%", "3 mg", "4.5 mg/g"); a bare
    number means mg. Cannabinoids name their unit instead ("THC %" with "22.10000000")."""
    text = str(result if result is not None else "").strip()
    match = VALUE_WITH_UNIT.match(text)
    if not match:
        return LabValue(name, None, text)
    value, unit = float(match.group(1)), (match.group(2) or "").strip()
    if not unit and CANNABINOID.match(name):
        unit = name.split(" ", 1)[1].strip() if " " in name else ""
    return LabValue(name, value, unit or "mg")


def _area_key(row: dict) -> str:
    return str(row["id_area"]) if row.get("id_area") is not None else ""


@dataclass
class _ItemStock:
    """What the first pass over the feed keeps of one item: a few numbers per batch, not the rows."""

    batches: list[dict] = field(default_factory=list)
    quantity: float | None = 0.0
    by_area: dict[str, float] = field(default_factory=dict)
    primary_batch: str = ""
    primary_rank: float = float("-inf")
    modified_at: datetime | None = None

    def add(self, row: dict) -> None:
        available = _number(row.get("available"))
        batch = str(row.get("id_batch"))
        self.batches.append({"id_batch": row.get("id_batch"), "id_area": row.get("id_area"),
                             "area": row.get("area_path") or row.get("area"), "available": row.get("available")})
        if available is None or self.quantity is None:
            # One unreadable batch makes the item's total unknown: the catalog flags it instead of
            # showing a quantity that is silently too low.
            self.quantity = None
        else:
            self.quantity += available
        if available is not None:
            area = _area_key(row)
            self.by_area[area] = self.by_area.get(area, 0.0) + available
        # The batch with the most stock speaks for the item (name, prices, labs) and is the one an order
        # sells from; ties keep the first seen, and an unreadable quantity ranks below 0.
        rank = available if available is not None else -1.0
        if rank > self.primary_rank:
            self.primary_batch, self.primary_rank = batch, rank
        updated = _datetime(row.get("date_updated"))
        if updated and (self.modified_at is None or updated > self.modified_at):
            self.modified_at = updated


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
        details = {
            "id_location": found.get("id_location"),
            "name": found.get("name"),
            "reference": found.get("reference"),
            "is_adult_use": found.get("is_adult_use"),
            "is_medical_use": found.get("is_medical_use"),
            "areas": [{"id": str(area.get("id_area")), "name": area.get("path") or area.get("name")}
                      for area in _flatten_areas(found.get("areas") or []) if not area.get("deleted")],
        }
        return ConnectionResult(True, f"Connected to {name}.", details)

    def list_rooms(self) -> list[Room]:
        """A1: the areas a card can pull inventory from. Sellable = area type "Retail" (the sandbox and the
        real store mark quarantine and not-for-sale areas "Damaged"; storage areas have no type)."""
        areas = self._json("GET", "/inventory/area", params={"id_location": self._location_id()})
        rooms = []
        for area in areas if isinstance(areas, list) else []:
            if not isinstance(area, dict) or area.get("deleted"):
                continue  # a deleted area holds nothing to sell and cannot be chosen
            rooms.append(Room(id=str(area.get("id_area")), name=area.get("path") or area.get("name") or "",
                              sellable=area.get("area_type") in SELLABLE_AREA_TYPES, raw=area))
        return rooms

    # --- inventory (A1-A6) ----------------------------------------------------------------------
    def iter_products(self, since: datetime | None = None) -> Iterator[PosProduct]:
        """Alleaves has no modified-since filter: always the full snapshot of iter_inventory."""
        return self.iter_inventory()

    def iter_inventory(self) -> Iterator[PosProduct]:
        """One PosProduct per item (id_item), its batches in the chosen areas added up.

        The feed has one row per batch and an item's batches are not next to each other, so the feed is
        read twice, streamed both times: the first pass keeps a few numbers per batch (stock per area,
        which batch has the most), the second maps the item's main batch once. Memory stays small
        whatever the catalogue's size; the price is a second download of the feed."""
        stock: dict[str, _ItemStock] = {}
        for row in self._inventory_rows():
            stock.setdefault(str(row["id_item"]), _ItemStock()).add(row)
        for row in self._inventory_rows():
            item = stock.get(str(row["id_item"]))
            if item is None or str(row.get("id_batch")) != item.primary_batch:
                continue  # another batch of an item already mapped, or new since the first pass
            del stock[str(row["id_item"])]
            yield self._product(row, item)

    def _inventory_rows(self) -> Iterator[dict]:
        """POST /inventory/search, streamed, keeping the rows of the chosen areas (A1)."""
        chosen = {str(area) for area in self.config.area_ids}
        body = {"query": "", "id_location": self._location_id()}
        # A search changes nothing, so it may be retried like a GET.
        for row in self._stream("POST", "/inventory/search", json=body, idempotency_key=True):
            if not isinstance(row, dict) or row.get("deleted") or row.get("id_item") is None:
                continue
            # A1: with areas chosen, only their rows; a row with no area is then never included.
            if chosen and _area_key(row) not in chosen:
                continue
            yield row

    def _product(self, row: dict, stock: _ItemStock) -> PosProduct:
        labs, terpenes = [], []
        thc_compound = cbd_compound = None
        for compound in row.get("compounds") or []:
            if not isinstance(compound, dict) or not compound.get("compound"):
                continue
            name = str(compound["compound"]).strip()
            value = parse_lab_value(name, compound.get("result"))
            labs.append(value)
            if CANNABINOID.match(name):
                upper = name.upper()
                if upper.startswith("THC") and thc_compound is None:
                    thc_compound = value
                elif upper.startswith("CBD") and cbd_compound is None:
                    cbd_compound = value
            else:
                terpenes.append(value)
        # Potency: `thc`/`cbd` are percent, `thc_mg`/`cbd_mg` milligrams (infused products); the
        # chemical profile's "THC %" only when neither field is set.
        thc = _potency("THC", row.get("thc"), row.get("thc_mg")) or thc_compound
        cbd = _potency("CBD", row.get("cbd"), row.get("cbd_mg")) or cbd_compound
        # A3: the item's own threshold when selected, else the location's when selected.
        threshold = None
        if row.get("threshold_low_quantity_selected"):
            threshold = _number(row.get("threshold_low_quantity"))
        elif row.get("location_threshold_low_quantity_selected"):
            threshold = _number(row.get("location_threshold_low_quantity_value"))
        tiers = [Tier(start=_number(tier.get("quantity_min")) or 0.0, end=_number(tier.get("quantity_max")),
                      price=_number(tier.get("price")) or 0.0)
                 for tier in row.get("pricing_tiers") or [] if isinstance(tier, dict)]
        raw = dict(row)
        raw["canopy_batches"] = stock.batches  # ours: every batch counted, for X3 and order push
        return PosProduct(
            pos_product_id=str(row["id_item"]),
            sku=row.get("sku") or "",
            name=row.get("item") or "",
            brand=(row.get("brand") or "").strip(),  # the feed has "Kings Road " with a trailing space
            category=row.get("category") or "",  # "Category > Flower": the catalog strips the prefix
            strain=row.get("strain") or "",
            quantity=stock.quantity,
            room_quantities=stock.by_area,
            room_name=row.get("area_path") or row.get("area") or "",
            price=_price(row.get("price_retail")),
            price_recreational=_price(row.get("price_retail_adult_use")),
            price_medical=_price(row.get("price_retail_medical_use")),
            price_otd=_price(row.get("price_otd")),
            price_otd_recreational=_price(row.get("price_otd_adult_use")),
            price_otd_medical=_price(row.get("price_otd_medical_use")),
            use_otd_price=bool(row.get("use_otd_price")),
            unit_cost=_number(row.get("cost_of_good")),
            weight=_number(row.get("weight_useable")),
            weight_unit=row.get("weight_useable_uom_short") or "",
            quantity_units=row.get("uom") or "",
            tiers=tiers,
            thc=thc,
            cbd=cbd,
            labs=labs,
            terpenes=terpenes,
            low_quantity_threshold=threshold,
            medical_only=bool(row.get("is_medical_use")) and not row.get("is_adult_use"),
            is_active=row.get("status") in (None, "open"),
            modified_at=stock.modified_at or _datetime(row.get("date_updated")),
            raw=raw,
        )

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
            "items": [self._order_item(line) for line in order.lines],
            "reference": order.order_number,
        }
        if order.order_type == "delivery":
            body["delivery_start"] = _iso(order.window_start)
            body["delivery_end"] = _iso(order.window_end)
            if order.delivery_address:
                body["delivery_address"] = order.delivery_address
        if order.notes:
            body["notes"] = order.notes
        created = self._json("POST", "/order", json=body)
        return PushResult(pos_order_id=str(created.get("id_order")), status=str(created.get("status") or ""),
                          raw=created)

    @staticmethod
    def _order_item(line) -> dict:
        item: dict[str, Any] = {"id_item": _int_or_str(line.pos_product_id), "id_batch": _int_or_str(line.batch_id),
                                "quantity": line.quantity}
        if line.unit_price is not None:
            item["price"] = line.unit_price
        return item

    def _customer_for(self, order: PosOrder) -> int | str:
        """A7: the POS customer for an order: the one we know, else the patient found by medical ID, else
        by phone, else a new one."""
        shopper = order.customer
        if shopper.pos_customer_id:
            return _int_or_str(shopper.pos_customer_id)
        found = self.find_patient(medical_id=shopper.medical_id if order.is_medical else "", phone=shopper.phone)
        if found is None:
            found = self.create_customer(PosCustomer(
                pos_customer_id="", first_name=shopper.first_name, last_name=shopper.last_name, phone=shopper.phone,
                email=shopper.email, birth_date=shopper.birth_date,
                medical_id=shopper.medical_id if order.is_medical else "", state=shopper.state,
                raw={"medical_id_expiration": shopper.medical_id_expires.isoformat()
                     if shopper.medical_id_expires else None}))
        return _int_or_str(found.pos_customer_id)

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
                statuses.append(OrderStatus(str(pos_order_id), "not_found"))
                continue
            statuses.append(OrderStatus(str(pos_order_id), str(order.get("status") or ""), raw=order))
        return statuses

    def iter_transactions(self, since: datetime | None = None) -> Iterator[PosTransaction]:
        """GET /order pages of 100 until a short page. startDate/endDate are whole UTC days on the
        order's creation date, so `since` is also applied to date_created here. Only finished orders
        (completed, cancelled = voided) are sales; open pushed orders are left for a later run."""
        params: dict[str, Any] = {"pageSize": ORDER_PAGE_SIZE}
        if since is not None:
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
            params["startDate"] = since.astimezone(UTC).date().isoformat()
            # Tomorrow, so an order stamped by a POS clock slightly ahead of ours is not missed.
            params["endDate"] = (datetime.fromtimestamp(self.clock(), UTC).date() + timedelta(days=1)).isoformat()
        page = 1
        while True:
            orders = _as_list(self._json("GET", "/order", params={**params, "page": page}), "orders")
            for order in orders:
                if not isinstance(order, dict) or str(order.get("status")) not in FINAL_ORDER_STATUSES:
                    continue
                occurred = _datetime(order.get("date_created"))
                if since is not None and occurred is not None and occurred < since:
                    continue
                yield self._transaction(order, occurred)
            if len(orders) < ORDER_PAGE_SIZE:
                return
            page += 1

    @staticmethod
    def _transaction(order: dict, occurred: datetime | None) -> PosTransaction:
        lines = [SaleLine(pos_product_id=str(item.get("id_item") or ""), sku="", name=item.get("item") or "",
                          quantity=_number(item.get("quantity")) or 0.0, unit_price=_number(item.get("price")) or 0.0,
                          category=item.get("category") or "")
                 for item in order.get("items") or [] if isinstance(item, dict)]
        return PosTransaction(
            pos_transaction_id=str(order.get("id_order")),
            pos_customer_id=str(order.get("id_customer") or ""),
            occurred_at=occurred or datetime.min.replace(tzinfo=UTC),
            total=_number(order.get("total")) or 0.0,
            lines=lines,
            voided=str(order.get("status")) in VOID_ORDER_STATUSES,
            loyalty_earned=_number(order.get("points_earned")) or 0.0,
            loyalty_spent=_number(order.get("loyalty")) or 0.0,
            raw=order,
        )

    # --- customers (A7) -------------------------------------------------------------------------
    def iter_customers(self, since: datetime | None = None) -> Iterator[PosCustomer]:
        """POST /customer/search {page, pageSize}, 1-based, until an empty page. Alleaves has no
        modified-since filter, so `since` keeps customers whose date_updated (else date_created) is newer."""
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
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
                customer = _customer(row)
                changed = customer.modified_at or customer.created_at
                if since is not None and changed is not None and changed < since:
                    continue
                yield customer
            previous, page = ids, page + 1

    def create_customer(self, customer: PosCustomer) -> PosCustomer:
        """POST /customer. Alleaves requires first name, last name and date of birth; a medical ID that
        is already on file is refused (409) with the POS's words."""
        body: dict[str, Any] = {
            "name_first": customer.first_name,
            "name_last": customer.last_name,
            "date_of_birth": customer.birth_date.isoformat() if customer.birth_date else None,
        }
        for key, value in (("phone", customer.phone), ("email", customer.email),
                           ("medical_id", customer.medical_id), ("state", customer.state),
                           ("medical_id_expiration", customer.raw.get("medical_id_expiration"))):
            if value:
                body[key] = value
        return _customer(self._json("POST", "/customer", json=body))

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
                    return _customer(row)
        return None


def _potency(name: str, percent: Any, milligrams: Any) -> LabValue | None:
    if (value := _number(percent)) is not None:
        return LabValue(name, value, "%")
    if (value := _number(milligrams)) is not None:
        return LabValue(name, value, "mg")
    return None


def _flatten_areas(areas: list) -> Iterator[dict]:
    for area in areas:
        if isinstance(area, dict):
            yield area
            yield from _flatten_areas(area.get("children") or [])


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


def _customer(row: dict) -> PosCustomer:
    return PosCustomer(
        pos_customer_id=str(row.get("id_customer") or ""),
        first_name=row.get("name_first") or "",
        last_name=row.get("name_last") or "",
        phone=row.get("phone") or "",
        email=row.get("email") or "",
        birth_date=_date(row.get("date_of_birth")),
        medical_id=row.get("medical_id") or "",
        customer_type=row.get("customer_type") or "",
        state=row.get("state") or "",
        # alpine_user_code is the Alpine IQ loyalty member code, set only for members.
        is_loyalty_member=bool(row.get("alpine_user_code")),
        archived=bool(row.get("deleted")),
        created_at=_datetime(row.get("date_created")),
        modified_at=_datetime(row.get("date_updated")),
        raw=row,
    )


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _int_or_str(value: Any) -> int | str:
    """Alleaves ids are numbers; keep anything else as given so the POS names the problem."""
    text = str(value).strip()
    return int(text) if text.isdigit() else text
