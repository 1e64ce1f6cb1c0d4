"""Admin behaviour every company-owned model shares: lists, forms and choices filtered to the
user's company (onboarding specialists and superusers see all)."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from .jsonlimits import JSONFormField
from .models import Company, RetailStore
from .tenancy import scope_to_company


class CompanyScopedAdmin(admin.ModelAdmin):
    # Lookup from the model to its Company: "company", "store__company", or "" for Company itself.
    company_path = "company"
    # JSON typed into a form is held to the same nesting limit as the API's (a form error, not a 500).
    formfield_overrides = {models.JSONField: {"form_class": JSONFormField}}

    def get_queryset(self, request):
        return scope_to_company(super().get_queryset(request), request.user, self.company_path)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django's admin would redirect with "doesn't exist"; another company's id must look
            # exactly like a missing one, and a plain 404 is what the API answers too.
            raise Http404("No such object.")
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices of a company or a store are the user's own only: no picking another company's store.
        if db_field.related_model is Company:
            kwargs["queryset"] = scope_to_company(Company.objects.all(), request.user, "")
        elif db_field.related_model is RetailStore:
            kwargs["queryset"] = scope_to_company(RetailStore.objects.all(), request.user, "company")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # Staff never choose a company: theirs is filled in on save.
        if self.company_path == "company" and not request.user.sees_all_companies:
            fields = [f for f in fields if f != "company"]
        return fields

    def save_model(self, request, obj, form, change):
        user = request.user
        if self.company_path == "company" and not user.sees_all_companies:
            if user.company_id is None:
                raise PermissionDenied("Your account belongs to no company.")
            obj.company_id = user.company_id
        super().save_model(request, obj, form, change)
