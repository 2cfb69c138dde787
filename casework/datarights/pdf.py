"""The readable download (AVG art. 15): the same content as the JSON file, as a PDF.

Made with the letters' PDF helper (casework.dossier.pdf.LetterPDF): the
account, then per complaint its facts and every part of the dossier, the
access log, and the files themselves embedded in the PDF (a PDF reader lists
them as attachments), each named on the page where it belongs.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.datarights.services import Export
from casework.dossier.pdf import LetterPDF, _font_path

PART_TITLES = {
    "consent_records": "Toestemming / Consent",
    "timeline": "Tijdlijn / Timeline",
    "attachments": "Bijlagen / Attachments",
    "follow_links": "Volglinks / Follow links",
    "deadline_extensions": "Verlengingen / Extensions",
    "extension_consents": "Instemming met verlenging / Consent to extensions",
    "decisions": "Oordeel / Decisions",
    "measures": "Maatregelen / Measures",
    "decision_draft": "Concept-oordeel / Draft decision",
    "closing": "Afsluiting / Closing",
    "letters": "Brieven / Letters",
    "meetings": "Gesprekken / Meetings",
    "records": "Verslagen en documenten / Records",
    "messages": "Berichten / Messages",
    "confidant_notes": "Vertrouwenspersoon / Confidant",
    "complaint_parts": "Klachtonderdelen / Complaint parts",
    "committee_advice": "Advies commissie / Committee advice",
    "access_log": "Toegangslog / Access log",
    "data_rights_requests": "Uw AVG-verzoeken / Your requests",
}


def _lines(data: dict[str, Any]) -> str:
    out = []
    for name, value in data.items():
        if isinstance(value, dict) and "content_base64" in value:
            digest = value["sha256"][:16]
            value = f"{value['name']} ({value['size']} bytes, sha256 {digest}...): {_('bijgevoegd')}"
        elif isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        elif value is None or value == "":
            continue
        out.append(f"{name}: {value}")
    return "\n".join(out)


def export_pdf(export: Export) -> bytes:
    """The readable download of ``export``, attachments embedded."""
    document = export.document
    pdf = LetterPDF(_font_path())
    pdf.set_title(_("Uw gegevens bij Klachtpunt"))
    pdf.set_author("Klachtpunt")
    pdf.add_page()
    pdf.heading(_("Uw gegevens bij Klachtpunt"), size=16)
    pdf.paragraph(
        _(
            "Dit is alles wat Klachtpunt over u bewaart (AVG artikel 15). Hetzelfde staat in het "
            "JSON-bestand dat u ook kunt downloaden (artikel 20). Uw bijlagen en brieven zitten als "
            "bestand in deze PDF."
        )
        + "\n"
        + _("Gemaakt op %(date)s.") % {"date": timezone.localtime(export.made_at).strftime("%d-%m-%Y %H:%M")}
    )
    account = document.get("account")
    if account:
        pdf.heading(_("Uw account"))
        pdf.paragraph(_lines(account))
    for complaint in document["complaints"]:
        pdf.add_page()
        pdf.heading(
            _("Klacht %(reference)s over %(provider)s")
            % {"reference": complaint["reference"], "provider": complaint["provider"]},
            size=14,
        )
        pdf.paragraph(_lines(complaint["complaint"]))
        pdf.heading(_("Routegegevens (index)"))
        pdf.paragraph(_lines(complaint["case_index"]))
        for part, title in PART_TITLES.items():
            rows = complaint.get(part) or []
            if not rows:
                continue
            pdf.heading(title)
            for row in rows:
                pdf.paragraph(_lines(row))
    for _case, dossier in export.dossiers:
        for file in dossier.files:
            pdf.embed_file(
                bytes=file.content,
                basename=f"{dossier.reference}-{file.part}-{file.row_id}-{file.name}",
                mime_type=file.content_type,
                modification_date=export.made_at,
            )
    return bytes(pdf.output())
