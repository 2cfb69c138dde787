"""The dpo service's test world: provider alpha with the dpo service, and a data-protection officer."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Qualification, User
from casework.dossier.access_log import AccessChannel, Accessor
from casework.models import Breach, PrivacyRequest
from casework.privacy.services import breach_report, privacy_request_submit
from tenants.models import Provider
from tenants.routing import clear_tenant_cache
from tests.casework.factories_professionals import make_professional, staff_client
from tests.support import World

_names = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): run on the same xdist worker as the group")


@dataclass
class Dpo:
    user: User
    provider: Provider
    client: Client

    @property
    def accessor(self) -> Accessor:
        return Accessor(
            channel=AccessChannel.PLATFORM_STAFF, role="dpo", user_id=self.user.pk, user_label="FG"
        )


@pytest.fixture
def dpo(db, world: World) -> Iterator[Dpo]:  # type: ignore[no-untyped-def]
    Provider.objects.filter(pk=world.alpha.pk).update(services=["officer", "dpo"])
    world.alpha.refresh_from_db()
    # The update bypasses Provider.save, which clears the host cache: clear it here, before the
    # pages see the service and after the rollback takes it away again.
    clear_tenant_cache()
    professional = make_professional(f"FG {next(_names)}", qualifications=[Qualification.DPO])
    yield Dpo(user=professional.user, provider=world.alpha, client=staff_client(professional.user))
    clear_tenant_cache()


def make_request(dpo: Dpo, *, days_ago: int = 0, **overrides: Any) -> PrivacyRequest:
    values: dict[str, Any] = {
        "kind": PrivacyRequest.Kind.ACCESS,
        "via": PrivacyRequest.Via.DPO,
        "requester_name": "Anna de Vries",
        "requester_email": "anna@example.nl",
        "description": "Ik wil mijn medisch dossier van 2025 inzien.",
        "received_at": timezone.now() - datetime.timedelta(days=days_ago),
        "receipt_evidence": "brief",
    }
    values.update(overrides)
    request, _created = privacy_request_submit(provider=dpo.provider, accessor=dpo.accessor, **values)
    return request


def make_breach(dpo: Dpo, *, hours_ago: float = 1, **overrides: Any) -> Breach:
    values: dict[str, Any] = {
        "kind": Breach.Kind.CONFIDENTIALITY,
        "aware_at": timezone.now() - datetime.timedelta(hours=hours_ago),
        "what_happened": "Een e-mail met een behandelplan ging naar de verkeerde ontvanger.",
        "data_categories": "Naam, geboortedatum, behandelplan",
        "people_categories": "Cliënten",
        "people_approx": 1,
        "records_approx": 1,
        "likely_consequences": "Gezondheidsgegevens bekend bij een onbevoegde.",
        "measures": "Ontvanger gevraagd de e-mail te verwijderen.",
    }
    values.update(overrides)
    return breach_report(provider=dpo.provider, accessor=dpo.accessor, reporter=dpo.user, **values)
