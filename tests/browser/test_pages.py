"""The pages as a browser sees them: content, accessibility, keyboard use, language.

Every page is checked with axe-core against WCAG 2.1 A and AA, loaded under
the real Content-Security-Policy (no inline scripts or styles), and saved as a
screenshot in tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    fresh_totp_code,
    new_context,
    save_screenshot,
    watch,
)
from tests.support import PASSWORD, World

# `django_db` makes pytest-django create this worker's test database (with the
# committed world) even when only browser tests run; the tests themselves read
# and write through the server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


def log_in(page: Page, base_url: str, email: str, *, totp: bool) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    if totp:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_label("Code").fill(fresh_totp_code())
        page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()


@pytest.fixture(scope="module")
def alpha_admin_state(browser: Browser, live_site: LiveServer, world: World) -> dict:
    """A logged-in session of the provider admin on the provider's host, made once."""
    context = new_context(browser)
    page = context.new_page()
    log_in(page, live_site.alpha(""), world.alpha_admin.email, totp=True)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def alpha_admin_page(browser: Browser, alpha_admin_state: dict) -> Iterator[Page]:
    context = new_context(browser, storage_state=alpha_admin_state)
    yield watch(context.new_page())
    context.close()


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {
                tag: el.tagName.toLowerCase(),
                name: el.getAttribute("name"),
                id: el.id,
                cls: el.className,
                text: (el.innerText || el.value || "").trim(),
            };
        }"""
    )


def tab_until(page: Page, matches, *, limit: int = 25) -> dict:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element matches; fail if it takes more than ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
    raise AssertionError(f"Tab never reached the element; last focused: {focused(page)}")


# Content


def test_landing_page_shows_the_services_and_the_price_table(page: Page, live_site: LiveServer) -> None:
    page.goto(live_site.url("/"))
    expect(page).to_have_title(re.compile("Klachtpunt"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Onafhankelijke klachtenopvang voor zorgaanbieders"
    )
    table = page.get_by_role("table", name="Actuele prijzen")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_text(["Dienst", "Excl. BTW", "Incl. 21% BTW"])
    expect(table.get_by_role("rowheader")).to_have_text(
        [
            "Lidmaatschap klachtenfunctionaris (per jaar)",
            "Lidmaatschap klachtencommissie (per jaar)",
            "Lidmaatschap vertrouwenspersoon (per jaar)",
            "Lidmaatschap functionaris gegevensbescherming (per jaar)",
            "Uurtarief telefonisch",
            "Uurtarief op locatie",
        ]
    )
    # The seeded price list: amounts without and with 21% VAT, in Dutch notation.
    officer = table.get_by_role("row", name=re.compile("klachtenfunctionaris"))
    expect(officer.get_by_role("cell")).to_have_text(["€ 179,00", "€ 216,59"])
    expect(table.get_by_role("row", name=re.compile("op locatie")).get_by_role("cell")).to_have_text(
        ["€ 100,00", "€ 121,00"]
    )
    # Without a price yet: on request, with the number to call.
    expect(table.get_by_role("row", name=re.compile("klachtencommissie")).get_by_role("cell")).to_have_text(
        ["Op aanvraag: bel 030 123 45 67"]
    )
    save_screenshot(page, "landing-nl")


def test_provider_home_names_the_provider_and_offers_a_staff_login(page: Page, live_site: LiveServer) -> None:
    page.goto(live_site.alpha("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zorg Alpha")
    page.get_by_role("link", name="Inloggen voor medewerkers").click()
    expect(page).to_have_url(live_site.alpha("/accounts/login/"))


# Accessibility (axe-core, WCAG 2.1 A and AA)

PUBLIC_PAGES = [
    ("landing", "localhost", "/"),
    ("login-platform", "localhost", "/accounts/login/"),
    ("signup-platform", "localhost", "/accounts/signup/"),
    ("password-reset", "localhost", "/accounts/password/reset/"),
    ("not-found", "localhost", "/bestaat-niet/"),
    ("provider-home", "alpha", "/"),
    ("login-provider", "alpha", "/accounts/login/"),
]


@pytest.mark.parametrize(("name", "host", "path"), PUBLIC_PAGES, ids=[p[0] for p in PUBLIC_PAGES])
def test_public_page_has_no_wcag_violations(
    page: Page, live_site: LiveServer, name: str, host: str, path: str
) -> None:
    page.goto(live_site.url(path, host=live_site.alpha_host if host == "alpha" else "localhost"))
    assert_accessible(page, name)


def test_login_form_with_errors_has_no_wcag_violations(page: Page, live_site: LiveServer) -> None:
    page.goto(live_site.url("/accounts/login/"))
    page.get_by_label("E-mail").fill("niemand@example.test")
    page.get_by_label("Wachtwoord").fill("verkeerd-wachtwoord")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.locator(".errorlist")).to_be_visible()
    assert_accessible(page, "login-error")


def test_second_factor_step_has_no_wcag_violations(page: Page, live_site: LiveServer, world: World) -> None:
    page.goto(live_site.alpha("/accounts/login/"))
    page.get_by_label("E-mail").fill(world.alpha_admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page).to_have_url(live_site.alpha("/accounts/2fa/authenticate/"))
    assert_accessible(page, "2fa-authenticate")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.locator(".errorlist")).to_be_visible()
    assert_accessible(page, "2fa-authenticate-error")


SIGNED_IN_PAGES = [
    ("provider-workspace", "/organisatie/"),
    ("2fa-index", "/accounts/2fa/"),
    ("2fa-totp-deactivate", "/accounts/2fa/totp/deactivate/"),
    ("2fa-recovery-codes-generate", "/accounts/2fa/recovery-codes/generate/"),
    ("2fa-webauthn-add", "/accounts/2fa/webauthn/add/"),
]


@pytest.mark.parametrize(("name", "path"), SIGNED_IN_PAGES, ids=[p[0] for p in SIGNED_IN_PAGES])
def test_signed_in_page_has_no_wcag_violations(
    alpha_admin_page: Page, live_site: LiveServer, name: str, path: str
) -> None:
    page = alpha_admin_page
    response = page.goto(live_site.alpha(path))
    assert response is not None
    assert response.ok
    if "/accounts/reauthenticate/" in page.url:
        # Changing second factors asks for the password again (allauth's reauthentication).
        assert_accessible(page, "reauthenticate")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Bevestigen").click()
    expect(page).to_have_url(live_site.alpha(path))
    assert_accessible(page, name)


def test_setting_up_an_authenticator_app_has_no_wcag_violations(
    page: Page, live_site: LiveServer, world: World
) -> None:
    log_in(page, live_site.alpha(""), world.alpha_staff_no_mfa.email, totp=False)
    page.goto(live_site.alpha("/organisatie/"))
    # MFA is required for provider staff: first the password again, then the app.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page, "reauthenticate")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Bevestigen").click()
    expect(page).to_have_url(live_site.alpha("/accounts/2fa/totp/activate/"))
    assert_accessible(page, "2fa-totp-activate")


# Keyboard


def test_keyboard_only_user_logs_in_with_totp_and_reaches_the_provider_workspace(
    page: Page, live_site: LiveServer, world: World
) -> None:
    page.goto(live_site.alpha("/"))
    # The first Tab lands on the skip link, which becomes visible.
    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    save_screenshot(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    # From the content, the next Tab reaches the staff login button.
    tab_until(page, lambda el: el["text"] == "Inloggen voor medewerkers", limit=1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_site.alpha("/accounts/login/"))

    tab_until(page, lambda el: el["name"] == "login")
    page.keyboard.type(world.alpha_admin.email)
    tab_until(page, lambda el: el["name"] == "password", limit=1)
    page.keyboard.type(PASSWORD)
    save_screenshot(page, "keyboard-login")
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_site.alpha("/accounts/2fa/authenticate/"))
    tab_until(page, lambda el: el["name"] == "code")
    page.keyboard.type(fresh_totp_code())
    save_screenshot(page, "keyboard-totp")
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_site.alpha("/"))
    tab_until(page, lambda el: el["text"] == "Organisatie")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_site.alpha("/organisatie/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zorg Alpha")
    expect(page.get_by_role("table", name="Gebruikers met toegang tot deze organisatie")).to_contain_text(
        world.alpha_admin.email
    )
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()
    save_screenshot(page, "keyboard-workspace")


FOCUS_STYLE = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth), offset = parseFloat(style.outlineOffset);
    const opaque = (node) => {
        for (; node && node.nodeType === 1; node = node.parentElement) {
            const color = getComputedStyle(node).backgroundColor;
            if (color !== "rgba(0, 0, 0, 0)" && color !== "transparent") return color;
        }
        return "rgb(255, 255, 255)";
    };
    // What the ring is seen against: the element itself when the ring is drawn
    // inside it, otherwise whatever lies just beyond the ring on each side.
    let around;
    if (offset + width <= 0) {
        around = [opaque(el)];
    } else {
        const box = el.getBoundingClientRect(), reach = offset + width + 1;
        const middleX = box.left + box.width / 2, middleY = box.top + box.height / 2;
        const points = [
            [box.left - reach, middleY], [box.right + reach, middleY],
            [middleX, box.top - reach], [middleX, box.bottom + reach],
        ].filter(([x, y]) => x >= 0 && y >= 0 && x < window.innerWidth && y < window.innerHeight);
        around = points.map(([x, y]) => opaque(
            document.elementsFromPoint(x, y).find((node) => node !== el && !el.contains(node))
        ));
    }
    return {
        outlineStyle: style.outlineStyle,
        outlineWidth: width,
        outlineColor: style.outlineColor,
        around: around,
        text: (el.innerText || el.value || el.tagName).trim(),
    };
}"""


def _luminance(css_color: str) -> float:
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_color)[:3])

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(first: str, second: str) -> float:
    light, dark = sorted([_luminance(first), _luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_focusable_element_shows_a_clearly_visible_focus_indicator(
    page: Page, live_site: LiveServer
) -> None:
    page.goto(live_site.url("/accounts/login/"))
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        style = page.evaluate(FOCUS_STYLE)
        seen.append(style["text"])
        if style["text"] == "Wijzig":
            save_screenshot(page, "focus-indicator-header")
        assert style["outlineStyle"] != "none", f"{style}"
        assert style["outlineWidth"] >= 2, f"{style}"
        # WCAG 1.4.11: the indicator stands out (3:1) from what surrounds it.
        assert min(contrast(style["outlineColor"], color) for color in style["around"]) >= 3, f"{style}"
    # The walk went from the skip link through the header (on dark blue) to the form (on white).
    assert seen[0] == "Naar de inhoud"
    assert "Wijzig" in seen
    assert "Wachtwoord vergeten?" in seen
    save_screenshot(page, "focus-indicator")


# Language


def test_language_switch_turns_the_page_into_english_and_back(page: Page, live_site: LiveServer) -> None:
    page.goto(live_site.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label("Taal").select_option("en")
    page.get_by_role("button", name="Wijzig").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_site.url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Independent complaints service for care providers"
    )
    expect(page.get_by_role("table", name="Current prices")).to_contain_text(
        "Complaints officer membership (per year)"
    )
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert_accessible(page, "landing-en")

    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page, "login-en")

    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_url(live_site.url("/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")


def test_landing_page_fits_a_phone(browser: Browser, live_site: LiveServer) -> None:
    context = new_context(browser, viewport={"width": 390, "height": 844})
    page = watch(context.new_page())
    page.goto(live_site.url("/"))
    expect(page.get_by_role("table", name="Actuele prijzen")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page, "landing-phone")
    context.close()


WORDS_BROKEN_ACROSS_LINES = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.textContent))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("width", [390, 560, 800, 1280])
def test_card_headings_keep_their_words_whole_and_the_icon_is_served(
    browser: Browser, live_site: LiveServer, width: int
) -> None:
    context = new_context(browser, viewport={"width": width, "height": 900})
    page = watch(context.new_page())
    page.goto(live_site.url("/"))
    assert page.evaluate(WORDS_BROKEN_ACROSS_LINES, ".card h3") == []
    # The page names its icon, so the browser does not ask for a /favicon.ico that is not there.
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon and page.request.get(live_site.url(icon)).ok
    context.close()
