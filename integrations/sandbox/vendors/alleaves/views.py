"""Sandbox Alleaves POS (X1, requirements A1-A7).

Serves the Alleaves API (`https://app.alleaves.com/api`) under /sandbox/alleaves/. The inventory row
copies the real `/inventory/search` response (reference/alleaves-inventory-sample.json) key for key and
in the same order; the location and area shapes copy alleaves-location-areas.json. What the reference
marks unknown (error bodies, order push, patient lookup, tiered pricing) is our own choice, kept in
Alleaves' style (snake_case, `id_*` keys, bare arrays) and listed in docs/sandbox/alleaves.md.
"""
import base64
import hashlib
import hmac
import json
import random
import secrets
import time
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ... import generate
from ...faults import VendorErrors, json_body, sandbox_endpoint, stream_json_array
from ...generate import CustomerSpec, ProductSpec, TransactionSpec
from ...models import RecordKind, SandboxLocation, SandboxRecord, SandboxToken
from ..base import Row, SandboxVendor

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

# Neutral category -> (Alleaves category path, item-name form, delivery_route). Paths start with
# "Category > " and use the store's own words ("Pre rolls", "Vapes", "Concentrate") as in the sample.
CATEGORIES = {
    "Flower": ("Category > Flower", "Flower", "Whole Flower"),
    "Pre-Rolls": ("Category > Pre rolls", "Pre Roll", "Pre-Roll"),
    "Vaporizers": ("Category > Vapes", "Cartridge", "Extract"),
    "Concentrates": ("Category > Concentrate", "Concentrate", "Concentrate"),
    "Edibles": ("Category > Edibles", "Gummies", "Solid Form"),
    "Beverages": ("Category > Beverages", "Beverage", "Liquid Form"),
    "Topicals": ("Category > Topicals", "Balm", "Topical"),
    "Tinctures": ("Category > Tinctures", "Tincture", "Liquid Form"),
    "Accessories": ("Category > Accessories", "", None),
}
# New York adult-use tax as the sample's OTD prices show it (price_otd_adult_use = 1.13 x retail).
OTD_RATE = 1.13
MEDICAL_OTD_RATE = 1.07
ORDER_TAX_RATE = 0.13
ORDER_TYPES = ("pickup", "delivery")
FIRST_ORDER_ID = 2_000_000
ORDER_PAGE_SIZE = 100
CUSTOMER_PAGE_SIZE_MAX = 1000
# Keys our rows carry beyond the 110 of the real sample: deli-style tiers (A4), absent from the sample.
TIER_KEYS = ("id_pricing_tier", "pricing_tiers")


def iso_ms(when: datetime | None) -> str | None:
    """Alleaves' timestamp style: milliseconds and a Z ("2026-01-10T21:58:10.280Z")."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _money(value: float) -> float:
    return round(value, 2)


def _number(value: float) -> int | float:
    """Whole numbers as ints, as the real feed sends 35 rather than 35.0."""
    return int(value) if float(value).is_integer() else value


def _message(status: int, message: str, **extra) -> JsonResponse:
    # Alleaves' error schema is not public ("not found" in the reference): we answer {"message": ...}.
    return JsonResponse({"message": message, **extra}, status=status)


# --- JWT ------------------------------------------------------------------------------------------
def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt_secret() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"sandbox-alleaves-jwt", hashlib.sha256).digest()


def make_jwt(payload: dict) -> str:
    """An HS256 JWT (PyJWT is not a dependency, and the format is three base64url parts)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(_jwt_secret(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


def user_id(location: SandboxLocation) -> int:
    return 1000 + location.pk


def issue_token(location: SandboxLocation, ttl_seconds: int | None = None) -> SandboxToken:
    """Store a new login token; `ttl_seconds` defaults to the location's token_ttl_seconds
    (a negative value makes an already-expired token, for tests)."""
    ttl = location.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    now = int(time.time())
    token = make_jwt({"id_user": user_id(location), "username": location.username, "id_company": 1000,
                      "id_location": int(location.location_id), "jti": secrets.token_hex(8),
                      "iat": now, "exp": now + ttl})
    return SandboxToken.objects.create(location=location, token=token,
                                       expires_at=timezone.now() + timedelta(seconds=ttl))


class AlleavesErrors(VendorErrors):
    """Alleaves publishes no error schema and no rate limits: {"message"} bodies, no limits."""

    def unauthorized(self) -> HttpResponse:
        return _message(401, "Unauthorized")

    def forbidden(self, detail: str = "") -> HttpResponse:
        return _message(403, "Forbidden" + (f": {detail}" if detail else ""))

    def rate_limited(self, limit: int, retry_after: int | None) -> HttpResponse:
        response = _message(429, "Too many requests")
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def server_error(self) -> HttpResponse:
        return _message(500, "Internal server error")

    def rate_limit_for(self, request: HttpRequest) -> int:
        return 0


ERRORS = AlleavesErrors()


def authenticate_login(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """POST /auth: username + password (+ pin when the location has one)."""
    body = json_body(request)
    if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
        return _message(400, "username and password are required")
    location = SandboxLocation.objects.filter(vendor="alleaves", username=str(body["username"])).first()
    ok = location is not None and hmac.compare_digest(location.password, str(body["password"]))
    if ok and location.pin:
        ok = hmac.compare_digest(location.pin, str(body.get("pin") or ""))
    if not ok:
        return _message(401, "Invalid username or password")
    return location


def authenticate_bearer(request: HttpRequest, **kwargs) -> SandboxLocation | HttpResponse:
    """Every other endpoint: `Authorization: Bearer <JWT from /auth>`; unknown or expired -> 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _message(401, "No authorization token was found")
    stored = SandboxToken.objects.select_related("location").filter(token=token.strip()).first()
    if stored is None or stored.location.vendor != "alleaves":
        return _message(401, "Invalid token")
    if stored.expires_at <= timezone.now():
        return _message(401, "Token expired")
    return stored.location


def _methods(**views):
    """Route one path to a view per HTTP method; anything else is 405."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args, **kwargs):
        view = views.get(request.method.lower())
        if view is None:
            return _message(405, f"Cannot {request.method} {request.path}")
        return view(request, *args, **kwargs)

    return dispatch


def _location_mismatch(location: SandboxLocation, id_location) -> HttpResponse | None:
    if str(id_location) != location.location_id:
        return ERRORS.forbidden(f"user has no access to location {id_location}")
    return None


def _positive_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


class AlleavesSandbox(SandboxVendor):
    vendor = "alleaves"
    path = "alleaves/"
    # A1: Location ID, Username, Password (the PIN is optional and only shown when set).
    credential_fields = ("location_id", "username", "password")
    order_statuses = ("open", "in_progress", "ready", "completed")

    # --- set-up -------------------------------------------------------------------------------
    def configure_location(self, location: SandboxLocation, rng: random.Random) -> None:
        # Alleaves ids start at 1000 (the sample's store is id_location 1000). Same seed, same id,
        # unless that id is taken (location_id is unique across every sandbox vendor).
        candidate = 1000 + location.seed % 9000
        while SandboxLocation.objects.filter(location_id=str(candidate)).exists():
            candidate += 1
        location.location_id = str(candidate)
        location.username = f"integrations+{candidate}@sandbox.canopy.test"
        location.password = secrets.token_urlsafe(12)

    def credentials(self, location: SandboxLocation) -> dict:
        found = super().credentials(location)
        if location.pin:
            found["pin"] = location.pin
        return found

    # --- rendering ----------------------------------------------------------------------------
    def area_rows(self, location: SandboxLocation) -> list[dict]:
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

    def reference_rows(self, location: SandboxLocation) -> dict[str, list[Row]]:
        now = generate.EPOCH
        return {RecordKind.ROOM: [
            Row(external_id=str(area["id_area"]), data=area, modified_at=now, room_id=str(area["id_area"]),
                position=i)
            for i, area in enumerate(self.area_rows(location))
        ]}

    def location_object(self, location: SandboxLocation, areas: list[dict]) -> dict:
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

    def _area(self, spec: ProductSpec) -> dict | None:
        """room_index 0/1 sellable, 2 no area (the sample's 82 area-less rows), 3 non-sellable."""
        if spec.room_index == 0:
            area_id = AREA_BASE
        elif spec.room_index == 1:
            area_id = AREA_BASE + spec.index % 2
        elif spec.room_index == 2:
            return None
        else:
            area_id = NON_SELLABLE_AREAS[spec.index % len(NON_SELLABLE_AREAS)]
        return AREA_BY_ID[area_id]

    def _compounds(self, spec: ProductSpec) -> list[dict]:
        """Custom chemical profile (A6). THC keeps the real spelling ("THC %", decimal string);
        terpenes carry their unit in the value: "1.2%", "3 mg", "4.5 mg/g", or a bare number (= mg)."""
        if spec.thc is None or (not spec.terpenes and spec.index % 3):
            return []
        unit = "%" if spec.lab_unit == "%" else spec.lab_unit
        compounds = [{"compound": f"THC {unit}", "result": f"{spec.thc:.8f}" if spec.index % 2 else f"{spec.thc:g}"}]
        if spec.cbd:
            compounds.append({"compound": f"CBD {unit}", "result": f"{spec.cbd:g}"})
        for terpene in spec.terpenes:
            name = generate.TERPENES[terpene.name][terpene.spelling_index] if terpene.known else terpene.name
            if terpene.unit == "%":
                result = f"{terpene.value:g}%"
            elif terpene.unit == "mg/g":
                result = f"{terpene.value:g} mg/g"
            elif terpene.spelling_index % 2:
                result = f"{terpene.value:g}"  # no unit: Alleaves means mg (A6)
            else:
                result = f"{terpene.value:g} mg"
            compounds.append({"compound": name, "result": result})
        return compounds

    def product_row(self, location: SandboxLocation, spec: ProductSpec) -> Row:
        """One batch of one item, as a row of POST /inventory/search (110 real keys + TIER_KEYS).

        Kept cheap (no queries): 100,000 of these are rendered when a big catalogue is generated."""
        index = spec.index
        category_path, form, delivery_route = CATEGORIES[spec.category]
        if spec.custom_category and index % 2:
            category_path = f"{category_path} > {spec.custom_category}"
        elif index % 97 == 5:
            category_path = "Uncategorized"
        cannabis = spec.category != "Accessories"
        # A second batch of an earlier item (R8 duplicate): same id_item, its own id_batch.
        id_item = 1000 + (spec.duplicate_of if spec.duplicate_of is not None else index)
        id_batch = 1000 + index
        area = self._area(spec)
        quantity = spec.quantity if area is not None else 0  # area-less rows hold nothing, as in the sample
        on_hand = quantity + (1 if quantity and index % 13 == 0 else 0)  # one unit allocated to an order
        deli = spec.tier_kind == "Gram"
        # Prices: the store sells adult-use and medical; some items one menu only (0 = not on that menu).
        base_price = spec.tiers[0][2] if deli else spec.price_rec
        adult = base_price if index % 9 != 4 else 0
        medical = _money(base_price * spec.price_med / spec.price_rec) if spec.price_rec and index % 9 != 5 else 0
        generic = base_price if index % 10 == 3 else 0  # the sample's other pattern: only price_retail set
        use_otd = index % 7 == 0  # A2: "Out-The-Door pricing" switched on for this item
        low = spec.low_threshold
        if spec.infused:
            size = f"{spec.thc:g}mg" if spec.thc else f"{spec.unit_weight_g * 1000:g}mg"
            weight, weight_uom, weight_short = _number(round(spec.unit_weight_g * 1000, 3)), "Milligrams", "mg"
        elif deli:
            # Deli style: weighed out at the counter, priced per gram by tier (A4).
            size, weight, weight_uom, weight_short = "Bulk", 1, "Grams", "g"
        elif cannabis:
            size = f"{spec.unit_weight_g:g}g"
            weight, weight_uom, weight_short = _number(spec.unit_weight_g), "Grams", "g"
        else:
            size, weight, weight_uom, weight_short = "", None, None, None
        if cannabis:
            item = " - ".join(part for part in (spec.brand.strip(), form, spec.strain, size) if part)
        else:
            item = spec.name
        received = spec.modified_at - timedelta(days=20 + index % 90)
        compounds = self._compounds(spec)
        thc = cbd = thc_mg = cbd_mg = None
        if spec.thc is not None:
            if spec.lab_unit == "mg":
                thc_mg, cbd_mg = _number(spec.thc), (_number(spec.cbd) if spec.cbd else None)
            elif spec.lab_unit == "mg/g":  # stored as percent: 10 mg/g = 1 %
                thc, cbd = round(spec.thc / 10, 2), (round(spec.cbd / 10, 2) if spec.cbd else None)
            else:
                thc, cbd = _number(spec.thc), (_number(spec.cbd) if spec.cbd else None)
        cost = _money(spec.unit_cost) if index % 3 else None
        tiers = [{"quantity_min": _number(start), "quantity_max": _number(end), "price": _number(price)}
                 for start, end, price in spec.tiers]
        data = {
            "biotrack_test_results": [],
            "id_batch": id_batch,
            "id_item": id_item,
            "id_item_group": id_item,
            "id_location": int(location.location_id),
            "is_biotrack": False,
            "is_adult_use": adult > 0 or generic > 0,
            "is_medical_use": medical > 0,
            "is_cannabis": cannabis,
            "is_plant": False,
            "is_seed": False,
            # A3: an item-level threshold on some items, the per-location one below on others.
            "threshold_low_quantity": low if low and index % 4 == 1 else None,
            "threshold_low_quantity_selected": bool(low and index % 4 == 1),
            "batch_cost_of_good": cost,
            "id_strain": 1100 + generate.STRAINS.index(spec.strain) if spec.strain and index % 4 == 0 else None,
            "biotrack_barcode_id": None,
            "biotrack_state_id": None,
            "biotrack_inventory_type_id": None,
            "biotrack_scheduled_destroyed": None,
            "biotrack_destroyed": None,
            "biotrack_restocked": None,
            "biotrack_thc": None,
            "biotrack_cbd": None,
            "biotrack_thc_mg": None,
            "biotrack_cbd_mg": None,
            "biotrack_med_useable_weight": None,
            "biotrack_rec_useable_weight": None,
            "is_low_thc": False,
            "is_medicated": spec.infused,
            "is_smoking": spec.category in ("Flower", "Pre-Rolls"),
            "is_low_thc_and_medical": False,
            "is_product": True,
            "category": category_path,
            "id_raw_material": None,
            "raw_material": None,
            "dosage_recommended": None,
            "brand": spec.brand if index % 11 else None,
            "vendor": f"{spec.brand.strip()} Distribution LLC",
            "vendor_metrc_facility_license_number": f"OCM-PROC-24-{spec.product_id % 97 + 1:06d}" if cannabis
            else None,
            "id_area": area["id_area"] if area else None,
            "internal_id_area": None,
            "id_status": 1,
            "item": item,
            "sku": None,  # null in all 395 real rows; items are keyed by id_item / id_batch
            "batch": f"B{received:%Y%m%d}{index:08d}",
            "vendor_batch_id": None,
            "metrc_package_label": f"1A412030000{location.seed % 1000:03d}A{index:09d}" if cannabis else None,
            "metrc_item_id": str(850000 + spec.product_id % 100000) if cannabis else None,
            "metrc_item_id_item": None,
            "id_ommu_form": None,
            "ommu_form_name": None,
            "is_ommu_delivery_device": False,
            "location": location.name,
            "area": area["name"] if area else None,
            "area_path": area["path"] if area else None,
            "area_type": area["area_type"] if area else None,
            "priority": area["priority"] if area else None,
            # Location-wide totals are filled in when served (they depend on the whole feed); the
            # misspelt "avaliable" key is real and always 0 in the sample.
            "all_avaliable_per_location": 0,
            "all_on_hand_per_location": 0,
            "location_low_inventory_threshold_batch": None,
            "has_owned_batch": area is not None,
            "on_hand": on_hand,
            "available": quantity,
            "uom_type": "weight" if deli else "count",
            "delivery_route": "Bulk Flower" if deli else delivery_route,
            "uom": "Grams" if deli else "Each",
            "uom_short": "g" if deli else "ea",
            "weight_useable": weight,
            "weight_useable_uom": weight_uom,
            "weight_useable_uom_short": weight_short,
            "uom_weight_net_short": ("mL" if spec.category == "Beverages" else weight_short) if index % 3 == 0
            else None,
            "status": "open",
            "qc_hold": area is not None and area["name"] == "Quarantine",
            "date_closed": None,
            "cost_of_good": cost,
            "price_retail": _number(generic),
            "price_retail_adult_use": _number(adult),
            "price_retail_medical_use": _number(medical),
            "price_otd": _number(_money(generic * OTD_RATE)),
            "price_otd_adult_use": _number(_money(adult * OTD_RATE)),
            "price_otd_medical_use": _number(_money(medical * MEDICAL_OTD_RATE)),
            "use_location_otd_price": use_otd,
            "use_otd_price": use_otd,
            "servings": 10 if spec.category == "Edibles" else None,
            "deleted": False,
            "has_inventory": on_hand > 0,
            "has_available_inventory": quantity > 0,
            "date_received": received.strftime("%Y-%m-%dT%H:%M:%S.") + f"{received.microsecond // 1000:03d}",
            "date_expire": (spec.modified_at + timedelta(days=180)).date().isoformat() if spec.infused else None,
            "allergens": "Vegan, Gluten Free" if spec.category == "Edibles" else None,
            "ingredients_list": "Read packaging" if spec.infused else None,
            "nutritional_information": None,
            "strain": spec.strain,
            "harvest_batch": None,
            "methodlabs_coa": None,
            "location_threshold_low_quantity_value": low,
            # A value that is set but not selected does not apply (the sample has 50 / false).
            "location_threshold_low_quantity_selected": bool(low and index % 5),
            "date_updated": iso_ms(spec.modified_at) if area is not None else None,
            "batch_date_updated": iso_ms(spec.modified_at),
            "id_test_result": 100 + index if compounds else None,
            "coa_s3_key": None,
            "biotrack_coa_link": None,
            "all_available_per_location": 0,
            "thc": thc,
            "thc_mg": thc_mg,
            "cbd": cbd,
            "cbd_mg": cbd_mg,
            "compounds": compounds,
            "coa_url": None,
            "total_rows": 0,
            # Deli style (A4): not in the real sample; our documented shape. Gram tiers price per gram.
            "id_pricing_tier": 2000 + index if tiers else None,
            "pricing_tiers": tiers,
        }
        if spec.malformed == "missing_name":
            data["item"] = None
        elif spec.malformed == "negative_price":
            data["price_retail_adult_use"] = -abs(spec.price_rec)
            data["price_otd_adult_use"] = -_money(spec.price_rec * OTD_RATE)
        elif spec.malformed == "text_quantity":
            data["available"] = f"{quantity} units"
        elif spec.malformed == "null_category":
            data["category"] = None
        return Row(external_id=str(id_batch), data=data, modified_at=spec.modified_at, quantity=quantity,
                   room_id=str(area["id_area"]) if area else "", position=index)

    def customer_row(self, location: SandboxLocation, spec: CustomerSpec) -> Row:
        medical = spec.medical_id is not None
        created = spec.created_at
        data = {
            "id_customer": spec.customer_id,
            "customer_name": f"{spec.first_name} {spec.last_name}",
            "name_first": spec.first_name,
            "name_last": spec.last_name,
            "email": spec.email,
            "phone": spec.phone,
            "date_of_birth": spec.birth_date,
            "customer_since": created.date().isoformat(),
            "date_created": iso_ms(created),
            "date_updated": iso_ms(spec.modified_at),
            "alpine_user_code": f"{7000000 + spec.customer_id}" if spec.loyalty_member else None,
            "springbig_user_code": None,
            "credit_balance": 5 if spec.index % 9 == 0 else 0,
            # Patient fields (our choice: Alleaves' real names are not public).
            "customer_type": spec.customer_type.replace("Recreational", "Adult Use"),
            "is_medical": medical,
            "medical_id": spec.medical_id,
            "medical_id_expiration": (created + timedelta(days=365 * 2)).date().isoformat() if medical else None,
            "state": spec.state,
            "deleted": spec.archived,
        }
        return Row(external_id=str(spec.customer_id), data=data, modified_at=spec.modified_at,
                   phone=spec.phone, email=spec.email, position=spec.index)

    def transaction_row(self, location: SandboxLocation, spec: TransactionSpec,
                        customer: CustomerSpec, products: dict[int, Row]) -> Row:
        items = []
        for line in spec.lines:
            product = products.get(line.product_index)
            data = product.data if product else {}
            items.append({"id_item": data.get("id_item"), "id_batch": data.get("id_batch"),
                          "item": data.get("item"), "category": data.get("category"),
                          "quantity": line.quantity, "price": line.unit_price})
        subtotal = _money(spec.total)
        tax = _money(subtotal * ORDER_TAX_RATE)
        order = {
            "id_order": spec.transaction_id,
            "id_location": int(location.location_id),
            "id_customer": customer.customer_id,
            "customer_name": f"{customer.first_name} {customer.last_name}",
            # A completed in-store sale; a voided one is "cancelled".
            "status": "cancelled" if spec.voided else "completed",
            "type": "retail",
            "is_medical": customer.medical_id is not None,
            "delivery_start": None,
            "delivery_end": None,
            "delivery_address": None,
            "notes": None,
            "reference": None,
            "subtotal": subtotal,
            "tax": tax,
            "discount": 0,
            "total": _money(subtotal + tax),
            "date_created": iso_ms(spec.occurred_at),
            "date_updated": iso_ms(spec.occurred_at),
            "items": items,
            "loyalty": spec.loyalty_spent,
            "points_earned": spec.loyalty_earned,
            "loyalties": [{"type": "redeem", "points": spec.loyalty_spent}] if spec.loyalty_spent else [],
        }
        return Row(external_id=str(spec.transaction_id), data=order, modified_at=spec.occurred_at,
                   phone=customer.phone, email=customer.email, occurred_at=spec.occurred_at)

    # --- changes ------------------------------------------------------------------------------
    PRICE_FIELDS = ("price_retail", "price_retail_adult_use", "price_retail_medical_use",
                    "price_otd", "price_otd_adult_use", "price_otd_medical_use")

    def set_price(self, data: dict, factor: float) -> None:
        for name in self.PRICE_FIELDS:
            if isinstance(data.get(name), int | float):
                data[name] = _number(_money(data[name] * factor))
        for tier in data.get("pricing_tiers") or []:
            tier["price"] = _number(_money(tier["price"] * factor))

    def set_quantity(self, data: dict, quantity: float) -> None:
        held = 0
        if isinstance(data.get("on_hand"), int | float) and isinstance(data.get("available"), int | float):
            held = max(data["on_hand"] - data["available"], 0)
        data["available"] = _number(quantity)
        data["on_hand"] = _number(quantity + held)
        data["has_available_inventory"] = quantity > 0
        data["has_inventory"] = quantity + held > 0

    def touch(self, data: dict, when: datetime) -> None:
        if "batch_date_updated" in data:
            data["date_updated"] = data["batch_date_updated"] = iso_ms(when)
        else:
            data["date_updated"] = iso_ms(when)

    def advance_order(self, data: dict) -> str:
        status = super().advance_order(data)
        data["date_updated"] = iso_ms(timezone.now())
        return status

    # --- HTTP ---------------------------------------------------------------------------------
    def urlpatterns(self) -> list:
        login = sandbox_endpoint(ERRORS, authenticate_login)
        bearer = sandbox_endpoint(ERRORS, authenticate_bearer)
        return [
            path("auth", _methods(post=login(self.view_auth))),
            path("location", _methods(get=bearer(self.view_location))),
            path("inventory/area", _methods(get=bearer(self.view_areas))),
            path("inventory/search", _methods(post=bearer(self.view_inventory_search))),
            path("inventory/batch/search", _methods(post=bearer(self.view_batch_search))),
            path("inventory/batch/<int:id_batch>", _methods(get=bearer(self.view_batch_detail))),
            path("customer/search", _methods(post=bearer(self.view_customer_search))),
            path("customer/patient/search", _methods(post=bearer(self.view_patient_search))),
            path("customer", _methods(post=bearer(self.view_customer_create))),
            path("order", _methods(get=bearer(self.view_order_list), post=bearer(self.view_order_create))),
            path("order/<int:id_order>", _methods(get=bearer(self.view_order_detail))),
        ]

    def view_auth(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        token = issue_token(location)
        return JsonResponse({
            "id_user": user_id(location), "name_first": "Canopy", "name_last": "Integration",
            "username": location.username, "id_company": 1000, "company": f"{location.name} LLC",
            "token": token.token,
        })

    def _areas(self, location: SandboxLocation) -> list[dict]:
        return list(SandboxRecord.objects.filter(location=location, kind=RecordKind.ROOM)
                    .values_list("data", flat=True))

    def view_location(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        return JsonResponse([self.location_object(location, self._areas(location))], safe=False)

    def view_areas(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        id_location = request.GET.get("id_location")
        if id_location and (refused := _location_mismatch(location, id_location)):
            return refused
        return JsonResponse(self._areas(location), safe=False)

    def view_inventory_search(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """The menu feed: a bare array, every row with `total_rows` (the count matching the query).
        `query` filters on the item name; `page`/`pageSize` (1-based) are optional: without them the
        whole feed comes back in one response, as the real sync reads it."""
        body = json_body(request)
        if not isinstance(body, dict) or body.get("id_location") in (None, ""):
            return _message(400, "id_location is required")
        if refused := _location_mismatch(location, body["id_location"]):
            return refused
        products = SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT, deleted=False)
        totals = products.aggregate(available=Sum("quantity"))
        query = str(body.get("query") or "").strip()
        if query:
            products = products.filter(data__item__icontains=query)
        total = products.count()
        feed = products.order_by("position", "id").values_list("data", flat=True)
        if "page" in body or "pageSize" in body:
            page, size = _positive_int(body.get("page")), _positive_int(body.get("pageSize"))
            if page is None or size is None:
                return _message(400, "page and pageSize must be positive integers")
            feed = feed[(page - 1) * size: page * size]
        location_available = _number(totals["available"] or 0)

        def rows():
            for data in feed.iterator(chunk_size=2000):
                data["total_rows"] = total
                data["all_available_per_location"] = location_available
                data["all_on_hand_per_location"] = location_available
                yield data

        return stream_json_array(rows())

    @staticmethod
    def batch_detail(row: dict) -> dict:
        """GET /inventory/batch/{id}: the reference names id_batch, date_expire, date_production,
        date_harvest, quantity, on_hand; the rest repeats the inventory row's batch fields."""
        received = row.get("date_received")
        return {
            "id_batch": row["id_batch"], "id_item": row["id_item"], "id_location": row["id_location"],
            "batch": row["batch"], "metrc_package_label": row["metrc_package_label"],
            "status": row["status"], "id_status": row["id_status"],
            "id_area": row["id_area"], "area": row["area"],
            "date_expire": row["date_expire"],
            "date_production": received[:10] if received else None,
            "date_harvest": None,
            "date_received": received,
            "quantity": row["on_hand"], "on_hand": row["on_hand"], "available": row["available"],
            "thc_mg": row["thc_mg"], "cbd_mg": row["cbd_mg"],
            "cost_of_good": row["batch_cost_of_good"], "date_updated": row["batch_date_updated"],
        }

    def _batches(self, location: SandboxLocation):
        return SandboxRecord.objects.filter(location=location, kind=RecordKind.PRODUCT, deleted=False)

    def view_batch_search(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """Body {"ids": [id_batch, ...]} (the body a production client sends; unconfirmed)."""
        body = json_body(request)
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids:
            return _message(400, "ids must be a non-empty list of id_batch")
        rows = self._batches(location).filter(external_id__in=[str(i) for i in ids]).values_list("data", flat=True)
        return JsonResponse([self.batch_detail(row) for row in rows], safe=False)

    def view_batch_detail(self, request: HttpRequest, location: SandboxLocation, id_batch: int) -> HttpResponse:
        record = self._batches(location).filter(external_id=str(id_batch)).first()
        if record is None:
            return _message(404, "Batch not found")
        return JsonResponse(self.batch_detail(record.data))

    def view_customer_search(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """{page, pageSize}, 1-based, both required (a bare {} is refused as in the real API)."""
        body = json_body(request)
        if not isinstance(body, dict):
            return _message(400, "page and pageSize are required")
        page, size = _positive_int(body.get("page")), _positive_int(body.get("pageSize"))
        if page is None or size is None:
            return _message(400, "page and pageSize are required")
        size = min(size, CUSTOMER_PAGE_SIZE_MAX)
        customers = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)
        data = customers.order_by("position", "id").values_list("data", flat=True)[(page - 1) * size: page * size]
        return JsonResponse(list(data), safe=False)

    def view_patient_search(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """A7: find a patient by `medical_id` (exact, case-insensitive) or else by `phone` (digits)."""
        body = json_body(request)
        if not isinstance(body, dict) or not (body.get("medical_id") or body.get("phone")):
            return _message(400, "medical_id or phone is required")
        customers = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER, deleted=False)
        if body.get("medical_id"):
            found = [data for data in customers.filter(data__medical_id__iexact=str(body["medical_id"]).strip())
                     .values_list("data", flat=True)]
        else:
            digits = "".join(ch for ch in str(body["phone"]) if ch.isdigit())[-10:]
            found = list(customers.filter(phone=digits).values_list("data", flat=True)) if digits else []
        return JsonResponse(found, safe=False)

    @transaction.atomic
    def view_customer_create(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """A7: create a patient (or any customer) when no match was found."""
        body = json_body(request)
        if not isinstance(body, dict):
            return _message(400, "A JSON object is required")
        missing = [name for name in ("name_first", "name_last", "date_of_birth") if not body.get(name)]
        if missing:
            return _message(400, f"Missing required fields: {', '.join(missing)}")
        customers = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER)
        medical_id = str(body.get("medical_id") or "").strip() or None
        if medical_id and (twin := customers.filter(data__medical_id__iexact=medical_id).first()):
            return _message(409, "A customer with this medical_id already exists",
                            id_customer=twin.data["id_customer"])
        ids = [int(x) for x in customers.values_list("external_id", flat=True)]
        new_id = max(ids, default=4999) + 1
        now = timezone.now()
        phone = "".join(ch for ch in str(body.get("phone") or "") if ch.isdigit())[-10:]
        email = str(body.get("email") or "")
        data = {
            "id_customer": new_id,
            "customer_name": f"{body['name_first']} {body['name_last']}",
            "name_first": body["name_first"],
            "name_last": body["name_last"],
            "email": email or None,
            "phone": phone or None,
            "date_of_birth": body["date_of_birth"],
            "customer_since": now.date().isoformat(),
            "date_created": iso_ms(now),
            "date_updated": iso_ms(now),
            "alpine_user_code": None,
            "springbig_user_code": None,
            "credit_balance": 0,
            "customer_type": "Medical" if medical_id else "Adult Use",
            "is_medical": medical_id is not None,
            "medical_id": medical_id,
            "medical_id_expiration": body.get("medical_id_expiration"),
            "state": body.get("state"),
            "deleted": False,
        }
        SandboxRecord.objects.create(location=location, kind=RecordKind.CUSTOMER, external_id=str(new_id),
                                     data=data, phone=phone, email=email, modified_at=now,
                                     position=len(ids))
        return JsonResponse(data, status=201)

    def _orders(self, location: SandboxLocation):
        return SandboxRecord.objects.filter(location=location, kind__in=[RecordKind.ORDER, RecordKind.TRANSACTION])

    def view_order_list(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """Order history: pushed orders and completed sales, oldest first, 100 a page (1-based);
        startDate/endDate (YYYY-MM-DD, UTC, inclusive) filter on date_created."""
        page = _positive_int(request.GET.get("page", 1))
        size = _positive_int(request.GET.get("pageSize", ORDER_PAGE_SIZE))
        if page is None or size is None:
            return _message(400, "page and pageSize must be positive integers")
        size = min(size, ORDER_PAGE_SIZE)
        orders = self._orders(location)
        try:
            if start := request.GET.get("startDate"):
                orders = orders.filter(occurred_at__gte=datetime.combine(date.fromisoformat(start),
                                                                         datetime.min.time(), UTC))
            if end := request.GET.get("endDate"):
                orders = orders.filter(occurred_at__lt=datetime.combine(date.fromisoformat(end),
                                                                        datetime.min.time(), UTC) + timedelta(days=1))
        except ValueError:
            return _message(400, "startDate and endDate must be YYYY-MM-DD")
        data = orders.order_by("occurred_at", "id").values_list("data", flat=True)[(page - 1) * size: page * size]
        return JsonResponse(list(data), safe=False)

    def view_order_detail(self, request: HttpRequest, location: SandboxLocation, id_order: int) -> HttpResponse:
        record = self._orders(location).filter(external_id=str(id_order)).first()
        if record is None:
            return _message(404, "Order not found")
        return JsonResponse(record.data)

    @transaction.atomic
    def view_order_create(self, request: HttpRequest, location: SandboxLocation) -> HttpResponse:
        """Order push (C4, A2, A7). Our shape: {id_location, id_customer, type: pickup|delivery,
        is_medical, items[{id_item, id_batch, quantity, price}], delivery_start, delivery_end,
        delivery_address, notes, reference}. Every problem is reported at once; nothing is half-stored."""
        body = json_body(request)
        if not isinstance(body, dict):
            return _message(400, "A JSON object is required")
        if body.get("id_location") in (None, ""):
            return _message(400, "id_location is required")
        if refused := _location_mismatch(location, body["id_location"]):
            return refused
        problems = []
        order_type = body.get("type")
        if order_type not in ORDER_TYPES:
            problems.append("type must be pickup or delivery")
        customer = SandboxRecord.objects.filter(location=location, kind=RecordKind.CUSTOMER,
                                                external_id=str(body.get("id_customer"))).first()
        if customer is None:
            problems.append(f"customer {body.get('id_customer')} not found")
        elif body.get("is_medical") and not customer.data.get("medical_id"):
            problems.append(f"customer {body.get('id_customer')} is not a medical patient")
        delivery_start = delivery_end = None
        if order_type == "delivery":
            # A2: delivery orders carry their window.
            try:
                delivery_start = datetime.fromisoformat(str(body.get("delivery_start")).replace("Z", "+00:00"))
                delivery_end = datetime.fromisoformat(str(body.get("delivery_end")).replace("Z", "+00:00"))
                if delivery_end <= delivery_start:
                    problems.append("delivery_end must be after delivery_start")
            except ValueError:
                problems.append("delivery orders need delivery_start and delivery_end (ISO 8601)")
        lines = body.get("items")
        items = []
        if not isinstance(lines, list) or not lines:
            problems.append("items must be a non-empty list")
            lines = []
        batch_ids = [str(line.get("id_batch")) for line in lines if isinstance(line, dict)]
        batches = {record.external_id: record.data for record in SandboxRecord.objects.filter(
            location=location, kind=RecordKind.PRODUCT, deleted=False, external_id__in=batch_ids)}
        for number, line in enumerate(lines, start=1):
            batch = batches.get(str(line.get("id_batch"))) if isinstance(line, dict) else None
            if batch is None or str(batch.get("id_item")) != str(line.get("id_item")):
                problems.append(f"item {number}: id_item/id_batch not found")
                continue
            quantity = line.get("quantity")
            if isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity <= 0:
                problems.append(f"item {number}: quantity must be a positive number")
                continue
            price = line.get("price", batch.get("price_retail_adult_use"))
            if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
                problems.append(f"item {number}: price must be a number >= 0")
                continue
            items.append({"id_item": batch["id_item"], "id_batch": batch["id_batch"], "item": batch.get("item"),
                          "category": batch.get("category"), "quantity": quantity, "price": price})
        if problems:
            return _message(400, "; ".join(problems), errors=problems)
        existing = [int(x) for x in SandboxRecord.objects.filter(location=location, kind=RecordKind.ORDER)
                    .values_list("external_id", flat=True)]
        id_order = max(existing, default=FIRST_ORDER_ID - 1) + 1
        now = timezone.now()
        subtotal = _money(sum(item["quantity"] * item["price"] for item in items))
        tax = 0 if body.get("is_medical") else _money(subtotal * ORDER_TAX_RATE)
        order = {
            "id_order": id_order,
            "id_location": int(location.location_id),
            "id_customer": customer.data["id_customer"],
            "customer_name": customer.data.get("customer_name"),
            "status": self.order_statuses[0],
            "type": order_type,
            "is_medical": bool(body.get("is_medical")),
            "delivery_start": iso_ms(delivery_start),
            "delivery_end": iso_ms(delivery_end),
            "delivery_address": body.get("delivery_address"),
            "notes": body.get("notes"),
            "reference": body.get("reference"),
            "subtotal": subtotal,
            "tax": tax,
            "discount": 0,
            "total": _money(subtotal + tax),
            "date_created": iso_ms(now),
            "date_updated": iso_ms(now),
            "items": items,
            "loyalty": 0,
            "points_earned": 0,
            "loyalties": [],
        }
        SandboxRecord.objects.create(location=location, kind=RecordKind.ORDER, external_id=str(id_order),
                                     data=order, phone=customer.phone, email=customer.email,
                                     occurred_at=now, modified_at=now)
        return JsonResponse(order, status=201)


def _area_table() -> dict[int, dict]:
    names = {offset: name for offset, _, name, *_ in AREAS}
    return {AREA_BASE + offset: {"id_area": AREA_BASE + offset, "name": name, "area_type": area_type,
                                 "priority": priority,
                                 "path": f"{names[parent]} > {name}" if parent is not None else name}
            for offset, parent, name, area_type, priority, _returnable, _deleted in AREAS}


AREA_BY_ID = _area_table()
