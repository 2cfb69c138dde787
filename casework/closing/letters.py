"""The closing letter as a PDF: the outcome and, when not resolved, where the complainant can go next."""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from casework.closing.services import follow_up_rows
from casework.dossier.pdf import letter_pdf
from casework.models import ClosingNotice, Complaint
from tenants.models import Provider


def closing_letter_pdf(*, provider: Provider, complaint: Complaint, closing: ClosingNotice) -> bytes:
    """The closing letter in the complainant's language, with the disputes body's last day."""
    with translation.override(complaint.language or "nl"):
        header = [
            _("Zorgaanbieder: %(name)s") % {"name": provider.name},
            _("Kenmerk: %(reference)s") % {"reference": complaint.reference},
            _("Datum: %(date)s") % {"date": formats.date_format(closing.closed_at.date(), "j F Y")},
            _("Aan: %(name)s") % {"name": complaint.complainant_name},
        ]
        sections = [
            (
                "",
                _("Uw klacht %(reference)s is afgesloten. De uitkomst: %(outcome)s.")
                % {"reference": complaint.reference, "outcome": complaint.get_outcome_display()},
            )
        ]
        rows = follow_up_rows(closing)
        if rows:
            sections.append((_("Niet (helemaal) tevreden?"), _("Dan kunt u nog het volgende doen.")))
        for row in rows:
            text = str(row["explanation"])
            if row["code"] == "disputes_body" and row.get("last_day"):
                text += " " + _("Dat kan tot en met %(date)s.") % {
                    "date": formats.date_format(row["last_day"], "j F Y")
                }
            if row.get("body_contact"):
                text += "\n" + "\n".join([str(row["body_name"]), *row["body_contact"]])
            title = str(row["title"])
            if row.get("body_name"):
                title += f" ({row['body_name']})"
            sections.append((title, text))
        return letter_pdf(
            provider=provider,
            complaint=complaint,
            title=_("Afsluiting van klacht %(reference)s") % {"reference": complaint.reference},
            heading=_("Afsluiting van uw klacht"),
            header_lines=header,
            sections=sections,
        )
