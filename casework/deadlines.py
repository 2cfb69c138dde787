"""Statutory deadlines, as data a lawyer can read.

Wkkgz art. 17: the provider's written decision is due within 6 weeks of
receiving the written (formal) complaint. The full rule set (extension,
Wzd, disputes body, non-working days) is built on this module.
"""

from __future__ import annotations

import datetime

WKKGZ_DECISION_WEEKS = 6


def decision_deadline(formal_received_on: datetime.date) -> datetime.date:
    """The last day for the provider's written decision on a formal complaint."""
    return formal_received_on + datetime.timedelta(weeks=WKKGZ_DECISION_WEEKS)
