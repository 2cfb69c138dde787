"""The five journeys of issue 14, each in Dutch and in English, on a phone (390 x 844).

1. sign-up, 2. a complainant on the platform without an account, 3. the
coordinator from triage to assignment, 4. the professional from offer to
closing, 5. the provider admin's decision and annual report.

On every page of a journey: nothing wider than the screen, and no words of the
other language (user-entered text is neutral Latin, so what is scanned is the
site's own text). Each journey ends with an axe check and a screenshot, and
checks the text it expects, in the journey's language: the expected text is
the Dutch source string run through the site's own translations, and in
English it must differ from the Dutch.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import PlatformRole, User
from accounts.services import professional_create, totp_activate, user_create
from casework.assignment.services import case_assign
from casework.index.models import CaseIndex, Service, Track
from casework.models import Complaint
from outbox.models import OutboxMessage
from reference.models import DisputesBody
from tenants.clusters import schema_context
from tenants.models import Provider
from tests.browser import test_signup
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    committed,
    fresh_totp_code,
    new_context,
    watch,
)
from tests.browser.test_professional import remove_cases
from tests.browser.test_signup import GENERAL_DISPUTES_BODY, StripeSite
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, TOTP_SECRET, World

# The sign-up module's server with a fake Stripe, as a fixture of this module too.
stripe_site = test_signup.stripe_site
SIGNUP_PASSWORD = test_signup.PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}
LANGUAGES = ["nl", "en"]
PROFESSIONAL_EMAIL = "journey-professional@klachtpunt.test"
# What a complainant typed: neither Dutch nor English, so the language scan sees only the site's words.
NEUTRAL = "Lorem ipsum dolor sit amet, consectetur adipiscing elit."

# Words that only one of the two languages uses (whole words, case-insensitive).
DUTCH_WORDS = [
    "klacht",
    "klachten",
    "zorgaanbieder",
    "toestemming",
    "termijn",
    "opslaan",
    "verzenden",
    "uw",
    "het",
    "wordt",
    "niet",
    "zaak",
]
ENGLISH_WORDS = ["complaint", "complaints", "provider", "consent", "save", "submit", "your", "the", "please"]
OTHER_LANGUAGE = {"nl": ENGLISH_WORDS, "en": DUTCH_WORDS}
# Names that are not words of the other language: the product, the test providers, the language switch.
PROPER_NAMES = ["Klachtpunt", "Nederlands", "English"]


# The words of the matching cells' text that the browser split over two lines.
BROKEN_HEAD_WORDS = """selector => [...document.querySelectorAll(selector)].flatMap(cell => {
    const broken = [];
    for (const node of cell.childNodes) {
        if (node.nodeType !== Node.TEXT_NODE) continue;
        for (const match of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            if (range.getClientRects().length > 1) broken.push(match[0]);
        }
    }
    return broken;
})"""


def tr(language: str, dutch: str) -> str:
    """The site's own text for ``dutch`` in ``language``; an English page must really be translated."""
    with translation.override(language):
        text = translation.gettext(dutch)
    if language == "en":
        assert text != dutch, f"no English for {dutch!r}"
    return text


@dataclass
class Journey:
    """A phone in one language, checking every page it sees."""

    page: Page
    language: str
    name: str
    names: tuple[str, ...] = ()
    seen: int = 0

    def check(self) -> None:
        self.page.wait_for_load_state()
        self.seen += 1
        url = self.page.url
        width = self.page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide = self.page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 391)
                    .slice(0, 6)
                    .map(e => e.tagName + '.' + e.className + ' '
                         + Math.round(e.getBoundingClientRect().right))"""
            )
            raise AssertionError(f"{self.name}: {url} is {width} px wide on a 390 px phone: {wide}")
        text = self.page.evaluate("() => document.body.innerText")
        for name in [*PROPER_NAMES, *self.names, NEUTRAL]:
            text = text.replace(name, " ")
        found = sorted(
            {
                text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " / ")
                for word in OTHER_LANGUAGE[self.language]
                for match in re.finditer(rf"\b{word}\b", text, flags=re.IGNORECASE)
            }
        )
        assert not found, f"{self.name} ({self.language}): {url} shows {found}"

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.check()

    def finish(self) -> None:
        self.check()
        assert_accessible(self.page, f"journey-{self.name}-{self.language}")


def phone(browser: Browser, language: str, hosts: list[str], **options: Any) -> BrowserContext:
    """A phone-sized browser that asks for ``language`` on each of ``hosts`` (the language cookie)."""
    context = new_context(browser, viewport=PHONE, **options)
    context.add_cookies([{"name": "django_language", "value": language, "url": host} for host in hosts])
    return context


def journey(context: BrowserContext, language: str, name: str, names: tuple[str, ...] = ()) -> Journey:
    return Journey(page=watch(context.new_page()), language=language, name=name, names=names)


def logged_in_state(browser: Browser, login_url: str, email: str) -> dict:
    context = new_context(browser)
    page = context.new_page()
    page.goto(login_url)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
    state = context.storage_state()
    context.close()
    return state


# The cases and the professional the journeys work on


@dataclass(frozen=True)
class Cases:
    triage: dict[str, str]  # language -> reference, for the coordinator
    offered: dict[str, str]  # language -> reference, offered to the professional
    decision: dict[str, str]  # language -> reference, consented, for the provider admin
    professional_id: int


def _make(world: World) -> Cases:
    coordinator = User.objects.get(pk=world.coordinator.pk)
    alpha = Provider.objects.get(pk=world.alpha.pk)
    user = user_create(
        email=PROFESSIONAL_EMAIL,
        password=PASSWORD,
        display_name="Paula Pad",
        roles=[PlatformRole.PROFESSIONAL],
    )
    totp_activate(user=user, secret=TOTP_SECRET)
    professional_create(
        user=user,
        qualifications=["officer"],
        sectors=["elderly"],
        languages=["nl", "en"],
        categories=["treatment"],
        home_postcode="3512 JE",
        travel_radius_km=60,
        capacity=20,
    )
    triage, offered, decision = {}, {}, {}
    for language in LANGUAGES:
        neutral = submission(what_happened=NEUTRAL, complainant_name="Sam Lorem", language=language)
        triage[language] = submit(alpha, submission=neutral).complaint.reference
        CaseIndex.objects.filter(reference=triage[language]).update(service=Service.OFFICER)
        ref = submit(alpha, submission=neutral).complaint.reference
        CaseIndex.objects.filter(reference=ref).update(service=Service.OFFICER)
        case = CaseIndex.objects.select_related("provider").get(reference=ref)
        case_assign(accessor=STAFF, case=case, professional=user, actor=coordinator)
        offered[language] = ref
        formal = submission(
            what_happened=NEUTRAL, complainant_name="Sam Lorem", language=language, track=Track.FORMAL
        )
        decision[language] = submit(alpha, submission=formal).complaint.reference
    return Cases(triage=triage, offered=offered, decision=decision, professional_id=user.pk)


def _remove(cases: Cases) -> None:
    remove_cases([*cases.triage.values(), *cases.offered.values(), *cases.decision.values()])
    User.objects.filter(email=PROFESSIONAL_EMAIL).delete()


@pytest.fixture(scope="module")
def cases(world: World, live_site: LiveServer, django_db_blocker) -> Iterator[Cases]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        made = committed(lambda: _make(world))
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            committed(lambda: _remove(made))


@pytest.fixture(scope="module")
def coordinator_state(browser: Browser, live_site: LiveServer, world: World) -> dict:
    return logged_in_state(browser, live_site.url("/accounts/login/"), world.coordinator.email)


@pytest.fixture(scope="module")
def professional_state(browser: Browser, live_site: LiveServer, cases: Cases) -> dict:
    return logged_in_state(browser, live_site.url("/accounts/login/"), PROFESSIONAL_EMAIL)


@pytest.fixture(scope="module")
def admin_state(browser: Browser, live_site: LiveServer, world: World) -> dict:
    return logged_in_state(browser, live_site.alpha("/accounts/login/"), world.alpha_admin.email)


# 1. Sign-up


@pytest.mark.parametrize("language", LANGUAGES)
def test_journey_signup(
    browser: Browser,
    stripe_site: StripeSite,
    django_db_blocker,  # type: ignore[no-untyped-def]
    language: str,
) -> None:
    slug = f"reis-{language}-{secrets.token_hex(3)}"
    provider_host = stripe_site.url("/", host=f"{slug}.localhost")
    context = phone(browser, language, [stripe_site.url("/"), provider_host])
    context.set_default_timeout(15_000)
    # The disputes bodies' names are proper names (Stichting Klachten en Geschillen ...).
    with django_db_blocker.unblock():
        bodies = committed(lambda: tuple(DisputesBody.objects.values_list("name", flat=True)))
    j = journey(context, language, "signup", names=bodies)
    page = j.page
    j.goto(stripe_site.url("/aanmelden/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(language, "Aanmelden als zorgaanbieder"))
    submit_button = page.get_by_role("button", name=tr(language, "Verder naar betalen"))

    # A mistake first: the summary names it, in the page's language.
    page.locator("[name=organisation_name]").fill("Lorem Ipsum BV")
    page.locator("[name=kvk_number]").fill("1234")
    submit_button.click()
    expect(page.get_by_role("heading", name=tr(language, "Controleer wat u hebt ingevuld"))).to_be_visible()
    j.check()

    page.locator("[name=kvk_number]").fill("87654321")
    page.locator("[name=sector]").select_option("mental_health")
    page.locator("[name=street]").fill("Dijkweg 12")
    page.locator("[name=postcode]").fill("8011 AB")
    page.locator("[name=city]").fill("Zwolle")
    general = GENERAL_DISPUTES_BODY if language == "nl" else GENERAL_DISPUTES_BODY.split(" (")[0]
    page.locator("[name=disputes_body]").select_option(label=general)
    page.locator("[name=contact_name]").fill("Dirk Lorem")
    page.locator("[name=contact_email]").fill(f"dirk@{slug}.test")
    page.locator("[name=password]").fill(SIGNUP_PASSWORD)
    page.locator("[name=slug]").fill(slug)
    page.locator("[name=accept_dpa]").check()
    submit_button.click()

    # Stripe's hosted checkout (the fake's stand-in, not our page: not scanned).
    expect(page).to_have_url(re.compile(re.escape(stripe_site.fake.url) + r"/checkout/cs_"))
    page.get_by_role("button", name="Betalen met iDEAL").click()

    page.wait_for_url(re.compile(rf"http://{re.escape(slug)}\.localhost:\d+/"), timeout=30_000)
    expect(page.get_by_role("link", name=tr(language, "Uitloggen"))).to_be_visible()
    expect(page.get_by_text(tr(language, "Welkom bij Klachtpunt. Uw omgeving is klaar."))).to_be_visible()
    j.finish()
    context.close()


# 2. A complainant on the platform, without an account


@pytest.fixture(scope="module")
def filed(live_site: LiveServer, django_db_blocker) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The references of the complaints the journeys file through the browser, removed afterwards."""
    references: list[str] = []
    yield references

    def remove() -> None:
        for row in CaseIndex.objects.filter(reference__in=references).select_related("provider"):
            with schema_context(row.provider.schema_name):
                Complaint.objects.filter(pk=row.case_id).delete()
            OutboxMessage.objects.filter(
                schema_name=row.provider.schema_name, kwargs__complaint_id=row.case_id
            ).delete()
            row.delete()

    with django_db_blocker.unblock():
        committed(remove)


@pytest.mark.parametrize("language", LANGUAGES)
def test_journey_complainant_without_an_account(
    browser: Browser, live_site: LiveServer, filed: list[str], language: str
) -> None:
    context = phone(browser, language, [live_site.url("/"), live_site.alpha("/")])
    j = journey(context, language, "complainant")
    page = j.page
    j.goto(live_site.url("/"))
    page.get_by_role("link", name=tr(language, "Dien hier een klacht in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", name=tr(language, "Klacht indienen"))).to_be_visible()
    j.check()
    page.get_by_label(tr(language, "Naam of plaats van de zorgaanbieder")).fill("Utrecht")
    page.get_by_role("button", name=tr(language, "Zoeken")).click()
    expect(page.get_by_role("link", name="Zorg Alpha")).to_be_visible()
    j.check()
    page.get_by_role("link", name="Zorg Alpha").click()
    expect(page).to_have_url(live_site.alpha("/klacht/"))
    lead = (
        "Klachtpunt behandelt klachten over %(name)s onafhankelijk en vertrouwelijk. "
        "U hebt geen account nodig."
    )
    expect(page.get_by_text(tr(language, lead) % {"name": "Zorg Alpha"})).to_be_visible()
    j.check()

    # Filed without an account: the form, then its receipt.
    page.get_by_label(tr(language, "Ik ben de cliënt zelf")).check()
    page.locator("[name=complainant_name]").fill("Sam Lorem")
    page.locator("[name=complainant_email]").fill("sam.lorem@example.nl")
    page.locator("[name=what_happened]").fill(NEUTRAL)
    page.locator("[name=category]").select_option(index=1)
    page.locator("[name=goal]").first.check()
    page.get_by_label(tr(language, "Ja, ik geef toestemming")).check()
    page.get_by_role("button", name=tr(language, "Klacht versturen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(language, "Uw klacht is ontvangen"), timeout=30_000
    )
    reference = re.search(r"KP-\d{4}-\d+", page.locator("main").inner_text())
    assert reference, "the receipt names no reference"
    filed.append(reference.group(0))
    j.finish()
    context.close()


# 3. The coordinator: from triage to assignment


@pytest.mark.parametrize("language", LANGUAGES)
def test_journey_coordinator_triage_to_assignment(
    browser: Browser, live_site: LiveServer, coordinator_state: dict, cases: Cases, language: str
) -> None:
    reference = cases.triage[language]
    context = phone(browser, language, [live_site.url("/")], storage_state=coordinator_state)
    j = journey(context, language, "coordinator")
    page = j.page
    j.goto(live_site.url("/werkplek/wachtrij/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(language, "Wachtrij"))
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(language, "Dossier %(reference)s") % {"reference": reference}
    )
    j.check()

    page.get_by_label(tr(language, "Wat is er besproken?")).fill(NEUTRAL)
    page.get_by_label(tr(language, "Wat wil de klager bereiken?")).select_option("explanation")
    page.get_by_role("button", name=tr(language, "Gesprek vastleggen")).click()
    expect(page.get_by_text(tr(language, "Het intakegesprek is vastgelegd."))).to_be_visible()
    j.check()

    j.goto(live_site.url(f"/werkplek/zaken/{reference}/toewijzen/"))
    candidate = page.locator(f"form[action$='/toewijzen/{cases.professional_id}/']")
    candidate.get_by_role("button").click()
    expect(page.get_by_text(reference).first).to_be_visible()
    with translation.override(language):
        offered = translation.gettext(
            "Zaak %(reference)s is aangeboden aan %(name)s, die daarover een e-mail krijgt."
        ) % {"reference": reference, "name": "Paula Pad"}
    expect(page.get_by_text(offered)).to_be_visible()
    # On a phone the assignment history is a block of labelled lines, not five squeezed columns.
    history = page.get_by_role("table", name=tr(language, "Geschiedenis van de toewijzing"))
    expect(history).to_contain_text("Paula Pad")
    assert history.locator("td").first.evaluate("cell => getComputedStyle(cell).display") == "block"
    j.finish()
    context.close()


# 4. The professional: from offer to closing


@pytest.mark.parametrize("language", LANGUAGES)
def test_journey_professional_offer_to_closing(
    browser: Browser, live_site: LiveServer, professional_state: dict, cases: Cases, language: str
) -> None:
    reference = cases.offered[language]
    context = phone(browser, language, [live_site.url("/")], storage_state=professional_state)
    j = journey(context, language, "professional")
    page = j.page
    j.goto(live_site.url("/werkplek/mijn-zaken/"))
    expect(page.get_by_role("heading", name=tr(language, "Mijn zaken"))).to_be_visible()
    j.goto(live_site.url(f"/werkplek/mijn-zaken/{reference}/aanbod/"))
    page.get_by_role("button", name=tr(language, "Zaak accepteren")).click()
    with translation.override(language):
        accepted = translation.gettext("U heeft zaak %(reference)s geaccepteerd.")
    expect(page.get_by_text(accepted % {"reference": reference}, exact=False)).to_be_visible()
    j.check()

    j.goto(live_site.url(f"/werkplek/zaken/{reference}/uren/"))
    page.locator("[name=kind][value=onsite]").check()
    page.locator("[name=activity]").select_option("mediation")
    page.locator("[name=minutes]").fill("75")
    page.get_by_role("button", name=tr(language, "Uren opslaan")).click()
    expect(page.get_by_role("table")).to_contain_text("1:15")
    j.check()

    j.goto(live_site.url(f"/werkplek/zaken/{reference}/uitkomst/"))
    page.locator("[name=outcome][value=resolved]").check()
    page.get_by_role("button", name=tr(language, "Zaak afsluiten")).click()
    expect(page.get_by_text(tr(language, "De zaak is afgesloten. De klager krijgt bericht."))).to_be_visible()
    j.finish()
    context.close()


# 5. The provider admin: decision and annual report


@pytest.mark.parametrize("language", LANGUAGES)
def test_journey_provider_admin_decision_and_report(
    browser: Browser, live_site: LiveServer, admin_state: dict, cases: Cases, language: str
) -> None:
    reference = cases.decision[language]
    context = phone(browser, language, [live_site.alpha("/")], storage_state=admin_state)
    j = journey(context, language, "provider-admin")
    page = j.page
    j.goto(live_site.alpha("/klachten/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(language, "Klachten"))
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(language, "Klacht %(reference)s") % {"reference": reference}
    )
    j.check()
    j.goto(live_site.alpha(f"/klachten/{reference}/oordeel/"))
    page.locator("[name=conclusion]").fill(NEUTRAL)
    page.locator("[name=decisions_taken]").fill(NEUTRAL)
    page.locator("[name=measures_timeframe]").fill(NEUTRAL)
    page.get_by_role("button", name=tr(language, "Oordeel vastleggen en versturen")).click()
    expect(
        page.get_by_text(tr(language, "Het oordeel is vastgelegd en wordt als PDF naar de klager gestuurd."))
    ).to_be_visible()
    j.check()

    j.goto(live_site.alpha("/rapportage/"))
    year_link = page.locator("main a[href^='/rapportage/2']").first
    year = re.search(r"/rapportage/(\d{4})/", year_link.get_attribute("href")).group(1)
    year_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        tr(language, "Klachtenjaarverslag %(year)s") % {"year": year}
    )
    # On a phone a column head breaks between words, never inside one ("202 6").
    broken = page.evaluate(BROKEN_HEAD_WORDS, ".report-table thead th")
    assert broken == [], f"column heads broken inside a word at 390 px: {broken}"
    j.finish()
    context.close()
