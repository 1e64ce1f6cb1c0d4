"""Which client speaks to which vendor, and each vendor's description: explicit dicts, no registration
by import side effect. Everything outside the vendor packages reads vendor facts from VENDORS."""
from .alleaves import AlleavesClient
from .base import PosClient
from .dutchie import DutchieClient
from .flowhub import FlowhubClient
from .records import ClientConfig
from .spec import ECOMMERCE, POS_SETTINGS, VendorSpec, union

CLIENTS: dict[str, type[PosClient]] = {cls.vendor: cls for cls in (DutchieClient, AlleavesClient, FlowhubClient)}
VENDORS: dict[str, VendorSpec] = {vendor: cls.spec for vendor, cls in CLIENTS.items()}


def client_for(vendor: str, config: ClientConfig) -> PosClient:
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
CLIENT_FIELDS: tuple[str, ...] = union(n for s in VENDORS.values() for n in s.kinds[ECOMMERCE].client_fields)
