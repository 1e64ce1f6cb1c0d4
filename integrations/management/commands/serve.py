import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a django-q2 cluster and the web server together (what `make run` starts); Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        manage_py = str(settings.BASE_DIR / "manage.py")
        cluster = subprocess.Popen([sys.executable, manage_py, "qcluster"])
        self.stdout.write(f"Task cluster started (pid {cluster.pid}).")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            cluster.terminate()
            try:
                cluster.wait(timeout=15)
            except subprocess.TimeoutExpired:
                cluster.kill()
            self.stdout.write("Web server and task cluster stopped.")
