"""Which client speaks to which vendor, and each vendor's description: explicit dicts, no registration
by import side effect. Everything outside the vendor packages reads vendor facts from VENDORS."""
from .alleaves import AlleavesClient
from .base import PosClient
from .dutchie import DutchieClient
from .errors import EndpointNotAllowed
from .flowhub import FlowhubClient
from .records import ClientConfig
from .spec import ECOMMERCE, POS_SETTINGS, VendorSpec, union

CLIENTS: dict[str, type[PosClient]] = {cls.vendor: cls for cls in (DutchieClient, AlleavesClient, FlowhubClient)}
VENDORS: dict[str, VendorSpec] = {vendor: cls.spec for vendor, cls in CLIENTS.items()}


def client_for(vendor: str, config: ClientConfig) -> PosClient:
    """The vendor's client for one location. Every client is made here, so no credential is ever sent to an
    address the endpoint rules refuse, whatever was stored before the rules existed."""
    from django.core.exceptions import ValidationError

    from ..endpoints import check_endpoint

    try:
        check_endpoint(vendor, config.endpoint)
    except ValidationError as refused:
        raise EndpointNotAllowed(f"Canopy did not call {config.endpoint}: {' '.join(refused.messages)}",
                                 "Correct the API endpoint on the card, or leave it blank for the POS's own "
                                 "address.") from refused
    return CLIENTS[vendor](config)


def spec_for(vendor: str) -> VendorSpec:
    return VENDORS[vendor]


def vendor_choices() -> list[tuple[str, str]]:
    return [(spec.vendor, spec.label) for spec in VENDORS.values()]


# Across every vendor: the names the card model, form and API handle (each vendor's own are in its spec).
CREDENTIAL_FIELDS: tuple[str, ...] = union(n for s in VENDORS.values() for k in s.kinds.values() for n in k.credentials)
SETTING_FIELDS: tuple[str, ...] = union(
    [n for s in VENDORS.values() for k in s.kinds.values() for n in k.settings] + list(POS_SETTINGS))
SECRET_FIELDS: tuple[str, ...] = union(n for s in VENDORS.values() for k in s.kinds.values() for n in k.fields
                                       if n in s.sensitive)
HIDDEN_FIELDS: frozenset[str] = frozenset(n for s in VENDORS.values() for n in s.hidden)
CLIENT_FIELDS: tuple[str, ...] = union(n for s in VENDORS.values() for n in s.kinds[ECOMMERCE].client_fields)
