"""Provider hosts: the data-subject request form (widget and plain page) and the provider's register."""

from django.urls import path

from casework.privacy import views_provider as views

urlpatterns = [
    path("widget/avg-verzoek/", views.widget_request, name="privacy_widget_request"),
    path("avg-verzoek/", views.request_page, name="privacy_request_page"),
    path("avg-verzoek/antwoord/<str:token>/", views.answer_download, name="privacy_answer_download"),
    path("privacy/", views.register, name="provider_privacy"),
    path("privacy/verzoek/", views.request_enter, name="provider_privacy_request"),
    path("privacy/datalek/", views.breach_enter, name="provider_privacy_breach"),
    path("privacy/jaarverslag/<int:year>/", views.annual_report, name="provider_privacy_report"),
]
