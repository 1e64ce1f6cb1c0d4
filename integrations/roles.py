"""The three roles the documents name, as Django groups with their permissions.

The data migration creates them; a post_migrate hook keeps them in step as later apps add models,
so a new model's permissions reach the roles without another hand-written migration. Codenames of
models that do not exist yet are skipped.
"""
from django.apps import apps as global_apps

DISPENSARY_STAFF = "Dispensary Staff"
ONBOARDING_SPECIALIST = "Onboarding Specialist"
MANAGER = "Manager"

# app_label.codename. Staff configure their company's cards and stores (no advanced settings).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    DISPENSARY_STAFF: [
        "integrations.view_company",
        "integrations.view_retailstore",
        "integrations.add_retailstore",
        "integrations.change_retailstore",
        "integrations.view_integrationcard",
        "integrations.add_integrationcard",
        "integrations.change_integrationcard",
        "integrations.view_cardchange",
        "integrations.view_loyaltycredential",
        "integrations.add_loyaltycredential",
        "integrations.change_loyaltycredential",
        "integrations.delete_loyaltycredential",
        "integrations.view_apiaccess",
        "integrations.change_apiaccess",
        "integrations.view_syncrun",
        "integrations.view_syncrunentry",
        # Menu: read the products and the review queue (resolving it is a manager's call), and issue
        # the storefront keys their ecommerce site or kiosk reads the menu with.
        "catalog.view_product",
        "catalog.view_reviewitem",
        "catalog.view_storefrontkey",
        "catalog.add_storefrontkey",
        "catalog.change_storefrontkey",
    ],
    # Platform staff: every company, store mappings, advanced settings.
    ONBOARDING_SPECIALIST: [
        "integrations.view_all_companies",
        "integrations.view_user",
        "integrations.add_user",
        "integrations.change_user",
        "integrations.change_advanced_settings",
        "integrations.map_store_credentials",
        "integrations.view_company",
        "integrations.add_company",
        "integrations.change_company",
        "integrations.view_retailstore",
        "integrations.add_retailstore",
        "integrations.change_retailstore",
        "integrations.delete_retailstore",
        "integrations.view_integrationcard",
        "integrations.add_integrationcard",
        "integrations.change_integrationcard",
        "integrations.view_cardchange",
        "integrations.view_loyaltycredential",
        "integrations.add_loyaltycredential",
        "integrations.change_loyaltycredential",
        "integrations.delete_loyaltycredential",
        "integrations.view_apiaccess",
        "integrations.change_apiaccess",
        "integrations.sync_integrationcard",
        "integrations.view_dashboard",
        "integrations.view_syncrun",
        "integrations.view_syncrunentry",
        "sandbox.view_sandboxlocation",
        "sandbox.change_sandboxlocation",
        "catalog.view_product",
        "catalog.view_reviewitem",
        "catalog.change_reviewitem",
        "catalog.view_storefrontkey",
        "catalog.add_storefrontkey",
        "catalog.change_storefrontkey",
    ],
    # Managers press Sync, read the dashboard, orders and the review queue.
    MANAGER: [
        "integrations.view_company",
        "integrations.view_retailstore",
        "integrations.view_integrationcard",
        "integrations.sync_integrationcard",
        "integrations.view_dashboard",
        "integrations.view_syncrun",
        "integrations.view_syncrunentry",
        "catalog.view_product",
        "catalog.view_reviewitem",
        "catalog.change_reviewitem",
        "orders.view_order",
        "orders.change_order",
    ],
}


def sync_roles(apps=global_apps) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".", 1)
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, using: str = "default", **kwargs) -> None:
    # Runs after each app's permissions were created (auth's own post_migrate handler runs first); not
    # when migrating a database without them (the sandbox POS's own).
    from django.contrib.auth.models import Group
    from django.db import router

    if router.allow_migrate_model(using, Group):
        sync_roles()
