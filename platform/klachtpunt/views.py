"""Platform-host pages: the public landing page and the staff workspace shell."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import PlatformRole
from accounts.permissions import platform_role_required
from billing.models import Price, PriceKind
from billing.vat import gross_cents
from casework.privacy.services import is_dpo
from reference.dates import today_amsterdam

SERVICES = [
    (PriceKind.MEMBERSHIP_OFFICER, "officer"),
    (PriceKind.MEMBERSHIP_COMMITTEE, "committee"),
    (PriceKind.MEMBERSHIP_CONFIDANT, "confidant"),
    (PriceKind.MEMBERSHIP_DPO, "dpo"),
]


def landing(request: HttpRequest) -> HttpResponse:
    current = Price.current(today_amsterdam())

    def row(kind: str) -> dict:
        price = current.get(kind)
        return {
            "kind": kind,
            "label": PriceKind(kind).label,
            "net": price.amount_cents / 100 if price else None,
            "gross": gross_cents(price.amount_cents) / 100 if price else None,
        }

    return render(
        request,
        "platform/landing.html",
        {
            "services": [dict(row(kind), code=code) for kind, code in SERVICES],
            "hourly": [row(PriceKind.HOURLY_PHONE), row(PriceKind.HOURLY_ONSITE)],
        },
    )


@platform_role_required(PlatformRole.PLATFORM_ADMIN, PlatformRole.COORDINATOR, PlatformRole.PROFESSIONAL)
def workspace(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "platform/workspace.html",
        {"roles": request.user.roles, "is_dpo": is_dpo(request.user)},
    )
