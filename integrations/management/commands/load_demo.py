from django.core.management.base import BaseCommand, CommandError

from integrations.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = ("Load the demo companies, stores, users and cards (safe to run again: nothing is duplicated, and "
            "the demo cards follow a new --base-url).")

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="Where this site is served (e.g. http://127.0.0.1:8010): the demo cards call its "
                                 "sandbox POS there.")

    def handle(self, *args, base_url: str, **options):
        base_url = base_url.rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise CommandError(f"--base-url needs the scheme and the address, e.g. http://127.0.0.1:8010 "
                               f"(got {base_url!r}).")
        logins = load_demo_data(base_url)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Sign in at {base_url}/admin/"))
        self.stdout.write(f"The demo cards call the sandbox POS at {base_url}/sandbox/.")
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for login in logins:
            company = login.company or "every company"
            self.stdout.write(f"  {login.username:<14} {login.role:<22} {company}")
