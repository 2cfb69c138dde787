from django.apps import AppConfig


class TenantMigConfig(AppConfig):
    name = "tests.tenantmig"
    label = "tenantmig"
    default_auto_field = "django.db.models.BigAutoField"
