"""Provider hosts: messages, shared notes and documents for the follow link and the provider's page."""

from django.urls import path

from casework.procedures import views_parties as parties

urlpatterns = [
    path("volg/<str:token>/bericht/", parties.follow_message, name="follow_message"),
    path(
        "volg/<str:token>/notities/<int:note_id>/delen/", parties.follow_note_share, name="follow_note_share"
    ),
    path("volg/<str:token>/documenten/<int:record_id>/", parties.follow_document, name="follow_document"),
    path("klachten/<str:reference>/bericht/", parties.provider_message, name="provider_complaint_message"),
    path(
        "klachten/<str:reference>/documenten/<int:record_id>/",
        parties.provider_document,
        name="provider_complaint_document",
    ),
]
