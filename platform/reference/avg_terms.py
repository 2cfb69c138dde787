"""AVG (GDPR) terms, counted under Regulation (EEC, Euratom) No 1182/71.

The data-protection officer's clocks follow European law, not the Algemene
termijnenwet: the AVG is a regulation, and Regulation 1182/71 says how its
periods are counted. Nothing here reads the database.

The rules
---------
1. **AVG art. 12(3)**: a data-subject request (art. 15 to 22) is answered
   without undue delay and at the latest within **one month** of receipt.
2. **AVG art. 12(3), second sentence**: that period may be extended by **two
   further months** where necessary; the data subject is told of the
   extension, with its reasons, **within one month of receipt**. A notice sent
   after the first month is too late and the platform refuses it.
3. **AVG art. 33(1)**: a personal-data breach is notified to the Autoriteit
   Persoonsgegevens without undue delay and, where feasible, not later than
   **72 hours** after the controller became aware of it.

How Regulation 1182/71 counts them
----------------------------------
- **Art. 3(1), second subparagraph, and art. 3(2)(c)**: a period in months
  runs from the day after the event and ends at the end of the day in the
  last month that has the same date as the day of the event; where that date
  does not exist in the last month, at the end of that month's last day.
  Received 31 January 2028: due 29 February 2028.
- **Art. 3(3)**: Saturdays, Sundays and public holidays count.
- **Art. 3(4)**: a period expressed *otherwise than in hours* whose last day
  is a Saturday, Sunday or public holiday ends at the end of the next working
  day. Received 31 January 2027: the month reaches Sunday 28 February 2027,
  due Monday 1 March 2027.
- **Art. 2**: public holidays are those of the Member State where the act is
  done: the Dutch holidays computed in ``reference.deadline_rules`` (reused,
  not copied).
- **Art. 3(1), first subparagraph, and art. 3(2)(a)**: a period in hours is
  counted in hours, and art. 3(4) does not move it past a weekend or holiday:
  a breach noticed on Friday at 16:00 is due on Monday at 16:00. Art. 3(1)
  leaves the hour in which the event happens out of the period, so the strict
  legal end is up to one hour later (the end of the clock hour, plus 72
  hours); the platform shows and reminds on the earlier moment, 72 hours from
  awareness, so nobody relies on that last hour (``breach_legal_end`` gives
  the strict one for the record).

The extension (rule 2) is counted as three months from receipt, the same
way as the first month: one period of one month plus two further months.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from reference.deadline_rules import is_non_working_day

REQUEST_MONTHS = 1
EXTENSION_MONTHS = 2
BREACH_HOURS = 72

# Hours left on the breach clock at which the DPO is reminded (art. 33(1)),
# and the moment it runs out (0).
BREACH_REMINDER_HOURS = (48, 24, 6, 0)
# Days before a request's term ends at which the DPO is reminded.
REQUEST_REMINDER_DAYS = 7


@dataclass(frozen=True)
class Term:
    """One AVG term: its length, and where the law says so."""

    name: str
    months: int = 0
    hours: int = 0
    source: str = ""


REQUEST_TERM = Term(
    name="AVG: antwoord op een verzoek binnen één maand na ontvangst",
    months=REQUEST_MONTHS,
    source="AVG art. 12 lid 3; Verordening 1182/71 art. 3",
)
REQUEST_EXTENSION = Term(
    name="AVG: verlenging met twee maanden, met redenen, gemeld binnen één maand na ontvangst",
    months=EXTENSION_MONTHS,
    source="AVG art. 12 lid 3; Verordening 1182/71 art. 3",
)
BREACH_NOTIFICATION = Term(
    name="AVG: melding van een datalek aan de Autoriteit Persoonsgegevens binnen 72 uur na ontdekking",
    hours=BREACH_HOURS,
    source="AVG art. 33 lid 1; Verordening 1182/71 art. 3 lid 1 en 2",
)


# --- Regulation 1182/71 ------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Art. 3(2)(c): the same date ``months`` later, or that month's last day if the date does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))


def next_working_day_end(day: datetime.date) -> datetime.date:
    """Art. 3(4): a last day that is a Saturday, Sunday or public holiday moves to the next working day."""
    while is_non_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def months_term_end(event_day: datetime.date, months: int) -> datetime.date:
    """The last day of a period of ``months`` running from ``event_day`` (art. 3(1), 3(2)(c), 3(4))."""
    return next_working_day_end(add_months(event_day, months))


def hours_term_end(event_at: datetime.datetime, hours: int) -> datetime.datetime:
    """A period in hours: ``hours`` after the event, never moved for weekends or holidays.

    Art. 3(4) applies to periods "expressed otherwise than in hours" only.
    Timezone-aware arithmetic: across a change to or from summer time the
    period is still exactly ``hours`` hours of real time.
    """
    if event_at.tzinfo is None:
        raise ValueError("event_at must be timezone-aware")
    return (event_at.astimezone(datetime.UTC) + datetime.timedelta(hours=hours)).astimezone(event_at.tzinfo)


# --- Data-subject requests (AVG art. 12(3)) -----------------------------------


def request_due(received_on: datetime.date) -> datetime.date:
    """The last day to answer a request received on ``received_on``: one month (art. 12(3))."""
    return months_term_end(received_on, REQUEST_TERM.months)


def request_extended_due(received_on: datetime.date) -> datetime.date:
    """The last day once extended by two further months: three months from receipt (art. 12(3))."""
    return months_term_end(received_on, REQUEST_TERM.months + REQUEST_EXTENSION.months)


def extension_notice_in_time(*, received_on: datetime.date, notice_on: datetime.date) -> bool:
    """Art. 12(3): the extension is told within one month of receipt (on its last day at the latest)."""
    return received_on <= notice_on <= request_due(received_on)


def request_reminder_kind(due: datetime.date, today: datetime.date) -> str | None:
    """Which reminder applies today: ``before`` (within 7 days), ``due`` (today), ``overdue`` or none."""
    left = (due - today).days
    if left < 0:
        return "overdue"
    if left == 0:
        return "due"
    if left <= REQUEST_REMINDER_DAYS:
        return "before"
    return None


# --- Breaches (AVG art. 33(1)) --------------------------------------------------


def breach_due(aware_at: datetime.datetime) -> datetime.datetime:
    """When the notification to the Autoriteit Persoonsgegevens is due: 72 hours after awareness."""
    return hours_term_end(aware_at, BREACH_NOTIFICATION.hours)


def breach_legal_end(aware_at: datetime.datetime) -> datetime.datetime:
    """The strict end under art. 3(1)-(2): the hour of awareness left out, then 72 whole hours."""
    start = aware_at.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    return hours_term_end(start, BREACH_NOTIFICATION.hours)


def breach_hours_left(aware_at: datetime.datetime, now: datetime.datetime) -> float:
    """Hours left on the 72-hour clock at ``now``: negative once it has run out."""
    return (breach_due(aware_at) - now).total_seconds() / 3600


def breach_reminder_point(aware_at: datetime.datetime, now: datetime.datetime) -> int | None:
    """The reminder point (hours left: 48, 24, 6 or 0) reached at ``now``, the latest one; None before 48."""
    left = breach_hours_left(aware_at, now)
    reached = [point for point in BREACH_REMINDER_HOURS if left <= point]
    return min(reached) if reached else None


def breach_notified_late(*, aware_at: datetime.datetime, notified_at: datetime.datetime) -> bool:
    """A notification after the 72 hours must carry the reasons for the delay (art. 33(1))."""
    return notified_at > breach_due(aware_at)
