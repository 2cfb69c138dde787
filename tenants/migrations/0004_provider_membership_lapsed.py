# The provider carries its membership's standing, written by billing, so that
# casework reads it without importing billing. Filled from existing memberships.

from django.db import migrations, models

LAPSED = ("past_due", "cancelled")


def fill(apps, schema_editor):
    Provider = apps.get_model("tenants", "Provider")
    Membership = apps.get_model("billing", "Membership")
    lapsed = Membership.objects.filter(status__in=LAPSED).values_list("provider_id", flat=True)
    Provider.objects.filter(pk__in=list(lapsed)).update(membership_lapsed=True)


class Migration(migrations.Migration):

    dependencies = [
        ("tenants", "0003_provider_disputes_body_retention_years"),
        ("billing", "0006_time_ledger_moves_to_timesheets"),
    ]

    operations = [
        migrations.AddField(
            model_name="provider",
            name="membership_lapsed",
            field=models.BooleanField(default=False, verbose_name="lidmaatschap verlopen"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
