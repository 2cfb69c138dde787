"""The committee procedure: a hearing with both parties, a judgement per complaint part, the advice,
and the provider's final decision after it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from casework.dossier.events import entry_text
from casework.index.models import CaseIndex, CaseStatus, Service
from casework.models import CommitteeAdvice, ComplaintPart, Meeting, TimelineEntry
from casework.procedures.committee import committee_advice_issue, complaint_part_add, complaint_part_judge
from casework.procedures.mediation import meeting_schedule
from tenants.clusters import schema_context
from tests.casework.factories import WHAT_HAPPENED
from tests.casework.factories_decision import record_decision
from tests.casework.procedure_support import (
    access_log_mark,
    complaint_of,
    follow_token,
    professional_client,
    provider_login,
    staff_accessor,
    worked_case,
)
from tests.casework.test_mediation import meeting_post, next_week_at
from tests.conftest import host_client
from tests.support import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_access_log(world: World) -> None:
    access_log_mark(world.alpha, world.beta)


def test_hearing_is_planned_with_both_parties_and_sent_as_ics(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, member = worked_case(world, service=Service.COMMITTEE)
    client = professional_client(member)
    page = client.get(f"/werkplek/zaken/{case.reference}/bemiddeling/").content.decode()
    assert 'value="hearing"' in page and 'value="phone"' not in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/werkplek/zaken/{case.reference}/bemiddeling/gesprek/", meeting_post(kind="hearing")
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert "Hoorzitting" in message.subject and WHAT_HAPPENED not in message.body
        [(_name, content, _type)] = message.attachments
        [event] = Calendar.from_ical(content).walk("VEVENT")
        assert str(event["SUMMARY"]).startswith("Hoorzitting") and case.reference in str(event["SUMMARY"])
    with schema_context(world.alpha.schema_name):
        assert Meeting.objects.get(complaint_id=case.case_id).kind == Meeting.Kind.HEARING


def test_a_hearing_needs_both_parties(world: World) -> None:
    case, member = worked_case(world, service=Service.COMMITTEE)
    with pytest.raises(ValidationError) as refusal:
        meeting_schedule(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(member, "committee"),
            kind=Meeting.Kind.HEARING,
            starts_at=next_week_at(10),
            ends_at=next_week_at(12),
            location="Vergaderzaal",
            with_complainant=True,
        )
    assert refusal.value.code == "hearing_parties"


def test_committee_judges_each_part_and_issues_its_advice(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, member = worked_case(world, service=Service.COMMITTEE)
    CaseIndex.objects.filter(pk=case.pk).update(status=CaseStatus.IN_MEDIATION)
    client = professional_client(member)
    base = f"/werkplek/zaken/{case.reference}/bemiddeling/"
    for text in ("Medicatie drie avonden te laat gegeven", "Niet teruggebeld door de teamleider"):
        assert client.post(base + "klachtonderdelen/", {"part-text": text}).status_code == 302
    with schema_context(world.alpha.schema_name):
        first, second = ComplaintPart.objects.filter(complaint_id=case.case_id)
    assert (first.position, second.position) == (1, 2)

    # Drafts are the committee's own: the parties see nothing yet.
    token = follow_token(case)
    assert (
        "Medicatie drie avonden" not in host_client(world.alpha_host).get(f"/volg/{token}/").content.decode()
    )
    provider = provider_login(world)
    assert "Gegrond" not in provider.get(f"/klachten/{case.reference}/").content.decode()

    judged = client.post(
        base + f"klachtonderdelen/{first.pk}/oordeel/",
        {
            f"part-{first.pk}-judgement": "founded",
            f"part-{first.pk}-reasoning": "Uit het rooster blijkt het.",
        },
    )
    assert judged.status_code == 302
    # Issuing is refused while a part has no reasoned judgement.
    refused = client.post(base + "advies/", {"advice-advice": "Pas het rooster aan."})
    assert refused.status_code == 400 and "gemotiveerd oordeel: 2" in refused.content.decode()
    missing = client.post(
        base + f"klachtonderdelen/{second.pk}/oordeel/",
        {f"part-{second.pk}-judgement": "partly_founded", f"part-{second.pk}-reasoning": ""},
    )
    assert missing.status_code == 400
    client.post(
        base + f"klachtonderdelen/{second.pk}/oordeel/",
        {
            f"part-{second.pk}-judgement": "partly_founded",
            f"part-{second.pk}-reasoning": "Er is één keer teruggebeld, te laat.",
        },
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issued = client.post(
            base + "advies/", {"advice-advice": "De commissie adviseert het rooster aan te passen."}
        )
    assert issued.status_code == 302
    with schema_context(world.alpha.schema_name):
        advice = CommitteeAdvice.objects.get(complaint_id=case.case_id)
        [entry] = TimelineEntry.objects.filter(complaint_id=case.case_id, kind="committee_advice")
    assert advice.issued_by_user_id == member.pk
    assert entry.visibility == TimelineEntry.Visibility.ALL and "1: gegrond; 2: deels gegrond" in entry_text(
        entry
    )
    assert complaint_of(case).status == CaseStatus.DECISION
    assert CaseIndex.objects.get(pk=case.pk).status == CaseStatus.DECISION

    # Both parties are told (a link only) and read the judgement per part.
    recipients = {m.to[0] for m in mail.outbox}
    assert {"jan.jansen@example.nl", world.alpha_admin.email} <= recipients
    assert all("rooster" not in m.body for m in mail.outbox)
    follow = host_client(world.alpha_host).get(f"/volg/{token}/").content.decode()
    for text in (
        "Medicatie drie avonden",
        "Gegrond",
        "Deels gegrond",
        "Uit het rooster blijkt het",
        "adviseert",
    ):
        assert text in follow
    detail = provider.get(f"/klachten/{case.reference}/").content.decode()
    assert "Deels gegrond" in detail and "adviseert het rooster" in detail

    # The judgements are fixed once issued.
    with pytest.raises(ValidationError):
        complaint_part_judge(
            provider=world.alpha,
            complaint_id=case.case_id,
            part_id=first.pk,
            accessor=staff_accessor(member, "committee"),
            judgement="unfounded",
            reasoning="Toch niet",
        )
    with pytest.raises(ValidationError):
        complaint_part_add(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(member, "committee"),
            text="x",
        )

    # Then the provider gives its final written decision, which the committee's page shows.
    page = client.get(base).content.decode()
    assert "legt zijn schriftelijke oordeel vast" in page
    record_decision(world.alpha, complaint_of(case), world.alpha_admin, decided_on=timezone.localdate())
    page = client.get(base).content.decode()
    assert "gaf zijn schriftelijke oordeel op" in page


def test_advice_needs_parts(world: World) -> None:
    case, member = worked_case(world, service=Service.COMMITTEE)
    with pytest.raises(ValidationError) as refusal:
        committee_advice_issue(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(member, "committee"),
            advice="Advies zonder onderdelen",
        )
    assert refusal.value.code == "no_parts"


def test_only_the_committee_member_records_judgements(world: World) -> None:
    case, officer = worked_case(world, service=Service.OFFICER)
    response = professional_client(officer).post(
        f"/werkplek/zaken/{case.reference}/bemiddeling/klachtonderdelen/", {"part-text": "Onderdeel"}
    )
    assert response.status_code == 404
