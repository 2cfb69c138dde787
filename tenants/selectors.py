"""Reads of providers that complainants and coordinators search."""

from __future__ import annotations

from django.db.models import Q
from django_tenants.utils import get_public_schema_name

from reference.models import DisputesBody
from tenants.models import Provider

PROVIDER_SEARCH_LIMIT = 25


def provider_search(*, query: str, limit: int = PROVIDER_SEARCH_LIMIT) -> tuple[list[Provider], bool]:
    """Providers whose name or city contains ``query`` (one query); and whether there were more."""
    query = " ".join(query.split())
    if len(query) < 2:
        return [], False
    found = list(
        Provider.objects.exclude(schema_name=get_public_schema_name())
        .filter(Q(name__icontains=query) | Q(city__icontains=query))
        .order_by("name", "city", "pk")
        .only("name", "slug", "city", "sector")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def provider_by_slug(*, slug: str) -> Provider:
    """A provider complaints can be filed against; raises ``Provider.DoesNotExist``."""
    return Provider.objects.exclude(schema_name=get_public_schema_name()).get(slug=slug)


def provider_disputes_body(provider: Provider) -> DisputesBody | None:
    """The disputes body ``provider`` is affiliated with now, read fresh (a cached provider may be stale)."""
    current = Provider.objects.filter(pk=provider.pk).values("disputes_body_id")
    return DisputesBody.objects.filter(pk__in=current).first()
