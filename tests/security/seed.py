"""The objects the isolation matrix fills URL parameters from: the same set in two tenants.

Each provider (alpha, "own"; beta, "other") gets a case per service with a
professional assigned and accepted, a follow link, a record, a meeting, a
confidant note, a committee part, a decision with a measure, a time entry, an
API key; the complainant of alpha's cases is ``complainant``, of beta's
``other_complainant``. Every dossier carries text unique to its tenant, so a
response that shows another tenant's data is found by searching for it.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import PlatformRole, Qualification, User
from accounts.services import totp_activate, user_create
from casework.assignment.services import assignment_accept, case_assign
from casework.assignment.time import time_entry_log
from casework.complainant.services import claim_token_make
from casework.dossier.attachments import CheckedFile, check_attachments
from casework.index.models import CaseIndex, Service
from casework.models import Attachment, CaseRecord, Complaint, Meeting
from casework.procedures.committee import complaint_part_add
from casework.procedures.confidant import confidant_note_add
from casework.procedures.mediation import meeting_schedule, record_add
from casework.timesheets.models import Activity, TimeKind
from tenants.clusters import schema_context
from tenants.models import Provider, ProviderRole
from tenants.services import api_key_create, membership_grant
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.casework.factories_decision import record_decision
from tests.casework.factories_professionals import make_professional
from tests.casework.procedure_support import complaint_of, follow_token, staff_accessor
from tests.support import PASSWORD, TOTP_SECRET, World

# The professional services a case can be routed to, with the qualification that may take it.
SERVICES = {
    Service.OFFICER: Qualification.OFFICER,
    Service.COMMITTEE: Qualification.COMMITTEE,
    Service.CONFIDANT: Qualification.CONFIDANT,
    Service.DPO: Qualification.DPO,
}

# An id no seeded object has: routes whose object the seed does not make get this.
MISSING_ID = 2_147_483_000


@dataclass
class TenantObjects:
    """What one provider's URLs are filled from; ``markers`` are strings only its data contains."""

    provider: Provider
    cases: dict[str, CaseIndex]
    follow_tokens: dict[str, str]
    claim_token: str
    record_id: int
    provider_record_id: int
    attachment_id: int
    meeting_id: int
    note_id: int
    part_id: int
    measure_id: int
    entry_id: int
    api_key_id: int
    api_key: str
    markers: list[str]

    @property
    def host(self) -> str:
        return self.provider.get_primary_domain().domain

    @property
    def name(self) -> str:
        return self.provider.name


@dataclass
class MatrixWorld:
    world: World
    own: TenantObjects
    other: TenantObjects
    users: dict[str, User] = field(default_factory=dict)
    professional_pk: int = 0


def _document(text: str) -> list[CheckedFile]:
    return check_attachments([SimpleUploadedFile("verslag.txt", text.encode(), content_type="text/plain")])


def _staff_user(email: str, *, roles: list[str] | None = None, name: str = "") -> User:
    user = user_create(email=email, password=PASSWORD, display_name=name or email, roles=roles or [])
    totp_activate(user=user, secret=TOTP_SECRET)
    return user


def _tenant(world: World, provider: Provider, tag: str, complainant: User) -> tuple[TenantObjects, dict]:
    secret = f"Geheim-{tag}-{uuid.uuid4().hex[:10]}"
    name = f"Klager {tag.capitalize()}sen"
    cases: dict[str, CaseIndex] = {}
    professionals: dict[str, User] = {}
    for service, qualification in SERVICES.items():
        result = submit(
            provider,
            submission=submission(
                what_happened=f"{secret}: de avonddienst gaf de medicijnen telkens te laat ({service}).",
                complainant_name=name,
                complainant_email=f"{tag}.{service}@example.nl",
            ),
            attachments=_document(f"{secret}: bijlage bij de klacht."),
        )
        # Triage is another page's work: route the case as make_case does.
        CaseIndex.objects.filter(reference=result.complaint.reference).update(
            service=service, status="intake"
        )
        case = CaseIndex.objects.select_related("provider").get(reference=result.complaint.reference)
        professional = make_professional(
            f"Professional {tag} {service}", qualifications=[qualification], totp=True
        ).user
        case_assign(accessor=STAFF, case=case, professional=professional, actor=world.coordinator)
        assignment_accept(
            accessor=staff_accessor(professional, service), case=case, professional=professional
        )
        # The portal shows a complaint when index and dossier both name the account (as claiming does).
        CaseIndex.objects.filter(pk=case.pk).update(complainant_user=complainant)
        with schema_context(provider.schema_name):
            Complaint.objects.filter(pk=case.case_id).update(complainant_user_id=complainant.pk)
        case.refresh_from_db()
        cases[service] = case
        professionals[service] = professional
    officer_case = cases[Service.OFFICER]
    officer = professionals[Service.OFFICER]
    tokens = {service: follow_token(case) for service, case in cases.items()}
    claim = claim_token_make(provider=provider, token=tokens[Service.OFFICER])
    complaint = complaint_of(officer_case)
    in_week = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=7)
    record, provider_record = (
        record_add(
            provider=provider,
            complaint_id=complaint.pk,
            accessor=staff_accessor(officer, "officer"),
            kind=CaseRecord.Kind.DOCUMENT,
            visibility=visibility,
            document=_document(f"{secret}: verslag voor {visibility}.")[0],
        )
        for visibility in ("complainant", "provider")
    )
    with schema_context(provider.schema_name):
        attachment_id = (
            Attachment.objects.filter(complaint_id=complaint.pk).values_list("pk", flat=True).get()
        )
    meeting = meeting_schedule(
        provider=provider,
        complaint_id=complaint.pk,
        accessor=staff_accessor(officer, "officer"),
        kind=Meeting.Kind.PHONE,
        starts_at=in_week,
        ends_at=in_week + datetime.timedelta(hours=1),
    )
    confidant_case = cases[Service.CONFIDANT]
    note = confidant_note_add(
        provider=provider,
        complaint_id=confidant_case.case_id,
        accessor=staff_accessor(professionals[Service.CONFIDANT], "confidant"),
        kind="note",
        text=f"{secret}: notitie van de vertrouwenspersoon.",
    )
    committee_case = cases[Service.COMMITTEE]
    part = complaint_part_add(
        provider=provider,
        complaint_id=committee_case.case_id,
        accessor=staff_accessor(professionals[Service.COMMITTEE], "committee"),
        text=f"{secret}: klachtonderdeel.",
    )
    decision = record_decision(provider, complaint, world.coordinator)
    with schema_context(provider.schema_name):
        measure_id = decision.measures.values_list("pk", flat=True).first()
    entry = time_entry_log(
        actor=officer,
        case=officer_case,
        kind=TimeKind.PHONE,
        minutes=30,
        worked_on=timezone.localdate(),
        activity=Activity.INTAKE,
        accessor=staff_accessor(officer, "officer"),
    )
    key, raw_key = api_key_create(provider=provider, name=f"EPD {tag}", created_by=None)
    objects = TenantObjects(
        provider=provider,
        cases=cases,
        follow_tokens=tokens,
        claim_token=claim,
        record_id=record.pk,
        provider_record_id=provider_record.pk,
        attachment_id=attachment_id,
        meeting_id=meeting.pk,
        note_id=note.pk,
        part_id=part.pk,
        measure_id=measure_id or MISSING_ID,
        entry_id=entry.pk,
        api_key_id=key.pk,
        api_key=raw_key,
        markers=[secret, name, *(case.reference for case in cases.values())],
    )
    return objects, professionals


def matrix_world_build(world: World) -> MatrixWorld:
    complainant = user_create(
        email="klager.alpha@example.test", password=PASSWORD, roles=[PlatformRole.COMPLAINANT]
    )
    other_complainant = user_create(
        email="klager.beta@example.test", password=PASSWORD, roles=[PlatformRole.COMPLAINANT]
    )
    own, own_professionals = _tenant(world, world.alpha, "alpha", complainant)
    other, _ = _tenant(world, world.beta, "beta", other_complainant)
    users: dict[str, Any] = {"complainant": complainant, "other_complainant": other_complainant}
    for side, provider in (("own", world.alpha), ("other", world.beta)):
        for role in ProviderRole.values:
            user = _staff_user(f"{role}.{side}@{provider.slug}.test")
            membership_grant(user=user, provider=provider, role=role)
            users[f"provider_{role}_{side}"] = user
    for service, qualification in SERVICES.items():
        users[f"assigned_{service}"] = own_professionals[service]
        users[f"unassigned_{service}"] = make_professional(
            f"Vrije professional {service}", qualifications=[qualification], totp=True
        ).user
    users["coordinator"] = world.coordinator
    users["platform_admin"] = _staff_user("beheer@klachtpunt.test", roles=[PlatformRole.PLATFORM_ADMIN])
    matrix = MatrixWorld(world=world, own=own, other=other, users=users)
    matrix.professional_pk = users["assigned_officer"].professional.pk
    return matrix
