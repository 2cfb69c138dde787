"""The complaints scheme: generated from what the provider has, reviewed and published by its admin."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from pypdf import PdfReader

from casework.models import ComplaintsScheme
from casework.scheme.selectors import scheme_in_force
from casework.scheme.services import scheme_draft_generate, scheme_publish
from reference.dates import today_amsterdam
from reference.models import DisputesBody
from tenants.clusters import schema_context
from tenants.models import Provider, ProviderAuditEvent
from tenants.services import provider_disputes_body_set
from tests.casework.factories_decision import login
from tests.support import World

pytestmark = pytest.mark.django_db

GENERAL = "De Geschillencommissie Zorg Algemeen"
ZORGGESCHIL = "Geschilleninstantie Zorggeschil (Stichting Zorggeschil)"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture
def alpha_with_body(world: World):  # type: ignore[no-untyped-def]
    body = DisputesBody.objects.get(name=GENERAL)
    Provider.objects.filter(pk=world.alpha.pk).update(disputes_body=body, services=["officer", "committee"])
    world.alpha.refresh_from_db()
    yield world.alpha
    world.alpha.disputes_body = None
    world.alpha.services = []


def _admin(world: World) -> Client:
    return login(Client(HTTP_HOST=world.alpha_host), world.alpha_admin.email)


def test_the_draft_names_the_disputes_body_services_and_terms_in_dutch_and_english(
    world: World, alpha_with_body: Provider
) -> None:
    with schema_context(world.alpha.schema_name):
        draft = scheme_draft_generate(provider=alpha_with_body, actor=world.alpha_admin)
    dutch = "\n".join(f"{part['heading']}\n{part['body']}" for part in draft.sections("nl"))
    english = "\n".join(f"{part['heading']}\n{part['body']}" for part in draft.sections("en"))
    assert draft.version == 1 and draft.published_at is None
    for words in (GENERAL, "Postbus 90600", "2509 LP Den Haag", "nog te bevestigen", "Zorg Alpha"):
        assert words in dutch and words in english
    assert "binnen 6 weken" in dutch and "ten hoogste 4 weken" in dutch and "tot 1 jaar" in dutch
    assert "within 6 weeks" in english and "at most 4 weeks" in english and "up to 1 year" in english
    # The services it holds decide the optional parts: a committee and an officer, no confidant.
    assert (
        "Klachtencommissie" in dutch and "klachtenfunctionaris" in dutch and "Vertrouwenspersoon" not in dutch
    )
    assert "/klacht/" in dutch and "/mijn-klachten/" in dutch
    assert draft.facts["disputes_body"]["name"] == GENERAL and draft.facts["terms"]["decision_weeks"] == 6


def test_no_scheme_without_a_disputes_body(world: World) -> None:
    Provider.objects.filter(pk=world.alpha.pk).update(disputes_body=None)
    with schema_context(world.alpha.schema_name), pytest.raises(ValidationError) as refusal:
        scheme_draft_generate(provider=world.alpha, actor=world.alpha_admin)
    assert refusal.value.code == "no_disputes_body"
    with schema_context(world.alpha.schema_name):
        assert not ComplaintsScheme.objects.exists()


def test_admin_reviews_and_publishes_and_the_public_page_and_pdf_name_the_current_body(
    world: World, alpha_with_body: Provider
) -> None:
    admin = _admin(world)
    manage = admin.get("/instellingen/klachtenregeling/").content.decode()
    assert "nog geen klachtenregeling gepubliceerd" in manage and "badge.svg" in manage
    admin.post("/instellingen/klachtenregeling/concept/")
    page = admin.get("/instellingen/klachtenregeling/").content.decode()
    assert "Concept voor versie 1" in page and GENERAL in page
    public = Client(HTTP_HOST=world.alpha_host)
    # A draft is never public.
    assert public.get("/klachtenregeling/").status_code == 404
    assert public.get("/klachtenregeling/versies/1/").status_code == 404
    with schema_context(world.alpha.schema_name):
        draft = ComplaintsScheme.objects.get()
    today = today_amsterdam()
    response = admin.post(
        "/instellingen/klachtenregeling/publiceren/",
        {"scheme_id": draft.pk, "effective_on": today.isoformat()},
    )
    assert response.status_code == 302
    [event] = ProviderAuditEvent.objects.filter(provider=world.alpha, action="scheme_published")
    assert event.actor_id == world.alpha_admin.pk and event.data["version"] == 1
    assert event.data["disputes_body"] == GENERAL

    html = public.get("/klachtenregeling/").content.decode()
    assert "Klachtenregeling Zorg Alpha" in html and "Versie 1, geldt vanaf" in html
    assert GENERAL in html and "Postbus 90600" in html and "binnen 6 weken" in html
    english = public.get("/klachtenregeling/?taal=en").content.decode()
    assert (
        'lang="en"' in english and "Complaints scheme Zorg Alpha" in english and "within 6 weeks" in english
    )
    pdf = public.get("/klachtenregeling/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Klachtenregeling Zorg Alpha" in text and "Versie 1" in text
    assert GENERAL in text and "binnen 6 weken" in text and "tot 1 jaar" in text
    assert "within 6 weeks" in pdf_text(public.get("/klachtenregeling/versies/1/pdf/?taal=en").content)
    versions = public.get("/klachtenregeling/versies/").content.decode()
    assert "Versie 1" in versions and "Geldt nu" in versions


def test_a_new_version_takes_effect_on_its_date_and_the_old_one_stays_readable(
    world: World, alpha_with_body: Provider
) -> None:
    today = today_amsterdam()
    with schema_context(world.alpha.schema_name):
        first = scheme_draft_generate(provider=alpha_with_body, actor=world.alpha_admin)
        scheme_publish(
            provider=alpha_with_body, scheme_id=first.pk, actor=world.alpha_admin, effective_on=today
        )
        with pytest.raises(ValidationError):
            scheme_publish(
                provider=alpha_with_body, scheme_id=first.pk, actor=world.alpha_admin, effective_on=today
            )
    provider_disputes_body_set(
        provider=alpha_with_body,
        disputes_body=DisputesBody.objects.get(name=ZORGGESCHIL),
        actor=world.alpha_admin,
    )
    later = today + datetime.timedelta(days=14)
    with schema_context(world.alpha.schema_name):
        second = scheme_draft_generate(provider=alpha_with_body, actor=world.alpha_admin)
        assert second.version == 2 and ZORGGESCHIL in str(second.content)
        with pytest.raises(ValidationError):
            scheme_publish(
                provider=alpha_with_body,
                scheme_id=second.pk,
                actor=world.alpha_admin,
                effective_on=today - datetime.timedelta(days=1),
            )
        scheme_publish(
            provider=alpha_with_body, scheme_id=second.pk, actor=world.alpha_admin, effective_on=later
        )
        assert scheme_in_force().pk == first.pk
        assert scheme_in_force(on=later).pk == second.pk
        # The first version is unchanged: a published text is never rewritten.
        first.refresh_from_db()
        assert GENERAL in str(first.content) and ZORGGESCHIL not in str(first.content)
    public = Client(HTTP_HOST=world.alpha_host)
    assert GENERAL in public.get("/klachtenregeling/").content.decode()
    assert ZORGGESCHIL in public.get("/klachtenregeling/versies/2/").content.decode()
    versions = public.get("/klachtenregeling/versies/").content.decode()
    assert "Gaat nog in" in versions and "Geldt nu" in versions


def test_only_the_provider_admin_generates_and_publishes(world: World, alpha_with_body: Provider) -> None:
    staff = login(Client(HTTP_HOST=world.alpha_host), world.alpha_staff_no_mfa.email, totp=False)
    staff.post("/instellingen/klachtenregeling/concept/")
    other = login(Client(HTTP_HOST=world.alpha_host), world.beta_admin.email)
    assert other.post("/instellingen/klachtenregeling/concept/").status_code in (403, 404)
    with schema_context(world.alpha.schema_name):
        assert not ComplaintsScheme.objects.exists()
