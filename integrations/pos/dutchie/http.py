"""Dutchie's HTTP specifics: its published rate limits, the permission (role) each path needs, and its
error bodies, so a 403 names the missing role and a 400 carries Dutchie's own reason (R11)."""
import requests

from ..errors import Forbidden, PosError, Refused
from ..http import PosHttp

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
