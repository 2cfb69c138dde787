"""An idempotency key binds a complaint to exactly what was sent with it (DESIGN.md: intake).

A client that retries (a lost answer, a double click) gets the complaint it made
back; the same key with other content is a conflict, never the other complaint.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.dossier.attachments import CheckedFile, check_attachments
from casework.intake.services import IdempotencyConflict, submission_fingerprint
from tests.casework.factories import submission, submit
from tests.casework.procedure_support import access_log_mark, log_entries
from tests.support import World

pytestmark = pytest.mark.django_db

# The fingerprint of the submission in the first test, as stored since the format was fixed.
GOLDEN = "a79758cb8580b34e10732264864f95bd9fe8205d13e7c0469331b7b5c8719ce3"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str, extra: bytes = b"") -> CheckedFile:
    [checked] = check_attachments([SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")])
    return checked


def test_a_submissions_fingerprint_stays_the_same_from_release_to_release() -> None:
    """The fingerprint is stored with the complaint: a retry that spans an upgrade must still match it.

    The value below is the fingerprint this submission had when the format was
    fixed (SHA-256 over sorted-key JSON, UTF-8 text as is, the attachments' hashes
    sorted); a change of the format turns every such retry into a conflict.
    """
    sent = submission(
        what_happened="Één avond kreeg mijn vader zijn medicijnen te laat.", complainant_name="Zoë"
    )
    files = [_pdf("b.pdf", b"% tweede"), _pdf("a.pdf")]
    assert submission_fingerprint(submission=sent, attachments=files) == GOLDEN
    assert submission_fingerprint(submission=sent, attachments=files[::-1]) == GOLDEN  # order does not count
    assert submission_fingerprint(submission=sent) != GOLDEN  # the attachments do


def test_the_same_key_with_other_attachments_is_a_conflict(world: World) -> None:
    first = submit(world.alpha, attachments=[_pdf("brief.pdf")], idempotency_key="form-att")
    again = submit(world.alpha, attachments=[_pdf("brief.pdf")], idempotency_key="form-att")
    assert first.created and not again.created and again.complaint.pk == first.complaint.pk
    with pytest.raises(IdempotencyConflict) as conflict:
        submit(
            world.alpha, attachments=[_pdf("brief.pdf", b"% een andere brief")], idempotency_key="form-att"
        )
    assert conflict.value.reference == first.complaint.reference


def test_a_retry_is_logged_as_a_read_of_the_dossier_and_uses_no_reference_number(world: World) -> None:
    access_log_mark(world.alpha)
    first = submit(world.alpha, idempotency_key="form-retry")
    submit(world.alpha, idempotency_key="form-retry")
    submit(world.alpha, idempotency_key="form-retry")
    following = submit(world.alpha)
    # References count up one per complaint made: the retries took no number.
    number = int(first.complaint.reference.rsplit("-", 1)[1])
    assert following.complaint.reference == f"{first.complaint.reference.rsplit('-', 1)[0]}-{number + 1:06d}"
    replays = [
        (entry.event, entry.subject, entry.case_id)
        for entry in log_entries(world.alpha, detail="idempotent replay")
    ]
    assert replays == [("read", "dossier", first.complaint.pk)] * 2
