"""Intake: one transaction for dossier, index, consent, timeline and outbox."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
import structlog.testing
from django.core import mail
from django.db import connection

from casework.consent.services import complaint_make_formal, consent_record
from casework.dossier.events import entry_text
from casework.dossier.services import hash_token
from casework.index.models import CaseIndex, Channel, Consent, Track
from casework.models import Attachment, Complaint, ConsentRecord, FollowLink, TimelineEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED, submission, submit

pytestmark = pytest.mark.django_db


def test_complaint_submit_commits_dossier_index_and_outbox_together(
    world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world.alpha)
    complaint = result.complaint
    assert result.created
    assert re.fullmatch(r"KP-\d{4}-\d{6}", complaint.reference)
    row = CaseIndex.objects.get(reference=complaint.reference)
    assert row.provider_id == world.alpha.pk and row.case_id == complaint.pk
    assert row.category_code == "treatment" and row.sector == "elderly" and row.region == "35"
    assert row.consent == Consent.GIVEN
    with schema_context(world.alpha.schema_name):
        assert ConsentRecord.objects.filter(complaint_id=complaint.pk, decision=Consent.GIVEN).count() == 1
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="received").exists()
        # One link for the confirmation page, one made for the acknowledgement e-mail.
        assert FollowLink.objects.filter(
            complaint_id=complaint.pk, token_hash=hash_token(result.follow_token)
        ).exists()
        assert FollowLink.objects.filter(complaint_id=complaint.pk).count() == 2
    tasks = set(
        OutboxMessage.objects.filter(
            schema_name=world.alpha.schema_name, kwargs__complaint_id=complaint.pk
        ).values_list("task_name", flat=True)
    )
    assert tasks == {"casework.tasks.send_acknowledgement", "casework.tasks.notify_coordinators"}
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_acknowledgement_names_reference_and_link_but_not_the_complaint(
    world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world.alpha)
    ack = [m for m in mail.outbox if m.to == ["jan.jansen@example.nl"]]
    assert len(ack) == 1
    assert result.complaint.reference in ack[0].subject
    assert "http://alpha.localhost:8000/volg/" in ack[0].body
    assert "medicijnen" not in ack[0].body and WHAT_HAPPENED not in ack[0].body
    coordinator_mail = [m for m in mail.outbox if world.coordinator.email in m.to]
    assert coordinator_mail and "medicijnen" not in coordinator_mail[0].body


def test_acknowledgement_in_english_shows_deadline_for_formal_track(
    world, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        result = submit(world.alpha, submission=submission(language="en", track=Track.FORMAL))
    ack = next(m for m in mail.outbox if m.to == ["jan.jansen@example.nl"])
    assert result.complaint.reference in ack.subject
    deadline = CaseIndex.objects.get(reference=result.complaint.reference).deadline
    assert deadline is not None
    assert deadline.strftime("%-d") in ack.body and str(deadline.year) in ack.body


def test_same_idempotency_key_creates_one_complaint(world) -> None:  # type: ignore[no-untyped-def]
    first = submit(world.alpha, idempotency_key="form-123")
    second = submit(world.alpha, idempotency_key="form-123")
    assert first.created and not second.created
    assert first.complaint.pk == second.complaint.pk
    assert CaseIndex.objects.filter(provider=world.alpha).count() == 1


def test_formal_track_clock_waits_for_consent(world) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha, submission=submission(track=Track.FORMAL, consent=Consent.REFUSED))
    row = CaseIndex.objects.get(reference=result.complaint.reference)
    assert row.track == Track.FORMAL and row.formal_received_on is None and row.deadline is None
    consent_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        decision=Consent.GIVEN,
        via="portal",
        language="nl",
    )
    row.refresh_from_db()
    assert row.consent == Consent.GIVEN and row.formal_received_on is not None and row.deadline is not None


def test_move_to_formal_track_records_receipt_date(world) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha)
    complaint = complaint_make_formal(accessor=STAFF, provider=world.alpha, complaint_id=result.complaint.pk)
    assert complaint.formal_received_on is not None
    assert CaseIndex.objects.get(reference=complaint.reference).track == Track.FORMAL


def test_consent_can_be_withdrawn_and_is_recorded_each_time(world) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha)
    consent_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        decision=Consent.WITHDRAWN,
        via="portal",
        language="en",
    )
    assert CaseIndex.objects.get(reference=result.complaint.reference).consent == Consent.WITHDRAWN
    with schema_context(world.alpha.schema_name):
        records = list(
            ConsentRecord.objects.filter(complaint_id=result.complaint.pk).values_list(
                "decision", "wording_language"
            )
        )
    assert records == [(Consent.GIVEN, "nl"), (Consent.WITHDRAWN, "en")]


def test_public_schema_holds_no_complaint_text_or_identity(world) -> None:  # type: ignore[no-untyped-def]
    submit(world.alpha)
    needles = ["medicijnen", "Jan Jansen", "jan.jansen@example.nl", "3511 AB"]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"""
        )
        columns = cursor.fetchall()
        hits = []
        for table, column in columns:
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM public."{table}" WHERE "{column}"::text ILIKE %s', [f"%{needle}%"]
                )
                if cursor.fetchone()[0]:
                    hits.append((table, column, needle))
    assert hits == []
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.filter(what_happened__contains="medicijnen").exists()


def test_lapsed_membership_never_blocks_a_complaint_but_flags_it(world) -> None:  # type: ignore[no-untyped-def]
    from billing.models import Membership, MembershipStatus

    Membership.objects.create(provider=world.alpha, status=MembershipStatus.PAST_DUE)
    result = submit(world.alpha)
    assert result.created
    assert CaseIndex.objects.get(reference=result.complaint.reference).membership_lapsed is True
    healthy = submit(world.beta)
    assert CaseIndex.objects.get(reference=healthy.complaint.reference).membership_lapsed is False


def test_a_complaint_entered_for_someone_is_stored_as_given_with_who_entered_it(world) -> None:  # type: ignore[no-untyped-def]
    """A coordinator types in a letter that arrived late on 2 March (Amsterdam): every field as given,
    the arrival day as the formal receipt, and the coordinator as the one who recorded it all."""
    given = submission(
        complainant_kind="representative",
        complainant_name="Mevrouw de Vries",
        complainant_phone="0612345678",
        client_name="Meneer de Vries",
        relation_to_client="dochter",
        mandate_basis="mentor",
        occurred_on=datetime.date(2026, 2, 20),
        location="Locatie Zuid",
        department="Afdeling 3",
        employee_concerned="de nachtdienst",
        goal_details="Een gesprek met de teamleider.",
        track=Track.FORMAL,
        language="en",
    )
    arrived = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC)  # 3 March in Amsterdam
    result = submit(
        world.alpha,
        Channel.LETTER,
        submission=given,
        accessor=STAFF,
        entered_by_user_id=world.coordinator.pk,
        received_at=arrived,
    )
    assert result.follow_token is not None  # no account: the letter's writer follows by link
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(pk=result.complaint.pk)
        for name in (
            "complainant_kind", "complainant_name", "complainant_email", "complainant_phone",
            "complainant_postcode", "client_name", "relation_to_client", "mandate_basis", "what_happened",
            "occurred_on", "location", "department", "employee_concerned", "law", "goal", "goal_details",
            "track", "consent", "language",
        ):  # fmt: skip
            assert getattr(complaint, name) == getattr(given, name), name
        assert complaint.category.code == "treatment" and complaint.channel == Channel.LETTER
        assert complaint.received_at == arrived and complaint.entered_by_user_id == world.coordinator.pk
        assert complaint.formal_received_on == datetime.date(2026, 3, 3)
        consent = ConsentRecord.objects.get(complaint=complaint)
        assert consent.recorded_by_user_id == world.coordinator.pk and consent.on_behalf_of_complainant
        assert consent.wording_language == "en" and consent.recorded_via == Channel.LETTER
        entries = {entry.kind: entry for entry in TimelineEntry.objects.filter(complaint=complaint)}
        assert {
            kind: entries[kind].actor_user_id for kind in ("received", "consent_given", "formal_receipt")
        } == {
            "received": world.coordinator.pk,
            "consent_given": world.coordinator.pk,
            "formal_receipt": world.coordinator.pk,
        }
        assert entries["received"].data == {"channel": Channel.LETTER, "track": Track.FORMAL}
        assert entries["formal_receipt"].data["basis"] == "arrival"
    assert CaseIndex.objects.get(reference=complaint.reference).received_at == arrived


def test_a_signed_in_complainant_is_the_recorder_and_gets_no_follow_link(world) -> None:  # type: ignore[no-untyped-def]
    result = submit(world.alpha, Channel.PORTAL, complainant_user_id=world.complainant.pk)
    assert result.follow_token is None  # Mijn klachten shows it
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(pk=result.complaint.pk)
        assert complaint.complainant_user_id == world.complainant.pk and complaint.entered_by_user_id is None
        consent = ConsentRecord.objects.get(complaint=complaint)
        assert consent.recorded_by_user_id == world.complainant.pk and not consent.on_behalf_of_complainant
        received = TimelineEntry.objects.get(complaint=complaint, kind="received")
        assert received.actor_user_id == world.complainant.pk


def test_a_repeated_submission_returns_the_first_complaint_and_logs_that_it_was_read(world) -> None:  # type: ignore[no-untyped-def]
    from casework.intake.services import IdempotencyConflict, widget_complaint_submit
    from casework.models import AccessLogEntry

    without_key = submit(world.alpha)  # an earlier complaint with the same text but no key
    with structlog.testing.capture_logs() as first_logs:
        first = widget_complaint_submit(
            provider=world.alpha, submission=submission(), accessor=STAFF, idempotency_key="form-abc"
        )
    with structlog.testing.capture_logs() as again_logs:
        again = widget_complaint_submit(
            provider=world.alpha, submission=submission(), accessor=STAFF, idempotency_key="form-abc"
        )
    assert first.created and first.complaint.pk != without_key.complaint.pk
    assert not again.created and again.complaint.pk == first.complaint.pk and again.follow_token is None
    reference = first.complaint.reference
    assert [(e["event"], e["reference"], e["channel"], e["schema"]) for e in first_logs] == [
        ("complaint_received", reference, Channel.WIDGET, world.alpha.schema_name)
    ]
    assert [(e["event"], e["reference"], e["schema"]) for e in again_logs] == [
        ("complaint_resubmitted", reference, world.alpha.schema_name)
    ]
    with schema_context(world.alpha.schema_name):
        replay = AccessLogEntry.objects.get(case_id=first.complaint.pk, detail="idempotent replay")
        assert replay.event == "read"
    with pytest.raises(IdempotencyConflict) as conflict:
        widget_complaint_submit(
            provider=world.alpha,
            submission=submission(what_happened="Iets anders."),
            accessor=STAFF,
            idempotency_key="form-abc",
        )
    assert conflict.value.reference == first.complaint.reference


def test_attachments_are_stored_returned_and_on_the_timeline(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.dossier.attachments import check_attachments

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    [checked] = check_attachments([SimpleUploadedFile("brief.pdf", pdf, content_type="application/pdf")])
    result = submit(world.alpha, attachments=[checked])
    [attachment] = result.attachments
    with schema_context(world.alpha.schema_name):
        stored = Attachment.objects.get(pk=attachment.pk, complaint_id=result.complaint.pk)
        assert (stored.original_name, stored.content_type, stored.size, stored.sha256) == (
            "brief.pdf",
            "application/pdf",
            len(pdf),
            hashlib.sha256(pdf).hexdigest(),
        )
        # Under the name the check made up, in the complaint's folder; dated with the complaint.
        assert stored.file.name == f"complaints/{result.complaint.pk}/{checked.stored_name}"
        assert stored.uploaded_at == Complaint.objects.get(pk=result.complaint.pk).received_at
        with stored.file.open("rb") as handle:
            assert handle.read() == pdf
        entry = TimelineEntry.objects.get(complaint_id=result.complaint.pk, kind="attachment_added")
        assert entry.data == {"attachment_id": attachment.pk, "content_type": "application/pdf"}
        assert entry_text(entry) == "Bijlage toegevoegd (application/pdf)"
        stored.file.delete(save=False)


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def test_a_keyed_submission_never_returns_an_earlier_complaint_made_without_a_key(world) -> None:  # type: ignore[no-untyped-def]
    """Only a complaint made with the same key is a replay: a keyless complaint with the same text is not,
    and a replay files nothing (it takes no reference number either)."""
    without_key = submit(world.alpha)
    keyed = submit(world.alpha, idempotency_key="form-keyed-1")
    again = submit(world.alpha, idempotency_key="form-keyed-1")
    assert keyed.created and keyed.complaint.pk != without_key.complaint.pk
    assert not again.created and again.complaint.pk == keyed.complaint.pk
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.get(pk=keyed.complaint.pk).idempotency_key == "form-keyed-1"
        assert Complaint.objects.get(pk=without_key.complaint.pk).idempotency_key is None
    following = submit(world.alpha)
    assert _number(following.complaint.reference) == _number(keyed.complaint.reference) + 1


def test_the_same_key_with_another_attachment_is_a_conflict(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework.dossier.attachments import check_attachments
    from casework.intake.services import IdempotencyConflict

    def pdf(text: bytes):  # type: ignore[no-untyped-def]
        content = b"%PDF-1.4\n1 0 obj<<>>endobj\n" + text + b"\ntrailer<<>>\n%%EOF\n"
        return check_attachments([SimpleUploadedFile("brief.pdf", content, content_type="application/pdf")])

    first = submit(world.alpha, idempotency_key="form-attach-1", attachments=pdf(b"% eerste"))
    with pytest.raises(IdempotencyConflict) as conflict:
        submit(world.alpha, idempotency_key="form-attach-1", attachments=pdf(b"% tweede"))
    assert conflict.value.reference == first.complaint.reference
    assert str(conflict.value) == "idempotency key reused for different content"
    with schema_context(world.alpha.schema_name):
        for attachment in first.attachments:
            attachment.file.delete(save=False)


def test_a_replay_is_logged_as_a_read_of_the_dossier(world) -> None:  # type: ignore[no-untyped-def]
    from casework.models import AccessLogEntry

    first = submit(world.alpha, idempotency_key="form-read-1")
    submit(world.alpha, idempotency_key="form-read-1", accessor=STAFF)
    with schema_context(world.alpha.schema_name):
        rows = list(
            AccessLogEntry.objects.filter(case_id=first.complaint.pk)
            .order_by("pk")
            .values_list("event", "subject", "detail", "reference", "user_label")
        )
    assert rows == [
        ("create", "dossier", "", first.complaint.reference, ""),
        ("read", "dossier", "idempotent replay", first.complaint.reference, "test coordinator"),
    ]


def test_consent_refused_at_intake_is_recorded_and_on_the_timeline(world) -> None:  # type: ignore[no-untyped-def]
    result = submit(
        world.alpha,
        Channel.PORTAL,
        submission=submission(consent=Consent.REFUSED, language="en"),
        complainant_user_id=world.complainant.pk,
    )
    with schema_context(world.alpha.schema_name):
        record = ConsentRecord.objects.get(complaint_id=result.complaint.pk)
        assert (record.decision, record.wording_language, record.recorded_via) == (
            Consent.REFUSED,
            "en",
            Channel.PORTAL,
        )
        assert record.recorded_by_user_id == world.complainant.pk and not record.on_behalf_of_complainant
        entries = list(TimelineEntry.objects.filter(complaint_id=result.complaint.pk).order_by("pk"))
        assert [(entry.kind, entry.actor_user_id, entry.data) for entry in entries] == [
            ("received", world.complainant.pk, {"channel": Channel.PORTAL, "track": Track.INFORMAL}),
            ("consent_refused", world.complainant.pk, {}),
        ]
        assert [entry_text(entry) for entry in entries] == [
            "Klacht ontvangen via Mijn klachten (ingelogd)",
            "Toestemming om te delen geweigerd",
        ]
    row = CaseIndex.objects.get(reference=result.complaint.reference)
    assert row.consent == Consent.REFUSED and row.formal_received_on is None


def test_a_formal_complaint_filed_by_the_complainant_is_received_on_the_day_it_was_sent(world) -> None:  # type: ignore[no-untyped-def]
    """The receipt's evidence: the complainant sent it with consent (basis ``submission``), that day."""
    from django.utils import timezone

    result = submit(world.alpha, submission=submission(track=Track.FORMAL))
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(pk=result.complaint.pk)
        day = timezone.localdate(complaint.received_at)
        assert complaint.formal_received_on == day
        receipt = TimelineEntry.objects.get(complaint=complaint, kind="formal_receipt")
        assert receipt.actor_user_id is None
        assert receipt.data == {
            "formal_received_on": day.isoformat(),
            "basis": "submission",
            "channel": Channel.WIDGET,
            "received_on": day.isoformat(),
            "consent_on": day.isoformat(),
            "recorded_by_user_id": None,
        }
        assert entry_text(receipt).endswith(": de dag waarop de klager de klacht met toestemming indiende.")
        kinds = list(
            TimelineEntry.objects.filter(complaint=complaint).order_by("pk").values_list("kind", flat=True)
        )
    assert kinds == ["received", "consent_given", "formal_receipt"]
    assert CaseIndex.objects.get(reference=complaint.reference).formal_received_on == day


def _next_complaint_id(provider) -> int:  # type: ignore[no-untyped-def]
    """The id the provider's next complaint will get (taken from its sequence and given back)."""
    with schema_context(provider.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [Complaint._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        number = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s, false)", [sequence, number])
    return number


def _next_reference() -> str:
    from reference.dates import today_amsterdam

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM public.case_reference_seq")
        last, called = cursor.fetchone()
    return f"KP-{today_amsterdam().year}-{last + 1 if called else last:06d}"


def test_a_new_complaint_never_takes_over_a_case_index_row_left_for_its_id(world) -> None:  # type: ignore[no-untyped-def]
    """The index row of a new dossier is inserted, not looked up: a row already there for its id
    (left by a restore, say) makes the intake fail whole rather than inherit that row's history."""
    from django.db import IntegrityError
    from django.utils import timezone

    earlier = timezone.now() - datetime.timedelta(days=400)
    stale = CaseIndex.objects.create(
        provider=world.alpha,
        case_id=_next_complaint_id(world.alpha),
        reference="KP-2001-000001",
        channel=Channel.LETTER,
        received_at=earlier,
        first_contact_at=earlier,
    )
    before = CaseIndex.objects.filter(provider=world.alpha).count()
    with pytest.raises(IntegrityError):
        submit(world.alpha)
    stale.refresh_from_db()
    assert (stale.reference, stale.channel, stale.first_contact_at) == (
        "KP-2001-000001",
        Channel.LETTER,
        earlier,
    )
    assert CaseIndex.objects.filter(provider=world.alpha).count() == before
    with schema_context(world.alpha.schema_name):
        assert not Complaint.objects.filter(pk=stale.case_id).exists()


@pytest.mark.parametrize("key", [None, "form-refused-1"])
def test_when_the_database_refuses_a_complaint_no_other_complaint_is_returned(world, key) -> None:  # type: ignore[no-untyped-def]
    """With or without a key, a failed insert raises: never the replay of an earlier complaint
    (here one made without a key, with the same content)."""
    from django.db import IntegrityError
    from django.utils import timezone

    submit(world.alpha)
    CaseIndex.objects.create(
        provider=world.beta, case_id=10**9, reference=_next_reference(), channel=Channel.LETTER,
        received_at=timezone.now(),
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        submit(world.alpha, idempotency_key=key)
    if key:
        with schema_context(world.alpha.schema_name):
            assert not Complaint.objects.filter(idempotency_key=key).exists()


def test_each_form_rendering_gets_a_fresh_128_bit_key_and_keeps_a_well_formed_one() -> None:
    from casework.intake.services import FORM_KEY_RE, form_key_or_new, new_form_key

    keys = {new_form_key() for _ in range(5)}
    assert len(keys) == 5
    assert all(len(key) == 22 and FORM_KEY_RE.fullmatch(key) for key in keys)  # 16 bytes, base64url
    for kept in ("A" * 16, "abc_DEF-0123456789", "z" * 43):
        assert form_key_or_new(kept) == kept
    for replaced in (None, "", "A" * 15, "z" * 44, "has space 0123456789", "slash/0123456789ab"):
        fresh = form_key_or_new(replaced)
        assert fresh != replaced and len(fresh) == 22 and FORM_KEY_RE.fullmatch(fresh)


def test_the_goals_are_kept_in_order_and_the_single_goal_stands_for_itself(world) -> None:  # type: ignore[no-untyped-def]
    several = submit(world.alpha, submission=submission(goal="apology", goals=("apology", "change")))
    single = submit(world.alpha, submission=submission(goal="compensation"))
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.get(pk=several.complaint.pk).goals == ["apology", "change"]
        assert Complaint.objects.get(pk=single.complaint.pk).goals == ["compensation"]


def test_the_consent_record_keeps_the_words_consent_was_asked_in(world) -> None:  # type: ignore[no-untyped-def]
    from casework.consent.wording import consent_wording

    dutch = submit(world.alpha)
    english = submit(world.alpha, submission=submission(language="en"))
    assert consent_wording("nl") != consent_wording("en")
    with schema_context(world.alpha.schema_name):
        for result, language in ((dutch, "nl"), (english, "en")):
            record = ConsentRecord.objects.get(complaint_id=result.complaint.pk)
            assert (record.wording, record.wording_language) == (consent_wording(language), language)


def test_every_fact_of_one_intake_carries_the_moment_it_was_received(world) -> None:  # type: ignore[no-untyped-def]
    """The complaint, its consent record and the follow link it hands out share one moment:
    the link's lifetime counts from the receipt."""
    from casework.dossier.services import FOLLOW_LINK_LIFETIME

    result = submit(world.alpha)
    with schema_context(world.alpha.schema_name):
        received_at = Complaint.objects.get(pk=result.complaint.pk).received_at
        link = FollowLink.objects.get(token_hash=hash_token(result.follow_token))
        consent = ConsentRecord.objects.get(complaint_id=result.complaint.pk)
    assert link.created_at == received_at == consent.recorded_at
    assert link.expires_at == received_at + FOLLOW_LINK_LIFETIME
