"""Abuse protection for anonymous intake: the widget's POST and ``POST /api/v1/complaints``.

The widget lives in an iframe on someone else's site, where browsers block
third-party cookies, so a CSRF cookie cannot work. Instead:

- the POST must come from the provider host's own origin (the iframe's), not
  from the embedding site; which sites may embed is ``frame-ancestors``' job;
- the form carries a signed token binding the provider's schema, valid for
  ``WIDGET_TOKEN_MAX_AGE`` and refreshed by the form's script while it is open;
- a honeypot field must stay empty;
- rate limits per client IP, per provider and over the whole platform, kept
  under ``security:`` cache keys so every host shares one allowance;
- a proof-of-work challenge (ALTCHA, self-hosted) whose solution is accepted
  once: a replay passes only with the idempotency key it was first used with,
  so a double submit still reaches the idempotent intake and nothing more.

Every refusal is an ``IntakeRefused`` with a translated message and the HTTP
status the API answers with; the form pages show the message above the form
with everything that was typed kept.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

import altcha
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.network import client_address
from casework.dossier.attachments import MAX_TOTAL_BYTES
from tenants.models import Provider

TOKEN_FIELD = "token"  # noqa: S105 (a field name)  # nosec B105  # a form field name
POW_FIELD = "altcha"
HONEYPOT_FIELD = "kp_extra"
IDEMPOTENCY_FIELD = "idempotency_key"
IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

_TOKEN_SALT = "casework.intake.token"  # noqa: S105 (a signing namespace, not a secret)  # nosec B105  # a signing salt namespace, not a secret
# Room for the form fields next to the attachments, in one request.
MAX_REQUEST_BYTES = MAX_TOTAL_BYTES + 512 * 1024
_PERIOD_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass
class IntakeRefused(Exception):
    """A submission refused before its content was looked at."""

    code: str
    message: str
    status: int
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# The signed form token


def form_token_make(provider: Provider) -> str:
    """A token for ``provider``'s form; its timestamp gives it ``WIDGET_TOKEN_MAX_AGE`` to live."""
    return signing.dumps({"s": provider.schema_name}, salt=_TOKEN_SALT)


def form_token_expires_at() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.WIDGET_TOKEN_MAX_AGE)


def _token_refused(code: str) -> IntakeRefused:
    if code == "token_expired":
        message = _(
            "Het formulier stond te lang open en is verlopen. Verstuur het opnieuw; "
            "wat u hebt ingevuld staat er nog."
        )
    else:
        message = _(
            "Het formulier kon niet worden gecontroleerd. Verstuur het opnieuw; "
            "wat u hebt ingevuld staat er nog."
        )
    return IntakeRefused(code, message, 403)


def form_token_check(provider: Provider, token: str | None) -> None:
    if not token:
        raise _token_refused("token_missing")
    try:
        payload = signing.loads(token, salt=_TOKEN_SALT, max_age=settings.WIDGET_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise _token_refused("token_expired") from exc
    except signing.BadSignature as exc:
        raise _token_refused("token_invalid") from exc
    if not isinstance(payload, dict) or payload.get("s") != provider.schema_name:
        raise _token_refused("token_invalid")


# Origin


def own_origin(request: HttpRequest) -> str:
    """This request's own scheme and host (with port): the origin of the widget's iframe."""
    return f"{request.scheme}://{request.get_host()}".lower()


def origin_check(request: HttpRequest) -> None:
    """The POST must come from a page on this host: the iframe or the plain form page.

    Comparing with the request's own scheme and host keeps it honest whatever
    port the server runs on; the host itself was already matched to this
    provider by the tenant routing.
    """
    origin = (request.headers.get("Origin") or "").lower()
    if origin != own_origin(request):
        raise IntakeRefused(
            "origin_refused",
            _(
                "Dit formulier is vanaf een andere website verstuurd en is daarom niet aangenomen. "
                "Open het klachtenformulier opnieuw en verstuur het daar."
            ),
            403,
        )


def request_size_check(request: HttpRequest) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        raise IntakeRefused(
            "too_large",
            _("Uw bijlagen zijn samen te groot (maximaal %(mb)d MB). Kies kleinere of minder bestanden.")
            % {"mb": MAX_TOTAL_BYTES // (1024 * 1024)},
            413,
        )


def honeypot_check(value: str | None) -> None:
    if value:
        raise IntakeRefused(
            "honeypot",
            _("Laat het veld ‘Laat dit veld leeg’ leeg en verstuur het formulier opnieuw."),
            400,
        )


# Rate limits


def client_ip(request: HttpRequest) -> str:
    """The client's address; IPv6 clients are counted per /64, as one household or host."""
    raw = client_address(request)
    if raw is None:
        return "unknown"
    address = ipaddress.ip_address(raw)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)


def parse_rate(rate: str) -> tuple[int, int] | None:
    """``"10/10m"`` -> (10, 600); ``"off"`` -> None."""
    rate = rate.strip().lower()
    if rate in ("", "off", "0"):
        return None
    count, _slash, period = rate.partition("/")
    match = re.fullmatch(r"(\d*)([smhd])", period.strip())
    if not count.strip().isdigit() or match is None:
        raise ValueError(f"rate limit {rate!r} is not like '10/10m'")
    return int(count), int(match.group(1) or 1) * _PERIOD_UNITS[match.group(2)]


def _count(key: str, period: int, now: float) -> tuple[int, float]:
    window = int(now // period)
    cache_key = f"security:intake:{key}:{window}"
    if cache.add(cache_key, 1, timeout=period + 5):
        return 1, (window + 1) * period - now
    try:
        return cache.incr(cache_key), (window + 1) * period - now
    except ValueError:  # the window's key expired between add and incr
        cache.add(cache_key, 1, timeout=period + 5)
        return 1, (window + 1) * period - now


def rate_limit_hit(request: HttpRequest, provider: Provider) -> None:
    """Count one submission per IP, per provider and platform-wide; refuse when over a limit."""
    now = time.time()
    scopes = (
        ("ip", f"ip:{client_ip(request)}"),
        ("provider", f"provider:{provider.schema_name}"),
        ("global", "global"),
    )
    for scope, key in scopes:
        rate = parse_rate(settings.WIDGET_RATE_LIMITS.get(scope, "off"))
        if rate is None:
            continue
        limit, period = rate
        count, remaining = _count(key, period, now)
        if count > limit:
            retry_after = max(1, math.ceil(remaining))
            minutes = max(1, math.ceil(retry_after / 60))
            if scope == "ip":
                message = ngettext(
                    "U hebt het formulier te vaak achter elkaar verstuurd. Probeer het over %(minutes)d "
                    "minuut opnieuw; wat u hebt ingevuld staat er nog.",
                    "U hebt het formulier te vaak achter elkaar verstuurd. Probeer het over %(minutes)d "
                    "minuten opnieuw; wat u hebt ingevuld staat er nog.",
                    minutes,
                )
            else:
                message = ngettext(
                    "Er worden op dit moment erg veel klachten verstuurd. Probeer het over %(minutes)d "
                    "minuut opnieuw; wat u hebt ingevuld staat er nog.",
                    "Er worden op dit moment erg veel klachten verstuurd. Probeer het over %(minutes)d "
                    "minuten opnieuw; wat u hebt ingevuld staat er nog.",
                    minutes,
                )
            raise IntakeRefused("rate_limited", message % {"minutes": minutes}, 429, retry_after)


# Proof of work (ALTCHA v1)


def _pow_key() -> str:
    return salted_hmac("casework.intake.pow", "altcha", algorithm="sha256").hexdigest()


def pow_challenge_create(provider: Provider) -> dict[str, Any] | None:
    """A fresh challenge for ``provider``'s form (None when proof of work is off)."""
    if not settings.WIDGET_POW_ENABLED:
        return None
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            algorithm="SHA-256",
            max_number=settings.WIDGET_POW_MAX_NUMBER,
            hmac_key=_pow_key(),
            expires=form_token_expires_at(),
            params={"s": provider.schema_name},
        )
    )
    return challenge.to_dict()


def _pow_refused(code: str) -> IntakeRefused:
    if code == "pow_missing":
        message = _(
            "De beveiligingscontrole van het formulier is nog niet klaar. Wacht een paar seconden en "
            "verstuur het opnieuw; wat u hebt ingevuld staat er nog. Werkt het niet, zet dan JavaScript aan."
        )
    elif code == "pow_replayed":
        message = _(
            "Dit formulier was al eens verstuurd. Verstuur het opnieuw; wat u hebt ingevuld staat er nog."
        )
    else:
        message = _(
            "De beveiligingscontrole van het formulier is mislukt. Verstuur het opnieuw; "
            "wat u hebt ingevuld staat er nog."
        )
    return IntakeRefused(code, message, 403)


def pow_check(provider: Provider, payload: str | None, idempotency_key: str) -> None:
    """Verify the solution and accept it once (or again with the same idempotency key)."""
    if not settings.WIDGET_POW_ENABLED:
        return
    if not payload:
        raise _pow_refused("pow_missing")
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise _pow_refused("pow_invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("number"), int):
        raise _pow_refused("pow_invalid")
    verified, _error = altcha.verify_solution_v1(data, _pow_key(), check_expires=True)
    params = altcha.extract_params_v1(data)
    if not verified or params.get("s") != [provider.schema_name]:
        raise _pow_refused("pow_invalid")
    try:
        expires = int(params["expires"][0])
    except (KeyError, ValueError) as exc:
        raise _pow_refused("pow_invalid") from exc
    used_key = f"security:altcha:{data['challenge']}"
    lifetime = max(1, expires - int(time.time()) + 60)
    first_use = cache.add(used_key, idempotency_key or "-", timeout=lifetime)
    if not first_use and (not idempotency_key or cache.get(used_key) != idempotency_key):
        raise _pow_refused("pow_replayed")


# All together


def intake_guard(
    request: HttpRequest,
    provider: Provider,
    *,
    token: str | None,
    pow_payload: str | None,
    honeypot: str | None,
    idempotency_key: str,
) -> None:
    """Run every check, cheapest and most telling first; raise ``IntakeRefused`` on the first failure."""
    request_size_check(request)
    origin_check(request)
    rate_limit_hit(request, provider)
    form_token_check(provider, token)
    honeypot_check(honeypot)
    pow_check(provider, pow_payload, idempotency_key)
