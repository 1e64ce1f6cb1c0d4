"""A sync run entry's `action` becomes its `status` (the same words: what happened to the record), with
labels; entries of updated records gain `diff`. Existing entries keep their value."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0005_one_sync_permission"),
    ]

    operations = [
        # The index names its field: dropped with the old name, made again on the new one.
        migrations.RemoveIndex(model_name="syncrunentry", name="integration_run_id_406c28_idx"),
        migrations.RenameField(model_name="syncrunentry", old_name="action", new_name="status"),
        migrations.AlterField(
            model_name="syncrunentry",
            name="status",
            field=models.CharField(choices=[("created", "Created"), ("updated", "Updated"),
                                            ("zeroed", "Set to 0 (left the POS feed)"),
                                            ("flagged", "Flagged for review"), ("failed", "Could not be read")],
                                   max_length=16),
        ),
        migrations.AddIndex(model_name="syncrunentry",
                            index=models.Index(fields=["run", "status"], name="integration_run_id_e65082_idx")),
        migrations.AlterField(model_name="syncrunentry", name="pos_id",
                              field=models.CharField(blank=True, max_length=64, verbose_name="POS ID")),
        migrations.AddField(
            model_name="syncrunentry",
            name="diff",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="For an updated record, each changed field: [before, after]."),
        ),
    ]
