"""Contract end on the provider's host, under its subscription page (provider admins)."""

from django.urls import path

from casework.reports.tenant_exit import views

urlpatterns = [
    path("instellingen/abonnement/einde/", views.exit_page, name="provider_exit"),
    path("instellingen/abonnement/einde/export/", views.exit_export, name="provider_exit_export"),
    path(
        "instellingen/abonnement/einde/export/download/", views.exit_download, name="provider_exit_download"
    ),
    path("instellingen/abonnement/einde/verwijderen/", views.exit_delete, name="provider_exit_delete"),
    path(
        "instellingen/abonnement/einde/verwijderen/intrekken/",
        views.exit_delete_withdraw,
        name="provider_exit_delete_withdraw",
    ),
]
