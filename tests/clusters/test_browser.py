"""The coordinator's queue in a browser, with providers on clusters: how fresh it is, accessibly.

gunicorn serves the three test databases (``KLACHTPUNT_CLUSTERS`` names the clusters'
test databases); headless Chromium logs the coordinator in with password and code,
and the queue names the cluster whose index change is still on its way. axe checks
WCAG 2.1 AA; the screenshot is tests/artifacts/clusters-queue-freshness.png.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, expect

from casework.dossier.moving import move_begin
from casework.intake.holding import holding_open
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _wait_until_serving,
    assert_accessible,
    fresh_totp_code,
    new_context,
    playwright_for_sync_tests,
    watch,
)
from tests.casework.factories import WHAT_HAPPENED, submit
from tests.clusters.conftest import on_cluster, provision
from tests.conftest import ROOT, subprocess_env
from tests.support import PASSWORD, free_port

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__", serialized_rollback=True)


def _url(alias: str) -> str:
    db = connections[alias].settings_dict
    auth = db.get("USER") or ""
    auth += f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{auth}{'@' if auth else ''}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = subprocess_env(
        KLACHTPUNT_TESTING="1",
        DATABASE_URL=_url("default"),
        KLACHTPUNT_CLUSTERS=",".join(f"{alias}={_url(alias)}" for alias in ("east", "west")),
        DJANGO_SETTINGS_MODULE="klachtpunt.settings",
        PLATFORM_PORT=str(port),
    )
    env.pop("CACHE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "klachtpunt.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "2"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_serving(port, process, log)
        yield f"http://localhost:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_the_queue_says_which_cluster_is_behind_and_passes_axe(platform, coordinator, site) -> None:  # type: ignore[no-untyped-def]
    provider = provision("scherm")
    reference = submit(provider).complaint.reference
    bump = "UPDATE caseindex_caseindex SET priority = 1 WHERE reference = %s"
    on_cluster(provider.database, bump, [reference])  # written past the routers: not relayed yet
    connections.close_all()  # the browser's event loop runs in this thread from here on

    with playwright_for_sync_tests() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = watch(new_context(browser).new_page())
        page.goto(f"{site}/accounts/login/")
        page.get_by_label("E-mail").fill(coordinator.email)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen", exact=True).click()
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_label("Code").fill(fresh_totp_code())
        page.get_by_role("button", name="Inloggen", exact=True).click()
        page.goto(f"{site}/werkplek/wachtrij/")

        note = page.locator("#index-freshness")
        expect(note).to_contain_text(f"Cluster {provider.database}: 1 wijziging is nog onderweg")
        other = "west" if provider.database == "east" else "east"
        expect(note).to_contain_text(f"Cluster {other}: de wachtrij is bijgewerkt.")
        expect(page.get_by_text(reference)).to_be_visible()
        assert_accessible(page, "clusters-queue-freshness")

        # In English, on a phone.
        page.set_viewport_size({"width": 390, "height": 844})
        page.get_by_label("Taal").select_option("en")
        page.get_by_role("button", name="Wijzig").click()
        page.goto(f"{site}/werkplek/wachtrij/")
        expect(note).to_contain_text(
            f"Cluster {provider.database}: 1 change is still on its way to the queue"
        )
        expect(note).to_contain_text(f"Cluster {other}: the queue is up to date.")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert_accessible(page, "clusters-queue-freshness-en-390")
        browser.close()


def fill_by_name(page: Page) -> None:
    """The complaint form filled by its fields' names, the same in either language."""
    page.check("input[name=complainant_kind][value=client]")
    page.fill("input[name=complainant_name]", "Jan Jansen")
    page.fill("input[name=complainant_email]", "jan.jansen@example.nl")
    page.fill("textarea[name=what_happened]", WHAT_HAPPENED)
    page.select_option("select[name=category]", index=1)
    page.check("input[name=goal][value=explanation]")
    page.check("input[name=consent][value=given]")


def test_a_complaint_sent_while_its_provider_moves_gets_a_clear_receipt_on_a_phone(platform, site) -> None:  # type: ignore[no-untyped-def]
    provider = provision("verhuizing")
    target = "west" if provider.database == "east" else "east"
    holding_open(provider, target)
    move_begin(provider, target)
    host = provider.get_primary_domain().domain
    connections.close_all()

    with playwright_for_sync_tests() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = new_context(browser, viewport={"width": 390, "height": 844})
        for language, heading, held in (
            ("nl", "Uw klacht is ontvangen", "Uw klacht is veilig bewaard"),
            ("en", "Your complaint has been received", "Your complaint is stored safely"),
        ):
            page = watch(phone.new_page())
            page.goto(site.replace("localhost", host, 1) + f"/klacht/?lang={language}")
            fill_by_name(page)
            page.locator("button[data-kp-submit]").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(heading, timeout=30_000)
            expect(page.get_by_text(held)).to_be_visible()
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
            assert_accessible(page, f"clusters-held-receipt-{language}-390")
        browser.close()
    # Both are held on the target, none filed yet.
    assert on_cluster(target, f'SELECT count(*) FROM "{provider.schema_name}_held".submission') == [(2,)]
