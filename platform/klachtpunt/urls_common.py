"""URLs served on every host (platform and provider)."""

from django.urls import include, path

from klachtpunt.api import api

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
