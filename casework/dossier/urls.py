"""Provider hosts: the admin's access log (NEN 7513), per employee and period, and its CSV."""

from django.urls import path

from casework.dossier import views as access_log

urlpatterns = [
    path("instellingen/toegangslog/", access_log.provider_access_log_view, name="provider_access_log"),
    path(
        "instellingen/toegangslog/export.csv",
        access_log.provider_access_log_export,
        name="provider_access_log_export",
    ),
]
