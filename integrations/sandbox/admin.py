"""Sandbox POS in the admin: create locations, switch changes and faults on, see the records."""
from django import forms
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..jsonlimits import JSONFormField
from . import services
from .models import Fault, SandboxLocation, SandboxRecord, Vendor


class CreateLocationForm(forms.Form):
    vendor = forms.ChoiceField(choices=Vendor.choices)
    name = forms.CharField(required=False, help_text="Blank: a name from the vendor and seed.")
    products = forms.IntegerField(min_value=1, max_value=100_000, initial=200)
    seed = forms.IntegerField(initial=1, min_value=0, max_value=services.MAX_SEED,
                              help_text="The same seed always generates the same catalogue.")


class ChangeForm(forms.Form):
    fraction = forms.FloatField(min_value=0.0001, max_value=1, initial=0.05,
                                help_text="Share of the products to change (0.05 = 5%).")
    factor = forms.FloatField(min_value=0.01, max_value=100, initial=1.1, help_text="Price multiplier.")
    quantity = forms.FloatField(required=False, min_value=0, max_value=1_000_000,
                                help_text="New quantity; blank = random.")
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=5, help_text="Products to add or delete.")
    order_id = forms.CharField(required=False, help_text="Order to advance to its next status.")


@admin.register(SandboxLocation)
class SandboxLocationAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "location_id", "product_count", "fault", "enforce_rate_limits"]
    list_filter = ["vendor", "fault"]
    search_fields = ["name", "location_id"]
    readonly_fields = ["vendor", "seed", "created_at", "wiring"]
    fieldsets = [
        (None, {"fields": ["name", "vendor", "seed", "created_at", "wiring"]}),
        ("Credentials", {"fields": ["api_key", "location_id", "client_id", "username", "password", "pin",
                                    "order_ahead_client_id", "order_ahead_token"]}),
        ("Dutchie behaviour", {"fields": ["roles", "hidden_customer_types", "assign_rooms_to_menus",
                                          "visible_room_ids"]}),
        ("Faults", {"fields": ["fault", "fault_endpoint", "retry_after_seconds", "slow_seconds",
                               "enforce_rate_limits", "token_ttl_seconds"]}),
    ]
    change_form_template = "admin/sandbox/sandboxlocation/change_form.html"
    formfield_overrides = {models.JSONField: {"form_class": JSONFormField}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "slow_seconds":
            # Past any client's timeout is the point; past an hour is a sandbox that never answers.
            field.min_value, field.max_value = 0, 3600
            field.validators += [MinValueValidator(0), MaxValueValidator(3600)]
        return field

    def has_module_permission(self, request):
        # Platform tooling: onboarding specialists and superusers only.
        return request.user.is_active and request.user.sees_all_companies

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission

    def has_add_permission(self, request):
        return False  # created with generated data through the "Create" page below

    @admin.display(description="products")
    def product_count(self, obj: SandboxLocation) -> int:
        return obj.records.filter(kind="product", deleted=False).count()

    @admin.display(description="Card settings")
    def wiring(self, obj: SandboxLocation) -> str:
        import json

        # The address this page was served at (get_object), so the settings work on any port.
        served_at = getattr(obj, "served_at", "http://127.0.0.1:8000")
        return json.dumps(services.describe(obj, served_at), indent=2)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.served_at = request.build_absolute_uri("/").rstrip("/")
        return obj

    def get_urls(self):
        return [
            path("create/", self.admin_site.admin_view(self.create_view), name="sandbox_location_create"),
            path("<int:pk>/change-data/", self.admin_site.admin_view(self.change_data_view),
                 name="sandbox_location_change_data"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "create_url": reverse("admin:sandbox_location_create")}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "change_form": ChangeForm(), "faults": Fault.choices}
        return super().change_view(request, object_id, form_url, extra_context)

    def create_view(self, request):
        if not self.has_module_permission(request):
            return redirect("admin:index")
        form = CreateLocationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            location = services.create_location(**form.cleaned_data)
            self.message_user(request, f"Created {location} with {form.cleaned_data['products']} products.")
            return redirect("admin:sandbox_sandboxlocation_change", location.pk)
        context = {**self.admin_site.each_context(request), "form": form, "title": "Create a sandbox location",
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/sandbox/sandboxlocation/create.html", context)

    def change_data_view(self, request, pk):
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect("admin:sandbox_sandboxlocation_change", pk)
        location = get_object_or_404(SandboxLocation, pk=pk)
        form = ChangeForm(request.POST)
        if not form.is_valid():
            self.message_user(request, f"Not changed: {form.errors.as_text()}", messages.ERROR)
            return redirect("admin:sandbox_sandboxlocation_change", pk)
        data, action = form.cleaned_data, request.POST.get("action")
        try:
            if action == "prices":
                done = f"Changed the price of {services.change_prices(location, data['fraction'], data['factor'])}"
            elif action == "quantities":
                changed = services.change_quantities(location, data["fraction"], data["quantity"])
                done = f"Changed the quantity of {changed}"
            elif action == "add":
                done = f"Added {services.add_products(location, data['count'])}"
            elif action == "delete":
                done = f"Deleted {len(services.delete_products(location, data['count']))}"
            elif action == "advance":
                status = services.advance_order(location, data["order_id"])
                done = f"Order {data['order_id']} is now {status}"
            else:
                raise ValueError(f"Unknown action {action!r}.")
        except (ValueError, SandboxRecord.DoesNotExist) as error:
            self.message_user(request, f"Not changed: {error}", messages.ERROR)
        else:
            self.message_user(request, done + ("" if action == "advance" else " products."))
        return redirect("admin:sandbox_sandboxlocation_change", pk)
