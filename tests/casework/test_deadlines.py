"""The deadline rules (reference.deadline_rules), one test per rule, and the extension service."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from dateutil.easter import EASTER_WESTERN, easter
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone

from casework.deadlines.services import ConsentEvidence, deadline_extend
from casework.index.models import CaseIndex, Track
from casework.models import Complaint, DeadlineExtension, ExtensionConsent, TimelineEntry
from outbox.models import OutboxMessage
from reference import deadline_rules as deadlines
from reference.deadline_rules import (
    atw_term_end,
    complaint_deadline,
    days_left,
    decision_deadline,
    disputes_last_day,
    easter_sunday,
    general_holidays,
    is_non_working_day,
    kings_day,
    reminder_kind,
    unilateral_extension_limit,
)
from tenants.clusters import schema_context
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.support import World

D = datetime.date

# The pure rules get the decree days handed in (tests/conftest.py), so these tests need no database.
pytestmark = pytest.mark.usefixtures("published_decree_days")


# --- The rules (no database) ---------------------------------------------


def test_wkkgz_decision_within_6_weeks_of_the_formal_written_complaint() -> None:
    # Monday 2 March 2026 + 6 weeks = Monday 13 April 2026, a working day.
    assert decision_deadline(D(2026, 3, 2)) == D(2026, 4, 13)
    assert decision_deadline(D(2026, 3, 2), "wlz") == D(2026, 4, 13)


def test_wzd_committee_decides_within_2_weeks() -> None:
    assert decision_deadline(D(2026, 3, 2), "wzd") == D(2026, 3, 16)


def test_wzd_allows_no_extension_without_consent() -> None:
    assert unilateral_extension_limit(D(2026, 3, 2), "wzd") is None


def test_wkkgz_one_extension_of_at_most_4_weeks() -> None:
    # 6 + 4 weeks from Monday 2 March 2026: Monday 11 May 2026.
    assert unilateral_extension_limit(D(2026, 3, 2)) == D(2026, 5, 11)


def test_wkkgz_extension_notice_only_before_the_6_weeks_run_out() -> None:
    deadline = D(2026, 4, 13)
    assert deadlines.notice_in_time(sent_on=D(2026, 4, 13), current_deadline=deadline)  # the last day counts
    assert not deadlines.notice_in_time(sent_on=D(2026, 4, 14), current_deadline=deadline)


def test_disputes_body_window_is_1_year_from_filing_with_the_provider() -> None:
    assert disputes_last_day(D(2026, 3, 2)) == D(2027, 3, 2)  # a Tuesday
    # From 29 February the year ends on 28 February; 28 Feb 2025 is a Friday.
    assert disputes_last_day(D(2024, 2, 29)) == D(2025, 2, 28)
    # 1 year from Monday 5 January 2026 is Tuesday 5 January 2027.
    assert disputes_last_day(D(2026, 1, 5)) == D(2027, 1, 5)


def test_disputes_body_window_ending_on_a_weekend_runs_to_monday() -> None:
    # Saturday 6 March 2027 -> Monday 8 March 2027.
    assert disputes_last_day(D(2026, 3, 6)) == D(2027, 3, 8)


def test_atw_term_ending_on_saturday_or_sunday_runs_to_monday() -> None:
    assert atw_term_end(D(2026, 11, 28)) == D(2026, 11, 30)  # Saturday
    assert atw_term_end(D(2026, 11, 29)) == D(2026, 11, 30)  # Sunday
    assert atw_term_end(D(2026, 11, 30)) == D(2026, 11, 30)  # Monday stays
    # Received on Sunday 22 November 2026: 6 weeks end on Sunday 3 January 2027 -> Monday 4 January.
    assert decision_deadline(D(2026, 11, 22)) == D(2027, 1, 4)


def test_atw_easter_is_computed_for_the_gregorian_calendar() -> None:
    known = {
        2024: D(2024, 3, 31),
        2025: D(2025, 4, 20),
        2026: D(2026, 4, 5),
        2027: D(2027, 3, 28),
        2028: D(2028, 4, 16),
        2038: D(2038, 4, 25),  # the latest possible date
        2285: D(2285, 3, 22),  # the earliest possible date
    }
    for year, sunday in known.items():
        assert easter_sunday(year) == sunday, year


def test_atw_easter_matches_the_gregorian_computus_in_every_year() -> None:
    # Every year the Gregorian calendar's computus is defined for, against an independent implementation.
    for year in range(1583, 4100):
        assert easter_sunday(year) == easter(year, EASTER_WESTERN), year


def test_atw_kings_day_is_27_april_or_26_april_when_the_27th_is_a_sunday() -> None:
    assert kings_day(2026) == D(2026, 4, 27)  # a Monday
    assert kings_day(2025) == D(2025, 4, 26)  # the 27th is a Sunday
    assert kings_day(2031) == D(2031, 4, 26)  # the 27th is a Sunday
    assert kings_day(2030) == D(2030, 4, 27)  # a Saturday: it stays


def test_complaint_deadline_is_the_extended_or_the_statutory_one_or_none_before_a_formal_one() -> None:
    informal = SimpleNamespace(formal_received_on=None, law="wkkgz", extended_deadline=None)
    assert complaint_deadline(informal) is None
    formal = SimpleNamespace(formal_received_on=D(2026, 3, 2), law="wkkgz", extended_deadline=None)
    assert complaint_deadline(formal) == D(2026, 4, 13)
    assert complaint_deadline(SimpleNamespace(formal_received_on=D(2026, 3, 2), law="wzd")) == D(2026, 3, 16)
    extended = SimpleNamespace(
        formal_received_on=D(2026, 3, 2), law="wkkgz", extended_deadline=D(2026, 5, 11)
    )
    assert complaint_deadline(extended) == D(2026, 5, 11)


def test_days_left_is_none_without_a_deadline_and_counts_whole_days() -> None:
    today = D(2026, 4, 13)
    assert days_left(None, today) is None
    assert days_left(today, today) == 0
    assert days_left(D(2026, 4, 16), today) == 3
    assert days_left(D(2026, 4, 12), today) == -1


def test_atw_holidays_are_those_of_the_act() -> None:
    holidays = general_holidays(2026)
    assert set(holidays) == {
        D(2026, 1, 1),  # Nieuwjaarsdag
        D(2026, 1, 2),  # designated by decree (art. 3 lid 3)
        D(2026, 4, 3),  # Goede Vrijdag (art. 3 lid 2)
        D(2026, 4, 6),  # Tweede Paasdag
        D(2026, 4, 27),  # Koningsdag
        D(2026, 5, 5),  # 5 mei, every year
        D(2026, 5, 14),  # Hemelvaartsdag
        D(2026, 5, 15),  # designated by decree
        D(2026, 5, 25),  # Tweede Pinksterdag
        D(2026, 12, 25),
        D(2026, 12, 26),
    }
    # 5 May counts in every year, not only in lustrum years.
    assert D(2027, 5, 5) in general_holidays(2027)
    # Koningsdag moves to 26 April when the 27th is a Sunday (2025).
    assert D(2025, 4, 26) in general_holidays(2025) and D(2025, 4, 27) not in general_holidays(2025)


def test_atw_term_ending_on_a_holiday_runs_to_the_next_working_day() -> None:
    # Good Friday 3 April 2026 -> Saturday, Sunday, Easter Monday -> Tuesday 7 April.
    assert atw_term_end(D(2026, 4, 3)) == D(2026, 4, 7)
    # Received on Friday 20 February 2026: 6 weeks end on Good Friday.
    assert decision_deadline(D(2026, 2, 20)) == D(2026, 4, 7)
    # Ascension Thursday 14 May 2026, the designated Friday after it, the weekend -> Monday 18 May.
    assert atw_term_end(D(2026, 5, 14)) == D(2026, 5, 18)
    # Christmas 2026: Friday 25 and Saturday 26, Sunday 27 -> Monday 28 December.
    assert atw_term_end(D(2026, 12, 25)) == D(2026, 12, 28)
    # New Year's Day 2027 is a Friday -> Monday 4 January.
    assert atw_term_end(D(2027, 1, 1)) == D(2027, 1, 4)
    assert is_non_working_day(D(2026, 5, 5)) and not is_non_working_day(D(2026, 5, 6))


def test_overdue_escalation_repeats_every_week_until_decided() -> None:
    deadline = D(2026, 4, 13)
    assert deadlines.reminder_round(deadline, deadline) == 0
    assert deadlines.reminder_round(deadline, D(2026, 4, 14)) == 0
    assert deadlines.reminder_round(deadline, D(2026, 4, 20)) == 0
    assert deadlines.reminder_round(deadline, D(2026, 4, 21)) == 1
    assert deadlines.reminder_round(deadline, D(2026, 4, 28)) == 2


def test_reminders_before_on_and_after_the_deadline() -> None:
    deadline = D(2026, 4, 13)
    assert reminder_kind(deadline, deadline - datetime.timedelta(days=8)) is None
    assert reminder_kind(deadline, deadline - datetime.timedelta(days=7)) == "before"
    assert reminder_kind(deadline, deadline - datetime.timedelta(days=1)) == "before"
    assert reminder_kind(deadline, deadline) == "due"
    assert reminder_kind(deadline, deadline + datetime.timedelta(days=1)) == "overdue"


def test_days_left_filter_counts_in_amsterdam_days() -> None:
    today = timezone.localdate()
    html = Template("{% load deadlines %}{{ d|days_left }}|{{ none|days_left|default_if_none:'' }}").render(
        Context({"d": today + datetime.timedelta(days=3), "none": None})
    )
    assert html == "3|"
    overdue = Template("{% load deadlines %}{{ d|days_overdue }}").render(
        Context({"d": today - datetime.timedelta(days=2)})
    )
    assert overdue == "2"


# --- Extensions (the service) ---------------------------------------------


def formal_case(world: World, *, law: str = "wlz", received_on: D | None = None) -> Complaint:
    result = submit(world.alpha, submission=submission(track=Track.FORMAL, law=law))
    complaint = result.complaint
    if received_on is not None:
        with schema_context(world.alpha.schema_name):
            Complaint.objects.filter(pk=complaint.pk).update(formal_received_on=received_on)
            complaint.refresh_from_db()
        CaseIndex.objects.filter(reference=complaint.reference).update(
            formal_received_on=received_on, deadline=decision_deadline(received_on, law)
        )
    return complaint


def extend(world: World, complaint: Complaint, **kwargs: Any) -> DeadlineExtension:
    kwargs.setdefault("reason", "Wij willen eerst met de betrokken verpleegkundige spreken.")
    return deadline_extend(
        accessor=STAFF, provider=world.alpha, complaint_id=complaint.pk, actor=world.alpha_admin, **kwargs
    )


@pytest.mark.django_db
def test_wkkgz_extension_updates_dossier_index_and_timeline_together(world: World) -> None:
    complaint = formal_case(world)
    original = decision_deadline(complaint.formal_received_on)
    new = atw_term_end(original + datetime.timedelta(weeks=3))
    extension = extend(world, complaint, new_deadline=new)
    assert extension.basis == DeadlineExtension.Basis.NOTICE and extension.previous_deadline == original
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == new
    with schema_context(world.alpha.schema_name):
        dossier = Complaint.objects.get(pk=complaint.pk)
        assert dossier.extended_deadline == new
        entry = TimelineEntry.objects.get(complaint=dossier, kind="deadline_extended")
        assert entry.actor_user_id == world.alpha_admin.pk
    # The notice leaves by e-mail through the outbox, in the dossier's schema.
    assert OutboxMessage.objects.filter(
        task_name="casework.tasks_closing.send_extension_notice", schema_name=world.alpha.schema_name
    ).exists()


@pytest.mark.django_db
def test_wkkgz_extension_of_more_than_4_weeks_is_refused(world: World) -> None:
    complaint = formal_case(world)
    limit = unilateral_extension_limit(complaint.formal_received_on)
    with pytest.raises(ValidationError) as refused:
        extend(world, complaint, new_deadline=limit + datetime.timedelta(days=1))
    assert refused.value.code == "too_long"
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == decision_deadline(
        complaint.formal_received_on
    )


@pytest.mark.django_db
def test_wkkgz_extension_needs_a_reason(world: World) -> None:
    complaint = formal_case(world)
    with pytest.raises(ValidationError) as refused:
        limit = unilateral_extension_limit(complaint.formal_received_on)
        extend(world, complaint, new_deadline=limit, reason=" ")
    assert refused.value.code == "reason_required"


@pytest.mark.django_db
def test_wkkgz_extension_notice_after_expiry_is_refused(world: World) -> None:
    received = timezone.localdate() - datetime.timedelta(weeks=8)
    complaint = formal_case(world, received_on=received)
    with pytest.raises(ValidationError) as refused:
        extend(world, complaint, new_deadline=unilateral_extension_limit(received))
    assert refused.value.code == "expired"


@pytest.mark.django_db
def test_wkkgz_second_unilateral_extension_is_refused(world: World) -> None:
    complaint = formal_case(world)
    first = decision_deadline(complaint.formal_received_on) + datetime.timedelta(days=7)
    extend(world, complaint, new_deadline=atw_term_end(first))
    with pytest.raises(ValidationError) as refused:
        extend(world, complaint, new_deadline=unilateral_extension_limit(complaint.formal_received_on))
    assert refused.value.code == "consent_required"


@pytest.mark.django_db
def test_wkkgz_further_extension_with_the_complainants_recorded_consent(world: World) -> None:
    complaint = formal_case(world)
    limit = unilateral_extension_limit(complaint.formal_received_on)
    extend(world, complaint, new_deadline=limit)
    later = atw_term_end(limit + datetime.timedelta(weeks=6))
    consent = ConsentEvidence(given_on=timezone.localdate(), evidence="E-mail van de klager van vandaag")
    extension = extend(world, complaint, new_deadline=later, complainant_consent=consent)
    assert extension.basis == DeadlineExtension.Basis.CONSENT
    with schema_context(world.alpha.schema_name):
        assert list(ExtensionConsent.objects.filter(extension=extension).values_list("party", flat=True)) == [
            "complainant"
        ]
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == later


@pytest.mark.django_db
def test_wzd_extension_only_with_both_parties_written_consent(world: World) -> None:
    complaint = formal_case(world, law="wzd")
    deadline = decision_deadline(complaint.formal_received_on, "wzd")
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == deadline
    later = atw_term_end(deadline + datetime.timedelta(weeks=2))
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        extend(world, complaint, new_deadline=later)
    assert refused.value.code == "consent_required"
    with pytest.raises(ValidationError):
        extend(
            world,
            complaint,
            new_deadline=later,
            complainant_consent=ConsentEvidence(given_on=today, evidence="Brief van de klager"),
        )
    extension = extend(
        world,
        complaint,
        new_deadline=later,
        complainant_consent=ConsentEvidence(given_on=today, evidence="Brief van de klager"),
        provider_consent=ConsentEvidence(given_on=today, evidence="Brief van de directie"),
    )
    with schema_context(world.alpha.schema_name):
        assert ExtensionConsent.objects.filter(extension_id=extension.pk).count() == 2
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == later


@pytest.mark.django_db
def test_extension_needs_a_running_formal_deadline(world: World) -> None:
    informal = submit(world.alpha).complaint
    with pytest.raises(ValidationError) as refused:
        extend(world, informal, new_deadline=timezone.localdate() + datetime.timedelta(weeks=8))
    assert refused.value.code == "no_deadline"


@pytest.mark.django_db
def test_extension_must_move_the_deadline_later(world: World) -> None:
    complaint = formal_case(world)
    with pytest.raises(ValidationError) as refused:
        extend(world, complaint, new_deadline=decision_deadline(complaint.formal_received_on))
    assert refused.value.code == "not_later"


# The pages: the provider's admin and the coordinator extend over HTTP.


@pytest.mark.django_db
def test_provider_extends_on_its_own_host_and_a_refusal_keeps_the_form(world: World, alpha_client) -> None:  # type: ignore[no-untyped-def]
    from tests.casework.factories_decision import login

    complaint = formal_case(world)
    login(alpha_client, world.alpha_admin.email)
    url = f"/klachten/{complaint.reference}/termijn/"
    assert alpha_client.get(url).status_code == 200
    limit = unilateral_extension_limit(complaint.formal_received_on)
    too_long = {
        "new_deadline": (limit + datetime.timedelta(days=7)).isoformat(),
        "reason": "Wij wachten op het verslag van de arts.",
        "notice_channel": "email",
    }
    refused = alpha_client.post(url, too_long)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "ten hoogste 4 weken" in html and "Wij wachten op het verslag van de arts." in html
    done = alpha_client.post(url, {**too_long, "new_deadline": limit.isoformat()})
    assert done.status_code == 302
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == limit
    detail = alpha_client.get(f"/klachten/{complaint.reference}/").content.decode()
    assert "Wij wachten op het verslag van de arts." in detail


@pytest.mark.django_db
def test_coordinator_records_a_wzd_extension_with_both_consents(world: World, platform_client) -> None:  # type: ignore[no-untyped-def]
    from tests.casework.factories_decision import login

    complaint = formal_case(world, law="wzd")
    login(platform_client, world.coordinator.email)
    url = f"/werkplek/zaken/{complaint.reference}/termijn/"
    page = platform_client.get(url)
    assert page.status_code == 200 and "Wet zorg en dwang" in page.content.decode()
    later = atw_term_end(decision_deadline(complaint.formal_received_on, "wzd") + datetime.timedelta(weeks=2))
    today = timezone.localdate().isoformat()
    done = platform_client.post(
        url,
        {
            "new_deadline": later.isoformat(),
            "reason": "De hoorzitting kan pas later plaatsvinden.",
            "notice_channel": "letter",
            "complainant_consent_on": today,
            "complainant_consent_evidence": "Brief van de klager",
            "provider_consent_on": today,
            "provider_consent_evidence": "Brief van de directie",
        },
    )
    assert done.status_code == 302 and done.url == f"/werkplek/zaken/{complaint.reference}/"
    assert CaseIndex.objects.get(reference=complaint.reference).deadline == later
    dossier = platform_client.get(done.url).content.decode()
    assert "Brief van de directie" in dossier


def test_first_contact_skips_weekends_and_the_atw_holidays() -> None:
    year = timezone.localdate().year + 1
    easter_sunday = easter(year, EASTER_WESTERN)
    maundy_thursday = easter_sunday - datetime.timedelta(days=3)
    # Good Friday (Atw art. 3 lid 2), the weekend and Easter Monday do not count:
    # Tuesday to Friday are four working days, the Monday after is the fifth.
    assert deadlines.first_contact_due(maundy_thursday) == easter_sunday + datetime.timedelta(days=8)
    monday = maundy_thursday + datetime.timedelta(days=11)  # a plain week after Easter
    assert deadlines.first_contact_due(monday) == monday + datetime.timedelta(days=7)


def test_first_contact_target_is_configured_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday() + 14)
    assert all(days == 5 for days in deadlines.FIRST_CONTACT_WORKING_DAYS.values())
    monkeypatch.setitem(deadlines.FIRST_CONTACT_WORKING_DAYS, "dpo", 2)
    if deadlines.is_non_working_day(monday + datetime.timedelta(days=1)) or deadlines.is_non_working_day(
        monday + datetime.timedelta(days=2)
    ):
        monday += datetime.timedelta(days=7)
    assert deadlines.first_contact_due(monday, "dpo") == monday + datetime.timedelta(days=2)
    assert deadlines.first_contact_due(monday, "intake") > monday + datetime.timedelta(days=2)


@pytest.fixture
def own_decree_loader():  # type: ignore[no-untyped-def]
    """Tests that register their own decree loader give the reference app's back afterwards."""
    from reference.designated_days import designated_days_from_database

    yield
    deadlines.set_designated_days_loader(designated_days_from_database)


def test_decree_days_come_from_the_loader_and_are_asked_again_once_their_time_is_up(
    own_decree_loader: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [10.0]  # a machine up for ten seconds: less than the time decree data is trusted
    monkeypatch.setattr(deadlines, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    day = datetime.date(2031, 6, 10)  # a Tuesday no law makes a holiday
    with_day = deadlines.DesignatedDays(days={day: "gelijkgesteld"}, covered_years=frozenset({2031}))
    without = deadlines.DesignatedDays(days={}, covered_years=frozenset({2031, 2032}))
    answers = [with_day]
    asked: list[int] = []

    def loader() -> deadlines.DesignatedDays:
        asked.append(1)
        return answers[-1]

    deadlines.set_designated_days_loader(loader)
    assert deadlines.designated_days() == with_day and len(asked) == 1
    assert deadlines.is_non_working_day(day) is True
    assert deadlines.last_known_decree_year() == 2031
    # A new decree saved elsewhere is not seen before the time is up ...
    answers.append(without)
    clock[0] += deadlines.DESIGNATED_DAYS_TTL_SECONDS - 0.5
    assert deadlines.designated_days() == with_day and len(asked) == 1
    # ... and is from the moment it is up: the holidays computed with the old data are dropped.
    clock[0] = 10.0 + deadlines.DESIGNATED_DAYS_TTL_SECONDS
    assert deadlines.is_non_working_day(day) is False
    assert len(asked) == 2 and deadlines.last_known_decree_year() == 2032


def test_without_a_loader_no_decree_day_is_known(own_decree_loader: None) -> None:
    deadlines.set_designated_days_loader(None)
    assert deadlines.designated_days() == deadlines.DesignatedDays(days={}, covered_years=frozenset())
    assert deadlines.last_known_decree_year() is None
    assert deadlines.decree_data_known(datetime.date(2027, 1, 4)) is False


def test_the_wvggz_has_its_own_rule_and_every_other_law_follows_the_wkkgz() -> None:
    assert deadlines.law_regime("wvggz") == "wvggz" and deadlines.law_regime("wzd") == "wzd"
    assert deadlines.law_regime("wgbo") == deadlines.law_regime("") == "wkkgz"
    assert deadlines.decision_rule("wvggz") is deadlines.WVGGZ_DECISION
    assert deadlines.decision_rule("wzd") is deadlines.WZD_DECISION
    assert deadlines.decision_rule("wgbo") is deadlines.WKKGZ_DECISION


def test_a_service_without_its_own_first_contact_term_keeps_the_acknowledgements_five_working_days() -> None:
    received = datetime.date(2026, 12, 4)  # a Friday
    assert deadlines.first_contact_due(received, "een dienst zonder eigen termijn") == datetime.date(
        2026, 12, 11
    )
    assert deadlines.first_contact_due(received) == deadlines.add_working_days(received, 5)
