"""The provider's written decision: three required parts, the PDF to the complainant, measures to done."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader

from casework.decision.pdf import decision_pdf
from casework.decision.services import (
    MeasureInput,
    decision_received_on,
    decision_validate,
    measure_mark_done,
)
from casework.decision.tasks import send_decision
from casework.index.models import CaseIndex, CaseStatus, Consent
from casework.models import AccessLogEntry, Complaint, Decision, Letter, Measure, TimelineEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tests.casework.accessors import PROVIDER, STAFF
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.factories_decision import (
    CONCLUSION,
    DECISIONS,
    TIMEFRAME,
    formal_complaint,
    login,
    record_decision,
)
from tests.support import World

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_decision_is_refused_without_its_three_parts(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    for missing in ("conclusion", "decisions_taken", "measures_timeframe"):
        with pytest.raises(ValidationError) as refused:
            record_decision(world.alpha, complaint, world.alpha_admin, **{missing: "   "})
        assert list(refused.value.error_dict) == [missing]
        assert refused.value.error_dict[missing][0].code == f"{missing}_required"
    with pytest.raises(ValidationError) as all_missing:
        record_decision(
            world.alpha,
            complaint,
            world.alpha_admin,
            conclusion="",
            decisions_taken="",
            measures_timeframe="",
        )
    assert set(all_missing.value.error_dict) == {"conclusion", "decisions_taken", "measures_timeframe"}
    with schema_context(world.alpha.schema_name):
        assert not Decision.objects.filter(complaint_id=complaint.pk).exists()
    assert CaseIndex.objects.get(reference=complaint.reference).decided_on is None


def test_decision_refuses_a_measure_without_a_due_date(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    with pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, complaint, world.alpha_admin, measures=[MeasureInput("Excuses", None)])
    assert refused.value.error_dict["measures"][0].code == "measure_due"


def test_decision_is_kept_as_pdf_in_the_dossier_announced_without_attachment_and_stops_the_clock(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    complaint, case = formal_complaint(world.alpha)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = record_decision(world.alpha, complaint, world.alpha_admin)
    assert CaseIndex.objects.get(pk=case.pk).decided_on == timezone.localdate()
    assert OutboxMessage.objects.filter(
        task_name="casework.tasks_closing.send_decision", sent_at__isnull=False
    ).exists()
    [message] = mail.outbox
    assert message.to == ["jan.jansen@example.nl"] and complaint.reference in message.subject
    # The e-mail for a decision has no attachment and nothing of the complaint or the decision:
    # it says a document is ready and links to the follow page.
    assert message.attachments == []
    assert WHAT_HAPPENED not in message.body and CONCLUSION not in message.body
    assert "Jan Jansen" not in message.body and "/volg/" in message.body
    with schema_context(world.alpha.schema_name):
        [letter] = Letter.objects.filter(complaint_id=complaint.pk)
        assert letter.kind == Letter.Kind.DECISION and letter.decision_id == decision.pk
        assert letter.delivery == Letter.Delivery.SECURE_LINK and letter.notified_at is not None
        text = " ".join(pdf_text(letter.file.read()).split())
        assert complaint.reference in text
        assert "De klacht is gegrond" in text and "rooster van de avonddienst" in text
        assert "Rooster avonddienst aanpassen" in text
        decision.refresh_from_db()
        assert decision.sent_at is not None
        kinds = list(TimelineEntry.objects.filter(complaint_id=complaint.pk).values_list("kind", flat=True))
        assert kinds[-2:] == ["decision_recorded", "decision_sent"]
        # Sending twice sends once.
        assert send_decision(decision_id=decision.pk) is False
    assert len(mail.outbox) == 1


def test_complainant_downloads_the_decision_from_the_follow_page(world: World, alpha_client: Client) -> None:
    result = submit(world.alpha, submission=submission(track="formal"))
    decision = record_decision(world.alpha, result.complaint, world.alpha_admin)
    with schema_context(world.alpha.schema_name):
        send_decision(decision_id=decision.pk)
        letter = Letter.objects.get(decision=decision)
    page = alpha_client.get(f"/volg/{result.follow_token}/").content.decode()
    url = f"/volg/{result.follow_token}/brieven/{letter.pk}/"
    assert url in page
    download = alpha_client.get(url)
    assert download.status_code == 200 and download["Cache-Control"].startswith("private")
    assert "De klacht is gegrond" in " ".join(pdf_text(download.content).split())
    # Without the secret link, nothing.
    assert alpha_client.get(f"/volg/not-a-token/brieven/{letter.pk}/").status_code == 404
    with schema_context(world.alpha.schema_name):
        assert AccessLogEntry.objects.filter(case_id=result.complaint.pk, subject="letter").exists()


def test_a_second_decision_is_refused(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    record_decision(world.alpha, complaint, world.alpha_admin)
    with pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, complaint, world.alpha_admin)
    assert refused.value.code == "already_decided"


def test_no_decision_on_a_complaint_without_consent(world: World) -> None:
    pending = submit(world.alpha, submission=submission(consent=Consent.PENDING)).complaint
    with pytest.raises(Complaint.DoesNotExist):
        record_decision(world.alpha, pending, world.alpha_admin)


def test_pdf_carries_the_reference_and_unicode_text(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha, complainant_name="Zoë ’t Hart")
    decision = record_decision(
        world.alpha, complaint, world.alpha_admin, conclusion="Gegrond – “te laat”, kosten € 25."
    )
    with schema_context(world.alpha.schema_name):
        data = decision_pdf(
            provider=world.alpha, complaint=Complaint.objects.get(pk=complaint.pk), decision=decision
        )
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert complaint.reference in text and "Zo" in text and "25" in text


def test_measures_are_tracked_to_done(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    due = timezone.localdate() + datetime.timedelta(days=14)
    decision = record_decision(
        world.alpha,
        complaint,
        world.alpha_admin,
        measures=[MeasureInput("Excuses in een gesprek", due), MeasureInput("Rooster aanpassen", due)],
    )
    with schema_context(world.alpha.schema_name):
        first, second = Measure.objects.filter(decision=decision).order_by("position")
    done = measure_mark_done(
        accessor=PROVIDER,
        provider=world.alpha,
        complaint_id=complaint.pk,
        measure_id=first.pk,
        actor=world.alpha_admin,
    )
    assert done.done_at is not None and done.done_by_user_id == world.alpha_admin.pk
    again = measure_mark_done(
        accessor=PROVIDER,
        provider=world.alpha,
        complaint_id=complaint.pk,
        measure_id=first.pk,
        actor=world.alpha_admin,
    )
    assert again.done_at == done.done_at
    with schema_context(world.alpha.schema_name):
        assert Measure.objects.get(pk=second.pk).done_at is None
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="measure_done").count() == 1


# Over HTTP, as the provider's admin (password and TOTP) on the provider's host.


def test_provider_records_the_decision_on_its_own_host(world: World, alpha_client: Client) -> None:
    complaint, _case = formal_complaint(world.alpha)
    login(alpha_client, world.alpha_admin.email)
    detail = alpha_client.get(f"/klachten/{complaint.reference}/")
    assert (
        detail.status_code == 200 and f"/klachten/{complaint.reference}/oordeel/" in detail.content.decode()
    )
    page = alpha_client.get(f"/klachten/{complaint.reference}/oordeel/")
    assert page.status_code == 200
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    form = {
        "conclusion": CONCLUSION,
        "decisions_taken": "",
        "measures_timeframe": TIMEFRAME,
        "decided_on": timezone.localdate().isoformat(),
        "measure-TOTAL_FORMS": "5",
        "measure-INITIAL_FORMS": "0",
        "measure-0-description": "Rooster avonddienst aanpassen",
        "measure-0-due_on": due,
    }
    refused = alpha_client.post(f"/klachten/{complaint.reference}/oordeel/", form)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "welke beslissingen" in html
    # Nothing typed is lost.
    assert (
        CONCLUSION in html and TIMEFRAME in html and "Rooster avonddienst aanpassen" in html and due in html
    )
    form["decisions_taken"] = DECISIONS
    done = alpha_client.post(f"/klachten/{complaint.reference}/oordeel/", form)
    assert done.status_code == 302 and done.url == f"/klachten/{complaint.reference}/"
    detail = alpha_client.get(done.url).content.decode()
    assert "Rooster avonddienst aanpassen" in detail and "Markeer als uitgevoerd" in detail
    pdf = alpha_client.get(f"/klachten/{complaint.reference}/oordeel.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with schema_context(world.alpha.schema_name):
        measure = Measure.objects.get(decision__complaint_id=complaint.pk)
    marked = alpha_client.post(f"/klachten/{complaint.reference}/maatregelen/{measure.pk}/gereed/")
    assert marked.status_code == 302
    with schema_context(world.alpha.schema_name):
        assert Measure.objects.get(pk=measure.pk).done_at is not None


def test_decision_page_is_404_without_consent_and_for_another_provider(
    world: World, alpha_client: Client, beta_client: Client
) -> None:
    pending = submit(world.alpha, submission=submission(consent=Consent.PENDING)).complaint
    consented, _case = formal_complaint(world.alpha)
    login(alpha_client, world.alpha_admin.email)
    assert alpha_client.get(f"/klachten/{pending.reference}/oordeel/").status_code == 404
    login(beta_client, world.beta_admin.email)
    assert beta_client.get(f"/klachten/{consented.reference}/oordeel/").status_code == 404
    assert beta_client.get(f"/klachten/{consented.reference}/termijn/").status_code == 404


def test_pdf_without_a_unicode_font_falls_back_to_plain_characters(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import casework.dossier.pdf

    monkeypatch.setattr(casework.dossier.pdf, "FONT_CANDIDATES", ())
    complaint, _case = formal_complaint(world.alpha)
    decision = record_decision(
        world.alpha, complaint, world.alpha_admin, conclusion="Gegrond – “te laat”, € 25 ĳs."
    )
    with schema_context(world.alpha.schema_name):
        data = decision_pdf(
            provider=world.alpha, complaint=Complaint.objects.get(pk=complaint.pk), decision=decision
        )
    text = pdf_text(data)
    assert complaint.reference in text and 'Gegrond - "te laat", EUR 25 ijs.' in text


# Decisions that cannot be bent: dated between receipt and today, never edited, only versioned.


def entered_days_ago(world: World, days: int) -> Complaint:
    """A formal, consented complaint whose letter arrived ``days`` ago."""
    from casework.index.models import Channel, Track
    from casework.intake.entry import coordinator_complaint_enter

    return coordinator_complaint_enter(
        accessor=STAFF,
        provider=world.alpha,
        submission=submission(track=Track.FORMAL, consent=Consent.GIVEN),
        channel=Channel.LETTER,
        received_on=timezone.localdate() - datetime.timedelta(days=days),
        coordinator_id=world.coordinator.pk,
        form_key=f"decision-dates-{days:04d}-0001",
    ).complaint


def test_backdated_decision_is_refused(world: World, alpha_client: Client) -> None:
    complaint = entered_days_ago(world, 10)
    before_receipt = timezone.localdate() - datetime.timedelta(days=11)
    with pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, complaint, world.alpha_admin, decided_on=before_receipt)
    assert refused.value.error_dict["decided_on"][0].code == "backdated"
    # The day of receipt itself is fine.
    record_decision(
        world.alpha,
        complaint,
        world.alpha_admin,
        decided_on=timezone.localdate() - datetime.timedelta(days=10),
    )


def test_backdated_decision_gets_a_clear_form_error(world: World, alpha_client: Client) -> None:
    complaint = entered_days_ago(world, 10)
    login(alpha_client, world.alpha_admin.email)
    form = {
        "conclusion": CONCLUSION,
        "decisions_taken": DECISIONS,
        "measures_timeframe": TIMEFRAME,
        "decided_on": (timezone.localdate() - datetime.timedelta(days=60)).isoformat(),
        "measure-TOTAL_FORMS": "5",
        "measure-INITIAL_FORMS": "0",
    }
    refused = alpha_client.post(f"/klachten/{complaint.reference}/oordeel/", form)
    assert refused.status_code == 400
    assert "kan niet vóór de ontvangst van de klacht" in refused.content.decode()
    with schema_context(world.alpha.schema_name):
        assert not Decision.objects.filter(complaint_id=complaint.pk).exists()


def test_future_decision_is_refused(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    with pytest.raises(ValidationError) as refused:
        record_decision(
            world.alpha,
            complaint,
            world.alpha_admin,
            decided_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert refused.value.error_dict["decided_on"][0].code == "future"
    assert CaseIndex.objects.get(reference=complaint.reference).decided_on is None


def test_a_sent_decision_cannot_be_edited(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    complaint, _case = formal_complaint(world.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        decision = record_decision(world.alpha, complaint, world.alpha_admin)
    with schema_context(world.alpha.schema_name):
        decision.refresh_from_db()
        assert decision.sent_at is not None
        decision.conclusion = "Toch ongegrond."
        with pytest.raises(PermissionError):
            decision.save()
        with pytest.raises(PermissionError):
            decision.save(update_fields=["conclusion"])
        assert Decision.objects.get(pk=decision.pk).conclusion == CONCLUSION


def test_a_new_decision_version_keeps_the_old_one(world: World, alpha_client: Client) -> None:
    from casework.decision.services import decision_revise

    complaint, case = formal_complaint(world.alpha)
    first = record_decision(world.alpha, complaint, world.alpha_admin)
    with pytest.raises(ValidationError) as no_reason:
        decision_revise(
            accessor=PROVIDER,
            provider=world.alpha,
            complaint_id=complaint.pk,
            actor=world.alpha_admin,
            reason="",
            conclusion="Deels gegrond.",
            decisions_taken=DECISIONS,
            measures_timeframe=TIMEFRAME,
        )
    assert "reason" in no_reason.value.error_dict
    second = decision_revise(
        accessor=PROVIDER,
        provider=world.alpha,
        complaint_id=complaint.pk,
        actor=world.alpha_admin,
        reason="Een rekenfout in de conclusie hersteld.",
        conclusion="De klacht is deels gegrond.",
        decisions_taken=DECISIONS,
        measures_timeframe=TIMEFRAME,
    )
    assert second.version == 2 and second.supersedes_id == first.pk
    with schema_context(world.alpha.schema_name):
        kept = Decision.objects.filter(complaint_id=complaint.pk).order_by("version")
        assert [(d.version, d.conclusion) for d in kept] == [
            (1, CONCLUSION),
            (2, "De klacht is deels gegrond."),
        ]
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="decision_revised").exists()
    # The day the decision was given stays the first version's.
    assert CaseIndex.objects.get(pk=case.pk).decided_on == first.decided_on
    login(alpha_client, world.alpha_admin.email)
    detail = alpha_client.get(f"/klachten/{complaint.reference}/").content.decode()
    assert "De klacht is deels gegrond." in detail and "Eerdere versies" in detail
    assert f"/klachten/{complaint.reference}/oordeel.pdf?versie=1" in detail
    old_pdf = alpha_client.get(f"/klachten/{complaint.reference}/oordeel.pdf?versie=1")
    assert old_pdf.status_code == 200 and "De klacht is gegrond" in " ".join(
        pdf_text(old_pdf.content).split()
    )
    page = alpha_client.get(f"/klachten/{complaint.reference}/oordeel/nieuwe-versie/")
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    # A third version through the provider's page, with its reason; all three are kept.
    form = {
        "reason": "De termijn voor de maatregelen is aangepast.",
        "conclusion": "De klacht is deels gegrond.",
        "decisions_taken": DECISIONS,
        "measures_timeframe": "Binnen zes weken.",
        "decided_on": timezone.localdate().isoformat(),
        "measure-TOTAL_FORMS": "5",
        "measure-INITIAL_FORMS": "0",
    }
    done = alpha_client.post(f"/klachten/{complaint.reference}/oordeel/nieuwe-versie/", form)
    assert done.status_code == 302 and done.url == f"/klachten/{complaint.reference}/"
    with schema_context(world.alpha.schema_name):
        third = Decision.objects.get(complaint_id=complaint.pk, version=3)
        assert third.supersedes_id == second.pk and third.measures_timeframe == "Binnen zes weken."
        assert Decision.objects.filter(complaint_id=complaint.pk).count() == 3
        assert (
            AccessLogEntry.objects.filter(case_id=complaint.pk, subject="decision", event="change").count()
            == 3
        )


def test_an_empty_decision_post_names_the_missing_fields(world: World, alpha_client: Client) -> None:
    # Found by the bad-input property test: an empty POST showed a blank form (400) without errors.
    complaint, _case = formal_complaint(world.alpha)
    login(alpha_client, world.alpha_admin.email)
    page = alpha_client.post(f"/klachten/{complaint.reference}/oordeel/", {})
    assert page.status_code == 400
    # The date is the form's own required field (the three parts are the service's to refuse).
    assert 'href="#id_decided_on"' in page.content.decode()


def test_each_refusal_of_a_decision_says_what_to_fix_in_plain_dutch() -> None:
    """The messages the provider reads next to the fields, one per problem, keyed by field."""
    day = datetime.date(2026, 3, 10)
    measures = [
        MeasureInput("", datetime.date(2026, 4, 1)),
        MeasureInput("Rooster aanpassen", None),
        MeasureInput("Excuses aanbieden", datetime.date(2026, 3, 9)),
        MeasureInput("Evaluatie", day),  # on the decision's own day: fine
    ]
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        decision_validate(
            conclusion=" ",
            decisions_taken="",
            measures_timeframe="\n",
            measures=measures,
            decided_on=day,
            received_on=datetime.date(2026, 3, 11),
            today=datetime.date(2026, 3, 9),
        )
    assert refused.value.message_dict == {
        "conclusion": ["Schrijf de conclusie over de klacht: is de klacht (deels) gegrond, en waarom?"],
        "decisions_taken": [
            "Schrijf welke beslissingen de zorgaanbieder naar aanleiding van de klacht neemt."
        ],
        "measures_timeframe": [
            "Schrijf binnen welke termijn de maatregelen worden uitgevoerd (of dat er geen "
            "maatregelen nodig zijn)."
        ],
        "measures": [
            "Maatregel 1: beschrijf de maatregel.",
            "Maatregel 2: geef de datum waarop de maatregel klaar is.",
            "Maatregel 3: de datum kan niet vóór de datum van het oordeel liggen.",
        ],
        "decided_on": [
            "De datum van het oordeel kan niet in de toekomst liggen.",
            "De datum van het oordeel kan niet vóór de ontvangst van de klacht (11-03-2026) liggen.",
        ],
    }
    codes = {field: [error.code for error in errors] for field, errors in refused.value.error_dict.items()}
    assert codes["measures"] == ["measure_description", "measure_due", "measure_due_past"]
    assert codes["decided_on"] == ["future", "backdated"]


def test_a_decision_takes_at_most_twenty_measures() -> None:
    day = datetime.date(2026, 3, 10)
    twenty = [MeasureInput(f"Maatregel {n}", day) for n in range(1, 21)]
    decision_validate(
        conclusion=CONCLUSION, decisions_taken=DECISIONS, measures_timeframe=TIMEFRAME,
        measures=twenty, decided_on=day, received_on=day, today=day,
    )  # fmt: skip
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        decision_validate(
            conclusion=CONCLUSION, decisions_taken=DECISIONS, measures_timeframe=TIMEFRAME,
            measures=[*twenty, MeasureInput("Nog een", day)], decided_on=day, received_on=day, today=day,
        )  # fmt: skip
    assert refused.value.message_dict == {"measures": ["Neem ten hoogste 20 maatregelen op."]}
    assert refused.value.error_dict["measures"][0].code == "too_many"


def test_a_decision_counts_from_the_formal_receipt_else_the_first_receipt_in_amsterdam() -> None:
    late_evening = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)  # 2 March in Amsterdam
    assert decision_received_on(Complaint(received_at=late_evening)) == datetime.date(2026, 3, 2)
    formal = Complaint(received_at=late_evening, formal_received_on=datetime.date(2026, 3, 20))
    assert decision_received_on(formal) == datetime.date(2026, 3, 20)


def _revise(world: World, complaint: Complaint, **overrides: Any) -> Decision:
    from casework.decision.services import decision_revise

    values: dict[str, Any] = {
        "reason": "Een rekenfout hersteld.",
        "conclusion": "De klacht is deels gegrond.",
        "decisions_taken": DECISIONS,
        "measures_timeframe": TIMEFRAME,
    }
    values.update(overrides)
    return decision_revise(
        accessor=PROVIDER, provider=world.alpha, complaint_id=complaint.pk, actor=world.alpha_admin, **values
    )


def test_a_new_version_needs_a_reason_and_an_earlier_decision(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    with translation.override("nl"), pytest.raises(ValidationError) as nothing_to_follow:
        _revise(world, complaint)
    assert nothing_to_follow.value.code == "no_decision"
    assert nothing_to_follow.value.messages == ["Er is nog geen oordeel om op te volgen."]
    record_decision(world.alpha, complaint, world.alpha_admin)
    with translation.override("nl"), pytest.raises(ValidationError) as no_reason:
        _revise(world, complaint, reason="  ")
    assert no_reason.value.message_dict == {"reason": ["Geef de reden voor de nieuwe versie."]}
    # The day it is given counts as today for the version too: a later date is in the future.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as future:
        _revise(world, complaint, decided_on=timezone.localdate(), today=yesterday)
    assert [error.code for error in future.value.error_dict["decided_on"]] == ["future"]


def test_no_decision_on_a_closed_case(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(status=CaseStatus.CLOSED)
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, complaint, world.alpha_admin)
    assert refused.value.code == "closed" and refused.value.messages == ["Deze zaak is afgesloten."]


def test_the_timeline_records_each_version_with_what_it_follows(world: World) -> None:
    """The timeline stores the event's facts (rendered when shown), for each version."""
    complaint, _case = formal_complaint(world.alpha)
    first = record_decision(
        world.alpha, complaint, world.alpha_admin, measures=[MeasureInput("Excuses", timezone.localdate())]
    )
    second = _revise(world, complaint)
    with schema_context(world.alpha.schema_name):
        entries = {
            entry.kind: entry.data
            for entry in TimelineEntry.objects.filter(
                complaint_id=complaint.pk, kind__in=["decision_recorded", "decision_revised"]
            )
        }
    today = timezone.localdate().isoformat()
    recorded = {
        "decision_id": first.pk,
        "reason": "",
        "version": 1,
        "supersedes": None,
        "decided_on": today,
        "measures": 1,
    }
    revised = {
        "decision_id": second.pk,
        "reason": "Een rekenfout hersteld.",
        "version": 2,
        "supersedes": first.pk,
        "decided_on": today,
        "measures": 0,
    }
    assert entries == {"decision_recorded": recorded, "decision_revised": revised}


def test_a_measure_due_before_the_decision_is_refused_on_its_own() -> None:
    day = datetime.date(2026, 3, 10)
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        decision_validate(
            conclusion=CONCLUSION, decisions_taken=DECISIONS, measures_timeframe=TIMEFRAME,
            measures=[MeasureInput("Excuses aanbieden", day - datetime.timedelta(days=1))],
            decided_on=day, received_on=day, today=day,
        )  # fmt: skip
    assert refused.value.message_dict == {
        "measures": ["Maatregel 1: de datum kan niet vóór de datum van het oordeel liggen."]
    }


def test_a_measure_with_only_a_date_is_refused_and_an_empty_one_is_left_out(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    later = timezone.localdate() + datetime.timedelta(days=30)
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, complaint, world.alpha_admin, measures=[MeasureInput(" ", later)])
    assert refused.value.message_dict == {"measures": ["Maatregel 1: beschrijf de maatregel."]}
    decision = record_decision(world.alpha, complaint, world.alpha_admin, measures=[MeasureInput("  ", None)])
    with schema_context(world.alpha.schema_name):
        assert not Measure.objects.filter(decision_id=decision.pk).exists()


def test_a_decision_keeps_who_recorded_it_its_language_and_the_day_it_was_given(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)  # a Dutch complaint
    # The service's "today" is the day the decision is given when no other day is named.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    first = record_decision(world.alpha, complaint, world.alpha_admin, language="en", today=tomorrow)
    assert first.decided_on == tomorrow
    assert (first.language, first.revision_reason) == ("en", "")
    assert first.recorded_by_user_id == world.alpha_admin.pk
    assert first.recorded_by_label == str(world.alpha_admin)[:120] != ""
    second = _revise(world, complaint, reason="  Een rekenfout hersteld.  ", language="en", today=tomorrow)
    assert (second.language, second.revision_reason) == ("en", "Een rekenfout hersteld.")
    assert second.decided_on == tomorrow and second.supersedes_id == first.pk
    assert second.recorded_by_user_id == world.alpha_admin.pk
    assert second.recorded_by_label == str(world.alpha_admin)[:120]
    # A language the letter cannot be written in falls back to the complainant's, else Dutch.
    assert _revise(world, complaint, language="fr").language == "nl"
    english, _case = formal_complaint(world.alpha, language="en")
    assert record_decision(world.alpha, english, world.alpha_admin).language == "en"
    unknown, _case = formal_complaint(world.alpha)
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=unknown.pk).update(language="")
    assert record_decision(world.alpha, unknown, world.alpha_admin).language == "nl"


def test_a_second_decision_and_a_reasonless_version_are_refused_with_their_codes(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    record_decision(world.alpha, complaint, world.alpha_admin)
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, complaint, world.alpha_admin)
    assert refused.value.messages == [
        "Op deze klacht is al een oordeel vastgelegd. Leg zo nodig een nieuwe versie vast."
    ]
    with pytest.raises(ValidationError) as no_reason:
        _revise(world, complaint, reason="")
    assert [error.code for error in no_reason.value.error_dict["reason"]] == ["reason_required"]


def _sign_off(world: World, complaint: Complaint, *, binding: bool) -> None:
    from casework.models import CommitteeAdvice, CommitteeSignOff

    with schema_context(world.alpha.schema_name):
        advice = CommitteeAdvice.objects.create(
            complaint=complaint, advice="De klacht is gegrond.", issued_at=timezone.now()
        )
        CommitteeSignOff.objects.create(
            advice=advice, binding=binding, chair_user_id=world.coordinator.pk, chair_label="Voorzitter",
            signed_at=timezone.now(),
        )  # fmt: skip


def test_the_provider_gives_no_decision_of_its_own_after_a_binding_committee_decision(world: World) -> None:
    bound, _case = formal_complaint(world.alpha)
    _sign_off(world, bound, binding=True)
    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        record_decision(world.alpha, bound, world.alpha_admin)
    assert refused.value.code == "committee_decided"
    assert refused.value.messages == [
        "De klachtencommissie heeft over deze klacht een bindende beslissing genomen."
    ]
    # Advice that does not bind (the Wkkgz) leaves the decision to the provider,
    advised, _case = formal_complaint(world.alpha)
    _sign_off(world, advised, binding=False)
    assert record_decision(world.alpha, advised, world.alpha_admin).version == 1
    # and another complaint's binding decision does not touch this one.
    free, _case = formal_complaint(world.alpha)
    assert record_decision(world.alpha, free, world.alpha_admin).version == 1


def _mark(world: World, complaint: Complaint, measure_id: int, actor: Any) -> Measure:
    return measure_mark_done(
        accessor=PROVIDER, provider=world.alpha, complaint_id=complaint.pk, measure_id=measure_id, actor=actor
    )


def test_each_version_and_each_measure_done_names_its_writer_on_the_timeline_and_in_the_access_log(
    world: World,
) -> None:
    from tests.casework.procedure_support import access_log_mark, log_entries

    access_log_mark(world.alpha)
    complaint, _case = formal_complaint(world.alpha)
    due = timezone.localdate() + datetime.timedelta(days=14)
    first = record_decision(
        world.alpha, complaint, world.alpha_admin, measures=[MeasureInput("Excuses", due)]
    )
    second = _revise(world, complaint, measures=[MeasureInput("Rooster aanpassen", due)])
    with schema_context(world.alpha.schema_name):
        old_measure = Measure.objects.get(decision=first)
        new_measure = Measure.objects.get(decision=second)
    done = _mark(world, complaint, new_measure.pk, world.alpha_admin)
    assert done.done_by_user_id == world.alpha_admin.pk
    with schema_context(world.alpha.schema_name):
        entries = TimelineEntry.objects.filter(
            complaint_id=complaint.pk, kind__in=["decision_recorded", "decision_revised", "measure_done"]
        ).order_by("pk")
        named = [(e.kind, e.actor_user_id, e.actor_label, e.visibility) for e in entries]
        measure_data = entries.get(kind="measure_done").data
    writer = (world.alpha_admin.pk, str(world.alpha_admin))
    assert named == [
        (kind, *writer, TimelineEntry.Visibility.ALL)
        for kind in ("decision_recorded", "decision_revised", "measure_done")
    ]
    assert measure_data == {"measure_id": new_measure.pk, "description": "Rooster aanpassen"}
    logged = [(e.subject, e.detail) for e in log_entries(world.alpha, subject__in=["decision", "measure"])]
    assert logged == [
        ("decision", f"decision {first.pk} version 1"),
        ("decision", f"decision {second.pk} version 2"),
        ("measure", f"measure {new_measure.pk}"),
    ]
    # A measure of the version that was followed up, or of another complaint, is not this one's to mark.
    with pytest.raises(Measure.DoesNotExist):
        _mark(world, complaint, old_measure.pk, world.alpha_admin)
    other, _case = formal_complaint(world.alpha)
    with pytest.raises(Measure.DoesNotExist):
        _mark(world, other, new_measure.pk, world.alpha_admin)


def test_a_decision_and_a_measure_done_by_nobody_name_nobody(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    due = timezone.localdate() + datetime.timedelta(days=14)
    decision = record_decision(world.alpha, complaint, None, measures=[MeasureInput("Excuses", due)])
    assert (decision.recorded_by_user_id, decision.recorded_by_label) == (None, "")
    with schema_context(world.alpha.schema_name):
        measure = Measure.objects.get(decision=decision)
    assert _mark(world, complaint, measure.pk, None).done_by_user_id is None


def test_measures_keep_their_order_and_long_texts_are_cut_to_their_columns(world: World) -> None:
    from accounts.services import user_create

    long_name = "Mr. " + "B" * 130
    writer = user_create(email="long.name@alpha.test", password="x" * 16, display_name=long_name)
    complaint, _case = formal_complaint(world.alpha)
    due = timezone.localdate() + datetime.timedelta(days=14)
    texts = ["Excuses", "E" * 600, "Rooster aanpassen"]
    decision = record_decision(world.alpha, complaint, writer, measures=[MeasureInput(t, due) for t in texts])
    assert decision.recorded_by_label == long_name[:120]
    with schema_context(world.alpha.schema_name):
        stored = list(Measure.objects.filter(decision=decision).order_by("position"))
    assert [(m.position, m.description) for m in stored] == [
        (0, "Excuses"),
        (1, "E" * 500),
        (2, "Rooster aanpassen"),
    ]
