"""The HTTP layer every POS client shares: one requests.Session per card, connect/read timeouts, a
client-side rate limiter sized to the vendor's documented limits, retries with exponential backoff
and jitter that honour Retry-After, and typed errors (errors.py) instead of status codes.

Non-idempotent requests (POST, PATCH) are never retried automatically unless the caller says the
request carries an idempotency key: a retried order push must not create a second order.
"""
import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ijson
import requests

from . import jsonstream
from .errors import BadResponse, Forbidden, PosError, RateLimited, Refused, Timeout, Unauthorized, Unreachable
from .jsonstream import JsonRecord

logger = logging.getLogger(__name__)

RETRY_STATUSES = {429, 502, 503, 504}
IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


@dataclass
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    backoff_base: float = 0.5  # seconds; doubles each retry, with full jitter
    backoff_max: float = 30.0
    # A Retry-After longer than this is not waited out in-process: the error goes to the sync engine,
    # which resumes at the next run.
    max_retry_after: float = 120.0


class MinuteRateLimiter:
    """Sliding one-minute window per endpoint, so a card never exceeds the vendor's published limit."""

    def __init__(self, limit_for: Callable[[str, str], int], clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self._limit_for, self._clock, self._sleep = limit_for, clock, sleep
        self._lock = threading.Lock()
        self._sent: dict[str, list[float]] = {}

    def wait(self, method: str, path: str) -> float:
        """Block until a request to `path` is within the limit; return the seconds waited."""
        limit = self._limit_for(method, path)
        if not limit:
            return 0.0
        waited = 0.0
        key = f"{method} {path}"
        while True:
            with self._lock:
                now = self._clock()
                sent = [t for t in self._sent.get(key, []) if now - t < 60]
                if len(sent) < limit:
                    sent.append(now)
                    self._sent[key] = sent
                    return waited
                delay = 60 - (now - sent[0]) + 0.01
                self._sent[key] = sent
            self._sleep(delay)
            waited += delay


@dataclass
class PosHttp:
    """HTTP for one card. `vendor` names the POS in messages; `limit_for(method, path)` gives the
    vendor's requests-per-minute for an endpoint (0 = unlimited)."""

    base_url: str
    vendor: str
    limit_for: Callable[[str, str], int] = lambda method, path: 0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)
    # Statuses worth another try (for GETs, and POSTs that carry an idempotency key); a vendor whose 500s
    # are transient (Dutchie) adds 500.
    retry_statuses: frozenset[int] = frozenset(RETRY_STATUSES)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.limiter = MinuteRateLimiter(self.limit_for, sleep=self.sleep)
        self.session.headers.setdefault("User-Agent", "Canopy/1.0 (+POS integration)")

    # ------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, idempotency_key: bool = False, stream: bool = False,
                retry: RetryPolicy | None = None, **kwargs: Any) -> requests.Response:
        """Send a request and return the response of a 2xx answer; raise a PosError otherwise."""
        method = method.upper()
        policy = retry or self.retry
        can_retry = method in IDEMPOTENT_METHODS or idempotency_key
        url = self.base_url + path
        kwargs.setdefault("timeout", (self.connect_timeout, self.read_timeout))
        for attempt in range(1, policy.attempts + 1):
            self.limiter.wait(method, path)
            started = time.monotonic()
            try:
                response = self.session.request(method, url, stream=stream, **kwargs)
            except requests.Timeout as error:
                failure: PosError = Timeout(
                    f"{self.vendor} did not answer {method} {path} within {kwargs['timeout'][1]:g} seconds.",
                    url=url)
                cause: Exception = error
            except requests.ConnectionError as error:
                failure = Unreachable(f"Could not connect to {self.vendor} at {self.base_url}: the connection "
                                      "was refused or the address does not answer.", url=url)
                cause = error
            else:
                elapsed = time.monotonic() - started
                logger.info("%s %s %s -> %s in %.2fs", self.vendor, method, path, response.status_code, elapsed)
                if response.status_code < 400:
                    return response
                failure = self._error_for(response, method, path)
                cause = None
                if response.status_code not in self.retry_statuses:
                    raise failure
            if not can_retry or attempt == policy.attempts:
                raise failure from cause
            delay = self._delay(policy, attempt, getattr(failure, "retry_after", None))
            if delay is None:
                raise failure from cause
            logger.warning("%s %s %s failed (%s); retry %d in %.1fs", self.vendor, method, path,
                           failure.category, attempt, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.parse_json(self.request("GET", path, **kwargs))

    def parse_json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except requests.exceptions.ChunkedEncodingError as error:
            raise BadResponse(f"{self.vendor}'s answer was cut off before it was complete.",
                              status=response.status_code, url=response.url) from error
        except ValueError as error:
            body = response.content
            where = "ended before the document was complete" if _looks_truncated(body) else "is not valid JSON"
            raise BadResponse(f"{self.vendor}'s answer to {response.request.method} {_path(response)} {where}.",
                              status=response.status_code, url=response.url) from error

    def iter_json_array(self, path: str, prefix: str = "item", *, method: str = "GET",
                        **kwargs: Any) -> Iterator[Any]:
        """Stream a (possibly huge) JSON array item by item, never holding it whole (Dutchie /inventory).
        `method="POST"` (with `json=`) streams a search answered by POST (Alleaves /inventory/search)."""
        for record in self.iter_json_records(path, prefix, method=method, **kwargs):
            yield record.value

    def iter_json_records(self, path: str, prefix: str = "item", *, method: str = "GET",
                          known: Callable[[str], bool] | None = None,
                          trusted: Callable[[bytes], Any] | None = None, **kwargs: Any) -> Iterator[JsonRecord]:
        """iter_json_array's items as JsonRecords: each with the digest of its bytes as sent, and left
        unparsed (value None, known True) when `known(digest)` says the caller already holds it, or
        (with their bytes, vouched True) when `trusted(bytes)` vouches for them (jsonstream.iter_records)."""
        method = method.upper()
        response = self.request(method, path, stream=True, **kwargs)
        try:
            yield from jsonstream.iter_records(response.iter_content(jsonstream.CHUNK), known, prefix, trusted)
        except ijson.IncompleteJSONError as error:
            # The yajl backends raise IncompleteJSONError for every parse error: only "premature EOF"
            # (yajl) or "Incomplete JSON content" (python backend) means the body was cut short.
            cut_short = "premature EOF" in str(error) or "Incomplete JSON" in str(error)
            where = "ended before the document was complete" if cut_short else "is not valid JSON"
            raise BadResponse(f"{self.vendor}'s answer to {method} {path} {where}.",
                              status=response.status_code, url=response.url) from error
        except (ijson.JSONError, ValueError) as error:
            raise BadResponse(f"{self.vendor}'s answer to {method} {path} is not valid JSON.",
                              status=response.status_code, url=response.url) from error
        except requests.exceptions.RequestException as error:
            raise BadResponse(f"{self.vendor}'s answer to {method} {path} was cut off before it was complete.",
                              status=response.status_code, url=response.url) from error
        finally:
            response.close()

    # ------------------------------------------------------------------------------------------
    def _error_for(self, response: requests.Response, method: str, path: str) -> PosError:
        status, url = response.status_code, response.url
        if status == 401:
            return Unauthorized(f"{self.vendor} refused the credentials (401) for {method} {path}.",
                                status=status, url=url)
        if status == 403:
            return Forbidden(f"{self.vendor} says this key may not use {method} {path} (403).",
                             status=status, url=url)
        if status == 429:
            return RateLimited(f"{self.vendor} asked Canopy to slow down (429) on {method} {path}.",
                               retry_after=_retry_after(response), status=status, url=url)
        if status >= 500:
            return BadResponse(f"{self.vendor} had an internal error ({status}) on {method} {path}.",
                               status=status, url=url)
        return Refused(f"{self.vendor} refused {method} {path} ({status}): {_reason(response)}",
                       status=status, url=url)

    def _delay(self, policy: RetryPolicy, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return retry_after if retry_after <= policy.max_retry_after else None
        ceiling = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # full jitter: many cards never retry in step


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


EXCERPT = 120  # characters of a POS's own words kept in a message (and so in a run or a card's last test)


def excerpt(text: str) -> str:
    """A short, plain excerpt of what a POS said: no markup, no control characters, at most EXCERPT long.
    A message is shown and stored, so an unexpected page behind the address is never echoed whole."""
    plain = re.sub(r"<[^>]*>", " ", text or "")
    plain = " ".join("".join(c if c.isprintable() else " " for c in plain).split())
    return plain[:EXCERPT] + ("..." if len(plain) > EXCERPT else "") if plain else "no reason given"


def _reason(response: requests.Response) -> str:
    """The POS's own words for a refusal, from the body shapes the vendors use, as a short excerpt."""
    return excerpt(_raw_reason(response))


def _raw_reason(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "its answer was not JSON" if len(response.text or "") > EXCERPT else (response.text or "")
    if isinstance(body, dict):
        for key in ("message", "Message", "error", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key][:300]
        errors = body.get("errors") or body.get("propertyErrors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, dict):
                return str(first.get("errorMessage") or first.get("propertyError") or first)[:300]
    if isinstance(body, str):
        return body[:300]
    return "no reason given"


def _looks_truncated(body: bytes) -> bool:
    text = body.strip()
    return bool(text) and text[-1:] not in (b"}", b"]", b'"') and text[:1] in (b"{", b"[")


def _path(response: requests.Response) -> str:
    return requests.utils.urlparse(response.url).path
