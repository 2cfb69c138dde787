from django.db import migrations


class Migration(migrations.Migration):
    """One platform-wide sequence numbers every complaint (KP-<year>-<number>)."""

    dependencies = [("caseindex", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS public.case_reference_seq START 1",
            "DROP SEQUENCE IF EXISTS public.case_reference_seq",
        )
    ]
