"""Cached entries keyed to a complainant, and forgetting them.

What the cache holds about a person is keyed by their e-mail address or
account id: allauth's login and password-reset counters (``allauth:rl:...``,
by a SHA-256 of the address, or of the host and address) and its record of
used TOTP codes (keyed by a code nobody can list, gone within a
minute). They expire on their own within minutes, but an erasure or
an account deletion removes them at once rather than waiting. The dossier
itself is never cached (pages are ``never_cache`` and read PostgreSQL).
"""

from __future__ import annotations

from allauth.core.internal.ratelimit import Rate, get_cache_key, get_rates
from django.conf import settings
from django.core.cache import cache

# allauth's rate-limited actions keyed by something that names the person (the e-mail address).
PER_KEY_ACTIONS = ("login_failed", "reset_password", "reset_password_email", "change_email", "manage_email")
APP = "allauth.account"


def _key(action: str, rate: Rate, source: str) -> str:
    # allauth builds the key from the rate and a SHA-256 of the source; ask it, so ours never drift.
    return str(get_cache_key(None, app=APP, action=action, rate=rate, key=source))


def _platform_hosts() -> set[str]:
    # allauth keys login counters by the request's host (``get_host``: with the port, if any).
    domain = settings.PLATFORM_DOMAIN
    return {domain, f"{domain}:{settings.PLATFORM_PORT}"} if settings.PLATFORM_PORT else {domain}


def complainant_cache_keys(*, emails: list[str]) -> list[str]:
    """Every cache key that names one of ``emails``: allauth's counters per address."""
    keys: list[str] = []
    hosts = _platform_hosts()
    for email in {address.strip().lower() for address in emails if address}:
        for action in PER_KEY_ACTIONS:
            for rate in get_rates(app=APP, action=action):
                if rate.per != "key":
                    continue
                # Login counters are keyed by the host and the address; the others by the address.
                keys.append(_key(action, rate, email))
                keys.extend(_key(action, rate, f"{host}:{email}") for host in hosts)
    return keys


def complainant_cache_forget(*, emails: list[str]) -> int:
    """Remove every cached entry keyed to the complainant; returns how many keys were asked to go."""
    keys = complainant_cache_keys(emails=emails)
    if keys:
        cache.delete_many(keys)
    return len(keys)
