"""The decision (oordeel) as a PDF, made with fpdf2 (pure Python).

A Unicode TrueType font is used when one is installed (DejaVu Sans, Debian's
``fonts-dejavu-core``, or ``settings.DECISION_PDF_FONT``); without one the PDF
falls back to the built-in Helvetica, which covers Latin-1 only, and the few
typographic characters outside it are written in their plain form.
"""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from casework.dossier.pdf import letter_pdf
from casework.models import Complaint, Decision
from tenants.models import Provider
from tenants.selectors import provider_disputes_body


def decision_pdf(*, provider: Provider, complaint: Complaint, decision: Decision) -> bytes:
    """The written decision as PDF bytes (the shared letter layout), headed in its own language."""
    # The headings follow the language the decision is written in, not the interface's.
    with translation.override(decision.language or complaint.language or "nl"):
        header = [
            _("Zorgaanbieder: %(name)s") % {"name": provider.name},
            _("Kenmerk: %(reference)s") % {"reference": complaint.reference},
            _("Datum van het oordeel: %(date)s")
            % {"date": formats.date_format(decision.decided_on, "j F Y")},
            _("Aan: %(name)s") % {"name": complaint.complainant_name},
        ]
        sections: list[tuple[str, str]] = []
        if decision.version > 1:
            sections.append(
                (
                    _("Nieuwe versie (%(version)d)") % {"version": decision.version},
                    _("Dit oordeel vervangt het eerdere oordeel, dat bewaard blijft. Reden: %(reason)s")
                    % {"reason": decision.revision_reason},
                )
            )
        sections += [
            (_("1. Conclusie over de klacht"), decision.conclusion),
            (_("2. Genomen beslissingen"), decision.decisions_taken),
            (_("3. Termijn waarbinnen de maatregelen worden uitgevoerd"), decision.measures_timeframe),
        ]
        measures = list(decision.measures.all())
        for number, measure in enumerate(measures, start=1):
            sections.append(
                (
                    _("Maatregelen") if number == 1 else "",
                    _("%(n)d. %(description)s (gereed uiterlijk %(date)s)")
                    % {
                        "n": number,
                        "description": measure.description,
                        "date": formats.date_format(measure.due_on, "j F Y"),
                    },
                )
            )
        body = provider_disputes_body(provider)
        sections.append(
            (
                _("Niet tevreden?"),
                _(
                    "Bent u het niet eens met dit oordeel, dan kunt u het geschil voorleggen aan de "
                    "geschilleninstantie%(body)s. Klachtpunt helpt u graag verder; noem dan het "
                    "kenmerk %(reference)s."
                )
                % {
                    "body": f" ({body.name}, {', '.join(body.contact_lines())})" if body else "",
                    "reference": complaint.reference,
                },
            )
        )
        return letter_pdf(
            provider=provider,
            complaint=complaint,
            title=_("Oordeel op klacht %(reference)s") % {"reference": complaint.reference},
            heading=_("Schriftelijk oordeel op uw klacht"),
            header_lines=header,
            sections=sections,
        )
