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

from . import cards, pos_rooms, sync
from .admin_mixins import CompanyScopedAdmin
from .forms import IntegrationCardForm
from .models import CardChange, IntegrationCard, LoyaltyCredential, RetailStore
from .models.cards import CardKind
from .pos.registry import VENDORS
from .pos.spec import COMMON_SETTINGS, ECOMMERCE, LOYALTY, POS_SETTINGS
from .tenancy import scope_to_company

logger = logging.getLogger(__name__)

# The common head of every card; each vendor's own sections come from its description (pos/<vendor>/spec.py).
COMMON = list(COMMON_SETTINGS)
POS_SETTINGS_SECTION = ("POS Settings", {"fields": list(POS_SETTINGS), "classes": ["collapse"]})


class LoyaltyCredentialInline(admin.TabularInline):
    model = LoyaltyCredential
    fields = ["store_name", "api_key", "state", "mapped_stores"]
    readonly_fields = ["mapped_stores", "api_key_stored"]
    extra = 0
    verbose_name_plural = "Credentials (Add Credential for each more location)"

    def get_formset(self, request, obj=None, **kwargs):
        from .forms import SecretInput

        kwargs["widgets"] = {"api_key": SecretInput()}
        formset = super().get_formset(request, obj, **kwargs)
        if "api_key" not in formset.form.base_fields:
            return formset  # view only: the key is shown as api_key_stored
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

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["store_name", "api_key_stored", "state", "mapped_stores"]  # never the key drawn read-only
        return super().get_fields(request, obj)

    @admin.display(description="API key")
    def api_key_stored(self, obj):
        return cards.show_secret("api_key", obj.api_key) if obj and obj.pk else ""

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
        spec = VENDORS.get(vendor)
        shape = spec.shape(kind) if spec else None
        if shape is None:
            return [(None, {"fields": head})]
        specific = [(section.title, {"fields": list(section.fields), **(
            {"description": section.description} if section.description else {})}) for section in shape.sections]
        endpoint = ("Connection", {"fields": ["api_endpoint"]})
        fieldsets = [(None, {"fields": head + COMMON}), *specific, POS_SETTINGS_SECTION, endpoint,
                     ("Save", {"fields": ["save_anyway"]})]
        if obj is not None and not self.has_change_permission(request, obj):
            # View only: every field is drawn read-only, and a read-only secret would be drawn in full.
            fieldsets = [(title, {**options, "fields": [f"{name}_stored" if name in IntegrationCard.SECRET_FIELDS
                                                        else name for name in options["fields"]]})
                         for title, options in fieldsets]
        return fieldsets

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
        # Saving never asks the POS for its rooms (the picked ids are checked by Test Connection and the sync);
        # showing the page asks it for at most ROOMS_WAIT seconds, and the page loads them itself otherwise.
        rooms = pos_rooms.for_page(obj) if request.method == "GET" and obj is not None else pos_rooms.cached(obj)

        class CardForm(form_class):
            def __init__(self, *args, **kw):
                kw.setdefault("rooms", rooms or [])
                super().__init__(*args, **kw)

        return CardForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        vendor, kind = self._vendor_kind(request, obj)
        spec = VENDORS.get(vendor)
        if spec is not None and kind == CardKind.ECOMMERCE and "rooms" in spec.features:
            rooms_url = (reverse("admin:integrations_integrationcard_rooms", args=[obj.pk]) if obj is not None
                         else reverse("admin:integrations_integrationcard_rooms_new"))
            context.update({"rooms_url": rooms_url,
                            "rooms_pending": obj is not None and pos_rooms.cached(obj) is None})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def rooms_view(self, request, pk=None):
        """The POS's rooms / areas as JSON for the card page's pickers, asked with the quick client: GET for
        the saved card, POST the form as it is on screen for a card not saved yet or with new credentials."""
        obj = get_object_or_404(self.get_queryset(request), pk=pk, kind=CardKind.ECOMMERCE) if pk else None
        if obj is not None and not self.has_view_permission(request, obj):
            return JsonResponse({"ok": False, "message": "You may not see this card."}, status=403)
        if request.method == "POST":
            if not (self.has_change_permission(request, obj) if obj else self.has_add_permission(request)):
                return JsonResponse({"ok": False, "message": "You may not change this card."}, status=403)
            form_class = self.get_form(request, obj, change=obj is not None)
            data = request.POST.copy()
            data["enabled"] = ""
            form = form_class(data, instance=obj or IntegrationCard())
            if not form.is_valid():
                errors = _form_errors(form)
                return JsonResponse({"ok": False, "message": f"Correct the form first: {errors}", "rooms": []})
            answer = pos_rooms.fetch(form.card_for_test(), form.client_config())
        elif obj is None:
            return JsonResponse({"ok": False, "message": "Enter the credentials first.", "rooms": []}, status=400)
        else:
            answer = pos_rooms.fetch(obj)
        return JsonResponse(answer.as_json())

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
        return cards.show_secret("api_key", obj.api_key)

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
            path("rooms/", self.admin_site.admin_view(self.rooms_view),
                 name="integrations_integrationcard_rooms_new"),
            path("<int:pk>/rooms/", self.admin_site.admin_view(self.rooms_view),
                 name="integrations_integrationcard_rooms"),
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
            errors = _form_errors(form)
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
        company_id = request.user.company_id or request.GET.get("company", "")
        if not str(company_id).isdigit() or int(company_id) > 2**31:
            return redirect("admin:integrations_integrationcard_changelist")  # no such company
        card = IntegrationCard.objects.filter(company_id=company_id, kind=CardKind.LOYALTY).first()
        if card is not None:
            return redirect("admin:integrations_integrationcard_change", card.pk)
        url = reverse("admin:integrations_integrationcard_add")
        vendor = next(spec.vendor for spec in VENDORS.values() if LOYALTY in spec.kinds)
        return redirect(f"{url}?vendor={vendor}&kind={CardKind.LOYALTY}")

    def changelist_view(self, request, extra_context=None):
        stores = scope_to_company(RetailStore.objects.select_related("company"), request.user, "company")
        existing = {(c.store_id, c.vendor): c for c in self.get_queryset(request).filter(kind=CardKind.ECOMMERCE)}
        tiles = [{"store": store, "cards": [
            {"vendor": spec.vendor, "label": spec.label, "card": existing.get((store.pk, spec.vendor))}
            for spec in VENDORS.values() if ECOMMERCE in spec.kinds]} for store in stores]
        extra_context = {**(extra_context or {}), "store_tiles": tiles}
        return super().changelist_view(request, extra_context)


def _stored_secret(name: str):
    """A read-only view of one secret: what cards.show_secret allows, never the value."""

    def stored(self, obj):
        return cards.show_secret(name, getattr(obj, name, "")) or "not set"

    stored.short_description = IntegrationCard._meta.get_field(name).verbose_name
    return stored


for _name in IntegrationCard.SECRET_FIELDS:
    setattr(IntegrationCardAdmin, f"{_name}_stored", _stored_secret(_name))


def _form_errors(form) -> str:
    """The form's errors in the screen's words: each field by its label, never its column name."""
    def label(name: str) -> str:
        field = form.fields.get(name)
        return str(field.label) if field is not None and field.label else ("Form" if name == "__all__" else name)

    return "; ".join(f"{label(name)}: {' '.join(errors)}" for name, errors in form.errors.items())
