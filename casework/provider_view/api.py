"""``/api/v1/cases``: a provider's own systems read its consented cases, by API key.

``Authorization: Bearer kp_<prefix>_<secret>``. A key works only on its own
provider's host: elsewhere, and when revoked, it is refused with 401. What
the API returns is read through ``complaints_visible_to_provider``, the same
gate as the provider's pages: a case without consent does not exist here.

A key never reaches further than the member who made it, as that member
stands today (``casework.dossier.permissions``): the list holds the cases
they may see listed (an admin's key: every consented case's routing facts),
a case's dossier only if they may read it (their handler's or decision
maker's); a key whose maker left, or lost the role, reads nothing more.
Otherwise an admin, who sees no dossier, could read every dossier through a
key of their own making.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import Field

from casework.deadlines.selectors import complaint_deadline
from casework.dossier.access_log import Event, access_log_request
from casework.dossier.api import NOT_FOUND, ErrorOut, no_store
from casework.dossier.events import entry_text
from casework.dossier.permissions import VIEW_DOSSIER, allowed
from casework.dossier.selectors import provider_complaint_get
from casework.models import Complaint
from casework.procedures.selectors import Party, Viewer, confidant_notes_visible, messages_visible
from casework.provider_view.selectors import ComplaintFilter, provider_complaint_search, provider_timeline
from tenants.models import ProviderApiKey
from tenants.services import api_key_authenticate


class ProviderKeyAuth(HttpBearer):
    """A provider API key, valid on its own provider's host only."""

    def authenticate(self, request: HttpRequest, token: str) -> ProviderApiKey | None:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_platform:
            return None
        return api_key_authenticate(provider=tenant, raw_key=token)


router = Router(tags=["cases"], auth=ProviderKeyAuth())

AUTH_ERRORS = {401: ErrorOut}
PROVIDER_VIEWER = Viewer(Party.PROVIDER)


class CaseOut(Schema):
    reference: str
    status: str
    track: str
    category: str | None
    received_at: datetime.datetime
    formal_received_on: datetime.date | None
    deadline: datetime.date | None


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    next_page: int | None
    items: list[CaseOut]


class CaseFilters(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1")
    page_size: int = Field(50, ge=1, le=200, description="Cases per page (at most 200)")
    q: str = Field("", max_length=100, description="Search in reference and category name")
    status: str = Field("", max_length=16, description="Only cases with this status")


class TimelineItemOut(Schema):
    kind: str
    at: datetime.datetime
    summary: str


class ComplainantOut(Schema):
    kind: str
    name: str
    email: str
    phone: str
    client_name: str
    relation_to_client: str
    mandate_basis: str


class MessageOut(Schema):
    sender: str
    audience: str
    sent_at: datetime.datetime
    body: str


class SharedNoteOut(Schema):
    kind: str
    text: str
    shared_at: datetime.datetime | None


class CaseDetailOut(CaseOut):
    channel: str
    law: str
    language: str
    complainant: ComplainantOut
    what_happened: str
    occurred_on: datetime.date | None
    location: str
    department: str
    employee_concerned: str
    goal: str
    goal_details: str
    timeline: list[TimelineItemOut]
    messages: list[MessageOut]
    shared_confidant_notes: list[SharedNoteOut]


def _maker(request: HttpRequest) -> Any:
    """The member whose reach the request's key has (None when they are gone)."""
    key = request.auth  # type: ignore[attr-defined]
    maker = key.created_by if isinstance(key, ProviderApiKey) else None
    return maker if maker is not None and maker.is_active else None


def _case(complaint: Complaint) -> dict[str, Any]:
    return {
        "reference": complaint.reference,
        "status": complaint.status,
        "track": complaint.track,
        "category": complaint.category.code if complaint.category_id else None,
        "received_at": complaint.received_at,
        "formal_received_on": complaint.formal_received_on,
        "deadline": complaint_deadline(complaint),
    }


@router.get(
    "",
    response={200: CasePageOut, **AUTH_ERRORS},
    summary="The provider's consented cases, newest first",
    description="Only cases whose complainant consented to sharing them with the provider are listed.",
)
def case_list(request: HttpRequest, response: HttpResponse, filters: Query[CaseFilters]) -> Status:
    no_store(response)
    cases = provider_complaint_search(
        provider=request.tenant,
        filters=ComplaintFilter(text=filters.q, status=filters.status),
        user=_maker(request),
    )
    count = cases.count()
    access_log_request(
        request, Event.SEARCH, subject="cases", detail=f"q={filters.q[:60]} status={filters.status}"
    )
    start = (filters.page - 1) * filters.page_size
    items = [_case(c) for c in cases[start : start + filters.page_size]]
    more = start + filters.page_size < count
    return Status(
        200,
        {
            "count": count,
            "page": filters.page,
            "page_size": filters.page_size,
            "next_page": filters.page + 1 if more else None,
            "items": items,
        },
    )


@router.get(
    "/{reference}",
    response={200: CaseDetailOut, 404: ErrorOut, **AUTH_ERRORS},
    summary="One consented case",
    description="Unknown references and cases without consent give the same 404.",
)
def case_detail(request: HttpRequest, response: HttpResponse, reference: str) -> Status:
    no_store(response)
    complaint = provider_complaint_get(provider=request.tenant, reference=reference)
    if complaint is None or not allowed(_maker(request), VIEW_DOSSIER, complaint):
        return Status(404, NOT_FOUND)
    access_log_request(request, Event.READ, complaint=complaint)
    return Status(
        200,
        {
            **_case(complaint),
            "channel": complaint.channel,
            "law": complaint.law,
            "language": complaint.language,
            "complainant": {
                "kind": complaint.complainant_kind,
                "name": complaint.complainant_name,
                "email": complaint.complainant_email,
                "phone": complaint.complainant_phone,
                "client_name": complaint.client_name,
                "relation_to_client": complaint.relation_to_client,
                "mandate_basis": complaint.mandate_basis,
            },
            "what_happened": complaint.what_happened,
            "occurred_on": complaint.occurred_on,
            "location": complaint.location,
            "department": complaint.department,
            "employee_concerned": complaint.employee_concerned,
            "goal": complaint.goal,
            "goal_details": complaint.goal_details,
            "timeline": [
                {"kind": e.kind, "at": e.at, "summary": entry_text(e)}
                for e in provider_timeline(complaint=complaint)
            ],
            # What is shared with the provider, through the same gates as its pages.
            "messages": [
                {"sender": m.sender, "audience": m.audience, "sent_at": m.sent_at, "body": m.body}
                for m in messages_visible(complaint=complaint, viewer=PROVIDER_VIEWER)
            ],
            "shared_confidant_notes": [
                {"kind": n.kind, "text": n.text, "shared_at": n.shared_at}
                for n in confidant_notes_visible(complaint=complaint, viewer=PROVIDER_VIEWER)
            ],
        },
    )
