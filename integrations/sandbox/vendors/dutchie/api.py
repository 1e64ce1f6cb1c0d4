"""What every Dutchie view shares: Dutchie's refusals and rate limits, HTTP Basic auth with the location
API key and its roles, query parameters bound the ASP.NET way, and the stored-record queries."""
import base64
import binascii
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.dateparse import parse_datetime

from ...faults import VendorErrors, sandbox_endpoint, stream_json_array
from ...models import SandboxLocation, SandboxRecord

# For endpoints any valid key may call, whatever its roles.
ANY_ROLE = "any"


# --- errors ---------------------------------------------------------------------------------------
class DutchieErrors(VendorErrors):
    """Dutchie's refusals: 401 and 403 with empty bodies (D1 gives no 403 body; we keep it empty), the
    429 body with the endpoint's own number, and the per-key, per-endpoint, per-minute limits of D2/D1."""

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        trace = f"0HM{secrets.token_hex(5).upper()}:{secrets.randbelow(10 ** 8):08d}"
        response = JsonResponse({"Message": f"Too many requests - only {limit} per minute allowed",
                                 "TraceId": trace}, status=429)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def rate_limit_for(self, request: HttpRequest) -> int:
        endpoint = "/" + request.path.split("/dutchie/", 1)[-1].strip("/").lower()
        exact = {"/inventory": 200, "/whoami": 200, "/reporting/transactions": 600, "/reporting/customers": 600,
                 "/customer/customer": 1500, "/customer/search": 360, "/preorder/cancel": 240,
                 "/preorder/price-cart": 240, "/reporting/loyalty-snapshot": 1}
        if endpoint in exact:
            return exact[endpoint]
        if endpoint.startswith("/reporting/"):
            return 60
        return 120


ERRORS = DutchieErrors()


def _basic_api_key(request: HttpRequest) -> str | None:
    """The username of an HTTP Basic header (the location API key); the password is ignored."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def _authenticator(role: str):
    """Authenticate by API key, then require the key's role for this endpoint (403 when missing)."""

    def authenticate(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
        api_key = _basic_api_key(request)
        location = SandboxLocation.objects.filter(vendor="dutchie", api_key=api_key).first() if api_key else None
        if location is None:
            return ERRORS.unauthorized()
        if role != ANY_ROLE and role not in (location.roles or []):
            return ERRORS.forbidden(f"missing role {role}")
        return location

    return authenticate


def role_endpoint(role: str, method: str = "GET") -> Callable[[Callable], Callable]:
    """sandbox_endpoint (faults, rate limits) around a view, plus the HTTP method check."""

    def decorator(view):
        def checked(request, location, *args, **kwargs):
            if request.method != method:
                return HttpResponseNotAllowed([method])
            return view(request, location, *args, **kwargs)

        checked.__name__ = view.__name__
        return sandbox_endpoint(ERRORS, _authenticator(role))(checked)

    return decorator


# --- query parameters -----------------------------------------------------------------------------
class BadParam(Exception):
    def __init__(self, name: str, value: str):
        super().__init__(f"The value '{value}' is not valid for {name}.")
        self.name, self.value = name, value


def bad_request(message: str, errors: list[tuple[str, str]] = ()) -> JsonResponse:
    """Most Dutchie 400s: BadRequestResponse {message, propertyErrors[{propertyName, propertyError}]}."""
    property_errors = [{"propertyName": name, "propertyError": error} for name, error in errors] or None
    return JsonResponse({"message": message, "propertyErrors": property_errors}, status=400)


def bad_params(view: Callable) -> Callable:
    """Turn a malformed query parameter into Dutchie's usual 400 BadRequestResponse."""

    def wrapped(request, location, *args, **kwargs):
        try:
            return view(request, location, *args, **kwargs)
        except BadParam as error:
            return bad_request("One or more validation errors occurred.", [(error.name, str(error))])

    wrapped.__name__ = view.__name__
    return wrapped


def param(request: HttpRequest, name: str) -> str | None:
    # ASP.NET binds query parameters case-insensitively.
    for key, value in request.GET.items():
        if key.lower() == name.lower() and value != "":
            return value
    return None


def bool_param(request: HttpRequest, name: str, default: bool | None = False) -> bool | None:
    value = param(request, name)
    if value is None:
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadParam(name, value)


def int_param(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    value = param(request, name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadParam(name, value) from None


def datetime_param(request: HttpRequest, name: str) -> datetime | None:
    value = param(request, name)
    if value is None:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise BadParam(name, value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # Dutchie dates are UTC


def records(location: SandboxLocation, kind: str) -> QuerySet:
    return SandboxRecord.objects.filter(location=location, kind=kind, deleted=False).order_by("position", "id")


def stream(queryset: QuerySet, render: Callable[[dict], dict | None]) -> HttpResponse:
    """Stream stored records through `render` (None drops a record), in chunks, memory flat."""
    rows = queryset.values_list("data", flat=True).iterator(chunk_size=2000)
    return stream_json_array(item for item in map(render, rows) if item is not None)


def stream_many(queryset: QuerySet, render: Callable[[dict], list[dict]]) -> HttpResponse:
    """stream() for renders that make several items of one record (a product's packages), or none."""
    rows = queryset.values_list("data", flat=True).iterator(chunk_size=2000)
    return stream_json_array(item for items in map(render, rows) for item in items)


def modified_between(queryset: QuerySet, start: datetime | None, end: datetime | None) -> QuerySet:
    if start is not None:
        queryset = queryset.filter(modified_at__gte=start)
    if end is not None:
        queryset = queryset.filter(modified_at__lte=end)
    return queryset
