"""A membership holds several roles (admin, complaint handler, decision maker); none is plain staff."""

import django.contrib.postgres.fields
from django.db import migrations, models


def roles_from_role(apps, schema_editor):
    membership = apps.get_model("tenants", "ProviderMembership")
    membership.objects.filter(role="admin").update(roles=["admin"])


def role_from_roles(apps, schema_editor):
    membership = apps.get_model("tenants", "ProviderMembership")
    membership.objects.filter(roles__contains=["admin"]).update(role="admin")
    membership.objects.exclude(roles__contains=["admin"]).update(role="staff")


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0005_provider_services"),
    ]

    operations = [
        migrations.AddField(
            model_name="providermembership",
            name="roles",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("admin", "Beheerder"),
                        ("handler", "Klachtbehandelaar"),
                        ("decision_maker", "Beslisser (bestuurder of gemandateerde)"),
                    ],
                    max_length=16,
                ),
                blank=True,
                default=list,
                size=None,
                verbose_name="rollen",
            ),
        ),
        migrations.RunPython(roles_from_role, role_from_roles),
        migrations.RemoveField(model_name="providermembership", name="role"),
    ]
