"""Company Account > Users. Only a superuser grants power: superuser and staff status, roles (groups)
and single permissions. Everyone else who may edit users (onboarding specialists) sees those fields
read-only, and a save that changes them anyway is refused, whatever the form sent."""
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from .admin_mixins import CompanyScopedAdmin
from .models import User

# What makes an account more powerful: granted by superusers only.
PRIVILEGED_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
ONLY_SUPERUSERS = "Only a superuser can grant superuser or staff status, roles or permissions."


def exceeds(target: User, user: User) -> bool:
    """Whether `target` can do something `user` cannot (a superuser, or a permission `user` lacks).
    Editing such an account (its password, say) would be a way to gain that power."""
    if user.is_superuser:
        return False
    if target.is_superuser:
        return True
    return bool(target.get_all_permissions() - user.get_all_permissions())


def privileged_changes(form: forms.ModelForm) -> list[str]:
    """Privileged fields whose submitted value differs from the stored one."""
    if form.instance.pk is None:
        stored = {"is_superuser": False, "is_staff": False, "groups": set(), "user_permissions": set()}
    else:
        original = User.objects.get(pk=form.instance.pk)
        stored = {"is_superuser": original.is_superuser, "is_staff": original.is_staff,
                  "groups": set(original.groups.values_list("pk", flat=True)),
                  "user_permissions": set(original.user_permissions.values_list("pk", flat=True))}
    changed = []
    for name in PRIVILEGED_FIELDS:
        if name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        if name in ("groups", "user_permissions"):
            value = {item.pk for item in value}
        if value != stored[name]:
            changed.append(name)
    return changed


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

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Shown (a specialist still sees who has which role) but not part of the form.
            readonly += [name for name in PRIVILEGED_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and exceeds(obj, request.user):
            return False  # read-only: no password reset or edit of a more powerful account
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form_class

        class GuardedUserForm(form_class):
            """Refuses privileged changes even if a customised fieldset or a forged form lets them in."""

            def clean(self):
                cleaned = super().clean()
                if privileged_changes(self):
                    raise forms.ValidationError(ONLY_SUPERUSERS)
                return cleaned

        return GuardedUserForm

    def save_model(self, request, obj, form, change):
        # The last word, whatever the form: compare with what is stored.
        if not request.user.is_superuser:
            stored = User.objects.filter(pk=obj.pk).values("is_superuser", "is_staff").first() if change else None
            before = stored or {"is_superuser": False, "is_staff": False}
            if obj.is_superuser != before["is_superuser"] or obj.is_staff != before["is_staff"]:
                raise PermissionDenied(ONLY_SUPERUSERS)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not request.user.is_superuser and {"groups", "user_permissions"} & set(privileged_changes(form)):
            raise PermissionDenied(ONLY_SUPERUSERS)
        super().save_related(request, form, formsets, change)
