"""After the provider's decision nobody reads "Wacht op oordeel" any more."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from casework.index.models import CaseIndex, CaseStatus
from casework.models import Complaint
from tenants.clusters import schema_context
from tests.casework.factories_decision import formal_complaint, login, record_decision
from tests.support import World

pytestmark = pytest.mark.django_db


def shown(html: str) -> str:
    """The page without the status filter's options, which name every status."""
    return re.sub(r"<option[^>]*>.*?</option>", "", html, flags=re.S)


def test_recording_the_decision_ends_wacht_op_oordeel_for_provider_and_index(
    world: World, alpha_client: Client
) -> None:
    complaint, case = formal_complaint(world.alpha)
    # The committee advised; the provider's decision is what the case waits for.
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(status=CaseStatus.DECISION)
    CaseIndex.objects.filter(pk=case.pk).update(status=CaseStatus.DECISION)
    login(alpha_client, world.alpha_admin.email)
    assert "Wacht op oordeel" in shown(alpha_client.get("/klachten/").content.decode())

    record_decision(world.alpha, complaint, world.alpha_admin)

    listing = alpha_client.get("/klachten/").content.decode()
    detail = alpha_client.get(f"/klachten/{complaint.reference}/").content.decode()
    for page in (shown(listing), shown(detail)):
        assert "Wacht op oordeel" not in page and "Oordeel gegeven" in page
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.DECIDED
