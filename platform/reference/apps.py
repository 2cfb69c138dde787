from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "reference"
    verbose_name = "Referentiegegevens"

    def ready(self) -> None:
        # The pure rules module asks this loader for the decree days it needs;
        # it imports nothing of ours, so the data is handed to it from here.
        from reference import deadline_rules
        from reference.designated_days import designated_days_from_database

        deadline_rules.set_designated_days_loader(designated_days_from_database)
