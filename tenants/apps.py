from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Providers (tenants)"

    def ready(self) -> None:
        from tenants import pooling, signals  # noqa: F401  (pooling registers its system check)
