"""The complainant's portal on the platform host: filing, Mijn klachten, consent and track."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.services import user_create
from casework.complainant.services import my_cases
from casework.consent.wording import consent_wording
from casework.dossier.services import timeline_add
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent, Track
from casework.models import Complaint, ConsentRecord, TimelineEntry
from reference.deadline_rules import decision_deadline
from tenants.clusters import schema_context
from tenants.selectors import provider_search
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.support import PASSWORD, World

pytestmark = pytest.mark.django_db

FORM_KEY = "k3y-for-one-rendering-0001"


def complaint_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "form_key": FORM_KEY,
        "complainant_kind": "client",
        "complainant_name": "Jan Jansen",
        "complainant_email": "klager@example.test",
        "complainant_postcode": "3511ab",
        "what_happened": WHAT_HAPPENED,
        "category": "treatment",
        "law": "wlz",
        "goal": "explanation",
        "track": Track.INFORMAL,
        "consent": Consent.GIVEN,
    }
    data.update(overrides)
    return data


@pytest.fixture
def complainant_client(world: World) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    return client


def own_case(world: World, provider: Any = None, **overrides: Any) -> Complaint:
    return submit(
        provider or world.alpha,
        channel=Channel.PORTAL,
        submission=submission(**overrides),
        complainant_user_id=world.complainant.pk,
    ).complaint


# --- Finding a provider ------------------------------------------------------------


def test_provider_search_finds_by_name_and_by_city_in_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    provider_search(query="warm-up")  # a previous test may leave the connection on a tenant schema
    with django_assert_num_queries(1):
        by_name, more = provider_search(query="alpha")
    assert [p.slug for p in by_name] == ["alpha"] and not more
    with django_assert_num_queries(1):
        by_city, _ = provider_search(query="  leiden ")
    assert [p.slug for p in by_city] == ["beta"]
    # The platform itself is not a provider one can complain about.
    assert provider_search(query="Klachtpunt") == ([], False)
    assert provider_search(query="a") == ([], False)


def test_search_page_lists_matches_with_links_to_the_form(complainant_client: Client) -> None:
    page = complainant_client.get("/klacht-indienen/", {"q": "Utrecht"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/klacht-indienen/alpha/"' in html and "Zorg Alpha" in html
    assert "Zorg Beta" not in html


def test_portal_pages_need_a_login(platform_client: Client) -> None:
    for url in ("/klacht-indienen/", "/klacht-indienen/alpha/", "/mijn-klachten/"):
        response = platform_client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_portal_is_not_served_on_provider_hosts(world: World, alpha_client: Client) -> None:
    alpha_client.force_login(world.complainant)
    assert alpha_client.get("/mijn-klachten/").status_code == 404


# --- Filing ------------------------------------------------------------------


def test_form_is_prefilled_with_the_account_and_lists_the_providers_categories(
    complainant_client: Client,
) -> None:
    page = complainant_client.get("/klacht-indienen/alpha/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="klager@example.test"' in html
    assert 'value="treatment"' in html  # seeded in the provider's own schema
    assert re.search(r'name="form_key" value="[A-Za-z0-9_-]{22}"', html)
    assert 'src="/static/js/show-when.js"' in html
    assert 'data-show-when="complainant_kind=representative,relative"' in html


def test_filing_via_portal_creates_the_case_for_the_logged_in_complainant(
    world: World, complainant_client: Client
) -> None:
    response = complainant_client.post("/klacht-indienen/alpha/", complaint_post())
    assert response.status_code == 302
    reference = re.fullmatch(r"/mijn-klachten/(KP-\d{4}-\d{6})/ontvangen/", response.url).group(1)
    row = CaseIndex.objects.get(reference=reference)
    assert row.provider_id == world.alpha.pk
    assert row.complainant_user_id == world.complainant.pk and row.channel == Channel.PORTAL
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(reference=reference)
        assert complaint.complainant_user_id == world.complainant.pk
        assert complaint.complainant_postcode == "3511 AB"
        assert complaint.category.code == "treatment"
    done = complainant_client.get(response.url)
    assert done.status_code == 200 and reference in done.content.decode()


def test_formal_complaint_success_page_shows_the_deadline(world: World, complainant_client: Client) -> None:
    response = complainant_client.post("/klacht-indienen/beta/", complaint_post(track=Track.FORMAL))
    reference = response.url.split("/")[2]
    row = CaseIndex.objects.get(reference=reference)
    assert row.deadline is not None
    html = complainant_client.get(response.url).content.decode()
    assert reference in html
    assert f"{row.deadline.day} " in html and str(row.deadline.year) in html


def test_validation_errors_keep_everything_entered(world: World, complainant_client: Client) -> None:
    data = complaint_post(
        what_happened="",
        complainant_kind="representative",
        client_name="Piet Jansen",
        relation_to_client="zoon",
        mandate_basis="",
        location="Afdeling Zonnebloem",
    )
    page = complainant_client.post("/klacht-indienen/alpha/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Controleer wat u heeft ingevuld" in html
    assert 'value="Piet Jansen"' in html and 'value="zoon"' in html and 'value="Afdeling Zonnebloem"' in html
    assert f'name="form_key" value="{FORM_KEY}"' in html
    assert 'id="id_mandate_basis_error"' in html and 'aria-invalid="true"' in html
    assert not CaseIndex.objects.filter(complainant_user=world.complainant).exists()


def test_resubmitting_one_rendering_files_one_complaint(world: World, complainant_client: Client) -> None:
    first = complainant_client.post("/klacht-indienen/alpha/", complaint_post())
    second = complainant_client.post("/klacht-indienen/alpha/", complaint_post())
    assert first.url == second.url
    assert CaseIndex.objects.filter(complainant_user=world.complainant).count() == 1


def test_a_form_key_is_scoped_to_its_user(world: World, complainant_client: Client) -> None:
    complainant_client.post("/klacht-indienen/alpha/", complaint_post())
    other = user_create(email="ander@example.test", password=PASSWORD)
    client = Client(HTTP_HOST="localhost")
    client.force_login(other)
    response = client.post("/klacht-indienen/alpha/", complaint_post(complainant_email=other.email))
    assert response.status_code == 302
    assert CaseIndex.objects.filter(complainant_user=other).count() == 1
    assert client.get(response.url).status_code == 200


# --- Mijn klachten -------------------------------------------------------------


def count_queries(client: Client, url: str) -> tuple[int, Any]:
    """Queries run by one request (the test client resets Django's own query log)."""
    executed: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(url)
    return len(executed), response


def test_mijn_klachten_lists_only_own_cases_across_providers_in_constant_queries(
    world: World, complainant_client: Client, django_assert_num_queries: Any
) -> None:
    first = own_case(world)
    complainant_client.get("/mijn-klachten/")  # warm up: host lookup cache, session bound to the host
    one_case_queries, _ = count_queries(complainant_client, "/mijn-klachten/")
    second = own_case(world, world.beta, track=Track.FORMAL)
    third = own_case(world, world.beta)
    someone_else = submit(world.alpha).complaint
    my_cases(user=world.complainant)  # the connection settles back on the public schema first
    with django_assert_num_queries(1):
        rows = my_cases(user=world.complainant)
    assert [r.reference for r in rows] == [third.reference, second.reference, first.reference]
    assert [r.provider_name for r in rows] == ["Zorg Beta", "Zorg Beta", "Zorg Alpha"]
    today = timezone.localdate()
    assert (
        rows[1].deadline == decision_deadline(today) and rows[1].days_left == (rows[1].deadline - today).days
    )
    queries, page = count_queries(complainant_client, "/mijn-klachten/")
    assert queries == one_case_queries
    html = page.content.decode()
    for complaint in (first, second, third):
        assert f'href="/mijn-klachten/{complaint.reference}/"' in html
    assert someone_else.reference not in html
    days = (rows[1].deadline - today).days
    assert "Zorg Alpha" in html and "Zorg Beta" in html and f"nog {days} dagen" in html


def test_case_detail_shows_the_visible_timeline_only(world: World, complainant_client: Client) -> None:
    complaint = own_case(world)
    with schema_context(world.alpha.schema_name):
        timeline_add(
            complaint=complaint,
            kind="note",
            summary="Interne notitie van de coördinator",
            visibility=TimelineEntry.Visibility.STAFF,
        )
        timeline_add(
            complaint=complaint,
            kind="call",
            summary="Gebeld met de klager",
            visibility=TimelineEntry.Visibility.COMPLAINANT,
        )
    page = complainant_client.get(f"/mijn-klachten/{complaint.reference}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Zorg Alpha" in html and "Klacht ontvangen via Mijn klachten (ingelogd)" in html
    assert "Gebeld met de klager" in html
    assert "Interne notitie" not in html
    assert "no-store" in page["Cache-Control"]


def test_another_user_gets_404_on_someones_case(world: World) -> None:
    complaint = own_case(world)
    other = user_create(email="nieuwsgierig@example.test", password=PASSWORD)
    client = Client(HTTP_HOST="localhost")
    client.force_login(other)
    base = f"/mijn-klachten/{complaint.reference}"
    for url in (f"{base}/", f"{base}/ontvangen/", f"{base}/formeel/", f"{base}/toestemming/intrekken/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/toestemming/intrekken/").status_code == 404
    assert client.post(f"{base}/formeel/").status_code == 404
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.GIVEN
    assert client.get("/mijn-klachten/KP-1999-000001/").status_code == 404


def test_consent_withdraw_and_give_again_via_ui_is_recorded_with_wording(
    world: World, complainant_client: Client
) -> None:
    complaint = own_case(world)
    base = f"/mijn-klachten/{complaint.reference}"
    detail = complainant_client.get(f"{base}/").content.decode()
    assert f'href="{base}/toestemming/intrekken/"' in detail
    confirm = complainant_client.get(f"{base}/toestemming/intrekken/")
    assert confirm.status_code == 200
    assert consent_wording("nl") in confirm.content.decode()
    done = complainant_client.post(f"{base}/toestemming/intrekken/", follow=True)
    assert "Uw toestemming is ingetrokken" in done.content.decode()
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.WITHDRAWN
    complainant_client.post(f"{base}/toestemming/geven/", HTTP_ACCEPT_LANGUAGE="en")
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.GIVEN
    with schema_context(world.alpha.schema_name):
        records = list(ConsentRecord.objects.filter(complaint_id=complaint.pk).order_by("pk"))
    assert [r.decision for r in records] == [Consent.GIVEN, Consent.WITHDRAWN, Consent.GIVEN]
    withdrawn = records[1]
    assert withdrawn.wording == consent_wording("nl") and withdrawn.recorded_via == Channel.PORTAL
    assert withdrawn.recorded_by_user_id == world.complainant.pk and not withdrawn.on_behalf_of_complainant


def test_refusing_consent_when_not_possible_is_explained(world: World, complainant_client: Client) -> None:
    complaint = own_case(world, consent=Consent.REFUSED)
    base = f"/mijn-klachten/{complaint.reference}"
    response = complainant_client.post(f"{base}/toestemming/intrekken/", follow=True)
    assert "Er is geen toestemming om in te trekken" in response.content.decode()
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.REFUSED
    assert complainant_client.get(f"{base}/toestemming/onzin/").status_code == 404


def test_move_to_formal_sets_receipt_date_and_deadline(world: World, complainant_client: Client) -> None:
    complaint = own_case(world)
    base = f"/mijn-klachten/{complaint.reference}"
    assert "Formeel laten behandelen" in complainant_client.get(f"{base}/").content.decode()
    assert complainant_client.get(f"{base}/formeel/").status_code == 200
    done = complainant_client.post(f"{base}/formeel/", follow=True)
    row = CaseIndex.objects.get(reference=complaint.reference)
    assert row.track == Track.FORMAL and row.formal_received_on is not None and row.deadline is not None
    html = done.content.decode()
    assert "Uw klacht wordt nu formeel behandeld" in html and str(row.deadline.year) in html
    assert "Formeel laten behandelen" not in html
    # Already formal: the confirmation page sends them back with a message.
    again = complainant_client.get(f"{base}/formeel/", follow=True)
    assert "al formeel behandeld" in again.content.decode()


def test_move_to_formal_without_consent_waits_for_consent(world: World, complainant_client: Client) -> None:
    complaint = own_case(world, consent=Consent.REFUSED)
    done = complainant_client.post(f"/mijn-klachten/{complaint.reference}/formeel/", follow=True)
    row = CaseIndex.objects.get(reference=complaint.reference)
    assert row.track == Track.FORMAL and row.deadline is None
    assert "zodra u toestemming geeft" in done.content.decode()


# --- Adding a complaint filed without an account -----------------------------------


def test_add_complaint_by_reference_needs_a_matching_verified_email(world: World) -> None:
    filed = submit(world.alpha, submission=submission(complainant_email="Zelf@Example.test")).complaint
    stranger = user_create(email="vreemde@example.test", password=PASSWORD)
    client = Client(HTTP_HOST="localhost")
    client.force_login(stranger)
    refused = client.post("/mijn-klachten/toevoegen/", {"reference": filed.reference})
    assert refused.status_code == 400
    assert "We vonden geen klacht met dit kenmerk" in refused.content.decode()
    assert CaseIndex.objects.get(reference=filed.reference).complainant_user is None
    # An unverified address of the same name does not count either.
    EmailAddress.objects.create(user=stranger, email="zelf@example.test", verified=False)
    assert client.post("/mijn-klachten/toevoegen/", {"reference": filed.reference}).status_code == 400

    owner = user_create(email="zelf@example.test", password=PASSWORD)
    client.force_login(owner)
    added = client.post("/mijn-klachten/toevoegen/", {"reference": filed.reference.lower()})
    assert added.status_code == 302 and added.url == f"/mijn-klachten/{filed.reference}/"
    assert CaseIndex.objects.get(reference=filed.reference).complainant_user_id == owner.pk
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.get(pk=filed.pk).complainant_user_id == owner.pk


def _main_menu(html: str) -> str:
    return html.split('<nav aria-label="Hoofdmenu">', 1)[1].split("</nav>", 1)[0]


def test_navigation_offers_the_portal_to_logged_in_users(complainant_client: Client) -> None:
    menu = _main_menu(complainant_client.get("/").content.decode())
    assert 'href="/mijn-klachten/"' in menu and 'href="/klacht-indienen/"' in menu
    anonymous = Client(HTTP_HOST="localhost").get("/").content.decode()
    assert 'href="/mijn-klachten/"' not in _main_menu(anonymous)
    # The landing page itself points anonymous visitors there (login follows).
    assert 'href="/mijn-klachten/"' in anonymous


def test_no_deadline_is_shown_while_consent_is_withdrawn(world: World, complainant_client: Client) -> None:
    complaint = own_case(world, track=Track.FORMAL)
    today = timezone.localdate()
    days_left = f"nog {(decision_deadline(today) - today).days} dagen"
    assert days_left in complainant_client.get("/mijn-klachten/").content.decode()
    complainant_client.post(f"/mijn-klachten/{complaint.reference}/toestemming/intrekken/")
    listing = complainant_client.get("/mijn-klachten/").content.decode()
    assert days_left not in listing and "na uw toestemming" in listing
    detail = complainant_client.get(f"/mijn-klachten/{complaint.reference}/").content.decode()
    assert "Gaat in zodra u toestemming geeft" in detail


def test_a_closed_complaint_takes_no_more_decisions(world: World, complainant_client: Client) -> None:
    complaint = own_case(world)
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(status=CaseStatus.CLOSED)
    CaseIndex.objects.filter(reference=complaint.reference).update(status=CaseStatus.CLOSED)
    base = f"/mijn-klachten/{complaint.reference}"
    detail = complainant_client.get(f"{base}/").content.decode()
    assert "Toestemming intrekken" not in detail and "Formeel laten behandelen" not in detail
    refused = complainant_client.post(f"{base}/toestemming/intrekken/", follow=True)
    assert "Deze klacht is afgesloten" in refused.content.decode()
    complainant_client.post(f"{base}/formeel/")
    row = CaseIndex.objects.get(reference=complaint.reference)
    assert row.consent == Consent.GIVEN and row.track == Track.INFORMAL
