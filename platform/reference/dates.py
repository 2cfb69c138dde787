"""The calendar as the law and the people read it: days and months in Europe/Amsterdam.

One home for "today" and for month arithmetic, whatever the server's or the
request's time zone: a deadline, a ledger month or a report year is an
Amsterdam calendar day.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def today_amsterdam() -> datetime.date:
    """Today's date in Europe/Amsterdam."""
    return timezone.localdate(timezone=AMSTERDAM)


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of ``month`` and the first day of the next month."""
    start = month_start(month)
    return start, (start + datetime.timedelta(days=32)).replace(day=1)
