from django.apps import AppConfig


class CaseIndexConfig(AppConfig):
    name = "casework.index"
    label = "caseindex"
    verbose_name = "Case index (public schema)"
