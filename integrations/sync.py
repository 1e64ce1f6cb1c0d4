"""The sync engine: queue runs, run them in a django-q2 worker, report progress, keep schedules.

A run is a SyncRun row; its status is written with filter(pk=...).update(...) so a page's progress
never overwrites another field. One stream of one card never runs twice at once: the partial unique
constraint on active runs makes a second request join the running one.
"""
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import IntegrationCard, SyncRun, SyncRunEntry
from .pos.errors import PosError
from .streams import StreamOutcome, get_runner, streams_for

logger = logging.getLogger(__name__)

FREQUENCIES = {"10m": timedelta(minutes=10), "15m": timedelta(minutes=15), "hourly": timedelta(hours=1),
               "daily": timedelta(days=1)}
DISPATCH_SCHEDULE = "canopy: dispatch due syncs"
# Failed runs in a row (dry runs aside) after which a card's schedule pauses until someone acts.
PAUSE_AFTER_FAILURES = 3


class RunReporter:
    """What a stream tells its run while it works: counts per page, notable records, a heartbeat.

    An entry is (status, pos id, name, message) or (status, pos id, name, message, diff), status one of
    SyncRunEntry.Status and diff {field: [before, after]}. The run keeps the first
    settings.SYNC_ENTRIES_PER_STATUS of each status; its counts cover every record."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.entries_kept: Counter[str] = Counter()

    def page(self, message: str = "", entries: Iterable[tuple] = (), **counts: int) -> None:
        changes = {name: F(name) + value for name, value in counts.items() if value}
        SyncRun.objects.filter(pk=self.run.pk).update(
            **changes, pages_done=F("pages_done") + 1, heartbeat_at=timezone.now(),
            progress_message=message[:300])
        self.add_entries(entries)

    def add(self, entries: Iterable[tuple] = (), **counts: int) -> None:
        changes = {name: F(name) + value for name, value in counts.items() if value}
        if changes:
            SyncRun.objects.filter(pk=self.run.pk).update(**changes, heartbeat_at=timezone.now())
        self.add_entries(entries)

    def add_entries(self, entries: Iterable[tuple]) -> None:
        limit = settings.SYNC_ENTRIES_PER_STATUS
        rows = []
        for status, pos_id, name, message, *diff in entries:
            if self.entries_kept[status] >= limit:
                continue
            self.entries_kept[status] += 1
            rows.append(SyncRunEntry(run_id=self.run.pk, status=status, pos_id=str(pos_id)[:64],
                                     name=str(name)[:300], message=message, diff=(diff[0] if diff else None) or {}))
        if rows:
            SyncRunEntry.objects.bulk_create(rows)

    def heartbeat(self, message: str = "") -> None:
        fields = {"heartbeat_at": timezone.now()}
        if message:
            fields["progress_message"] = message[:300]
        SyncRun.objects.filter(pk=self.run.pk).update(**fields)


class Heartbeat:
    """While a run works, a thread of its own writes its heartbeat every SYNC_HEARTBEAT_SECONDS: the
    reaper then tells a run whose worker died (silent) from one on a long page (a fetch may take
    minutes before its first page). It stops beating once the run is no longer running (reaped)."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "Heartbeat":
        # Inside a transaction (a test's), another connection would not even see the run.
        if not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._beat, name=f"sync-run-{self.run_id}-heartbeat",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.SYNC_HEARTBEAT_SECONDS):
                try:
                    running = SyncRun.objects.filter(pk=self.run_id, status=SyncRun.Status.RUNNING).update(
                        heartbeat_at=timezone.now())
                except DatabaseError:  # a busy database: the next beat tries again
                    logger.warning("Sync run %s: could not write its heartbeat", self.run_id, exc_info=True)
                    continue
                if not running:
                    return
        finally:
            connection.close()  # this thread's own connection


def enqueue_sync(card: IntegrationCard, stream: str = "inventory", trigger: str = SyncRun.Trigger.BUTTON,
                 user=None, dry_run: bool = False) -> tuple[SyncRun, bool]:
    """Queue a run at once (never sync inside a request). Returns (run, joined): joined is True when
    a run of this stream of this card was already queued or running and the request joined it. A run
    someone asked for (not the schedule's) resumes a paused schedule."""
    get_runner(stream)  # an unknown stream is a programming error, not a queued failure
    reap_stale_runs(card)
    if trigger != SyncRun.Trigger.SCHEDULE and not dry_run and IntegrationCard.objects.filter(
            pk=card.pk, sync_paused_at__isnull=False).update(failed_syncs_in_a_row=0, sync_paused_at=None):
        resume_schedule(card)
    active = SyncRun.objects.filter(card=card, stream=stream, dry_run=dry_run, status__in=SyncRun.ACTIVE).first()
    if active is not None:
        return active, True
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(card=card, stream=stream, trigger=trigger, dry_run=dry_run,
                                         requested_by=user if user and user.pk else None)
    except IntegrityError:
        # Another request queued the same stream a moment ago: join it.
        return SyncRun.objects.get(card=card, stream=stream, dry_run=dry_run, status__in=SyncRun.ACTIVE), True
    transaction.on_commit(lambda: _send_to_queue(run.pk))
    return run, False


def _send_to_queue(run_id: int) -> None:
    from django_q.tasks import async_task

    try:
        async_task("integrations.tasks.run_sync_task", run_id, task_name=f"sync-run-{run_id}",
                   group="canopy-syncs")
    except Exception:  # noqa: BLE001 - a run the queue never got must not stay "queued" for half an hour
        logger.exception("Sync run %s could not be queued", run_id)
        SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
            status=SyncRun.Status.FAILED, finished_at=timezone.now(), error_category="not_queued",
            message="Canopy could not hand this sync to its task queue.",
            fix="Press Sync again in a minute; if it keeps happening, check that the task queue is running.")


def execute_run(run_id: int) -> SyncRun:
    """Run a queued run to its end in this process (the worker, or `manage.py sync`)."""
    now = timezone.now()
    taken = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now, progress_message="Starting")
    run = SyncRun.objects.select_related("card__store", "card__company").get(pk=run_id)
    if not taken:
        logger.info("Sync run %s is %s already; nothing to do.", run_id, run.status)
        return run
    reporter = RunReporter(run)
    fields: dict = {}
    try:
        with Heartbeat(run.pk):
            outcome = get_runner(run.stream)(run, reporter) or StreamOutcome()
        run.refresh_from_db()
        if outcome.category:
            status = SyncRun.Status.PARTIAL
        else:
            status = SyncRun.Status.PARTIAL if run.errors else SyncRun.Status.SUCCEEDED
        fields = {"status": status, "message": outcome.message, "fix": outcome.fix,
                  "error_category": outcome.category, "verification": outcome.verification}
    except PosError as error:
        fields = {"status": SyncRun.Status.FAILED, "error_category": error.category, "message": error.message,
                  "fix": error.fix}
    except Exception as error:  # noqa: BLE001 - any crash must end as a recorded, readable run
        logger.exception("Sync run %s crashed", run_id)
        fields = {"status": SyncRun.Status.FAILED, "error_category": "internal",
                  "message": f"Canopy stopped on an unexpected error ({type(error).__name__}); nothing after the "
                             "last completed page was written.",
                  "fix": "Try again; if it happens again, send this run's number to Canopy support."}
    SyncRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), progress_message="Done", **fields)
    run.refresh_from_db()
    if not run.dry_run:
        _count_outcome(run.card_id, failed=run.status == SyncRun.Status.FAILED)
    return run


def reap_stale_runs(card: IntegrationCard | None = None) -> int:
    """Mark runs whose worker died (no heartbeat for SYNC_STALE_AFTER_SECONDS) as failed, so the card
    can sync again. Asked on every Sync, progress poll and dispatch: it only writes when it finds one."""
    now = timezone.now()
    stale_running = now - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    stale_queued = now - timedelta(seconds=settings.Q_CLUSTER["retry"])
    runs = SyncRun.objects.filter(status__in=SyncRun.ACTIVE)
    if card is not None:
        runs = runs.filter(card=card)
    dead = runs.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=stale_running) | runs.filter(
        status=SyncRun.Status.QUEUED, queued_at__lt=stale_queued)
    found = list(dead.values_list("pk", "card_id", "dry_run"))
    if not found:
        return 0
    reaped = SyncRun.objects.filter(pk__in=[pk for pk, _, _ in found], status__in=SyncRun.ACTIVE).update(
        status=SyncRun.Status.FAILED, finished_at=now, error_category="worker_lost",
        message="The worker running this sync stopped (a restart or a crash) before it finished.",
        fix="Nothing to do: the next sync starts cleanly and picks up every change.")
    for _, card_id, dry_run in found:
        if not dry_run:
            _count_outcome(card_id, failed=True)
    return reaped


def _count_outcome(card_id: int, *, failed: bool) -> None:
    """Failures in a row per card: the PAUSE_AFTER_FAILURES-th pauses its schedule; a success resets."""
    cards = IntegrationCard.objects.filter(pk=card_id)
    if not failed:
        cards.filter(failed_syncs_in_a_row__gt=0).update(failed_syncs_in_a_row=0)
        return
    cards.update(failed_syncs_in_a_row=F("failed_syncs_in_a_row") + 1)
    if cards.filter(failed_syncs_in_a_row__gte=PAUSE_AFTER_FAILURES, sync_paused_at__isnull=True).update(
            sync_paused_at=timezone.now()):
        logger.warning("Card %s failed %s syncs in a row: its schedule is paused.", card_id, PAUSE_AFTER_FAILURES)


def resume_schedule(card: IntegrationCard) -> None:
    """Someone saved the card or pressed Sync: the schedule runs again (the count starts over). Sets the
    instance's fields; the caller saves them."""
    card.failed_syncs_in_a_row = 0
    card.sync_paused_at = None


def pause_notice(card: IntegrationCard) -> str:
    """What the card's page says while its schedule is paused ("" when it is not)."""
    if card.sync_paused_at is None:
        return ""
    last = card.sync_runs.filter(status=SyncRun.Status.FAILED, dry_run=False).order_by("-id").first()
    why = f" The last one said: {last.message}" if last and last.message else ""
    return (f"Scheduled syncs of this card are paused: its last {card.failed_syncs_in_a_row} syncs failed in a "
            f"row.{why} Fix the cause, then save the card or press Sync to resume them.")


def schedule_card(card: IntegrationCard, *, enabled_before: bool) -> None:
    """Keep a card's schedule in step with its Enable toggle: enabling makes the first sync due now
    (the dispatcher runs every minute, so it starts within 10 minutes, C2); disabling removes it."""
    if card.enabled and card.kind == "ecommerce" and card.sync_frequency != "webhook":
        if not enabled_before or card.next_sync_at is None:
            card.next_sync_at = timezone.now()
    else:
        card.next_sync_at = None


def dispatch_due_syncs() -> list[int]:
    """Queue the syncs that are due (one schedule for every card, each with its own frequency)."""
    reap_stale_runs()
    now = timezone.now()
    queued = []
    due = IntegrationCard.objects.filter(enabled=True, next_sync_at__lte=now, sync_paused_at__isnull=True
                                         ).select_related("store")
    for card in due:
        interval = FREQUENCIES.get(card.sync_frequency)
        for stream in streams_for(card.kind):
            first = not card.sync_runs.filter(stream=stream, status__in=[
                SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL]).exists()
            trigger = SyncRun.Trigger.INITIAL if first else SyncRun.Trigger.SCHEDULE
            run, joined = enqueue_sync(card, stream, trigger)
            if not joined:
                queued.append(run.pk)
        IntegrationCard.objects.filter(pk=card.pk).update(next_sync_at=now + interval if interval else None)
    return queued


def ensure_dispatch_schedule() -> None:
    """One django-q2 schedule runs the dispatcher every minute (created once, idempotent)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=DISPATCH_SCHEDULE,
        defaults={"func": "integrations.tasks.dispatch_due_syncs_task", "schedule_type": Schedule.MINUTES,
                  "minutes": 1, "repeats": -1})
