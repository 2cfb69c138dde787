"""Provider hosts: the written decision and its measures."""

from django.urls import path

from casework.decision import views as decision

urlpatterns = [
    path("klachten/<str:reference>/oordeel/", decision.decision, name="provider_decision"),
    path(
        "klachten/<str:reference>/oordeel/nieuwe-versie/",
        decision.decision_revise_view,
        name="provider_decision_revise",
    ),
    path(
        "klachten/<str:reference>/concept-antwoord/", decision.decision_draft, name="provider_decision_draft"
    ),
    path("klachten/<str:reference>/oordeel.pdf", decision.decision_download, name="provider_decision_pdf"),
    path(
        "klachten/<str:reference>/maatregelen/<int:measure_id>/gereed/",
        decision.measure_done,
        name="provider_measure_done",
    ),
]
