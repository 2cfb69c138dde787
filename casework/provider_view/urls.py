"""The provider's own view of consented complaints, and its API keys (provider hosts)."""

from django.urls import path

from casework.provider_view import views as provider

urlpatterns = [
    path("klachten/", provider.complaint_list, name="provider_complaints"),
    path("klachten/export.csv", provider.complaint_export, name="provider_complaints_export"),
    path("klachten/<str:reference>/", provider.complaint_detail, name="provider_complaint_detail"),
    path(
        "klachten/<str:reference>/betrokkenen/",
        provider.participant_add,
        name="provider_complaint_participant_add",
    ),
    path(
        "klachten/<str:reference>/betrokkenen/<int:participant_id>/afmelden/",
        provider.participant_remove,
        name="provider_complaint_participant_remove",
    ),
    path("klachten/<str:reference>/mijn-reactie/", provider.own_side, name="provider_complaint_own_side"),
    path("instellingen/api-sleutels/", provider.api_keys, name="provider_api_keys"),
    path(
        "instellingen/api-sleutels/<int:key_id>/intrekken/",
        provider.api_key_revoke_view,
        name="provider_api_key_revoke",
    ),
]
