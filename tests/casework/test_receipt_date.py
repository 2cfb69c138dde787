"""The formal receipt date is a fact, recorded with its evidence, for every channel.

Wkkgz art. 17: the provider decides within 6 weeks of receiving the written
complaint; Klachtpunt shares it with the provider only with consent, so the
statutory clock runs from the later of the day the written complaint arrived
and the day consent to share it came. Changing the recorded day is an action
with a reason, logged and on the timeline.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from casework.closing.services import case_close
from casework.consent.services import consent_record
from casework.deadlines.services import formal_receipt_change
from casework.dossier.access_log import AccessChannel, Accessor
from casework.dossier.events import entry_text
from casework.index.models import CaseIndex, Channel, Consent, Outcome, Track
from casework.intake.entry import coordinator_complaint_enter
from casework.intake.services import widget_complaint_submit
from casework.models import AccessLogEntry, Complaint, TimelineEntry
from reference.deadline_rules import decision_deadline, disputes_last_day
from tenants.clusters import schema_context
from tests.casework.accessors import COMPLAINANT, STAFF
from tests.casework.factories import submission, submit
from tests.casework.factories_decision import login, record_decision
from tests.support import World

pytestmark = pytest.mark.django_db

D = datetime.date


def receipt_evidence(provider: object, complaint_id: int) -> dict:
    with schema_context(provider.schema_name):  # type: ignore[attr-defined]
        return TimelineEntry.objects.get(complaint_id=complaint_id, kind="formal_receipt").data


def enter(world: World, *, channel: str, received_on: datetime.date, today: datetime.date, key: str, **sub):
    return coordinator_complaint_enter(
        accessor=STAFF,
        provider=world.alpha,
        submission=submission(track=Track.FORMAL, consent=Consent.GIVEN, **sub),
        channel=channel,
        received_on=received_on,
        coordinator_id=world.coordinator.pk,
        form_key=key,
        today=today,
    )


def test_letter_received_13_november_entered_6_december_has_its_deadline_on_28_december(world: World) -> None:
    # The legal example: the letter, with consent in it, reached Klachtpunt on Friday 13 November 2026
    # and was entered on 6 December 2026. Six weeks end on Christmas Day; the Atw moves the term past
    # both Christmas days and the Sunday to Monday 28 December 2026.
    result = enter(
        world,
        channel=Channel.LETTER,
        received_on=D(2026, 11, 13),
        today=D(2026, 12, 6),
        key="legal-example-0001",
    )
    assert result.complaint.formal_received_on == D(2026, 11, 13)
    assert result.deadline == D(2026, 12, 28)
    row = CaseIndex.objects.get(reference=result.complaint.reference)
    assert row.formal_received_on == D(2026, 11, 13) and row.deadline == D(2026, 12, 28)
    evidence = receipt_evidence(world.alpha, result.complaint.pk)
    assert evidence["basis"] == "arrival" and evidence["received_on"] == "2026-11-13"
    assert evidence["channel"] == Channel.LETTER and evidence["recorded_by_user_id"] == world.coordinator.pk


def test_email_receipt_date_is_the_day_the_email_arrived(world: World) -> None:
    today = timezone.localdate()
    arrived = today - datetime.timedelta(days=10)
    result = enter(world, channel=Channel.EMAIL, received_on=arrived, today=today, key="email-arrived-0001")
    assert result.complaint.formal_received_on == arrived
    assert result.deadline == decision_deadline(arrived, "wlz")
    assert receipt_evidence(world.alpha, result.complaint.pk)["basis"] == "arrival"


def test_phone_receipt_date_is_the_day_recorded_by_the_coordinator(world: World) -> None:
    today = timezone.localdate()
    called = today - datetime.timedelta(days=2)
    result = enter(world, channel=Channel.PHONE, received_on=called, today=today, key="phone-called-0001")
    assert result.complaint.formal_received_on == called


def test_widget_receipt_date_is_the_day_of_submission(world: World) -> None:
    result = widget_complaint_submit(
        accessor=COMPLAINANT,
        provider=world.alpha,
        submission=submission(track=Track.FORMAL, consent=Consent.GIVEN),
    )
    today = timezone.localdate()
    assert result.complaint.formal_received_on == timezone.localdate(result.complaint.received_at) == today
    evidence = receipt_evidence(world.alpha, result.complaint.pk)
    assert evidence["basis"] == "submission" and evidence["channel"] == Channel.WIDGET


def test_portal_receipt_date_is_the_day_of_submission(world: World) -> None:
    result = submit(
        world.alpha,
        channel=Channel.PORTAL,
        submission=submission(track=Track.FORMAL, consent=Consent.GIVEN),
        complainant_user_id=world.complainant.pk,
    )
    assert result.complaint.formal_received_on == timezone.localdate()
    evidence = receipt_evidence(world.alpha, result.complaint.pk)
    assert evidence["basis"] == "submission" and evidence["recorded_by_user_id"] == world.complainant.pk


def test_consent_that_comes_later_starts_the_clock_on_the_consent_day(world: World) -> None:
    today = timezone.localdate()
    arrived = today - datetime.timedelta(days=20)
    result = enter(
        world,
        channel=Channel.LETTER,
        received_on=arrived,
        today=today,
        key="consent-later-0001",
    )
    # Entered without consent first: no clock yet.
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=result.complaint.pk).update(
            consent=Consent.PENDING, formal_received_on=None
        )
        TimelineEntry.objects.filter(complaint_id=result.complaint.pk, kind="formal_receipt").delete()
    consent_on = today - datetime.timedelta(days=5)
    complaint = consent_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        decision=Consent.GIVEN,
        via=Channel.LETTER,
        language="nl",
        actor_user_id=world.coordinator.pk,
        on_behalf_of_complainant=True,
        today=consent_on,
    )
    # The start is the later of the two: the consent day.
    assert complaint.formal_received_on == consent_on
    evidence = receipt_evidence(world.alpha, complaint.pk)
    assert evidence["basis"] == "consent"
    assert evidence["received_on"] == arrived.isoformat() and evidence["consent_on"] == consent_on.isoformat()


def test_changing_the_receipt_date_needs_a_reason_and_is_logged_and_on_the_timeline(world: World) -> None:
    today = timezone.localdate()
    result = enter(world, channel=Channel.LETTER, received_on=today, today=today, key="change-receipt-0001")
    accessor = Accessor(
        channel=AccessChannel.PLATFORM_STAFF,
        role="coordinator",
        user_id=world.coordinator.pk,
        user_label=str(world.coordinator),
        organisation="Klachtpunt",
    )
    with pytest.raises(ValidationError) as refused:
        formal_receipt_change(
            provider=world.alpha,
            complaint_id=result.complaint.pk,
            accessor=accessor,
            received_on=today,
            reason=" ",
        )
    assert "reason" in refused.value.error_dict
    with pytest.raises(ValidationError) as future:
        formal_receipt_change(
            provider=world.alpha,
            complaint_id=result.complaint.pk,
            accessor=accessor,
            received_on=today + datetime.timedelta(days=1),
            reason="Datumstempel",
        )
    assert "received_on" in future.value.error_dict
    earlier = today - datetime.timedelta(days=9)
    changed = formal_receipt_change(
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        accessor=accessor,
        received_on=earlier,
        reason="De datumstempel op de brief is eerder dan de dag van invoer.",
    )
    assert changed.formal_received_on == earlier
    assert CaseIndex.objects.get(reference=changed.reference).deadline == decision_deadline(earlier, "wlz")
    with schema_context(world.alpha.schema_name):
        entry = TimelineEntry.objects.get(complaint_id=changed.pk, kind="formal_receipt_changed")
        assert (
            entry.data["previous"] == today.isoformat()
            and entry.data["formal_received_on"] == earlier.isoformat()
        )
        assert "datumstempel" in entry_text(entry) and entry.actor_user_id == world.coordinator.pk
        log = AccessLogEntry.objects.get(case_id=changed.pk, subject="formal_receipt")
        assert (
            log.event == "change"
            and log.user_id == world.coordinator.pk
            and earlier.isoformat() in log.detail
        )


def test_receipt_date_cannot_move_after_the_decision(world: World) -> None:
    today = timezone.localdate()
    arrived = today - datetime.timedelta(days=10)
    result = enter(world, channel=Channel.EMAIL, received_on=arrived, today=today, key="after-decision-0001")
    record_decision(
        world.alpha, result.complaint, world.alpha_admin, decided_on=today - datetime.timedelta(days=3)
    )
    accessor = Accessor(
        channel=AccessChannel.PLATFORM_STAFF, role="coordinator", user_id=world.coordinator.pk
    )
    with pytest.raises(ValidationError) as refused:
        formal_receipt_change(
            provider=world.alpha,
            complaint_id=result.complaint.pk,
            accessor=accessor,
            received_on=today,
            reason="x",
        )
    assert refused.value.error_dict["received_on"][0].code == "after_decision"


def test_coordinator_changes_the_receipt_date_on_the_dossier_page(
    world: World, platform_client: Client
) -> None:
    today = timezone.localdate()
    result = enter(world, channel=Channel.LETTER, received_on=today, today=today, key="change-on-page-0001")
    reference = result.complaint.reference
    login(platform_client, world.coordinator.email)
    dossier = platform_client.get(f"/werkplek/zaken/{reference}/").content.decode()
    assert f"/werkplek/zaken/{reference}/ontvangstdatum/" in dossier and 'name="reason"' in dossier
    url = f"/werkplek/zaken/{reference}/ontvangstdatum/"
    earlier = today - datetime.timedelta(days=4)
    refused = platform_client.post(url, {"received_on": earlier.isoformat(), "reason": ""})
    assert refused.status_code == 400
    done = platform_client.post(url, {"received_on": earlier.isoformat(), "reason": "Poststempel"})
    assert done.status_code == 302 and done.url == f"/werkplek/zaken/{reference}/"
    assert CaseIndex.objects.get(reference=reference).formal_received_on == earlier
    timeline = platform_client.get(done.url).content.decode()
    assert "Formele ontvangstdatum gewijzigd" in timeline and "Poststempel" in timeline


def test_disputes_window_runs_from_the_day_the_complaint_was_filed_with_the_provider(world: World) -> None:
    result = enter(
        world, channel=Channel.LETTER, received_on=D(2026, 11, 13), today=D(2026, 12, 6), key="disputes-0001"
    )
    record_decision(world.alpha, result.complaint, world.alpha_admin, decided_on=timezone.localdate())
    closing = case_close(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        actor=world.coordinator,
        outcome=Outcome.NOT_RESOLVED,
    )
    # One year after 13 November 2026 is Saturday 13 November 2027: the Atw moves it to Monday.
    assert closing.disputes_last_day == disputes_last_day(D(2026, 11, 13)) == D(2027, 11, 15)


def test_complainant_sees_the_formal_receipt_date_on_the_follow_page(
    world: World, alpha_client: Client
) -> None:
    result = widget_complaint_submit(
        accessor=COMPLAINANT,
        provider=world.alpha,
        submission=submission(track=Track.FORMAL, consent=Consent.GIVEN),
    )
    html = alpha_client.get(f"/volg/{result.follow_token}/").content.decode()
    today = timezone.localdate()
    assert "Formele klacht ontvangen op" in html and f"{today.day} " in html
