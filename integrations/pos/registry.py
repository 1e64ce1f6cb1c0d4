"""Which client speaks to which vendor: an explicit dict, no registration by import side effect."""
from .alleaves import AlleavesClient
from .base import PosClient
from .dutchie import DutchieClient
from .flowhub import FlowhubClient
from .records import ClientConfig

CLIENTS: dict[str, type[PosClient]] = {cls.vendor: cls for cls in (DutchieClient, AlleavesClient, FlowhubClient)}


def client_for(vendor: str, config: ClientConfig) -> PosClient:
    return CLIENTS[vendor](config)
