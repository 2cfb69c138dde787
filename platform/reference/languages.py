"""Languages a professional can hold a conversation in (ISO 639 codes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SPOKEN_LANGUAGES = [
    ("nl", _("Nederlands")),
    ("en", _("Engels")),
    ("de", _("Duits")),
    ("fr", _("Frans")),
    ("es", _("Spaans")),
    ("pl", _("Pools")),
    ("tr", _("Turks")),
    ("ar", _("Arabisch")),
    ("zgh", _("Berbers (Tamazight)")),
    ("pap", _("Papiaments")),
    ("fy", _("Fries")),
    ("uk", _("Oekraïens")),
]
_LABELS = dict(SPOKEN_LANGUAGES)


def language_label(code: str) -> str:
    return str(_LABELS.get(code, code))
