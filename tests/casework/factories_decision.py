"""Helpers for the deadline, decision, closing and retention tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.utils import timezone

from casework.decision.services import MeasureInput, decision_record
from casework.index.models import CaseIndex, Track
from casework.models import Complaint
from tenants.models import Provider
from tests.casework.accessors import PROVIDER
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, submit_totp

CONCLUSION = "De klacht is gegrond: de medicatie is drie avonden te laat gegeven."
DECISIONS = "Wij bieden excuses aan en passen het rooster van de avonddienst aan."
TIMEFRAME = "De maatregelen zijn binnen drie maanden uitgevoerd."


def login(client: Client, email: str, *, totp: bool = True) -> Client:
    """Log in through the real forms: password, then (for staff and provider users) the TOTP code."""
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    if totp:
        response = submit_totp(client, response.url)
        assert response.status_code == 302, response.content.decode()[:500]
    return client


def formal_complaint(provider: Provider, **overrides: Any) -> tuple[Complaint, CaseIndex]:
    """A consented, formal complaint (the statutory clock runs from today)."""
    result = submit(provider, submission=submission(track=Track.FORMAL, **overrides))
    case = CaseIndex.objects.select_related("provider").get(reference=result.complaint.reference)
    return result.complaint, case


def record_decision(provider: Provider, complaint: Complaint, actor: Any, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "conclusion": CONCLUSION,
        "decisions_taken": DECISIONS,
        "measures_timeframe": TIMEFRAME,
        "measures": [
            MeasureInput("Rooster avonddienst aanpassen", timezone.localdate() + datetime.timedelta(days=30))
        ],
    }
    values.update(overrides)
    return decision_record(
        accessor=PROVIDER, provider=provider, complaint_id=complaint.pk, actor=actor, **values
    )
