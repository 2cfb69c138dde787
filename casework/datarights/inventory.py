"""Everything Klachtpunt holds about a complainant, gathered for a download (AVG art. 15 and 20).

``DOSSIER_PARTS`` names every table of the dossier (tenant schema) and how its
rows hang from the complaint; ``EXCLUDED`` names the few that are left out,
each with its reason. ``tests/datarights`` fails when a new table hangs from a
complaint and is in neither, so the download cannot silently fall behind the
dossier.

Within a row every field is given except those that are someone else's
(other people's account ids, the provider's contact person's e-mail) or
secrets (a follow link's hash, an idempotency key). Files are given whole,
base64-encoded, with their SHA-256, so the download is complete on its own.
The access log is given as NEN 7513 lets the complainant see it elsewhere:
what happened, when, by which role and organisation, through which access
point; not the names or addresses of the people who looked.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import models
from django.db.models.fields.files import FieldFile

from accounts.models import User
from casework.index.models import CaseIndex
from casework.models import (
    AccessLogEntry,
    Attachment,
    CaseRecord,
    ClosingNotice,
    CommitteeAdvice,
    CommitteeSignOff,
    Complaint,
    ComplaintPart,
    ComplaintParticipant,
    ConfidantNote,
    ConsentRecord,
    DataRightsRecord,
    DeadlineExtension,
    Decision,
    DecisionDraft,
    DeliberationNote,
    ExtensionConsent,
    FollowLink,
    HearingReport,
    Letter,
    Measure,
    Meeting,
    Message,
    PanelMember,
    TimelineEntry,
    WrittenRoundStep,
)
from tenants.clusters import schema_context
from tenants.models import Provider

EXPORT_VERSION = 1


@dataclass(frozen=True)
class Part:
    """One table of the dossier: its name in the download, and how its rows hang from the complaint."""

    name: str
    model: type[models.Model]
    lookup: str  # the filter from this model to the complaint's id
    left_out: frozenset[str] = frozenset()


# Fields that are never given, whatever the table: secrets and bookkeeping of our own.
NEVER = frozenset({"token_hash", "idempotency_key", "submission_hash", "uid", "sequence", "sent_sequence"})

DOSSIER_PARTS: tuple[Part, ...] = (
    Part("consent_records", ConsentRecord, "complaint_id"),
    Part("timeline", TimelineEntry, "complaint_id"),
    Part("attachments", Attachment, "complaint_id"),
    Part("follow_links", FollowLink, "complaint_id"),
    Part("deadline_extensions", DeadlineExtension, "complaint_id"),
    Part("extension_consents", ExtensionConsent, "extension__complaint_id"),
    Part("decisions", Decision, "complaint_id"),
    Part("measures", Measure, "decision__complaint_id"),
    Part("decision_draft", DecisionDraft, "complaint_id"),
    Part("closing", ClosingNotice, "complaint_id"),
    Part("letters", Letter, "complaint_id"),
    Part("meetings", Meeting, "complaint_id", frozenset({"provider_contact_email"})),
    Part("records", CaseRecord, "complaint_id"),
    Part("messages", Message, "complaint_id"),
    Part("confidant_notes", ConfidantNote, "complaint_id"),
    Part("complaint_parts", ComplaintPart, "complaint_id"),
    Part("committee_advice", CommitteeAdvice, "complaint_id"),
    Part("committee_sign_off", CommitteeSignOff, "advice__complaint_id", frozenset({"chair_user_id"})),
    Part(
        "written_round",
        WrittenRoundStep,
        "complaint_id",
        frozenset({"set_by_user_id", "received_by_user_id"}),
    ),
    Part("hearing_reports", HearingReport, "meeting__complaint_id", frozenset({"recorded_by_user_id"})),
)

# Tables that hang from a complaint and are not in the download, and why.
EXCLUDED: dict[type[models.Model], str] = {
    ComplaintParticipant: (
        "who at the provider works on the complaint: the employees' data, not the complainant's"
    ),
    PanelMember: (
        "who sits on the committee's panel: the members' data; the signed judgement names the chair"
    ),
    DeliberationNote: (
        "the panel's deliberation: the committee's internal working notes, kept from both parties"
    ),
}

ACCESS_LOG_FIELDS = ("at", "event", "subject", "role", "organisation", "channel")
RECORD_FIELDS = ("at", "kind", "channel", "file_format", "items")


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


@dataclass
class FileOut:
    """A stored file in the download."""

    part: str
    row_id: int
    name: str
    content_type: str
    content: bytes

    def as_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.content),
            "sha256": hashlib.sha256(self.content).hexdigest(),
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }


@dataclass
class DossierOut:
    reference: str
    provider_name: str
    complaint: dict[str, Any]
    parts: dict[str, list[dict[str, Any]]]
    access_log: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    files: list[FileOut] = field(default_factory=list)


def _file(part: str, row: models.Model, value: FieldFile) -> FileOut | None:
    if not value:
        return None
    with value.open("rb") as handle:
        content = handle.read()
    name = getattr(row, "original_name", "") or (value.name or "").rsplit("/", 1)[-1]
    content_type = getattr(row, "content_type", "") or "application/pdf"
    return FileOut(part=part, row_id=row.pk, name=name, content_type=content_type, content=content)


def row_data(
    row: models.Model,
    *,
    left_out: frozenset[str] = frozenset(),
    part: str = "",
    files: list[FileOut] | None = None,
) -> dict[str, Any]:
    """One row as plain data: every concrete field but the left-out ones, other people's ids and secrets."""
    data: dict[str, Any] = {}
    for model_field in row._meta.concrete_fields:
        name = model_field.attname
        if name in NEVER or model_field.name in left_out:
            continue
        # Other people's account ids (staff, the provider's people): their data, not the complainant's.
        if name.endswith("_user_id") and name != "complainant_user_id":
            continue
        value = getattr(row, name)
        if isinstance(value, FieldFile):
            out = _file(part, row, value) if files is not None else None
            if out is not None and files is not None:
                files.append(out)
                data[model_field.name] = out.as_data()
            else:
                data[model_field.name] = None
            continue
        data[name] = _value(value)
    return data


def dossier_collect(*, provider: Provider, complaint: Complaint) -> DossierOut:
    """Everything in ``provider``'s schema about ``complaint``: its rows, files, access log and requests."""
    files: list[FileOut] = []
    with schema_context(provider.schema_name):
        parts = {
            part.name: [
                row_data(row, left_out=part.left_out, part=part.name, files=files)
                for row in part.model.objects.filter(**{part.lookup: complaint.pk}).order_by("pk")  # type: ignore[attr-defined]
            ]
            for part in DOSSIER_PARTS
        }
        access_log = [
            {name: _value(value) for name, value in zip(ACCESS_LOG_FIELDS, row, strict=True)}
            for row in AccessLogEntry.objects.filter(case_id=complaint.pk)
            .order_by("at", "pk")
            .values_list(*ACCESS_LOG_FIELDS)
        ]
        requests = [
            {name: _value(value) for name, value in zip(RECORD_FIELDS, row, strict=True)}
            for row in DataRightsRecord.objects.filter(case_id=complaint.pk)
            .order_by("at", "pk")
            .values_list(*RECORD_FIELDS)
        ]
        facts = row_data(complaint)
        facts["category"] = complaint.category.code if complaint.category else ""
    return DossierOut(
        reference=complaint.reference,
        provider_name=provider.name,
        complaint=facts,
        parts=parts,
        access_log=access_log,
        requests=requests,
        files=files,
    )


INDEX_FIELDS = (
    "reference",
    "service",
    "status",
    "track",
    "consent",
    "channel",
    "category_code",
    "received_at",
    "deadline",
    "outcome",
    "closed_at",
)


def index_data(row: CaseIndex) -> dict[str, Any]:
    return {name: _value(getattr(row, name)) for name in INDEX_FIELDS} | {"provider": row.provider.name}


def account_data(user: User) -> dict[str, Any]:
    """The platform account: who it is, its addresses and how it logs in (never a secret)."""
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": user.preferred_language,
        "roles": list(user.roles),
        "date_joined": _value(user.date_joined),
        "last_login": _value(user.last_login),
        "email_addresses": [
            {"email": email, "verified": verified, "primary": primary}
            for email, verified, primary in EmailAddress.objects.filter(user=user)
            .order_by("pk")
            .values_list("email", "verified", "primary")
        ],
        "login_methods": sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)),
    }


def export_document(
    *,
    dossiers: list[tuple[CaseIndex, DossierOut]],
    account: dict[str, Any] | None,
    made_at: datetime.datetime,
) -> dict[str, Any]:
    """The machine-readable download (AVG art. 20): one JSON document, files included."""
    return {
        "format": "klachtpunt-complainant-export",
        "version": EXPORT_VERSION,
        "made_at": made_at.isoformat(),
        "controller": "Klachtpunt",
        "account": account,
        "complaints": [
            {
                "reference": dossier.reference,
                "provider": dossier.provider_name,
                "case_index": index_data(row),
                "complaint": dossier.complaint,
                **dossier.parts,
                "access_log": dossier.access_log,
                "data_rights_requests": dossier.requests,
            }
            for row, dossier in dossiers
        ],
    }
