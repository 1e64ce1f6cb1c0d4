"""One sync permission: `integrations.sync_integrationcard` (on IntegrationCard) replaces `run_sync`
(on Company), which was the one checked while the other was granted.

Whoever held run_sync (the roles, and any group or user it was given to by hand) is given
sync_integrationcard, then run_sync is deleted. The roles themselves are kept in step by the
post_migrate hook (integrations.roles) from ROLE_PERMISSIONS.
"""
from django.db import migrations

KEPT_NAME = "Can press Sync and run an initial sync"


def to_one_permission(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("integrations", "User")
    old = Permission.objects.filter(content_type__app_label="integrations", content_type__model="company",
                                    codename="run_sync").first()
    # Permissions are normally created after all migrations: on a fresh database neither exists yet.
    card_type, _ = ContentType.objects.get_or_create(app_label="integrations", model="integrationcard")
    kept, _ = Permission.objects.update_or_create(content_type=card_type, codename="sync_integrationcard",
                                                  defaults={"name": KEPT_NAME})
    if old is None:
        return
    for group in Group.objects.filter(permissions=old):
        group.permissions.add(kept)
    for user in User.objects.filter(user_permissions=old):
        user.user_permissions.add(kept)
    old.delete()


def to_two_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("integrations", "User")
    kept = Permission.objects.filter(content_type__app_label="integrations", codename="sync_integrationcard").first()
    company_type, _ = ContentType.objects.get_or_create(app_label="integrations", model="company")
    old, _ = Permission.objects.get_or_create(content_type=company_type, codename="run_sync",
                                              defaults={"name": "Can press Sync and run an initial sync (C3, R4)"})
    if kept is None:
        return
    for group in Group.objects.filter(permissions=kept):
        group.permissions.add(old)
    for user in User.objects.filter(user_permissions=kept):
        user.user_permissions.add(old)
    kept.name = "Can press Sync on a card"
    kept.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0004_sync_runs"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="company",
            options={"ordering": ["name"], "permissions": [
                ("view_all_companies", "Can see and manage every company (onboarding specialists)"),
                ("change_advanced_settings", "Can change a card's advanced settings (L6)"),
                ("map_store_credentials", "Can map loyalty credentials to retail stores (L9)"),
                ("view_dashboard", "Can read the sync dashboard and alerts (R9, R10)")],
                "verbose_name_plural": "companies"},
        ),
        migrations.AlterModelOptions(
            name="integrationcard",
            options={"ordering": ["company__name", "store__name", "vendor"],
                     "permissions": [("sync_integrationcard", KEPT_NAME)], "verbose_name": "integration"},
        ),
        migrations.RunPython(to_one_permission, to_two_permissions),
    ]
