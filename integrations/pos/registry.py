"""Which client speaks to which vendor, and each vendor's description: explicit dicts, no registration
by import side effect. Everything outside the vendor packages reads vendor facts from VENDORS."""
from .alleaves import AlleavesClient
from .base import PosClient
from .dutchie import DutchieClient
from .flowhub import FlowhubClient
from .records import ClientConfig
from .spec import VendorSpec

CLIENTS: dict[str, type[PosClient]] = {cls.vendor: cls for cls in (DutchieClient, AlleavesClient, FlowhubClient)}
VENDORS: dict[str, VendorSpec] = {vendor: cls.spec for vendor, cls in CLIENTS.items()}


def client_for(vendor: str, config: ClientConfig) -> PosClient:
    return CLIENTS[vendor](config)


def spec_for(vendor: str) -> VendorSpec:
    return VENDORS[vendor]


def vendor_choices() -> list[tuple[str, str]]:
    return [(spec.vendor, spec.label) for spec in VENDORS.values()]
