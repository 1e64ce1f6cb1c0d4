from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from . import roles

        # Later apps add models (and so permissions) after the roles migration ran: keep groups in step.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="canopy-sync-roles")
        post_migrate.connect(_ensure_schedule, sender=self, dispatch_uid="canopy-dispatch-schedule")


def _ensure_schedule(sender, using: str = "default", **kwargs) -> None:
    from django.db import router
    from django_q.models import Schedule

    from .sync import ensure_dispatch_schedule

    if router.allow_migrate_model(using, Schedule):  # not when migrating the sandbox POS's own database
        ensure_dispatch_schedule()
