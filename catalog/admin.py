"""Menu in the admin: Products (read-only, with Explain, X3), the review queue (R8) and storefront keys.

Everything is company scoped through CompanyScopedAdmin (company_path "store__company"): another
company's product, item or key id answers 404.
"""
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, FloatField, Prefetch, Q, Value
from django.db.models.functions import Greatest
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from integrations.admin_mixins import CompanyScopedAdmin
from integrations.models import RetailStore
from integrations.tenancy import scope_to_company

from . import services
from .models import Product, ReviewItem, StorefrontKey

# Ids are 64-bit: a larger number names no row, and the database refuses to compare it (OverflowError).
MAX_ID = 2**63 - 1


# --- filters -----------------------------------------------------------------------------------
class StoreFilter(admin.SimpleListFilter):
    """The user's company's stores only (every store for onboarding specialists)."""

    title = "store"
    parameter_name = "store"

    def lookups(self, request, model_admin):
        stores = scope_to_company(RetailStore.objects.select_related("company"), request.user, "company")
        if request.user.sees_all_companies:
            return [(s.pk, f"{s.company} · {s.name}") for s in stores]
        return [(s.pk, s.name) for s in stores]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            if int(value) > MAX_ID:
                return queryset.none()  # no such store (and the database cannot even compare the number)
            return queryset.filter(store_id=int(value))
        return queryset


class HasFlagsFilter(admin.SimpleListFilter):
    title = "has flags"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", "Flagged"), ("no", "Not flagged")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(flags=[])
        if self.value() == "no":
            return queryset.filter(flags=[])
        return queryset


class InStockFilter(admin.SimpleListFilter):
    """In stock the way the menu counts it: quantity less held quantity (C6) above 0."""

    title = "in stock"
    parameter_name = "in_stock"

    def lookups(self, request, model_admin):
        return [("yes", "In stock"), ("no", "Out of stock")]

    def queryset(self, request, queryset):
        in_stock = Q(quantity__gt=F("held_quantity"))
        if self.value() == "yes":
            return queryset.filter(in_stock)
        if self.value() == "no":
            return queryset.exclude(in_stock)
        return queryset


# --- Explain (X3) ------------------------------------------------------------------------------
# Keys that name credentials. A POS record should never carry one, but the raw record is shown as
# received, so anything that looks like a secret is left out rather than trusted.
SECRET_KEY_PARTS = ("password", "secret", "token", "apikey", "authorization", "credential", "privatekey",
                    "accesskey", "masterpin")


def _is_secret_key(key) -> bool:
    squashed = "".join(ch for ch in str(key).lower() if ch.isalnum())
    return any(part in squashed for part in SECRET_KEY_PARTS)


def strip_secrets(data):
    """`data` without any key that names a credential, at any depth."""
    if isinstance(data, dict):
        return {k: strip_secrets(v) for k, v in data.items() if not _is_secret_key(k)}
    if isinstance(data, list):
        return [strip_secrets(v) for v in data]
    return data


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def decision_rows(decisions) -> list[dict]:
    """Mapping decisions as table rows; tolerant of the shapes ingest may store ({field, rule, value}
    from catalog.mapping.types.Decision, or a [field, rule, value] triple)."""
    rows = []
    for decision in decisions or []:
        if isinstance(decision, dict):
            rows.append({"field": decision.get("field", ""), "rule": decision.get("rule", ""),
                         "value": _as_text(decision.get("value"))})
        elif isinstance(decision, list | tuple) and len(decision) == 3:
            rows.append({"field": decision[0], "rule": decision[1], "value": _as_text(decision[2])})
        else:
            rows.append({"field": "", "rule": _as_text(decision), "value": ""})
    return rows


def explain(product: Product, user) -> dict:
    items = scope_to_company(product.review_items.select_related("store", "resolved_by"), user, "store__company")
    return {
        "raw_json": json.dumps(strip_secrets(product.raw or {}), indent=2, sort_keys=True, ensure_ascii=False,
                               default=str),
        "decisions": decision_rows(product.decisions),
        "flags": [_as_text(flag) for flag in product.flags or []],
        "unknown_terpenes": [_as_text(name) for name in product.unknown_terpenes or []],
        "review_items": list(items),
        "can_view_review_items": user.has_perm("catalog.view_reviewitem"),
    }


# --- Menu > Products ---------------------------------------------------------------------------
@admin.register(Product)
class ProductAdmin(CompanyScopedAdmin):
    """Read-only: the POS is the source of every field here (a later change may open non-synced fields)."""

    company_path = "store__company"
    list_display = ["product_name", "sku", "brand", "category", "subcategory", "strain_type", "unit_price",
                    "available", "store", "flags_badge", "updated_at"]
    list_select_related = ["store"]
    search_fields = ["product_name", "sku", "brand", "pos_product_id"]
    list_filter = [StoreFilter, "category", "strain_type", HasFlagsFilter, InStockFilter]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["product_name", "store", "card", "pos_product_id", "sku", "brand", "category",
                           "subcategory", "strain_type", "description", "image_links"]}),
        ("Potency", {"fields": ["thc_percentage", "cbd_percentage", "lab_results", "terpenes"]}),
        ("Price", {"fields": ["unit_price", "medical_unit_price", "price_tiers", "weight_tiers", "unit_cost"]}),
        ("Inventory", {"fields": ["quantity", "held_quantity", "available", "weight", "flower_equivalent",
                                  "room_type"]}),
        ("Sync", {"fields": ["last_synced_at", "created_at", "updated_at", "content_hash"]}),
    ]
    readonly_fields = ["image_links", "available"]

    def get_queryset(self, request):
        available = Greatest(F("quantity") - F("held_quantity"), Value(0.0), output_field=FloatField())
        return super().get_queryset(request).annotate(menu_available=available)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="quantity available", ordering="menu_available")
    def available(self, obj: Product) -> float:
        return obj.quantity_available

    @admin.display(description="flags")
    def flags_badge(self, obj: Product):
        count = len(obj.flags or [])
        if not count:
            return "—"
        return format_html('<span class="canopy-flag-badge" title="{}">{} flag{}</span>',
                           "; ".join(_as_text(f) for f in obj.flags), count, "" if count == 1 else "s")

    @admin.display(description="images")
    def image_links(self, obj: Product):
        if not obj.images:
            return "—"
        return format_html_join(format_html("<br>"), '<a href="{0}" rel="noopener" target="_blank">{0}</a>',
                                ((_as_text(url),) for url in obj.images))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["explain"] = explain(obj, request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- Menu > Review queue -----------------------------------------------------------------------
@admin.register(ReviewItem)
class ReviewItemAdmin(CompanyScopedAdmin):
    """What a sync could not decide (R8). Managers resolve: a duplicate SKU is kept separate or merged,
    anything else marked resolved. Nothing is deleted; who, when and what is recorded."""

    company_path = "store__company"
    list_display = ["status_badge", "kind", "key", "short_message", "store", "product_links", "created_at",
                    "resolved_by"]
    list_display_links = ["kind", "key"]
    list_select_related = ["store", "resolved_by"]
    list_filter = ["status", "kind", StoreFilter]
    search_fields = ["key", "message", "products__sku", "products__product_name"]
    actions = ["keep_separate", "merge", "mark_resolved"]
    fields = ["status", "kind", "key", "message", "store", "product_links", "raw_json", "sync_run", "created_at",
              "resolution", "resolved_by", "resolved_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        products = Prefetch("products", queryset=Product.objects.only("id", "product_name", "sku", "store_id"))
        return super().get_queryset(request).prefetch_related(products)

    def has_add_permission(self, request):
        return False  # syncs open items; people resolve them

    def has_delete_permission(self, request, obj=None):
        return False  # resolved items are the record of what was decided

    # --- columns
    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: ReviewItem):
        state = "open" if obj.status == ReviewItem.Status.OPEN else "done"
        return format_html('<strong class="canopy-status-{}">{}</strong>', state, obj.get_status_display())

    @admin.display(description="message")
    def short_message(self, obj: ReviewItem) -> str:
        return Truncator(obj.message).chars(90)

    @admin.display(description="products")
    def product_links(self, obj: ReviewItem):
        products = list(obj.products.all())
        if not products:
            return "—"
        return format_html_join(
            ", ", '<a href="{}">{}</a>',
            ((reverse("admin:catalog_product_change", args=[p.pk]), p.sku or p.product_name or f"#{p.pk}")
             for p in products))

    @admin.display(description="POS records")
    def raw_json(self, obj: ReviewItem):
        return format_html('<pre class="canopy-raw-json">{}</pre>',
                           json.dumps(strip_secrets(obj.raw), indent=2, sort_keys=True, default=str))

    # --- resolving
    def _resolve(self, request, items, code: str) -> None:
        done, skipped = 0, []
        for item in items:
            try:
                services.resolve_review_item(item, code, request.user)
                done += 1
            except services.CannotResolve as refusal:
                skipped.append(f"{item}: {refusal}")
        label = services.RESOLUTIONS[code].label
        if done:
            self.message_user(request, f"{label}: {done} item{'s' if done != 1 else ''} resolved.", messages.SUCCESS)
        for reason in skipped:
            self.message_user(request, f"Not resolved — {reason}", messages.WARNING)

    @admin.action(description="Keep separate (duplicate SKUs)", permissions=["change"])
    def keep_separate(self, request, queryset):
        self._resolve(request, queryset, services.KEEP_SEPARATE.code)

    @admin.action(description="Merge (duplicate SKUs)", permissions=["change"])
    def merge(self, request, queryset):
        self._resolve(request, queryset, services.MERGE.code)

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._resolve(request, queryset, services.MARK_RESOLVED.code)

    def get_urls(self):
        return [path("<path:object_id>/resolve/", self.admin_site.admin_view(self.resolve_view),
                     name="catalog_reviewitem_resolve")] + super().get_urls()

    def resolve_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        item = self.get_object(request, object_id)
        if not self.has_change_permission(request, item):
            raise PermissionDenied("Only managers can resolve review items.")
        try:
            services.resolve_review_item(item, request.POST.get("decision", ""), request.user,
                                         note=request.POST.get("note", ""))
        except services.CannotResolve as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(request, f"Resolved: {item.resolution}", messages.SUCCESS)
        return redirect("admin:catalog_reviewitem_change", item.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Every field is read-only: the buttons below the form are the only way to act.
        context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False,
                       show_delete=False)
        if obj is not None and obj.status == ReviewItem.Status.OPEN and self.has_change_permission(request, obj):
            context["resolutions"] = services.resolutions_for(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- Menu > Storefront keys --------------------------------------------------------------------
class KeyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(StorefrontKey)
class StorefrontKeyAdmin(CompanyScopedAdmin):
    """Keys an ecommerce site or kiosk reads one store's menu with. Only a hash and the last 4 characters
    are stored: the plain key is shown once, on the page that creates or rotates it."""

    company_path = "store__company"
    list_display = ["name", "store", "masked", "state", "created_at", "revoked_at"]
    list_select_related = ["store"]
    list_filter = [StoreFilter, KeyStateFilter]
    search_fields = ["name", "store__name", "last4"]
    actions = ["revoke_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["store", "name"]
        return ["store", "name", "masked", "state", "created_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["store", "masked", "state", "created_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the list keeps which keys existed and when they stopped

    @admin.display(description="key")
    def masked(self, obj: StorefrontKey) -> str:
        return f"…{obj.last4}" if obj.last4 else "—"

    @admin.display(description="state", ordering="revoked_at")
    def state(self, obj: StorefrontKey) -> str:
        return "Revoked" if obj.revoked_at else "Active"

    def save_model(self, request, obj, form, change):
        if not change:
            obj._plain_key = services.issue_key(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_key_once(request, obj, obj._plain_key, rotated=None)

    def _show_key_once(self, request, key: StorefrontKey, plain: str, rotated: StorefrontKey | None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "title": "Copy the storefront key now", "key": key, "plain_key": plain,
            "rotated": rotated, "menu_path": f"/api/v1/stores/{key.store_id}/menu",
            "menu_url": request.build_absolute_uri(f"/api/v1/stores/{key.store_id}/menu"),
        }
        response = TemplateResponse(request, "admin/catalog/storefrontkey/key_created.html", context)
        add_never_cache_headers(response)  # the one page that shows the key must not be cached anywhere
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/rotate/", view(self.rotate_view), name="catalog_storefrontkey_rotate"),
            path("<path:object_id>/revoke/", view(self.revoke_view), name="catalog_storefrontkey_revoke"),
        ] + super().get_urls()

    def _key_to_change(self, request, object_id) -> StorefrontKey:
        key = self.get_object(request, object_id)
        if not self.has_change_permission(request, key):
            raise PermissionDenied("You cannot manage storefront keys.")
        return key

    def rotate_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        key = self._key_to_change(request, object_id)
        if key.revoked_at:
            self.message_user(request, "This key is already revoked; add a new key instead.", messages.ERROR)
            return redirect("admin:catalog_storefrontkey_change", key.pk)
        new, plain = services.rotate_storefront_key(key)
        return self._show_key_once(request, new, plain, rotated=key)

    def revoke_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        key = self._key_to_change(request, object_id)
        if services.revoke_storefront_key(key):
            self.message_user(request, f"Key …{key.last4} revoked: it no longer reads the menu.", messages.SUCCESS)
        return redirect("admin:catalog_storefrontkey_change", key.pk)

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = sum(services.revoke_storefront_key(key) for key in queryset)
        self.message_user(request, f"{revoked} key{'s' if revoked != 1 else ''} revoked.", messages.SUCCESS)
