"""The provider's annual complaints report: page, PDF and exports (provider hosts, provider admins)."""

from django.urls import path

from casework.reports import views as reports

urlpatterns = [
    path("rapportage/", reports.report_index, name="provider_reports"),
    path("rapportage/<int:year>/", reports.report_page, name="provider_report"),
    path("rapportage/<int:year>.pdf", reports.report_pdf, name="provider_report_pdf"),
    path("rapportage/<int:year>.<str:fmt>", reports.report_export, name="provider_report_export"),
    path("rapportage/<int:year>/klachten.<str:fmt>", reports.cases_export, name="provider_report_cases"),
]
