from django.contrib.admin.apps import AdminConfig


class CanopyAdminConfig(AdminConfig):
    """Replaces Django's default admin site with Canopy's, so `@admin.register` lands there."""

    default_site = "integrations.admin_site.CanopyAdminSite"
