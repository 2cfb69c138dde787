"""Dashboards under /werkplek/ (platform host): coordinator, professional, platform trends."""

from django.urls import path

from casework.reports import views as reports

urlpatterns = [
    path("dashboard/", reports.coordinator_dashboard_view, name="coordinator_dashboard"),
    path("dashboard.<str:fmt>", reports.coordinator_dashboard_export, name="coordinator_dashboard_export"),
    path("mijn-dashboard/", reports.professional_dashboard_view, name="professional_dashboard"),
    path(
        "mijn-dashboard.<str:fmt>",
        reports.professional_dashboard_export,
        name="professional_dashboard_export",
    ),
    path("trends/", reports.trends_view, name="platform_trends"),
    path("trends.<str:fmt>", reports.trends_export, name="platform_trends_export"),
]
