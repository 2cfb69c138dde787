"""The coordinator corrects a formal receipt date and works the print-and-post list, in headless Chromium.

Both pages are checked with axe-core (WCAG 2.1 A and AA) under the real
Content-Security-Policy. The cases are committed from a thread (their own
connection) and removed afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from casework.closing.services import case_close
from casework.closing.tasks import send_closing_letter
from casework.index.models import CaseIndex, Outcome, PostalLetter, Track
from casework.models import ClosingNotice, Complaint, Letter
from outbox.models import OutboxMessage
from tenants.clusters import schema_context
from tests.browser.conftest import (
    LiveServer,
    assert_accessible,
    committed,
    fresh_totp_code,
    new_context,
    watch,
)
from tests.casework.accessors import STAFF
from tests.casework.factories import submission, submit
from tests.casework.factories_decision import record_decision
from tests.support import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]


@pytest.fixture(scope="module")
def letter_cases(world: World, live_site: LiveServer, django_db_blocker) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A formal case entered today, and a decided, closed case of a complainant without e-mail."""

    def make() -> dict[str, Any]:
        formal = submit(world.alpha, submission=submission(track=Track.FORMAL)).complaint
        postal = submit(
            world.alpha,
            submission=submission(track=Track.FORMAL, complainant_email="", complainant_name="Piet Post"),
        ).complaint
        record_decision(world.alpha, postal, world.alpha_admin)
        closing = case_close(
            accessor=STAFF,
            provider=world.alpha,
            complaint_id=postal.pk,
            actor=world.coordinator,
            outcome=Outcome.RESOLVED,
        )
        with schema_context(world.alpha.schema_name):
            send_closing_letter(closing_id=closing.pk)
        return {"formal": formal.reference, "postal": postal.reference}

    with django_db_blocker.unblock():
        cases = committed(make)
    yield cases

    def remove() -> None:
        for row in CaseIndex.objects.filter(reference__in=[cases["formal"], cases["postal"]]):
            PostalLetter.objects.filter(case=row).delete()
            with schema_context(row.provider.schema_name):
                Letter.objects.filter(complaint_id=row.case_id).delete()
                ClosingNotice.objects.filter(complaint_id=row.case_id).delete()
                Complaint.objects.filter(pk=row.case_id).delete()
            OutboxMessage.objects.filter(schema_name=row.provider.schema_name).delete()
            row.delete()

    with django_db_blocker.unblock():
        committed(remove)


def test_coordinator_corrects_the_receipt_date_and_posts_a_letter(
    browser: Browser, live_site: LiveServer, world: World, letter_cases: dict[str, Any]
) -> None:
    page = watch(new_context(browser).new_page())
    page.goto(live_site.url("/accounts/login/"))
    page.get_by_label("E-mail").fill(world.coordinator.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_label("Code").fill(fresh_totp_code())
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("link", name="Uitloggen")).to_be_visible()

    # The receipt date, corrected on the dossier page with a reason.
    reference = letter_cases["formal"]
    page.goto(live_site.url(f"/werkplek/zaken/{reference}/"))
    page.get_by_text("Formele ontvangstdatum wijzigen").click()
    earlier = datetime.date.today() - datetime.timedelta(days=3)
    page.get_by_label("Formeel ontvangen op").fill(earlier.isoformat())
    page.get_by_label("Reden van de wijziging").fill("Poststempel van drie dagen geleden")
    assert_accessible(page, "dossier-receipt-date")
    page.get_by_role("button", name="Ontvangstdatum wijzigen").click()
    expect(page.get_by_text("De formele ontvangstdatum is gewijzigd.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Poststempel van drie dagen geleden")

    # The print-and-post list, from the workspace.
    page.goto(live_site.url("/werkplek/"))
    page.get_by_role("link", name="Brieven om te printen en te posten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brieven om te printen en te posten")
    # Without an e-mail address both the decision and the closing letter wait to be posted.
    rows = page.locator("tr", has=page.get_by_role("link", name=letter_cases["postal"]))
    expect(rows).to_have_count(2)
    assert_accessible(page, "post-list")
    page.get_by_role("button", name=f"Verstuurd: Afsluitbrief {letter_cases['postal']}").click()
    expect(page.get_by_text("Vastgelegd als verstuurd.")).to_be_visible()
    expect(page.locator("#h-posted")).to_be_visible()
    expect(
        page.get_by_role("button", name=f"Verstuurd: Afsluitbrief {letter_cases['postal']}")
    ).to_have_count(0)
    assert_accessible(page, "post-list-posted")
    page.context.close()
