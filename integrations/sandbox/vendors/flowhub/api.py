"""What every Flowhub view shares: Flowhub's refusals (plain-text auth errors, no rate-limit headers),
the two kinds of credential (clientId + key headers for data, a Bearer token for Order Ahead), and the
v1 date filters and paging."""
import re
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from ...faults import VendorErrors, json_body, sandbox_endpoint
from ...models import SandboxLocation, SandboxToken, Vendor
from .reference import place

# The yyyy-mm-dd dates the v1 filters and customer fields take.
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ~59 req/s has been seen to trigger 429 (reference); 3000/min is just under that.
REQUESTS_PER_MINUTE = 3000
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 100, 1000


# --- errors and auth ------------------------------------------------------------------------------
def _request_id(response: HttpResponse) -> HttpResponse:
    # Flowhub errors may carry an `x-request-id` header (reference); ours always do.
    response["x-request-id"] = str(uuid.uuid4())
    return response


class FlowhubErrors(VendorErrors):
    """Flowhub answers auth failures with a plain-text `Unauthorized` and sends no rate-limit headers,
    not even on 429 (reference section 2)."""

    per_minute = REQUESTS_PER_MINUTE
    # The enforced limit never tells the caller when to come back; the 429-with-Retry-After fault still does.
    retry_after_on_rate_limit = False

    def unauthorized(self) -> HttpResponse:
        return _request_id(HttpResponse("Unauthorized", status=401, content_type="text/plain"))

    def forbidden(self, detail: str = "") -> HttpResponse:
        return _request_id(HttpResponse("Forbidden", status=403, content_type="text/plain"))

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        response = _request_id(HttpResponse("Too Many Requests", status=429, content_type="text/plain"))
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def server_error(self) -> HttpResponse:
        return _request_id(super().server_error())

    def rate_limit_for(self, request: HttpRequest) -> int:
        return self.per_minute


ERRORS = FlowhubErrors()


def error_response(status: int, message: str) -> JsonResponse:
    # Flowhub's error bodies are not documented; we answer {"status", "message"} like the v0 envelope [I].
    return _request_id(JsonResponse({"status": status, "message": message}, status=status))


def _key_location(request: HttpRequest) -> SandboxLocation | None:
    client_id, key = request.headers.get("clientId", ""), request.headers.get("key", "")
    if not client_id or not key:
        return None
    return SandboxLocation.objects.filter(vendor=Vendor.FLOWHUB, client_id=client_id, api_key=key).first()


def _bearer_location(request: HttpRequest) -> SandboxLocation | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = (SandboxToken.objects.select_related("location")
             .filter(token=header[7:].strip(), location__vendor=Vendor.FLOWHUB).first())
    if token is None or token.expires_at <= timezone.now():
        return None
    return token.location


def key_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Data endpoints: `clientId` + `key` headers (case-insensitive names)."""
    return _key_location(request) or ERRORS.unauthorized()


def bearer_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Order Ahead endpoints: `Authorization: Bearer <token from /oauth/token>`."""
    return _bearer_location(request) or ERRORS.unauthorized()


def any_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """/authTest accepts either kind of credential."""
    return _key_location(request) or _bearer_location(request) or ERRORS.unauthorized()


def health_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """/health needs no credentials; with credentials, the location's fault switches apply to it too."""
    return _key_location(request) or _bearer_location(request) or HttpResponse("OK", content_type="text/plain")


def token_auth(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Auth0 client-credentials grant: the Order Ahead client id and secret in a JSON (or form) body."""
    body = json_body(request)
    if not isinstance(body, dict):
        body = request.POST.dict()
    if body.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "unsupported_grant_type",
                             "error_description": f"Grant type '{body.get('grant_type')}' not allowed for the client."},
                            status=403)
    location = SandboxLocation.objects.filter(
        vendor=Vendor.FLOWHUB, order_ahead_client_id=body.get("client_id") or "-",
        order_ahead_token=body.get("client_secret") or "-").first()
    return location or JsonResponse({"error": "access_denied", "error_description": "Unauthorized"}, status=401)


key_endpoint = sandbox_endpoint(ERRORS, key_auth)
bearer_endpoint = sandbox_endpoint(ERRORS, bearer_auth)


# --- records and v1 paging ------------------------------------------------------------------------
def client_locations_of(location: SandboxLocation) -> QuerySet:
    """Every location of the caller's client: one key sees all of its client's stores."""
    return SandboxLocation.objects.filter(vendor=Vendor.FLOWHUB, client_id=location.client_id).order_by("pk")


def _parse_day(name: str, value: str | None) -> date | None | HttpResponse:
    if value in (None, ""):
        return None
    try:
        if not DATE_RE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        # The real API answers a full timestamp with 404 "...must be in format yyyy-mm-dd" (reference).
        return error_response(404, f"{name} must be in format yyyy-mm-dd")


def filtered_page(request: HttpRequest, location: SandboxLocation, records: QuerySet, *,
                  updated: bool) -> tuple[int, list[dict]] | HttpResponse:
    """Apply the v1 date filters (store-local days, inclusive), order_by and page/page_size.
    Returns (total, [data]) or an error response."""
    tz = ZoneInfo(place(location)[3])
    bounds = [("created_after", "occurred_at__gte", 0), ("created_before", "occurred_at__lt", 1)]
    if updated:
        bounds += [("updated_after", "modified_at__gte", 0), ("updated_before", "modified_at__lt", 1)]
    for name, lookup, day_offset in bounds:
        day = _parse_day(name, request.GET.get(name))
        if isinstance(day, HttpResponse):
            return day
        if day is not None:
            records = records.filter(**{lookup: datetime.combine(day + timedelta(days=day_offset), time(), tz)})
    order_by = request.GET.get("order_by", "asc")
    if order_by not in ("asc", "desc"):
        return error_response(400, "order_by must be asc or desc")
    try:
        page = int(request.GET.get("page", 1))
        page_size = int(request.GET.get("page_size", PAGE_SIZE_DEFAULT))
    except ValueError:
        return error_response(400, "page and page_size must be integers")
    if page < 1 or not 1 <= page_size <= PAGE_SIZE_MAX:
        return error_response(400, f"page must be >= 1 and page_size between 1 and {PAGE_SIZE_MAX}")
    records = records.order_by("occurred_at", "id") if order_by == "asc" else records.order_by("-occurred_at", "-id")
    total = records.count()
    start = (page - 1) * page_size
    return total, list(records.values_list("data", flat=True)[start:start + page_size])
