"""Platform host: the membership badge image and its verification page (public, no login)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.badge import Standing, badge_lines, membership_standing
from tenants.hosts import provider_url
from tenants.models import Provider
from tenants.selectors import provider_by_slug

# The image may be cached for a minute by browsers (it shows on every page of a provider's website);
# the verification page behind it never is, and asks for the image by its state.
BADGE_MAX_AGE_SECONDS = 60


def _provider(slug: str) -> Provider:
    try:
        return provider_by_slug(slug=slug)
    except Provider.DoesNotExist:
        raise Http404 from None


@require_GET
def membership_verify(request: HttpRequest, slug: str) -> HttpResponse:
    """Whether the provider's membership and its services are active now, or lapsed."""
    standing = membership_standing(_provider(slug))
    response = render(
        request,
        "billing/membership_verify.html",
        {
            "standing": standing,
            "Standing": Standing,
            "scheme_url": provider_url(standing.provider, "/klachtenregeling/"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def membership_badge(request: HttpRequest, slug: str) -> HttpResponse:
    """The badge as SVG: green when active, grey when lapsed or not a member."""
    standing = membership_standing(_provider(slug))
    first, second = badge_lines(standing)
    response = render(
        request,
        "billing/membership_badge.svg",
        {"first": first, "second": second, "active": standing.active},
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Cache-Control"] = f"public, max-age={BADGE_MAX_AGE_SECONDS}"
    # Shown on the provider's own website: another origin may load this image.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
