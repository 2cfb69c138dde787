"""The answer letter reaches the requester through the secure channel, never as an attachment."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from casework.index.models import PostalLetter
from casework.models import AccessLogEntry, PrivacyEvent, PrivacyRequest
from casework.privacy.services import privacy_request_answer, privacy_request_verify_identity
from tenants.clusters import schema_context
from tests.casework.factories_professionals import staff_client
from tests.privacy.conftest import Dpo, make_request
from tests.support import World

pytestmark = pytest.mark.django_db

ANSWER = "Bijgaand een kopie van uw dossier van 2025."


def _answer(dpo: Dpo, request: PrivacyRequest, capture) -> PrivacyRequest:  # type: ignore[no-untyped-def]
    privacy_request_verify_identity(
        provider=dpo.provider,
        reference=request.reference,
        actor=dpo.user,
        accessor=dpo.accessor,
        method="in_person",
    )
    mail.outbox.clear()
    with capture(execute=True):
        return privacy_request_answer(
            provider=dpo.provider,
            reference=request.reference,
            actor=dpo.user,
            accessor=dpo.accessor,
            outcome="granted",
            answer_text=ANSWER,
        )


def test_art_12_requester_gets_a_link_by_email_and_downloads_the_answer_with_it_only(
    dpo: Dpo, world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    request = _answer(dpo, make_request(dpo), django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["anna@example.nl"] and message.attachments == []
    assert ANSWER not in message.body and "medisch dossier" not in message.body
    assert "Anna" not in message.body and "Anna" not in message.subject
    path = re.search(r"https?://[^/\s]+(/avg-verzoek/antwoord/[^/\s]+/)", message.body).group(1)  # type: ignore[union-attr]
    client = Client(HTTP_HOST=world.alpha_host)
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]
    assert client.get("/avg-verzoek/antwoord/niet-de-goede-link/").status_code == 404
    # The link belongs to its provider: on another provider's host it opens nothing.
    assert Client(HTTP_HOST=world.beta_host).get(path).status_code == 404
    with schema_context(dpo.provider.schema_name):
        stored = PrivacyRequest.objects.get(pk=request.pk)
        assert stored.answer_notified_at is not None and stored.answer_downloaded_at is not None
        assert PrivacyEvent.objects.filter(request=stored, kind="answer_notified").count() == 1
        assert AccessLogEntry.objects.filter(
            reference=request.reference, event=AccessLogEntry.Event.EXPORT, channel="follow_link"
        ).exists()


def test_answer_email_goes_once_even_if_the_task_runs_twice(
    dpo: Dpo, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from casework.privacy.delivery import privacy_answer_notify

    request = _answer(dpo, make_request(dpo), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert privacy_answer_notify(provider=dpo.provider, request_id=request.pk) is False
    assert len(mail.outbox) == 1


def test_requester_without_an_email_address_gets_the_answer_by_post_from_the_post_list(
    dpo: Dpo, world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    request = _answer(dpo, make_request(dpo, requester_email=""), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    row = PostalLetter.objects.get(kind=PostalLetter.PRIVACY_ANSWER, letter_id=request.pk)
    assert row.case.reference == request.reference and row.provider_id == dpo.provider.pk
    coordinator = staff_client(world.coordinator)
    listing = coordinator.get("/werkplek/post/").content.decode()
    assert request.reference in listing and "Antwoord op AVG-verzoek" in listing
    pdf = coordinator.get(f"/werkplek/post/{row.pk}/brief.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    posted = coordinator.post(
        f"/werkplek/post/{row.pk}/verstuurd/", {f"p{row.pk}-posted_on": timezone.localdate().isoformat()}
    )
    assert posted.status_code == 302
    row.refresh_from_db()
    assert row.posted_on == timezone.localdate()
    with schema_context(dpo.provider.schema_name):
        kinds = set(PrivacyEvent.objects.filter(request_id=request.pk).values_list("kind", flat=True))
        assert {"answer_to_post", "answer_posted"} <= kinds
        assert AccessLogEntry.objects.filter(
            reference=request.reference, event=AccessLogEntry.Event.PRINT, subject="privacy_request"
        ).exists()


def test_signed_in_requester_downloads_the_answer_from_mijn_klachten_and_no_one_else(
    dpo: Dpo, world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    request = _answer(
        dpo,
        make_request(dpo, requester_user_id=world.complainant.pk, via=PrivacyRequest.Via.PORTAL),
        django_capture_on_commit_callbacks,
    )
    [message] = mail.outbox
    assert "/mijn-klachten/" in message.body and "/avg-verzoek/antwoord/" not in message.body
    owner = Client(HTTP_HOST="localhost")
    owner.force_login(world.complainant)
    listing = owner.get("/mijn-klachten/").content.decode()
    url = f"/mijn-klachten/avg/{request.reference}/antwoord/"
    assert url in listing
    response = owner.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    other = Client(HTTP_HOST="localhost")
    other.force_login(world.coordinator)
    assert other.get(url).status_code == 404
    assert Client(HTTP_HOST="localhost").get(url).status_code == 302  # to the login page


def test_dpo_sees_on_the_request_that_the_answer_must_go_by_post(
    dpo: Dpo, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    request = _answer(dpo, make_request(dpo, requester_email=""), django_capture_on_commit_callbacks)
    page = dpo.client.get(f"/werkplek/avg/{request.reference}/").content.decode()
    assert "de antwoordbrief staat op de postlijst" in page
