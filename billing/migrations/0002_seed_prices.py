import datetime

from django.db import migrations

START = datetime.date(2026, 1, 1)
PRICES = [("membership_officer", 17900), ("hourly_phone", 9000), ("hourly_onsite", 10000)]


def seed(apps, schema_editor):
    Price = apps.get_model("billing", "Price")
    for kind, cents in PRICES:
        Price.objects.get_or_create(kind=kind, valid_from=START, defaults={"amount_cents": cents})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
