"""What every sandbox endpoint does before and after its own work: authenticate the caller the
vendor's way, then apply the location's fault switch and rate limits, so a test or an onboarding
specialist sees exactly that fault on the wire."""
import json
import threading
import time
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from .. import jsonlimits
from .models import Fault, SandboxLocation


class VendorErrors:
    """How a vendor words its errors. Subclasses copy the real API's status codes and bodies.

    retry_after_on_rate_limit: whether the vendor's own limiter sends Retry-After (Flowhub sends no
        rate-limit headers at all); the 429 fault switches decide for themselves.
    """

    retry_after_on_rate_limit: bool = True

    def unauthorized(self) -> HttpResponse:
        return HttpResponse(status=401)

    def forbidden(self, detail: str = "") -> HttpResponse:
        return HttpResponse(status=403)

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        response = HttpResponse(status=429)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def server_error(self) -> HttpResponse:
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain")

    def rate_limit_for(self, request: HttpRequest) -> int:
        """Requests per minute allowed for this endpoint (per key); 0 = unlimited."""
        return 0


class _MinuteCounter:
    """Fixed one-minute windows per (location, endpoint), in this process: enough for a simulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple, tuple[int, int]] = {}

    def hit(self, key: tuple, limit: int) -> int | None:
        """Count a request; return seconds until the window resets when over the limit, else None."""
        now = time.time()
        minute = int(now // 60)
        with self._lock:
            window, count = self._windows.get(key, (minute, 0))
            if window != minute:
                window, count = minute, 0
            count += 1
            self._windows[key] = (window, count)
        if count > limit:
            return max(1, int((minute + 1) * 60 - now) + 1)
        return None

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


rate_counter = _MinuteCounter()


def _content(response: HttpResponse) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _truncate(response: HttpResponse) -> HttpResponse:
    """Half the body, then the server closes the connection: what a client sees when a proxy or
    the POS drops a response mid-transfer. No Content-Length is sent (the WSGI server may not close
    a keep-alive connection early), so the connection's end is the body's end."""
    body = _content(response)
    return StreamingHttpResponse(iter([body[: max(1, len(body) // 2)]]), status=response.status_code,
                                 content_type=response.get("Content-Type", "application/json"))


def _malformed(response: HttpResponse) -> HttpResponse:
    body = _content(response).decode()
    broken = body[: max(1, len(body) // 3)] + '{"unterminated": [1, 2,,}'
    return HttpResponse(broken, status=200, content_type=response.get("Content-Type", "application/json"))


def fault_applies(location: SandboxLocation, request: HttpRequest) -> bool:
    return bool(location.fault) and (not location.fault_endpoint or location.fault_endpoint in request.path)


def sandbox_endpoint(errors: VendorErrors, authenticate: Callable[..., SandboxLocation | HttpResponse]):
    """Wrap a vendor view `view(request, location, *args, **kwargs)`.

    `authenticate(request, **kwargs)` returns the caller's location or the vendor's own refusal.
    """

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            location = authenticate(request, **kwargs)
            if isinstance(location, HttpResponse):
                return location
            fault = location.fault if fault_applies(location, request) else Fault.NONE
            if fault == Fault.UNAUTHORIZED:
                return errors.unauthorized()
            if fault == Fault.FORBIDDEN:
                return errors.forbidden("sandbox fault")
            if fault == Fault.RATE_LIMITED:
                return errors.rate_limited(errors.rate_limit_for(request) or 120, location.retry_after_seconds)
            if fault == Fault.RATE_LIMITED_NO_RETRY_AFTER:
                return errors.rate_limited(errors.rate_limit_for(request) or 120, None)
            if fault == Fault.SERVER_ERROR:
                return errors.server_error()
            if location.enforce_rate_limits and (limit := errors.rate_limit_for(request)):
                wait = rate_counter.hit((location.pk, request.method, request.path), limit)
                if wait is not None:
                    return errors.rate_limited(limit, wait if errors.retry_after_on_rate_limit else None)
            if fault == Fault.SLOW:
                time.sleep(location.slow_seconds)
            response = view(request, location, *args, **kwargs)
            if fault == Fault.MALFORMED_JSON:
                return _malformed(response)
            if fault == Fault.TRUNCATED:
                return _truncate(response)
            return response

        return wrapped

    return decorator


def json_body(request: HttpRequest):
    """The request's JSON body, or None when it is missing or not JSON (nested too deeply included)."""
    try:
        return jsonlimits.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def stream_json_array(items) -> StreamingHttpResponse:
    """A JSON array written item by item, so a 100,000-product feed never sits in memory whole."""

    def chunks():
        yield "["
        first = True
        batch = []
        for item in items:
            batch.append(("" if first else ",") + json.dumps(item, separators=(",", ":")))
            first = False
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        yield "".join(batch) + "]"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
