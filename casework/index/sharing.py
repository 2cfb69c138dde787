"""The sharing rule, written once: what a provider may see of its cases.

*Shared with the provider* = the complainant gave consent to share the
complaint **and** it is not a confidant case. Only a shared case is named to
the provider in figures, exports and invoices (per case, with its reference);
everything else counts only in totals, or on the invoice's pooled line
without references (DESIGN.md section 3).

The provider's dossier pages gate on consent alone (``provider_may_open``):
a confidant case's client may share a note with the provider, which the
provider then reads on that complaint's page; the case's figures and hours
stay unnamed all the same.

In the case vocabulary, so that billing (which reads the index, never a
dossier), the reports and the dossier gate all say the same thing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.index.models import CaseIndex, Consent, Service
from tenants.models import Provider


def provider_may_open(*, consent: str) -> bool:
    """Whether the provider may open the dossier at all: the complainant consented."""
    return consent == Consent.GIVEN


def provider_may_open_q(prefix: str = "") -> Q:
    """``provider_may_open`` as a filter; ``prefix`` reaches the consent through a relation."""
    return Q(**{f"{prefix}consent": Consent.GIVEN})


def shared_with_provider(*, consent: str, service: str) -> bool:
    """The rule: consent given and not a confidant case."""
    return provider_may_open(consent=consent) and service != Service.CONFIDANT


def shared_with_provider_q(prefix: str = "") -> Q:
    """The rule as a filter on case-index rows; ``prefix`` (``"case__"``) reaches them through a relation."""
    return provider_may_open_q(prefix) & ~Q(**{f"{prefix}service": Service.CONFIDANT})


def shared_case_ids(*, provider: Provider) -> QuerySet[CaseIndex, int]:
    """The dossier ids (``case_id``) of ``provider``'s shared cases, for a subquery in its schema."""
    return CaseIndex.objects.filter(shared_with_provider_q(), provider=provider).values_list(
        "case_id", flat=True
    )
