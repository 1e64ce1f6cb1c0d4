"""Dutchie POS client (formerly LeafLogix): ecommerce card (D1-D14) and marketing + loyalty card (L1-L28).

Contract: ../shared/reference/POS-APIS.md section 1 and the official OpenAPI (dutchie-appendix.md).
HTTP Basic with the location API key as the username and an empty password; each key belongs to one
location and carries permission "roles" (Inventory, Reporting, Customer, PreOrder, Room): a missing
role answers 403, a wrong key 401 with an empty body. Endpoints, field mapping and limits are listed
in docs/pos/dutchie.md.
"""
import functools
import itertools
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import requests

from ..base import PosClient
from ..errors import Forbidden, PosError, Refused, Unauthorized
from ..http import RETRY_STATUSES, PosHttp
from ..jsonstream import digest_of
from ..records import (
    ClientConfig,
    ConnectionResult,
    KnownRecord,
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
from .packages import PackageSpool, by_product, combined_digest, merge_packages, product_id_of
from .spec import SPEC

logger = logging.getLogger(__name__)

# Dutchie's published limits, per key, per endpoint, per minute (D2 pages, with the OpenAPI's overrides).
BASELINE_LIMIT = 120
REPORTING_LIMIT = 60
ENDPOINT_LIMITS = {
    "/inventory": 200, "/whoami": 200, "/reporting/transactions": 600, "/reporting/customers": 600,
    "/customer/customer": 1500, "/customer/search": 360, "/preorder/cancel": 240, "/preorder/price-cart": 240,
    "/reporting/loyalty-snapshot": 1,
}

# The role each path needs, to name the missing permission on a 403 (POS-APIS.md §1: operation descriptions).
PATH_ROLES = (("/reporting/", "Reporting"), ("/customer/customer-types", ""), ("/customer", "Customer"),
              ("/preorder/", "PreOrder"), ("/room/", "Room"), ("/products", "Inventory"),
              ("/inventory", "Inventory"), ("/discounts", "Inventory"))

# L1: what the loyalty program reads, and the cheapest call that proves the key's role for it. /products
# and /inventory share the Inventory role, so one probe covers both: /products changed since "now" is
# (nearly) empty, where /inventory has no filter and no paging and can be 100,000 items.
LOYALTY_PROBES = (
    ("Customer", "customers", "/customer/customers-paginated", lambda now: {"PageNumber": 0, "PageSize": 1}),
    ("Reporting", "transactions", "/reporting/transactions",
     lambda now: {"FromDateUTC": iso(now - timedelta(minutes=1)), "ToDateUTC": iso(now)}),
    ("Inventory", "products, inventory", "/products", lambda now: {"fromLastModifiedDateUTC": iso(now)}),
)

# D2: the customer types a store of each location type needs shown in Dutchie; the out-of-state ones
# are only needed by stores that serve visitors, so their absence is a note, not a warning.
REQUIRED_CUSTOMER_TYPES = {"medical": ("Medical",), "recreational": ("Recreational",),
                           "both": ("Medical", "Recreational")}
OPTIONAL_CUSTOMER_TYPES = {"medical": ("Medical - Out of State",),
                           "recreational": ("Recreational - Out of State",),
                           "both": ("Medical - Out of State", "Recreational - Out of State")}
ALL_CUSTOMER_TYPES = ("Medical", "Medical - Out of State", "Recreational", "Recreational - Out of State")

# Dutchie matches a retried /preorder/submit by ConsumerKey header + idempotencyKey body field. The
# ConsumerKey names the integrator, so it must stay the same across processes and restarts: a fixed GUID.
CONSUMER_KEY = str(uuid.uuid5(uuid.NAMESPACE_DNS, "dutchie.pos.canopy"))
ORDER_SOURCE = "Express"  # Dutchie's express pre-order workflow (D11)
KIOSK_ORDER_SOURCE = "Kiosk"  # D11 "Kiosk": reporting only, still a pre-order
PRE_PAID = "Pre-Paid"  # D9

# Lab rows (labResults[].labTest): the cannabinoid rows Canopy reads on their own, the rest are labs.
THC_TESTS = {"thc", "total thc"}
CBD_TESTS = {"cbd", "total cbd"}
THC9_TESTS = {"thc9", "thc-9", "delta-9 thc", "delta 9 thc", "d9-thc", "d9 thc", "δ9-thc"}  # D12
CANNABINOID = re.compile(r"^(total\s+)?(delta[- ]?\d+[- ]?|d\d+[- ]?|Δ\d+[- ]?)?(THC|CB[DNGCL])", re.IGNORECASE)
# Terpenes have no field of their own: they are labResults rows named after the terpene, spelled as the
# lab import spelled them ("Myrcene", "beta-Myrcene", "d-Limonene"...). Mapping onto the 16 C9 names is
# catalog's job; here a row is a terpene when its name is a terpene name or reads like one (-ene, -ol,
# oxide), so unknown terpenes (Farnesene, Valencene, Geraniol) reach catalog to be reported (C9).
TERPENE_WORDS = {"carene", "pinene", "caryophyllene", "eudesmol", "myrcene", "bisabolol", "guaiol", "humulene",
                 "limonene", "linalool", "ocimene", "terpinolene", "terpinene", "nerolidol", "farnesene",
                 "valencene", "geraniol", "camphene", "eucalyptol", "borneol", "fenchol", "phellandrene",
                 "pulegone", "sabinene", "cedrene", "isopulegol", "terpineol", "cymene", "phytol", "nerol"}
TERPENE_SHAPE = re.compile(r"(ene|ol|ole|oxide)$", re.IGNORECASE)

# The ProductDetail fields an InventoryItem lacks (kept in Product.raw["productDetail"]).
DETAIL_FIELDS = ("imageUrls", "pricingTierData", "lowInventoryThreshold")
SELLABLE_EXCLUDED_FLAGS = ("isQuarantineRoom", "isVaultRoom", "isWaitingRoom")
ARCHIVED_STATUSES = {"cancelled"}  # Dutchie statuses: Active / Cancelled / Hold / Banned
MATCH_PRIORITY = {"MMJID": 0, "Phone": 1, "Email": 2, "LastNameDateOfBirth": 3}
EDIT_FIELDS = ("firstName", "lastName", "middleName", "nameSuffix", "namePrefix", "address1", "address2", "city",
               "state", "postalCode", "phone", "emailAddress", "status", "mmjidNumber", "mmjidExpirationDate",
               "customerType", "dateOfBirth", "externalCustomerId", "gender", "referralSource", "customIdentifier",
               "notes", "isLoyaltyMember")


def limit_for(method: str, path: str) -> int:
    """Requests per minute Dutchie allows this key on `path` (the MinuteRateLimiter keeps under it)."""
    endpoint = "/" + path.split("?", 1)[0].strip("/").lower()
    if endpoint in ENDPOINT_LIMITS:
        return ENDPOINT_LIMITS[endpoint]
    if endpoint.startswith("/reporting/"):
        return REPORTING_LIMIT
    return BASELINE_LIMIT


def role_for(path: str) -> str:
    endpoint = "/" + path.strip("/").lower()
    for prefix, role in PATH_ROLES:
        if endpoint.startswith(prefix.lower()):
            return role
    return ""


class DutchieHttp(PosHttp):
    """PosHttp with Dutchie's words: a 403 names the role the key lacks, a 400 carries Dutchie's reason
    (BadRequestResponse propertyErrors, the transactions ValidationResult, or a plain JSON string)."""

    def _error_for(self, response: requests.Response, method: str, path: str) -> PosError:
        status = response.status_code
        if status == 403 and (role := role_for(path)):
            return Forbidden(f"{self.vendor} says this API key lacks the {role} permission needed for "
                             f"{method} {path} (403).", missing_roles=[role], status=status, url=response.url)
        if 400 <= status < 500 and status not in (401, 403, 429):
            return Refused(f"{self.vendor} refused {method} {path} ({status}): {dutchie_reason(response)}",
                           status=status, url=response.url)
        return super()._error_for(response, method, path)


def dutchie_reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return (response.text or "no reason given").strip()[:300]
    if isinstance(body, str):
        return body[:300] or "no reason given"
    if not isinstance(body, dict):
        return "no reason given"
    details = []
    for error in body.get("propertyErrors") or body.get("errors") or []:
        if isinstance(error, dict):
            name = error.get("propertyName") or ""
            text = error.get("propertyError") or error.get("errorMessage") or ""
            details.append(f"{name}: {text}" if name else str(text))
    message = str(body.get("message") or body.get("Message") or "").strip()
    return " ".join(part for part in [message, "; ".join(details)] if part)[:500] or "no reason given"


class DutchieClient(PosClient):
    """Dutchie POS, one location (one API key per location, L2)."""

    spec = SPEC
    customer_page_size = 1000  # Dutchie's default PageSize (the OpenAPI: max 10000; the docs pages: 100)
    transaction_window = timedelta(days=31)  # full history is read a month at a time (FromDateUTC/ToDateUTC)
    history_start = datetime(2015, 1, 1, tzinfo=UTC)  # before any LeafLogix/Dutchie sale

    def __init__(self, config: ClientConfig, http: PosHttp | None = None):
        super().__init__(config, http)
        if self.http.session.auth is None:  # a PosHttp built elsewhere (tests) still sends the key
            self.http.session.auth = (config.api_key, "")
        self._identity: dict | None = None
        self._product_lookup: dict[str, tuple[str, str, str, str]] | None = None

    @classmethod
    def make_http(cls, config: ClientConfig, **options: Any) -> PosHttp:
        """Basic auth (key as username, empty password), Dutchie's limits, and 500 retried as transient
        (GETs; POSTs only with an idempotency key). `options` go to PosHttp (timeouts, retry, sleep)."""
        options.setdefault("retry_statuses", frozenset(RETRY_STATUSES | {500}))
        http = DutchieHttp(config.endpoint, cls.label, limit_for=limit_for, **options)
        http.session.auth = (config.api_key, "")
        return http

    # --- Test Connection (R2, R11, D2, L1) --------------------------------------------------------
    def test_connection(self, *, purpose: str = "ecommerce", location_type: str = "") -> ConnectionResult:
        try:
            identity = self._whoami()
        except Unauthorized as error:
            error.fix = ("Check the API key on the card: Dutchie did not accept it (mistyped, revoked, or "
                         "never issued). Each Dutchie location has its own key.")
            return ConnectionResult.failed(error)
        except Forbidden as error:
            error.fix = ("Dutchie refused this key even the location lookup, which any key may use: ask Dutchie "
                         "to check the key.")
            return ConnectionResult.failed(error)
        except PosError as error:
            return ConnectionResult.failed(error)
        name = identity.get("locationName") or f"location {identity.get('locationId')}"
        details: dict[str, Any] = {"location": {"id": identity.get("locationId"), "name": name,
                                                "state": identity.get("state")}}
        result = ConnectionResult(True, f"Connected to {name}.", details)
        if purpose == "loyalty":
            return self._check_permissions(result)
        return self._check_customer_types(result, location_type)

    def _check_customer_types(self, result: ConnectionResult, location_type: str) -> ConnectionResult:
        """D2. The connection works either way, so `ok` stays True: missing types are a warning the card
        shows (orders and signups of those customers cannot be typed right), not a failed connection."""
        try:
            types = self.http.get_json("/customer/customer-types")
            shown = [str(t.get("name") or "") for t in (types if isinstance(types, list) else [])
                     if isinstance(t, dict)]
        except Forbidden:
            result.message += (" Could not check the customer types (D2): this key lacks the Customer "
                               "permission.")
            result.details["customer_types_checked"] = False
            return result
        except PosError as error:
            result.message += f" Could not check the customer types (D2): {error.message}"
            result.details["customer_types_checked"] = False
            return result
        present = {name.strip().lower() for name in shown}
        required = REQUIRED_CUSTOMER_TYPES.get(location_type, ())
        optional = OPTIONAL_CUSTOMER_TYPES.get(location_type, () if required else ALL_CUSTOMER_TYPES)
        missing = [name for name in required if name.lower() not in present]
        missing_optional = [name for name in optional if name.lower() not in present]
        result.details.update(customer_types_checked=True, customer_types=shown, missing_customer_types=missing,
                              missing_optional_customer_types=missing_optional)
        if missing:
            store = f"a {location_type} store" if location_type != "both" else "a medical and recreational store"
            result.message += (f" Warning: Dutchie does not show the customer type(s) {_and(missing)}, which "
                               f"{store} needs (D2). Show them for this location in Dutchie's customer type "
                               "settings.")
        if missing_optional:
            result.message += (f" Note: {_and(missing_optional)} {'is' if len(missing_optional) == 1 else 'are'} "
                               "not shown either; show them if the store serves out-of-state customers.")
        return result

    def _check_permissions(self, result: ConnectionResult) -> ConnectionResult:
        """L1: one cheap call per permission the loyalty program needs; a 403 means the role is missing."""
        now = datetime.now(UTC)
        missing, unchecked = [], []
        for role, data, path, params in LOYALTY_PROBES:
            try:
                self.http.request("GET", path, params=params(now), stream=True).close()
            except Forbidden:
                missing.append((role, data))
            except Unauthorized as error:
                return ConnectionResult.failed(error)
            except PosError as error:
                unchecked.append(f"{role} ({data}): {error.message}")
        result.details["missing_permissions"] = [role for role, _ in missing]
        result.details["missing_data"] = [data for _, data in missing]
        if missing:
            named = _and([f"{role} ({data})" for role, data in missing])
            result.ok = False
            result.message += (f" But this key lacks the {named} permission{'s' if len(missing) > 1 else ''}, which "
                               "the loyalty program needs. Ask Dutchie (or the store's Dutchie admin) to add "
                               f"{'them' if len(missing) > 1 else 'it'} to this API key, then test again.")
        if unchecked:
            result.ok = False
            result.details["unchecked_permissions"] = unchecked
            result.message += " Could not check: " + "; ".join(unchecked)
        if result.ok:
            result.message += (" The key has the Customer, Reporting and Inventory permissions the loyalty "
                               "program needs.")
        return result

    def _whoami(self) -> dict:
        if self._identity is None:
            identity = self.http.get_json("/whoami")
            self._identity = identity if isinstance(identity, dict) else {}
        return self._identity

    # --- rooms and inventory ------------------------------------------------------------------------
    def list_rooms(self) -> list[Room]:
        """GET /room/rooms (Room permission). Quarantine, vault and waiting rooms hold no sellable stock."""
        rooms = []
        for row in self.http.get_json("/room/rooms") or []:
            if not isinstance(row, dict) or row.get("roomId") is None:
                continue
            sellable = not any(row.get(flag) for flag in SELLABLE_EXCLUDED_FLAGS)
            rooms.append(Room(id=str(row["roomId"]), name=str(row.get("roomName") or row["roomId"]),
                              sellable=sellable, raw=row))
        return rooms

    def iter_products(self, since: datetime | None = None) -> Iterator[PosProduct]:
        """GET /products: product details, only what changed since `since` (fromLastModifiedDateUTC).
        No quantities: Dutchie's product list has none (iter_inventory has them)."""
        params = {"fromLastModifiedDateUTC": iso(since)} if since is not None else {}
        for detail in self.http.iter_json_array("/products", params=params):
            if isinstance(detail, dict):
                yield product_from_detail(detail)

    # iter_inventory can read product details incrementally (details_since + known_details).
    # Items read from /inventory before their stored details are looked up, in one call per batch.
    details_batch = 1000

    def iter_inventory(self, details_since: datetime | None = None,
                       known_details: Callable[[list[str]], dict[str, dict]] | None = None,
                       known: Callable[[str], tuple | None] | None = None) -> Iterator[PosProduct | KnownRecord]:
        """GET /inventory with labs and room quantities, streamed (it can be 100,000 items). InventoryItem
        lacks imageUrls, pricingTierData and lowInventoryThreshold, so those are read first from /products
        (streamed too) and only products that have any are remembered. Each item is a package, and one
        product comes back per productId with its packages' quantities summed (packages.py: the feed is
        read to its end before the first product comes back). With the card's Room IDs (D1), quantity is
        the stock in those rooms, and products with none there are left out. Each product carries the
        digest of its items' bytes as sent (PosProduct.digest; all its packages' together).

        Incremental (details_since and known_details given): only the details changed since
        `details_since` are read (/products takes fromLastModifiedDateUTC; /inventory is always a full
        snapshot), and the others come from `known_details(product ids)`: {product id: the details kept
        last time, {} for none}, called once per batch of products. A product it does not know (never synced
        here) has details we have not got: then the full /products is read once, as without the arguments.
        Incremental with `known(digest)` too: a product whose digest the caller holds (known returns its
        record of it, a tuple whose first item is the product id; None otherwise) and whose details did not
        change comes back as a KnownRecord carrying that answer, its items unparsed."""
        incremental = details_since is not None and known_details is not None
        details = self._product_details(details_since if incremental else None)
        # Incremental: the products whose details changed since details_since. Their digests cover the
        # details too (the items alone may be as before); the others' details are as the caller keeps them.
        changed = set(details) if incremental else set()
        full = not incremental
        rooms = {str(room).strip() for room in self.config.room_ids if str(room).strip()}
        params = {"includeLabResults": "true", "includeRoomQuantities": "true"}
        with PackageSpool() as spool:
            # The caller's `known` only names the product of a package here; pass 2 decides what is skipped.
            records = self.http.iter_json_records("/inventory", params=params, trusted=product_id_of,
                                                  known=known if incremental else None)
            for record in records:
                spool.add(record)
            products = spool.products()
            while batch := list(itertools.islice(products, self.details_batch)):
                read = []  # per product of the batch: a KnownRecord, or (id, digest, its items)
                for pos_id, packages in batch:
                    digest = combined_digest(package[2] for package in packages)
                    if pos_id in changed:
                        digest = digest_of(digest.encode() + orjson.dumps(details[pos_id], option=orjson.OPT_SORT_KEYS))
                    elif incremental and known is not None and (held := known(digest)) is not None:
                        read.append(KnownRecord(digest, held))
                        continue
                    read.append((pos_id, digest, [value for package in packages for value in spool.items(package)]))
                if not full:
                    ids = list({entry[0] for entry in read
                                if isinstance(entry, tuple) and entry[0] and entry[0] not in details})
                    found = known_details(ids) if ids else {}
                    if any(pid not in found for pid in ids):
                        details.update(self._product_details())  # a product we know nothing of: all, once
                        full = True
                    else:
                        details.update(found)
                for entry in read:
                    if isinstance(entry, KnownRecord):
                        yield entry
                        continue
                    for own, items in by_product(entry[0], entry[2]):
                        packages = [product for item in items
                                    for product in self._inventory_product(item, details.get(own), rooms)]
                        if packages:
                            product = merge_packages(packages)
                            product.digest = entry[1] if own == entry[0] else ""
                            yield product

    def _inventory_product(self, item: dict, detail: dict | None, rooms: set[str]) -> Iterator[PosProduct]:
        product = product_from_inventory(item, detail)
        if rooms:
            kept = {room: qty for room, qty in product.room_quantities.items() if room in rooms}
            if not kept or sum(kept.values()) <= 0:
                return
            product.quantity = sum(kept.values())
            names = [str(r.get("room") or "") for r in item.get("roomQuantities") or []
                     if isinstance(r, dict) and str(r.get("roomId")) in kept]
            product.room_name = ", ".join(name for name in names if name)
        yield product

    def _product_details(self, since: datetime | None = None) -> dict[str, dict]:
        """productId -> the ProductDetail fields an InventoryItem lacks, kept only when there are any;
        with `since`, every product changed since then, {} when it has none (its old details are gone)."""
        details = {}
        params = {"fromLastModifiedDateUTC": iso(since)} if since is not None else {}
        for detail in self.http.iter_json_array("/products", params=params):
            if not isinstance(detail, dict):
                continue
            extra = {key: detail.get(key) for key in DETAIL_FIELDS if detail.get(key) not in (None, [])}
            if extra or since is not None:
                details[str(detail.get("productId"))] = extra
        return details

    # --- pre-orders (C4, C5, D7, D9, D11) -----------------------------------------------------------
    def push_order(self, order: PosOrder) -> PushResult:
        """POST /preorder/submit. The customer is found (by medical ID, phone, email) or created first.
        With an idempotency key the POST may be retried: Dutchie returns the first order's id for the same
        ConsumerKey + idempotencyKey. Without one it is sent once, never retried."""
        lines = []
        for line in order.lines:
            if not str(line.pos_product_id).isdigit():
                raise Refused(f"Order {order.order_number} was not sent to Dutchie: product id "
                              f"{line.pos_product_id!r} is not a Dutchie productId.",
                              "Sync the menu again so the order's products carry their Dutchie ids.")
            lines.append({"productId": int(line.pos_product_id), "quantity": _whole(line.quantity)})
        body: dict[str, Any] = {
            "customerId": self._customer_id_for(order),
            "items": lines,
            "isDelivery": order.order_type == "delivery",
            "orderType": "Delivery" if order.order_type == "delivery" else "Pickup",
            # D11: orders uses `kiosk` for the card's "Kiosk" choice; Express kiosk orders go as any order.
            "orderSource": KIOSK_ORDER_SOURCE if order.kiosk else ORDER_SOURCE,
        }
        address = order.delivery_address
        if order.order_type == "delivery" and address:
            body.update(deliveryStreet=address.get("street") or None, deliveryStreet2=address.get("street2") or None,
                        deliveryCity=address.get("city") or None, deliveryState=address.get("state") or None,
                        deliveryPostalCode=address.get("zip") or None)
        if order.window_start:
            body["timeWindowStartDateUtc"] = iso(order.window_start)
        if order.window_end:
            body["timeWindowEndDateUtc"] = iso(order.window_end)
        if order.notes:
            body["notes"] = order.notes
        if order.transaction_reference:
            # D9: orders sets the payment's reference only when the order was pre-paid (Aeropay, Stripe,
            # Square, KindTap) and its payment type was not changed since; the note names our order.
            reference = f"{PRE_PAID} {order.order_number}"
            if order.transaction_reference != order.order_number:
                reference += f" ({order.transaction_reference})"
            body["transactionReference"] = reference
        if order.idempotency_key:
            body["idempotencyKey"] = order.idempotency_key
        response = self.http.request("POST", "/preorder/submit", json=body, headers={"ConsumerKey": CONSUMER_KEY},
                                     idempotency_key=bool(order.idempotency_key))
        answer = self.http.parse_json(response)
        if isinstance(answer, bool) or not isinstance(answer, int | float | str) or not str(answer).strip():
            raise Refused(f"Dutchie accepted order {order.order_number} but sent back no order id.",
                          "Check the pre-orders in Dutchie before pushing it again.")
        order_id = str(int(answer)) if isinstance(answer, int | float) else str(answer).strip()
        return PushResult(pos_order_id=order_id, status="Submitted",
                          raw={"preOrderId": answer, "request": body})

    def cancel_order(self, pos_order_id: str, reason: str = "") -> OrderStatus:
        """POST /preorder/cancel. Not retried automatically (Dutchie answers 400 once it is cancelled)."""
        order_id = _int_id(pos_order_id, "order")
        response = self.http.request("POST", "/preorder/cancel",
                                     json={"orderId": order_id, "cancellationReason": reason or None})
        answer = self.http.parse_json(response)
        return OrderStatus(pos_order_id=str(order_id), status="Cancelled", raw={"answer": answer})

    def order_statuses(self, pos_order_ids: Iterable[str]) -> list[OrderStatus]:
        """GET /preorder/Status?PreOrderId= per order: Submitted, Processing, Filled, Complete, Cancelled.
        "Filled" is Dutchie's Notify (the customer is told it is ready: our Ready for Pickup, D7). Dutchie
        answers an unknown id with a bare 400; that order gets "NotFound" and the others go on."""
        statuses = []
        for pos_order_id in pos_order_ids:
            try:
                answer = self.http.get_json("/preorder/Status", params={"PreOrderId": _int_id(pos_order_id, "order")})
            except Refused as error:
                if error.status not in (400, 404):
                    raise
                statuses.append(OrderStatus(str(pos_order_id), "NotFound", {"error": error.message}))
                continue
            if isinstance(answer, list):  # the shape without an id; tolerated if a proxy drops the query
                answer = next((o for o in answer if isinstance(o, dict)
                               and str(o.get("preOrderId")) == str(pos_order_id)), {})
            answer = answer if isinstance(answer, dict) else {}
            statuses.append(OrderStatus(str(pos_order_id), str(answer.get("status") or ""), answer))
        return statuses

    # --- customers (L15-L23, A7-like lookups) -------------------------------------------------------
    def iter_customers(self, since: datetime | None = None) -> Iterator[PosCustomer]:
        """GET /customer/customers-paginated, PageNumber from 0 (the OpenAPI's base, as the sandbox), until
        an empty page: Dutchie may cap PageSize below what we ask, so a short page is not the end."""
        params: dict[str, Any] = {"PageSize": self.customer_page_size}
        if since is not None:
            params["fromLastModifiedDateUTC"] = iso(since)
            # A fixed end keeps the pages still while customers change during the sync.
            params["toLastModifiedDateUTC"] = iso(datetime.now(UTC))
        page = 0
        while True:
            records = self.http.get_json("/customer/customers-paginated", params={**params, "PageNumber": page})
            records = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
            if not records:
                return
            yield from (customer_from_record(record) for record in records)
            page += 1

    def create_customer(self, customer: PosCustomer) -> PosCustomer:
        """POST /customer/customer with customerId 0 (Dutchie creates). Dutchie requires an address; a
        shopper without one gets the store's own address (from /whoami), as walk-in profiles do."""
        values = customer_values(customer)
        values.setdefault("status", "Active")
        values.setdefault("customerType", "Medical" if customer.medical_id else "Recreational")
        return self._save_customer(0, values)

    def update_customer(self, customer: PosCustomer) -> PosCustomer:
        """POST /customer/customer with the customerId. EcomCustomerEdit needs every required field on each
        save, so the current profile is read first and our non-empty fields laid over it."""
        customer_id = _int_id(customer.pos_customer_id, "customer")
        try:
            found = self.http.get_json("/customer/customers", params={"customerID": customer_id})
        except Refused as error:
            if error.status == 404:
                raise Refused(f"Dutchie has no customer {customer_id} at this location.",
                              "Look the customer up again; the profile may have been merged or deleted.",
                              status=404, url=error.url) from error
            raise
        current = next((c for c in found if isinstance(c, dict)), {}) if isinstance(found, list) else {}
        values = {name: current.get(name) for name in EDIT_FIELDS if current.get(name) not in (None, "")}
        values.update(customer_values(customer))
        if customer.archived:
            values["status"] = "Cancelled"
        return self._save_customer(customer_id, values)

    def find_patient(self, *, medical_id: str = "", phone: str = "") -> PosCustomer | None:
        """POST /customer/search by medical ID (mmjidNumber), else by phone; archived profiles are skipped."""
        if medical_id.strip():
            found = self._search(mmjidNumber=medical_id.strip())
            if found:
                return found
        if phone.strip():
            return self._search(phone=phone.strip())
        return None

    def _search(self, **criteria: str) -> PosCustomer | None:
        body = {key: value for key, value in criteria.items() if value}
        if not body:
            return None
        # A search changes nothing, so this POST may be retried like a GET.
        results = self.http.parse_json(self.http.request("POST", "/customer/search", json=body, idempotency_key=True))
        candidates = [r for r in results or [] if isinstance(r, dict)] if isinstance(results, list) else []
        ranked = sorted(enumerate(candidates), key=lambda pair: (MATCH_PRIORITY.get(pair[1].get("matchType"), 9),
                                                                 pair[0]))
        for _, record in ranked:
            customer = customer_from_record(record)
            if not customer.archived:
                return customer
        return None

    def _save_customer(self, customer_id: int, values: dict) -> PosCustomer:
        if not (values.get("address1") and values.get("city") and values.get("state") and values.get("postalCode")):
            store = self._whoami()
            for field, source in (("address1", "address"), ("city", "city"), ("state", "state"),
                                  ("postalCode", "postalCode")):
                if not values.get(field):
                    values[field] = store.get(source) or ""
        body = {"customerId": customer_id, **values}
        response = self.http.request("POST", "/customer/customer", json=body, headers={"ConsumerKey": CONSUMER_KEY})
        return customer_from_record(self.http.parse_json(response))

    def _customer_id_for(self, order: PosOrder) -> int:
        """The order's Dutchie customer: given, found by medical ID / phone / email, or created."""
        person = order.customer
        if person.pos_customer_id:
            return _int_id(person.pos_customer_id, "customer")
        found = None
        if person.medical_id.strip():
            found = self._search(mmjidNumber=person.medical_id.strip())
        if found is None and (person.phone.strip() or person.email.strip()):
            found = self._search(phone=person.phone.strip(), emailAddress=person.email.strip())
        if found is not None:
            return int(found.pos_customer_id)
        kind = "Medical" if order.is_medical else "Recreational"
        home = (person.state or order.delivery_address.get("state") or "").strip().upper()
        if home and home != str(self._whoami().get("state") or "").strip().upper():
            kind += " - Out of State"  # D2's out-of-state types
        address = order.delivery_address
        values = customer_values(PosCustomer(
            pos_customer_id="", first_name=person.first_name, last_name=person.last_name, phone=person.phone,
            email=person.email, birth_date=person.birth_date, medical_id=person.medical_id, state=person.state,
            address={"street": address.get("street", ""), "street2": address.get("street2", ""),
                     "city": address.get("city", ""), "state": address.get("state", ""),
                     "zip": address.get("zip", "")}))
        values.update(status="Active", customerType=kind)
        if person.medical_id_expires:
            values["mmjidExpirationDate"] = f"{person.medical_id_expires.isoformat()}T00:00:00"
        if order.idempotency_key:
            values["idempotencyKey"] = f"{order.idempotency_key}:customer"
        return int(self._save_customer(0, values).pos_customer_id)

    # --- transactions -----------------------------------------------------------------------------
    def iter_transactions(self, since: datetime | None = None) -> Iterator[PosTransaction]:
        """GET /reporting/transactions with IncludeDetail. With `since`: what changed since then
        (FromLastModifiedDateUTC..now, so voids and returns come back). Without: the whole history by sale
        date, a month at a time from `history_start`. TransactionItem names no product, so lines get sku,
        name, category and brand from /reporting/products (read once per client)."""
        now = datetime.now(UTC)
        if since is not None:
            window = {"FromLastModifiedDateUTC": iso(since), "ToLastModifiedDateUTC": iso(now)}
            yield from self._transactions(window)
            return
        start = self.history_start
        while start < now:
            end = min(start + self.transaction_window, now)
            for sale in self._transactions({"FromDateUTC": iso(start), "ToDateUTC": iso(end)}):
                # Both ends of a window are inclusive: a sale exactly on a boundary belongs to the later one.
                if end == now or sale.occurred_at < end:
                    yield sale
            start = end

    def _transactions(self, window: dict) -> Iterator[PosTransaction]:
        params = {**window, "IncludeDetail": "true"}
        for sale in self.http.iter_json_array("/reporting/transactions", params=params):
            if isinstance(sale, dict):
                yield self._transaction(sale)

    def _transaction(self, sale: dict) -> PosTransaction:
        lookup = self._products_by_id() if sale.get("items") else {}
        lines = []
        for item in sale.get("items") or []:
            if not isinstance(item, dict):
                continue
            product_id = str(item.get("productId") or "")
            sku, name, category, brand = lookup.get(product_id, ("", "", "", ""))
            lines.append(SaleLine(pos_product_id=product_id, sku=sku, name=name, category=category, brand=brand,
                                  quantity=number(item.get("quantity")) or 0.0,
                                  unit_price=number(item.get("unitPrice")) or 0.0,
                                  discount=number(item.get("totalDiscount")) or 0.0))
        return PosTransaction(
            pos_transaction_id=str(sale.get("transactionId") or ""),
            pos_customer_id=str(sale.get("customerId") or ""),
            occurred_at=parse_datetime(sale.get("transactionDate")) or datetime.fromtimestamp(0, UTC),
            total=number(sale.get("total")) or 0.0,
            lines=lines,
            voided=bool(sale.get("isVoid")),
            loyalty_earned=number(sale.get("loyaltyEarned")) or 0.0,
            loyalty_spent=number(sale.get("loyaltySpent")) or 0.0,
            raw=sale,
        )

    def _products_by_id(self) -> dict[str, tuple[str, str, str, str]]:
        if self._product_lookup is None:
            lookup = {}
            try:
                for detail in self.http.iter_json_array("/reporting/products"):
                    if isinstance(detail, dict):
                        lookup[str(detail.get("productId"))] = (
                            str(detail.get("sku") or ""), str(detail.get("productName") or ""),
                            str(detail.get("category") or ""), str(detail.get("brandName") or "").strip())
            except PosError as error:
                # Names are a nicety on sale lines (catalog knows products by id): never lose the sales.
                logger.warning("Dutchie POS product names for sale lines unavailable: %s", error)
            self._product_lookup = lookup
        return self._product_lookup


# --- mapping Dutchie records onto records.py --------------------------------------------------------

def product_from_inventory(item: dict, detail: dict | None = None) -> PosProduct:
    """One InventoryItem (+ the ProductDetail fields it lacks). Malformed values (text quantity, null
    category, missing name) never stop the feed: what can be read is kept, the rest left empty, and catalog
    flags the record from `raw`."""
    detail = detail or {}
    labs = [_lab(row) for row in item.get("labResults") or [] if isinstance(row, dict)]
    rooms = {}
    for row in item.get("roomQuantities") or []:
        quantity = number(row.get("quantityAvailable")) if isinstance(row, dict) else None
        if isinstance(row, dict) and row.get("roomId") is not None and quantity is not None:
            rooms[str(row["roomId"])] = rooms.get(str(row["roomId"]), 0.0) + quantity
    raw = dict(item)
    if detail:
        raw["productDetail"] = detail  # kept beside the item for the product page's explanation (X3)
    return PosProduct(
        pos_product_id=str(item.get("productId") or ""),
        sku=str(item.get("sku") or ""),
        name=str(item.get("productName") or ""),
        brand=str(item.get("brandName") or "").strip(),
        category=str(item.get("category") or ""),
        strain=str(item.get("strain") or ""),
        strain_type=str(item.get("strainType") or ""),  # spelled as the POS spells it (F6 rules apply later)
        description=str(item.get("description") or ""),
        images=_images(item.get("imageUrl"), detail.get("imageUrls")),
        quantity=number(item.get("quantityAvailable")),
        room_quantities=rooms,
        price=number(item.get("unitPrice")),
        price_recreational=number(item.get("recUnitPrice")),
        price_medical=number(item.get("medUnitPrice")),
        unit_cost=number(item.get("unitCost")),  # /reporting/inventory only; never on the menu
        weight=number(item.get("unitWeight")),
        weight_unit=str(item.get("unitWeightUnit") or ""),
        quantity_units=str(item.get("quantityUnits") or ""),  # D5: Quantity -> price tiers, Gram -> weight tiers
        tiers=_tiers(detail.get("pricingTierData")),
        thc=next((lab for lab in labs if lab.name.strip().lower() in THC_TESTS), None),
        cbd=next((lab for lab in labs if lab.name.strip().lower() in CBD_TESTS), None),
        thc9=next((lab for lab in labs if lab.name.strip().lower() in THC9_TESTS), None),
        labs=labs,
        terpenes=[lab for lab in labs if is_terpene(lab.name)],
        flower_equivalent=number(item.get("flowerEquivalent")),  # D10: which one is used is a card setting
        rec_flower_equivalent=number(item.get("recFlowerEquivalent")),
        low_quantity_threshold=number(detail.get("lowInventoryThreshold")),
        medical_only=bool(item.get("medicalOnly")),
        modified_at=parse_datetime(item.get("lastModifiedDateUtc")),  # "Utc" on inventory, "UTC" elsewhere
        raw=raw,
    )


def product_from_detail(detail: dict) -> PosProduct:
    """One ProductDetail (GET /products): no stock, no labResults; potency is thcContent / cbdContent."""
    unit_type = str(detail.get("unitType") or "")
    return PosProduct(
        pos_product_id=str(detail.get("productId") or ""),
        sku=str(detail.get("sku") or ""),
        name=str(detail.get("productName") or ""),
        brand=str(detail.get("brandName") or "").strip(),
        category=str(detail.get("category") or ""),
        strain=str(detail.get("strain") or ""),
        strain_type=str(detail.get("strainType") or ""),
        description=str(detail.get("onlineDescription") or detail.get("description") or ""),
        images=_images(detail.get("imageUrl"), detail.get("imageUrls")),
        price=number(detail.get("price")),
        price_recreational=number(detail.get("recPrice")),
        price_medical=number(detail.get("medPrice")),
        unit_cost=number(detail.get("unitCost")),
        weight=number(detail.get("netWeight")),
        weight_unit=str(detail.get("netWeightUnit") or ""),
        # ProductDetail has no quantityUnits; a product sold in Grams has gram tiers (D5) [I].
        quantity_units="Gram" if unit_type.lower().startswith("gram") else ("Quantity" if unit_type else ""),
        tiers=_tiers(detail.get("pricingTierData")),
        thc=_content("THC", detail.get("thcContent"), detail.get("thcContentUnit")),
        cbd=_content("CBD", detail.get("cbdContent"), detail.get("cbdContentUnit")),
        flower_equivalent=number(detail.get("flowerEquivalent")),
        rec_flower_equivalent=number(detail.get("recFlowerEquivalent")),
        low_quantity_threshold=number(detail.get("lowInventoryThreshold")),
        medical_only=bool(detail.get("isMedicalOnly")),
        is_active=detail.get("isActive") is not False,
        modified_at=parse_datetime(detail.get("lastModifiedDateUTC")),
        raw=detail,
    )


@functools.lru_cache(maxsize=4096)  # a feed repeats a few dozen lab names on every item
def is_terpene(name: str) -> bool:
    text = name.strip()
    if not text or CANNABINOID.match(text) or text.lower() in THC9_TESTS:
        return False
    words = re.split(r"[\s\-]+", text.lower())
    return any(word in TERPENE_WORDS for word in words) or bool(TERPENE_SHAPE.search(text))


def _lab(row: dict) -> LabValue:
    # labResultUnit as Dutchie writes it ("Percentage", "Milligrams"...); D3's display mapping is catalog's.
    return LabValue(name=str(row.get("labTest") or ""), value=number(row.get("value")),
                    unit=str(row.get("labResultUnit") or ""))


def _content(name: str, value: Any, unit: Any) -> LabValue | None:
    amount = number(value)
    return None if amount is None else LabValue(name=name, value=amount, unit=str(unit or ""))


def _images(first: Any, others: Any) -> list[str]:
    """imageUrl then imageUrls, in order, each once (C7)."""
    images: list[str] = []
    for url in [first, *(others if isinstance(others, list) else [])]:
        if isinstance(url, str) and url.strip() and url.strip() not in images:
            images.append(url.strip())
    return images


def _tiers(rows: Any) -> list[Tier]:
    """pricingTierData [{startWeight, endWeight, price, medicalPrice}] (D5)."""
    tiers = []
    for row in rows if isinstance(rows, list) else []:
        price = number(row.get("price")) if isinstance(row, dict) else None
        if price is None:
            continue
        tiers.append(Tier(start=number(row.get("startWeight")) or 0.0, end=number(row.get("endWeight")),
                          price=price, medical_price=number(row.get("medicalPrice"))))
    return sorted(tiers, key=lambda tier: tier.start)


def customer_from_record(record: dict) -> PosCustomer:
    """A Customer (or CustomerSearchResult). Archived profiles are "Cancelled" or merged into another one
    (mergedIntoCustomerId): both become archived, mirrored by Mirror Archives (L17)."""
    merged = record.get("mergedIntoCustomerId")
    status = str(record.get("status") or "")
    return PosCustomer(
        pos_customer_id=str(record.get("customerId") or ""),
        first_name=str(record.get("firstName") or ""),
        last_name=str(record.get("lastName") or ""),
        phone=str(record.get("phone") or record.get("cellPhone") or ""),
        email=str(record.get("emailAddress") or ""),
        birth_date=_date(record.get("dateOfBirth")),
        gender=str(record.get("gender") or ""),
        address={"street": str(record.get("address1") or ""), "street2": str(record.get("address2") or ""),
                 "city": str(record.get("city") or ""), "state": str(record.get("state") or ""),
                 "zip": str(record.get("postalCode") or "")},
        medical_id=str(record.get("mmjidNumber") or ""),
        customer_type=str(record.get("customerType") or ""),  # a name ("Medical"), not an id
        state=str(record.get("state") or ""),
        discount_groups=[str(g) for g in record.get("discountGroups") or [] if g],
        is_loyalty_member=bool(record.get("isLoyaltyMember")),
        archived=status.lower() in ARCHIVED_STATUSES or bool(merged),
        merged_into=str(merged) if merged else "",
        created_at=parse_datetime(record.get("creationDate")),
        modified_at=parse_datetime(record.get("lastModifiedDateUTC")),
        raw=record,
    )


def customer_values(customer: PosCustomer) -> dict[str, Any]:
    """The EcomCustomerEdit fields we know, non-empty only (an update keeps Dutchie's other values)."""
    address = customer.address or {}
    values: dict[str, Any] = {
        "firstName": customer.first_name, "lastName": customer.last_name, "phone": customer.phone,
        "emailAddress": customer.email, "mmjidNumber": customer.medical_id, "gender": customer.gender,
        "customerType": customer.customer_type, "address1": address.get("street", ""),
        "address2": address.get("street2", ""), "city": address.get("city", ""),
        "state": address.get("state", "") or customer.state, "postalCode": address.get("zip", ""),
        "dateOfBirth": f"{customer.birth_date.isoformat()}T00:00:00" if customer.birth_date else "",
    }
    values = {key: value.strip() if isinstance(value, str) else value for key, value in values.items()}
    values = {key: value for key, value in values.items() if value}
    if customer.is_loyalty_member:
        values["isLoyaltyMember"] = True  # only ever enrolls: False may just mean "not known here"
    return values


# --- small helpers ------------------------------------------------------------------------------

def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _int_id(value: str, what: str) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise Refused(f"{text!r} is not a Dutchie {what} id (Dutchie's ids are numbers).",
                      f"Use the {what}'s Dutchie id.")
    return int(text)


def _whole(quantity: float) -> int | float:
    return int(quantity) if float(quantity).is_integer() else float(quantity)


def number(value: Any) -> float | None:
    """A number, or None when there is none to read (a text "12" is read; "twelve" is not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def parse_datetime(value: Any) -> datetime | None:
    """Dutchie's ISO 8601 dates; one without an offset is UTC (Dutchie's API dates are UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def iso(when: datetime) -> str:
    """ISO 8601 UTC with Z, as Dutchie's date parameters take them (`2024-01-15T10:30:00Z`), to the
    millisecond: a range ending "now" must not drop what changed earlier in the same second."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
