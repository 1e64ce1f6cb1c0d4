"""Manage > Sync runs: every run with its counts and notable records; the Sync button's endpoints."""
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join

from . import streams, sync
from .admin_mixins import CompanyScopedAdmin
from .models import IntegrationCard, SyncRun, SyncRunEntry
from .streams import streams_for
from .tenancy import scope_to_company


class SyncRunEntryInline(admin.TabularInline):
    model = SyncRunEntry
    fields = ["status", "pos_id", "name", "message", "changes"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("run")  # each entry's labels are its run's stream's

    @admin.display(description="changes")
    def changes(self, entry: SyncRunEntry) -> str:
        """The diff in words, one change a line: "Price: 35.00 -> 32.00"."""
        if not entry.diff:
            return "-"
        labels = streams.diff_labels(entry.run.stream)
        return format_html_join(
            "", "<div>{}: {} -&gt; {}</div>",
            ((labels.get(name, name.replace("_", " ").capitalize()), readable(before), readable(after))
             for name, (before, after) in entry.diff.items()))


def readable(value) -> str:
    """A diff's value as a person reads it: 5.0 as 5, 1234.5 as 1,234.5, a weight {value, unit} as "3.5 g",
    nothing as "none" (money comes as text: "35.00")."""
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict):
        # Named parts, not the dict's order: PostgreSQL's jsonb keeps keys in an order of its own.
        if value.keys() <= {"value", "unit"}:
            return " ".join(readable(value[part]) for part in ("value", "unit") if part in value)
        return ", ".join(f"{name} {readable(part)}" for name, part in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(readable(part) for part in value)
    return str(value)


class SyncRunAdmin(CompanyScopedAdmin):
    company_path = "card__company"
    list_display = ["id", "card", "stream", "trigger", "status", "dry_run", "fetched", "created", "updated",
                    "unchanged", "zeroed", "flagged", "errors", "duration_text", "queued_at"]
    list_filter = ["status", "stream", "trigger", "dry_run"]
    list_select_related = ["card__store", "card__company"]
    search_fields = ["card__store__name", "message"]
    readonly_fields = ["card", "stream", "trigger", "status", "dry_run", "requested_by", "fetched", "created",
                       "updated", "unchanged", "zeroed", "flagged", "errors", "pages_done", "progress_message",
                       "message", "fix", "error_category", "verification", "queued_at", "started_at", "finished_at",
                       "heartbeat_at"]
    fields = readonly_fields
    inlines = [SyncRunEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="duration")
    def duration_text(self, run):
        return f"{run.duration:.1f} s" if run.duration is not None else "-"

    def get_urls(self):
        return [
            path("start/", self.admin_site.admin_view(self.start_view), name="integrations_syncrun_start"),
            path("<int:pk>/progress/", self.admin_site.admin_view(self.progress_view),
                 name="integrations_syncrun_progress"),
        ] + super().get_urls()

    def start_view(self, request):
        """POST only; queue the run at once and answer where to read its progress (never sync in a request)."""
        if request.method != "POST":
            return JsonResponse({"message": "Use the Sync button."}, status=405)
        dry_run = request.POST.get("dry_run") == "1"
        user = request.user
        # A dry run writes nothing, so whoever configures the card may preview; a real sync needs the sync
        # permission.
        allowed = user.has_perm("integrations.change_integrationcard") if dry_run else user.has_perm(
            "integrations.sync_integrationcard")
        if not allowed:
            return JsonResponse({"message": "You may not start a sync: ask a manager."}, status=403)
        card_id = request.POST.get("card", "")
        if not card_id.isdigit() or len(card_id) > 18:
            return JsonResponse({"message": "Say which card to sync: its number."}, status=400)
        cards = scope_to_company(IntegrationCard.objects.all(), user, "company")
        card = get_object_or_404(cards, pk=int(card_id))
        stream = request.POST.get("stream", "inventory")
        if stream not in streams_for(card.kind):
            known = ", ".join(streams_for(card.kind)) or "none"
            return JsonResponse({"message": f"This card has no stream called {stream!r}; it has: {known}."},
                                status=400)
        trigger = SyncRun.Trigger.INITIAL if request.POST.get("trigger") == "initial" else SyncRun.Trigger.BUTTON
        run, joined = sync.enqueue_sync(card, stream, trigger, user, dry_run=dry_run)
        message = f"Sync #{run.pk} is already {run.status}: following it." if joined else f"Queued sync #{run.pk}."
        return JsonResponse({"run": run.pk, "joined": joined, "message": message,
                             "progress_url": reverse("admin:integrations_syncrun_progress", args=[run.pk])})

    def progress_view(self, request, pk):
        run = get_object_or_404(self.get_queryset(request), pk=pk)
        if run.is_active and sync.reap_stale_runs(run.card):  # its worker died: say so, the Sync button is back
            run.refresh_from_db()
        from .api.runs import SyncRunSerializer

        data = SyncRunSerializer(run).data
        data["status_display"] = run.get_status_display()
        return JsonResponse(data)
