from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path

from . import cards, crypto
from .admin_cards import IntegrationCardAdmin
from .admin_mixins import CompanyScopedAdmin
from .admin_runs import SyncRunAdmin
from .admin_users import CanopyUserAdmin  # noqa: F401 (registers Company Account > Users)
from .models import ApiAccess, Company, IntegrationCard, LoyaltyCredential, RetailStore, SyncRun
from .tenancy import scope_to_company

admin.site.register(IntegrationCard, IntegrationCardAdmin)
admin.site.register(SyncRun, SyncRunAdmin)


class RetailStoreInline(admin.TabularInline):
    model = RetailStore
    fields = ["name", "state", "timezone", "location_type", "city"]
    extra = 0
    show_change_link = True


@admin.register(Company)
class CompanyAdmin(CompanyScopedAdmin):
    company_path = ""
    list_display = ["name", "uid", "store_count", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["uid", "created_at"]
    fields = ["name", "slug", "uid", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RetailStoreInline]

    @admin.display(description="stores")
    def store_count(self, obj: Company) -> int:
        return obj.stores.count()


@admin.register(RetailStore)
class RetailStoreAdmin(CompanyScopedAdmin):
    list_display = ["name", "company", "state", "location_type", "timezone", "city"]
    list_filter = ["location_type", "state"]
    search_fields = ["name", "city", "company__name"]
    list_select_related = ["company"]
    fieldsets = [
        (None, {"fields": ["company", "name", "state", "timezone", "location_type", "address", "city",
                           "postal_code"]}),
        ("Store Mappings", {"fields": ["loyalty_credential"],
                            "description": "Pick the Dutchie credential for this store; its sales and signups "
                                           "are then attributed here. Onboarding specialists only."}),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.sees_all_companies:
            return fieldsets
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f != "company"]})
                for name, opts in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm("integrations.map_store_credentials"):
            return []
        return ["loyalty_credential"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "loyalty_credential":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Only the store's own company's credentials can be mapped to it; on the add page, where the
        # company is still being chosen, those of the companies the user may see (the model's clean()
        # then refuses another company's).
        credentials = scope_to_company(LoyaltyCredential.objects.select_related("card__company"), request.user,
                                       "card__company")
        store_id = request.resolver_match.kwargs.get("object_id")
        if store_id:
            store = self.get_queryset(request).filter(pk=store_id).first()
            credentials = credentials.filter(card__company_id=store.company_id if store else None)
        kwargs["queryset"] = credentials
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.sees_all_companies and not store_id:
            field.label_from_instance = lambda credential: f"{credential.card.company} · {credential}"
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        own_company = None if request.user.sees_all_companies else request.user.company_id

        class StoreForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if own_company is not None:
                    # Set now rather than on save, so validation sees the store's real company.
                    self.instance.company_id = own_company

            def validate_unique(self):
                super().validate_unique()
                # Django checks the company + name constraint only when company is a form field; staff
                # have none (theirs is filled in), so without this a duplicate fails on save instead.
                name = self.cleaned_data.get("name")
                if "company" in self.fields or not name or self.instance.company_id is None:
                    return
                clash = RetailStore.objects.filter(company_id=self.instance.company_id, name=name)
                if clash.exclude(pk=self.instance.pk).exists():
                    self.add_error("name", "Your company already has a store with this name.")

        return StoreForm


@admin.register(ApiAccess)
class ApiAccessAdmin(CompanyScopedAdmin):
    """Settings > API & Tracking: the UID and API key the POS uses to call us, and Rotate (L7)."""

    company_path = ""
    list_display = ["name", "uid", "masked_key", "pos_api_key_rotated_at"]
    fields = ["name", "uid", "api_key", "pos_api_key_rotated_at"]
    readonly_fields = fields
    change_form_template = "admin/integrations/apiaccess/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="API key")
    def masked_key(self, obj):
        return crypto.mask(obj.pos_api_key)

    @admin.display(description="API key")
    def api_key(self, obj):
        # Our own key, shown so staff can paste it into the POS; their POS credentials are never shown.
        return obj.pos_api_key

    def get_urls(self):
        return [path("<int:pk>/rotate/", self.admin_site.admin_view(self.rotate_view),
                     name="integrations_apiaccess_rotate")] + super().get_urls()

    def rotate_view(self, request, pk):
        company = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method == "POST" and self.has_change_permission(request, company):
            cards.rotate_pos_api_key(company, request.user)
            self.message_user(request, "A new API key was created; the old one no longer works. Update the POS.",
                              messages.SUCCESS)
        return redirect("admin:integrations_apiaccess_change", company.pk)
