from django.db import migrations


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Copy each membership's active services onto its provider (casework reads them there)."""
    Provider = apps.get_model("tenants", "Provider")
    MembershipService = apps.get_model("billing", "MembershipService")
    services: dict[int, set[str]] = {}
    for provider_id, service in MembershipService.objects.filter(active=True).values_list(
        "membership__provider_id", "service"
    ):
        services.setdefault(provider_id, set()).add(service)
    for provider_id, codes in services.items():
        Provider.objects.filter(pk=provider_id).update(services=sorted(codes))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_time_ledger_moves_to_timesheets"),
        ("tenants", "0005_provider_services"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
