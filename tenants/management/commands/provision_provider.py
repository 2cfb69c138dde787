from django.core.management.base import BaseCommand

from tenants.models import Sector
from tenants.provisioning import provider_provision


class Command(BaseCommand):
    help = "Create a provider tenant with its schema and domain (fast schema replay)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("slug")
        parser.add_argument("name")
        parser.add_argument("--sector", default=Sector.OTHER, choices=Sector.values)
        parser.add_argument("--city", default="")
        parser.add_argument("--kvk", default="")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        provider = provider_provision(
            name=options["name"],
            slug=options["slug"],
            sector=options["sector"],
            city=options["city"],
            kvk_number=options["kvk"],
        )
        self.stdout.write(
            f"{provider.slug}: schema {provider.schema_name}, host {provider.get_primary_domain()}"
        )
