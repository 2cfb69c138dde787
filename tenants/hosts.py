"""Absolute URLs on the platform host and on a provider's host."""

from __future__ import annotations

from django.conf import settings

from tenants.models import Provider


def _origin(host: str) -> str:
    port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
    return f"{settings.PLATFORM_SCHEME}://{host}{port}"


def platform_url(path: str = "/") -> str:
    return _origin(settings.PLATFORM_DOMAIN) + path


def provider_origin(provider: Provider) -> str:
    return _origin(f"{provider.slug}.{settings.PLATFORM_DOMAIN}")


def provider_url(provider: Provider, path: str = "/") -> str:
    return provider_origin(provider) + path
