# The "one new migration" of tests/bench/bench_migrations.py: a column with a
# default and an index over it, the most common shape of a schema change.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchapp", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="note",
            name="priority",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="note",
            index=models.Index(fields=["priority", "created_at"], name="benchapp_note_priority_idx"),
        ),
    ]
