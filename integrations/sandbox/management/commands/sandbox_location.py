import json

from django.core.management.base import BaseCommand, CommandError

from integrations.sandbox import services
from integrations.sandbox.models import SandboxLocation, Vendor


class Command(BaseCommand):
    help = ("Create or list sandbox POS locations. `create` prints one JSON object with vendor, base_url and "
            "credentials (named as a card names them) so a script can wire a card to it.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a location with a generated catalogue.")
        create.add_argument("--vendor", required=True, choices=Vendor.values)
        create.add_argument("--products", type=int, default=200)
        create.add_argument("--seed", type=int, default=1)
        create.add_argument("--name", default="")
        create.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="Where the sandbox is served (the web server or run_sandbox_pos).")
        listing = sub.add_parser("list", help="Print every sandbox location as JSON lines.")
        listing.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, action, base_url, **options):
        if action == "list":
            for location in SandboxLocation.objects.all():
                self.stdout.write(json.dumps(services.describe(location, base_url)))
            return
        try:
            location = services.create_location(options["vendor"], name=options["name"],
                                                products=options["products"], seed=options["seed"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(services.describe(location, base_url)))
