from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .admin_mixins import CompanyScopedAdmin
from .models import Company, RetailStore, User


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
    fields = ["company", "name", "state", "timezone", "location_type", "address", "city", "postal_code"]


@admin.register(User)
class CanopyUserAdmin(CompanyScopedAdmin, UserAdmin):
    list_display = ["username", "email", "company", "role_names", "is_active"]
    list_filter = ["groups", "is_active"]
    list_select_related = ["company"]
    fieldsets = UserAdmin.fieldsets + (("Company", {"fields": ["company"]}),)

    @admin.display(description="roles")
    def role_names(self, obj: User) -> str:
        return ", ".join(group.name for group in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.sees_all_companies:
            return fieldsets
        # Staff cannot make anyone a superuser or move a user to another company.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in ("is_superuser", "company",
                                                                            "user_permissions")]})
            for name, opts in fieldsets
        ]
