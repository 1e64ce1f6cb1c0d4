"""Manage > Sync runs: every run with its counts and notable records; the Sync button's endpoints."""
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from . import sync
from .admin_mixins import CompanyScopedAdmin
from .models import IntegrationCard, SyncRun, SyncRunEntry
from .tenancy import scope_to_company


class SyncRunEntryInline(admin.TabularInline):
    model = SyncRunEntry
    fields = ["action", "pos_id", "name", "message"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


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
        # A dry run writes nothing, so whoever configures the card may preview; a real sync needs run_sync.
        allowed = user.has_perm("integrations.change_integrationcard") if dry_run else user.has_perm(
            "integrations.run_sync")
        if not allowed:
            return JsonResponse({"message": "You may not start a sync: ask a manager."}, status=403)
        cards = scope_to_company(IntegrationCard.objects.all(), user, "company")
        card = get_object_or_404(cards, pk=request.POST.get("card"))
        trigger = SyncRun.Trigger.INITIAL if request.POST.get("trigger") == "initial" else SyncRun.Trigger.BUTTON
        run, joined = sync.enqueue_sync(card, request.POST.get("stream", "inventory"), trigger, user, dry_run=dry_run)
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
