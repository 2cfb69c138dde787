"""Platform host, under /werkplek/avg/: the data-protection officer's workspace."""

from django.urls import path

from casework.privacy import views

urlpatterns = [
    path("avg/", views.queue, name="privacy_queue"),
    path("avg/verzoek/nieuw/", views.request_create, name="privacy_request_create"),
    path("avg/datalek/nieuw/", views.breach_create, name="privacy_breach_create"),
    path("avg/advies/", views.advice, name="privacy_advice"),
    path("avg/fg/<slug:slug>/", views.dpo_appointment, name="privacy_dpo_appointment"),
    path("avg/jaarverslag/<slug:slug>/<int:year>/", views.annual_report, name="privacy_report"),
    path(
        "avg/jaarverslag/<slug:slug>/<int:year>/pdf/", views.annual_report_download, name="privacy_report_pdf"
    ),
    path("avg/<str:reference>/", views.case_detail, name="privacy_case"),
    path("avg/<str:reference>/oppakken/", views.take, name="privacy_take"),
    path("avg/<str:reference>/uren/", views.log_time, name="privacy_time"),
    path("avg/<str:reference>/identiteit/", views.verify_identity, name="privacy_identity"),
    path("avg/<str:reference>/verlengen/", views.extend, name="privacy_extend"),
    path("avg/<str:reference>/antwoord/", views.answer, name="privacy_answer"),
    path("avg/<str:reference>/antwoord.pdf", views.answer_letter, name="privacy_answer_letter"),
    path("avg/<str:reference>/beoordeling/", views.assess, name="privacy_assess"),
    path("avg/<str:reference>/melding-ap/", views.notify_ap, name="privacy_notify_ap"),
    path("avg/<str:reference>/betrokkenen/", views.notify_people, name="privacy_notify_people"),
    path("avg/<str:reference>/afsluiten/", views.close_breach, name="privacy_close"),
]
