"""Dutchie's Test Connection checks beyond the location lookup: the customer types a store needs shown (D2)
and, for the loyalty card, the permissions (roles) its key needs (L1). Each adds to the ConnectionResult in
words a store can act on (R11)."""
from datetime import UTC, datetime, timedelta

from ..errors import Forbidden, PosError, Unauthorized
from ..http import PosHttp
from ..records import ConnectionResult
from .parse import iso, missing_customer_types

# L1: what the loyalty program reads, and the cheapest call that proves the key's role for it. /products
# and /inventory share the Inventory role, so one probe covers both: /products changed since "now" is
# (nearly) empty, where /inventory has no filter and no paging and can be 100,000 items.
LOYALTY_PROBES = (
    ("Customer", "customers", "/customer/customers-paginated", lambda now: {"PageNumber": 0, "PageSize": 1}),
    ("Reporting", "transactions", "/reporting/transactions",
     lambda now: {"FromDateUTC": iso(now - timedelta(minutes=1)), "ToDateUTC": iso(now)}),
    ("Inventory", "products, inventory", "/products", lambda now: {"fromLastModifiedDateUTC": iso(now)}),
)


def check_customer_types(http: PosHttp, result: ConnectionResult, location_type: str) -> ConnectionResult:
    """D2. The connection works either way, so `ok` stays True: missing types are a warning the card
    shows (orders and signups of those customers cannot be typed right), not a failed connection."""
    try:
        types = http.get_json("/customer/customer-types")
    except Forbidden:
        result.message += (" Could not check the customer types (D2): this key lacks the Customer "
                           "permission.")
        result.details["customer_types_checked"] = False
        return result
    except PosError as error:
        result.message += f" Could not check the customer types (D2): {error.message}"
        result.details["customer_types_checked"] = False
        return result
    shown, missing, missing_optional = missing_customer_types(types, location_type)
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


def check_permissions(http: PosHttp, result: ConnectionResult) -> ConnectionResult:
    """L1: one cheap call per permission the loyalty program needs; a 403 means the role is missing."""
    now = datetime.now(UTC)
    missing, unchecked = [], []
    for role, data, path, params in LOYALTY_PROBES:
        try:
            http.request("GET", path, params=params(now), stream=True).close()
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


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
