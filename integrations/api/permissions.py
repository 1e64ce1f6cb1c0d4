from rest_framework.permissions import DjangoModelPermissions


class CompanyModelPermissions(DjangoModelPermissions):
    """The role's model permissions, reads included (DRF's default lets any user read).

    Views without a queryset (token, health) are left to their own permission classes.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return True
        return super().has_permission(request, view)
