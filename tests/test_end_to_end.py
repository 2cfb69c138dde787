"""One complaint, start to finish, as the people involved do it over HTTP.

The complainant files through Zorg Alpha's widget (no account; proof of work
solved, from the widget's own origin) and follows the case with the links in
the e-mails. The coordinator, the officer and Zorg Alpha's admin each log in
with their password and authenticator code in their own session and use the
pages and forms they would use. At the end the dossier's timeline, the time
ledger, the case index and the access log (NEN 7513) must tell the same story,
and the provider must have seen nothing before the complainant consented.
"""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from icalendar import Calendar
from pypdf import PdfReader

from accounts.models import PlatformRole, Qualification
from accounts.services import professional_create, totp_activate, user_create
from casework.consent.wording import consent_wording
from casework.dossier.events import entry_text
from casework.index.models import CaseIndex, CaseStatus, Consent, Outcome, Service
from casework.models import AccessLogEntry, ConsentRecord, Decision, TimelineEntry
from casework.timesheets.models import TimeEntry
from reference import deadline_rules as deadlines
from reference.models import DisputesBody
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.casework.factories import WHAT_HAPPENED
from tests.casework.procedure_support import access_log_mark, log_entries
from tests.casework.widget_support import solve
from tests.e2e_support import Actor, Page, link_in, one_mail_to
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e"), pytest.mark.django_db]

Event = AccessLogEntry.Event
Channel = AccessLogEntry.AccessChannel
Visibility = TimelineEntry.Visibility

COMPLAINANT_EMAIL = "jan.jansen@example.nl"
DISPUTES_BODY = "De Geschillencommissie Zorg Algemeen"
INTAKE_NOTES = "Klager wil vooral weten waarom de medicatie twee avonden niet is gegeven."
AGREEMENT = "Teamleider legt de medicatieronde uit; klager en team evalueren over zes weken."
TIME_NOTE = "Voorgesprek met de teamleider over de medicatieronde"
CLOSING_NOTE = "Uitleg gegeven, excuses niet aanvaard"


def dutch_date(day: datetime.date) -> str:
    with translation.override("nl"):
        return formats.date_format(day, "j F Y")


def challenge_of(page: Page) -> dict:
    match = re.search(r'<script id="kp-challenge" type="application/json">(.*?)</script>', page.html, re.S)
    assert match, "the widget carries no proof-of-work challenge"
    return json.loads(match.group(1))


def document_text(complainant: Actor, follow_url: str, label: str) -> str:
    """Open the follow link, download the document named ``label`` and return its text (one line)."""
    page = complainant.open(follow_url)
    path = re.search(rf'href="(/volg/[^"]+/brieven/\d+/)" download>{label}', page.html).group(1)
    pdf = complainant.get(path).response.content
    return " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def ics_of(message: mail.EmailMessage) -> Calendar:
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar; method=REQUEST")
    return Calendar.from_ical(content)


def test_a_widget_complaint_is_triaged_shared_after_consent_mediated_decided_and_closed(
    world: World,
) -> None:
    alpha = world.alpha
    Provider.objects.filter(pk=alpha.pk).update(disputes_body=DisputesBody.objects.get(name=DISPUTES_BODY))
    officer = user_create(
        email="fatima.bakker@klachtpunt.test",
        password=PASSWORD,
        display_name="Fatima Bakker",
        roles=[PlatformRole.PROFESSIONAL],
    )
    totp_activate(user=officer, secret=TOTP_SECRET)
    professional_create(
        user=officer,
        qualifications=[Qualification.OFFICER],
        sectors=[alpha.sector],
        categories=["treatment"],
        languages=["nl"],
        home_postcode="3512 JE",
        travel_radius_km=40,
        capacity=8,
    )
    farther = user_create(
        email="bram.verweg@klachtpunt.test",
        password=PASSWORD,
        display_name="Bram Verweg",
        roles=[PlatformRole.PROFESSIONAL],
    )
    professional_create(
        user=farther,
        qualifications=[Qualification.OFFICER],
        sectors=[],
        languages=["nl"],
        home_postcode="9711 AA",
    )
    access_log_mark(alpha)
    mail.outbox.clear()
    today = timezone.localdate()

    complainant = Actor.on(world.alpha_host, name="complainant", ip="198.51.100.23")
    coordinator = Actor.on("localhost", name="coordinator", ip="192.0.2.10")
    officer_at = Actor.on("localhost", name="officer", ip="192.0.2.20")
    provider = Actor.on(world.alpha_host, name="provider admin", ip="203.0.113.30")

    # --- The complainant files through the widget --------------------------------------------
    form_page = complainant.get("/widget/")
    assert not form_page.response.cookies  # the widget lives in a third-party iframe: no cookies
    filled = {
        "complainant_kind": "client",
        "complainant_name": "Jan Jansen",
        "complainant_email": COMPLAINANT_EMAIL,
        "complainant_postcode": "3511 AB",
        "what_happened": WHAT_HAPPENED,
        "location": "Locatie De Linde",
        "category": "treatment",
        "law": "wlz",
        "goal": "explanation",
        "track": "formal",
        "consent": "refused",  # not yet: first talk to Klachtpunt
        "altcha": solve(challenge_of(form_page)),
    }
    # The same form posted from another site's page is refused before anything is read.
    before = CaseIndex.objects.filter(provider=alpha).count()
    foreign = complainant.client.post(
        "/widget/", {**form_page.form().values, **filled}, HTTP_ORIGIN="https://andere-site.example"
    )
    assert foreign.status_code == 403 and "vanaf een andere website" in foreign.content.decode()
    assert CaseIndex.objects.filter(provider=alpha).count() == before
    done = complainant.submit(form_page, status=201, **filled)
    reference = re.search(r"data-kp-reference>([^<]+)<", done.html).group(1)
    case = CaseIndex.objects.get(reference=reference)
    assert (case.provider_id, case.channel, case.consent, case.track) == (
        alpha.pk,
        "widget",
        "refused",
        "formal",
    )
    assert "gaat lopen zodra u toestemming geeft" in done.html

    acknowledgement = one_mail_to(COMPLAINANT_EMAIL, "Uw klacht is ontvangen", reference)
    assert WHAT_HAPPENED not in acknowledgement.body
    notice = one_mail_to(world.coordinator.email, "Nieuwe klacht", reference)
    follow_page = complainant.open(link_in(acknowledgement, "/volg/"))
    assert reference in follow_page.text and "Gaat in zodra u toestemming geeft" in follow_page.text

    # Zorg Alpha cannot see the complaint, not even that it exists.
    provider.log_in(world.alpha_admin.email, second_factor=True)
    assert reference not in provider.get("/klachten/", q=reference).text
    provider.get(f"/klachten/{reference}/", status=404)
    provider.get(f"/klachten/{reference}/oordeel/", status=404)

    # --- Triage: the coordinator calls the complainant and asks for consent ------------------
    coordinator.log_in(world.coordinator.email, second_factor=True)
    queue = coordinator.open(link_in(notice, "/werkplek/wachtrij/"))
    assert reference in queue.text
    dossier_path = f"/werkplek/zaken/{reference}/"
    dossier = coordinator.get(dossier_path)
    assert WHAT_HAPPENED in dossier.text
    dossier = coordinator.submit(
        dossier, f"{dossier_path}intake/", **{"intake-discussed": INTAKE_NOTES, "intake-goal": "explanation"}
    )
    assert "Het intakegesprek is vastgelegd" in dossier.text and INTAKE_NOTES in dossier.text
    dossier = coordinator.submit(dossier, f"{dossier_path}toestemming/vragen/")
    assert "Het verzoek om toestemming wordt per e-mail verstuurd" in dossier.text
    consent_request = one_mail_to(COMPLAINANT_EMAIL, "Mogen wij uw klacht delen?", reference)
    assert WHAT_HAPPENED not in consent_request.body

    # --- The complainant consents through the link in the e-mail ---------------------------
    follow_page = complainant.open(link_in(consent_request, "/volg/"))
    give = re.search(r'href="(/volg/[^"]+/toestemming/geven/)"', follow_page.html).group(1)
    confirm = complainant.get(give)
    assert consent_wording("nl") in confirm.text
    follow_page = complainant.submit(confirm)
    case.refresh_from_db()
    assert case.consent == Consent.GIVEN and case.formal_received_on == today
    with schema_context(alpha.schema_name):
        record = ConsentRecord.objects.filter(complaint_id=case.case_id, decision=Consent.GIVEN).get()
    assert record.wording == consent_wording("nl") and not record.on_behalf_of_complainant
    assert "Toestemming om te delen gegeven" in follow_page.text
    assert dutch_date(case.deadline) in follow_page.text  # the statutory clock runs from today

    # --- Matching and assignment -------------------------------------------------------------
    dossier = coordinator.submit(dossier, f"{dossier_path}doorzetten/", **{"route-service": "officer"})
    assert "De zaak is doorgezet naar" in dossier.text
    match_path = f"{dossier_path}toewijzen/"
    matching = coordinator.get(match_path)
    ranked = re.findall(r'<td class="num">(\d+)</td>\s*<td><a href="[^"]+">([^<]+)</a>', matching.html)
    ranks = {name: int(rank) for rank, name in ranked}
    assert ranks["Fatima Bakker"] < ranks["Bram Verweg"]
    row = matching.html.split("Fatima Bakker", 1)[1].split("</tr>", 1)[0]
    for reason in ("Categorie", "Sector", "Afstand", "Werklast"):
        assert f"{reason}:" in row, f"no {reason} in the reasons for the rank"
    matching = coordinator.submit(matching, f"{match_path}{officer.pk}/")
    assert f"Zaak {reference} is aangeboden aan Fatima Bakker" in matching.text
    offer = one_mail_to(officer.email, "is aan u aangeboden", reference)

    # --- The officer takes the case on and mediates ------------------------------------------
    officer_at.log_in(officer.email, second_factor=True)
    my_cases = officer_at.open(link_in(offer, "/werkplek/mijn-zaken/"))
    # The officer reads the offer before accepting it.
    offer_page = officer_at.get(f"/werkplek/mijn-zaken/{reference}/aanbod/")
    my_cases = officer_at.submit(offer_page, f"/werkplek/mijn-zaken/{reference}/accepteren/")
    assert f"U heeft zaak {reference} geaccepteerd" in my_cases.text
    work_path = f"/werkplek/zaken/{reference}/bemiddeling/"
    meeting_day = today + datetime.timedelta(days=7)
    work = officer_at.submit(
        officer_at.get(work_path),
        f"{work_path}gesprek/",
        **{
            "meeting-kind": "on_site",
            "meeting-day": meeting_day.isoformat(),
            "meeting-start": "14:00",
            "meeting-end": "15:30",
            "meeting-location": "Locatie De Linde, Lindelaan 4, Utrecht",
            "meeting-provider_contact_name": "Admin Alpha",
            "meeting-provider_contact_email": world.alpha_admin.email,
        },
    )
    assert "Het gesprek is gepland" in work.text
    invitation = one_mail_to(COMPLAINANT_EMAIL, "Uitnodiging", reference)
    calendar = ics_of(invitation)
    [event] = calendar.walk("VEVENT")
    starts = timezone.make_aware(datetime.datetime.combine(meeting_day, datetime.time(14)))
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTEND") == starts + datetime.timedelta(minutes=90)
    assert "Lindelaan 4" in str(event["LOCATION"]) and reference in str(event["SUMMARY"])
    assert str(event["ATTENDEE"]).lower() == f"mailto:{COMPLAINANT_EMAIL}"
    assert WHAT_HAPPENED not in invitation.body + calendar.to_ical().decode()
    assert "Lindelaan" not in invitation.body  # where to go is in the calendar item only
    assert reference in complainant.open(str(event["URL"])).text
    one_mail_to(officer.email, "Uitnodiging", reference)

    work = officer_at.submit(
        work,
        f"{work_path}vastleggen/",
        **{"record-kind": "agreement", "record-text": AGREEMENT, "record-visibility": "all"},
    )
    assert "Afspraak vastgelegd" in work.text and AGREEMENT in work.text
    time_path = f"/werkplek/zaken/{reference}/uren/"
    hours = officer_at.get(time_path)
    for kind, activity, minutes, note in (
        ("phone", "correspondence", 25, TIME_NOTE),
        ("onsite", "mediation", 90, ""),
    ):
        hours = officer_at.submit(
            hours, kind=kind, activity=activity, minutes=str(minutes), worked_on=today.isoformat(), note=note
        )
    assert "Telefonisch" in hours.text and "Op locatie" in hours.text and "1:55" in hours.text  # 25 + 90

    # --- Zorg Alpha, now allowed to see the case, records its written decision ---------------
    provider_invitation = one_mail_to(world.alpha_admin.email, "Uitnodiging", reference)
    [provider_event] = ics_of(provider_invitation).walk("VEVENT")
    detail = provider.open(str(provider_event["URL"]))
    assert detail.path == f"/klachten/{reference}/"
    assert WHAT_HAPPENED in detail.text and AGREEMENT in detail.text  # the agreement is shared with all
    assert INTAKE_NOTES not in detail.text and TIME_NOTE not in detail.text  # Klachtpunt's own notes
    decision_path = f"/klachten/{reference}/oordeel/"
    decision_form = provider.get(decision_path)
    parts = {
        "conclusion": "De klacht is deels gegrond: de medicatie is twee avonden niet gegeven.",
        "decisions_taken": "De avondronde krijgt een tweede controle door de teamleider.",
        "measures_timeframe": "Binnen vier weken.",
        "measure-0-description": "Aftekenlijst avondronde invoeren",
        "measure-0-due_on": (today + datetime.timedelta(days=28)).isoformat(),
    }
    refused = provider.submit(decision_form, status=400, **{**parts, "decisions_taken": ""})
    assert "Schrijf welke beslissingen de zorgaanbieder" in refused.html
    with schema_context(alpha.schema_name):
        assert not Decision.objects.filter(complaint_id=case.case_id).exists()
    detail = provider.submit(provider.get(decision_path), **parts)
    assert detail.path == f"/klachten/{reference}/" and "Het oordeel is vastgelegd" in detail.text
    # The decision is a PDF in the dossier; the e-mail only says it is ready and links to the follow
    # page, where the complainant downloads it (no attachment, nothing of the complaint in the mail).
    decision_mail = one_mail_to(COMPLAINANT_EMAIL, "Oordeel van de zorgaanbieder", reference)
    assert decision_mail.attachments == [] and "deels gegrond" not in decision_mail.body
    pdf_text = document_text(complainant, link_in(decision_mail, "/volg/"), "Oordeel van de zorgaanbieder")
    assert reference in pdf_text and "Aftekenlijst avondronde" in pdf_text

    # --- The officer closes the case; the complainant is told where else to go ----------------
    close_path = f"/werkplek/zaken/{reference}/uitkomst/"
    closing_page = officer_at.get(close_path)
    disputes_day = deadlines.disputes_last_day(today)
    assert DISPUTES_BODY in closing_page.text and dutch_date(disputes_day) in closing_page.text
    my_cases = officer_at.submit(closing_page, outcome=Outcome.PARTLY_RESOLVED, note=CLOSING_NOTE)
    assert my_cases.path == "/werkplek/mijn-zaken/" and "De zaak is afgesloten" in my_cases.text
    closing_mail = one_mail_to(COMPLAINANT_EMAIL, "Afsluitbrief", reference)
    assert closing_mail.attachments == [] and CLOSING_NOTE not in closing_mail.body
    closing_text = document_text(complainant, link_in(closing_mail, "/volg/"), "Afsluitbrief")
    for option in ("Klachtencommissie", "Geschilleninstantie", "Tuchtcollege", "Landelijk Meldpunt Zorg"):
        assert option in closing_text
    assert DISPUTES_BODY in closing_text and dutch_date(disputes_day) in closing_text
    assert "deels opgelost" in closing_text.lower() and CLOSING_NOTE not in closing_text
    assert reference not in coordinator.get("/werkplek/wachtrij/").text

    # --- Who looked: Klachtpunt's log of the dossier, and Zorg Alpha's admin's own review --------
    staff_log = coordinator.get(f"/werkplek/zaken/{reference}/toegangslog/")
    for shown in (
        "Aangemaakt",
        "Klachtenformulier",
        "Volglink",
        "Klachtencoördinator (Klachtpunt)",
        "Klachtenfunctionaris (Klachtpunt)",
        # Zorg Alpha's admin also decides (tests/support.py): on the dossier they act as decision maker.
        "Beslisser bij de zorgaanbieder (Zorg Alpha)",
    ):
        assert shown in staff_log.text, shown
    logged_rows = staff_log.html.split("<tbody>", 1)[1].count("<time ")
    assert logged_rows == len(log_entries(alpha, case_id=case.case_id))  # its own reading included
    own_review = provider.get("/instellingen/toegangslog/", user=str(world.alpha_admin.pk), since=str(today))
    assert reference in own_review.text and "Gewijzigd" in own_review.text and "Ingezien" in own_review.text

    # --- The dossier tells the same story -----------------------------------------------------
    case.refresh_from_db()
    assert (case.status, case.outcome, case.assignee_id, case.service) == (
        CaseStatus.CLOSED,
        Outcome.PARTLY_RESOLVED,
        officer.pk,
        Service.OFFICER,
    )
    assert case.closed_at is not None and case.decided_on == today

    with schema_context(alpha.schema_name):
        timeline = list(TimelineEntry.objects.filter(complaint_id=case.case_id).order_by("at", "pk"))
    coordinator_id, officer_id, admin_id = world.coordinator.pk, officer.pk, world.alpha_admin.pk
    assert [(entry.kind, entry.actor_user_id) for entry in timeline] == [
        ("received", None),
        ("consent_refused", None),
        ("intake_call", coordinator_id),
        ("consent_requested", coordinator_id),
        ("consent_request_sent", None),
        ("consent_given", None),
        ("formal_receipt", None),
        ("routed", coordinator_id),
        ("assignment_offered", coordinator_id),
        ("assignment_accepted", officer_id),
        ("meeting_scheduled", officer_id),
        ("record_agreement", officer_id),
        ("time_note", officer_id),
        ("decision_recorded", admin_id),
        ("decision_sent", None),
        # The meeting planned next week is cancelled by the closing, before the case closes.
        ("meeting_cancelled", officer_id),
        ("closed", officer_id),
        ("closing_note", officer_id),
        ("closing_letter_sent", None),
    ]
    by_kind = {entry.kind: entry for entry in timeline}
    assert by_kind["intake_call"].visibility == Visibility.STAFF and INTAKE_NOTES in entry_text(
        by_kind["intake_call"]
    )
    assert (
        by_kind["time_note"].visibility == Visibility.STAFF and entry_text(by_kind["time_note"]) == TIME_NOTE
    )
    assert AGREEMENT not in entry_text(
        by_kind["record_agreement"]
    )  # the timeline names it, the record holds it

    ledger = TimeEntry.objects.filter(case=case).order_by("pk")
    assert [(e.kind, e.activity, e.minutes, e.worked_on, e.professional_id, e.service) for e in ledger] == [
        ("phone", "correspondence", 25, today, officer_id, Service.OFFICER),
        ("onsite", "mediation", 90, today, officer_id, Service.OFFICER),
    ]
    assert "note" not in {f.name for f in TimeEntry._meta.get_fields()}
    assert all(TIME_NOTE not in str(value) for row in ledger.values() for value in row.values())

    # --- The access log: who did what, as whom, from where ------------------------------------
    entries = log_entries(alpha, case_id=case.case_id)
    [created] = [e for e in entries if e.event == Event.CREATE]
    assert (created.channel, created.role, created.user_id) == (Channel.WIDGET, "complainant", None)
    assert (created.host, created.path, created.method, created.ip_address) == (
        world.alpha_host,
        "/widget/",
        "POST",
        "198.51.100.23",
    )
    changes = [(e.subject, e.role, e.channel, e.user_id) for e in entries if e.event == Event.CHANGE]
    staff = Channel.PLATFORM_STAFF
    assert changes == [
        ("triage_intake", "coordinator", staff, coordinator_id),
        ("triage_consent-request", "coordinator", staff, coordinator_id),
        ("consent", "complainant", Channel.FOLLOW_LINK, None),
        ("triage_route", "coordinator", staff, coordinator_id),
        ("assignment", "coordinator", staff, coordinator_id),
        ("assignment", "officer", staff, officer_id),
        ("meeting", "officer", staff, officer_id),
        ("record_agreement", "officer", staff, officer_id),
        ("time", "officer", staff, officer_id),
        ("time", "officer", staff, officer_id),
        ("decision", "provider_decision_maker", Channel.PROVIDER, admin_id),
        ("meeting", "officer", staff, officer_id),  # cancelled by the closing
        ("closing", "officer", staff, officer_id),
    ]
    reads = {(e.role, e.channel, e.user_id, e.ip_address) for e in entries if e.event == Event.READ}
    assert reads == {
        ("complainant", Channel.FOLLOW_LINK, None, "198.51.100.23"),
        ("coordinator", staff, coordinator_id, "192.0.2.10"),
        ("officer", staff, officer_id, "192.0.2.20"),
        ("provider_decision_maker", Channel.PROVIDER, admin_id, "203.0.113.30"),
    }
    assert all(e.organisation == "Zorg Alpha" for e in entries if e.channel == Channel.PROVIDER)
    # Nothing at all by the provider on this dossier before the complainant consented.
    consent_given = next(e for e in entries if e.subject == "consent")
    provider_entries = [e for e in entries if e.channel == Channel.PROVIDER]
    assert provider_entries and all(e.pk > consent_given.pk for e in provider_entries)
    [review] = log_entries(alpha, event=Event.SEARCH, user_id=admin_id, subject="access_log")
    assert review.channel == Channel.PROVIDER and f"user={admin_id}" in review.detail
    [blind_search] = log_entries(alpha, event=Event.SEARCH, user_id=admin_id, subject="complaints")
    assert f"text={reference!r}" in blind_search.detail and blind_search.detail.endswith("-> 0")
    assert blind_search.pk < consent_given.pk

    # The complainant sees who looked at the dossier: by role and organisation, not by name.
    last_visit = complainant.open(link_in(closing_mail, "/volg/"))
    assert "Klacht afgesloten" in last_visit.text and AGREEMENT in last_visit.text
    for own_note in (INTAKE_NOTES, TIME_NOTE, CLOSING_NOTE):
        assert own_note not in last_visit.text  # Klachtpunt's notes stay with Klachtpunt
    looked = last_visit.html.split('id="accesses-title"')[1]
    for who in (
        "Klachtencoördinator",
        "Klachtenfunctionaris",
        "Beslisser bij de zorgaanbieder",
        "Zorg Alpha",
    ):
        assert who in looked
    assert "Fatima Bakker" not in looked and world.alpha_admin.display_name not in looked
