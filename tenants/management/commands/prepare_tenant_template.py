from django.core.management.base import BaseCommand

from tenants.provisioning import template_prepare


class Command(BaseCommand):
    help = "Capture the tenant schema script that provisioning replays (run after migrating)."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        template = template_prepare()
        self.stdout.write(f"tenant schema template {template} ({len(template.statements)} statements)")
