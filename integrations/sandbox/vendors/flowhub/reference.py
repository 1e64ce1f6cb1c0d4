"""Flowhub's fixed facts: its value formats, the rooms every sandbox location has (the reference records),
the location's own JSON (/v0/clientsLocations), and how a new location is set up."""
import hashlib
import random
import re
import secrets
import uuid
from datetime import UTC, datetime
from functools import lru_cache

from django.utils import timezone

from ...models import RecordKind, SandboxLocation
from ..base import Row

# Rooms every sandbox location has; the last one holds stock that is not for sale (F1 room filter, D14).
ROOMS = [("Sales Floor", True), ("Back Stock", True), ("Display Case", True), ("Quarantine - Not For Sale", False)]
# Where a location is (state -> city, county, time zone), picked by its seed.
STATE_PLACES = {"CO": ("Denver", "Denver County", "America/Denver"), "NM": ("Albuquerque", "Bernalillo County",
                "America/Denver"), "CA": ("Oakland", "Alameda County", "America/Los_Angeles"),
                "AZ": ("Phoenix", "Maricopa County", "America/Phoenix"), "NY": ("Albany", "Albany County",
                "America/New_York"), "MI": ("Detroit", "Wayne County", "America/Detroit")}
NAMESPACE = uuid.UUID("6f1c2d0e-4b8a-4c55-9a57-0f1d3e6b7a10")


# --- value formats and ids ------------------------------------------------------------------------
def stable_uuid(*parts: object) -> str:
    """A UUID derived from `parts`: a seed always renders the same ids."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def iso(when: datetime) -> str:
    # Flowhub writes six fractional digits and a literal Z: "2023-12-22T21:17:26.138999Z".
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=64)
def room_ids(seed: int) -> tuple[str, ...]:
    """Room ids are 32-character alphanumeric strings, never the room name (F7)."""
    return tuple(hashlib.md5(f"flowhub-room:{seed}:{i}".encode(), usedforsecurity=False).hexdigest()
                 for i in range(len(ROOMS)))


def import_id(location: SandboxLocation) -> str:
    """Flowhub's `importId` (what /v1/orders/findByLocationId takes): 24 hex characters [I]."""
    return hashlib.md5(f"flowhub-import:{location.location_id}".encode(), usedforsecurity=False).hexdigest()[:24]


# --- the location and its reference records -------------------------------------------------------
def place(location: SandboxLocation) -> tuple[str, str, str, str]:
    """(state, city, county, time zone) of the location: the v1 date filters use its time zone."""
    state = random.Random(location.seed).choice(list(STATE_PLACES))
    return (state, *STATE_PLACES[state])


def location_json(location: SandboxLocation) -> dict:
    state, city, county, tz = place(location)
    slug = re.sub(r"[^a-z0-9]+", "-", location.name.lower()).strip("-")
    return {
        "address": {"city": city, "country": "US", "county": county, "state": state,
                    "streetAddress1": f"{100 + location.seed % 900} Market St", "streetAddress2": None,
                    "zip": f"{80000 + location.seed % 9999:05d}"},
        "clientId": location.client_id,
        "clientName": "Sandbox Cannabis Co.",
        "email": f"store+{location.seed}@sandbox.canopy.test",
        "hoursOfOperation": "Mon-Sun 9:00 AM - 9:00 PM",
        "importId": import_id(location),
        "licenseType": ["medical", "recreational"] if location.seed % 3 else ["recreational"],
        "locationId": location.location_id,
        "locationLogoURL": None,
        "locationName": location.name,
        "phoneNumber": f"303555{location.seed % 10000:04d}",
        "timeZone": tz,
        "website": f"https://{slug or 'store'}.sandbox.canopy.test",
    }


def configure_location(location: SandboxLocation, rng: random.Random) -> None:
    # Ids must be unique across locations, so they are random; the catalogue depends only on the seed.
    location.location_id = str(uuid.uuid4())
    location.client_id = str(uuid.uuid4())
    location.order_ahead_client_id = secrets.token_urlsafe(24)
    location.order_ahead_token = secrets.token_urlsafe(48)


def reference_rows(location: SandboxLocation) -> dict[str, list[Row]]:
    # Flowhub's public API has no rooms endpoint; the records let the admin and tests name the rooms.
    rooms = [Row(external_id=rid, data={"roomId": rid, "roomName": name, "forSale": for_sale},
                 modified_at=timezone.now(), room_id=rid, position=i)
             for i, (rid, (name, for_sale)) in enumerate(zip(room_ids(location.seed), ROOMS, strict=True))]
    return {RecordKind.ROOM: rooms}
