"""Provider hosts: the provider admin's settings pages that belong to the tenant itself."""

from django.urls import path

from tenants import views, widget_views

urlpatterns = [
    path("instellingen/klachtenformulier/", widget_views.widget_settings, name="widget_settings"),
    path("instellingen/geschilleninstantie/", views.disputes_body_settings, name="provider_disputes_body"),
    path("instellingen/gebruikers/", views.member_roles, name="provider_member_roles"),
    path(
        "instellingen/gebruikers/<int:user_id>/",
        views.member_roles_update,
        name="provider_member_roles_update",
    ),
]
