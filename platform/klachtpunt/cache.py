"""Cache keys that carry the schema name, with one deliberate exception.

Security counters (login and MFA rate limits, widget limits, used TOTP codes)
must be shared by every host: if they were prefixed per tenant, an attacker
would get one allowance per provider host, and a TOTP code used on one host
would be accepted again on another. Those keys start with a global prefix:
allauth's rate limits use ``allauth:``, its used TOTP codes
``allauth.mfa.totp.used?user=..&code=..``, ours ``security:``.
"""

from __future__ import annotations

from django.db import connection

GLOBAL_PREFIXES = ("allauth:", "allauth.", "security:")


def make_key(key: str, key_prefix: str, version: int | str) -> str:
    if key.startswith(GLOBAL_PREFIXES):
        return f"{key_prefix}:{version}:global:{key}"
    schema = getattr(connection, "schema_name", None) or "public"
    return f"{key_prefix}:{version}:{schema}:{key}"
