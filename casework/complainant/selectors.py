"""Reads for the complainant: the dossier behind a follow link, and the timeline they may see."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from casework.dossier.services import hash_token
from casework.models import Complaint, FollowLink, TimelineEntry
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
