"""The AVG terms, named after the articles of Regulation 1182/71 and the AVG they apply.

The dates are the statute's worked examples (a leap February, a month ending
on a Sunday), so they are fixed on purpose; the property tests cover any date.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import avg_terms
from reference.deadline_rules import is_non_working_day

# The Dutch holidays include the decree days the platform admin keeps; the pure terms get them handed in.
pytestmark = pytest.mark.usefixtures("published_decree_days")

AMS = ZoneInfo("Europe/Amsterdam")
D = datetime.date


def test_art_12_3_avg_and_art_3_2_c_request_received_31_january_2028_is_due_29_february_2028() -> None:
    assert avg_terms.request_due(D(2028, 1, 31)) == D(2028, 2, 29)


def test_art_3_4_request_of_31_january_2027_reaches_sunday_28_february_so_due_monday_1_march() -> None:
    assert avg_terms.add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    assert D(2027, 2, 28).weekday() == 6
    assert avg_terms.request_due(D(2027, 1, 31)) == D(2027, 3, 1)


def test_art_3_2_c_month_ends_on_the_same_date_in_the_final_month() -> None:
    assert avg_terms.request_due(D(2027, 3, 10)) == D(2027, 4, 12)  # 10 April 2027 is a Saturday
    assert avg_terms.request_due(D(2027, 6, 15)) == D(2027, 7, 15)


def test_art_3_4_term_ending_on_a_public_holiday_ends_on_the_next_working_day() -> None:
    # 25 November 2027 + 1 month = Saturday 25 December; Sunday 26th, Monday 27th is a working day.
    assert avg_terms.request_due(D(2027, 11, 25)) == D(2027, 12, 27)
    # 27 March 2028 + 1 month = Thursday 27 April 2028 (Koningsdag), Friday 28th a designated holiday.
    assert avg_terms.request_due(D(2028, 3, 27)) == D(2028, 5, 1)


def test_art_12_3_avg_extension_by_two_further_months_counts_three_months_from_receipt() -> None:
    assert avg_terms.request_extended_due(D(2027, 1, 31)) == D(2027, 4, 30)
    assert avg_terms.request_extended_due(D(2027, 11, 30)) == D(2028, 2, 29)


def test_art_12_3_avg_extension_notice_after_the_first_month_is_refused() -> None:
    received = D(2027, 1, 31)
    assert avg_terms.extension_notice_in_time(received_on=received, notice_on=D(2027, 3, 1))
    assert not avg_terms.extension_notice_in_time(received_on=received, notice_on=D(2027, 3, 2))
    assert not avg_terms.extension_notice_in_time(received_on=received, notice_on=D(2027, 1, 30))


def test_art_3_1_and_3_4_breach_noticed_friday_16_00_is_due_monday_16_00() -> None:
    friday = datetime.datetime(2027, 6, 4, 16, 0, tzinfo=AMS)
    assert friday.weekday() == 4
    due = avg_terms.breach_due(friday)
    assert due == datetime.datetime(2027, 6, 7, 16, 0, tzinfo=AMS)
    assert due.weekday() == 0


def test_art_3_4_does_not_move_an_hours_period_ending_on_a_holiday() -> None:
    # Noticed Friday 14 May 2027 at 09:00: the 72 hours end on Whit Monday 17 May at 09:00.
    aware = datetime.datetime(2027, 5, 14, 9, 0, tzinfo=AMS)
    assert is_non_working_day(D(2027, 5, 17))
    assert avg_terms.breach_due(aware) == datetime.datetime(2027, 5, 17, 9, 0, tzinfo=AMS)


def test_art_3_1_hours_are_hours_across_the_change_to_summer_time() -> None:
    aware = datetime.datetime(2027, 3, 26, 12, 0, tzinfo=AMS)  # summer time starts 28 March 2027
    due = avg_terms.breach_due(aware)
    # Subtract in UTC: Python subtracts wall-clock times when both share one tzinfo.
    assert (due.astimezone(datetime.UTC) - aware.astimezone(datetime.UTC)).total_seconds() == 72 * 3600
    assert due.astimezone(AMS).hour == 13


def test_art_3_1_first_subparagraph_strict_end_leaves_out_the_hour_of_awareness() -> None:
    aware = datetime.datetime(2027, 6, 4, 16, 20, tzinfo=AMS)
    assert avg_terms.breach_legal_end(aware) == datetime.datetime(2027, 6, 7, 17, 0, tzinfo=AMS)
    assert avg_terms.breach_due(aware) < avg_terms.breach_legal_end(aware)


def test_art_33_1_avg_breach_clock_reminds_at_48_24_6_and_0_hours_left() -> None:
    aware = datetime.datetime(2027, 6, 4, 16, 0, tzinfo=AMS)
    hours = datetime.timedelta(hours=1)
    assert avg_terms.breach_reminder_point(aware, aware + 23 * hours) is None
    assert avg_terms.breach_reminder_point(aware, aware + 24 * hours) == 48
    assert avg_terms.breach_reminder_point(aware, aware + 50 * hours) == 24
    assert avg_terms.breach_reminder_point(aware, aware + 66 * hours) == 6
    assert avg_terms.breach_reminder_point(aware, aware + 73 * hours) == 0
    assert avg_terms.breach_hours_left(aware, aware + 70 * hours) == 2


def test_art_33_1_avg_notification_after_72_hours_is_late() -> None:
    aware = datetime.datetime(2027, 6, 4, 16, 0, tzinfo=AMS)
    assert not avg_terms.breach_notified_late(
        aware_at=aware, notified_at=aware + datetime.timedelta(hours=72)
    )
    assert avg_terms.breach_notified_late(
        aware_at=aware, notified_at=aware + datetime.timedelta(hours=72, seconds=1)
    )


def test_hours_term_refuses_a_naive_moment() -> None:
    try:
        avg_terms.breach_due(datetime.datetime(2027, 6, 4, 16, 0))
    except ValueError:
        return
    raise AssertionError("a naive datetime was accepted")


@given(st.dates(min_value=D(2024, 1, 1), max_value=D(2040, 12, 31)))
def test_art_3_2_c_and_3_4_request_due_is_a_working_day_at_most_five_days_after_the_month(
    received: datetime.date,
) -> None:
    due = avg_terms.request_due(received)
    plain = avg_terms.add_months(received, 1)
    assert not is_non_working_day(due)
    assert plain <= due <= plain + datetime.timedelta(days=5)
    assert plain.day == received.day or plain.day < received.day  # same date, or the month's last day
    assert avg_terms.request_extended_due(received) > due
