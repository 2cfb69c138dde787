"""The disputes body settings, the complaints scheme and the membership badge in a real browser, with axe.

The provider admin chooses the disputes body, makes and publishes the scheme;
anyone reads it (Dutch and English) and its versions; the badge's verification
page says whether the membership is active or lapsed. Screenshots, the scheme's
PDF and the badge go to tests/artifacts/.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    ARTIFACTS,
    LiveServer,
    assert_accessible,
    committed,
    new_context,
    watch,
)
from tests.browser.test_pages import log_in
from tests.support import World

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db]

GENERAL = "De Geschillencommissie Zorg Algemeen"


@pytest.fixture
def alpha_member(world: World) -> Iterator[None]:
    """Alpha with an active officer membership and no disputes body yet; put back afterwards."""

    def arrange() -> None:
        from billing.memberships import membership_create
        from billing.models import MembershipStatus

        membership_create(provider=world.alpha, services=["officer", "dpo"], status=MembershipStatus.ACTIVE)

    def restore() -> None:
        from billing.models import Membership
        from casework.models import ComplaintsScheme
        from tenants.clusters import schema_context
        from tenants.models import Provider, ProviderAuditEvent

        Membership.objects.filter(provider=world.alpha).delete()
        Provider.objects.filter(pk=world.alpha.pk).update(
            disputes_body=None, services=[], membership_lapsed=False
        )
        ProviderAuditEvent.objects.filter(provider=world.alpha).delete()
        with schema_context(world.alpha.schema_name):
            ComplaintsScheme.objects.all().delete()

    committed(arrange)
    yield
    committed(restore)


def show_badge(page: Page, name: str) -> None:
    """The badge image itself, as the verification page (and a provider's website) shows it."""
    page.wait_for_function("document.querySelector('img.membership-badge').naturalWidth > 0")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("img.membership-badge").screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_admin_chooses_the_body_publishes_the_scheme_and_the_badge_tells_the_truth(
    browser: Browser, page: Page, live_site: LiveServer, world: World, alpha_member: None
) -> None:
    log_in(page, live_site.alpha(""), world.alpha_admin.email, totp=True)
    page.goto(live_site.alpha("/organisatie/"))
    page.get_by_role("link", name="Geschilleninstantie kiezen of wijzigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Geschilleninstantie")
    assert_accessible(page, "disputes-body-settings-empty")
    page.get_by_label("Uw geschilleninstantie").select_option(
        label=f"{GENERAL} (Alle zorg waarvoor geen eigen geschilleninstantie bestaat)"
    )
    page.get_by_role("button", name="Geschilleninstantie opslaan").click()
    expect(page.get_by_text("De geschilleninstantie is opgeslagen.")).to_be_visible()
    expect(page.get_by_role("cell", name=GENERAL)).to_be_visible()
    assert_accessible(page, "disputes-body-settings-chosen")

    page.goto(live_site.alpha("/organisatie/"))
    page.get_by_role("link", name="Uw klachtenregeling nalezen en publiceren").click()
    assert_accessible(page, "scheme-manage-empty")
    page.get_by_role("button", name="Concept maken").click()
    expect(page.get_by_text("Concept voor versie 1")).to_be_visible()
    assert_accessible(page, "scheme-manage-draft")
    page.get_by_role("button", name="Publiceren").click()
    expect(page.get_by_text("Versie 1 is gepubliceerd.")).to_be_visible()

    # Anyone reads it, without logging in.
    visitor = new_context(browser)
    public = watch(visitor.new_page())
    public.goto(live_site.alpha("/klachtenregeling/"))
    expect(public.get_by_role("heading", level=1)).to_have_text("Klachtenregeling Zorg Alpha")
    expect(public.get_by_text("Postbus 90600").first).to_be_visible()
    assert_accessible(public, "scheme-public-nl")
    public.get_by_role("link", name="Read in English").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Complaints scheme Zorg Alpha")
    assert_accessible(public, "scheme-public-en")
    public.get_by_role("link", name="All versions").click()
    expect(public.get_by_role("cell", name="In force now")).to_be_visible()
    assert_accessible(public, "scheme-versions-en")
    # The PDF, fetched as the browser would (the provider host resolves only inside Chromium).
    request = urllib.request.Request(
        f"http://127.0.0.1:{live_site.port}/klachtenregeling/pdf/",
        headers={"Host": f"{live_site.alpha_host}:{live_site.port}"},
    )
    with urllib.request.urlopen(request, timeout=10) as pdf:  # noqa: S310 (loopback, fixed scheme)
        assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "scheme-v1-nl.pdf").write_bytes(pdf.read())

    # The badge and the page behind it, on the platform host: active now.
    public.goto(live_site.url("/lidmaatschap/alpha/"))
    expect(public.get_by_text("Ja. Het lidmaatschap is actief.")).to_be_visible()
    assert_accessible(public, "membership-verify-active")
    show_badge(public, "membership-badge-active")

    # The membership lapses; the same page says so at once.
    def lapse() -> None:
        from billing.models import Membership, MembershipStatus

        membership = Membership.objects.get(provider=world.alpha)
        membership.status = MembershipStatus.CANCELLED
        membership.save()

    committed(lapse)
    public.goto(live_site.url("/lidmaatschap/alpha/"))
    expect(public.get_by_text("Nee, niet meer. Het lidmaatschap is verlopen.")).to_be_visible()
    assert_accessible(public, "membership-verify-lapsed")
    show_badge(public, "membership-badge-lapsed")
    visitor.close()
