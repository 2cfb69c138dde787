import datetime

from django.db import migrations

# The dpo service's starting yearly price (excl. VAT), so it can be bought at sign-up. Like every
# price it is edited in the price list (a new row with its own valid_from), never here.
START = datetime.date(2026, 1, 1)
KIND = "membership_dpo"
CENTS = 39500


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Price = apps.get_model("billing", "Price")
    if not Price.objects.filter(kind=KIND).exists():
        Price.objects.create(kind=KIND, valid_from=START, amount_cents=CENTS)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_provider_services_backfill")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
