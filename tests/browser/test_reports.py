"""The annual report and the dashboards in headless Chromium, and the report's PDF as images.

The report's cases (two years of a seeded set) and a few open cases for the
dashboards are committed from a thread (its own connection) and removed
afterwards. Every page is checked with axe-core (WCAG 2.1 A and AA) under the
real Content-Security-Policy and saved in tests/artifacts/; the PDF, in Dutch
and in English, is turned into PNG pages there with pdftoppm.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from accounts.models import PlatformRole, User
from accounts.services import totp_activate, user_create
from billing.models import BilledLine, Invoice, InvoiceKind
from casework.index.models import CaseIndex, CaseStatus, Channel
from casework.reports.annual import annual_report
from casework.reports.dashboards import add_months
from casework.reports.pdf import annual_report_pdf
from casework.timesheets.models import TimeEntry
from reference.dates import AMSTERDAM
from tests.browser.conftest import (
    ARTIFACTS,
    LiveServer,
    assert_accessible,
    committed,
    fresh_totp_code,
    new_context,
    watch,
)
from tests.casework.report_support import remove_seeded, seed_cases, seed_specs
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

YEAR = datetime.date.today().year - 1
ADMIN_EMAIL = "beheer-rapportage@klachtpunt.test"
PROFESSIONAL_EMAIL = "prof-rapportage@klachtpunt.test"
REFERENCE_PREFIX = "KP-BRR-"


@pytest.fixture(scope="module")
def report_data(world: World, live_site: LiveServer, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    def make() -> dict[str, Any]:
        seeded = seed_cases(
            world.alpha, seed_specs(years=[YEAR - 1, YEAR], per_year=120, seed=3), prefix="BRR-"
        )
        admin = user_create(email=ADMIN_EMAIL, password=PASSWORD, roles=[PlatformRole.PLATFORM_ADMIN])
        totp_activate(user=admin, secret=TOTP_SECRET)
        professional = user_create(
            email=PROFESSIONAL_EMAIL,
            password=PASSWORD,
            display_name="Petra Prof",
            roles=[PlatformRole.PROFESSIONAL],
        )
        totp_activate(user=professional, secret=TOTP_SECRET)
        today = datetime.datetime.now(tz=AMSTERDAM)
        rows = []
        for n, (status, days_left, weeks_ago, provider) in enumerate(
            [
                (CaseStatus.ASSIGNED, -4, 1, world.alpha),
                (CaseStatus.IN_MEDIATION, 3, 2, world.beta),
                (CaseStatus.INTAKE, None, 0, world.alpha),
                (CaseStatus.DECISION, 10, 5, world.beta),
                (CaseStatus.RECEIVED, None, 0, world.beta),
            ]
        ):
            rows.append(
                CaseIndex(
                    provider=provider,
                    case_id=90_000_000 + n,
                    reference=f"{REFERENCE_PREFIX}{n:04d}",
                    channel=[Channel.WIDGET, Channel.PHONE, Channel.PORTAL][n % 3],
                    category_code="attitude",
                    sector=provider.sector,
                    status=status,
                    received_at=today - datetime.timedelta(weeks=weeks_ago),
                    deadline=(today + datetime.timedelta(days=days_left)).date()
                    if days_left is not None
                    else None,
                    assignee=professional if n % 2 == 0 else None,
                )
            )
        cases = CaseIndex.objects.bulk_create(rows)
        # Some money for the trends: a membership invoice, and billed hours in each of the last months.
        Invoice.objects.create(
            provider=world.beta,
            kind=InvoiceKind.MEMBERSHIP,
            status="paid",
            net_cents=17900,
            finalized_at=today,
        )
        for months_ago, (minutes, kind) in enumerate([(90, "phone"), (120, "onsite"), (45, "phone")]):
            month = add_months(today.date().replace(day=1), -1 - months_ago)
            entry = TimeEntry.objects.create(
                case=cases[0],
                reference=cases[0].reference,
                provider=world.alpha,
                professional=professional,
                service="officer",
                kind=kind,
                activity="mediation",
                minutes=minutes,
                worked_on=month,
            )
            invoice = Invoice.objects.create(provider=world.alpha, kind=InvoiceKind.HOURS, month=month)
            BilledLine.objects.create(
                entry=entry,
                invoice=invoice,
                seq=1,
                amount_cents=minutes * 150,
                minutes=minutes,
                kind=kind,
                rate_cents=9000,
            )
        return {"seeded": seeded}

    started = datetime.datetime.now(tz=AMSTERDAM)
    with django_db_blocker.unblock():
        data = committed(make)
    yield data

    def remove() -> None:
        remove_seeded(data["seeded"])
        BilledLine.objects.filter(entry__reference__startswith=REFERENCE_PREFIX).delete()
        TimeEntry.objects.filter(reference__startswith=REFERENCE_PREFIX).delete()
        Invoice.objects.filter(
            lines__isnull=True, provider__in=[world.alpha, world.beta], created_at__gte=started
        ).delete()
        CaseIndex.objects.filter(reference__startswith=REFERENCE_PREFIX).delete()
        User.objects.filter(email__in=[ADMIN_EMAIL, PROFESSIONAL_EMAIL]).delete()

    with django_db_blocker.unblock():
        committed(remove)


def login(browser: Browser, url: str, email: str) -> dict:
    context = new_context(browser)
    page = context.new_page()
    page.goto(url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
    state = context.storage_state()
    context.close()
    return state


def open_page(browser: Browser, state: dict, **options: Any) -> Page:
    context = new_context(browser, storage_state=state, **options)
    return watch(context.new_page())


def test_annual_report_page_in_dutch_and_english(
    browser: Browser, live_site: LiveServer, world: World, report_data: dict[str, Any]
) -> None:
    state = login(browser, live_site.alpha("/accounts/login/"), world.alpha_admin.email)
    page = open_page(browser, state)
    page.goto(live_site.alpha("/"))
    page.get_by_role("link", name="Jaarverslag").click()
    page.get_by_role("link", name=f"Jaarverslag {YEAR}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Klachtenjaarverslag {YEAR}")
    expect(page.get_by_role("img", name="Klachten per categorie")).to_be_visible()
    expect(page.get_by_role("table", name="Klachten per categorie")).to_be_visible()
    expect(page.get_by_role("link", name="Download als PDF")).to_have_attribute(
        "href", f"/rapportage/{YEAR}.pdf"
    )
    assert_accessible(page, "report-annual")
    # No complainant anywhere on the page.
    assert "Testpersoon" not in page.content()

    page.get_by_label("Taal").select_option("en")
    page.get_by_role("button", name="Wijzig").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Annual complaints report {YEAR}")
    expect(page.get_by_role("img", name="Complaints by category")).to_be_visible()
    assert_accessible(page, "report-annual-en")
    page.context.close()


def test_dashboards_for_coordinator_professional_and_platform_admin(
    browser: Browser, live_site: LiveServer, world: World, report_data: dict[str, Any]
) -> None:
    coordinator = open_page(
        browser, login(browser, live_site.url("/accounts/login/"), world.coordinator.email)
    )
    coordinator.goto(live_site.url("/werkplek/"))
    coordinator.get_by_role("link", name="Dashboard", exact=True).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Dashboard klachtencoördinatie")
    expect(coordinator.get_by_role("img", name="Binnengekomen klachten per week")).to_be_visible()
    expect(coordinator.get_by_role("link", name=f"{REFERENCE_PREFIX}0000")).to_be_visible()
    assert_accessible(coordinator, "dashboard-coordinator")
    coordinator.context.close()

    professional = open_page(browser, login(browser, live_site.url("/accounts/login/"), PROFESSIONAL_EMAIL))
    professional.goto(live_site.url("/werkplek/mijn-dashboard/"))
    expect(professional.get_by_role("heading", level=1)).to_have_text("Mijn dashboard")
    expect(professional.get_by_role("img", name="Mijn uren per maand")).to_be_visible()
    assert_accessible(professional, "dashboard-professional")
    professional.context.close()

    admin = open_page(browser, login(browser, live_site.url("/accounts/login/"), ADMIN_EMAIL))
    admin.goto(live_site.url("/werkplek/trends/"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Trends over alle zorgaanbieders")
    admin.get_by_label("Periode").select_option("24")
    admin.get_by_role("button", name="Toon").click()
    expect(admin).to_have_url(
        f"{live_site.url('/werkplek/trends/')}?tot={datetime.date.today():%Y-%m}&maanden=24"
    )
    assert_accessible(admin, "dashboard-trends")
    admin.context.close()


def test_annual_report_pdf_pages_as_images(world: World, report_data: dict[str, Any]) -> None:
    """The PDF in both languages, as PNG pages in tests/artifacts/ to look at."""
    assert shutil.which("pdftoppm"), "pdftoppm is missing: `make test` installs poppler-utils"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for language in ("nl", "en"):
        with translation.override(language):
            content = annual_report_pdf(annual_report(provider=world.alpha, year=YEAR))
        pdf = ARTIFACTS / f"report-annual-{language}.pdf"
        pdf.write_bytes(content)
        for old in ARTIFACTS.glob(f"report-annual-pdf-{language}-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", str(pdf), str(ARTIFACTS / f"report-annual-pdf-{language}")],
            check=True,
            timeout=60,
        )
        pages = sorted(ARTIFACTS.glob(f"report-annual-pdf-{language}-*.png"))
        assert len(pages) >= 3, pages
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
        ).stdout
        heading = "Klachtenjaarverslag" if language == "nl" else "Annual complaints report"
        assert f"{heading} {YEAR}" in text
        assert "Testpersoon" not in text
