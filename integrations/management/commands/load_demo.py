from django.core.management.base import BaseCommand

from integrations.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Load the demo companies, stores and users (safe to run again: nothing is duplicated)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="Where this site is served: the demo cards call its sandbox POS there.")

    def handle(self, *args, base_url, **options):
        logins = load_demo_data(base_url)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in at http://127.0.0.1:8000/admin/"))
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for login in logins:
            company = login.company or "every company"
            self.stdout.write(f"  {login.username:<14} {login.role:<22} {company}")
