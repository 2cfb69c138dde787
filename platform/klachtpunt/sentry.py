"""Sentry error reporting, off unless ``SENTRY_DSN`` is set.

PII is off, and ``scrub_event`` removes dossier content and e-mail addresses
from every event before it leaves the process: request bodies, cookies,
local variables, breadcrumbs and messages.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
FILTERED = "[Filtered]"
# Fields whose values may hold complaint text, health data or identity.
SENSITIVE_KEYS = frozenset(
    {
        "description",
        "what_happened",
        "complaint",
        "complaint_text",
        "text",
        "body",
        "message_body",
        "notes",
        "note",
        "goal",
        "goals",
        "desired_outcome",
        "name",
        "first_name",
        "last_name",
        "full_name",
        "email",
        "phone",
        "address",
        "postcode",
        "date_of_birth",
        "bsn",
        "password",
        "secret",
        "token",
        "cookies",
        "data",
        "attachments",
    }
)


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return FILTERED
    if isinstance(value, dict):
        return {
            key: (FILTERED if str(key).lower() in SENSITIVE_KEYS else _scrub(item, depth + 1))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item, depth + 1) for item in value]
    if isinstance(value, str):
        return EMAIL_RE.sub("[email]", value)
    return value


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the event without dossier content or e-mail addresses."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string"):
            if key in request:
                request[key] = FILTERED
        headers = request.get("headers") or {}
        for header in list(headers):
            if header.lower() in {"cookie", "authorization", "x-api-key"}:
                headers[header] = FILTERED
    for exc in (event.get("exception") or {}).get("values") or []:
        # Exception messages may quote field values (IntegrityError, validation
        # errors, f-strings): keep the type and the stack, drop the message.
        if "value" in exc:
            exc["value"] = FILTERED
        for frame in (exc.get("stacktrace") or {}).get("frames") or []:
            if "vars" in frame:
                frame["vars"] = dict.fromkeys(frame["vars"], FILTERED)
    if "logentry" in event:
        event["logentry"] = _scrub(event["logentry"])
    if "message" in event:
        event["message"] = _scrub(event["message"])
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and "values" in breadcrumbs:
        breadcrumbs["values"] = [_scrub(crumb) for crumb in breadcrumbs["values"]]
    for key in ("extra", "contexts", "tags", "user"):
        if key in event:
            event[key] = _scrub(event[key])
    return event


def init_sentry(dsn: str, *, environment: str, transport: Any = None) -> bool:
    """Start sentry-sdk when a DSN is configured; return whether it started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment,
        # No PII: no user info, request bodies, query data or frame variables.
        "data_collection": {
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        "before_send": scrub_event,
        "before_breadcrumb": lambda crumb, hint: _scrub(crumb),
        "integrations": [DjangoIntegration(), CeleryIntegration()],
        "traces_sample_rate": 0.0,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
    return True
