"""The provider's own data-protection officer (AVG art. 37) and the advice hours billed through the ledger."""

from __future__ import annotations

import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from accounts.models import ConflictOfInterest, Qualification
from billing.invoicing import invoicing_run
from billing.models import BilledLine, Price, PriceKind
from casework.dossier.access_log import AccessChannel, Accessor
from casework.index.models import Assignment, CaseIndex, CaseKind, CaseStatus, DpoAppointment
from casework.models import AccessLogEntry, PrivacyAdvice
from casework.privacy.selectors import dpo_queue
from casework.privacy.services import (
    PrivacyError,
    advice_record,
    dpo_appoint,
    privacy_case_take,
    provider_dpo,
)
from casework.timesheets.models import Activity, TimeEntry
from reference.dates import month_start
from tenants.clusters import schema_context
from tests.casework.factories_professionals import make_professional, staff_client
from tests.privacy.conftest import Dpo, make_breach, make_request
from tests.support import World

pytestmark = pytest.mark.django_db


def _coordination(world: World) -> Accessor:
    return Accessor(
        channel=AccessChannel.PLATFORM_STAFF,
        role="coordinator",
        user_id=world.coordinator.pk,
        user_label="Coörd.",
    )


def _appoint(dpo: Dpo, world: World) -> DpoAppointment:
    return dpo_appoint(
        provider=dpo.provider, professional=dpo.user, actor=world.coordinator, accessor=_coordination(world)
    )


def test_art_37_dpo_appoint_refuses_a_professional_with_a_conflict_of_interest(
    dpo: Dpo, world: World
) -> None:
    conflicted = make_professional("FG Belang", qualifications=[Qualification.DPO])
    ConflictOfInterest.objects.create(
        professional=conflicted, provider=dpo.provider, reason="werkte hier tot 2025"
    )
    with pytest.raises(PrivacyError, match="Belangenverstrengeling"):
        dpo_appoint(
            provider=dpo.provider,
            professional=conflicted.user,
            actor=world.coordinator,
            accessor=_coordination(world),
        )
    officer = make_professional("Alleen KF", qualifications=[Qualification.OFFICER])
    with pytest.raises(PrivacyError, match="Niet gekwalificeerd"):
        dpo_appoint(
            provider=dpo.provider,
            professional=officer.user,
            actor=world.coordinator,
            accessor=_coordination(world),
        )
    # Only coordination appoints, even a DPO cannot appoint themselves.
    with pytest.raises(PrivacyError):
        dpo_appoint(provider=dpo.provider, professional=dpo.user, actor=dpo.user, accessor=dpo.accessor)
    assert provider_dpo(dpo.provider) is None


def test_art_37_new_request_and_breach_go_to_the_providers_dpo(dpo: Dpo, world: World) -> None:
    _appoint(dpo, world)
    request, breach = make_request(dpo), make_breach(dpo)
    for reference in (request.reference, breach.reference):
        row = CaseIndex.every_kind.get(reference=reference)
        assert row.assignee_id == dpo.user.pk and row.status == CaseStatus.ASSIGNED
        assert Assignment.objects.get(case=row).state == Assignment.State.ACCEPTED
    assert {row.case.reference for row in dpo_queue(mine_of=dpo.user)} == {
        request.reference,
        breach.reference,
    }
    # Another DPO cannot take the provider's own DPO's case from the queue.
    other = make_professional("FG Ander", qualifications=[Qualification.DPO])
    with pytest.raises(PrivacyError):
        privacy_case_take(case=CaseIndex.every_kind.get(reference=request.reference), dpo=other.user)


def test_without_an_appointed_dpo_a_request_waits_in_the_queue_to_be_taken(dpo: Dpo) -> None:
    request = make_request(dpo)
    row = CaseIndex.every_kind.get(reference=request.reference)
    assert row.assignee_id is None and row.status == CaseStatus.RECEIVED
    privacy_case_take(case=row, dpo=dpo.user)
    row.refresh_from_db()
    assert row.assignee_id == dpo.user.pk


def test_art_37_replacing_the_dpo_needs_a_reason_is_logged_and_hands_over_open_cases(
    dpo: Dpo, world: World
) -> None:
    with schema_context(dpo.provider.schema_name):
        log_before = AccessLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    _appoint(dpo, world)
    request = make_request(dpo)
    successor = make_professional("FG Opvolger", qualifications=[Qualification.DPO])
    with pytest.raises(PrivacyError, match="reden"):
        dpo_appoint(
            provider=dpo.provider,
            professional=successor.user,
            actor=world.coordinator,
            accessor=_coordination(world),
        )
    assert provider_dpo(dpo.provider).professional_id == dpo.user.pk  # type: ignore[union-attr]
    dpo_appoint(
        provider=dpo.provider,
        professional=successor.user,
        actor=world.coordinator,
        accessor=_coordination(world),
        reason="langdurig ziek",
    )
    ended = DpoAppointment.objects.get(provider=dpo.provider, professional=dpo.user)
    assert ended.ended_at is not None and ended.end_reason == "langdurig ziek"
    assert ended.ended_by_id == world.coordinator.pk
    assert provider_dpo(dpo.provider).professional_id == successor.user.pk  # type: ignore[union-attr]
    row = CaseIndex.every_kind.get(reference=request.reference)
    assert row.assignee_id == successor.user.pk
    assert Assignment.objects.get(case=row, professional=dpo.user).replace_reason == "langdurig ziek"
    with schema_context(dpo.provider.schema_name):
        # This provider's log may hold appointments other tests committed (a browser test's).
        logged = AccessLogEntry.objects.filter(
            user_id=world.coordinator.pk, subject="dpo_appointment", pk__gt=log_before
        )
        assert list(logged.values_list("detail", flat=True).order_by("pk")) == ["appointed", "replaced"]


def test_provider_sees_its_dpo_on_its_privacy_register(dpo: Dpo, world: World) -> None:
    client = Client(HTTP_HOST=world.alpha_host)
    client.force_login(world.alpha_admin)
    assert "Er is nog geen functionaris gegevensbescherming" in client.get("/privacy/").content.decode()
    _appoint(dpo, world)
    page = client.get("/privacy/")
    assert page.status_code == 200
    content = page.content.decode()
    assert str(dpo.user) in content and dpo.user.email in content


def test_advice_minutes_reach_the_ledger_and_the_invoice_run_bills_them(dpo: Dpo, world: World) -> None:
    _appoint(dpo, world)
    today = timezone.localdate()
    advice = advice_record(
        provider=dpo.provider,
        actor=dpo.user,
        topic=PrivacyAdvice.Topic.DPIA,
        asked_on=today,
        given_on=today,
        question="Is een DPIA nodig?",
        advice="Ja.",
        minutes=75,
    )
    entry = TimeEntry.objects.get(pk=advice.time_entry_id)
    assert (entry.minutes, entry.worked_on, entry.activity) == (75, today, Activity.ADVICE)
    assert entry.provider_id == dpo.provider.pk and entry.professional_id == dpo.user.pk
    assert entry.case.kind == CaseKind.ADVICE and entry.case.assignee_id == dpo.user.pk
    if not Price.objects.filter(kind=PriceKind.HOURLY_PHONE).exists():
        Price.objects.create(
            kind=PriceKind.HOURLY_PHONE, amount_cents=9000, valid_from=today.replace(month=1, day=1)
        )
    invoicing_run(month=month_start(today), provider_ids=[dpo.provider.pk])
    line = BilledLine.objects.get(entry=entry)
    assert line.amount_cents > 0
    # The ledger row is never a case in a queue: not in the complaint queue, not in the DPO's.
    assert entry.reference not in {row.case.reference for row in dpo_queue(mine_of=dpo.user)}
    assert not CaseIndex.objects.filter(reference=entry.reference).exists()
    page = staff_client(world.coordinator).get("/werkplek/wachtrij/")
    assert page.status_code == 200 and entry.reference not in page.content.decode()
    assert entry.reference not in dpo.client.get("/werkplek/avg/").content.decode()


def test_advice_by_someone_other_than_the_providers_dpo_is_refused(dpo: Dpo, world: World) -> None:
    today = timezone.localdate()
    values = {
        "provider": dpo.provider,
        "actor": dpo.user,
        "topic": PrivacyAdvice.Topic.DPIA,
        "asked_on": today,
        "given_on": today,
        "question": "Vraag",
        "advice": "Advies",
        "minutes": 30,
    }
    with pytest.raises(PrivacyError, match="functionaris gegevensbescherming van deze"):
        advice_record(**values)  # type: ignore[arg-type]
    with schema_context(dpo.provider.schema_name):
        assert not PrivacyAdvice.objects.exists()
    assert not TimeEntry.objects.filter(provider=dpo.provider).exists()


def test_coordinator_appoints_the_dpo_on_its_page_and_a_dpo_may_not(dpo: Dpo, world: World) -> None:
    conflicted = make_professional("FG Belang", qualifications=[Qualification.DPO])
    ConflictOfInterest.objects.create(professional=conflicted, provider=dpo.provider, reason="werkte hier")
    url = f"/werkplek/avg/fg/{dpo.provider.slug}/"
    assert dpo.client.get(url).status_code == 403
    coordinator = staff_client(world.coordinator)
    page = coordinator.get(url).content.decode()
    # The conflicted professional is not offered, and the page says why.
    assert f'value="{conflicted.user.pk}"' not in page and "Belangenverstrengeling" in page
    response = coordinator.post(url, {"professional": conflicted.user.pk})
    assert response.status_code == 200 and provider_dpo(dpo.provider) is None
    response = coordinator.post(url, {"professional": dpo.user.pk})
    assert response.status_code == 302
    assert provider_dpo(dpo.provider).professional_id == dpo.user.pk  # type: ignore[union-attr]
    successor = make_professional("FG Opvolger", qualifications=[Qualification.DPO])
    response = coordinator.post(url, {"professional": successor.user.pk})
    assert response.status_code == 200 and "reden" in response.content.decode()
    response = coordinator.post(url, {"professional": successor.user.pk, "reason": "verhuisd"})
    assert response.status_code == 302
    history = coordinator.get(url).content.decode()
    assert "verhuisd" in history and str(successor.user) in history


def test_advice_form_offers_only_the_providers_whose_dpo_one_is(dpo: Dpo, world: World) -> None:
    field = f'<option value="{dpo.provider.pk}"'
    assert field not in dpo.client.get("/werkplek/avg/advies/").content.decode()
    _appoint(dpo, world)
    assert field in dpo.client.get("/werkplek/avg/advies/").content.decode()
