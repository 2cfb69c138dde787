"""Platform host, the complainant's portal: AVG requests of a signed-in person."""

from django.urls import path

from casework.privacy import views_portal

urlpatterns = [
    path("avg-verzoek-indienen/<slug:slug>/", views_portal.portal_request, name="privacy_portal_request"),
    path(
        "mijn-klachten/avg/<str:reference>/antwoord/",
        views_portal.portal_answer,
        name="privacy_portal_answer",
    ),
]
