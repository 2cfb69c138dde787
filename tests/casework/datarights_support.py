"""A complainant with something in every table of their dossier, for the data-rights tests."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from casework.datarights.inventory import DOSSIER_PARTS
from casework.dossier.attachments import check_attachments
from casework.dossier.services import follow_link_create
from casework.index.models import Channel
from casework.models import (
    Attachment,
    CaseRecord,
    ClosingNotice,
    CommitteeAdvice,
    CommitteeSignOff,
    Complaint,
    ComplaintPart,
    ConfidantNote,
    DeadlineExtension,
    Decision,
    DecisionDraft,
    ExtensionConsent,
    HearingReport,
    Letter,
    Measure,
    Meeting,
    Message,
    WrittenRoundStep,
)
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.factories import submission, submit
from tests.support import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def forget_media_root() -> None:
    """Make the file storage read ``MEDIA_ROOT`` again.

    django-tenants' storage caches the media root it first saw
    (``relative_media_root``) and forgets it only when
    ``MULTITENANT_RELATIVE_MEDIA_ROOT`` changes, not ``MEDIA_ROOT``: a test that
    points ``MEDIA_ROOT`` at its own folder would otherwise leave every later
    file of this process in that folder.
    """
    storage = Attachment._meta.get_field("file").storage
    storage.location  # noqa: B018 (sets up the lazy default storage)
    getattr(storage, "_wrapped", storage).__dict__.pop("relative_media_root", None)


def new_complainant(label: str = "klager") -> User:
    return user_create(email=f"{label}-{uuid.uuid4().hex[:8]}@example.test", password=PASSWORD)


def file_complaint(
    provider: Provider,
    *,
    user: User | None,
    name: str,
    text: str,
    with_attachment: bool = True,
    **overrides: Any,
) -> Complaint:
    """A complaint of ``user`` (or without an account), with an attachment on disk."""
    files = (
        check_attachments([SimpleUploadedFile("verslag.pdf", PDF, content_type="application/pdf")])
        if with_attachment
        else []
    )
    return submit(
        provider,
        channel=Channel.PORTAL if user else Channel.WIDGET,
        submission=submission(
            complainant_name=name,
            complainant_email=user.email if user else "zonder.account@example.nl",
            complainant_phone="0612345678",
            what_happened=text,
            **overrides,
        ),
        attachments=files,
        complainant_user_id=user.pk if user else None,
    ).complaint


def seed_every_part(provider: Provider, complaint: Complaint) -> None:
    """One row (at least) in every table of the download that the intake did not fill already."""
    now = timezone.now()
    today = timezone.localdate()
    with schema_context(provider.schema_name):
        follow_link_create(complaint=complaint)
        extension = DeadlineExtension.objects.create(
            complaint=complaint,
            basis=DeadlineExtension.Basis.CONSENT,
            reason="Meer tijd nodig",
            previous_deadline=today,
            new_deadline=today + datetime.timedelta(days=14),
            decided_at=now,
            notice_channel=DeadlineExtension.NoticeChannel.EMAIL,
        )
        ExtensionConsent.objects.create(
            extension=extension,
            party=ExtensionConsent.Party.COMPLAINANT,
            given_on=today,
            evidence="e-mail",
            recorded_at=now,
        )
        decision = Decision.objects.create(
            complaint=complaint,
            conclusion="Gegrond",
            decisions_taken="Rooster aangepast",
            measures_timeframe="Binnen een maand",
            decided_on=today,
            recorded_at=now,
        )
        Measure.objects.create(decision=decision, description="Rooster", due_on=today)
        DecisionDraft.objects.create(complaint=complaint, conclusion="Concept", updated_at=now)
        closing = ClosingNotice.objects.create(complaint=complaint, outcome="resolved", closed_at=now)
        Letter.objects.create(
            complaint=complaint,
            kind=Letter.Kind.CLOSING,
            file=ContentFile(PDF, name="afsluitbrief.pdf"),
            sha256="0" * 64,
            created_at=now,
            closing=closing,
            delivery=Letter.Delivery.SECURE_LINK,
        )
        meeting = Meeting.objects.create(
            complaint=complaint,
            kind=Meeting.Kind.PHONE,
            starts_at=now,
            ends_at=now + datetime.timedelta(hours=1),
            provider_contact_email="teamleider@alpha.test",
            uid=f"{uuid.uuid4()}@klachtpunt",
            created_at=now,
        )
        CaseRecord.objects.create(
            complaint=complaint,
            kind=CaseRecord.Kind.DOCUMENT,
            file=ContentFile(b"verslag van het gesprek", name="verslag.txt"),
            original_name="verslag.txt",
            content_type="text/plain",
            size=23,
            created_at=now,
        )
        Message.objects.create(
            complaint=complaint,
            sender=Message.Party.STAFF,
            audience=Message.Audience.ALL,
            body="Hallo",
            sent_at=now,
        )
        ConfidantNote.objects.create(complaint=complaint, text="Notitie", created_at=now)
        ComplaintPart.objects.create(complaint=complaint, position=1, text="Onderdeel")
        advice = CommitteeAdvice.objects.create(complaint=complaint, advice="Advies", issued_at=now)
        CommitteeSignOff.objects.create(
            advice=advice,
            recommendations="Aanbeveling",
            chair_user_id=1,
            chair_label="Voorzitter",
            signed_at=now,
        )
        WrittenRoundStep.objects.create(
            complaint=complaint, kind=WrittenRoundStep.Kind.RESPONSE, due_on=today, received_on=today
        )
        HearingReport.objects.create(meeting=meeting, minutes="Verslag van de hoorzitting", recorded_at=now)


@dataclass
class Seeded:
    user: User
    alpha_complaint: Complaint
    beta_complaint: Complaint
    stranger_complaint: Complaint


def seeded_complainant(alpha: Provider, beta: Provider) -> Seeded:
    """A complainant with a full dossier at alpha and one at beta; someone else's complaint at alpha."""
    user = new_complainant()
    alpha_complaint = file_complaint(alpha, user=user, name="Els de Vries", text="Medicatie te laat gegeven.")
    seed_every_part(alpha, alpha_complaint)
    beta_complaint = file_complaint(beta, user=user, name="Els de Vries", text="Te lang gewacht op de SEH.")
    stranger = new_complainant("ander")
    stranger_complaint = file_complaint(
        alpha,
        user=stranger,
        name="Piet Onbekend",
        text="Niemand anders mag dit lezen.",
    )
    seed_every_part(alpha, stranger_complaint)
    return Seeded(user, alpha_complaint, beta_complaint, stranger_complaint)


def part_ids(provider: Provider, complaint: Complaint) -> dict[str, set[int]]:
    """The ids of every row of every part of ``complaint``'s dossier, straight from the database."""
    with schema_context(provider.schema_name):
        return {
            part.name: set(
                part.model.objects.filter(**{part.lookup: complaint.pk}).values_list("pk", flat=True)  # type: ignore[attr-defined]
            )
            for part in DOSSIER_PARTS
        }


def stored_paths(provider: Provider, complaint: Complaint) -> list[Path]:
    with schema_context(provider.schema_name):
        paths = []
        for model in (Attachment, Letter, CaseRecord):
            rows: models.QuerySet[Any] = model.objects.filter(complaint=complaint)  # type: ignore[attr-defined]
            paths += [Path(row.file.path) for row in rows if row.file]
        return paths
