"""Model fields for secrets: encrypted at rest, plain text in Python."""
from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """A secret stored as a Fernet token. Empty stays empty (no token for "not set")."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(value)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "integrations.fields.EncryptedTextField", args, kwargs
