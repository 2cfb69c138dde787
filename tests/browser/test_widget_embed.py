"""The widget as a browser sees it: embedded in another site, refused where it is not allowed.

Two small sites on other origins (127.0.0.1, free ports) embed the widget with
the snippet from the settings page. Alpha allows the first one only; the
browser must show the form there, resize it, file a complaint with the proof
of work solved by the page's own script, and refuse the frame on the second
(CSP frame-ancestors).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import Frame, FrameLocator, Page, expect

from tests.browser.conftest import LiveServer, fresh_totp_code, save_screenshot
from tests.conftest import ROOT, subprocess_env
from tests.support import PASSWORD, World, free_port

# `django_db` makes pytest-django create this worker's test database (with the
# committed world); what the server must see is written on a connection of its
# own, outside the test's transaction, and undone after the test.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()

EMBEDDING_PAGE = """<!DOCTYPE html>
<html lang="nl">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
<main>
<h1>{title}</h1>
<p>Niet tevreden over onze zorg? Vertel het ons via het formulier hieronder.</p>
<div data-klachtpunt-widget></div>
</main>
<script src="{script}" defer></script>
</body>
</html>
"""


@dataclass
class Site:
    origin: str
    server: ThreadingHTTPServer

    @property
    def url(self) -> str:
        return self.origin + "/"


def _serve(title: str, script: str) -> Site:
    body = EMBEDDING_PAGE.format(title=title, script=script).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Site(origin=f"http://127.0.0.1:{port}", server=server)


@contextmanager
def committed_cursor() -> Iterator[Any]:
    """A cursor on a connection of its own, in autocommit: what it writes, the server sees."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def _alpha_case_ids(cursor: Any, provider_id: int) -> set[int]:
    cursor.execute("SELECT case_id FROM public.caseindex_caseindex WHERE provider_id = %s", [provider_id])
    return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def sites(  # type: ignore[no-untyped-def]
    live_site: LiveServer, world: World, django_db_blocker, test_database_url: str
) -> Iterator[tuple[Site, Site]]:
    """An allowed and a not-allowed embedding site; afterwards alpha's sites and complaints are as before."""
    script = live_site.alpha("/widget.js")
    allowed = _serve("Zorg Alpha – klachten", script)
    other = _serve("Een andere website", script)
    provider_id = world.alpha.pk
    with django_db_blocker.unblock(), committed_cursor() as cursor:
        cursor.execute(
            "SELECT allowed_origins FROM public.tenants_widgetsettings WHERE provider_id = %s", [provider_id]
        )
        row = cursor.fetchone()
        previous = row[0] if row else None
        cursor.execute(
            "INSERT INTO public.tenants_widgetsettings (provider_id, allowed_origins, updated_at) "
            "VALUES (%s, %s::varchar(200)[], now()) ON CONFLICT (provider_id) "
            "DO UPDATE SET allowed_origins = EXCLUDED.allowed_origins, updated_at = now()",
            [provider_id, [allowed.origin]],
        )
        cases_before = _alpha_case_ids(cursor, provider_id)
    try:
        yield allowed, other
    finally:
        allowed.server.shutdown()
        other.server.shutdown()
        with django_db_blocker.unblock(), committed_cursor() as cursor:
            if previous is None:
                cursor.execute(
                    "DELETE FROM public.tenants_widgetsettings WHERE provider_id = %s", [provider_id]
                )
            else:
                cursor.execute(
                    "UPDATE public.tenants_widgetsettings SET allowed_origins = %s::varchar(200)[] "
                    "WHERE provider_id = %s",
                    [previous, provider_id],
                )
            made = _alpha_case_ids(cursor, provider_id) - cases_before
        # The complaints the server filed go the way they came: through the ORM, committed.
        env = subprocess_env(DATABASE_URL=test_database_url, DJANGO_SETTINGS_MODULE="klachtpunt.settings")
        for case_id in sorted(made):
            subprocess.run(
                [sys.executable, "-m", "tests.casework.committed_ops", "remove", "alpha", str(case_id)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )


def assert_no_wcag_violations(page: Page, name: str) -> None:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def fill_complaint(form: FrameLocator | Page) -> None:
    form.get_by_label("Ik ben de cliënt zelf").check()
    form.get_by_label("Uw naam").fill("Jan Jansen")
    form.get_by_label("Uw e-mailadres").fill("jan.jansen@example.nl")
    form.get_by_label("Wat is er gebeurd?").fill(
        "De avonddienst gaf mijn vader zijn medicijnen twee uur te laat, drie avonden achter elkaar."
    )
    form.get_by_label("Waar gaat uw klacht over?").select_option(index=1)
    form.get_by_label("Uitleg", exact=True).check()
    form.get_by_label("Ja, ik geef toestemming").check()


def widget_frame(page: Page, live_site: LiveServer) -> Frame:
    frames = [frame for frame in page.frames if frame is not page.main_frame]
    assert len(frames) == 1, [frame.url for frame in page.frames]
    return frames[0]


def test_widget_on_an_allowed_site_files_a_complaint_and_resizes(
    page: Page, live_site: LiveServer, sites: tuple[Site, Site]
) -> None:
    allowed, _other = sites
    page.goto(allowed.url)
    iframe = page.locator("iframe[data-klachtpunt-frame]")
    expect(iframe).to_have_attribute("title", "Klachtenformulier")
    form = page.frame_locator("iframe[data-klachtpunt-frame]")
    expect(form.get_by_role("heading", level=1)).to_have_text("Klacht over Zorg Alpha")
    frame = widget_frame(page, live_site)
    assert frame.url.startswith(live_site.alpha("/widget/?parent="))

    # The frame reported its height: the whole form shows, without a scrollbar of its own.
    page.wait_for_function(
        "() => document.querySelector('iframe[data-klachtpunt-frame]').getBoundingClientRect().height > 1500"
    )
    assert frame.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight + 1")
    # A message from anyone else (here: the embedding page itself) is ignored.
    page.evaluate("() => window.postMessage({type: 'klachtpunt:height', height: 50}, '*')")
    page.wait_for_timeout(200)
    assert iframe.bounding_box()["height"] > 1500

    fill_complaint(form)
    # A full-page shot paints a cross-origin frame only where the viewport is: make it tall.
    page.set_viewport_size({"width": 1280, "height": int(page.evaluate("document.body.scrollHeight")) + 20})
    save_screenshot(page, "widget-embedded-form")
    page.set_viewport_size({"width": 1280, "height": 900})
    form.get_by_role("button", name="Klacht versturen").click()

    expect(form.get_by_role("heading", level=1)).to_have_text("Uw klacht is ontvangen", timeout=30_000)
    reference = form.locator("[data-kp-reference]").inner_text()
    assert re.fullmatch(r"KP-\d{4}-\d{6}", reference)
    expect(form.get_by_role("link", name=re.compile("Mijn klacht volgen"))).to_have_attribute(
        "href", re.compile(re.escape(live_site.alpha("/volg/")))
    )
    # The frame shrank to the confirmation.
    page.wait_for_function(
        "() => document.querySelector('iframe[data-klachtpunt-frame]').getBoundingClientRect().height < 1500"
    )
    save_screenshot(page, "widget-embedded-done")
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def test_widget_is_refused_on_a_site_that_is_not_allowed(
    page: Page, live_site: LiveServer, sites: tuple[Site, Site]
) -> None:
    _allowed, other = sites
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    page.goto(other.url)
    page.wait_for_load_state("load")
    expect(page.locator("iframe[data-klachtpunt-frame]")).to_be_attached()
    frame = widget_frame(page, live_site)
    # The browser did not load the form into the frame: it shows its own error page instead.
    page.wait_for_timeout(300)
    assert not frame.url.startswith(live_site.alpha("/")), frame.url
    assert frame.locator("form.intake-form").count() == 0
    assert any("frame-ancestors" in text for text in refusals), refusals
    save_screenshot(page, "widget-refused-elsewhere")


def test_widget_form_has_no_wcag_violations_empty_with_errors_and_done(
    page: Page, live_site: LiveServer, sites: tuple[Site, Site]
) -> None:
    page.goto(live_site.alpha("/widget/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Klacht over Zorg Alpha")
    assert_no_wcag_violations(page, "widget-form")

    # Sent with mistakes: the summary takes the focus, fields say what is wrong, nothing is lost.
    page.get_by_label("Uw naam").fill("Jan Jansen")
    page.get_by_label("Uw postcode").fill("12345")
    page.get_by_role("button", name="Klacht versturen").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused(timeout=30_000)
    expect(page.locator("#id_complainant_postcode_error")).to_contain_text("Vul een Nederlandse postcode in")
    expect(page.get_by_label("Uw naam")).to_have_value("Jan Jansen")
    expect(page.get_by_label("Uw postcode")).to_have_value("12345")
    save_screenshot(page, "widget-form-errors")
    assert_no_wcag_violations(page, "widget-form-errors")

    page.get_by_label("Uw postcode").fill("3511 AB")
    fill_complaint(page)
    page.get_by_label("Als formele klacht", exact=False).check()
    page.get_by_role("button", name="Klacht versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw klacht is ontvangen", timeout=30_000)
    expect(page.get_by_text("Schriftelijk oordeel van de zorgaanbieder uiterlijk op")).to_be_visible()
    save_screenshot(page, "widget-done-formal")
    assert_no_wcag_violations(page, "widget-done")
    assert page.problems == [], page.problems  # type: ignore[attr-defined]


def test_provider_admin_finds_the_snippet_on_the_settings_page(
    page: Page, live_site: LiveServer, world: World, sites: tuple[Site, Site]
) -> None:
    allowed, _other = sites
    page.goto(live_site.alpha("/accounts/login/"))
    page.get_by_label("E-mail").fill(world.alpha_admin.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()

    page.goto(live_site.alpha("/instellingen/klachtenformulier/"))
    sites_field = page.get_by_label("Websites die het klachtenformulier mogen tonen")
    expect(sites_field).to_have_value(allowed.origin)
    snippet = page.get_by_label("Code om in te voegen")
    expect(snippet).to_have_value(
        re.compile(re.escape(f'<script src="{live_site.alpha("/widget.js")}" defer>'))
    )
    page.get_by_role("button", name="Kopieer de code").click()
    expect(page.locator("[data-copy-status]")).not_to_be_empty()

    sites_field.fill(f"{allowed.origin}\nwww.zonder-schema.nl")
    page.get_by_role("button", name="Websites opslaan").click()
    expect(page.locator("#id_allowed_origins_error")).to_contain_text("moet beginnen met https://")
    save_screenshot(page, "widget-settings-error")
    assert_no_wcag_violations(page, "widget-settings-error")

    sites_field.fill(f"{allowed.origin}\nHTTPS://WWW.Zorg-Alpha.nl/")
    page.get_by_role("button", name="Websites opslaan").click()
    expect(page.get_by_text("De websites voor het klachtenformulier zijn opgeslagen.")).to_be_visible()
    expect(sites_field).to_have_value(f"{allowed.origin}\nhttps://www.zorg-alpha.nl")
    save_screenshot(page, "widget-settings")
    assert_no_wcag_violations(page, "widget-settings")
