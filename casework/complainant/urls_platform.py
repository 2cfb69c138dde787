"""Platform host: the complainant's portal (filing, Mijn klachten) and the coordinator's entry."""

from django.urls import path

from casework.complainant import views_portal as portal
from casework.intake import entry_views as coordinator_entry

urlpatterns = [
    path("klacht/", portal.file_start, name="portal_file_start"),
    path("klacht-indienen/", portal.file_search, name="portal_file_search"),
    path("klacht-indienen/<slug:slug>/", portal.file_complaint, name="portal_file"),
    path("mijn-klachten/", portal.case_list, name="portal_cases"),
    path("mijn-klachten/toevoegen/", portal.claim_by_reference, name="portal_claim_by_reference"),
    path("mijn-klachten/koppelen/<str:claim_token>/", portal.claim, name="portal_claim"),
    path("mijn-klachten/<str:reference>/", portal.case_detail, name="portal_case"),
    path("mijn-klachten/<str:reference>/ontvangen/", portal.filed, name="portal_filed"),
    path(
        "mijn-klachten/<str:reference>/brieven/<int:letter_id>/",
        portal.case_letter,
        name="portal_case_letter",
    ),
    path(
        "mijn-klachten/<str:reference>/toestemming/<str:decision_slug>/",
        portal.case_consent,
        name="portal_case_consent",
    ),
    path("mijn-klachten/<str:reference>/formeel/", portal.case_formal, name="portal_case_formal"),
    path("werkplek/klachten/nieuw/", coordinator_entry.entry_start, name="coordinator_entry_start"),
    path("werkplek/klachten/nieuw/<slug:slug>/", coordinator_entry.entry, name="coordinator_entry"),
]
