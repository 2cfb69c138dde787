"""Shared helpers for the access-log, mediation, committee and confidant tests."""

from __future__ import annotations

import os
from typing import Any

from django.test import Client

from accounts.models import Qualification, User
from casework.assignment.services import assignment_accept, case_assign
from casework.dossier.access_log import AccessChannel, Accessor
from casework.dossier.services import follow_link_create
from casework.index.models import CaseIndex, Service
from casework.models import AccessLogEntry, Complaint
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.accessors import STAFF
from tests.casework.factories_professionals import make_case, make_professional, staff_client
from tests.conftest import host_client
from tests.support import PASSWORD, TOTP_SECRET, World, submit_totp

QUALIFICATION = {
    Service.OFFICER: Qualification.OFFICER,
    Service.COMMITTEE: Qualification.COMMITTEE,
    Service.CONFIDANT: Qualification.CONFIDANT,
}


def provider_login(world: World, user: User | None = None, *, host: str | None = None) -> Client:
    """A provider user logs in on the provider's host: password, then the TOTP code."""
    user = user or world.alpha_admin
    client = host_client(host or world.alpha_host)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/", response
    assert submit_totp(client, response.url, TOTP_SECRET).status_code == 302
    return client


def worked_case(world: World, service: str = Service.OFFICER, **overrides: Any) -> tuple[CaseIndex, User]:
    """A consented case in ``service`` that a professional has accepted; returns the case and them."""
    case = make_case(world.alpha, service=service, **overrides)
    professional = make_professional(qualifications=[QUALIFICATION[service]], totp=True).user
    case_assign(accessor=STAFF, case=case, professional=professional, actor=world.coordinator)
    assignment_accept(accessor=STAFF, case=case, professional=professional)
    case.refresh_from_db()
    return case, professional


def professional_client(user: User) -> Client:
    return staff_client(user)


def complaint_of(case: CaseIndex) -> Complaint:
    with schema_context(case.provider.schema_name):
        return Complaint.objects.get(pk=case.case_id)


def follow_token(case: CaseIndex) -> str:
    with schema_context(case.provider.schema_name):
        return follow_link_create(complaint=Complaint.objects.get(pk=case.case_id))


# The newest access-log id per schema when the current test began: rows a browser test committed
# earlier (the log is append-only, nothing removes them) are not this test's. Each mark names
# its test, so a test that forgot to mark cannot silently count from another test's baseline.
_baseline: dict[str, tuple[str, int]] = {}


def _current_test() -> str:
    # "tests/x.py::test_y (setup)" while a test runs: its node id and the phase.
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]


def access_log_mark(*providers: Provider) -> None:
    """Start counting access-log entries from now, in each of ``providers``' schemas."""
    for provider in providers:
        with schema_context(provider.schema_name):
            last = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        _baseline[provider.schema_name] = (_current_test(), last or 0)


def log_entries(provider: Provider, **filters: Any) -> list[AccessLogEntry]:
    """This test's access-log entries in ``provider``'s schema, oldest first."""
    marked_by, since = _baseline.get(provider.schema_name, ("", 0))
    assert marked_by == _current_test(), (
        f"call access_log_mark({provider.slug}) when the test starts: the access log keeps "
        "entries that earlier tests (browser tests, committing) wrote"
    )
    with schema_context(provider.schema_name):
        entries = AccessLogEntry.objects.filter(pk__gt=since, **filters)
        return list(entries.order_by("at", "pk"))


def staff_accessor(user: User, role: str) -> Accessor:
    return Accessor(
        channel=AccessChannel.PLATFORM_STAFF,
        role=role,
        user_id=user.pk,
        user_label=str(user),
        organisation="Klachtpunt",
        host="localhost",
        path="/test/",
        method="POST",
    )


def complainant_accessor() -> Accessor:
    return Accessor(
        channel=AccessChannel.FOLLOW_LINK, role="complainant", host="alpha.localhost", path="/volg/"
    )


def provider_accessor(user: User, provider: Provider) -> Accessor:
    return Accessor(
        channel=AccessChannel.PROVIDER,
        role="provider_admin",
        user_id=user.pk,
        user_label=str(user),
        organisation=provider.name,
        host="alpha.localhost",
        path="/klachten/",
        method="POST",
    )
