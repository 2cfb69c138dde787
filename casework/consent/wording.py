"""The exact consent wording shown to complainants, per language.

The text shown is stored with every consent decision, so changing it here
never changes what someone agreed to earlier.
"""

from __future__ import annotations

CONSENT_WORDING = {
    "nl": (
        "Ik geef Klachtpunt toestemming om mijn klacht, met mijn naam en contactgegevens, "
        "te delen met de zorgaanbieder, zodat die de klacht kan behandelen. "
        "Ik kan deze toestemming altijd weer intrekken."
    ),
    "en": (
        "I allow Klachtpunt to share my complaint, with my name and contact details, "
        "with the care provider so that it can handle the complaint. "
        "I can withdraw this consent at any time."
    ),
}


def consent_wording(language: str) -> str:
    return CONSENT_WORDING.get(language[:2], CONSENT_WORDING["nl"])
