"""Dutchie's fixed facts: its value formats, the rooms, customer types, pricing tiers and discounts every
sandbox location has (the reference records), and how a new location is set up."""
import random
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from ... import generate
from ...models import RecordKind, SandboxLocation
from ..base import Row

# The roles a location API key can hold; a new location's key holds them all.
ROLES = ("Inventory", "Reporting", "Customer", "PreOrder", "Room")

# (roomId, roomName, flags). spec.room_index 0..3 picks the product's room; Quarantine and Vault are not
# sellable, so their stock never reaches /inventory (only /reporting/inventory shows it).
ROOMS = [
    (1001, "Sales Floor", {"isSalesFloor": True, "isPOSRoom": True}),
    (1002, "Back Stock", {"isInventoryRoom": True}),
    (1003, "Ecommerce", {"isEcommerceRoom": True, "isPreOrderRoom": True}),
    (1004, "Quarantine", {"isQuarantineRoom": True}),
    (1005, "Vault", {"isVaultRoom": True}),
]
ROOM_NAMES = {room_id: name for room_id, name, _ in ROOMS}
SELLABLE_ROOM_IDS = {1001, 1002, 1003}
ROOM_FLAGS = ("isQuarantineRoom", "isVaultRoom", "isWaitingRoom", "isSalesFloor", "isPOSRoom", "isInventoryRoom",
              "isPreOrderRoom", "isEcommerceRoom")

# The four types D2 asks a store to show; `hidden_customer_types` removes some from the API.
CUSTOMER_TYPES = [(1, "Medical", True), (2, "Medical - Out of State", True), (3, "Recreational", False),
                  (4, "Recreational - Out of State", False)]
CUSTOMER_TYPE_IDS = {name: type_id for type_id, name, _ in CUSTOMER_TYPES}
CUSTOMER_STATUSES = ("Active", "Cancelled", "Hold", "Banned")

# Pricing tiers (D5): Gram tiers are weight breaks, Quantity tiers are unit-count breaks.
PRICING_TIERS = [(1, "Flower by the Gram", "Gram"), (2, "Pre-Roll Multi-Buy", "Quantity"),
                 (3, "Edible Multi-Buy", "Quantity")]


# --- value formats --------------------------------------------------------------------------------
def iso(when: datetime | None) -> str | None:
    """Dutchie's timestamp style: UTC with milliseconds and a Z ("2026-01-10T21:58:10.280Z")."""
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(value: float) -> float:
    """Dollars to the cent."""
    return round(value, 2)


def number(value: object) -> float:
    """A quantity that may be malformed (text) in a broken record: never crash on it."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def guid(*parts: object) -> str:
    """A GUID derived from `parts` (uniqueId, globalId): the same parts always give the same GUID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox-dutchie:" + ":".join(str(p) for p in parts)))


# --- set-up ---------------------------------------------------------------------------------------
def configure_location(location: SandboxLocation, rng: random.Random) -> None:
    # Dutchie's locationId is an int32; it must be unique among all sandbox locations, so it is
    # random rather than seeded (the catalogue, not the id, is what the seed fixes).
    while True:
        location_id = str(100_000 + secrets.randbelow(900_000))
        if not SandboxLocation.objects.filter(location_id=location_id).exists():
            break
    location.location_id = location_id
    location.roles = list(ROLES)


# --- reference data -------------------------------------------------------------------------------
def reference_rows(location: SandboxLocation) -> dict[str, list[Row]]:
    when = generate.EPOCH
    rooms = [Row(external_id=str(room_id), position=n, modified_at=when, room_id=str(room_id),
                 data={"roomId": room_id, "roomName": name,
                       **{flag: flags.get(flag, False) for flag in ROOM_FLAGS}})
             for n, (room_id, name, flags) in enumerate(ROOMS)]
    types = [Row(external_id=str(type_id), position=n, modified_at=when,
                 data={"id": type_id, "name": name, "isMedical": medical, "isRetail": not medical})
             for n, (type_id, name, medical) in enumerate(CUSTOMER_TYPES)]
    tiers = [Row(external_id=str(tier_id), position=n, modified_at=when,
                 data={"pricingTierId": tier_id, "pricingTierName": name})
             for n, (tier_id, name, _) in enumerate(PRICING_TIERS)]
    discounts = [Row(external_id=str(d["id"]), position=n, modified_at=when, data=d)
                 for n, d in enumerate(_discounts())]
    return {RecordKind.ROOM: rooms, RecordKind.CUSTOMER_TYPE: types, RecordKind.PRICING_TIER: tiers,
            RecordKind.DISCOUNT: discounts}


def _discounts() -> list[dict]:
    """A few DiscountApiResponse records: store-wide, one for a discount group (L16), a pre-roll
    bundle, and an inactive one only `includeInactive=true` shows."""
    specs = [
        (201, "10% Off Everything", 2, 10.0, None, True, False),
        (202, "Veterans 15% Off", 2, 15.0, [generate.DISCOUNT_GROUPS.index("Veterans") + 1], True, False),
        (203, "Pre-Roll BOGO", 2, 100.0, None, True, True),
        (204, "Summer Sale (ended)", 1, 5.0, None, False, False),
    ]
    discounts = []
    for discount_id, name, method, value, groups, active, bundled in specs:
        reward = {
            "discountRewardId": discount_id * 10, "discountId": discount_id, "calculationMethodId": method,
            "calculationMethod": "Percent Off" if method == 2 else "Amount Off", "discountValue": value,
            "includeNonCannabis": False, "highestOrLowest": "Lowest" if bundled else None,
            "thresholdTypeId": 1, "thresholdType": "Quantity", "hasThreshold": bundled,
            "itemGroupTypeId": 5, "itemGroupType": "Product", "thresholdMin": 2.0 if bundled else None,
            "thresholdMax": None, "applyToOnlyOneItem": bundled, "restrictions": None,
        }
        constraints = [{
            "discountConstraintId": discount_id * 10 + 1, "discountId": discount_id,
            "thresholdMin": 2.0 if bundled else None, "includeNonCannabis": False, "thresholdTypeId": 1,
            "thresholdType": "Quantity", "hasThreshold": bundled, "discountItemGroupTypeId": 5,
            "itemGroupType": "Product",
            "restrictions": {"Category": {"isExclusion": False}} if bundled else None,
        }]
        discounts.append({
            "id": discount_id, "externalId": None,
            "validDateFrom": iso(generate.EPOCH - timedelta(days=90)),
            "validDateTo": None if active else iso(generate.EPOCH - timedelta(days=30)),
            "maxRedemptions": None, "redemptionLimit": None, "firstTimeCustomerOnly": 0,
            "discountDescription": name, "discountCode": None, "applicationMethodId": 1,
            "applicationMethod": "Automatic", "canStackAutomatically": not bundled, "onlineName": name,
            "locationRestrictions": None, "restrictToGroupIds": groups, "startTime": None, "endTime": None,
            **{day: None for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                     "sunday")},
            "isActive": active, "isBundledDiscount": bundled, "constraints": constraints, "reward": reward,
            "menuDisplay": {"menuDisplayDescription": name, "menuDisplayImageUrl": None,
                            "menuDisplayName": name, "menuDisplayRank": discount_id - 200},
            "paymentRestrictions": {"payByBankSignupIncentive": False},
        })
    return discounts
