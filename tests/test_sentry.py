"""Sentry events leave the process without dossier content or e-mail addresses."""

from __future__ import annotations

import json

import sentry_sdk

from klachtpunt.sentry import init_sentry

COMPLAINT_TEXT = "Mijn moeder kreeg de verkeerde medicatie op afdeling Noord"
EMAIL = "j.jansen@example.nl"


class CapturingTransport(sentry_sdk.transport.Transport):
    def __init__(self, options=None):  # type: ignore[no-untyped-def]
        super().__init__(options)
        self.envelopes: list[str] = []

    def capture_envelope(self, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope.serialize().decode("utf-8", "replace"))


def _raise_with_dossier_content(description: str, email: str) -> None:
    complaint = {"description": description, "email": email}
    raise ValueError(f"could not save complaint of {email}: {complaint['description']}")


def test_scrubber_strips_complaint_text_and_email_from_events() -> None:
    transport = CapturingTransport()
    assert init_sentry("https://public@sentry.invalid/1", environment="test", transport=transport)
    try:
        sentry_sdk.add_breadcrumb(message=f"opened dossier for {EMAIL}", data={"description": COMPLAINT_TEXT})
        sentry_sdk.set_extra("complaint", {"what_happened": COMPLAINT_TEXT, "reference": "KP-2026-000123"})
        try:
            _raise_with_dossier_content(COMPLAINT_TEXT, EMAIL)
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.capture_message(f"mail to {EMAIL} bounced")
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a disabled client
    payload = "\n".join(transport.envelopes)
    assert "ValueError" in payload, "the events themselves did arrive"
    assert "bounced" in payload
    assert COMPLAINT_TEXT not in payload
    assert "verkeerde medicatie" not in payload
    assert EMAIL not in payload
    assert "example.nl" not in payload
    # Events are still useful: the exception type and our routing reference survive.
    events = [json.loads(line) for env in transport.envelopes for line in env.splitlines()[2:3]]
    assert any(e.get("exception") for e in events)


def test_sentry_stays_off_without_dsn() -> None:
    assert init_sentry("", environment="test") is False
