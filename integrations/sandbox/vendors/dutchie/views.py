"""Sandbox Dutchie POS (X1): the Dutchie POS API (formerly LeafLogix) as POS-APIS.md §1 and the official
OpenAPI document describe it: same paths, HTTP Basic auth with the location API key, key roles, exact
camelCase field names, the 401-with-empty-body and 429 bodies, and the per-endpoint rate limits.

Each product record stores both of its shapes, `{"product": ProductDetail, "inventory": InventoryItem}`,
so /products and /inventory serve stored JSON and only apply the per-request rules (stock, thresholds,
rooms, include* flags) while streaming. Choices the reference leaves open are marked "[our choice]"
here and listed in docs/sandbox/dutchie.md.
"""
import base64
import binascii
import random
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ... import generate
from ...faults import VendorErrors, json_body, sandbox_endpoint, stream_json_array
from ...generate import CustomerSpec, ProductSpec, TransactionSpec
from ...models import RecordKind, SandboxLocation, SandboxRecord
from ..base import Row, SandboxVendor

ROLES = ("Inventory", "Reporting", "Customer", "PreOrder", "Room")
ANY_ROLE = "any"

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

# labResultUnitId: the spec names no values; live data shows 2 = "Percentage" and LabResultUnitData lists
# "mg", "%", "mg/g" in that order, so 1 = mg and 3 = mg/g. The long names are [our choice] (D3).
LAB_UNITS = {"mg": (1, "Milligrams"), "%": (2, "Percentage"), "mg/g": (3, "Milligrams per Gram")}
# Terpenes are labResults rows named the way Dutchie stores' lab imports spell them [our choice];
# Canopy must map every one onto the 16 C9 names. Unknown terpenes keep their own name.
TERPENE_SPELLINGS = {
    "3-Carene": ["3-Carene", "delta-3-Carene", "Delta 3 Carene"],
    "Alpha Pinene": ["alpha-Pinene", "a-Pinene", "Alpha Pinene"],
    "Beta Caryophyllene": ["beta-Caryophyllene", "Caryophyllene", "b-Caryophyllene"],
    "Beta Eudesmol": ["beta-Eudesmol", "Beta Eudesmol"],
    "Beta Myrcene": ["Myrcene", "beta-Myrcene", "b-Myrcene"],
    "Beta Pinene": ["beta-Pinene", "b-Pinene"],
    "Bisabolol": ["alpha-Bisabolol", "Bisabolol"],
    "Caryophyllene Oxide": ["Caryophyllene Oxide", "Caryophyllene oxide"],
    "Guaiol": ["Guaiol"],
    "Humulene": ["Humulene", "alpha-Humulene"],
    "Limonene": ["Limonene", "d-Limonene"],
    "Linalool": ["Linalool"],
    "Ocimene": ["Ocimene", "beta-Ocimene"],
    "Terpinolene": ["Terpinolene"],
    "Terpinene": ["alpha-Terpinene", "Terpinene"],
    "Trans-Nerolidol": ["trans-Nerolidol", "Nerolidol"],
}
# The reference has no THC9 field at all; a THC9 value can only be a labResults row (D12) [our choice].
THC9_LAB_TEST = "THC9"
CATEGORY_NAMES = {"Vaporizers": "Vape Cartridges"}  # store category names differ a little from master ones
MASTER_CATEGORIES = {"Beverages": "Edibles"}
OPEN_ORDER_STATUSES = ("Submitted", "Processing", "Filled")
TAX_RATE = 0.15  # one flat sandbox tax rate for pre-order and sale totals [our choice]


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _money(value: float) -> float:
    return round(value, 2)


def _number(value) -> float:
    """A quantity that may be malformed (text) in a broken record: never crash on it."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _guid(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox-dutchie:" + ":".join(str(p) for p in parts)))


# --- errors ---------------------------------------------------------------------------------------
class DutchieErrors(VendorErrors):
    """Dutchie's refusals: 401 and 403 with empty bodies (D1 gives no 403 body; we keep it empty), the
    429 body with the endpoint's own number, and the per-key, per-endpoint, per-minute limits of D2/D1."""

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        trace = f"0HM{secrets.token_hex(5).upper()}:{secrets.randbelow(10 ** 8):08d}"
        response = JsonResponse({"Message": f"Too many requests - only {limit} per minute allowed",
                                 "TraceId": trace}, status=429)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def rate_limit_for(self, request: HttpRequest) -> int:
        endpoint = "/" + request.path.split("/dutchie/", 1)[-1].strip("/").lower()
        exact = {"/inventory": 200, "/whoami": 200, "/reporting/transactions": 600, "/reporting/customers": 600,
                 "/customer/customer": 1500, "/customer/search": 360, "/preorder/cancel": 240,
                 "/preorder/price-cart": 240, "/reporting/loyalty-snapshot": 1}
        if endpoint in exact:
            return exact[endpoint]
        if endpoint.startswith("/reporting/"):
            return 60
        return 120


ERRORS = DutchieErrors()


def _basic_api_key(request: HttpRequest) -> str | None:
    """The username of an HTTP Basic header (the location API key); the password is ignored."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def _authenticator(role: str):
    """Authenticate by API key, then require the key's role for this endpoint (403 when missing)."""

    def authenticate(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
        api_key = _basic_api_key(request)
        location = SandboxLocation.objects.filter(vendor="dutchie", api_key=api_key).first() if api_key else None
        if location is None:
            return ERRORS.unauthorized()
        if role != ANY_ROLE and role not in (location.roles or []):
            return ERRORS.forbidden(f"missing role {role}")
        return location

    return authenticate


def _endpoint(role: str, method: str = "GET"):
    """sandbox_endpoint (faults, rate limits) around a view, plus the HTTP method check."""

    def decorator(view):
        def checked(request, location, *args, **kwargs):
            if request.method != method:
                return HttpResponseNotAllowed([method])
            return view(request, location, *args, **kwargs)

        checked.__name__ = view.__name__
        return sandbox_endpoint(ERRORS, _authenticator(role))(checked)

    return decorator


# --- query parameters ---------------------------------------------------------------------------
class BadParam(Exception):
    def __init__(self, name: str, value: str):
        super().__init__(f"The value '{value}' is not valid for {name}.")
        self.name, self.value = name, value


def _bad_request(message: str, errors: list[tuple[str, str]] = ()) -> JsonResponse:
    """Most Dutchie 400s: BadRequestResponse {message, propertyErrors[{propertyName, propertyError}]}."""
    property_errors = [{"propertyName": name, "propertyError": error} for name, error in errors] or None
    return JsonResponse({"message": message, "propertyErrors": property_errors}, status=400)


def _param(request: HttpRequest, name: str) -> str | None:
    # ASP.NET binds query parameters case-insensitively.
    for key, value in request.GET.items():
        if key.lower() == name.lower() and value != "":
            return value
    return None


def _bool(request: HttpRequest, name: str, default: bool | None = False) -> bool | None:
    value = _param(request, name)
    if value is None:
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadParam(name, value)


def _int(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    value = _param(request, name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadParam(name, value) from None


def _datetime(request: HttpRequest, name: str) -> datetime | None:
    value = _param(request, name)
    if value is None:
        return None
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise BadParam(name, value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # Dutchie dates are UTC


def _records(location: SandboxLocation, kind: str):
    return SandboxRecord.objects.filter(location=location, kind=kind, deleted=False).order_by("position", "id")


def _stream(queryset, render) -> HttpResponse:
    """Stream stored records through `render` (None drops a record), in chunks, memory flat."""
    rows = queryset.values_list("data", flat=True).iterator(chunk_size=2000)
    return stream_json_array(item for item in map(render, rows) if item is not None)


def _modified_between(queryset, start: datetime | None, end: datetime | None):
    if start is not None:
        queryset = queryset.filter(modified_at__gte=start)
    if end is not None:
        queryset = queryset.filter(modified_at__lte=end)
    return queryset


# --- rendering helpers ----------------------------------------------------------------------------
def _lab_row(test: str, value: float | None, unit: str) -> dict:
    unit_id, unit_name = LAB_UNITS[unit]
    return {"labTest": test, "value": value, "labResultUnitId": unit_id, "labResultUnit": unit_name}


def _lab_results(spec: ProductSpec) -> list[dict]:
    rows = []
    if spec.thc is not None:
        rows.append(_lab_row("THC", spec.thc, spec.lab_unit))
    if spec.thc9 is not None:
        rows.append(_lab_row(THC9_LAB_TEST, spec.thc9, spec.lab_unit))
    if spec.cbd is not None:
        rows.append(_lab_row("CBD", spec.cbd, spec.lab_unit))
    for terpene in spec.terpenes:
        spellings = TERPENE_SPELLINGS.get(terpene.name, [terpene.name])
        rows.append(_lab_row(spellings[terpene.spelling_index % len(spellings)], terpene.value, terpene.unit))
    return rows


def _room_quantities(spec: ProductSpec) -> list[dict]:
    """The product's stock by room: all in its own room, except larger sales-floor stock, a quarter of
    which sits in Back Stock (so room filters (D1, D14) change quantities, not only presence)."""
    primary = ROOMS[spec.room_index][0]
    quantity = float(spec.quantity)
    if spec.room_index == 0 and spec.quantity >= 8:
        back = float(spec.quantity // 4)
        return [{"roomId": primary, "room": ROOM_NAMES[primary], "quantityAvailable": quantity - back},
                {"roomId": 1002, "room": ROOM_NAMES[1002], "quantityAvailable": back}]
    return [{"roomId": primary, "room": ROOM_NAMES[primary], "quantityAvailable": quantity}]


def _tier_id(spec: ProductSpec) -> int | None:
    if spec.tier_kind == "Gram":
        return 1
    if spec.tier_kind == "Quantity":
        return 2 if spec.category == "Pre-Rolls" else 3
    return None


class DutchieSandbox(SandboxVendor):
    vendor = "dutchie"
    path = "dutchie/"
    credential_fields = ("api_key", "location_id")
    # advance_order walks the first four; Cancelled is only reached through /preorder/cancel.
    order_statuses = ("Submitted", "Processing", "Filled", "Complete", "Cancelled")

    # --- set-up -----------------------------------------------------------------------------------
    def configure_location(self, location: SandboxLocation, rng: random.Random) -> None:
        # Dutchie's locationId is an int32; it must be unique among all sandbox locations, so it is
        # random rather than seeded (the catalogue, not the id, is what the seed fixes).
        while True:
            location_id = str(100_000 + secrets.randbelow(900_000))
            if not SandboxLocation.objects.filter(location_id=location_id).exists():
                break
        location.location_id = location_id
        location.roles = list(ROLES)

    # --- reference data ---------------------------------------------------------------------------
    def reference_rows(self, location: SandboxLocation) -> dict[str, list[Row]]:
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
                     for n, d in enumerate(self._discounts())]
        return {RecordKind.ROOM: rooms, RecordKind.CUSTOMER_TYPE: types, RecordKind.PRICING_TIER: tiers,
                RecordKind.DISCOUNT: discounts}

    def _discounts(self) -> list[dict]:
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
                "validDateFrom": _iso(generate.EPOCH - timedelta(days=90)),
                "validDateTo": None if active else _iso(generate.EPOCH - timedelta(days=30)),
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

    # --- products ---------------------------------------------------------------------------------
    def product_row(self, location: SandboxLocation, spec: ProductSpec) -> Row:
        index = spec.index
        modified = _iso(spec.modified_at)
        category = CATEGORY_NAMES.get(spec.category, spec.category)
        master = MASTER_CATEGORIES.get(spec.category, spec.category)
        category_id = [c[0] for c in generate.CATEGORIES].index(spec.category) + 1
        strain_type = None
        if spec.strain_type:
            spellings = generate.STRAIN_SPELLINGS[spec.strain_type]
            strain_type = spellings[spec.strain_spelling_index % len(spellings)]
        strain_id = generate.STRAINS.index(spec.strain) + 1 if spec.strain else None
        brand_id = generate.BRANDS.index(spec.brand) + 1
        brand = spec.brand.strip()
        weight = spec.unit_weight_g
        size = (f"{weight:g}g" if weight >= 0.5 else f"{weight * 1000:g}mg") if weight else None
        tier_id = _tier_id(spec)
        med_ratio = spec.price_med / spec.price_rec if spec.price_rec else 1
        tier_data = [{"startWeight": start, "endWeight": end, "price": price, "medicalPrice": _money(price * med_ratio)}
                     for start, end, price in spec.tiers]
        cannabis = spec.category != "Accessories"
        # A few products are switched off for the API/online menu or deactivated [our choice of share].
        online = index % 23 != 21
        active = index % 19 != 17
        medical_only = index % 53 == 11
        package_id = f"1A40{location.seed % 1000:03d}0{index:016d}"
        batch = f"{(spec.strain or spec.category)[:3].upper()}-{spec.modified_at:%m%d}-{index}"
        tested = spec.modified_at - timedelta(days=10 + index % 20)
        name, price, rec_price = spec.name, spec.price_rec, spec.price_rec
        category_value, category_id_value, master_value = category, category_id, master
        if spec.malformed == "missing_name":
            name = None
        elif spec.malformed == "negative_price":
            price = rec_price = -abs(spec.price_rec)
        elif spec.malformed == "null_category":
            category_value = category_id_value = master_value = None
        images = list(spec.images)
        vendor_name = f"{brand} Wholesale"
        product = {
            "productId": spec.product_id, "sku": spec.sku, "internalName": name, "productName": name,
            "description": spec.description, "masterCategory": master_value, "categoryId": category_id_value,
            "category": category_value, "imageUrl": images[0] if images else None, "imageUrls": images,
            "strainId": strain_id, "strain": spec.strain, "strainType": strain_type, "size": size,
            "netWeight": weight or None, "netWeightUnitId": 1 if weight else None,
            "netWeightUnit": "g" if weight else None,
            "brandId": brand_id, "brandName": brand, "vendorId": brand_id + 100, "vendorName": vendor_name,
            "isCannabis": cannabis, "isActive": active, "isCoupon": False,
            "thcContent": spec.thc, "thcContentUnit": spec.lab_unit if spec.thc is not None else None,
            "cbdContent": spec.cbd, "cbdContentUnit": spec.lab_unit if spec.cbd is not None else None,
            "productGrams": weight or None, "flowerEquivalent": spec.flower_equivalent,
            "recFlowerEquivalent": spec.rec_flower_equivalent, "price": price, "medPrice": spec.price_med,
            "recPrice": rec_price, "unitCost": spec.unit_cost,
            "unitType": "Grams" if spec.tier_kind == "Gram" else "Each",
            "onlineTitle": name, "onlineDescription": spec.description, "onlineProduct": online,
            "posProducts": True, "pricingTier": tier_id, "onlineAvailable": online,
            "lowInventoryThreshold": spec.low_threshold,
            "pricingTierName": PRICING_TIERS[tier_id - 1][1] if tier_id else None,
            "pricingTierDescription": f"{spec.tier_kind} price breaks" if tier_id else None,
            "pricingTierData": tier_data, "flavor": None, "alternateName": None, "lineageName": None,
            "distillationName": None, "maxPurchaseablePerTransaction": None, "tags": [],
            "effects": [{"effectId": n + 1, "effectName": effect, "productId": spec.product_id}
                        for n, effect in enumerate(spec.effects)],
            "dosage": None, "instructions": None, "allergens": None,
            "standardAllergens": {k: False for k in ("milk", "eggs", "fish", "peanuts", "treeNuts", "sesame",
                                                     "shellfish", "soybeans", "wheat")},
            "defaultUnit": "Grams" if spec.tier_kind == "Gram" else "Each", "producerId": brand_id + 200,
            "producerName": brand, "createdDate": _iso(spec.modified_at - timedelta(days=120)),
            "isMedicalOnly": medical_only, "lastModifiedDateUTC": modified, "grossWeight": None,
            "isTaxable": True, "taxCategories": ["Cannabis Excise"] if cannabis else [], "upc": None,
            "regulatoryCategory": master_value, "ndc": None, "daysSupply": None, "illinoisTaxCategory": None,
            "externalCategory": None, "externalId": None, "syncExternally": False, "regulatoryName": name,
            "broadcastedResponses": {"responses": None}, "administrationMethod": None,
            "unitCBDContentDose": None, "unitTHCContentDose": spec.thc if spec.infused else None,
            "oilVolume": None, "ingredientList": None, "expirationDays": None, "abbreviation": None,
            "isTestProduct": False, "isFinished": True, "allowAutomaticDiscounts": True, "servingSize": None,
            "servingSizePerUnit": None, "isNutrient": False, "approvalDateUTC": None,
            # The store's own ecommerce category (C8/F8): Dutchie's closest field [our choice].
            "ecomCategory": spec.custom_category, "ecomSubcategory": None, "customMetadata": None,
        }
        rooms = _room_quantities(spec)
        quantity = str(spec.quantity) if spec.malformed == "text_quantity" else float(spec.quantity)
        inventory = {
            "unitWeightUnit": "g", "inventoryId": 700_000 + index, "productId": spec.product_id, "sku": spec.sku,
            "productName": name, "description": spec.description, "categoryId": category_id_value,
            "category": category_value, "imageUrl": images[0] if images else None, "quantityAvailable": quantity,
            "quantityUnits": "Gram" if spec.tier_kind == "Gram" else "Quantity", "unitWeight": weight,
            "flowerEquivalent": spec.flower_equivalent or 0.0, "recFlowerEquivalent": spec.rec_flower_equivalent,
            "flowerEquivalentUnits": "g", "batchId": 500_000 + index, "batchName": batch,
            "packageId": package_id, "packageStatus": "Active", "unitPrice": price, "medUnitPrice": spec.price_med,
            "recUnitPrice": rec_price, "strainId": strain_id, "strain": spec.strain, "strainType": strain_type,
            "size": size, "labResults": _lab_results(spec),
            "testedDate": _iso(tested) if cannabis else None, "sampleDate": _iso(tested - timedelta(days=3))
            if cannabis else None, "packagedDate": _iso(tested + timedelta(days=2)), "manufacturingDate": None,
            "lastModifiedDateUtc": modified, "labTestStatus": "Passed" if cannabis else None,
            "vendorId": brand_id + 100, "vendor": vendor_name, "expirationDate": None, "roomQuantities": rooms,
            "pricingTierName": product["pricingTierName"], "alternateName": None,
            "tags": [{"tagId": 1, "tagName": spec.custom_category, "packageId": package_id}]
            if spec.custom_category else [],
            "brandId": brand_id, "brandName": brand, "medicalOnly": medical_only, "externalPackageId": package_id,
            "producer": brand, "producerId": brand_id + 200, "lineage": [], "potencyIndicator": None,
            "masterCategory": master_value, "effectivePotencyMg": spec.thc if spec.infused else None,
            "isCannabis": cannabis, "packageNDC": None,
            "labResultUrl": f"https://coa.sandbox.canopy.test/{package_id}.pdf" if cannabis else None,
        }
        return Row(external_id=str(spec.product_id), data={"product": product, "inventory": inventory},
                   modified_at=spec.modified_at, quantity=float(spec.quantity), room_id=str(rooms[0]["roomId"]))

    def customer_row(self, location: SandboxLocation, spec: CustomerSpec) -> Row:
        anonymous = spec.index % 50 == 49  # walk-in sales without a profile [our choice of share]
        data = {
            "customerId": spec.customer_id, "uniqueId": _guid(location.seed, "customer", spec.customer_id),
            "name": f"{spec.first_name} {spec.last_name}", "firstName": spec.first_name,
            "lastName": spec.last_name, "middleName": None, "nameSuffix": None, "namePrefix": None,
            "address1": f"{100 + spec.index} Main St", "address2": None, "city": "Denver" if spec.state == "CO"
            else "Springfield", "state": spec.state, "postalCode": f"80{spec.index % 1000:03d}",
            "phone": None if anonymous else spec.phone, "cellPhone": None if anonymous else spec.phone,
            "emailAddress": None if anonymous else spec.email,
            # Dutchie documents Active / Cancelled / Hold / Banned; archived profiles are Cancelled [our choice].
            "status": "Cancelled" if spec.archived else "Active", "mmjidNumber": spec.medical_id,
            "mmjidExpirationDate": _iso(spec.created_at + timedelta(days=730)) if spec.medical_id else None,
            "lastModifiedDateUTC": _iso(spec.modified_at), "creationDate": _iso(spec.created_at),
            "customerType": spec.customer_type, "gender": None, "driversLicenseHash": None,
            "dateOfBirth": f"{spec.birth_date}T00:00:00", "externalCustomerId": None, "createdByIntegrator": None,
            "isAnonymous": anonymous, "referralSource": None, "otherReferralSource": None, "springBigMemberId": 0,
            "customIdentifier": None, "discountGroups": list(spec.discount_groups),
            "createdAtLocation": location.name, "notes": None, "isLoyaltyMember": spec.loyalty_member,
            "primaryQualifyingCondition": None, "secondaryQualifyingConditions": [],
            "mergedIntoCustomerId": spec.merged_into, "optedIntoMarketing": spec.loyalty_member,
            "loyaltyTier": "Gold" if spec.loyalty_member and spec.index % 5 == 0 else None,
        }
        return Row(external_id=str(spec.customer_id), data=data, modified_at=spec.modified_at,
                   phone=data["phone"] or "", email=data["emailAddress"] or "", position=spec.index)

    def transaction_row(self, location: SandboxLocation, spec: TransactionSpec,
                        customer: CustomerSpec, products: dict[int, Row]) -> Row:
        tid = spec.transaction_id
        items = []
        for n, line in enumerate(spec.lines):
            item = products[line.product_index].data["inventory"]
            unit_cost = products[line.product_index].data["product"]["unitCost"]
            items.append({
                "transactionId": tid, "productId": item["productId"], "totalPrice": _money(line.quantity *
                                                                                            line.unit_price),
                "quantity": float(line.quantity), "unitPrice": line.unit_price, "unitCost": unit_cost,
                "packageId": item["packageId"], "sourcePackageId": item["packageId"], "totalDiscount": 0.0,
                "inventoryId": item["inventoryId"], "unitId": 1, "unitWeight": item["unitWeight"],
                "unitWeightUnit": "g", "flowerEquivalent": item["flowerEquivalent"], "flowerEquivalentUnit": "g",
                "discounts": [], "taxes": [{"rateName": "Sales Tax", "rate": TAX_RATE,
                                            "amount": _money(line.quantity * line.unit_price * TAX_RATE),
                                            "transactionItemId": tid * 10 + n}],
                "returnDate": None, "isReturned": False, "returnedByTransactionId": None, "returnReason": None,
                "batchName": item["batchName"], "transactionItemId": tid * 10 + n, "vendor": item["vendor"],
                "isCoupon": False,
            })
        # Loyalty points spent become a discount at 20 points per dollar [our choice].
        discount = _money(spec.loyalty_spent / 20)
        discounts = [{"discountId": 9001, "discountName": "Loyalty Redemption", "discountReason": "Loyalty",
                      "amount": discount, "transactionItemId": tid * 10}] if discount else []
        before_tax = _money(max(spec.total - discount, 0))
        tax = _money(before_tax * TAX_RATE)
        total = _money(before_tax + tax)
        medical = customer.customer_type.startswith("Medical")
        void_date = spec.occurred_at + timedelta(minutes=30) if spec.voided else None
        modified = void_date or spec.occurred_at
        data = {
            "transactionId": tid, "customerId": customer.customer_id, "employeeId": 10 + tid % 5,
            "transactionDate": _iso(spec.occurred_at), "voidDate": _iso(void_date), "isVoid": spec.voided,
            "subtotal": spec.total, "totalDiscount": discount, "totalBeforeTax": before_tax, "tax": tax,
            "tipAmount": None, "total": total, "paid": total, "changeDue": 0.0,
            "totalItems": sum(line.quantity for line in spec.lines), "terminalName": f"Register {1 + tid % 3}",
            "checkInDate": None, "invoiceNumber": f"INV-{tid}", "isTaxInclusive": False,
            "transactionType": "Retail", "loyaltyEarned": spec.loyalty_earned, "loyaltySpent": spec.loyalty_spent,
            "items": items, "discounts": discounts, "lastModifiedDateUTC": _iso(modified), "cashPaid": total,
            "debitPaid": None, "electronicPaid": None, "electronicPaymentMethod": None, "checkPaid": None,
            "creditPaid": None, "giftPaid": None, "mmapPaid": None, "prePaymentAmount": None,
            "revenueFeesAndDonations": 0.0, "nonRevenueFeesAndDonations": 0.0, "feesAndDonations": [],
            "taxSummary": [{"rateName": "Sales Tax", "amount": tax}], "returnOnTransactionId": None,
            "adjustmentForTransactionId": None, "orderType": "In Store", "wasPreOrdered": False,
            "orderSource": "In Store", "orderMethod": None, "invoiceName": None, "isReturn": False,
            "authCode": None, "customerTypeId": CUSTOMER_TYPE_IDS.get(customer.customer_type, 3),
            "isMedical": medical, "orderIds": [], "totalCredit": 0.0, "completedByUser": "sandbox.budtender",
            "responsibleForSaleUserId": 10 + tid % 5,
            # Store-local time (Mountain) without an offset, as .NET writes a DateTime of kind Unspecified.
            "transactionDateLocalTime": (spec.occurred_at - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S"),
            "estTimeArrivalLocal": None, "estDeliveryDateLocal": None, "referenceId": None,
            "manualPayments": [], "manualPaid": None, "integratedPayments": [], "integratedPaid": None,
        }
        return Row(external_id=str(tid), data=data, modified_at=modified, occurred_at=spec.occurred_at,
                   position=tid - 900_000)

    # --- changes ----------------------------------------------------------------------------------
    def set_price(self, data: dict, factor: float) -> None:
        product, inventory = data["product"], data["inventory"]
        for record, fields in ((product, ("price", "medPrice", "recPrice")),
                               (inventory, ("unitPrice", "medUnitPrice", "recUnitPrice"))):
            for field in fields:
                if isinstance(record.get(field), int | float):
                    record[field] = _money(record[field] * factor)
        for tier in product.get("pricingTierData") or []:
            tier["price"] = _money(tier["price"] * factor)
            tier["medicalPrice"] = _money(tier["medicalPrice"] * factor)

    def set_quantity(self, data: dict, quantity: float) -> None:
        """All stock goes to the product's first room (its own room), the others are emptied."""
        inventory = data["inventory"]
        rooms = inventory.get("roomQuantities") or [{"roomId": 1001, "room": ROOM_NAMES[1001]}]
        inventory["roomQuantities"] = [{**rooms[0], "quantityAvailable": float(quantity)}]
        inventory["quantityAvailable"] = float(quantity)

    def touch(self, data: dict, when: datetime) -> None:
        if "product" in data:
            # The same instant, spelled two ways: Dutchie's casing differs between products and inventory.
            data["product"]["lastModifiedDateUTC"] = _iso(when)
            data["inventory"]["lastModifiedDateUtc"] = _iso(when)

    def advance_order(self, data: dict) -> str:
        """Submitted -> Processing -> Filled -> Complete. "Filled" is the sandbox's stand-in for Dutchie's
        Notify action (ready for the customer; Canopy shows Ready for Pickup, D7). Cancelled stays."""
        walk = ("Submitted", "Processing", "Filled", "Complete")
        current = data.get("status")
        if current in walk[:-1]:
            data["status"] = walk[walk.index(current) + 1]
        data["isUpdateable"] = data["status"] == "Submitted"
        data["isCancellable"] = data["status"] in OPEN_ORDER_STATUSES
        if data["status"] == "Complete" and not data.get("transactionId"):
            data["transactionId"] = 800_000 + int(data["preOrderId"]) % 100_000
        return data["status"]

    # --- HTTP -------------------------------------------------------------------------------------
    def urlpatterns(self) -> list:
        return [
            path("whoami", whoami),
            path("products", products),
            path("reporting/products", reporting_products),
            path("inventory", inventory),
            path("reporting/inventory", reporting_inventory),
            path("room/rooms", rooms),
            path("customer/customer-types", customer_types),
            path("customer/customers", customers),
            path("customer/customers-paginated", customers_paginated),
            path("customer/customer", customer_edit),
            path("customer/search", customer_search),
            path("reporting/transactions", transactions),
            path("pricing-tiers", pricing_tiers),
            path("preorder/submit", preorder_submit),
            path("preorder/update", preorder_update),
            path("preorder/cancel", preorder_cancel),
            # ASP.NET routes ignore case; the documented spelling is "Status".
            path("preorder/Status", preorder_status),
            path("preorder/status", preorder_status),
            path("discounts/v2/list", discounts),
            path("util/AuthorizationHeader/<str:apiKey>", authorization_header),
        ]


def _bad_params(view):
    """Turn a malformed query parameter into Dutchie's usual 400 BadRequestResponse."""

    def wrapped(request, location, *args, **kwargs):
        try:
            return view(request, location, *args, **kwargs)
        except BadParam as error:
            return _bad_request("One or more validation errors occurred.", [(error.name, str(error))])

    wrapped.__name__ = view.__name__
    return wrapped


# --- views: location and reference data ----------------------------------------------------------
@_endpoint(ANY_ROLE)
def whoami(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse({
        "locationId": int(location.location_id), "lspId": 1000 + location.seed % 1000, "locationName": location.name,
        "lspName": "Sandbox Cannabis Co", "address": "1600 Sandbox Ave", "address2": None, "city": "Denver",
        "state": "CO", "postalCode": "80202", "licenseNumber": f"402R-{location.location_id}",
        "doingBusinessAs": location.name, "shareCustomerProfiles": False, "globalId": None,
        "locationGlobalId": _guid("location", location.location_id), "lspGlobalId": _guid("lsp", location.seed),
        "region": None, "regionId": None,
    })


@_endpoint("Room")
@_bad_params
def rooms(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    room_id, room_name = _int(request, "roomId"), _param(request, "roomName")
    found = [r for r in _records(location, RecordKind.ROOM).values_list("data", flat=True)
             if (room_id is None or r["roomId"] == room_id)
             and (room_name is None or r["roomName"].lower() == room_name.lower())]
    return JsonResponse(found, safe=False)


@_endpoint(ANY_ROLE)
def customer_types(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    hidden = set(location.hidden_customer_types or [])  # D2: types not shown for this location
    found = [t for t in _records(location, RecordKind.CUSTOMER_TYPE).values_list("data", flat=True)
             if t["name"] not in hidden]
    return JsonResponse(found, safe=False)


@_endpoint(ANY_ROLE)
def pricing_tiers(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    return JsonResponse(list(_records(location, RecordKind.PRICING_TIER).values_list("data", flat=True)), safe=False)


@_endpoint("Inventory")
@_bad_params
def discounts(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    include_inactive = _bool(request, "includeInactive")
    include_restrictions = _bool(request, "includeInclusionExclusionData")
    found = []
    for discount in _records(location, RecordKind.DISCOUNT).values_list("data", flat=True):
        if not include_inactive and not discount["isActive"]:
            continue
        if not include_restrictions:
            for constraint in discount["constraints"] or []:
                constraint["restrictions"] = None
        found.append(discount)
    return JsonResponse(found, safe=False)


def _authorization_location(request: HttpRequest, apiKey: str = "", **kwargs) -> SandboxLocation | HttpResponse:
    """No auth: a sandbox location's key gets its fault switches; any other string is simply encoded."""
    location = SandboxLocation.objects.filter(vendor="dutchie", api_key=apiKey).first()
    return location or _authorization_answer(apiKey)


def _authorization_answer(api_key: str) -> HttpResponse:
    return JsonResponse("Basic " + base64.b64encode(f"{api_key}:".encode()).decode(), safe=False)


@sandbox_endpoint(ERRORS, _authorization_location)
def authorization_header(request: HttpRequest, location: SandboxLocation, apiKey: str) -> HttpResponse:
    return _authorization_answer(apiKey)


# --- views: products and inventory ----------------------------------------------------------------
@_endpoint("Inventory")
@_bad_params
def products(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Only API-enabled, online-available products (`onlineAvailable`), in or out of stock."""
    is_active = _bool(request, "isActive", default=None)
    queryset = _modified_between(_records(location, RecordKind.PRODUCT), _datetime(request, "fromLastModifiedDateUTC"),
                                 None)

    def render(data: dict) -> dict | None:
        product = data["product"]
        if not product.get("onlineAvailable") or (is_active is not None and product["isActive"] != is_active):
            return None
        return product

    return _stream(queryset, render)


@_endpoint("Reporting")
@_bad_params
def reporting_products(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Every product, whatever its API/online flags."""
    queryset = _modified_between(_records(location, RecordKind.PRODUCT), _datetime(request, "fromLastModifiedDateUTC"),
                                 None)
    return _stream(queryset, lambda data: data["product"])


def _sellable_rooms(location: SandboxLocation) -> set[int]:
    """Rooms whose stock /inventory counts. With Assign Rooms To Menus on (D14), only the rooms assigned
    to the menu count, so an empty assignment empties the feed although the key is good."""
    if not location.assign_rooms_to_menus:
        return SELLABLE_ROOM_IDS
    visible = set()
    for room_id in location.visible_room_ids or []:
        try:
            visible.add(int(room_id))
        except (TypeError, ValueError):
            continue
    return SELLABLE_ROOM_IDS & visible


@_endpoint("Inventory")
@_bad_params
def inventory(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Only API-enabled, active items with sellable stock above their low-inventory threshold (D13)."""
    include_labs = _bool(request, "includeLabResults")
    include_rooms = _bool(request, "includeRoomQuantities")
    allowed = _sellable_rooms(location)
    queryset = _records(location, RecordKind.PRODUCT).filter(quantity__gt=0)

    def render(data: dict) -> dict | None:
        product, item = data["product"], data["inventory"]
        if not product.get("onlineAvailable") or not product.get("isActive"):
            return None
        stocked = [r for r in item.get("roomQuantities") or [] if _number(r["quantityAvailable"]) > 0]
        shown = [r for r in stocked if r["roomId"] in allowed]
        quantity = sum(_number(r["quantityAvailable"]) for r in shown)
        threshold = product.get("lowInventoryThreshold")
        if quantity <= 0 or (threshold is not None and quantity <= threshold):
            return None
        out = dict(item)
        if len(shown) != len(stocked):
            out["quantityAvailable"] = quantity
        out["roomQuantities"] = shown if include_rooms else []
        if not include_labs:
            out["labResults"] = []
        return out

    return _stream(queryset, render)


def _allocated(location: SandboxLocation) -> dict[int, float]:
    """Quantities held by open pre-orders, per productId (allocatedQuantity)."""
    held: dict[int, float] = {}
    for order in _records(location, RecordKind.ORDER).values_list("data", flat=True):
        if order["status"] in OPEN_ORDER_STATUSES:
            for line in order["_sandbox"]["lines"]:
                held[line["productId"]] = held.get(line["productId"], 0.0) + float(line["quantity"])
    return held


@_endpoint("Reporting")
@_bad_params
def reporting_inventory(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Every product's package, in every room (quarantine included), with unitCost and allocatedQuantity."""
    include_labs = _bool(request, "includeLabResults")
    include_rooms = _bool(request, "includeRoomQuantities")
    include_allocated = _bool(request, "includeAllocated")
    include_lineage = _bool(request, "includeLineage")
    held = _allocated(location) if include_allocated else {}

    def render(data: dict) -> dict:
        item = data["inventory"]
        out = {"unitWeightUnit": item["unitWeightUnit"], "unitCost": data["product"]["unitCost"],
               "allocatedQuantity": held.get(item["productId"], 0.0) if include_allocated else None, **item}
        if not include_rooms:
            out["roomQuantities"] = []
        if not include_labs:
            out["labResults"] = []
        if include_lineage:
            out["lineage"] = [{"packageId": item["packageId"], "antecedentPackageDistance": 1,
                               "antecedentIsHarvest": True, "batchName": item["batchName"],
                               "antecedentBatchName": f"H-{item['batchName']}"}]
        return out

    return _stream(_records(location, RecordKind.PRODUCT), render)


# --- views: customers -----------------------------------------------------------------------------
def _customer_queryset(request: HttpRequest, location: SandboxLocation):
    return _modified_between(_records(location, RecordKind.CUSTOMER),
                             _datetime(request, "fromLastModifiedDateUTC"), _datetime(request, "toLastModifiedDateUTC"))


@_endpoint("Customer")
@_bad_params
def customers(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    queryset = _customer_queryset(request, location)
    include_anonymous = _bool(request, "includeAnonymous", default=True)
    customer_id, unique_id = _int(request, "customerID"), _param(request, "uniqueId")
    if customer_id is not None:
        queryset = queryset.filter(external_id=str(customer_id))
    found = [c for c in queryset.values_list("data", flat=True)
             if (include_anonymous or not c["isAnonymous"]) and (unique_id is None or c["uniqueId"] == unique_id)]
    if not found and (customer_id is not None or unique_id is not None):
        return HttpResponse(status=404)  # documented: customer not found by customerID or uniqueId
    return JsonResponse(found, safe=False)


@_endpoint("Customer")
@_bad_params
def customers_paginated(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """PageNumber starts at 0 (the OpenAPI's word; the docs pages say 1 [our choice: 0]), PageSize
    defaults to 1000, at most 10000; a page past the end is `[]`."""
    page, size = _int(request, "PageNumber", 0), _int(request, "PageSize", 1000)
    if page < 0 or not 1 <= size <= 10_000:
        error = ("PageNumber", "PageNumber must be 0 or more.") if page < 0 else \
            ("PageSize", "PageSize must be between 1 and 10000.")
        return _bad_request("One or more validation errors occurred.", [error])
    include_anonymous = _bool(request, "includeAnonymous", default=True)
    found = [c for c in _customer_queryset(request, location).values_list("data", flat=True)
             if include_anonymous or not c["isAnonymous"]]
    return JsonResponse(found[page * size:(page + 1) * size], safe=False)


EDIT_REQUIRED = ("firstName", "address1", "city", "state", "postalCode", "status", "customerType")
EDIT_FIELDS = ("firstName", "lastName", "middleName", "nameSuffix", "namePrefix", "address1", "address2", "city",
               "state", "postalCode", "phone", "emailAddress", "status", "mmjidNumber", "mmjidExpirationDate",
               "customerType", "dateOfBirth", "externalCustomerId", "gender", "referralSource", "customIdentifier",
               "notes", "isLoyaltyMember")


@_endpoint("Customer", method="POST")
def customer_edit(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """EcomCustomerEdit: creates when customerId is null/0, otherwise updates (404 when unknown)."""
    body = json_body(request)
    if not isinstance(body, dict):
        return _bad_request("A non-empty request body is required.")
    missing = [name for name in EDIT_REQUIRED if not body.get(name)]
    errors = [(name, f"The {name} field is required.") for name in missing]
    if body.get("status") and body["status"] not in CUSTOMER_STATUSES:
        errors.append(("status", f"status must be one of {', '.join(CUSTOMER_STATUSES)}."))
    if errors:
        return _bad_request("One or more validation errors occurred.", errors)
    now = timezone.now()
    customer_id = body.get("customerId") or 0
    if customer_id:
        record = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER,
                                              external_id=str(customer_id), deleted=False).first()
        if record is None:
            return JsonResponse(f"Customer {customer_id} not found", status=404, safe=False)
        data = record.data
    else:
        last = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER).aggregate(
            Max("position"))["position__max"] or 0
        customer_id = _next_customer_id(location)
        record = SandboxRecord(location=location, kind=RecordKind.CUSTOMER, external_id=str(customer_id),
                               position=last + 1)
        data = {
            "customerId": customer_id, "uniqueId": _guid(location.pk, "customer", customer_id, now.timestamp()),
            "name": None, "firstName": None, "lastName": None, "middleName": None, "nameSuffix": None,
            "namePrefix": None, "address1": None, "address2": None, "city": None, "state": None,
            "postalCode": None, "phone": None, "cellPhone": None, "emailAddress": None, "status": None,
            "mmjidNumber": None, "mmjidExpirationDate": None, "lastModifiedDateUTC": None,
            "creationDate": _iso(now), "customerType": None, "gender": None, "driversLicenseHash": None,
            "dateOfBirth": None, "externalCustomerId": None, "createdByIntegrator": "Canopy",
            "isAnonymous": False, "referralSource": None, "otherReferralSource": None, "springBigMemberId": 0,
            "customIdentifier": None, "discountGroups": [], "createdAtLocation": location.name, "notes": None,
            "isLoyaltyMember": None, "primaryQualifyingCondition": None, "secondaryQualifyingConditions": [],
            "mergedIntoCustomerId": None, "optedIntoMarketing": None, "loyaltyTier": None,
        }
    for name in EDIT_FIELDS:
        if name in body:
            data[name] = body[name]
    data["cellPhone"] = data["phone"]
    data["name"] = " ".join(part for part in (data["firstName"], data["lastName"]) if part)
    data["lastModifiedDateUTC"] = _iso(now)
    record.data, record.modified_at = data, now
    record.phone, record.email = data["phone"] or "", data["emailAddress"] or ""
    record.save()
    return JsonResponse(data)


def _next_customer_id(location: SandboxLocation) -> int:
    ids = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER).values_list("external_id",
                                                                                                flat=True)
    return max((int(i) for i in ids), default=5000) + 1


def _digits(value) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())[-10:]


@_endpoint("Customer", method="POST")
def customer_search(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Each criterion matches on its own (lastName only with dateOfBirth); one customer can appear once per
    matching criterion. matchType strings are [our choice]: the spec names none."""
    body = json_body(request)
    body = body if isinstance(body, dict) else {}
    criteria = {k: body.get(k) for k in ("lastName", "dateOfBirth", "phone", "emailAddress", "mmjidNumber",
                                         "driversLicenseId") if body.get(k)}
    if not criteria:
        return _bad_request("At least one search criterion must be provided.")
    if bool(criteria.get("lastName")) != bool(criteria.get("dateOfBirth")) and not (
            set(criteria) - {"lastName", "dateOfBirth"}):
        return _bad_request("LastName and DateOfBirth must be used together.",
                            [("lastName", "LastName requires DateOfBirth."),
                             ("dateOfBirth", "DateOfBirth requires LastName.")])
    results = []
    for customer in _records(location, RecordKind.CUSTOMER).values_list("data", flat=True):
        checks = [
            ("MMJID", criteria.get("mmjidNumber") and customer["mmjidNumber"] == criteria["mmjidNumber"]),
            ("Email", criteria.get("emailAddress") and (customer["emailAddress"] or "").lower()
             == criteria["emailAddress"].lower()),
            ("Phone", criteria.get("phone") and _digits(customer["phone"]) and _digits(customer["phone"])
             == _digits(criteria["phone"])),
            ("LastNameDateOfBirth", criteria.get("lastName") and criteria.get("dateOfBirth")
             and (customer["lastName"] or "").lower() == criteria["lastName"].lower()
             and (customer["dateOfBirth"] or "")[:10] == str(criteria["dateOfBirth"])[:10]),
        ]
        results.extend({"matchType": match, **customer} for match, hit in checks if hit)
    return JsonResponse(results, safe=False)


# --- views: transactions --------------------------------------------------------------------------
def _validation_error(errors: list[tuple[str, str, object]]) -> JsonResponse:
    """/reporting/transactions' own 400 body: a FluentValidation ValidationResult."""
    return JsonResponse({"isValid": False, "errors": [
        {"propertyName": name, "errorMessage": message, "attemptedValue": value, "customState": None,
         "severity": 0, "errorCode": "PredicateValidator", "formattedMessagePlaceholderValues": None}
        for name, message, value in errors], "ruleSetsExecuted": []}, status=400)


@_endpoint("Reporting")
def transactions(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """Exactly one of: TransactionId | FromDateUTC+ToDateUTC | FromLastModifiedDateUTC+ToLastModifiedDateUTC."""
    try:
        transaction_id = _int(request, "TransactionId")
        dates = (_datetime(request, "FromDateUTC"), _datetime(request, "ToDateUTC"))
        modified = (_datetime(request, "FromLastModifiedDateUTC"), _datetime(request, "ToLastModifiedDateUTC"))
        flags = {name: _bool(request, name) for name in ("IncludeDetail", "IncludeTaxes", "IncludeOrderIds",
                                                         "IncludeFeesAndDonations")}
    except BadParam as error:
        return _validation_error([(error.name, str(error), error.value)])
    forms = [transaction_id is not None, any(dates), any(modified)]
    if sum(forms) != 1:
        return _validation_error([("", "Provide exactly one of TransactionId, FromDateUTC and ToDateUTC, or "
                                       "FromLastModifiedDateUTC and ToLastModifiedDateUTC.", None)])
    for (start, end), names in ((dates, ("FromDateUTC", "ToDateUTC")),
                                (modified, ("FromLastModifiedDateUTC", "ToLastModifiedDateUTC"))):
        if any((start, end)) and not all((start, end)):
            missing = names[1] if start else names[0]
            return _validation_error([(missing, f"'{missing}' must not be empty.", None)])
        if start and end and start > end:
            return _validation_error([(names[0], f"'{names[0]}' must be before '{names[1]}'.", _iso(start))])
    queryset = _records(location, RecordKind.TRANSACTION)
    if transaction_id is not None:
        queryset = queryset.filter(external_id=str(transaction_id))
    elif any(dates):
        queryset = queryset.filter(occurred_at__gte=dates[0], occurred_at__lte=dates[1])
    else:
        queryset = _modified_between(queryset, *modified)

    def render(data: dict) -> dict:
        if not flags["IncludeDetail"]:
            data["items"] = []
        elif not flags["IncludeTaxes"]:
            for item in data["items"]:
                item["taxes"] = []
        if not flags["IncludeTaxes"]:
            data["taxSummary"] = []
        if not flags["IncludeOrderIds"]:
            data["orderIds"] = []
        if not flags["IncludeFeesAndDonations"]:
            data["feesAndDonations"] = []
        return data

    return _stream(queryset, render)


# --- views: pre-orders ----------------------------------------------------------------------------
def _order_items(location: SandboxLocation, lines: list[dict], medical: bool) -> tuple[list[dict], float, float]:
    """AllocatedPreOrderItem rows and subtotal/tax from the products' current prices."""
    ids = [str(line["productId"]) for line in lines]
    found = {int(pid): data for pid, data in _records(location, RecordKind.PRODUCT).filter(
        external_id__in=ids).values_list("external_id", "data")}
    items, subtotal = [], 0.0
    for line in lines:
        product = found[int(line["productId"])]["product"]
        unit = product["medPrice"] if medical and product["medPrice"] is not None else product["recPrice"]
        total = _money(_number(unit) * float(line["quantity"]))
        subtotal += total
        items.append({"productName": product["productName"], "quantity": float(line["quantity"]),
                      "totalPrice": total, "totalDiscount": 0.0, "totalTax": _money(total * TAX_RATE)})
    return items, _money(subtotal), _money(subtotal * TAX_RATE)


def _check_lines(location: SandboxLocation, items) -> tuple[list[dict], list[tuple[str, str]]]:
    if not isinstance(items, list) or not items:
        return [], [("items", "At least one item is required.")]
    lines, errors = [], []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("productId"), int) \
                or not isinstance(item.get("quantity"), int | float) or item["quantity"] <= 0:
            errors.append((f"items[{n}]", "productId (int) and a positive quantity are required."))
            continue
        lines.append({"productId": item["productId"], "quantity": item["quantity"]})
    known = set(_records(location, RecordKind.PRODUCT).filter(
        external_id__in=[str(line["productId"]) for line in lines]).values_list("external_id", flat=True))
    errors += [(f"items[{n}].productId", f"Product {line['productId']} was not found.")
               for n, line in enumerate(lines) if str(line["productId"]) not in known]
    return lines, errors


def _public_order(data: dict, include_items: bool) -> dict:
    out = {key: value for key, value in data.items() if key != "_sandbox"}
    if not include_items:
        out["items"] = None
    return out


def _customer(location: SandboxLocation, customer_id) -> dict | None:
    if not isinstance(customer_id, int):
        return None
    return _records(location, RecordKind.CUSTOMER).filter(external_id=str(customer_id)).values_list(
        "data", flat=True).first()


@_endpoint("PreOrder", method="POST")
def preorder_submit(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """CreatePreOrderRequest -> the new order's id (int32). The same ConsumerKey + idempotencyKey returns
    the first order's id again without creating another."""
    body = json_body(request)
    if not isinstance(body, dict):
        return _bad_request("A non-empty request body is required.")
    consumer_key, idempotency_key = request.headers.get("ConsumerKey", ""), body.get("idempotencyKey")
    orders = _records(location, RecordKind.ORDER)
    if idempotency_key:
        for order_id, data in orders.values_list("external_id", "data"):
            keys = data["_sandbox"]
            if keys["idempotencyKey"] == idempotency_key and keys["consumerKey"] == consumer_key:
                return JsonResponse(int(order_id), safe=False)
    customer = _customer(location, body.get("customerId"))
    errors = [] if customer else [("customerId", f"Customer {body.get('customerId')} was not found.")]
    lines, line_errors = _check_lines(location, body.get("items"))
    if errors + line_errors:
        return _bad_request("One or more validation errors occurred.", errors + line_errors)
    now = timezone.now()
    last = SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER).aggregate(Max("position"))
    position = (last["position__max"] or 0) + 1
    order_id = 70_000 + position
    items, subtotal, tax = _order_items(location, lines, customer["customerType"].startswith("Medical"))
    data = {
        "preOrderId": order_id, "status": "Submitted", "transactionId": None, "orderDate": _iso(now),
        "customerFirstName": customer["firstName"], "customerLastName": customer["lastName"],
        "customerId": customer["customerId"],
        "orderType": body.get("orderType") or ("Delivery" if body.get("isDelivery") else "Pickup"),
        "orderSource": body.get("orderSource") or "Web", "rejectedReason": None, "isCancellable": True,
        "isUpdateable": True, "total": _money(subtotal + tax), "subTotal": subtotal, "totalTax": tax,
        "sourceSystem": "API", "items": items,
        # What the real API keeps but never shows in PreOrderStatus; stripped from every response.
        "_sandbox": {"consumerKey": consumer_key, "idempotencyKey": idempotency_key, "lines": lines,
                     "request": body},
    }
    SandboxRecord.objects.create(location=location, kind=RecordKind.ORDER, external_id=str(order_id), data=data,
                                 occurred_at=now, modified_at=now, position=position)
    return JsonResponse(order_id, safe=False)


def _order_record(location: SandboxLocation, order_id) -> SandboxRecord | None:
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        return None
    return SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER, external_id=str(order_id)).first()


@_endpoint("PreOrder", method="POST")
def preorder_update(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """UpdatePreOrderRequest: 200 with an empty body; 404 unknown order; 400 (empty body) when the order can
    no longer be updated (past Submitted [our choice]) or the items are invalid."""
    body = json_body(request)
    if not isinstance(body, dict):
        return HttpResponse(status=400)
    record = _order_record(location, body.get("orderId"))
    if record is None:
        return HttpResponse(status=404)
    data = record.data
    if not data["isUpdateable"]:
        return HttpResponse(status=400)
    if "items" in body:
        lines, errors = _check_lines(location, body["items"])
        if errors:
            return HttpResponse(status=400)
        customer = _customer(location, data["customerId"]) or {"customerType": "Recreational"}
        items, subtotal, tax = _order_items(location, lines, customer["customerType"].startswith("Medical"))
        data.update(items=items, subTotal=subtotal, totalTax=tax, total=_money(subtotal + tax))
        data["_sandbox"]["lines"] = lines
    if body.get("orderSource"):
        data["orderSource"] = body["orderSource"]
    if "isDelivery" in body:
        data["orderType"] = "Delivery" if body["isDelivery"] else "Pickup"
    data["_sandbox"]["update"] = body
    record.modified_at = timezone.now()
    record.save(update_fields=["data", "modified_at"])
    return HttpResponse(status=200)


@_endpoint("PreOrder", method="POST")
def preorder_cancel(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """{orderId, cancellationReason} -> 200 with an int32 (the order id [our choice: the spec does not say
    which int]); 404 unknown; 400 (empty body) once Complete or already Cancelled."""
    body = json_body(request)
    if not isinstance(body, dict):
        return HttpResponse(status=400)
    record = _order_record(location, body.get("orderId"))
    if record is None:
        return HttpResponse(status=404)
    data = record.data
    if data["status"] not in OPEN_ORDER_STATUSES:
        return HttpResponse(status=400)
    data.update(status="Cancelled", rejectedReason=body.get("cancellationReason"), isCancellable=False,
                isUpdateable=False)
    record.modified_at = timezone.now()
    record.save(update_fields=["data", "modified_at"])
    return JsonResponse(data["preOrderId"], safe=False)


@_endpoint("PreOrder")
def preorder_status(request: HttpRequest, location: SandboxLocation) -> HttpResponse:
    """With PreOrderId: that order's PreOrderStatus. Without: an array of the open orders of the last 14
    days [the array shape is our choice; D1 only says "all recent active orders"]. 400s have empty bodies."""
    try:
        order_id = _int(request, "PreOrderId")
        include_items = _bool(request, "includeLineItems")
    except BadParam:
        return HttpResponse(status=400)
    if order_id is None:
        if include_items:
            return HttpResponse(status=400)  # includeLineItems requires a PreOrderId
        since = timezone.now() - timedelta(days=14)
        found = [_public_order(data, False) for data in _records(location, RecordKind.ORDER).filter(
            occurred_at__gte=since).values_list("data", flat=True) if data["status"] in OPEN_ORDER_STATUSES]
        return JsonResponse(found, safe=False)
    record = _order_record(location, order_id)
    if record is None:
        return HttpResponse(status=400)  # only 400 and 500 are documented for this operation
    return JsonResponse(_public_order(record.data, include_items))
