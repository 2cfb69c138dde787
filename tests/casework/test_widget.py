"""The embeddable widget: script, framing rules, cookie-free form, guards and the plain form page."""

from __future__ import annotations

import base64
import contextlib
import datetime
import html
import importlib
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any
from unittest import mock

import altcha
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils.crypto import salted_hmac

from casework.dossier.services import hash_token
from casework.index.models import CaseIndex, Channel
from casework.intake.guard import MAX_REQUEST_BYTES, form_token_make
from casework.models import Attachment, Complaint, FollowLink
from tenants.clusters import schema_context
from tenants.models import WidgetSettings
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.widget_support import (
    API_URL,
    ELF_AS_PDF,
    PDF_BYTES,
    VALID_FIELDS,
    guard_fields,
    origin_of,
    post_form,
    post_json,
    solve,
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


# Every refusal's whole message, as the form page and the API show it (Dutch, English).
REFUSED = {
    "origin_refused": (
        "Dit formulier is vanaf een andere website verstuurd en is daarom niet aangenomen. "
        "Open het klachtenformulier opnieuw en verstuur het daar.",
        "This form was sent from another website and has therefore not been accepted. "
        "Open the complaint form again and send it from there.",
    ),
    "token_expired": (
        "Het formulier stond te lang open en is verlopen. Verstuur het opnieuw; "
        "wat u hebt ingevuld staat er nog.",
        "The form was open for too long and has expired. Send it again; what you filled in is still there.",
    ),
    "token_invalid": (
        "Het formulier kon niet worden gecontroleerd. Verstuur het opnieuw; "
        "wat u hebt ingevuld staat er nog.",
        "The form could not be checked. Send it again; what you filled in is still there.",
    ),
    "too_large": (
        "Uw bijlagen zijn samen te groot (maximaal 25 MB). Kies kleinere of minder bestanden.",
        "Your attachments are too large together (at most 25 MB). Choose smaller or fewer files.",
    ),
    "honeypot": (
        "Laat het veld ‘Laat dit veld leeg’ leeg en verstuur het formulier opnieuw.",
        "Leave the field ‘Leave this field empty’ empty and send the form again.",
    ),
    "pow_missing": (
        "De beveiligingscontrole van het formulier is nog niet klaar. Wacht een paar seconden en "
        "verstuur het opnieuw; wat u hebt ingevuld staat er nog. Werkt het niet, zet dan JavaScript aan.",
        "The form's security check is not ready yet. Wait a few seconds and send it again; "
        "what you filled in is still there. If that does not work, turn on JavaScript.",
    ),
    "pow_replayed": (
        "Dit formulier was al eens verstuurd. Verstuur het opnieuw; wat u hebt ingevuld staat er nog.",
        "This form had already been sent. Send it again; what you filled in is still there.",
    ),
    "pow_invalid": (
        "De beveiligingscontrole van het formulier is mislukt. Verstuur het opnieuw; "
        "wat u hebt ingevuld staat er nog.",
        "The form's security check failed. Send it again; what you filled in is still there.",
    ),
}
REFUSED["token_missing"] = REFUSED["token_invalid"]


def refusal_text(response) -> str:  # type: ignore[no-untyped-def]
    """The message the form page shows above the form."""
    match = re.search(r'id="form-refusal"[^>]*>\s*<p>(.*?)</p>', response.content.decode(), re.S)
    assert match, "the page shows no refusal"
    return html.unescape(match.group(1))


def api_refusal(code: str, lang: str = "nl", retry_after: int | None = None) -> dict:
    message = REFUSED[code][0 if lang == "nl" else 1]
    return {"error": code, "message": message, "fields": {}, "retry_after": retry_after}


@contextlib.contextmanager
def clock_at(moment: float) -> Iterator[None]:
    """Every clock read through ``time.time()`` (rate windows, cache, signatures, ALTCHA) shows ``moment``."""
    with mock.patch("time.time", return_value=moment):
        yield


def window_start(period: int) -> float:
    """The start of a rate-limit window of ``period`` seconds, shortly before now."""
    return float((int(time.time()) // period - 2) * period)


def rate_message(scope: str, minutes: int, lang: str = "nl") -> str:
    if lang == "en":
        unit = "minute" if minutes == 1 else "minutes"
        start = (
            "You have sent the form too many times in a row."
            if scope == "ip"
            else "A great many complaints are being sent at the moment."
        )
        return f"{start} Try again in {minutes} {unit}; what you filled in is still there."
    unit = "minuut" if minutes == 1 else "minuten"
    start = (
        "U hebt het formulier te vaak achter elkaar verstuurd."
        if scope == "ip"
        else "Er worden op dit moment erg veel klachten verstuurd."
    )
    return f"{start} Probeer het over {minutes} {unit} opnieuw; wat u hebt ingevuld staat er nog."


def solution(altcha_field: str) -> dict:
    return json.loads(base64.b64decode(altcha_field))


def encoded(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def pow_key() -> str:
    """The proof of work's signing key as the server derives it: from SECRET_KEY, under its own name."""
    return salted_hmac("casework.intake.pow", "altcha", algorithm="sha256").hexdigest()


def forged_solution(key: str, **options: object) -> str:
    """A solved challenge signed with ``key`` (not one the server handed out)."""
    challenge = altcha.create_challenge_v1(altcha.ChallengeOptionsV1(max_number=50, hmac_key=key, **options))
    return solve(challenge.to_dict())


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
    assert refusal_text(response) == REFUSED["origin_refused"][0]
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
    assert refusal_text(response) == REFUSED["token_expired"][0]
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
    assert refusal_text(response) == REFUSED["token_invalid"][0]
    assert_typed_values_kept(response)


def test_filled_honeypot_is_refused_without_filing(alpha_client: Client) -> None:
    before = alpha_complaints()
    response = post_form(alpha_client, widget_post_data(alpha_client, kp_extra="https://spam.example"))
    assert response.status_code == 400
    assert refusal_text(response) == REFUSED["honeypot"][0]
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


@pytest.mark.parametrize(
    ("window", "into_window", "retry_after", "minutes"),
    [
        (60, 0, 60, 1),
        (60, 1, 59, 1),
        (60, 59.5, 1, 1),  # half a second left: still a whole second and a whole minute
        (120, 59, 61, 2),
        (120, 1, 119, 2),
    ],
)
def test_the_wait_runs_to_the_end_of_the_window_and_is_told_in_whole_minutes_rounded_up(
    world: World, settings, window: int, into_window: float, retry_after: int, minutes: int
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": f"1/{window}s", "provider": "off", "global": "off"}
    client = host_client(world.alpha_host)
    data = widget_post_data(client)
    with clock_at(window_start(window) + into_window):
        assert post_form(client, {**data, "goal": ""}).status_code == 400
        response = post_form(client, data)
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    assert refusal_text(response) == rate_message("ip", minutes)
    assert_typed_values_kept(response)


@pytest.mark.parametrize(
    ("scope", "lang", "rate", "into_window", "minutes"),
    [
        ("ip", "en", "1/2m", 100, 1),
        ("ip", "en", "1/2m", 1, 2),
        ("provider", "nl", "1/2m", 100, 1),
        ("provider", "nl", "1/2m", 1, 2),
        ("provider", "en", "1/2m", 100, 1),
        ("provider", "en", "1/2m", 1, 2),
        ("global", "nl", "1/2m", 1, 2),
    ],
)
def test_each_rate_limit_says_who_sent_too_much_in_the_forms_language(
    world: World, settings, scope: str, lang: str, rate: str, into_window: float, minutes: int
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": "off", "provider": "off", "global": "off", scope: rate}
    client = host_client(world.alpha_host)
    path = "/widget/?lang=en" if lang == "en" else "/widget/"
    data = widget_post_data(client, path=path)
    with clock_at(window_start(120) + into_window):
        assert post_form(client, {**data, "goal": ""}, path=path).status_code == 400
        response = post_form(client, data, path=path)
    assert response.status_code == 429
    assert refusal_text(response) == rate_message(scope, minutes, lang)


def test_a_limit_of_nought_refuses_the_very_first_submission_until_the_window_ends(
    world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": "off", "provider": "0/1m", "global": "off"}
    client = host_client(world.alpha_host)
    data = widget_post_data(client)
    with clock_at(window_start(60) + 15):
        response = post_form(client, data)
    assert response.status_code == 429 and response["Retry-After"] == "45"
    assert refusal_text(response) == rate_message("provider", 1)


def test_a_counter_lasts_to_the_end_of_its_window_and_the_next_window_starts_afresh(
    world: World, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": "1/10m", "provider": "off", "global": "off"}
    client = host_client(world.alpha_host)
    start = window_start(600)
    with clock_at(start + 1):
        assert post_form(client, widget_post_data(client, goal="")).status_code == 400
    with clock_at(start + 598):
        late = post_form(client, widget_post_data(client, goal=""))
    assert late.status_code == 429 and late["Retry-After"] == "2"
    with clock_at(start + 601):
        assert post_form(client, widget_post_data(client, goal="")).status_code == 400


def test_a_scope_without_a_setting_is_not_limited(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"provider": "2/1d"}
    client = host_client(world.alpha_host)
    with clock_at(window_start(86400) + 100):
        for _ in range(2):
            assert post_form(client, widget_post_data(client, goal="")).status_code == 400
        response = post_form(client, widget_post_data(client))
    assert response.status_code == 429
    assert refusal_text(response) == rate_message("provider", 1439)


def test_ipv6_clients_are_counted_per_64_block(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": "1/1d", "provider": "off", "global": "off"}

    def from_address(address: str) -> Client:
        return Client(HTTP_HOST=world.alpha_host, REMOTE_ADDR=address)

    with clock_at(window_start(86400) + 100):
        first = from_address("2001:db8:0:1::1")
        assert post_form(first, widget_post_data(first, goal="")).status_code == 400
        same_block = from_address("2001:db8:0:1:ffff:ffff:ffff:ffff")
        assert post_form(same_block, widget_post_data(same_block)).status_code == 429
        next_block = from_address("2001:db8:0:2::1")
        assert post_form(next_block, widget_post_data(next_block, goal="")).status_code == 400


def test_every_limit_keeps_its_own_count(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    """The address, the provider and the platform each count once per submission, in their own counter."""
    settings.WIDGET_RATE_LIMITS = {"ip": "2/1d", "provider": "2/1d", "global": "2/1d"}
    client = host_client(world.alpha_host)
    with clock_at(window_start(86400) + 100):
        for _ in range(2):
            assert post_form(client, widget_post_data(client, goal="")).status_code == 400
        response = post_form(client, widget_post_data(client))
    assert response.status_code == 429
    assert refusal_text(response) == rate_message("ip", 1439)


# Guards: proof of work


def test_missing_proof_of_work_is_refused(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    data["altcha"] = ""
    response = post_form(alpha_client, data)
    assert response.status_code == 403
    assert refusal_text(response) == REFUSED["pow_missing"][0]
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
    assert refusal_text(response) == REFUSED["pow_invalid"][0]


def test_a_solved_challenge_cannot_be_used_for_a_second_complaint(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    assert post_form(alpha_client, data).status_code == 201
    replay = {**data, "idempotency_key": "another-key-0123456789"}
    response = post_form(alpha_client, replay)
    assert response.status_code == 403
    assert refusal_text(response) == REFUSED["pow_replayed"][0]
    assert_typed_values_kept(response)


def test_proof_of_work_can_be_switched_off_for_benchmarks(alpha_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_POW_ENABLED = False
    data = widget_post_data(alpha_client)
    assert "altcha" not in data or not data["altcha"]
    assert post_form(alpha_client, data).status_code == 201


def test_the_challenge_is_sha256_of_the_set_size_for_this_provider_until_the_form_expires(
    world: World, alpha_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_TOKEN_MAX_AGE = 1800
    before = int(time.time())
    body = alpha_client.get(f"{API_URL}/challenge").json()
    after = int(time.time())
    challenge = body["challenge"]
    assert sorted(challenge) == ["algorithm", "challenge", "maxNumber", "salt", "signature"]
    assert challenge["algorithm"] == "SHA-256" and challenge["maxNumber"] == 2000
    nonce, _, query = challenge["salt"].partition("?")
    assert re.fullmatch(r"[0-9a-f]{24}", nonce) and query.endswith("&")
    params = urllib.parse.parse_qs(query)
    assert sorted(params) == ["expires", "s"] and params["s"] == [world.alpha.schema_name]
    assert before + 1800 <= int(params["expires"][0]) <= after + 1800
    # Signed with a key derived from SECRET_KEY under the proof of work's own name, so it is the same
    # key in every process and after a deploy, and no other signature of the platform fits it.
    assert challenge["signature"] == altcha.hmac_hex("SHA-256", challenge["challenge"].encode(), pow_key())
    page = alpha_client.get("/widget/").content.decode()
    embedded = json.loads(
        re.search(r'<script id="kp-challenge" type="application/json">(.*?)</script>', page).group(1)
    )
    assert embedded["maxNumber"] == 2000 and embedded["algorithm"] == "SHA-256"


POW_BREAKS = [
    "not_base64",
    "outside_the_alphabet",
    "a_list",
    "no_number",
    "number_as_text",
    "wrong_number",
    "other_provider",
    "edited_salt",
    "expired",
    "signed_with_another_key",
    "signed_without_expiry",
]


@pytest.mark.parametrize("broken", POW_BREAKS)
def test_the_api_refuses_a_broken_proof_of_work_as_invalid(
    world: World, alpha_client: Client, settings, broken: str
) -> None:  # type: ignore[no-untyped-def]
    payload = {**guard_fields(alpha_client), **VALID_FIELDS}
    good = payload["altcha"]
    alpha, beta = world.alpha.schema_name, world.beta.schema_name
    in_an_hour = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    if broken == "not_base64":
        payload["altcha"] = "not base64!"
    elif broken == "outside_the_alphabet":  # a lenient decoder would skip the '*'
        payload["altcha"] = good[:8] + "*" + good[8:]
    elif broken == "a_list":
        payload["altcha"] = encoded([solution(good)])
    elif broken == "no_number":
        payload["altcha"] = encoded({key: value for key, value in solution(good).items() if key != "number"})
    elif broken == "number_as_text":
        payload["altcha"] = encoded({**solution(good), "number": str(solution(good)["number"])})
    elif broken == "wrong_number":
        payload["altcha"] = encoded({**solution(good), "number": solution(good)["number"] + 1})
    elif broken == "other_provider":
        payload["altcha"] = guard_fields(host_client(world.beta_host))["altcha"]
    elif broken == "edited_salt":
        edited = solution(good)["salt"].replace(f"s={alpha}", f"s={beta}")
        payload["altcha"] = encoded({**solution(good), "salt": edited})
    elif broken == "expired":
        lifetime, settings.WIDGET_TOKEN_MAX_AGE = settings.WIDGET_TOKEN_MAX_AGE, -60
        payload["altcha"] = guard_fields(alpha_client)["altcha"]  # a challenge that ran out a minute ago
        settings.WIDGET_TOKEN_MAX_AGE = lifetime
    elif broken == "signed_with_another_key":
        other = salted_hmac("casework.intake.token", "altcha", algorithm="sha256").hexdigest()
        payload["altcha"] = forged_solution(other, params={"s": alpha}, expires=in_an_hour)
    else:
        payload["altcha"] = forged_solution(pow_key(), params={"s": alpha})
    response = post_json(alpha_client, payload)
    assert (response.status_code, response.json()) == (403, api_refusal("pow_invalid"))


def test_a_solution_counts_once_even_without_an_idempotency_key(alpha_client: Client) -> None:
    payload = {**guard_fields(alpha_client), **VALID_FIELDS}
    assert post_json(alpha_client, payload).status_code == 201
    again = post_json(alpha_client, payload)
    assert (again.status_code, again.json()) == (403, api_refusal("pow_replayed"))
    missing = post_json(alpha_client, {**payload, "altcha": ""})
    assert (missing.status_code, missing.json()) == (403, api_refusal("pow_missing"))


def test_a_spent_solution_stays_spent_until_its_challenge_expires(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    assert post_form(alpha_client, data).status_code == 201
    salt = solution(data["altcha"])["salt"]
    expires = int(urllib.parse.parse_qs(salt.partition("?")[2])["expires"][0])
    with clock_at(expires - 30):
        replay = {
            **widget_post_data(alpha_client),
            "altcha": data["altcha"],
            "idempotency_key": "another-key-0123",
        }
        response = post_form(alpha_client, replay)
    assert response.status_code == 403
    assert refusal_text(response) == REFUSED["pow_replayed"][0]


# Guards through the API: each refusal's code and whole message, in Dutch and English


def _refusal_request(world: World, client: Client, code: str) -> tuple[dict, dict]:
    """A submission refused for ``code`` and the headers it is sent with."""
    payload = {**guard_fields(client), **VALID_FIELDS}
    headers: dict = {}
    if code == "origin_refused":
        headers["origin"] = "https://www.zorg-alpha.nl"
    elif code == "token_missing":
        del payload["token"]
    elif code == "token_invalid":
        payload["token"] = form_token_make(world.beta)
    elif code == "token_expired":
        with mock.patch("django.core.signing.time.time", return_value=time.time() - 3 * 60 * 60):
            payload["token"] = form_token_make(world.alpha)
    elif code == "honeypot":
        payload["kp_extra"] = "https://spam.example"
    elif code == "pow_missing":
        payload["altcha"] = ""
    elif code == "pow_invalid":
        payload["altcha"] = "not base64!"
    elif code == "too_large":
        headers["CONTENT_LENGTH"] = str(MAX_REQUEST_BYTES + 1)
    return payload, headers


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("origin_refused", 403),
        ("token_missing", 403),
        ("token_invalid", 403),
        ("token_expired", 403),
        ("honeypot", 400),
        ("pow_missing", 403),
        ("pow_invalid", 403),
        ("too_large", 413),
    ],
)
def test_the_api_names_each_refusal_with_its_code_and_whole_message(
    world: World, alpha_client: Client, code: str, status: int, lang: str
) -> None:
    payload, headers = _refusal_request(world, alpha_client, code)
    response = post_json(alpha_client, payload, HTTP_ACCEPT_LANGUAGE=lang, **headers)
    assert (response.status_code, response.json()) == (status, api_refusal(code, lang))


def test_a_tampered_token_is_invalid(alpha_client: Client) -> None:
    payload = {**guard_fields(alpha_client), **VALID_FIELDS}
    token = payload["token"]
    payload["token"] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = post_json(alpha_client, payload)
    assert (response.status_code, response.json()) == (403, api_refusal("token_invalid"))


def test_a_replayed_solution_and_the_rate_limit_are_named_too(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_RATE_LIMITS = {"ip": "2/1m", "provider": "off", "global": "off"}
    client = host_client(world.alpha_host)
    payload = {**guard_fields(client), **VALID_FIELDS}
    with clock_at(window_start(60) + 50):
        assert post_json(client, payload, HTTP_IDEMPOTENCY_KEY="first-key-0001").status_code == 201
        replayed = post_json(client, payload, HTTP_IDEMPOTENCY_KEY="second-key-0002")
        limited = post_json(client, payload, HTTP_IDEMPOTENCY_KEY="third-key-0003")
    assert (replayed.status_code, replayed.json()) == (403, api_refusal("pow_replayed"))
    assert limited.status_code == 429 and limited["Retry-After"] == "10"
    assert limited.json() == {
        "error": "rate_limited",
        "message": rate_message("ip", 1),
        "fields": {},
        "retry_after": 10,
    }


def test_a_refusal_on_the_english_form_is_in_english(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client, path="/widget/?lang=en", kp_extra="https://spam.example")
    response = post_form(alpha_client, data, path="/widget/?lang=en")
    assert response.status_code == 400
    assert refusal_text(response) == REFUSED["honeypot"][1]


# The form token's lifetime


@pytest.mark.parametrize(("age", "accepted"), [(580, True), (605, False)])
def test_the_form_token_lives_for_the_configured_time(
    world: World, alpha_client: Client, settings, age: int, accepted: bool
) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_TOKEN_MAX_AGE = 600
    data = widget_post_data(alpha_client)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - age):
        data["token"] = form_token_make(world.alpha)
    response = post_form(alpha_client, data)
    if accepted:
        assert response.status_code == 201
    else:
        assert response.status_code == 403 and refusal_text(response) == REFUSED["token_expired"][0]


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
    assert refusal_text(response) == REFUSED["too_large"][0]
    assert "Kies uw bijlagen opnieuw" in page_text(response)
    assert_typed_values_kept(response)


def test_a_request_exactly_at_the_size_limit_passes_and_one_byte_more_is_refused(
    alpha_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = {**guard_fields(alpha_client), **VALID_FIELDS, "goal": ""}
    size = len(json.dumps(payload).encode())
    monkeypatch.setattr("casework.intake.guard.MAX_REQUEST_BYTES", size)
    # Past every guard: only the form's own check (the missing goal) stops it.
    assert post_json(alpha_client, payload).status_code == 422
    monkeypatch.setattr("casework.intake.guard.MAX_REQUEST_BYTES", size - 1)
    refused = post_json(alpha_client, payload)
    assert (refused.status_code, refused.json()) == (413, api_refusal("too_large"))


def test_a_content_length_that_is_not_a_number_is_not_taken_for_a_large_request(alpha_client: Client) -> None:
    data = widget_post_data(alpha_client)
    response = alpha_client.post("/widget/", data, HTTP_ORIGIN=origin_of(alpha_client), CONTENT_LENGTH="lots")
    # The body is not read at all, so the form arrives without its token.
    assert response.status_code == 403
    assert refusal_text(response) == REFUSED["token_missing"][0]


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
    ("rate", "parsed"),
    [
        ("10/10m", (10, 600)),
        ("5/h", (5, 3600)),
        ("5/m", (5, 60)),
        ("10/h", (10, 3600)),
        ("30/s", (30, 1)),
        ("1200/1d", (1200, 86400)),
        ("0/1m", (0, 60)),  # nobody gets through
        (" 10 / 10M ", (10, 600)),
        ("off", None),
        ("OFF", None),
        ("0", None),
        ("", None),
        ("  ", None),
    ],
)
def test_rate_limits_are_read_like_allauths(rate: str, parsed: tuple[int, int] | None) -> None:
    from casework.intake.guard import parse_rate

    assert parse_rate(rate) == parsed


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        ("ten per minute", "ten per minute"),
        ("x/10m", "x/10m"),  # the count is wrong
        ("10/10x", "10/10x"),  # the period is wrong
        ("10/", "10/"),
        ("/10m", "/10m"),
        ("10m", "10m"),
        ("5/1/m", "5/1/m"),
        (" 10/10W ", "10/10w"),
    ],
)
def test_a_malformed_rate_limit_fails_loudly(rate: str, shown: str) -> None:
    from casework.intake.guard import parse_rate

    with pytest.raises(ValueError) as refused:
        parse_rate(rate)
    assert str(refused.value) == f"rate limit {shown!r} is not like '10/10m'"


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


def test_a_counter_whose_key_expires_between_add_and_increment_starts_again_and_lasts_its_window(
    settings: Any,
) -> None:
    from casework.intake.guard import _count

    settings.CACHES = {
        "default": {
            "BACKEND": "tests.casework.widget_support.KeyExpiresBeforeFirstIncrement",
            "LOCATION": "expiring",
            "KEY_FUNCTION": "klachtpunt.cache.make_key",
        }
    }
    start = window_start(60)
    now = start + 0.5
    left = 59.5
    with clock_at(now):
        assert _count("ip:203.0.113.9", 60, now) == (1, left)
        # The key was found, then expired before the increment: the count starts again at one,
        assert _count("ip:203.0.113.9", 60, now) == (1, left)
        # and is counted on from there.
        assert _count("ip:203.0.113.9", 60, now) == (2, left)
    # The key made after the race lasts to the end of its window (and a little after).
    later = start + 59.0
    with clock_at(later):
        assert _count("ip:203.0.113.9", 60, later) == (3, 1.0)
