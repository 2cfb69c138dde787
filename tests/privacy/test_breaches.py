"""The breach register (AVG art. 33(5)), its 72-hour clock (art. 33(1)) and the people's notice (art. 34)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from casework.index.models import CaseIndex, CaseKind, CaseStatus, DeadlineReminder
from casework.models import Breach
from casework.privacy.reminders import privacy_reminder_send, privacy_reminders_run
from casework.privacy.selectors import breach_clock, notification_fields
from casework.privacy.services import (
    PrivacyError,
    breach_assess,
    breach_close,
    breach_notify_ap,
    breach_notify_people,
    privacy_case_take,
)
from reference import avg_terms
from tests.privacy.conftest import Dpo, make_breach, make_request

pytestmark = pytest.mark.django_db


def _assess(dpo: Dpo, breach: Breach, risk: str) -> Breach:
    return breach_assess(
        provider=dpo.provider,
        reference=breach.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        risk=risk,
        reason="Gezondheidsgegevens van één cliënt bij een onbevoegde.",
    )


def test_art_33_5_every_breach_is_registered_with_a_72_hour_clock_in_the_index(dpo: Dpo) -> None:
    breach = make_breach(dpo, hours_ago=10)
    row = CaseIndex.every_kind.get(reference=breach.reference)
    assert row.kind == CaseKind.BREACH and row.service == "dpo"
    assert row.due_at == avg_terms.breach_due(breach.aware_at)
    assert row.category_code == "confidentiality" and row.status == CaseStatus.RECEIVED
    clock = breach_clock(breach)
    assert clock.running and 61.9 < clock.hours_left < 62.1
    copied = dict(notification_fields(breach))
    assert copied["Aantal betrokkenen (bij benadering)"] == "1"
    assert copied["Wat is er gebeurd"] == breach.what_happened


def test_art_33_1_breach_noticed_in_the_future_or_after_it_happened_is_refused(dpo: Dpo) -> None:
    with pytest.raises(PrivacyError, match="toekomst"):
        make_breach(dpo, hours_ago=-1)
    with pytest.raises(PrivacyError):
        make_breach(dpo, hours_ago=2, occurred_at=timezone.now())


def test_art_33_1_notification_after_72_hours_needs_the_reasons_for_the_delay(dpo: Dpo) -> None:
    breach = make_breach(dpo, hours_ago=80)
    with pytest.raises(PrivacyError, match="Beoordeel eerst"):
        breach_notify_ap(
            provider=dpo.provider,
            reference=breach.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            notified_at=timezone.now(),
        )
    _assess(dpo, breach, Breach.Risk.RISK)
    with pytest.raises(PrivacyError, match="reden van de vertraging"):
        breach_notify_ap(
            provider=dpo.provider,
            reference=breach.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            notified_at=timezone.now(),
        )
    notified = breach_notify_ap(
        provider=dpo.provider,
        reference=breach.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        notified_at=timezone.now(),
        case_number="AP-123",
        late_reason="Het lek werd pas na het weekend volledig overzien.",
    )
    assert notified.late_reason and breach_clock(notified).late and not breach_clock(notified).running
    assert CaseIndex.every_kind.get(reference=breach.reference).decided_on == timezone.localdate()


def test_art_33_1_notification_within_72_hours_keeps_no_late_reason(dpo: Dpo) -> None:
    breach = make_breach(dpo, hours_ago=5)
    _assess(dpo, breach, Breach.Risk.RISK)
    notified = breach_notify_ap(
        provider=dpo.provider,
        reference=breach.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        notified_at=timezone.now(),
        late_reason="niet nodig",
    )
    assert notified.late_reason == "" and not breach_clock(notified).late


def test_art_34_high_risk_breach_closes_only_after_the_people_are_told(dpo: Dpo) -> None:
    breach = make_breach(dpo, hours_ago=3)
    _assess(dpo, breach, Breach.Risk.HIGH)
    breach_notify_ap(
        provider=dpo.provider,
        reference=breach.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        notified_at=timezone.now(),
    )
    with pytest.raises(PrivacyError, match="betrokkenen"):
        breach_close(provider=dpo.provider, reference=breach.reference, actor=dpo.user, accessor=dpo.accessor)
    breach_notify_people(
        provider=dpo.provider,
        reference=breach.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        notified_at=timezone.now(),
        notice="Brief aan de cliënt met uitleg en contactpersoon.",
    )
    closed = breach_close(
        provider=dpo.provider, reference=breach.reference, actor=dpo.user, accessor=dpo.accessor
    )
    assert closed.status == Breach.Status.CLOSED
    assert CaseIndex.every_kind.get(reference=breach.reference).status == CaseStatus.CLOSED


def test_art_33_1_breach_assessed_as_not_notifiable_stops_the_clock_and_may_close(dpo: Dpo) -> None:
    breach = make_breach(dpo, hours_ago=3)
    assessed = _assess(dpo, breach, Breach.Risk.UNLIKELY)
    assert not breach_clock(assessed).running
    assert CaseIndex.every_kind.get(reference=breach.reference).decided_on is not None
    breach_close(provider=dpo.provider, reference=breach.reference, actor=dpo.user, accessor=dpo.accessor)


def test_art_33_1_breach_clock_reminds_the_dpo_once_per_point(
    dpo: Dpo, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    breach = make_breach(dpo, hours_ago=50)  # 22 hours left: the 24-hour point
    case = CaseIndex.every_kind.get(reference=breach.reference)
    privacy_case_take(case=case, dpo=dpo.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_reminders_run() >= 1
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_reminders_run() == 0
    [reminder] = DeadlineReminder.objects.filter(case_id=case.pk)
    assert reminder.kind == "h24" and reminder.sent_at is not None
    [message] = [m for m in mail.outbox if breach.reference in m.subject]
    assert message.to == [dpo.user.email]
    assert breach.what_happened not in message.body
    assert privacy_reminder_send(reminder_id=reminder.pk) == 0
    # Later, at the end of the 72 hours, the next point is reminded.
    later = timezone.now() + datetime.timedelta(hours=23)
    assert privacy_reminders_run(now=later) >= 1
    assert set(DeadlineReminder.objects.filter(case_id=case.pk).values_list("kind", flat=True)) == {
        "h24",
        "h0",
    }


def test_art_12_3_request_reminded_within_a_week_of_its_term(dpo: Dpo) -> None:
    request = make_request(dpo, days_ago=25)
    case = CaseIndex.every_kind.get(reference=request.reference)
    today = timezone.localdate()
    expected = avg_terms.request_reminder_kind(case.deadline, today)
    privacy_reminders_run()
    kinds = list(DeadlineReminder.objects.filter(case_id=case.pk).values_list("kind", flat=True))
    assert kinds == ([expected] if expected else [])
    assert expected in ("before", "due", "overdue")
