from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "casework.timesheets"
    label = "timesheets"
    verbose_name = "Tijdregistratie"
