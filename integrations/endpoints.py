"""Where a card's credentials may be sent (R1, security): the vendor's own API, or an address an operator
allowed. A stored key must never be handed to whatever address a form or API call names.

Development (the default) allows any http(s) address, loopback included, so the sandbox POS and local test
servers on any port keep working. Production (CANOPY_MODE=production, or POS_ENDPOINTS_STRICT=true) allows
only https to the hosts the vendor's description names (spec.known_hosts) or to POS_ENDPOINT_ALLOWLIST, and
refuses private and loopback addresses unless they are on the allowlist.
"""
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from .pos.registry import VENDORS


def check_endpoint(vendor: str, url: str) -> None:
    """Raise ValidationError, in words, when a card of `vendor` may not send its credentials to `url`."""
    if not url:
        return  # blank: the vendor's own production address
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter a web address starting with https:// (or http:// for a test server).",
                              code="scheme")
    if not getattr(settings, "POS_ENDPOINTS_STRICT", False):
        return
    host = parts.hostname.lower()
    allowed = {h.lower() for h in getattr(settings, "POS_ENDPOINT_ALLOWLIST", [])}
    if host in allowed:
        return
    spec = VENDORS.get(vendor)
    if parts.scheme != "https":
        raise ValidationError("The POS's address must start with https://.", code="https")
    if _is_private(host):
        raise ValidationError("That address is inside a private network; Canopy only sends credentials to the "
                              "POS's own API. Ask your administrator to allow it if it is a test server.",
                              code="private")
    if spec is None or host not in spec.known_hosts:
        label = spec.label if spec else "the POS"
        raise ValidationError(f"That is not {label}'s API address. Leave it blank for the production address, or "
                              "ask your administrator to allow this host.", code="host")


def _is_private(host: str) -> bool:
    if host in ("localhost",) or host.endswith(".localhost") or host.endswith(".internal"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global
