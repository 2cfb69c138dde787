"""The versioned JSON API (django-ninja); the schema is at /api/v1/openapi.json.

Routers live with the code they serve and are mounted here:
``/complaints`` (intake, used by the widget), ``/status`` (a complainant's
view by secure token) and ``/cases`` (a provider's systems, by API key).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from billing.models import Price
from billing.vat import gross_cents
from reference.dates import today_amsterdam

api = NinjaAPI(title="Klachtpunt API", version="1", urls_namespace="api-v1", docs_url=None)


class PriceOut(Schema):
    kind: str
    label: str
    amount_cents: int
    amount_incl_vat_cents: int
    valid_from: str


@api.get("/prices", response=list[PriceOut], tags=["public"], summary="Current price list")
def prices(request: HttpRequest) -> list[dict]:
    """Current prices, excluding and including VAT, in cents."""
    current = Price.current(today_amsterdam())
    return [
        {
            "kind": price.kind,
            "label": str(price.get_kind_display()),
            "amount_cents": price.amount_cents,
            "amount_incl_vat_cents": gross_cents(price.amount_cents),
            "valid_from": price.valid_from.isoformat(),
        }
        for price in current.values()
    ]


def _mount_routers() -> None:
    from casework.complainant import api as status
    from casework.intake import api as intake
    from casework.provider_view import api as cases

    api.add_router("/complaints", intake.router)
    api.add_router("/status", status.router)
    api.add_router("/cases", cases.router)


_mount_routers()
