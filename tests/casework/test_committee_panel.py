"""The committee as a panel: formed through matching's checks, a written round, a hearing with the
whole panel, a deliberation only the panel reads, the chair's sign-off, and under the Wzd the
committee's own two-week term with its reminders to the panel."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from icalendar import Calendar

from accounts.models import ConflictOfInterest, Qualification, User
from casework.closing.services import case_close
from casework.deadlines.reminders import deadline_reminder_send, deadline_reminders_run
from casework.index.models import CaseIndex, CaseStatus, DeadlineReminder, Service, Track
from casework.models import (
    ClosingNotice,
    CommitteeSignOff,
    ComplaintPart,
    DeliberationNote,
    HearingReport,
    Meeting,
    PanelMember,
    TimelineEntry,
)
from casework.procedures.panel import (
    deliberation_note_add,
    hearing_report_record,
    hearing_schedule,
    panel_form,
    panel_judgement_sign,
)
from casework.timesheets.models import TimeEntry
from reference.deadline_rules import atw_term_end, decision_deadline
from tenants.clusters import schema_context
from tenants.services import api_key_create
from tests.casework.accessors import STAFF
from tests.casework.factories_decision import record_decision
from tests.casework.factories_professionals import make_professional, staff_client
from tests.casework.procedure_support import (
    access_log_mark,
    complaint_of,
    follow_token,
    provider_login,
    staff_accessor,
    worked_case,
)
from tests.conftest import host_client
from tests.support import World

pytestmark = pytest.mark.django_db

DELIBERATION = "Het panel twijfelt of het rooster de oorzaak is."
MINUTES = "De teamleider erkende ter zitting dat het rooster krap was."


@pytest.fixture(autouse=True)
def _fresh_access_log(world: World) -> None:
    access_log_mark(world.alpha, world.beta)


def _committee_professional(name: str = "", **kwargs: object) -> User:
    return make_professional(name, qualifications=[Qualification.COMMITTEE], totp=True, **kwargs).user  # type: ignore[arg-type]


def _panel(world: World, **case_overrides: object) -> tuple[CaseIndex, dict[str, User]]:
    """A committee case held by its chair, with a panel of chair, two members and a secretary."""
    case, chair = worked_case(world, service=Service.COMMITTEE, **case_overrides)
    people = {
        "chair": chair,
        "member1": _committee_professional(),
        "member2": _committee_professional(),
        # The secretary needs no committee qualification.
        "secretary": make_professional(qualifications=[], totp=True).user,
    }
    panel_form(
        case=case,
        chair_id=chair.pk,
        member_ids=[people["member1"].pk, people["member2"].pk],
        secretary_id=people["secretary"].pk,
        accessor=staff_accessor(world.coordinator, "coordinator"),
    )
    return case, people


def _conflicted(world: World) -> User:
    professional = make_professional("Conflicted Lid", qualifications=[Qualification.COMMITTEE], totp=True)
    ConflictOfInterest.objects.create(
        professional=professional, provider=world.alpha, reason="werkte hier tot 2024"
    )
    return professional.user


# --- Formation ---------------------------------------------------------------------


def test_panel_cannot_be_formed_with_a_member_who_has_a_conflict_with_the_provider(world: World) -> None:
    case, chair = worked_case(world, service=Service.COMMITTEE)
    conflicted = _conflicted(world)
    other = _committee_professional()
    secretary = make_professional(qualifications=[], totp=True).user

    with pytest.raises(ValidationError) as refused:
        panel_form(
            case=case,
            chair_id=chair.pk,
            member_ids=[conflicted.pk, other.pk],
            secretary_id=secretary.pk,
            accessor=staff_accessor(world.coordinator, "coordinator"),
        )
    assert "Belangenverstrengeling met Zorg Alpha: werkte hier tot 2024" in " ".join(refused.value.messages)
    with schema_context(world.alpha.schema_name):
        assert not PanelMember.objects.filter(complaint_id=case.case_id).exists()

    # Nor as secretary, nor through the coordinator's page, which shows why.
    coordinator = staff_client(world.coordinator)
    url = f"/werkplek/zaken/{case.reference}/commissie/samenstellen/"
    page = coordinator.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Conflicted Lid" in html and "Belangenverstrengeling met Zorg Alpha" in html
    posted = coordinator.post(
        url, {"chair": chair.pk, "members": [other.pk, conflicted.pk], "secretary": secretary.pk}
    )
    assert posted.status_code == 400
    posted = coordinator.post(url, {"chair": chair.pk, "members": [other.pk], "secretary": conflicted.pk})
    assert posted.status_code == 400
    with schema_context(world.alpha.schema_name):
        assert not PanelMember.objects.filter(complaint_id=case.case_id).exists()


def test_coordinator_forms_a_panel_with_the_reasons_kept(world: World) -> None:
    case, chair = worked_case(world, service=Service.COMMITTEE)
    members = [_committee_professional(), _committee_professional()]
    secretary = make_professional(qualifications=[], totp=True).user
    response = staff_client(world.coordinator).post(
        f"/werkplek/zaken/{case.reference}/commissie/samenstellen/",
        {"chair": chair.pk, "members": [m.pk for m in members], "secretary": secretary.pk},
    )
    assert response.status_code == 302 and response.url.endswith(
        f"/werkplek/zaken/{case.reference}/commissie/"
    )
    with schema_context(world.alpha.schema_name):
        seats = {seat.user_id: seat for seat in PanelMember.objects.filter(complaint_id=case.case_id)}
        entry = TimelineEntry.objects.get(complaint_id=case.case_id, kind="panel_formed")
    assert {uid: s.role for uid, s in seats.items()} == {
        chair.pk: "chair",
        members[0].pk: "member",
        members[1].pk: "member",
        secretary.pk: "secretary",
    }
    assert any("Spreekt" in reason for reason in seats[members[0].pk].reasons)
    assert entry.visibility == TimelineEntry.Visibility.STAFF


def test_panel_needs_two_members_besides_the_chair(world: World) -> None:
    case, chair = worked_case(world, service=Service.COMMITTEE)
    with pytest.raises(ValidationError, match="twee leden"):
        panel_form(
            case=case,
            chair_id=chair.pk,
            member_ids=[_committee_professional().pk],
            secretary_id=make_professional(qualifications=[]).user.pk,
            accessor=STAFF,
        )


# --- The deliberation is the panel's alone -----------------------------------------------


def _provider_reference_routes() -> list[str]:
    """Every provider-host GET route that takes only a case reference (the pages that show a case)."""
    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:  # type: ignore[type-arg]
        for item in patterns:
            if isinstance(item, URLResolver):
                walk(item.url_patterns, prefix + str(item.pattern))
            elif isinstance(item, URLPattern):
                route = prefix + str(item.pattern)
                if "<str:reference>" in route and route.count("<") == 1:
                    found.append("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver(settings.ROOT_URLCONF).url_patterns, "")
    return found


def test_provider_sees_the_committee_deliberation_nowhere(world: World) -> None:
    case, people = _panel(world)
    provider = world.alpha
    deliberation_note_add(
        provider=provider,
        complaint_id=case.case_id,
        accessor=staff_accessor(people["member1"], "committee"),
        text=DELIBERATION,
    )
    with schema_context(provider.schema_name):
        meeting = Meeting.objects.create(
            complaint_id=case.case_id,
            kind=Meeting.Kind.HEARING,
            starts_at=timezone.now() - datetime.timedelta(hours=2),
            ends_at=timezone.now() - datetime.timedelta(hours=1),
            location="Utrecht",
            provider_contact_email="devries@alpha.test",
            uid="hearing-test@klachtpunt",
            created_at=timezone.now(),
        )
    hearing_report_record(
        provider=provider,
        complaint_id=case.case_id,
        meeting_id=meeting.pk,
        accessor=staff_accessor(people["secretary"], "committee"),
        present=["complainant", "provider", f"panel-{people['chair'].pk}"],
        minutes=MINUTES,
    )

    # The provider's decision maker reads the dossier, the API and every page that shows the case.
    client = provider_login(world)
    routes = _provider_reference_routes()
    assert "/klachten/<str:reference>/" in routes
    pages = [route.replace("<str:reference>", case.reference) for route in routes]
    pages += ["/klachten/", "/klachten/export.csv", "/instellingen/toegangslog/"]
    seen = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.content.decode(errors="replace")
        assert DELIBERATION not in body and MINUTES not in body, url
        seen += response.status_code == 200
    assert seen >= 3
    _key, raw = api_key_create(provider=provider, name="EPD", created_by=world.alpha_admin)
    api = host_client(world.alpha_host)
    for url in ("/api/v1/cases", f"/api/v1/cases/{case.reference}"):
        response = api.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200, url
        body = response.content.decode()
        assert DELIBERATION not in body and MINUTES not in body, url
    # Nor the complainant, nor a coordinator who is not on the panel.
    follow = host_client(world.alpha_host).get(f"/volg/{follow_token(case)}/").content.decode()
    assert DELIBERATION not in follow and MINUTES not in follow
    coordinator_page = staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/commissie/")
    assert coordinator_page.status_code == 200
    assert DELIBERATION not in coordinator_page.content.decode()
    # The panel reads both.
    member_page = staff_client(people["member2"]).get(f"/werkplek/zaken/{case.reference}/commissie/")
    assert DELIBERATION in member_page.content.decode() and MINUTES in member_page.content.decode()
    # And nothing of it reached a timeline.
    with schema_context(provider.schema_name):
        summaries = " ".join(
            TimelineEntry.objects.filter(complaint_id=case.case_id).values_list("summary", flat=True)
        )
    assert DELIBERATION not in summaries and MINUTES not in summaries


def test_someone_off_the_panel_cannot_deliberate(world: World) -> None:
    case, _people = _panel(world)
    outsider = _committee_professional()
    with pytest.raises(ValidationError, match="panel"):
        deliberation_note_add(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(outsider, "committee"),
            text=DELIBERATION,
        )
    assert staff_client(outsider).get(f"/werkplek/zaken/{case.reference}/commissie/").status_code == 404
    with schema_context(world.alpha.schema_name):
        assert not DeliberationNote.objects.filter(complaint_id=case.case_id).exists()


# --- The hearing -----------------------------------------------------------------------


def test_secretary_schedules_the_hearing_and_everyone_gets_an_ics(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    case, people = _panel(world)
    starts = timezone.now() + datetime.timedelta(days=7)
    with pytest.raises(ValidationError, match="secretaris"):
        hearing_schedule(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(people["member1"], "committee"),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            location="Utrecht",
            provider_contact_name="Mevrouw De Vries",
            provider_contact_email="devries@alpha.test",
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        hearing_schedule(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(people["secretary"], "committee"),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            location="Stationsplein 1, Utrecht",
            provider_contact_name="Mevrouw De Vries",
            provider_contact_email="devries@alpha.test",
        )
    recipients = {message.to[0] for message in mail.outbox}
    assert recipients == {
        "jan.jansen@example.nl",
        "devries@alpha.test",
        *(person.email for person in people.values()),
    }
    for message in mail.outbox:
        [(_name, content, _type)] = message.attachments
        [event] = Calendar.from_ical(content).walk("VEVENT")
        assert str(event["SUMMARY"]).startswith("Hoorzitting")


def test_attendance_is_recorded_only_once_the_hearing_began(world: World) -> None:
    case, people = _panel(world)
    with schema_context(world.alpha.schema_name):
        meeting = Meeting.objects.create(
            complaint_id=case.case_id,
            kind=Meeting.Kind.HEARING,
            starts_at=timezone.now() + datetime.timedelta(days=1),
            ends_at=timezone.now() + datetime.timedelta(days=1, hours=1),
            location="Utrecht",
            provider_contact_email="devries@alpha.test",
            uid="hearing-later@klachtpunt",
            created_at=timezone.now(),
        )
    kwargs = {
        "provider": world.alpha,
        "complaint_id": case.case_id,
        "meeting_id": meeting.pk,
        "accessor": staff_accessor(people["secretary"], "committee"),
        "present": ["complainant"],
        "minutes": MINUTES,
    }
    with pytest.raises(ValidationError, match="begonnen"):
        hearing_report_record(**kwargs)  # type: ignore[arg-type]
    report = hearing_report_record(**kwargs, now=meeting.starts_at + datetime.timedelta(minutes=5))  # type: ignore[arg-type]
    assert [row["who"] for row in report.attendance if row["present"]] == ["complainant"]
    assert {row["who"] for row in report.attendance} == {
        "chair",
        "member",
        "secretary",
        "complainant",
        "provider",
    }
    with schema_context(world.alpha.schema_name):
        assert HearingReport.objects.get(meeting=meeting).minutes == MINUTES


# --- The chair's sign-off, and the Wzd's own term ---------------------------------------------


def _judge_all(world: World, case: CaseIndex, people: dict[str, User]) -> None:
    from casework.procedures.committee import complaint_part_add, complaint_part_judge

    part = complaint_part_add(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=staff_accessor(people["member1"], "committee"),
        text="Medicatie te laat gegeven",
    )
    complaint_part_judge(
        provider=world.alpha,
        complaint_id=case.case_id,
        part_id=part.pk,
        accessor=staff_accessor(people["member2"], "committee"),
        judgement=ComplaintPart.Judgement.FOUNDED,
        reasoning="Uit het rooster blijkt het.",
    )


def test_only_the_chair_signs_and_under_the_wkkgz_the_provider_then_decides(world: World) -> None:
    case, people = _panel(world)
    _judge_all(world, case, people)
    with pytest.raises(ValidationError, match="voorzitter"):
        panel_judgement_sign(
            provider=world.alpha,
            complaint_id=case.case_id,
            accessor=staff_accessor(people["member1"], "committee"),
            advice="Gegrond.",
        )
    sign_off = panel_judgement_sign(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=staff_accessor(people["chair"], "committee"),
        advice="Gegrond.",
        recommendations="Pas het rooster aan.",
    )
    assert sign_off.binding is False and sign_off.chair_user_id == people["chair"].pk
    assert complaint_of(case).status == CaseStatus.DECISION
    assert CaseIndex.objects.get(pk=case.pk).decided_on is None
    # Both parties read the judgement per part and the recommendations, signed by the chair.
    provider_page = provider_login(world).get(f"/klachten/{case.reference}/").content.decode()
    follow_page = host_client(world.alpha_host).get(f"/volg/{follow_token(case)}/").content.decode()
    for page in (provider_page, follow_page):
        assert "Pas het rooster aan." in page and "Uit het rooster blijkt het." in page
        assert people["chair"].display_name in page


def test_wzd_committee_decision_is_due_two_weeks_after_receipt_and_reminds_the_panel(world: World) -> None:
    case, people = _panel(world, law="wzd", track=Track.FORMAL)
    received = complaint_of(case).formal_received_on
    assert received is not None
    case.refresh_from_db()
    assert (
        case.deadline
        == decision_deadline(received, "wzd")
        == atw_term_end(received + datetime.timedelta(weeks=2))
    )

    mail.outbox.clear()
    assert deadline_reminders_run(today=case.deadline) == 1
    [reminder] = DeadlineReminder.objects.filter(case=case)
    assert reminder.kind == "due"
    deadline_reminder_send(reminder_id=reminder.pk)
    recipients = {message.to[0] for message in mail.outbox}
    assert recipients == {person.email for person in people.values()}
    assert world.alpha_admin.email not in recipients  # the provider's decision maker does not decide here

    # The chair's signature is the decision: the case reads decided and the reminders stop.
    _judge_all(world, case, people)
    sign_off = panel_judgement_sign(
        provider=world.alpha,
        complaint_id=case.case_id,
        accessor=staff_accessor(people["chair"], "committee"),
        advice="De klacht is gegrond.",
        today=received,
    )
    assert sign_off.binding is True
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decided_on == received
    assert deadline_reminders_run(today=case.deadline + datetime.timedelta(days=1)) == 0
    with schema_context(world.alpha.schema_name):
        assert CommitteeSignOff.objects.filter(advice__complaint_id=case.case_id, binding=True).exists()
    # The provider gives no decision of its own; the committee's closes the formal complaint.
    with pytest.raises(ValidationError, match="bindende beslissing"):
        record_decision(world.alpha, complaint_of(case), world.alpha_admin)
    case_close(
        provider=world.alpha,
        complaint_id=case.case_id,
        actor=world.coordinator,
        accessor=STAFF,
        outcome="resolved",
    )
    with schema_context(world.alpha.schema_name):
        assert ClosingNotice.objects.get(complaint_id=case.case_id).basis == "committee"


def test_every_panel_member_logs_time_on_the_case(world: World) -> None:
    case, people = _panel(world)
    for key in ("member1", "secretary"):
        response = staff_client(people[key]).post(
            f"/werkplek/zaken/{case.reference}/uren/",
            {
                "kind": "phone",
                "activity": "mediation",
                "minutes": "45",
                "worked_on": timezone.localdate().isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    # The member finds the case in "Mijn zaken", under their seat on a panel.
    my_cases = staff_client(people["member1"]).get("/werkplek/mijn-zaken/")
    assert my_cases.status_code == 200
    assert case.reference in my_cases.content.decode() and f"/werkplek/zaken/{case.reference}/commissie/" in (
        my_cases.content.decode()
    )
    logged = set(TimeEntry.objects.filter(case=case).values_list("professional_id", "minutes"))
    assert logged == {(people["member1"].pk, 45), (people["secretary"].pk, 45)}
    # Someone off the panel does not reach the case's time page.
    assert (
        staff_client(_committee_professional()).get(f"/werkplek/zaken/{case.reference}/uren/").status_code
        == 404
    )


# --- The terms, as the law reads (pure) ------------------------------------------------------


def test_wzd_and_wvggz_committee_terms_are_two_weeks_and_bind() -> None:
    from reference.deadline_rules import (
        CONSENT_NEEDED_FROM,
        UNILATERAL_EXTENSIONS,
        committee_decision_binds,
        decision_rule,
    )

    monday = datetime.date(2026, 3, 2)
    assert decision_deadline(monday, "wzd") == datetime.date(2026, 3, 16)
    assert decision_deadline(monday, "wvggz") == datetime.date(2026, 3, 16)
    assert decision_deadline(monday, "wlz") == datetime.date(2026, 4, 13)
    assert decision_rule("wvggz").source == "Wvggz art. 10:7 lid 1"
    assert committee_decision_binds("wzd") and committee_decision_binds("wvggz")
    assert not committee_decision_binds("wlz") and not committee_decision_binds("unknown")
    # Extension only with both parties' consent, never by notice alone.
    for law in ("wzd", "wvggz"):
        assert UNILATERAL_EXTENSIONS[law] == 0
        assert CONSENT_NEEDED_FROM[law] == ("complainant", "provider")
