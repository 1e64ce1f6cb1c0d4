"""What every Alleaves view shares: its {"message"} error bodies (Alleaves publishes no error schema and
no rate limits), the login and the JWTs it hands out, Bearer authentication, one path per HTTP method,
and the request checks."""
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ...faults import VendorErrors, json_body, sandbox_endpoint
from ...models import SandboxLocation, SandboxToken


def error_response(status: int, message: str, **extra) -> JsonResponse:
    # Alleaves' error schema is not public ("not found" in the reference): we answer {"message": ...}.
    return JsonResponse({"message": message, **extra}, status=status)


# --- JWT ------------------------------------------------------------------------------------------
def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt_secret() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"sandbox-alleaves-jwt", hashlib.sha256).digest()


def make_jwt(payload: dict) -> str:
    """An HS256 JWT (PyJWT is not a dependency, and the format is three base64url parts)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(_jwt_secret(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


def user_id(location: SandboxLocation) -> int:
    return 1000 + location.pk


def issue_token(location: SandboxLocation, ttl_seconds: int | None = None) -> SandboxToken:
    """Store a new login token; `ttl_seconds` defaults to the location's token_ttl_seconds
    (a negative value makes an already-expired token, for tests)."""
    ttl = location.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    now = int(time.time())
    token = make_jwt({"id_user": user_id(location), "username": location.username, "id_company": 1000,
                      "id_location": int(location.location_id), "jti": secrets.token_hex(8),
                      "iat": now, "exp": now + ttl})
    return SandboxToken.objects.create(location=location, token=token,
                                       expires_at=timezone.now() + timedelta(seconds=ttl))


# --- errors and authentication --------------------------------------------------------------------
class AlleavesErrors(VendorErrors):
    """Alleaves publishes no error schema and no rate limits: {"message"} bodies, no limits."""

    def unauthorized(self) -> HttpResponse:
        return error_response(401, "Unauthorized")

    def forbidden(self, detail: str = "") -> HttpResponse:
        return error_response(403, "Forbidden" + (f": {detail}" if detail else ""))

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        response = error_response(429, "Too many requests")
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def server_error(self) -> HttpResponse:
        return error_response(500, "Internal server error")

    def rate_limit_for(self, request: HttpRequest) -> int:
        return 0


ERRORS = AlleavesErrors()


def authenticate_login(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """POST /auth: username + password (+ pin when the location has one)."""
    body = json_body(request)
    if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
        return error_response(400, "username and password are required")
    location = SandboxLocation.objects.filter(vendor="alleaves", username=str(body["username"])).first()
    ok = location is not None and hmac.compare_digest(location.password, str(body["password"]))
    if ok and location.pin:
        ok = hmac.compare_digest(location.pin, str(body.get("pin") or ""))
    if not ok:
        return error_response(401, "Invalid username or password")
    return location


def authenticate_bearer(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Every other endpoint: `Authorization: Bearer <JWT from /auth>`; unknown or expired -> 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "No authorization token was found")
    stored = SandboxToken.objects.select_related("location").filter(token=token.strip()).first()
    if stored is None or stored.location.vendor != "alleaves":
        return error_response(401, "Invalid token")
    if stored.expires_at <= timezone.now():
        return error_response(401, "Token expired")
    return stored.location


# --- routing and request checks -------------------------------------------------------------------
def methods(**views: Callable) -> Callable:
    """Route one path to a view per HTTP method; anything else is 405."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args, **kwargs):
        view = views.get(request.method.lower())
        if view is None:
            return error_response(405, f"Cannot {request.method} {request.path}")
        return view(request, *args, **kwargs)

    return dispatch


def location_mismatch(location: SandboxLocation, id_location: object) -> HttpResponse | None:
    if str(id_location) != location.location_id:
        return ERRORS.forbidden(f"user has no access to location {id_location}")
    return None


def positive_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


# The two ways in: the login itself, and every other endpoint with its token.
login_endpoint = sandbox_endpoint(ERRORS, authenticate_login)
bearer_endpoint = sandbox_endpoint(ERRORS, authenticate_bearer)
