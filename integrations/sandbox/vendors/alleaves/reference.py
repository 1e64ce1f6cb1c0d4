"""Alleaves' fixed facts: its value formats, the areas every sandbox location has (the reference records),
the /location object, and how a new location is set up. The location and area shapes copy
reference/alleaves-location-areas.json."""
import random
import secrets
from datetime import UTC, datetime

from ... import generate
from ...models import RecordKind, SandboxLocation
from ..base import Row

# Areas of the simulated store: (id offset, parent offset, name, area_type, priority, returnable, deleted).
# The real store has "Sales Floor" (Retail), a quarantine area and a not-for-sale area (both "Damaged"),
# and rows with no area at all. We add a child area (to exercise `path` and `children`), a storage
# area with a null type, and a deleted area, so "choose the area(s) to pull inventory from" (A1) has
# several sellable and non-sellable choices.
AREAS = [
    (0, None, "Sales Floor", "Retail", 1, None, False),
    (1, 0, "Display Case", "Retail", 2, None, False),
    (2, None, "Quarantine", "Damaged", None, True, False),
    (3, None, "Damaged", "Damaged", None, False, False),
    (4, None, "Vault", None, None, None, False),
    (5, None, "Back Room (closed)", None, None, None, True),
]
AREA_BASE = 1000
SELLABLE_AREA_TYPES = ("Retail",)
# Non-sellable areas a room_index of 3 lands in (generate.py: index 3 is non-sellable).
NON_SELLABLE_AREAS = [1002, 1003, 1004]


# --- value formats --------------------------------------------------------------------------------
def iso_ms(when: datetime | None) -> str | None:
    """Alleaves' timestamp style: milliseconds and a Z ("2026-01-10T21:58:10.280Z")."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def money(value: float) -> float:
    """Dollars to the cent."""
    return round(value, 2)


def feed_number(value: float) -> int | float:
    """Whole numbers as ints, as the real feed sends 35 rather than 35.0."""
    return int(value) if float(value).is_integer() else value


# --- set-up ---------------------------------------------------------------------------------------
def configure_location(location: SandboxLocation, rng: random.Random) -> None:
    # Alleaves ids start at 1000 (the sample's store is id_location 1000). Same seed, same id,
    # unless that id is taken (location_id is unique across every sandbox vendor).
    candidate = 1000 + location.seed % 9000
    while SandboxLocation.objects.filter(location_id=str(candidate)).exists():
        candidate += 1
    location.location_id = str(candidate)
    location.username = f"integrations+{candidate}@sandbox.canopy.test"
    location.password = secrets.token_urlsafe(12)


# --- reference records and the location -----------------------------------------------------------
def area_rows(location: SandboxLocation) -> list[dict]:
    """The /inventory/area shape, plus `area_type` (seen on inventory rows) and `id_parent`."""
    rows = []
    for offset, parent, name, area_type, priority, returnable, deleted in AREAS:
        rows.append({
            "id_area": AREA_BASE + offset, "id_location": int(location.location_id), "name": name,
            "path": AREA_BY_ID[AREA_BASE + offset]["path"],
            "id_status": 1, "deleted": deleted, "priority": priority, "area_type": area_type,
            "id_parent": AREA_BASE + parent if parent is not None else None, "returnable": returnable,
        })
    return rows


def reference_rows(location: SandboxLocation) -> dict[str, list[Row]]:
    now = generate.EPOCH
    return {RecordKind.ROOM: [
        Row(external_id=str(area["id_area"]), data=area, modified_at=now, room_id=str(area["id_area"]),
            position=i)
        for i, area in enumerate(area_rows(location))
    ]}


def location_object(location: SandboxLocation, areas: list[dict]) -> dict:
    """GET /location item. The keys of alleaves-location-areas.json are confirmed; the rest follow
    the reference's list (~60 keys in reality; we serve the ones a card can use)."""
    by_parent: dict[int | None, list[dict]] = {}
    for area in areas:
        by_parent.setdefault(area["id_parent"], []).append(area)

    def nest(area: dict) -> dict:
        return {"id_area": area["id_area"], "id_parent": area["id_parent"], "name": area["name"],
                "path": area["path"], "deleted": area["deleted"], "returnable": area["returnable"],
                "children": [nest(child) for child in by_parent.get(area["id_area"], [])]}

    id_location = int(location.location_id)
    return {
        "id_location": id_location,
        "reference": f"sandbox_{id_location}",
        "name": location.name,
        "active": True,
        "address": f"{100 + location.seed % 800} Erie Blvd E",
        "address_2": None,
        "city": "Syracuse",
        "state": "NY",
        "postal_code": "13202",
        "country": "US",
        "phone": f"315555{id_location % 10000:04d}",
        "email": f"store{id_location}@sandbox.canopy.test",
        "timezone": "America/New_York",
        "license": f"OCM-CAURD-24-{id_location:06d}",
        "id_company": 1000,
        "company": f"{location.name} LLC",
        "is_adult_use": True,
        "is_medical_use": True,
        "retail": True,
        "pickup": True,
        "delivery": True,
        "curbside": None,
        "kiosk": None,
        "local_tax_percentage": 0,
        "tax_group_list": [{"id_tax_group": 1000, "name": "NY Adult Use Cannabis 13%"},
                           {"id_tax_group": 1001, "name": "Medical (exempt)"}],
        "use_otd_price": False,
        "threshold_low_quantity": 2,
        "threshold_low_quantity_selected": True,
        "date_created": iso_ms(location.created_at),
        "deleted": False,
        "areas": [nest(area) for area in by_parent.get(None, [])],
    }


def _area_table() -> dict[int, dict]:
    names = {offset: name for offset, _, name, *_ in AREAS}
    return {AREA_BASE + offset: {"id_area": AREA_BASE + offset, "name": name, "area_type": area_type,
                                 "priority": priority,
                                 "path": f"{names[parent]} > {name}" if parent is not None else name}
            for offset, parent, name, area_type, priority, _returnable, _deleted in AREAS}


AREA_BY_ID = _area_table()
