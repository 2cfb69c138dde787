"""Letters that exist: every decision, closing letter and extension notice is a PDF kept in the dossier.

It reaches the complainant through the secure channel (an e-mail that says a
document is ready, with a link; no attachment, no health data), or, without
an e-mail address, through the coordinator's print-and-post list with
"posted on" recorded. Nothing is skipped silently.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from casework.closing.services import case_close
from casework.deadlines.services import deadline_extend
from casework.index.models import CaseIndex, Outcome, PostalLetter, Track
from casework.models import AccessLogEntry, ClosingNotice, DeadlineExtension, Letter, TimelineEntry
from reference import deadline_rules as deadlines
from tenants.clusters import schema_context
from tests.casework.accessors import PROVIDER, STAFF
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.factories_decision import login, record_decision
from tests.support import World

pytestmark = pytest.mark.django_db

REASON = "Wij willen eerst met de betrokken verpleegkundige spreken, die tot volgende week afwezig is."


def pdf_text(data: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def addressless_decided(world: World):  # type: ignore[no-untyped-def]
    """A formal complaint by someone without an e-mail address (entered from a letter), decided."""
    result = submit(
        world.alpha,
        submission=submission(track=Track.FORMAL, complainant_email="", complainant_phone="030 1234567"),
    )
    record_decision(world.alpha, result.complaint, world.alpha_admin)
    return result.complaint


def test_an_addressless_complainants_closing_letter_appears_on_the_post_list(
    world: World, platform_client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    complaint = addressless_decided(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        closing = case_close(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.coordinator,
            outcome=Outcome.NOT_RESOLVED,
        )
    assert mail.outbox == []  # no address: nothing e-mailed, and nothing skipped either
    with schema_context(world.alpha.schema_name):
        letter = Letter.objects.get(closing=closing)
        assert letter.delivery == Letter.Delivery.POST and letter.posted_on is None
        assert "Geschilleninstantie" in pdf_text(letter.file.read())
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="letter_to_post").exists()
    row = PostalLetter.objects.get(provider=world.alpha, letter_id=letter.pk)
    assert row.kind == Letter.Kind.CLOSING and row.case.reference == complaint.reference

    login(platform_client, world.coordinator.email)
    listing = platform_client.get("/werkplek/post/")
    html = listing.content.decode()
    assert listing.status_code == 200 and complaint.reference in html and "Afsluitbrief" in html
    printed = platform_client.get(f"/werkplek/post/{row.pk}/brief.pdf")
    assert printed.status_code == 200
    assert complaint.reference in pdf_text(printed.content)
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    platform_client.post(f"/werkplek/post/{row.pk}/verstuurd/", {f"p{row.pk}-posted_on": future})
    assert PostalLetter.objects.get(pk=row.pk).posted_on is None
    today = timezone.localdate()
    done = platform_client.post(
        f"/werkplek/post/{row.pk}/verstuurd/", {f"p{row.pk}-posted_on": today.isoformat()}
    )
    assert done.status_code == 302 and done.url == "/werkplek/post/"
    assert PostalLetter.objects.get(pk=row.pk).posted_on == today
    with schema_context(world.alpha.schema_name):
        letter.refresh_from_db()
        assert letter.posted_on == today and letter.posted_by_user_id == world.coordinator.pk
        assert ClosingNotice.objects.get(pk=closing.pk).sent_at is not None
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="letter_posted").exists()
        assert AccessLogEntry.objects.filter(case_id=complaint.pk, subject="letter", event="print").exists()
        assert AccessLogEntry.objects.filter(case_id=complaint.pk, subject="letter", event="change").exists()
    # Posted letters leave the list of letters still to post.
    still = platform_client.get("/werkplek/post/").content.decode()
    assert f"/werkplek/post/{row.pk}/verstuurd/" not in still


def test_an_addressless_complainants_decision_goes_on_the_post_list(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha, submission=submission(track=Track.FORMAL, complainant_email=""))
    with django_capture_on_commit_callbacks(execute=True):
        decision = record_decision(world.alpha, result.complaint, world.alpha_admin)
    with schema_context(world.alpha.schema_name):
        letter = Letter.objects.get(decision=decision)
    assert letter.delivery == Letter.Delivery.POST
    assert PostalLetter.objects.filter(letter_id=letter.pk, kind=Letter.Kind.DECISION).exists()


def test_the_email_for_a_decision_has_no_attachment_and_no_complaint_text(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha, submission=submission(track=Track.FORMAL))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_decision(world.alpha, result.complaint, world.alpha_admin)
    [message] = mail.outbox
    assert message.attachments == []
    assert WHAT_HAPPENED not in message.body and "gegrond" not in message.body
    assert "Jan Jansen" not in message.body and "Jan Jansen" not in message.subject
    assert "/volg/" in message.body


def test_the_extension_notice_carries_its_reason_in_the_letter_itself(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha, submission=submission(track=Track.FORMAL))
    complaint = result.complaint
    current = deadlines.complaint_deadline(complaint)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        extension = deadline_extend(
            accessor=PROVIDER,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.alpha_admin,
            new_deadline=deadlines.atw_term_end(current + datetime.timedelta(weeks=2)),
            reason=REASON,
        )
    [message] = mail.outbox
    assert message.attachments == [] and REASON not in message.body and "/volg/" in message.body
    with schema_context(world.alpha.schema_name):
        letter = Letter.objects.get(extension=extension)
        text = pdf_text(letter.file.read())
        assert "betrokken verpleegkundige" in text and complaint.reference in text
        assert DeadlineExtension.objects.get(pk=extension.pk).notice_sent_at is not None


def test_an_extension_notice_by_letter_exists_and_goes_on_the_post_list(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha, submission=submission(track=Track.FORMAL))
    complaint = result.complaint
    current = deadlines.complaint_deadline(complaint)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        extension = deadline_extend(
            accessor=PROVIDER,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.alpha_admin,
            new_deadline=deadlines.atw_term_end(current + datetime.timedelta(weeks=1)),
            reason=REASON,
            notice_channel=DeadlineExtension.NoticeChannel.LETTER,
        )
    # "By letter" is not marked sent before a letter exists and is posted.
    assert mail.outbox == []
    with schema_context(world.alpha.schema_name):
        assert DeadlineExtension.objects.get(pk=extension.pk).notice_sent_at is None
        letter = Letter.objects.get(extension=extension)
        assert letter.delivery == Letter.Delivery.POST and "verpleegkundige" in pdf_text(letter.file.read())
    assert PostalLetter.objects.filter(letter_id=letter.pk, case__reference=complaint.reference).exists()
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == extension.new_deadline


def test_complainant_downloads_letters_in_mijn_klachten_after_logging_in(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    result = submit(
        world.alpha,
        submission=submission(track=Track.FORMAL, complainant_email=world.complainant.email),
        complainant_user_id=world.complainant.pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision = record_decision(world.alpha, result.complaint, world.alpha_admin)
    with schema_context(world.alpha.schema_name):
        letter = Letter.objects.get(decision=decision)
    url = f"/mijn-klachten/{result.complaint.reference}/brieven/{letter.pk}/"
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get(url).status_code == 302  # to the login
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    detail = client.get(f"/mijn-klachten/{result.complaint.reference}/").content.decode()
    assert url in detail
    download = client.get(url)
    assert download.status_code == 200 and "gegrond" in pdf_text(download.content)
