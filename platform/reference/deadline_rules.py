"""Statutory deadlines, as data and code a lawyer can read.

Every term the platform computes, shows, reminds about or refuses on lives in
this module: first the rules as data (``RULES``, the holidays), then the few
functions that apply them. Nothing here reads the database; the services in
``casework.deadlines.services`` record extensions and call these functions.

The rules
---------
1. **Wkkgz, art. 17 lid 1**: the provider gives its written decision on a
   complaint within 6 weeks of receiving it. The clock runs from the day the
   *formal, written* complaint is received (``formal_received_on``), which the
   platform records apart from the day the complaint first came in
   (``received_at``), as informal handling may come first.
2. **Wkkgz, art. 17 lid 2**: where careful handling requires it, the provider
   may extend that term *once*, by at most 4 weeks, with a reasoned written
   notice to the complainant sent *before* the 6 weeks have run out.
3. **Wkkgz, further extension**: any extension beyond that needs the
   complainant's consent, which the platform records before it accepts one.
4. **Wzd** (complaints about involuntary care, ``law == "wzd"``): the Wzd
   complaints committee decides within 2 weeks of receiving the complaint; it
   may take longer only with the written consent of both the complainant and
   the provider. The committee's decision binds the provider, and the
   committee's own reminders go to its panel, not to the provider.
   **Wvggz** (compulsory mental-health care, ``law == "wvggz"``), art. 10:7:
   the committee decides within fourteen days of receiving the complaint;
   treated as the Wzd for extensions and for the binding decision.
5. **Disputes body** (geschilleninstantie, Wkkgz art. 18 and its
   regulations): the complainant may bring the dispute within 1 year of
   filing the complaint with the provider. The closing letter names that day.
6. **Algemene termijnenwet (Atw), art. 1 lid 1**: a term set by law that ends
   on a Saturday, a Sunday or a generally recognised holiday runs on to the
   next day that is none of these. Art. 3 lid 1 names the holidays (New
   Year's Day, Easter Monday, Whit Monday, both Christmas days, Ascension
   Day, the day the King's birthday is celebrated, and 5 May, every year);
   art. 3 lid 2 adds Good Friday; art. 3 lid 3 lets the government designate
   further days by decree. Those decree days are data a platform admin keeps
   (the ``reference`` app's ``DesignatedDay`` rows), handed to this module by
   ``use_designated_days`` (or a loader registered with
   ``set_designated_days_loader``); for a year no decree covers, a term is
   computed from the Act alone and ``decree_data_known`` says so, so the
   deadline can be flagged. Easter is computed here (Gregorian computus), not
   taken from a package, so the list is exactly the Act's.

A term ends at the end of its last day ("tot en met"): a deadline on day D
is met by a decision on day D, and overdue from D + 1. Days are Europe/
Amsterdam calendar days.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

# --- The rules, as data -----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One statutory term: how long, from when, and where the law says so."""

    name: str
    weeks: int = 0
    years: int = 0
    source: str = ""

    def add_to(self, start: datetime.date) -> datetime.date:
        """The day the term ends, before the Algemene termijnenwet is applied.

        A term in years ends on the same date that many years later; from
        29 February, where that date does not exist, on the month's last day.
        """
        end = start + datetime.timedelta(weeks=self.weeks)
        if self.years:
            year = end.year + self.years
            day = end.day
            while True:
                try:
                    end = end.replace(year=year, day=day)
                    break
                except ValueError:
                    day -= 1
        return end


WKKGZ_DECISION = Rule(
    name="Wkkgz: oordeel binnen 6 weken na ontvangst van de schriftelijke klacht",
    weeks=6,
    source="Wkkgz art. 17 lid 1",
)
WKKGZ_EXTENSION = Rule(
    name="Wkkgz: eenmalige verlenging met ten hoogste 4 weken, met redenen omklede schriftelijke "
    "mededeling vóór het verstrijken van de 6 weken",
    weeks=4,
    source="Wkkgz art. 17 lid 2",
)
WZD_DECISION = Rule(
    name="Wzd: de klachtencommissie beslist binnen 2 weken na ontvangst van de klacht",
    weeks=2,
    source="Wzd art. 56",
)
# The Wvggz text is not among the domain documents (../shared/domain/); this is
# Wvggz art. 10:7 lid 1 as the Act reads ("De klachtencommissie beslist binnen
# veertien dagen na ontvangst van het klaagschrift"). Extension is treated as
# under the Wzd (only with both parties' consent): to be confirmed by a lawyer.
WVGGZ_DECISION = Rule(
    name="Wvggz: de klachtencommissie beslist binnen veertien dagen na ontvangst van het klaagschrift",
    weeks=2,
    source="Wvggz art. 10:7 lid 1",
)
DISPUTES_WINDOW = Rule(
    name="Geschilleninstantie: binnen 1 jaar na het indienen van de klacht bij de zorgaanbieder",
    years=1,
    source="Wkkgz art. 18; reglement van de geschilleninstantie",
)

# How many unilateral (notice-only) extensions the law allows, per law.
UNILATERAL_EXTENSIONS = {"wkkgz": 1, "wzd": 0, "wvggz": 0}
# Who must consent to an extension beyond the unilateral one(s).
CONSENT_NEEDED_FROM = {
    "wkkgz": ("complainant",),
    "wzd": ("complainant", "provider"),
    "wvggz": ("complainant", "provider"),
}
# Where the committee's decision binds the provider (Wzd art. 56, Wvggz chapter 10;
# verify in the Act): the committee decides and its own term runs, its reminders go to the panel.
# Under the Wkkgz the committee judges and advises; the provider then decides itself.
COMMITTEE_DECISION_BINDS = frozenset({"wzd", "wvggz"})

# Reminders before the deadline (days before), on it, and after it (overdue:
# escalated to the coordinators).
REMINDER_DAYS_BEFORE = 7

# Overdue decisions are escalated again every this many days, until decided,
# withdrawn or referred (the ``round`` of an overdue reminder).
OVERDUE_REPEAT_DAYS = 7

# First contact: the acknowledgement promises contact within five working days
# of receipt. One table, per service a case is received by; a service not named
# keeps the promise of the acknowledgement.
FIRST_CONTACT_WORKING_DAYS: dict[str, int] = {
    "intake": 5,
    "officer": 5,
    "committee": 5,
    "confidant": 5,
    "dpo": 5,
}
FIRST_CONTACT_DEFAULT_WORKING_DAYS = 5


# --- Days designated by decree (Atw art. 3 lid 3), as data ------------------


@dataclass(frozen=True)
class DesignatedDays:
    """The decree days known, and the years the decrees cover (a covered year may have none)."""

    days: Mapping[datetime.date, str]
    covered_years: frozenset[int]


# How long loaded decree data is trusted before the loader is asked again
# (another process may have saved a new decree in the meantime).
DESIGNATED_DAYS_TTL_SECONDS = 300.0

_lock = threading.Lock()
_loader: Callable[[], DesignatedDays] | None = None
_loaded: DesignatedDays | None = None
_loaded_at = 0.0


def set_designated_days_loader(loader: Callable[[], DesignatedDays] | None) -> None:
    """Register where decree data comes from (the database, registered by the ``reference`` app)."""
    global _loader
    with _lock:
        _loader = loader
    forget_designated_days()


def use_designated_days(days: Mapping[datetime.date, str], *, covered_years: Iterable[int]) -> None:
    """Use exactly this decree data until forgotten (tests, scripts, a loader's result)."""
    global _loaded, _loaded_at
    with _lock:
        _loaded = DesignatedDays(days=dict(days), covered_years=frozenset(covered_years))
        _loaded_at = float("inf")
    _general_holidays.cache_clear()


def forget_designated_days() -> None:
    """Drop the decree data held, so the next term asks the loader again (after an admin's change)."""
    global _loaded, _loaded_at
    with _lock:
        _loaded = None
        _loaded_at = 0.0
    _general_holidays.cache_clear()


def designated_days() -> DesignatedDays:
    """The decree data in use: loaded once, asked again after ``DESIGNATED_DAYS_TTL_SECONDS``."""
    global _loaded, _loaded_at
    now = time.monotonic()
    with _lock:
        if _loaded is not None and now - _loaded_at < DESIGNATED_DAYS_TTL_SECONDS:
            return _loaded
        loader = _loader
    loaded = loader() if loader is not None else DesignatedDays(days={}, covered_years=frozenset())
    with _lock:
        if _loaded != loaded:
            _general_holidays.cache_clear()
        _loaded, _loaded_at = loaded, now
        return loaded


def decree_data_known(day: datetime.date) -> bool:
    """Whether a decree covers ``day``'s year; if not, a term ending then follows the Act alone."""
    return day.year in designated_days().covered_years


def last_known_decree_year() -> int | None:
    """The last year the known decrees cover, or None without any."""
    years = designated_days().covered_years
    return max(years) if years else None


# --- The Algemene termijnenwet ---------------------------------------------


def easter_sunday(year: int) -> datetime.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def kings_day(year: int) -> datetime.date:
    """The day the King's birthday is celebrated: 27 April, or 26 April when the 27th is a Sunday."""
    day = datetime.date(year, 4, 27)
    return day - datetime.timedelta(days=1) if day.weekday() == 6 else day


def general_holidays(year: int) -> dict[datetime.date, str]:
    """The generally recognised holidays of ``year`` under the Atw (art. 3 lid 1 to 3)."""
    designated_days()  # refresh decree data first (clears the cache when it changed)
    return _general_holidays(year)


@cache
def _general_holidays(year: int) -> dict[datetime.date, str]:
    """The generally recognised holidays of ``year`` under the Atw (art. 3 lid 1 to 3)."""
    easter = easter_sunday(year)
    days = {
        datetime.date(year, 1, 1): "Nieuwjaarsdag",
        easter - datetime.timedelta(days=2): "Goede Vrijdag",  # art. 3 lid 2
        easter + datetime.timedelta(days=1): "Tweede Paasdag",
        kings_day(year): "Koningsdag",
        datetime.date(year, 5, 5): "5 mei (Bevrijdingsdag)",
        easter + datetime.timedelta(days=39): "Hemelvaartsdag",
        easter + datetime.timedelta(days=50): "Tweede Pinksterdag",
        datetime.date(year, 12, 25): "Eerste Kerstdag",
        datetime.date(year, 12, 26): "Tweede Kerstdag",
    }
    days.update({day: name for day, name in designated_days().days.items() if day.year == year})
    return days


def is_non_working_day(day: datetime.date) -> bool:
    """Saturday, Sunday or a generally recognised holiday (Atw art. 1)."""
    return day.weekday() >= 5 or day in general_holidays(day.year)


def atw_term_end(day: datetime.date) -> datetime.date:
    """Atw art. 1 lid 1: a term ending on a non-working day runs on to the next working day."""
    while is_non_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start``: weekends and the Atw holidays do not count."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if not is_non_working_day(day):
            days -= 1
    return day


# --- The terms --------------------------------------------------------------


def law_regime(law: str) -> str:
    """Which set of rules a complaint follows: the Wzd's, the Wvggz's, or the Wkkgz's (every other law)."""
    return law if law in ("wzd", "wvggz") else "wkkgz"


def decision_rule(law: str = "") -> Rule:
    return {"wzd": WZD_DECISION, "wvggz": WVGGZ_DECISION}.get(law_regime(law), WKKGZ_DECISION)


def committee_decision_binds(law: str = "") -> bool:
    """Whether the committee's decision binds (Wzd, Wvggz), rather than advising the provider (Wkkgz)."""
    return law_regime(law) in COMMITTEE_DECISION_BINDS


def decision_deadline(formal_received_on: datetime.date, law: str = "") -> datetime.date:
    """The last day for the decision on a complaint received (in writing) on ``formal_received_on``.

    Wkkgz: 6 weeks; Wzd: 2 weeks; moved past a non-working day (Atw).
    """
    return atw_term_end(decision_rule(law).add_to(formal_received_on))


def unilateral_extension_limit(formal_received_on: datetime.date, law: str = "") -> datetime.date | None:
    """The latest day the one notice-only extension may set, or None where the law allows none.

    The 4 weeks are added to the 6-week term as the Wkkgz counts it; the
    resulting term is again moved past a non-working day.
    """
    if UNILATERAL_EXTENSIONS[law_regime(law)] == 0:
        return None
    six_weeks = decision_rule(law).add_to(formal_received_on)
    return atw_term_end(WKKGZ_EXTENSION.add_to(six_weeks))


def disputes_last_day(filed_on: datetime.date) -> datetime.date:
    """The last day to bring the dispute to the disputes body: 1 year after filing with the provider."""
    return atw_term_end(DISPUTES_WINDOW.add_to(filed_on))


def notice_in_time(*, sent_on: datetime.date, current_deadline: datetime.date) -> bool:
    """An extension notice counts only if sent before the term ran out (on its last day at the latest)."""
    return sent_on <= current_deadline


class HasDeadlineFacts(Protocol):
    formal_received_on: datetime.date | None
    law: str
    extended_deadline: datetime.date | None


def complaint_deadline(complaint: HasDeadlineFacts) -> datetime.date | None:
    """A complaint's current deadline: the extended one if it was extended, else the statutory one.

    None while no formal, written complaint has been received (informal
    handling, or no consent to share it yet).
    """
    if complaint.formal_received_on is None:
        return None
    extended = getattr(complaint, "extended_deadline", None)
    return extended or decision_deadline(complaint.formal_received_on, complaint.law)


def first_contact_due(received_on: datetime.date, service: str = "intake") -> datetime.date:
    """The last day for the first contact with the complainant: working days after receipt."""
    days = FIRST_CONTACT_WORKING_DAYS.get(service, FIRST_CONTACT_DEFAULT_WORKING_DAYS)
    return add_working_days(received_on, days)


def days_left(deadline: datetime.date | None, today: datetime.date) -> int | None:
    """Whole days from ``today`` to ``deadline``: 0 on the day itself, negative once overdue."""
    return None if deadline is None else (deadline - today).days


def reminder_kind(deadline: datetime.date, today: datetime.date) -> str | None:
    """Which reminder is due today for ``deadline``: ``before``, ``due``, ``overdue`` or none yet.

    Only the one that applies today: a reminder that was missed (the job did
    not run that day) is not sent late once a later one applies.
    """
    left = (deadline - today).days
    if left < 0:
        return "overdue"
    if left == 0:
        return "due"
    if left <= REMINDER_DAYS_BEFORE:
        return "before"
    return None


def reminder_round(deadline: datetime.date, today: datetime.date) -> int:
    """Which escalation an overdue reminder is: 0 in the first week past the deadline, then 1, 2, ...

    Before and on the deadline there is one reminder of each kind (round 0).
    """
    overdue_days = (today - deadline).days
    return (overdue_days - 1) // OVERDUE_REPEAT_DAYS if overdue_days > 0 else 0


def deadline_without_decree_data(deadline: datetime.date | None) -> bool:
    """A deadline in a year no decree covers: computed from the Act alone, to be checked by staff."""
    return deadline is not None and not decree_data_known(deadline)
