from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Providers (tenants)"

    def ready(self) -> None:
        # pooling registers its system check; celery_hooks its worker signal receivers.
        from tenants import celery_hooks, pooling, signals  # noqa: F401
