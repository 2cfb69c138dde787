"""Closing a case cancels the meetings still ahead of it, so nobody turns up for a closed case."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from casework.closing.services import case_close
from casework.index.models import Outcome
from casework.models import Meeting, TimelineEntry
from casework.procedures.mediation import meeting_cancel, meeting_schedule
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.procedure_support import staff_accessor, worked_case
from tests.support import World

pytestmark = pytest.mark.django_db


def next_week_at(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def test_closing_a_case_cancels_its_future_meetings_and_sends_each_cancel_once(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, officer = worked_case(world)
    plan = {
        "provider": world.alpha,
        "complaint_id": case.case_id,
        "accessor": staff_accessor(officer, "officer"),
        "provider_contact_name": "Mevrouw De Vries",
        "provider_contact_email": "devries@alpha.test",
    }
    with django_capture_on_commit_callbacks(execute=True):
        ahead = meeting_schedule(
            **plan,
            kind=Meeting.Kind.ON_SITE,
            starts_at=next_week_at(14),
            ends_at=next_week_at(15),
            location="Zorg Alpha, Stationsplein 1, Utrecht",
        )
        already_cancelled = meeting_schedule(
            **plan, kind=Meeting.Kind.PHONE, starts_at=next_week_at(10), ends_at=next_week_at(11)
        )
        meeting_cancel(
            provider=world.alpha,
            complaint_id=case.case_id,
            meeting_id=already_cancelled.pk,
            accessor=plan["accessor"],
        )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        case_close(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=case.case_id,
            actor=world.coordinator,
            outcome=Outcome.RESOLVED,
        )

    with schema_context(world.alpha.schema_name):
        ahead.refresh_from_db()
        assert ahead.cancelled_at is not None and ahead.sequence == 1
        assert Meeting.objects.get(pk=already_cancelled.pk).sequence == 1  # not cancelled twice
        cancelled_entries = TimelineEntry.objects.filter(complaint_id=case.case_id, kind="meeting_cancelled")
        assert [entry.data["meeting_id"] for entry in cancelled_entries.order_by("pk")] == [
            already_cancelled.pk,
            ahead.pk,
        ]
    cancels = [message for message in mail.outbox if message.subject.startswith("Geannuleerd")]
    recipients = Counter(address for message in cancels for address in message.to)
    assert "devries@alpha.test" in recipients and officer.email in recipients
    assert set(recipients.values()) == {1}, recipients  # each party gets the cancellation once
    for message in cancels:
        [(_name, content, _mimetype)] = message.attachments
        calendar = Calendar.from_ical(content)
        [event] = calendar.walk("VEVENT")
        assert calendar["METHOD"] == "CANCEL" and str(event["UID"]) == ahead.uid
