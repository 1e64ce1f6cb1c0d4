"""Writing a page of products in one statement: COPY on PostgreSQL (straight into the table for products new
to the menu, else through a staging table and one INSERT ... ON CONFLICT DO UPDATE), one executemany upsert
on SQLite. Rows are tuples in `write_columns` order, JSON columns already as text."""
from collections.abc import Sequence

from django.db import connection, transaction
from psycopg.errors import UniqueViolation

from catalog.models import Product

STAGE_TABLE = "canopy_ingest_stage"


def upsert_products(rows: list[tuple], new_rows: list[tuple], write_columns: Sequence[str],
                update_columns: Sequence[str]) -> None:
    """Write `rows` (products that exist) and `new_rows` (products that did not when the run began)."""
    table = Product._meta.db_table
    columns = ", ".join(write_columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in update_columns)
    conflict = f"ON CONFLICT (store_id, pos_product_id) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if new_rows:
                # Products not on the menu when the run began: straight COPY into the table (a
                # first sync costs about one COPY). If a webhook created one of them meanwhile, the
                # unique constraint refuses the COPY and they go through the upsert below instead.
                try:
                    with transaction.atomic():
                        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for row in new_rows:
                                copy.write_row(row)
                except UniqueViolation:
                    rows = rows + new_rows
            if not rows:
                return
            # COPY into a session-local staging table, then one set-based upsert. The table lives
            # as long as the connection; it is emptied before each page (inside a test's outer
            # transaction no commit would empty it).
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} ON COMMIT DELETE ROWS AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA; TRUNCATE {STAGE_TABLE}")
            with cursor.cursor.copy(f"COPY {STAGE_TABLE} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGE_TABLE} "  # noqa: S608
                           f"{conflict}")
            return
        # SQLite: one executemany (one statement prepared once; the ORM's bulk_create would need a
        # batch per ~30 rows under SQLite's parameter limit, so queries would grow with the page).
        rows = rows + new_rows
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(rows[0][-1])
        placeholders = ", ".join(["%s"] * len(write_columns))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}",  # noqa: S608
                           [row[:-3] + (now, now, now) for row in rows])
