"""Following a complaint by secure link on the provider's host, and claiming it into an account."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from accounts.services import user_create
from casework.complainant.services import CLAIM_SALT
from casework.consent.wording import consent_wording
from casework.dossier.services import follow_link_create, hash_token, timeline_add
from casework.index.models import CaseIndex, Channel, Consent, Track
from casework.models import Complaint, ConsentRecord, FollowLink, TimelineEntry
from reference.deadline_rules import decision_deadline
from tenants.clusters import schema_context
from tests.casework.factories import submission, submit
from tests.support import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(world: World):  # type: ignore[no-untyped-def]
    """A widget complaint without an account, and the token of its secure link."""
    result = submit(world.alpha, submission=submission(complainant_email="klager@example.test"))
    return result.complaint, result.follow_token


def test_follow_link_shows_the_case_and_is_never_cached_nor_referred(
    world: World, alpha_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    with schema_context(world.alpha.schema_name):
        timeline_add(complaint=complaint, kind="note", summary="Alleen voor Klachtpunt", visibility="staff")
        timeline_add(
            complaint=complaint, kind="call", summary="Intakegesprek gevoerd", visibility="complainant"
        )
    page = alpha_client.get(f"/volg/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert complaint.reference in html and "Zorg Alpha" in html
    assert "Klacht ontvangen via Klachtenformulier op website" in html
    assert "Intakegesprek gevoerd" in html and "Alleen voor Klachtpunt" not in html
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"
    assert f'href="/volg/{token}/toestemming/intrekken/"' in html
    assert f'href="/volg/{token}/formeel/"' in html and f'href="/volg/{token}/account/"' in html


def test_follow_link_works_only_on_its_own_providers_host(
    world: World, beta_client: Client, platform_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    _, token = filed
    assert beta_client.get(f"/volg/{token}/").status_code == 404
    assert platform_client.get(f"/volg/{token}/").status_code == 404


def test_unknown_expired_and_revoked_links_are_refused_clearly(
    world: World, alpha_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    complaint, _ = filed
    unknown = alpha_client.get("/volg/dit-is-geen-geldige-link/")
    assert unknown.status_code == 404 and "Deze link werkt niet" in unknown.content.decode()
    assert "no-store" in unknown["Cache-Control"] and unknown["Referrer-Policy"] == "same-origin"
    with schema_context(world.alpha.schema_name):
        expired = follow_link_create(complaint=complaint, now=timezone.now() - datetime.timedelta(days=366))
        revoked = follow_link_create(complaint=complaint)
        FollowLink.objects.filter(token_hash=hash_token(revoked)).update(revoked_at=timezone.now())
    page = alpha_client.get(f"/volg/{expired}/")
    assert page.status_code == 410 and "Deze link is verlopen" in page.content.decode()
    assert complaint.reference not in page.content.decode()
    page = alpha_client.get(f"/volg/{revoked}/")
    assert page.status_code == 410 and "Deze link is vervangen" in page.content.decode()
    # Nothing can be done through a dead link either.
    assert alpha_client.post(f"/volg/{revoked}/toestemming/intrekken/").status_code == 410
    assert alpha_client.post(f"/volg/{expired}/formeel/").status_code == 410
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.GIVEN


def test_consent_withdrawn_and_given_through_the_link_is_recorded_with_wording(
    world: World, alpha_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    confirm = alpha_client.get(f"/volg/{token}/toestemming/intrekken/")
    assert confirm.status_code == 200 and consent_wording("nl") in confirm.content.decode()
    assert confirm["Referrer-Policy"] == "same-origin"
    done = alpha_client.post(f"/volg/{token}/toestemming/intrekken/", follow=True)
    assert "Uw toestemming is ingetrokken" in done.content.decode()
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.WITHDRAWN
    alpha_client.post(f"/volg/{token}/toestemming/geven/")
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.GIVEN
    with schema_context(world.alpha.schema_name):
        records = list(ConsentRecord.objects.filter(complaint_id=complaint.pk).order_by("pk"))
    assert [r.decision for r in records] == [Consent.GIVEN, Consent.WITHDRAWN, Consent.GIVEN]
    # The form gave the first consent; the link in the e-mail the later ones, and says so.
    assert records[0].recorded_via == Channel.WIDGET
    assert records[1].wording == consent_wording("nl") and records[1].recorded_via == "email_link"
    assert records[1].get_recorded_via_display() == "Persoonlijke link in e-mail"


def test_move_to_formal_through_the_link_starts_the_clock(world: World, alpha_client: Client, filed) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    done = alpha_client.post(f"/volg/{token}/formeel/", follow=True)
    row = CaseIndex.objects.get(reference=complaint.reference)
    assert row.track == Track.FORMAL and row.formal_received_on == timezone.localdate()
    assert row.deadline == decision_deadline(timezone.localdate())
    assert "Uw klacht wordt nu formeel behandeld" in done.content.decode()


def test_renewing_revokes_this_link_and_gives_a_fresh_one(world: World, alpha_client: Client, filed) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    assert alpha_client.get(f"/volg/{token}/vernieuwen/").status_code == 200
    response = alpha_client.post(f"/volg/{token}/vernieuwen/")
    assert response.status_code == 302
    fresh = re.fullmatch(r"/volg/([A-Za-z0-9_-]{43})/", response.url).group(1)
    assert fresh != token
    page = alpha_client.get(response.url)
    assert page.status_code == 200 and "Dit is uw nieuwe link" in page.content.decode()
    assert alpha_client.get(f"/volg/{token}/").status_code == 410
    with schema_context(world.alpha.schema_name):
        assert TimelineEntry.objects.filter(complaint_id=complaint.pk, kind="follow_link_renewed").exists()


# --- Turning the link into an account ------------------------------------------


def claim_path(alpha_client: Client, token: str) -> str:
    """Follow the "account" button from the link page to the platform host; return the path there."""
    response = alpha_client.get(f"/volg/{token}/account/")
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "same-origin"
    url = urlsplit(response.url)
    assert url.hostname == "localhost"
    assert url.path.startswith("/mijn-klachten/koppelen/")
    return url.path


def test_claim_into_an_account_links_dossier_and_index(world: World, alpha_client: Client, filed) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    path = claim_path(alpha_client, token)
    client = Client(HTTP_HOST="localhost")
    assert client.get(path).url.startswith("/accounts/login/?next=/mijn-klachten/koppelen/")
    client.force_login(world.complainant)
    confirm = client.get(path)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert complaint.reference in html and world.complainant.email in html
    assert CaseIndex.objects.get(reference=complaint.reference).complainant_user is None
    done = client.post(path)
    assert done.status_code == 302 and done.url == f"/mijn-klachten/{complaint.reference}/"
    assert CaseIndex.objects.get(reference=complaint.reference).complainant_user_id == world.complainant.pk
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.get(pk=complaint.pk).complainant_user_id == world.complainant.pk
        claimed = TimelineEntry.objects.get(complaint_id=complaint.pk, kind="claimed")
        assert claimed.visibility == TimelineEntry.Visibility.COMPLAINANT
    assert complaint.reference in client.get("/mijn-klachten/").content.decode()
    # Claiming again with the same token is harmless for the same account.
    assert client.post(path).status_code == 302


def test_a_claimed_complaint_cannot_be_claimed_by_another_account(
    world: World, alpha_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    path = claim_path(alpha_client, token)
    owner = Client(HTTP_HOST="localhost")
    owner.force_login(world.complainant)
    owner.post(path)
    other = Client(HTTP_HOST="localhost")
    other.force_login(user_create(email="tweede@example.test", password=PASSWORD))
    refused = other.post(path)
    assert refused.status_code == 400 and "al gekoppeld aan een ander account" in refused.content.decode()
    assert CaseIndex.objects.get(reference=complaint.reference).complainant_user_id == world.complainant.pk


def test_claim_tokens_die_with_their_link_and_cannot_be_forged(
    world: World, alpha_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    path = claim_path(alpha_client, token)
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.complainant)
    # Tampered: the signature no longer matches.
    assert client.get(path[:-3] + "x/").status_code == 400
    # Signed by us but for another purpose (another salt): refused.
    with schema_context(world.alpha.schema_name):
        link_id = FollowLink.objects.get(token_hash=hash_token(token)).pk
    forged = signing.dumps({"p": world.alpha.pk, "l": link_id}, salt="something-else")
    assert client.post(f"/mijn-klachten/koppelen/{forged}/").status_code == 400
    # Too old.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("casework.complainant.services.CLAIM_TOKEN_MAX_AGE", datetime.timedelta(seconds=-1))
        old = client.post(path)
    assert old.status_code == 410 and "verlopen" in old.content.decode()
    # The link was renewed (revoked) after the token was made: the token dies with it.
    alpha_client.post(f"/volg/{token}/vernieuwen/")
    dead = client.post(path)
    assert dead.status_code == 410
    assert CaseIndex.objects.get(reference=complaint.reference).complainant_user is None
    assert signing.loads(path.split("/")[3], salt=CLAIM_SALT)["l"] == link_id


def test_sign_up_from_the_link_then_verify_lands_on_the_claim(
    world: World, alpha_client: Client, filed
) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    path = claim_path(alpha_client, token)
    client = Client(HTTP_HOST="localhost")
    login = client.get(path)
    assert login.status_code == 302
    login_page = client.get(login.url).content.decode()
    signup_url = re.search(r'href="(/accounts/signup/[^"]*)"', login_page).group(1).replace("&amp;", "&")
    assert "next=" in signup_url
    mail.outbox.clear()
    signup = client.post(
        signup_url,
        {"email": "nieuw@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signup.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body)
    confirm_url = link.group(1)
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 302 and confirmed.url == path
    assert client.post(path).status_code == 302
    row = CaseIndex.objects.select_related("complainant_user").get(reference=complaint.reference)
    assert row.complainant_user.email == "nieuw@example.test"


def test_link_page_forms_need_the_csrf_token_and_a_same_site_origin(world: World, filed) -> None:  # type: ignore[no-untyped-def]
    complaint, token = filed
    client = Client(HTTP_HOST=world.alpha_host, enforce_csrf_checks=True)
    url = f"/volg/{token}/toestemming/intrekken/"
    page = client.get(url)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    origin = f"http://{world.alpha_host}"
    forged = client.post(url, HTTP_ORIGIN=origin)
    assert forged.status_code == 403
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.GIVEN
    elsewhere = client.post(url, {"csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="https://evil.example")
    assert elsewhere.status_code == 403
    ok = client.post(url, {"csrfmiddlewaretoken": csrf}, HTTP_ORIGIN=origin)
    assert ok.status_code == 302
    assert CaseIndex.objects.get(reference=complaint.reference).consent == Consent.WITHDRAWN
