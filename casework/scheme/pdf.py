"""The complaints scheme as a PDF, in the shared document layout."""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from casework.dossier.pdf import document_pdf
from casework.models import ComplaintsScheme


def scheme_pdf(*, provider_name: str, scheme: ComplaintsScheme, language: str, page_url: str) -> bytes:
    """Version ``scheme`` in ``language``, with its number, effective date and where it is published."""
    with translation.override(language):
        header = [
            _("Versie %(version)d, geldt vanaf %(date)s")
            % {
                "version": scheme.version,
                "date": formats.date_format(scheme.effective_on, "j F Y") if scheme.effective_on else "—",
            },
            _("Deze regeling staat ook op %(url)s") % {"url": page_url},
        ]
        title = _("Klachtenregeling %(name)s") % {"name": provider_name}
        return document_pdf(
            author=provider_name,
            title=title,
            heading=title,
            header_lines=header,
            sections=[(part["heading"], part["body"]) for part in scheme.sections(language)],
        )
