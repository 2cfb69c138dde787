"""One obvious way to make a professional, a case ready for assignment, and a staff login."""

from __future__ import annotations

import itertools
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.test import Client

from accounts.models import PlatformRole, Professional, Qualification, User
from accounts.services import professional_create, totp_activate, user_create
from casework.index.models import CaseIndex, Service
from tenants.models import Provider
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, TOTP_SECRET, submit_totp

_numbers = itertools.count(1)


def make_professional(
    name: str = "",
    *,
    qualifications: list[str] | None = None,
    sectors: list[str] | None = None,
    categories: list[str] | None = None,
    languages: list[str] | None = None,
    home_postcode: str = "3511 AB",
    travel_radius_km: int = 50,
    capacity: int = 10,
    totp: bool = False,
) -> Professional:
    number = next(_numbers)
    user = user_create(
        email=f"professional{number}@klachtpunt.test",
        password=PASSWORD,
        display_name=name or f"Professional {number:03d}",
        roles=[PlatformRole.PROFESSIONAL],
    )
    if totp:
        totp_activate(user=user, secret=TOTP_SECRET)
    return professional_create(
        user=user,
        qualifications=qualifications if qualifications is not None else [Qualification.OFFICER],
        sectors=sectors if sectors is not None else [],
        languages=languages if languages is not None else ["nl"],
        categories=categories or [],
        home_postcode=home_postcode,
        travel_radius_km=travel_radius_km,
        capacity=capacity,
    )


def make_case(provider: Provider, *, service: str = Service.OFFICER, **overrides: Any) -> CaseIndex:
    """A consented complaint routed to ``service`` (triage is someone else's page; set the index)."""
    result = submit(provider, submission=submission(**overrides))
    CaseIndex.objects.filter(reference=result.complaint.reference).update(service=service, status="intake")
    return CaseIndex.objects.select_related("provider").get(reference=result.complaint.reference)


def staff_client(user: User) -> Client:
    """A platform-host client logged in as ``user``, with a second factor as staff must have."""
    if not is_mfa_enabled(user):
        totp_activate(user=user, secret=TOTP_SECRET)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def totp_login(user: User) -> Client:
    """Log in through the real forms: password, then the TOTP code."""
    client = Client(HTTP_HOST="localhost")
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/", response
    done = submit_totp(client, response.url)
    assert done.status_code == 302, done
    return client
