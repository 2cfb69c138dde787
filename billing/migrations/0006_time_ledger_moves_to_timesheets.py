# The time ledger now lives in casework.timesheets (same tables): billed lines
# point at timesheets.TimeEntry, and billing's state forgets the two models.
# No SQL runs.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0005_billed_line_label'),
        ('timesheets', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='billedline',
                    name='entry',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='billed_lines', to='timesheets.timeentry'),
                ),
                migrations.DeleteModel(name='LedgerMonth'),
                migrations.DeleteModel(name='TimeEntry'),
            ]
        )
    ]
