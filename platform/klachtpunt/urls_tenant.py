"""A provider's host (its own schema)."""

from django.urls import path

from klachtpunt.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    path("", views.provider_home, name="home"),
    path("organisatie/", views.provider_workspace, name="provider_workspace"),
    *common,
]
