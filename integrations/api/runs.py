from rest_framework import serializers

from ..models import SyncRun


class SyncRunSerializer(serializers.ModelSerializer):
    duration = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = ["id", "card", "stream", "trigger", "status", "dry_run", "counts", "progress", "message", "fix",
                  "error_category", "verification", "queued_at", "started_at", "finished_at", "duration"]
        read_only_fields = fields

    def get_progress(self, run) -> dict:
        return {"pages_done": run.pages_done, "records_so_far": run.fetched, "message": run.progress_message,
                "done": not run.is_active}

    def get_counts(self, run) -> dict:
        return {name: getattr(run, name) for name in
                ("fetched", "created", "updated", "unchanged", "zeroed", "flagged", "errors")}


class SyncRequestSerializer(serializers.Serializer):
    stream = serializers.CharField(default="inventory")
    dry_run = serializers.BooleanField(default=False)
