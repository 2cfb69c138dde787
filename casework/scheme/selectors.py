"""Reads of the complaints scheme: the version in force, the list of versions, the draft."""

from __future__ import annotations

import datetime

from casework.models import ComplaintsScheme
from reference.dates import today_amsterdam


def scheme_published() -> list[ComplaintsScheme]:
    """Every published version, newest effective date first."""
    return list(
        ComplaintsScheme.objects.filter(published_at__isnull=False).order_by("-effective_on", "-version")
    )


def scheme_in_force(on: datetime.date | None = None) -> ComplaintsScheme | None:
    """The version in force on ``on`` (today): the published one with the latest effective date up to it."""
    day = on or today_amsterdam()
    return (
        ComplaintsScheme.objects.filter(published_at__isnull=False, effective_on__lte=day)
        .order_by("-effective_on", "-version")
        .first()
    )


def scheme_draft() -> ComplaintsScheme | None:
    return ComplaintsScheme.objects.filter(published_at__isnull=True).first()


def scheme_version(version: int) -> ComplaintsScheme | None:
    """A published version by its number; a draft is never public."""
    return ComplaintsScheme.objects.filter(version=version, published_at__isnull=False).first()
