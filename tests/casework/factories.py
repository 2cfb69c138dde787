"""One obvious way to make a complaint in tests."""

from __future__ import annotations

from typing import Any

from casework.index.models import Channel, Consent, Track
from casework.intake.services import ComplaintSubmission, SubmitResult, complaint_submit
from tenants.models import Provider
from tests.casework.accessors import COMPLAINANT

WHAT_HAPPENED = "De avonddienst gaf mijn vader zijn medicijnen twee uur te laat, drie avonden achter elkaar."


def submission(**overrides: Any) -> ComplaintSubmission:
    values: dict[str, Any] = {
        "complainant_kind": "client",
        "complainant_name": "Jan Jansen",
        "complainant_email": "jan.jansen@example.nl",
        "complainant_postcode": "3511 AB",
        "what_happened": WHAT_HAPPENED,
        "goal": "explanation",
        "category_code": "treatment",
        "law": "wlz",
        "track": Track.INFORMAL,
        "consent": Consent.GIVEN,
    }
    values.update(overrides)
    return ComplaintSubmission(**values)


def submit(provider: Provider, channel: str = Channel.WIDGET, **kwargs: Any) -> SubmitResult:
    sub = kwargs.pop("submission", None) or submission()
    kwargs.setdefault("accessor", COMPLAINANT)
    return complaint_submit(provider=provider, submission=sub, channel=channel, **kwargs)
