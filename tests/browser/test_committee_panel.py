"""The committee's panel in headless Chromium: the coordinator forms it, the secretary schedules the
hearing and records attendance and minutes, the chair signs off the judgement.

A Wzd complaint to the committee is held by its chair; the coordinator sees
the conflicted professional excluded with the reason and forms the panel. The
secretary plans the hearing (the parties and the panel get invitations) and,
once it has taken place, records who attended and the minutes. The chair
formulates and judges the part and signs; under the Wzd the decision binds.
Every page is checked with axe-core (WCAG 2.1 A and AA) and saved as a
screenshot in tests/artifacts/.

The people and the case are committed for the server to see and removed
after this module.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import ConflictOfInterest, PlatformRole, User
from accounts.services import professional_create, totp_activate, user_create
from casework.assignment.services import assignment_accept, case_assign
from casework.index.models import Assignment, CaseIndex, DeadlineReminder, Service, Track
from casework.models import Complaint, Meeting
from casework.timesheets.models import TimeEntry
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.browser.conftest import LiveServer, assert_accessible, committed
from tests.browser.test_professional import log_in, new_page
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

PEOPLE = {
    "chair": ("browser-chair@klachtpunt.test", "Clara Voorzitter", ["committee"]),
    "member1": ("browser-member1@klachtpunt.test", "Mark Lid", ["committee"]),
    "member2": ("browser-member2@klachtpunt.test", "Mila Lid", ["committee"]),
    "secretary": ("browser-secretary@klachtpunt.test", "Sanne Secretaris", []),
    "conflicted": ("browser-panel-conflicted@klachtpunt.test", "Kees Conflict", ["committee"]),
}
MINUTES = "De klager lichtte de klacht toe; de teamleider erkende dat het rooster krap was."


@dataclass(frozen=True)
class PanelCase:
    reference: str
    case_id: int


def _create(world: World) -> PanelCase:
    alpha = Provider.objects.get(pk=world.alpha.pk)
    users = {}
    for key, (email, name, qualifications) in PEOPLE.items():
        user = user_create(
            email=email, password=PASSWORD, display_name=name, roles=[PlatformRole.PROFESSIONAL]
        )
        totp_activate(user=user, secret=TOTP_SECRET)
        profile = professional_create(
            user=user, qualifications=qualifications, sectors=["elderly"], languages=["nl"], capacity=10
        )
        users[key] = user
        if key == "conflicted":
            ConflictOfInterest.objects.create(
                professional=profile, provider=alpha, reason="Was hier bestuurder"
            )
    result = submit(alpha, submission=submission(law="wzd", track=Track.FORMAL))
    CaseIndex.objects.filter(reference=result.complaint.reference).update(service=Service.COMMITTEE)
    case = CaseIndex.objects.select_related("provider").get(reference=result.complaint.reference)
    coordinator = User.objects.get(pk=world.coordinator.pk)
    case_assign(accessor=STAFF, case=case, professional=users["chair"], actor=coordinator)
    assignment_accept(accessor=STAFF, case=case, professional=users["chair"])
    return PanelCase(reference=case.reference, case_id=case.case_id)


def _remove(made: PanelCase) -> None:
    rows = list(CaseIndex.objects.filter(reference=made.reference).select_related("provider"))
    TimeEntry.objects.filter(reference=made.reference).delete()
    Assignment.objects.filter(case__in=rows).delete()
    DeadlineReminder.objects.filter(case__in=rows).delete()
    for row in rows:
        with schema_context(row.provider.schema_name):
            Complaint.objects.filter(pk=row.case_id).delete()
        OutboxMessage.objects.filter(schema_name=row.provider.schema_name).filter(
            kwargs__complaint_id=row.case_id
        ).delete()
    OutboxMessage.objects.filter(task_name="casework.tasks_procedures.send_meeting_invitations").delete()
    CaseIndex.objects.filter(reference=made.reference).delete()
    User.objects.filter(email__in=[email for email, _name, _q in PEOPLE.values()]).delete()


@pytest.fixture(scope="module")
def panel_case(world: World, live_site: LiveServer, django_db_blocker) -> Iterator[PanelCase]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        made = committed(lambda: _create(world))
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            committed(lambda: _remove(made))


def _form(page: Page, button: str):  # type: ignore[no-untyped-def]
    return page.locator("form").filter(has=page.get_by_role("button", name=button))


def _hearing_took_place(made: PanelCase, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    """Time passes: the planned hearing was held this morning."""

    def move() -> None:
        alpha = CaseIndex.objects.select_related("provider").get(reference=made.reference).provider
        with schema_context(alpha.schema_name):
            start = timezone.now() - datetime.timedelta(hours=3)
            Meeting.objects.filter(complaint_id=made.case_id, kind=Meeting.Kind.HEARING).update(
                starts_at=start, ends_at=start + datetime.timedelta(hours=1)
            )

    with django_db_blocker.unblock():
        committed(move)


def test_coordinator_forms_the_panel_secretary_runs_the_hearing_chair_signs(
    browser: Browser, live_site: LiveServer, world: World, panel_case: PanelCase, django_db_blocker
) -> None:  # type: ignore[no-untyped-def]
    reference = panel_case.reference
    panel_url = live_site.url(f"/werkplek/zaken/{reference}/commissie/")

    # The coordinator: who may sit, who may not and why; then the panel.
    page = new_page(browser)
    log_in(page, live_site, world.coordinator.email)
    page.goto(live_site.url(f"/werkplek/zaken/{reference}/commissie/samenstellen/"))
    expect(page.get_by_role("heading", name=f"Panel samenstellen: {reference}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Belangenverstrengeling met Zorg Alpha: Was hier bestuurder")
    assert_accessible(page, "panel-compose")
    page.get_by_role("combobox", name="Voorzitter").select_option(label="Clara Voorzitter")
    page.get_by_label("Mark Lid").check()
    page.get_by_label("Mila Lid").check()
    page.get_by_role("combobox", name="Ambtelijk secretaris").select_option(label="Sanne Secretaris")
    page.get_by_role("button", name="Panel samenstellen").click()
    expect(page.get_by_text("Het panel is samengesteld.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Klachtencommissie {reference}")).to_be_visible()
    expect(page.get_by_text("Het beraad is alleen voor het panel.")).to_be_visible()
    page.context.close()

    # The secretary: the written round, the hearing, then attendance and minutes.
    page = new_page(browser)
    log_in(page, live_site, PEOPLE["secretary"][0])
    page.goto(panel_url)
    expect(page.get_by_text("u bent ambtelijk secretaris")).to_be_visible()
    assert_accessible(page, "panel-secretary")
    round_form = _form(page, "Vastleggen")
    round_form.get_by_label("Stap").select_option(label="Verweerschrift van de zorgaanbieder")
    round_form.get_by_label("Datum").fill((timezone.localdate() + datetime.timedelta(days=5)).isoformat())
    round_form.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("De termijn is vastgelegd.")).to_be_visible()
    expect(page.get_by_role("table", name="Termijnen van de schriftelijke ronde")).to_contain_text(
        "Verweerschrift van de zorgaanbieder"
    )

    hearing = _form(page, "Hoorzitting plannen")
    hearing.get_by_label("Datum").fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    hearing.get_by_label("Begintijd").fill("10:00")
    hearing.get_by_label("Eindtijd").fill("11:30")
    hearing.get_by_label("Locatie (adres)").fill("Stationsplein 1, Utrecht")
    hearing.get_by_role("button", name="Hoorzitting plannen").click()
    expect(page.get_by_text("de partijen en het panel krijgen een uitnodiging")).to_be_visible()
    assert_accessible(page, "panel-hearing-planned")

    _hearing_took_place(panel_case, django_db_blocker)
    page.goto(panel_url)
    report = _form(page, "Verslag vastleggen")
    report.get_by_label("Clara Voorzitter").check()
    report.get_by_label("Mark Lid").check()
    report.get_by_label("Sanne Secretaris").check()
    report.get_by_label("De klager").check()
    report.get_by_role("textbox", name="Verslag").fill(MINUTES)
    report.get_by_role("button", name="Verslag vastleggen").click()
    expect(page.get_by_text("De aanwezigheid en het verslag zijn vastgelegd.")).to_be_visible()
    expect(page.get_by_text("Mila Lid: afwezig")).to_be_visible()
    expect(page.locator("main")).to_contain_text(MINUTES)
    assert_accessible(page, "panel-hearing-report")
    page.context.close()

    # The chair: deliberation, the part and its judgement, the signature.
    page = new_page(browser)
    log_in(page, live_site, PEOPLE["chair"][0])
    page.goto(panel_url)
    expect(page.get_by_text("u bent voorzitter")).to_be_visible()
    page.get_by_label("Uw bijdrage aan het beraad").fill("Het verslag bevestigt de klacht.")
    page.get_by_role("button", name="Toevoegen aan het beraad").click()
    expect(page.get_by_text("Uw bijdrage aan het beraad is vastgelegd.")).to_be_visible()
    page.locator("#id_part-text").fill("De medicatie is drie avonden te laat gegeven.")
    page.get_by_role("button", name="Onderdeel toevoegen").click()
    expect(page.get_by_text("Klachtonderdeel 1 toegevoegd.")).to_be_visible()
    judge = _form(page, "Oordeel over onderdeel 1 vastleggen")
    judge.get_by_label("Gegrond", exact=True).check()
    judge.get_by_label("Motivering").fill("Het rooster en het verslag van de hoorzitting tonen het aan.")
    judge.get_by_role("button", name="Oordeel over onderdeel 1 vastleggen").click()
    expect(page.get_by_text("Het oordeel over klachtonderdeel 1 is vastgelegd.")).to_be_visible()
    assert_accessible(page, "panel-chair-before-signing")

    # Signing without the text is refused on the form, with a way to it.
    _form(page, "Ondertekenen als voorzitter").get_by_role(
        "button", name="Ondertekenen als voorzitter"
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("Dat is niet gelukt.")
    assert_accessible(page, "panel-sign-errors")
    sign = _form(page, "Ondertekenen als voorzitter")
    sign.get_by_label("Oordeel en motivering in het geheel").fill("De klacht is gegrond.")
    sign.get_by_label("Aanbevelingen").fill("Maak het avondrooster ruimer.")
    sign.get_by_role("button", name="Ondertekenen als voorzitter").click()
    expect(page.get_by_text("Deze beslissing van de commissie is bindend.")).to_be_visible()
    expect(page.get_by_text("Ondertekend door de voorzitter, Clara Voorzitter")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Maak het avondrooster ruimer.")
    assert_accessible(page, "panel-signed")
    page.context.close()
