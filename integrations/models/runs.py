"""Sync runs you can read: one row per run with its counts and message, one row per notable record."""
from django.db import models

from .cards import IntegrationCard
from .platform import User


class SyncRun(models.Model):
    """One sync of one stream of one card (nautobot-ssot Sync, NetBox Job)."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        BUTTON = "button", "Sync button"
        INITIAL = "initial", "Initial sync"
        WEBHOOK = "webhook", "Webhook"
        API = "api", "API"
        COMMAND = "command", "Command line"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partly succeeded"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    card = models.ForeignKey(IntegrationCard, on_delete=models.CASCADE, related_name="sync_runs")
    stream = models.CharField(max_length=32, help_text="inventory, order_status, customers, transactions...")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    dry_run = models.BooleanField(default=False, help_text="Preview only: nothing is written (X2).")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    zeroed = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=300, blank=True)
    error_category = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True, help_text="The result in plain words.")
    fix = models.TextField(blank=True, help_text="What the store can do about a failure.")
    verification = models.JSONField(default=dict, blank=True, help_text="Counts here vs the POS (R4).")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the worker while it runs: a run whose heartbeat stops was lost with its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = "sync run"
        constraints = [
            # One stream of one card never runs twice at once; a second request joins the running one.
            models.UniqueConstraint(fields=["card", "stream", "dry_run"],
                                    condition=models.Q(status__in=["queued", "running"]),
                                    name="one_active_run_per_card_stream"),
        ]
        indexes = [models.Index(fields=["card", "stream", "-queued_at"])]

    def __str__(self) -> str:
        return f"Sync #{self.pk} {self.stream} ({self.get_status_display()})"

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class SyncRunEntry(models.Model):
    """A notable record of a run: what happened to it (status), why (message) and, for a record updated,
    what changed (diff). Unchanged records are only counted on the run: a resync of 100,000 products must
    not write 100,000 rows. A run keeps at most settings.SYNC_ENTRIES_PER_STATUS entries of each status
    (RunReporter), so a flood of one kind never hides the few of another."""

    class Status(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        ZEROED = "zeroed", "Set to 0 (left the POS feed)"
        FLAGGED = "flagged", "Flagged for review"
        FAILED = "failed", "Could not be read"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="entries")
    status = models.CharField(max_length=16, choices=Status.choices)
    pos_id = models.CharField("POS ID", max_length=64, blank=True)
    name = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    diff = models.JSONField(default=dict, blank=True,
                            help_text="For an updated record, each changed field: [before, after].")

    class Meta:
        ordering = ["id"]
        verbose_name = "sync run entry"
        verbose_name_plural = "sync run entries"
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"{self.status} {self.pos_id}"
