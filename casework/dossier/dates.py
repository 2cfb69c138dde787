"""Dates as the law and the people read them: the calendar day in Europe/Amsterdam."""

from __future__ import annotations

import datetime

import structlog
from django.utils import timezone

log = structlog.get_logger(__name__)


def today_amsterdam() -> datetime.date:
    return timezone.localdate()
