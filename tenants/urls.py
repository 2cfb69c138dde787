"""Provider hosts: the provider admin's settings pages that belong to the tenant itself."""

from django.urls import path

from tenants import widget_views

urlpatterns = [
    path("instellingen/klachtenformulier/", widget_views.widget_settings, name="widget_settings"),
]
