"""The embeddable widget: script, framing rules, cookie-free form, guards and the plain form page."""

from __future__ import annotations

import html
import importlib
import re
import time
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from casework.dossier.services import hash_token
from casework.index.models import CaseIndex, Channel
from casework.intake.guard import form_token_make
from casework.models import Attachment, Complaint, FollowLink
from tenants.models import WidgetSettings
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.widget_support import (
    ELF_AS_PDF,
    PDF_BYTES,
    VALID_FIELDS,
    origin_of,
    post_form,
    widget_post_data,
)
from tests.conftest import host_client
from tests.support import World, mfa_login

pytestmark = pytest.mark.django_db

EMBEDDER = "http://127.0.0.1:8100"


@pytest.fixture(autouse=True)
def _easy_proof_of_work(settings) -> None:  # type: ignore[no-untyped-def]
    # The real puzzle takes a browser a second or so; tests solve a small one.
    settings.WIDGET_POW_MAX_NUMBER = 2000


@pytest.fixture
def allowed_sites(world: World) -> list[str]:
    sites = ["https://www.zorg-alpha.nl", EMBEDDER]
    WidgetSettings.objects.update_or_create(provider=world.alpha, defaults={"allowed_origins": sites})
    return sites


def alpha_complaints() -> int:
    return CaseIndex.objects.filter(provider__slug="alpha").count()


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def assert_typed_values_kept(response, **fields: str) -> None:  # type: ignore[no-untyped-def]
    text = page_text(response)
    values = fields or {"complainant_name": "Jan Jansen", "what_happened": WHAT_HAPPENED}
    for value in values.values():
        assert value in text, f"{value!r} was lost"
    # Choices too: the radio buttons come back checked.
    assert re.search(r'name="goal" value="explanation"[^>]*checked', response.content.decode())


# The embedding script


def test_widget_js_is_served_to_other_sites_as_javascript(alpha_client: Client) -> None:
    response = alpha_client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content.decode()
    assert "[data-klachtpunt-widget]" in body and "/widget/?" in body
    # Resizing trusts only messages from the widget's own origin and frame.
    assert "event.origin !== base" in body and "event.source !== frame.contentWindow" in body
    assert not response.cookies


def test_widget_is_not_served_on_the_platform_host(platform_client: Client) -> None:
    assert platform_client.get("/widget.js").status_code == 404
    assert platform_client.get("/widget/").status_code == 404


# Framing


def test_widget_page_may_be_framed_by_the_allowed_sites_only(
    alpha_client: Client, allowed_sites: list[str]
) -> None:
    response = alpha_client.get("/widget/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.zorg-alpha.nl http://127.0.0.1:8100" in csp
    assert "X-Frame-Options" not in response
    assert response["Cache-Control"] == "no-store"


def test_widget_page_without_allowed_sites_may_be_framed_by_nobody_else(world: World) -> None:
    WidgetSettings.objects.filter(provider=world.beta).delete()
    response = host_client(world.beta_host).get("/widget/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_a_stored_origin_that_is_not_an_origin_never_reaches_the_header(
    world: World, alpha_client: Client
) -> None:
    WidgetSettings.objects.update_or_create(
        provider=world.alpha,
        defaults={"allowed_origins": ["https://ok.example", "https://x.nl; script-src *"]},
    )
    csp = alpha_client.get("/widget/")["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://ok.example")


@pytest.mark.parametrize("path", ["/", "/klacht/", "/accounts/login/"])
def test_other_pages_refuse_to_be_framed(alpha_client: Client, allowed_sites: list[str], path: str) -> None:
    response = alpha_client.get(path)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_frame_posts_its_height_only_to_an_allowed_embedding_site(
    alpha_client: Client, allowed_sites: list[str]
) -> None:
    allowed = alpha_client.get("/widget/", {"parent": EMBEDDER}).content.decode()
    assert f'data-parent-origin="{EMBEDDER}"' in allowed
    assert 'action="/widget/?parent=http%3A%2F%2F127.0.0.1%3A8100"' in allowed
    other = alpha_client.get("/widget/", {"parent": "https://evil.example"}).content.decode()
    assert "data-parent-origin" not in other


# The happy path, without cookies


def test_widget_form_files_a_complaint_without_any_cookie(
    world: World, alpha_client: Client, allowed_sites: list[str], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    form_page = alpha_client.get("/widget/")
    assert not form_page.cookies
    data = widget_post_data(alpha_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(alpha_client, data)
    assert response.status_code == 201
    assert not response.cookies
    assert "X-Frame-Options" not in response
    reference = re.search(r"KP-\d{4}-\d{6}", response.content.decode()).group(0)
    row = CaseIndex.objects.get(reference=reference)
    assert row.provider_id == world.alpha.pk and row.channel == Channel.WIDGET
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(reference=reference)
        assert complaint.complainant_name == "Jan Jansen" and complaint.what_happened == WHAT_HAPPENED
        assert complaint.idempotency_key == data["idempotency_key"]


def test_success_shows_reference_deadline_and_secure_follow_link(world: World, alpha_client: Client) -> None:
    data = widget_post_data(alpha_client, track="formal")
    response = post_form(alpha_client, data)
    assert response.status_code == 201
    text = page_text(response)
    reference = re.search(r"KP-\d{4}-\d{6}", text).group(0)
    deadline = CaseIndex.objects.get(reference=reference).deadline
    assert deadline is not None
    assert f"{deadline.day} " in text and str(deadline.year) in text
    token = re.search(r'href="http://alpha\.localhost/volg/([^/"]+)/"', text).group(1)
    with schema_context(world.alpha.schema_name):
        assert FollowLink.objects.filter(
            token_hash=hash_token(token), complaint__reference=reference
        ).exists()
    # Links leave the iframe: the follow page may not be framed.
    assert 'target="_blank" rel="noopener"' in text
    assert "Maak een account aan" in text


def test_plain_page_offers_the_same_form_on_the_providers_host(world: World, alpha_client: Client) -> None:
    page = alpha_client.get("/klacht/")
    assert page.status_code == 200
    text = page_text(page)
    assert "Klacht over Zorg Alpha" in text and 'class="site-header"' in text
    data = widget_post_data(alpha_client, path="/klacht/")
    response = post_form(alpha_client, data, path="/klacht/")
    assert response.status_code == 201
    assert re.search(r"KP-\d{4}-\d{6}", response.content.decode())


def test_a_server_on_another_port_accepts_its_own_origin(world: World) -> None:
    client = host_client("alpha.localhost:8123")
    data = widget_post_data(client)
    assert post_form(client, data, origin="http://alpha.localhost:8000").status_code == 403
    assert post_form(client, data, origin="http://alpha.localhost:8123").status_code == 201


# Guards: origin, token, honeypot


@pytest.mark.parametrize(
    "origin", ["", "https://www.zorg-alpha.nl", "http://beta.localhost", "null", "https://alpha.localhost"]
)
def test_post_from_another_origin_is_refused_and_keeps_what_was_typed(
    alpha_client: Client, allowed_sites: list[str], origin: str
) -> None:
    before = alpha_complaints()
    response = post_form(alpha_client, widget_post_data(alpha_client), origin=origin)
    assert response.status_code == 403
    assert "vanaf een andere website verstuurd" in page_text(response)
    assert_typed_values_kept(response)
    assert alpha_complaints() == before


def test_expired_token_is_refused_with_a_clear_message_and_values_kept(
    world: World, alpha_client: Client
) -> None:
    data = widget_post_data(alpha_client)
    three_hours_ago = time.time() - 3 * 60 * 60
    with mock.patch("django.core.signing.time.time", return_value=three_hours_ago):
        data["token"] = form_token_make(world.alpha)
    response = post_form(alpha_client, data)
    assert response.status_code == 403
    text = page_text(response)
    assert "Het formulier stond te lang open en is verlopen" in text
    assert_typed_values_kept(response)
    # The page comes back with a fresh token, so sending again works.
    again = widget_post_data(alpha_client)
    fresh = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    assert post_form(alpha_client, {**again, "token": fresh}).status_code == 201


@pytest.mark.parametrize("forge", ["missing", "tampered", "other_provider"])
def test_missing_or_forged_token_is_refused(world: World, alpha_client: Client, forge: str) -> None:
    data = widget_post_data(alpha_client)
    if forge == "missing":
        del data["token"]
    elif forge == "tampered":
        data["token"] = data["token"][:-2] + ("AA" if not data["token"].endswith("AA") else "BB")
    else:
        data["token"] = form_token_make(world.beta)
    response = post_form(alpha_client, data)
    assert response.status_code == 403
    assert "Het formulier kon niet worden gecontroleerd" in page_text(response)
    assert_typed_values_kept(response)


def test_filled_honeypot_is_refused_without_filing(alpha_client: Client) -> None:
    before = alpha_complaints()
    response = post_form(alpha_client, widget_post_data(alpha_client, kp_extra="https://spam.example"))
    assert response.status_code == 400
    assert "Laat dit veld leeg" in page_text(response)
    assert_typed_values_kept(response)
    assert alpha_complaints() == before


# Guards: rate limits, shared by every host


def test_rate_limit_per_ip_is_shared_across_provider_hosts(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    # Day-long windows: a test never straddles two of them.
    settings.WIDGET_RATE_LIMITS = {"ip": "3/1d", "provider": "off", "global": "off"}
    alpha, beta = host_client(world.alpha_host), host_client(world.beta_host)
    for client in (alpha, beta, alpha):
        assert post_form(client, widget_post_data(client, goal="")).status_code == 400
    response = post_form(beta, widget_post_data(beta))
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 86400
    text = page_text(response)
    assert "te vaak achter elkaar verstuurd" in text
    assert re.search(r"Probeer het over \d+ minu(ut|ten) opnieuw", text)
    assert_typed_values_kept(response)
    # Another address still gets through.
    other = Client(HTTP_HOST=world.beta_host, REMOTE_ADDR="192.0.2.7")
    assert post_form(other, widget_post_data(other)).status_code == 201


def test_rate_limit_per_provider_and_platform_wide(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": "off", "provider": "2/1d", "global": "3/1d"}
    alpha, beta = host_client(world.alpha_host), host_client(world.beta_host)
    for _ in range(2):
        assert post_form(alpha, widget_post_data(alpha, goal="")).status_code == 400
    limited = post_form(alpha, widget_post_data(alpha))
    assert limited.status_code == 429
    assert "erg veel klachten" in page_text(limited)
    assert post_form(beta, widget_post_data(beta, goal="")).status_code == 400
    assert post_form(beta, widget_post_data(beta)).status_code == 429


def test_rate_limit_counters_live_outside_the_tenant_namespace(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    settings.WIDGET_RATE_LIMITS = {"ip": "5/1d", "provider": "off", "global": "off"}
    post_form(host_client(world.alpha_host), widget_post_data(host_client(world.alpha_host), goal=""))
    keys = [key for key in cache._cache if ":security:intake:ip:" in key]  # type: ignore[attr-defined]
    assert keys and all(":global:security:" in key for key in keys)


# Guards: proof of work


def test_missing_proof_of_work_is_refused(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    data["altcha"] = ""
    response = post_form(alpha_client, data)
    assert response.status_code == 403
    assert "beveiligingscontrole van het formulier is nog niet klaar" in page_text(response)
    assert_typed_values_kept(response)


@pytest.mark.parametrize("broken", ["not base64!", "eyJ4IjogMX0=", "wrong_number", "other_provider"])
def test_invalid_proof_of_work_is_refused(world: World, alpha_client: Client, broken: str) -> None:
    import base64
    import json

    data = widget_post_data(alpha_client)
    if broken == "wrong_number":
        payload = json.loads(base64.b64decode(data["altcha"]))
        payload["number"] += 1
        data["altcha"] = base64.b64encode(json.dumps(payload).encode()).decode()
    elif broken == "other_provider":
        data["altcha"] = widget_post_data(host_client(world.beta_host))["altcha"]
    else:
        data["altcha"] = broken
    response = post_form(alpha_client, data)
    assert response.status_code == 403
    assert "beveiligingscontrole van het formulier is mislukt" in page_text(response)


def test_a_solved_challenge_cannot_be_used_for_a_second_complaint(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    assert post_form(alpha_client, data).status_code == 201
    replay = {**data, "idempotency_key": "another-key-0123456789"}
    response = post_form(alpha_client, replay)
    assert response.status_code == 403
    assert "al eens verstuurd" in page_text(response)
    assert_typed_values_kept(response)


def test_proof_of_work_can_be_switched_off_for_benchmarks(alpha_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_POW_ENABLED = False
    data = widget_post_data(alpha_client)
    assert "altcha" not in data or not data["altcha"]
    assert post_form(alpha_client, data).status_code == 201


# Idempotency


def test_double_submit_files_one_complaint_and_both_pages_show_it(world: World, alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    first = post_form(alpha_client, data)
    second = post_form(alpha_client, data)
    assert (first.status_code, second.status_code) == (201, 200)
    ref_first = re.search(r"KP-\d{4}-\d{6}", first.content.decode()).group(0)
    ref_second = re.search(r"KP-\d{4}-\d{6}", second.content.decode()).group(0)
    assert ref_first == ref_second
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.filter(idempotency_key=data["idempotency_key"]).count() == 1
    assert CaseIndex.objects.filter(reference=ref_first).count() == 1
    # Only the first page carries the follow link; a replay gets the reference alone.
    assert re.search(r"/volg/[^/\"]+/", first.content.decode())
    assert not re.search(r"/volg/[^/\"]+/", second.content.decode())


def test_idempotency_replay_with_other_content_is_refused_with_a_clear_message(
    world: World, alpha_client: Client
) -> None:
    data = widget_post_data(alpha_client)
    assert post_form(alpha_client, data).status_code == 201
    changed = {**data, "complainant_name": "Iemand Anders", "complainant_email": "anders@example.nl"}
    response = post_form(alpha_client, changed)
    assert response.status_code == 409
    body = response.content.decode()
    assert "al eens verstuurd, met andere gegevens" in body
    assert not re.search(r"/volg/[^/\"]+/", body) and not re.search(r"KP-\d{4}-\d{6}", body)
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(idempotency_key=data["idempotency_key"])
        assert complaint.complainant_name == "Jan Jansen"
        assert FollowLink.objects.filter(complaint=complaint).count() == 1
    # The page hands out a new key, so sending the changed form again files it as a new complaint.
    assert f'value="{data["idempotency_key"]}"' not in body


def test_every_rendering_of_the_form_gets_its_own_idempotency_key(alpha_client: Client) -> None:
    first = widget_post_data(alpha_client)["idempotency_key"]
    second = widget_post_data(alpha_client)["idempotency_key"]
    assert first != second and len(first) >= 16


# Field errors and attachments


def test_field_errors_are_shown_at_the_field_and_keep_everything_typed(alpha_client: Client) -> None:
    data = widget_post_data(
        alpha_client,
        complainant_kind="representative",
        client_name="",
        complainant_postcode="12345",
        occurred_on="2099-01-01",
    )
    response = post_form(alpha_client, data)
    assert response.status_code == 400
    body = response.content.decode()
    text = page_text(response)
    assert 'id="error-summary"' in body and 'href="#id_complainant_postcode"' in body
    assert 'id="id_complainant_postcode_error"' in body
    assert 'aria-invalid="true"' in body
    assert "Vul een Nederlandse postcode in" in text
    assert "Deze datum ligt in de toekomst." in text
    assert "Vul dit in als u namens een ander klaagt." in text
    assert_typed_values_kept(response, name="Jan Jansen", text=WHAT_HAPPENED, place="Locatie De Linde")
    assert 'value="12345"' in body and 'value="2099-01-01"' in body
    assert '<label for="id_attachments">Bijlagen <span class="optional">' in body
    assert "Wat is er gebeurd?: " not in text and "Uw postcode: Vul een" in text
    # The idempotency key survives, so a fixed form still files once.
    assert f'value="{data["idempotency_key"]}"' in body


def test_disguised_executable_is_refused_at_the_attachment_field(world: World, alpha_client: Client) -> None:
    before = alpha_complaints()
    data = widget_post_data(alpha_client)
    data["attachments"] = [SimpleUploadedFile("verslag.pdf", ELF_AS_PDF, content_type="application/pdf")]
    response = post_form(alpha_client, data)
    assert response.status_code == 400
    text = page_text(response)
    assert "verslag.pdf is geen toegestaan bestandstype" in text
    assert 'id="id_attachments_error"' in response.content.decode()
    assert "Kies uw bijlagen opnieuw" in text
    assert_typed_values_kept(response)
    assert alpha_complaints() == before


def test_a_request_over_the_total_size_is_refused_and_keeps_the_typed_values(
    alpha_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("casework.intake.guard.MAX_REQUEST_BYTES", 8 * 1024)
    data = widget_post_data(alpha_client)
    data["attachments"] = [SimpleUploadedFile("scan.pdf", PDF_BYTES + b"0" * 200_000)]
    response = post_form(alpha_client, data)
    assert response.status_code == 413
    text = page_text(response)
    assert "Uw bijlagen zijn samen te groot (maximaal 25 MB)" in text
    assert "Kies uw bijlagen opnieuw" in text
    assert_typed_values_kept(response)


def test_a_real_pdf_is_stored_under_a_server_made_name(world: World, alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    data["attachments"] = [SimpleUploadedFile("../../etc/passwd.pdf", PDF_BYTES, content_type="text/plain")]
    response = post_form(alpha_client, data)
    assert response.status_code == 201
    reference = re.search(r"KP-\d{4}-\d{6}", response.content.decode()).group(0)
    with schema_context(world.alpha.schema_name):
        attachment = Attachment.objects.get(complaint__reference=reference)
        assert attachment.content_type == "application/pdf"
        assert re.fullmatch(r"complaints/\d+/[0-9a-f]{32}\.pdf", attachment.file.name)
        attachment.file.delete(save=False)


def test_the_form_is_in_english_when_the_embedding_page_asks(alpha_client: Client) -> None:
    response = alpha_client.get("/widget/", {"lang": "en"})
    assert '<html lang="en">' in response.content.decode()
    assert "Complaint about Zorg Alpha" in page_text(response)
    assert 'action="/widget/?lang=en"' in response.content.decode()


def test_a_lapsed_membership_does_not_block_the_form(alpha_client: Client) -> None:
    # Memberships arrive with billing; until then nothing may stand in a complainant's way.
    assert post_form(alpha_client, widget_post_data(alpha_client)).status_code == 201


# The provider's settings page


def test_settings_page_is_for_provider_admins_only(world: World) -> None:
    anonymous = host_client(world.alpha_host)
    assert anonymous.get("/instellingen/klachtenformulier/").status_code == 302
    staff = mfa_login(world.alpha_staff_no_mfa, world.alpha_host)  # past the second factor: the role decides
    assert staff.get("/instellingen/klachtenformulier/").status_code == 403
    other_admin = host_client(world.alpha_host)
    other_admin.force_login(world.beta_admin)
    assert other_admin.get("/instellingen/klachtenformulier/").status_code == 403


def test_admin_saves_allowed_sites_normalised_and_copies_the_snippet(world: World) -> None:
    client = host_client(world.alpha_host)
    client.force_login(world.alpha_admin)
    page = client.get("/instellingen/klachtenformulier/")
    assert page.status_code == 200
    text = page_text(page)
    assert '<script src="http://alpha.localhost/widget.js" defer></script>' in text
    assert "<div data-klachtpunt-widget></div>" in text
    assert 'data-copy-target="embed-snippet"' in text
    response = client.post(
        "/instellingen/klachtenformulier/",
        {
            "allowed_origins": " HTTPS://Www.Zorg-Alpha.nl/ \nhttp://127.0.0.1:8100\n\nhttps://www.zorg-alpha.nl:443"
        },
    )
    assert response.status_code == 302
    stored = WidgetSettings.objects.get(provider=world.alpha).allowed_origins
    assert stored == ["https://www.zorg-alpha.nl", "http://127.0.0.1:8100"]
    assert (
        "frame-ancestors 'self' https://www.zorg-alpha.nl http://127.0.0.1:8100"
        in (host_client(world.alpha_host).get("/widget/")["Content-Security-Policy"])
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("www.zorg-alpha.nl", "moet beginnen met https://"),
        ("javascript:alert(1)", "moet beginnen met https://"),
        ("https://www.zorg-alpha.nl/klachten", "alleen het adres van de website"),
        ("https://www.zorg-alpha.nl; script-src *", "geen geldig webadres"),
        ("https://user@zorg-alpha.nl", "alleen het adres van de website"),
    ],
)
def test_settings_refuse_what_is_not_a_sites_origin(world: World, value: str, message: str) -> None:
    client = host_client(world.alpha_host)
    client.force_login(world.alpha_admin)
    response = client.post("/instellingen/klachtenformulier/", {"allowed_origins": f"https://ok.nl\n{value}"})
    assert response.status_code == 200
    assert message in page_text(response)
    assert value in page_text(response)  # what was typed stays


def test_valid_fields_helper_matches_the_form() -> None:
    from casework.intake.forms import ComplaintForm

    assert set(VALID_FIELDS) <= set(ComplaintForm.base_fields)
    assert origin_of(Client(HTTP_HOST="alpha.localhost")) == "http://alpha.localhost"


@pytest.mark.parametrize(
    ("rate", "parsed"), [("10/10m", (10, 600)), ("5/h", (5, 3600)), ("1200/1d", (1200, 86400)), ("off", None)]
)
def test_rate_limits_are_read_like_allauths(rate: str, parsed: tuple[int, int] | None) -> None:
    from casework.intake.guard import parse_rate

    assert parse_rate(rate) == parsed


def test_a_malformed_rate_limit_fails_loudly() -> None:
    from casework.intake.guard import parse_rate

    with pytest.raises(ValueError, match="not like"):
        parse_rate("ten per minute")


def test_the_complainant_may_choose_more_than_one_goal(world: World, alpha_client: Client) -> None:
    page = alpha_client.get("/widget/").content.decode()
    assert 'type="checkbox" name="goal" value="apology"' in page and "Kies alles wat voor u geldt." in page
    data = widget_post_data(alpha_client, goal=["apology", "change"])
    response = post_form(alpha_client, data)
    assert response.status_code == 201, response.content.decode()[:2000]
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.order_by("-pk").first()
    assert complaint.goal == "apology" and complaint.goals == ["apology", "change"]
    assert complaint.goal_labels == ["Excuses", "Verandering of verbetering"]


def test_complaints_from_before_several_goals_keep_their_goal(world: World) -> None:
    migration = importlib.import_module("casework.migrations.0019_complaint_goals").Migration
    [backfill] = [op for op in migration.operations if op.__class__.__name__ == "RunSQL"]
    complaint = submit(world.alpha, submission=submission(goal="compensation")).complaint
    with schema_context(world.alpha.schema_name):
        Complaint.objects.filter(pk=complaint.pk).update(goals=[])  # as it was before the column had data
        with connection.cursor() as cursor:
            cursor.execute(backfill.sql)
        complaint.refresh_from_db()
    assert complaint.goals == ["compensation"] and complaint.goal_labels == ["Schadevergoeding"]
