from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the sandbox POS alone (only /sandbox/...), for trying a card against a separate host."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        settings.ROOT_URLCONF = "config.urls_sandbox"
        self.stdout.write(f"Sandbox POS at http://{host}:{port}/sandbox/{{dutchie,alleaves,flowhub}}/")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
