"""``GET /api/v1/status/{token}``: a complainant's view of their complaint by secure link.

Served on the provider's host (the link's token lives in that provider's
schema). It answers with what the complainant may always see of their own
case: reference, status, track, consent, dates and the kinds of timeline
steps; never any complaint text. Unknown, expired and revoked tokens get the
same 404.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from casework.complainant.selectors import complainant_timeline, follow_link_complaint
from casework.deadlines.selectors import complaint_deadline
from casework.dossier.access_log import AccessChannel, Event, access_log_request
from casework.dossier.api import NOT_FOUND, ErrorOut, no_store

router = Router(tags=["status"])


class TimelineStepOut(Schema):
    kind: str
    at: datetime.datetime


class StatusOut(Schema):
    reference: str
    status: str
    status_label: str
    track: str
    consent: str
    received_at: datetime.datetime
    formal_received_on: datetime.date | None
    deadline: datetime.date | None
    timeline: list[TimelineStepOut]


@router.get(
    "/{token}",
    response={200: StatusOut, 404: ErrorOut},
    summary="A complaint's status by its secure follow token",
    description=(
        "For the complainant who filed without an account: the token from the link in the "
        "acknowledgement e-mail or on the confirmation page. Answers on the provider's host only. "
        "Unknown, expired and revoked tokens all give 404."
    ),
)
def complaint_status(request: HttpRequest, response: HttpResponse, token: str) -> Status:
    no_store(response)
    if request.tenant.is_platform:
        return Status(404, NOT_FOUND)
    complaint = follow_link_complaint(token=token)
    if complaint is None:
        return Status(404, NOT_FOUND)
    access_log_request(request, Event.READ, complaint=complaint, channel=AccessChannel.FOLLOW_LINK)
    return Status(
        200,
        {
            "reference": complaint.reference,
            "status": complaint.status,
            "status_label": str(complaint.get_status_display()),
            "track": complaint.track,
            "consent": complaint.consent,
            "received_at": complaint.received_at,
            "formal_received_on": complaint.formal_received_on,
            "deadline": complaint_deadline(complaint),
            "timeline": [{"kind": e.kind, "at": e.at} for e in complainant_timeline(complaint=complaint)],
        },
    )
