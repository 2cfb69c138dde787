"""Reads for the complainant: the dossier behind a follow link, and the timeline they may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from casework.dossier.services import hash_token
from casework.index.models import CaseIndex, CaseKind, CaseStatus
from casework.models import Complaint, FollowLink, PrivacyRequest, TimelineEntry
from tenants.tenancy import require_tenant_schema

COMPLAINANT_TIMELINE = (TimelineEntry.Visibility.ALL, TimelineEntry.Visibility.COMPLAINANT)


# Longer than any token we hand out (43 characters); longer input is not worth hashing.
MAX_TOKEN_LENGTH = 100


def follow_link_complaint(*, token: str, now: datetime.datetime | None = None) -> Complaint | None:
    """The complaint a follow token opens in this schema; None if unknown, expired or revoked."""
    require_tenant_schema()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or timezone.now()
    link = (
        FollowLink.objects.select_related("complaint", "complaint__category")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    return link.complaint if link else None


def complainant_timeline(*, complaint: Complaint) -> QuerySet[TimelineEntry]:
    return complaint.timeline.filter(visibility__in=COMPLAINANT_TIMELINE)


@dataclass(frozen=True)
class MyPrivacyRequest:
    """A data-subject request the user filed while signed in (routing facts from the index only)."""

    reference: str
    provider_name: str
    kind_label: str
    received_at: datetime.datetime
    due_on: datetime.date | None
    answered: bool


def my_privacy_requests(*, user: User) -> list[MyPrivacyRequest]:
    """The user's AVG requests across providers, newest first (one query on the case index)."""
    labels = dict(PrivacyRequest.Kind.choices)
    rows = (
        CaseIndex.every_kind.filter(kind=CaseKind.DSR, complainant_user=user)
        .select_related("provider")
        .only("reference", "category_code", "received_at", "deadline", "status", "provider__name")
        .order_by("-received_at", "-pk")
    )
    return [
        MyPrivacyRequest(
            reference=row.reference,
            provider_name=row.provider.name,
            kind_label=str(labels.get(row.category_code, row.category_code)),
            received_at=row.received_at,
            due_on=row.deadline,
            answered=row.status == CaseStatus.CLOSED,
        )
        for row in rows
    ]
