"""Data-subject requests (AVG art. 12, 15 to 22) for a provider with the dpo service."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from casework.index.models import CaseIndex, CaseKind, CaseStatus
from casework.models import AccessLogEntry, PrivacyRequest
from casework.privacy.selectors import dpo_queue
from casework.privacy.services import (
    PrivacyError,
    privacy_case_take,
    privacy_request_answer,
    privacy_request_extend,
    privacy_request_verify_identity,
    privacy_time_log,
)
from casework.timesheets.models import TimeEntry
from reference import avg_terms
from reference.deadline_rules import add_working_days
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.factories_professionals import staff_client
from tests.privacy.conftest import Dpo, make_breach, make_request
from tests.support import World

pytestmark = pytest.mark.django_db


def _index(request: PrivacyRequest) -> CaseIndex:
    return CaseIndex.every_kind.get(reference=request.reference)


def test_art_12_3_request_is_indexed_with_its_one_month_term_and_routing_metadata_only(dpo: Dpo) -> None:
    request = make_request(dpo, days_ago=3)
    row = _index(request)
    assert row.kind == CaseKind.DSR and row.service == "dpo" and row.category_code == "access"
    assert row.deadline == avg_terms.request_due(request.received_on)
    assert row.status == CaseStatus.RECEIVED and row.provider_id == dpo.provider.pk
    # Nothing that names the requester or says what they asked leaves the tenant schema.
    public_values = " ".join(
        str(value) for value in CaseIndex.every_kind.filter(pk=row.pk).values().first().values()
    )
    assert "Anna" not in public_values and "dossier" not in public_values
    # Complaint pages, queues and reports read complaints only.
    assert not CaseIndex.objects.filter(reference=request.reference).exists()
    with schema_context(dpo.provider.schema_name):
        assert AccessLogEntry.objects.filter(reference=request.reference, event="create").count() == 1


def test_privacy_request_first_contact_is_due_five_working_days_after_receipt_and_met_by_the_answer(
    dpo: Dpo,
) -> None:
    request = make_request(dpo, days_ago=3)
    row = _index(request)
    assert row.first_contact_due == add_working_days(request.received_on, 5)
    assert row.first_contact_at is None
    privacy_request_verify_identity(
        provider=dpo.provider,
        reference=request.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        method="in_person",
    )
    privacy_request_answer(
        provider=dpo.provider,
        reference=request.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        outcome="granted",
        answer_text="Bijgaand uw dossier.",
    )
    answered = _index(request)
    assert answered.first_contact_at is not None
    assert answered.first_contact_due == row.first_contact_due


def test_request_is_refused_for_a_provider_without_the_dpo_service(dpo: Dpo, world: World) -> None:
    Provider.objects.filter(pk=world.beta.pk).update(services=["officer"])
    world.beta.refresh_from_db()
    with pytest.raises(PrivacyError):
        make_request(Dpo(user=dpo.user, provider=world.beta, client=dpo.client))


def test_art_12_3_extension_notice_after_the_first_month_is_refused(dpo: Dpo) -> None:
    request = make_request(dpo, days_ago=40)
    with pytest.raises(PrivacyError, match="binnen één maand"):
        privacy_request_extend(
            provider=dpo.provider,
            reference=request.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            reason="Veel",
        )
    assert _index(request).deadline == avg_terms.request_due(request.received_on)


def test_art_12_3_extension_inside_the_first_month_runs_three_months_from_receipt_once(dpo: Dpo) -> None:
    request = make_request(dpo, days_ago=10)
    privacy_request_extend(
        provider=dpo.provider,
        reference=request.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        reason="Het dossier ligt deels in het archief.",
    )
    assert _index(request).deadline == avg_terms.request_extended_due(request.received_on)
    with pytest.raises(PrivacyError, match="één verlenging"):
        privacy_request_extend(
            provider=dpo.provider,
            reference=request.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            reason="Nog",
        )
    with pytest.raises(PrivacyError):
        privacy_request_extend(
            provider=dpo.provider,
            reference=make_request(dpo).reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            reason="",
        )


def test_art_12_6_answer_granting_access_is_refused_before_identity_is_verified(dpo: Dpo) -> None:
    request = make_request(dpo)
    with pytest.raises(PrivacyError, match="identiteit"):
        privacy_request_answer(
            provider=dpo.provider,
            reference=request.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            outcome="granted",
            answer_text="Bijgaand uw dossier.",
        )


def test_art_12_4_refusal_needs_reasons_and_its_letter_names_the_autoriteit_persoonsgegevens(
    dpo: Dpo,
) -> None:
    request = make_request(dpo, days_ago=5)
    privacy_request_verify_identity(
        provider=dpo.provider,
        reference=request.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        method="in_person",
    )
    with pytest.raises(PrivacyError, match="reden"):
        privacy_request_answer(
            provider=dpo.provider,
            reference=request.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            outcome="partly",
            answer_text="Deels.",
        )
    answered = privacy_request_answer(
        provider=dpo.provider,
        reference=request.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        outcome="partly",
        answer_text="U krijgt inzage in de verslagen, niet in de werkaantekeningen.",
        reason="Werkaantekeningen van de behandelaar vallen onder de rechten van anderen.",
    )
    row = _index(answered)
    assert row.status == CaseStatus.CLOSED and row.decided_on == timezone.localdate()
    with schema_context(dpo.provider.schema_name):
        stored = PrivacyRequest.objects.get(pk=answered.pk)
        text = "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(stored.answer_letter.read())).pages
        )
    assert "Autoriteit Persoonsgegevens" in text and request.reference in text
    assert "Werkaantekeningen van de behandelaar" in text
    with pytest.raises(PrivacyError, match="al beantwoord"):
        privacy_request_answer(
            provider=dpo.provider,
            reference=request.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            outcome="granted",
            answer_text="Toch wel.",
        )


def test_dpo_queue_is_one_query_across_providers_earliest_term_first(
    dpo: Dpo, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    late = make_request(dpo, days_ago=25)
    recent = make_request(dpo, days_ago=1)
    dpo_queue()  # the connection settles back on the public schema first
    with django_assert_num_queries(1):
        rows = dpo_queue()
    references = [row.case.reference for row in rows]
    assert references.index(late.reference) < references.index(recent.reference)
    assert all(row.case.kind in ("dsr", "breach") for row in rows)


def test_dpo_time_on_a_request_is_logged_in_the_ledger_once_taken(dpo: Dpo) -> None:
    request = make_request(dpo, days_ago=2)
    case = _index(request)
    today = timezone.localdate()
    with pytest.raises(Exception, match="toegewezen"):
        privacy_time_log(
            actor=dpo.user, case=case, kind="phone", minutes=30, worked_on=today, activity="correspondence"
        )
    privacy_case_take(case=case, dpo=dpo.user)
    entry = privacy_time_log(
        actor=dpo.user,
        case=case,
        kind="phone",
        minutes=30,
        worked_on=today,
        activity="correspondence",
        note="Verzoeker gebeld over de reikwijdte.",
    )
    assert TimeEntry.objects.get(pk=entry.pk).service == "dpo" and entry.reference == request.reference
    with schema_context(dpo.provider.schema_name):
        assert request.events.model.objects.filter(request_id=request.pk, kind="time_note").count() == 1
    assert _index(request).assignee_id == dpo.user.pk


def test_received_in_the_future_is_refused(dpo: Dpo) -> None:
    with pytest.raises(PrivacyError, match="toekomst"):
        make_request(dpo, received_at=timezone.now() + datetime.timedelta(days=1))


def test_coordinator_complaint_queue_leaves_out_requests_and_breaches(dpo: Dpo, world: World) -> None:
    request = make_request(dpo, days_ago=1)
    breach = make_breach(dpo, hours_ago=1)
    page = staff_client(world.coordinator).get("/werkplek/wachtrij/")
    assert page.status_code == 200
    content = page.content.decode()
    assert request.reference not in content and breach.reference not in content
