"""URLs served on every host (platform and provider)."""

from importlib import import_module

from django.urls import URLPattern, URLResolver, include, path

from klachtpunt.api import api


def optional_include(prefix: str, module: str) -> list[URLPattern | URLResolver]:
    """Include ``module``'s urlpatterns when that module exists (apps land one by one)."""
    try:
        import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return []
    return [path(prefix, include(module))]


urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
