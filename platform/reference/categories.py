"""The standard complaint categories, by code, for pages on the platform host.

Each provider's schema holds its own ``casework.Category`` rows (seeded with
these by migration 0002, and a provider may add more); the public case index
and the professionals' expertise hold codes only. The platform host shows
these names without switching schemas; an unknown code is shown as itself.
"""

from __future__ import annotations

from django.utils.translation import get_language

STANDARD_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("treatment", "Behandeling en zorgverlening", "Treatment and care"),
    ("attitude", "Bejegening", "Attitude and conduct"),
    ("communication", "Communicatie en informatie", "Communication and information"),
    ("organisation", "Organisatie en bereikbaarheid", "Organisation and availability"),
    ("finance", "Financiën en rekeningen", "Finance and bills"),
    ("privacy", "Privacy en dossier", "Privacy and records"),
    ("safety", "Veiligheid", "Safety"),
    ("coercion", "Onvrijwillige zorg", "Involuntary care"),
    ("other", "Overig", "Other"),
)
_NAMES = {code: (nl, en) for code, nl, en in STANDARD_CATEGORIES}


def category_label(code: str) -> str:
    """The category's name in the active language, or the code itself when it is not standard."""
    names = _NAMES.get(code)
    if names is None:
        return code
    return names[1] if (get_language() or "nl").startswith("en") else names[0]


def category_choices() -> list[tuple[str, str]]:
    return [(code, category_label(code)) for code, _nl, _en in STANDARD_CATEGORIES]
