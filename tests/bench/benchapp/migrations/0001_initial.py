from django.db import migrations, models


def seed(apps, schema_editor):
    Note = apps.get_model("benchapp", "Note")
    Note.objects.bulk_create(Note(title=f"Notitie {n}") for n in range(25))


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
