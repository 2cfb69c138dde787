from django.apps import AppConfig


class ProfessionalsConfig(AppConfig):
    """The directory of professionals; its models stay in accounts (app label kept)."""

    name = "professionals"
    verbose_name = "Professionals directory"
