"""The sandbox POS's own database (settings.DATABASES["sandbox"], when there is one).

A real POS keeps its data away from ours; the simulated one does too, so serving a 100,000-product
feed out of the sandbox never holds a lock the app's own writes wait on (SQLite locks the whole file).
Without a "sandbox" database (PostgreSQL by default) every model stays in "default".

Nothing outside the sandbox app refers to its rows by foreign key (a card names a sandbox location by
URL and credentials), so no relation crosses the two databases.
"""
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

SANDBOX_ALIAS = "sandbox"
APP_LABEL = "sandbox"


def sandbox_db() -> str:
    """The alias the sandbox's models are read from and written to."""
    return SANDBOX_ALIAS if SANDBOX_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


class SandboxRouter:
    """The sandbox app's models to the sandbox database; nothing else there."""

    def db_for_read(self, model, **hints) -> str | None:
        return sandbox_db() if model._meta.app_label == APP_LABEL else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        in_sandbox = {obj._meta.app_label == APP_LABEL for obj in (obj1, obj2)}
        return False if len(in_sandbox) == 2 and sandbox_db() != DEFAULT_DB_ALIAS else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        if sandbox_db() == DEFAULT_DB_ALIAS:
            return None
        if db == SANDBOX_ALIAS:
            return app_label == APP_LABEL
        return False if app_label == APP_LABEL else None
