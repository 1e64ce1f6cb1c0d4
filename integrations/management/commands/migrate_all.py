from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Apply migrations to every database: the app's and, on SQLite, the sandbox POS's own "
            "(`migrate` alone migrates only the app's).")

    def add_arguments(self, parser):
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, interactive: bool, verbosity: int, **options):
        for alias in settings.DATABASES:
            if verbosity:
                self.stdout.write(f"Database {alias!r}:")
            call_command("migrate", database=alias, interactive=interactive, verbosity=verbosity,
                         stdout=self.stdout, stderr=self.stderr)
