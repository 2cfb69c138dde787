# The time ledger moves from billing to casework.timesheets with its tables
# kept: this migration only tells Django's state that the models live here now
# (billing 0006 removes them from billing's state). No SQL runs.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('billing', '0005_billed_line_label'),
        ('caseindex', '0003_caseindex_closed_at_caseindex_outcome_assignment'),
        ('tenants', '0002_widget_settings_and_api_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='LedgerMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='First day of the month', unique=True)),
                ('closed_at', models.DateTimeField()),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'billing_ledgermonth',
                'ordering': ['-month'],
            },
        ),
        migrations.CreateModel(
            name='TimeEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(db_index=True, max_length=20)),
                ('service', models.CharField(max_length=16)),
                ('kind', models.CharField(choices=[('phone', 'Telefonisch'), ('onsite', 'Op locatie'), ('non_billable', 'Niet declarabel')], max_length=16)),
                ('activity', models.CharField(choices=[('intake', 'Intakegesprek'), ('mediation', 'Bemiddelingsgesprek'), ('hearing', 'Hoorzitting'), ('support', 'Ondersteuning cliënt'), ('correspondence', 'Correspondentie en verslag'), ('travel', 'Reistijd'), ('other', 'Overig')], max_length=16)),
                ('minutes', models.PositiveIntegerField()),
                ('worked_on', models.DateField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to='caseindex.caseindex')),
                ('professional', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to=settings.AUTH_USER_MODEL)),
                ('provider', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='time_entries', to='tenants.provider')),
            ],
            options={
                'db_table': 'billing_timeentry',
                'verbose_name': 'tijdregistratie',
                'verbose_name_plural': 'tijdregistraties',
                'ordering': ['-worked_on', '-pk'],
                'indexes': [models.Index(fields=['provider', 'worked_on'], name='time_entry_provider_date')],
                'constraints': [models.CheckConstraint(condition=models.Q(('minutes__gt', 0), ('minutes__lte', 1440)), name='time_entry_minutes_in_day')],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
