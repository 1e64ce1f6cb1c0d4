from django.core.management.base import BaseCommand, CommandError

from integrations.serving import parse_addrport, port_problem, serve


class Command(BaseCommand):
    help = ("Run a django-q2 cluster and the web server together (what `make run` starts). Ctrl-C, SIGTERM, "
            "or either one stopping stops both.")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--check-port", action="store_true",
                            help="Only check that the port is free (exit status 1 with the reason if not).")

    def handle(self, *args, addrport: str, check_port: bool, **options):
        try:
            host, port = parse_addrport(addrport)
        except ValueError as error:
            raise CommandError(str(error)) from None
        # Before anything starts: a web server that cannot bind would leave a cluster running alone.
        if problem := port_problem(host, port):
            raise CommandError(problem)
        if check_port:
            return
        status = serve(addrport, self.stdout.write)
        if status:
            raise CommandError("Stopped because the web server or the task cluster stopped (see above).",
                               returncode=status)
