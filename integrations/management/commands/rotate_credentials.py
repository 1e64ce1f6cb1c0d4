from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from integrations import crypto
from integrations.fields import EncryptedTextField


class Command(BaseCommand):
    help = ("Re-encrypt every stored credential with the newest FIELD_ENCRYPTION_KEY (the first in the list), "
            "so older keys can then be removed.")

    def handle(self, *args, **options):
        quote = connection.ops.quote_name
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields or model._meta.proxy:
                continue
            table, pk_column = quote(model._meta.db_table), quote(model._meta.pk.column)
            columns = [quote(f.column) for f in fields]
            # Raw SQL on purpose: the ORM would hand back decrypted values; rotation works on the tokens.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk_column}, {', '.join(columns)} FROM {table}")  # noqa: S608
                for pk, *tokens in cursor.fetchall():
                    rotated = [crypto.rotate(t) if t else t for t in tokens]
                    if rotated != tokens:
                        assignments = ", ".join(f"{c} = %s" for c in columns)
                        cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",  # noqa: S608
                                       [*rotated, pk])
                        total += 1
        self.stdout.write(f"Re-encrypted the credentials of {total} rows with the newest key.")
