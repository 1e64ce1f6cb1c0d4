import sys
import threading
import time

from django.core.management.base import BaseCommand, CommandError

from integrations import sync
from integrations.models import IntegrationCard, SyncRun


class Command(BaseCommand):
    help = ("Run one sync of a card in the foreground with a progress bar; prints the run's counts and message "
            "and exits non-zero when the run failed.")

    def add_arguments(self, parser):
        parser.add_argument("card_id", type=int)
        parser.add_argument("--stream", default="inventory")
        parser.add_argument("--dry-run", action="store_true", help="Preview what would change; write nothing (X2).")

    def handle(self, *args, card_id, stream, dry_run, **options):
        try:
            card = IntegrationCard.objects.get(pk=card_id)
        except IntegrationCard.DoesNotExist as error:
            raise CommandError(f"There is no card {card_id}.") from error
        try:
            run, joined = sync.enqueue_sync(card, stream, SyncRun.Trigger.COMMAND, dry_run=dry_run)
        except KeyError as error:
            raise CommandError(str(error)) from error
        if joined:
            raise CommandError(f"Sync #{run.pk} of this card's {stream} is already {run.status}; wait for it to end.")
        self.stdout.write(f"Sync #{run.pk}: {card} ({stream}{', dry run' if dry_run else ''})")
        done = threading.Event()
        watcher = threading.Thread(target=self._progress, args=(run.pk, done), daemon=True)
        watcher.start()
        try:
            run = sync.execute_run(run.pk)
        finally:
            done.set()
            watcher.join(timeout=2)
        self.stdout.write("")
        self.stdout.write(
            f"created {run.created}  updated {run.updated}  unchanged {run.unchanged}  zeroed {run.zeroed}  "
            f"flagged {run.flagged}  errors {run.errors}")
        style = self.style.SUCCESS if run.status == SyncRun.Status.SUCCEEDED else self.style.WARNING
        self.stdout.write(style(f"{run.get_status_display()}: {run.message}"))
        if run.fix:
            self.stdout.write(f"Fix: {run.fix}")
        if run.verification:
            self.stdout.write(f"Verification: {run.verification}")
        if run.status == SyncRun.Status.FAILED:
            sys.exit(1)

    def _progress(self, run_id: int, done: threading.Event) -> None:
        """A one-line progress bar: pages and records so far, redrawn every half second."""
        from django.db import connection

        spinner = "|/-\\"
        tick = 0
        try:
            while not done.wait(0.5):
                run = SyncRun.objects.filter(pk=run_id).values("pages_done", "fetched", "status").first()
                if run:
                    self.stdout.write(f"\r{spinner[tick % 4]} pages {run['pages_done']:>4}  records "
                                      f"{run['fetched']:>8,}  {run['status']}", ending="")
                    self.stdout.flush()
                tick += 1
                time.sleep(0)
        finally:
            connection.close()
