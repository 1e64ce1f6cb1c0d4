"""Dutchie POS client (formerly LeafLogix): ecommerce card (D1-D14) and marketing + loyalty card (L1-L28).

Contract: ../shared/reference/POS-APIS.md section 1 and the official OpenAPI (dutchie-appendix.md).
HTTP Basic with the location API key as the username and an empty password; each key belongs to one
location and carries permission "roles" (Inventory, Reporting, Customer, PreOrder, Room): a missing
role answers 403, a wrong key 401 with an empty body. Endpoints, field mapping and limits are listed
in docs/pos/dutchie.md. This module makes the calls; parse.py reads and writes Dutchie's JSON, http.py
holds Dutchie's limits and error words, connection.py Test Connection's checks of customer types and roles.
"""
import itertools
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..base import PosClient
from ..errors import Forbidden, PosError, Refused, Unauthorized
from ..http import RETRY_STATUSES, PosHttp
from ..jsonstream import digest_of
from ..records import (
    ClientConfig,
    ConnectionResult,
    KnownRecord,
    OrderStatus,
    PosCustomer,
    PosOrder,
    PosProduct,
    PosTransaction,
    PushResult,
    Room,
)
from .connection import check_customer_types, check_permissions
from .http import DutchieHttp, limit_for
from .packages import PackageSpool, by_product, combined_digest, merge_packages, product_id_of
from .parse import (
    ProductNames,
    customer_from_record,
    customer_values,
    detail_extras,
    editable_values,
    iso,
    order_customer_values,
    preorder_body,
    preorder_status,
    product_from_detail,
    product_from_inventory,
    product_names,
    ranked_matches,
    room_from_record,
    transaction_from_sale,
)
from .spec import SPEC

logger = logging.getLogger(__name__)

# Dutchie matches a retried /preorder/submit by ConsumerKey header + idempotencyKey body field. The
# ConsumerKey names the integrator, so it must stay the same across processes and restarts: a fixed GUID.
CONSUMER_KEY = str(uuid.uuid5(uuid.NAMESPACE_DNS, "dutchie.pos.canopy"))


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
        self._product_lookup: ProductNames | None = None

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
            return check_permissions(self.http, result)
        return check_customer_types(self.http, result, location_type)

    def _whoami(self) -> dict:
        if self._identity is None:
            identity = self.http.get_json("/whoami")
            self._identity = identity if isinstance(identity, dict) else {}
        return self._identity

    # --- rooms and inventory ------------------------------------------------------------------------
    def list_rooms(self) -> list[Room]:
        """GET /room/rooms (Room permission). Quarantine, vault and waiting rooms hold no sellable stock."""
        rows = self.http.get_json("/room/rooms") or []
        return [room for room in map(room_from_record, rows if isinstance(rows, list) else []) if room is not None]

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

    def iter_inventory(self, *, details_since: datetime | None = None,
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
                    digest = combined_digest(spool.digest(package) for package in packages)
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
            # The stock counted, as Alleaves' areas: packages of one product add up these (packages.py).
            product.quantity, product.room_quantities = sum(kept.values()), kept
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
            extra = detail_extras(detail)
            if extra or since is not None:
                details[str(detail.get("productId"))] = extra
        return details

    # --- pre-orders (C4, C5, D7, D9, D11) -----------------------------------------------------------
    def push_order(self, order: PosOrder) -> PushResult:
        """POST /preorder/submit. The customer is found (by medical ID, phone, email) or created first.
        With an idempotency key the POST may be retried: Dutchie returns the first order's id for the same
        ConsumerKey + idempotencyKey. Without one it is sent once, never retried."""
        for line in order.lines:
            if not str(line.pos_product_id).isdigit():
                raise Refused(f"Order {order.order_number} was not sent to Dutchie: product id "
                              f"{line.pos_product_id!r} is not a Dutchie productId.",
                              "Sync the menu again so the order's products carry their Dutchie ids.")
        body = preorder_body(order, self._customer_id_for(order))
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
        return self.order_status(str(order_id), "Cancelled", {"answer": answer})

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
                statuses.append(self.order_status(str(pos_order_id), "NotFound", {"error": error.message}))
                continue
            answer = preorder_status(answer, pos_order_id)
            statuses.append(self.order_status(str(pos_order_id), str(answer.get("status") or ""), answer))
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
        values = editable_values(current)
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
        for record in ranked_matches(results):
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
        values = order_customer_values(order, kind)
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
        return transaction_from_sale(sale, self._products_by_id() if sale.get("items") else None)

    def _products_by_id(self) -> ProductNames:
        if self._product_lookup is None:
            lookup = {}
            try:
                for detail in self.http.iter_json_array("/reporting/products"):
                    if isinstance(detail, dict):
                        lookup[str(detail.get("productId"))] = product_names(detail)
            except PosError as error:
                # Names are a nicety on sale lines (catalog knows products by id): never lose the sales.
                logger.warning("Dutchie POS product names for sale lines unavailable: %s", error)
            self._product_lookup = lookup
        return self._product_lookup


def _int_id(value: str, what: str) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise Refused(f"{text!r} is not a Dutchie {what} id (Dutchie's ids are numbers).",
                      f"Use the {what}'s Dutchie id.")
    return int(text)
