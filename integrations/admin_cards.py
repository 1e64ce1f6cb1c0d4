"""Store > Integrations: the card pages staff configure, with Test Connection and history."""
import logging
from contextlib import ExitStack

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import router, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html

from . import cards, crypto, sync
from .admin_mixins import CompanyScopedAdmin
from .forms import IntegrationCardForm
from .models import CardChange, IntegrationCard, LoyaltyCredential, RetailStore
from .models.cards import CardKind, Vendor
from .pos.errors import PosError
from .pos.records import ClientConfig
from .tenancy import scope_to_company

logger = logging.getLogger(__name__)

D4_NOTE = ("It can take 1 hour for product updates to become available in Dutchie's API. Once the updated "
           "labs/terpenes display in Dutchie's API, they are updated at the next inventory sync (D4).")
L6_WARNING = ("Advanced settings change how customer data is pulled and merged. Only onboarding specialists can "
              "change them; contact your onboarding specialist (L6).")

COMMON = ["enabled", "sync_frequency", "data_types", "direction"]
VENDOR_FIELDSETS = {
    (Vendor.DUTCHIE, CardKind.ECOMMERCE): [
        ("Dutchie POS credentials", {"fields": ["api_key", "room_ids"]}),
        ("Orders", {"fields": ["sync_orders", "dont_hold_inventory", "send_prepaid_transaction_reference",
                               "kiosk_order_source"]}),
        ("Products", {"fields": ["use_rec_flower_equivalent", "use_thc9", "sync_lab_units", "lab_unit_mapping",
                                 "sync_terpenes"], "description": D4_NOTE}),
    ],
    (Vendor.ALLEAVES, CardKind.ECOMMERCE): [
        ("Alleaves credentials", {"fields": ["location_id", "username", "password", "area_ids"]}),
        ("Orders", {"fields": ["sync_orders"]}),
        ("Products", {"fields": ["use_otd_pricing", "sync_prices", "sync_terpenes"]}),
    ],
    (Vendor.FLOWHUB, CardKind.ECOMMERCE): [
        ("Flowhub credentials", {"fields": ["api_key", "location_id", "client_id", "order_ahead_client_id",
                                            "order_ahead_token"]}),
        ("Filters", {"fields": ["room_id", "purchase_category"]}),
        ("Orders", {"fields": ["sync_orders", "maui_order_syncing"]}),
        ("Products", {"fields": ["map_custom_category_to_subcategory", "sync_terpenes"]}),
    ],
    (Vendor.DUTCHIE, CardKind.LOYALTY): [
        ("Connect", {"fields": ["age_compliance_confirmed"],
                     "description": "Add a credential (Store Name + API key) for each Dutchie location below."}),
        ("Loyalty", {"fields": ["sms_double_opt_in_date", "enrol_date", "bypass_2fa", "master_pin"]}),
        ("Advanced settings", {"fields": ["use_last_backup", "sync_personas", "sync_to_relevant_state",
                                          "mirror_archives"], "description": L6_WARNING}),
    ],
}
POS_SETTINGS = ("POS Settings", {"fields": ["synced_fields", "category_mapping"], "classes": ["collapse"]})


class LoyaltyCredentialInline(admin.TabularInline):
    model = LoyaltyCredential
    fields = ["store_name", "api_key", "state", "mapped_stores"]
    readonly_fields = ["mapped_stores"]
    extra = 0
    verbose_name_plural = "Credentials (Add Credential for each more location)"

    def get_formset(self, request, obj=None, **kwargs):
        from .forms import SecretInput

        kwargs["widgets"] = {"api_key": SecretInput()}
        formset = super().get_formset(request, obj, **kwargs)
        key_field = formset.form.base_fields["api_key"]
        key_field.required = False
        key_field.help_text = "Never shown back: leave blank to keep the stored key."
        original_clean = formset.form.clean

        def clean(form):
            data = original_clean(form)
            if not data.get("api_key"):
                if form.instance.pk:
                    data["api_key"] = form.instance.api_key
                    form.instance.api_key = form.instance.api_key
                elif data.get("store_name"):
                    form.add_error("api_key", "Enter the location's API key.")
            return data

        formset.form.clean = clean
        return formset

    @admin.display(description="mapped to")
    def mapped_stores(self, obj):
        names = [s.name for s in obj.stores.all()] if obj.pk else []
        return ", ".join(names) or "not mapped yet (L27)"


class CardChangeInline(admin.TabularInline):
    model = CardChange
    fields = ["changed_at", "user", "field", "old_value", "new_value"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "History (X4)"
    ordering = ["-changed_at", "-id"]
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False


class IntegrationCardAdmin(CompanyScopedAdmin):
    form = IntegrationCardForm
    list_display = ["card", "store", "vendor", "kind", "enabled", "sync_frequency", "masked_key", "last_test"]
    list_filter = ["vendor", "kind", "enabled"]
    list_select_related = ["store", "company"]
    search_fields = ["store__name", "company__name"]
    change_form_template = "admin/integrations/integrationcard/change_form.html"
    change_list_template = "admin/integrations/integrationcard/change_list.html"

    # --- which fields show -------------------------------------------------------------------
    def _vendor_kind(self, request, obj):
        if obj is not None:
            return obj.vendor, obj.kind
        source = request.POST if request.method == "POST" else request.GET
        return source.get("vendor"), source.get("kind") or CardKind.ECOMMERCE

    def get_fieldsets(self, request, obj=None):
        vendor, kind = self._vendor_kind(request, obj)
        head = ["company"] if request.user.sees_all_companies else []
        head += ["store", "vendor", "kind"] if kind != CardKind.LOYALTY else ["vendor", "kind"]
        specific = VENDOR_FIELDSETS.get((vendor, kind))
        if specific is None:
            return [(None, {"fields": head})]
        endpoint = ("Connection", {"fields": ["api_endpoint"]})
        return [(None, {"fields": head + COMMON}), *specific, POS_SETTINGS, endpoint,
                ("Save", {"fields": ["save_anyway"]})]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["vendor", "kind"] if obj else []
        if obj and obj.store_id:
            readonly.append("store")
        if not request.user.has_perm("integrations.change_advanced_settings"):
            # L6: visible, read-only, with the warning in the fieldset.
            readonly += list(IntegrationCard.ADVANCED_FIELDS)
        return readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        rooms = self._pos_rooms(request, obj)

        class CardForm(form_class):
            def __init__(self, *args, **kw):
                kw.setdefault("rooms", rooms)
                super().__init__(*args, **kw)

        return CardForm

    def _pos_rooms(self, request, obj):
        """The POS's rooms / areas for the pickers; the page still works when the POS does not answer."""
        if obj is None or obj.kind != CardKind.ECOMMERCE or not (obj.api_key or obj.password):
            return []
        from .pos.registry import client_for

        try:
            return client_for(obj.vendor, ClientConfig.from_card(obj)).list_rooms()
        except PosError as error:
            if request.method == "GET":
                messages.warning(request, f"Could not list the POS's rooms: {error}")
            return []

    def get_inline_instances(self, request, obj=None):
        vendor, kind = self._vendor_kind(request, obj)
        inlines = []
        if kind == CardKind.LOYALTY:
            inlines.append(LoyaltyCredentialInline(self.model, self.admin_site))
        if obj is not None:
            inlines.append(CardChangeInline(self.model, self.admin_site))
        return inlines

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("kind", CardKind.ECOMMERCE)
        return initial

    # --- saving with history ------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        before = cards.snapshot(IntegrationCard.objects.get(pk=obj.pk)) if change else {}
        if obj.store_id:
            obj.company_id = obj.store.company_id
        elif not request.user.sees_all_companies:
            obj.company_id = request.user.company_id
        if change and form.connection_result is not None:  # what Test Connection just stored, not the form's
            obj.refresh_from_db(fields=["last_test_ok", "last_test_message", "last_tested_at"])
        cards.save_card(obj, request.user, before=before)
        result = form.connection_result
        if result is not None:
            level = messages.SUCCESS if result.ok else messages.WARNING
            self.message_user(request, f"Test Connection: {result.message}", level)

    def save_formset(self, request, form, formset, change):
        """Credentials added, re-keyed or removed on the loyalty card join the card's history (X4)."""
        if formset.model is not LoyaltyCredential:
            return super().save_formset(request, form, formset, change)
        events = []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.cleaned_data:
                continue
            name = inline_form.cleaned_data.get("store_name") or inline_form.instance.store_name
            if inline_form.cleaned_data.get("DELETE"):
                events.append((name, "removed"))
            elif inline_form.instance.pk is None:
                events.append((name, "added"))
            elif "api_key" in inline_form.changed_data and inline_form.data.get(inline_form.add_prefix("api_key")):
                events.append((name, "API key changed"))
            elif inline_form.changed_data:
                events.append((name, "changed: " + ", ".join(f for f in inline_form.changed_data if f != "api_key")))
        super().save_formset(request, form, formset, change)
        for name, what in events:
            cards.record_credential_change(form.instance, request.user, name, what)

    # --- no transaction held over a POS call (Save runs Test Connection) -----------------------
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Django runs a POST's whole view in one transaction, POS calls included (the room pickers, Test
        Connection before Save): on SQLite that transaction holds the write lock while the POS answers,
        and every other writer waits. Here the POS calls run outside any transaction; the writes alone
        (save_form to save_related) share one, opened in save_form and committed in save_related."""
        if request.method != "POST":
            card = self.get_object(request, unquote(object_id)) if object_id else None
            if card is not None and (notice := sync.pause_notice(card)):
                messages.warning(request, notice)
            return super().changeform_view(request, object_id, form_url, extra_context)
        with ExitStack() as writes:  # rolled back if anything raises before save_related committed it
            request.canopy_card_writes = writes
            return self._changeform_view(request, object_id, form_url, extra_context)

    def save_form(self, request, form, change):
        if writes := getattr(request, "canopy_card_writes", None):
            writes.enter_context(transaction.atomic(using=router.db_for_write(self.model)))
        return super().save_form(request, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if writes := getattr(request, "canopy_card_writes", None):
            writes.close()  # commit

    # --- list columns -------------------------------------------------------------------------
    @admin.display(description="integration")
    def card(self, obj):
        return obj.get_vendor_display()

    @admin.display(description="API key")
    def masked_key(self, obj):
        return crypto.mask(obj.api_key or obj.password)

    @admin.display(description="last Test Connection")
    def last_test(self, obj):
        if obj.last_test_ok is None:
            return "never"
        return format_html('<span title="{}">{}</span>', obj.last_test_message, "OK" if obj.last_test_ok else
                           "failed")

    # --- Test Connection (before Save) and the store tiles ----------------------------------
    def get_urls(self):
        return [
            path("test-connection/", self.admin_site.admin_view(self.test_connection_view),
                 name="integrations_integrationcard_test_new"),
            path("<int:pk>/test-connection/", self.admin_site.admin_view(self.test_connection_view),
                 name="integrations_integrationcard_test"),
            path("<int:pk>/connect/", self.admin_site.admin_view(self.connect_view),
                 name="integrations_integrationcard_connect"),
            path("open/<int:store_pk>/<str:vendor>/", self.admin_site.admin_view(self.open_card_view),
                 name="integrations_integrationcard_open"),
            path("open-loyalty/", self.admin_site.admin_view(self.open_loyalty_view),
                 name="integrations_integrationcard_open_loyalty"),
        ] + super().get_urls()

    def test_connection_view(self, request, pk=None):
        """POST the card form as it is on screen; answer {ok, message, details} without saving (R2)."""
        if request.method != "POST":
            return JsonResponse({"ok": False, "message": "Use the Test Connection button."}, status=405)
        obj = get_object_or_404(self.get_queryset(request), pk=pk) if pk else None
        if obj is not None and not self.has_change_permission(request, obj):
            return JsonResponse({"ok": False, "message": "You may not change this card."}, status=403)
        if obj is None and not self.has_add_permission(request):
            return JsonResponse({"ok": False, "message": "You may not add cards."}, status=403)
        form_class = self.get_form(request, obj, change=obj is not None)
        data = request.POST.copy()
        data["enabled"] = ""  # validate the fields only; the test itself runs below
        form = form_class(data, instance=obj or IntegrationCard())
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            return JsonResponse({"ok": False, "message": f"Correct the form first: {errors}", "details": {}})
        result = form.run_connection_test()
        return JsonResponse({"ok": result.ok, "message": result.message, "details": result.details})

    def connect_view(self, request, pk):
        """Connect on the marketing + loyalty card (L4, L5)."""
        card = get_object_or_404(self.get_queryset(request), pk=pk, kind=CardKind.LOYALTY)
        if request.method == "POST" and self.has_change_permission(request, card):
            result = cards.connect_loyalty_card(card, request.user)
            self.message_user(request, result.message, messages.SUCCESS if result.ok else messages.ERROR)
        return redirect("admin:integrations_integrationcard_change", card.pk)

    def open_card_view(self, request, store_pk, vendor):
        """Store > Integrations > <POS>: the store's card for that POS, created on first open (C1)."""
        store = get_object_or_404(scope_to_company(RetailStore.objects.all(), request.user, "company"), pk=store_pk)
        card = IntegrationCard.objects.filter(store=store, vendor=vendor, kind=CardKind.ECOMMERCE).first()
        if card is not None:
            return redirect("admin:integrations_integrationcard_change", card.pk)
        url = reverse("admin:integrations_integrationcard_add")
        return redirect(f"{url}?store={store.pk}&vendor={vendor}&kind={CardKind.ECOMMERCE}")

    def open_loyalty_view(self, request):
        company_id = request.user.company_id or request.GET.get("company")
        card = IntegrationCard.objects.filter(company_id=company_id, kind=CardKind.LOYALTY).first()
        if card is not None:
            return redirect("admin:integrations_integrationcard_change", card.pk)
        url = reverse("admin:integrations_integrationcard_add")
        return redirect(f"{url}?vendor={Vendor.DUTCHIE}&kind={CardKind.LOYALTY}")

    def changelist_view(self, request, extra_context=None):
        stores = scope_to_company(RetailStore.objects.select_related("company"), request.user, "company")
        existing = {(c.store_id, c.vendor): c for c in self.get_queryset(request).filter(kind=CardKind.ECOMMERCE)}
        tiles = [{"store": store, "cards": [
            {"vendor": value, "label": label, "card": existing.get((store.pk, value))}
            for value, label in Vendor.choices]} for store in stores]
        extra_context = {**(extra_context or {}), "store_tiles": tiles}
        return super().changelist_view(request, extra_context)
