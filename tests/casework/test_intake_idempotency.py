"""The fingerprint that binds an idempotency key to what was sent with it (DESIGN.md: intake)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from casework.dossier.attachments import CheckedFile, check_attachments
from casework.intake.services import submission_fingerprint
from tests.casework.factories import submission

# The fingerprint of the submission in the test below, as stored since the format was fixed.
GOLDEN = "a79758cb8580b34e10732264864f95bd9fe8205d13e7c0469331b7b5c8719ce3"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str, extra: bytes = b"") -> CheckedFile:
    [checked] = check_attachments([SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")])
    return checked


def test_a_submissions_fingerprint_stays_the_same_from_release_to_release() -> None:
    """The fingerprint is stored with the complaint: a retry that spans an upgrade must still match it.

    The value below is the fingerprint this submission had when the format was
    fixed (SHA-256 over sorted-key JSON, UTF-8 text as is, the attachments' hashes
    sorted); a change of the format turns every such retry into a conflict. A new
    field of the submission changes it too: then update the value knowingly. (The
    conflict and the replay themselves are tested in test_intake.py.)
    """
    sent = submission(
        what_happened="Één avond kreeg mijn vader zijn medicijnen te laat.", complainant_name="Zoë"
    )
    files = [_pdf("b.pdf", b"% tweede"), _pdf("a.pdf")]
    assert submission_fingerprint(submission=sent, attachments=files) == GOLDEN
    assert submission_fingerprint(submission=sent, attachments=files[::-1]) == GOLDEN  # order does not count
    assert submission_fingerprint(submission=sent) != GOLDEN  # the attachments do
