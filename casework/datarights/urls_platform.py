"""Platform host: the privacy notice, and the complainant's data rights from Mijn klachten."""

from django.urls import path

from casework.datarights import views

urlpatterns = [
    path("privacyverklaring/", views.privacy_notice, name="privacy_notice"),
    path("mijn-gegevens/", views.portal_rights, name="datarights_portal"),
    path(
        "mijn-gegevens/download.<str:file_format>",
        views.portal_download,
        name="datarights_portal_download",
    ),
    path("mijn-gegevens/wissen/", views.portal_erase, name="datarights_portal_erase"),
    path("mijn-gegevens/account-verwijderen/", views.account_delete_view, name="datarights_account_delete"),
]
