"""The few things that go wrong talking to a POS, each with a plain-words message and the fix (R11).

Messages never contain credentials: they name the endpoint and the status, not the key.
"""


class PosError(Exception):
    """Base class. `message` says what happened, `fix` what the store can do about it."""

    category = "error"
    fix = ""

    def __init__(self, message: str, fix: str = "", *, status: int | None = None, url: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix or self.fix
        self.status = status
        self.url = url

    def __str__(self) -> str:
        return f"{self.message} {self.fix}".strip()

    def as_dict(self) -> dict:
        return {"category": self.category, "message": self.message, "fix": self.fix, "status": self.status}


class Unauthorized(PosError):
    category = "unauthorized"
    fix = ("Check the API key (or username and password) on the card: it may be wrong, expired, or lack a "
           "permission. Ask the POS for a new key if needed.")


class Forbidden(PosError):
    category = "forbidden"

    def __init__(self, message: str, fix: str = "", *, missing_roles: list[str] | None = None, **kwargs):
        self.missing_roles = list(missing_roles or [])
        if not fix and self.missing_roles:
            fix = f"Ask the POS to give this key the {', '.join(self.missing_roles)} permission(s)."
        super().__init__(message, fix or "Ask the POS to give this key the permission it needs.", **kwargs)


class RateLimited(PosError):
    category = "rate_limited"
    fix = "Canopy waits and resumes by itself; nothing to do unless this keeps happening."

    def __init__(self, message: str, fix: str = "", *, retry_after: float | None = None, **kwargs):
        self.retry_after = retry_after
        super().__init__(message, fix, **kwargs)


class Unreachable(PosError):
    category = "unreachable"
    fix = ("Check the card's API endpoint address, that the POS is up, and that no firewall blocks Canopy's "
           "servers.")


class Timeout(PosError):
    category = "timeout"
    fix = "The POS is slow or overloaded; Canopy retries at the next sync. If it persists, contact the POS."


class BadResponse(PosError):
    category = "bad_response"
    fix = "The POS answered with something Canopy cannot read; it retries at the next sync. Contact the POS if " \
          "it persists."


class Refused(PosError):
    """The POS understood the request and said no (a 400/404/422 with its reason): retrying won't help."""

    category = "refused"
    fix = "Correct what the POS names and try again."


class EndpointNotAllowed(PosError):
    """The card's API address is not one its credentials may be sent to (integrations/endpoints.py)."""

    category = "endpoint"


class UnsupportedFeature(PosError):
    """The vendor's API has no such operation (anymail's unsupported_feature)."""

    category = "unsupported"
