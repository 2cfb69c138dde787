"""Timeline events: a kind and its data, rendered in the reader's language when shown.

A timeline entry stores what happened (``kind``) and the facts (``data``: codes,
ISO dates, numbers, the words people typed themselves), never a sentence. Each
kind has a lazily translated message with named placeholders; a value that is
itself a choice is stored as its code and shown with the choice's label in the
reader's language, a date in the reader's date format.

A kind that is not registered here (or an entry whose data lacks a placeholder,
such as an entry written before this registry) shows its stored ``summary``:
a caller that passes plain text still works, as a note.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from casework.index.models import Channel, Outcome, Service
from casework.models import (
    ComplaintPart,
    ComplaintParticipant,
    ConfidantNote,
    DeadlineExtension,
    Goal,
    Letter,
    Meeting,
    Message,
    PanelMember,
    TimelineEntry,
    WrittenRoundStep,
)

# Who reads the entry: the complainant sees some events in fewer words (no staff detail).
STAFF = "staff"
COMPLAINANT = "complainant"

Message_ = Promise | str
Value = Callable[[Any], str]


def choice(choices: Any) -> Value:
    """A stored code shown with its choice label in the active language."""
    return lambda code: str(choices(code).label)


def lower(value: Value) -> Value:
    return lambda code: value(code).lower()


def labels(table: Mapping[Any, Promise]) -> Value:
    return lambda code: str(table[code])


def day(value: str) -> str:
    """An ISO date in the active language's date format ('6 december 2026', 'Dec. 6, 2026')."""
    return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")


def moment(value: str) -> str:
    """An ISO date-time, in Amsterdam time, in the active language's format."""
    return formats.date_format(timezone.localtime(datetime.datetime.fromisoformat(value)), "DATETIME_FORMAT")


# How the formal receipt date was established (consent.receipt stores the code).
RECEIPT_BASIS = {
    "submission": _("de dag waarop de klager de klacht met toestemming indiende"),
    "arrival": _("de dag waarop de brief of e-mail met toestemming binnenkwam, vastgelegd bij invoer"),
    "consent": _("de dag waarop de toestemming om te delen binnenkwam (na de klacht zelf)"),
    "track_formal": _("de dag waarop de klacht formeel werd, met toestemming"),
    "correction": _("gecorrigeerd, met reden"),
}
JUDGEMENT = {
    ComplaintPart.Judgement.FOUNDED: _("gegrond"),
    ComplaintPart.Judgement.PARTLY_FOUNDED: _("deels gegrond"),
    ComplaintPart.Judgement.UNFOUNDED: _("ongegrond"),
}


@dataclass(frozen=True)
class EventKind:
    """One kind of event: its message (or a function of the data choosing one) and how values read.

    ``values`` renders a data field for the placeholder of the same name;
    ``computed`` adds placeholders from the whole data; ``for_complainant`` is
    what the complainant reads instead (fewer words, addressed to them).
    """

    message: Message_ | Callable[[Mapping[str, Any]], Message_]
    values: Mapping[str, Value] = field(default_factory=dict)
    computed: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    for_complainant: Message_ | Callable[[Mapping[str, Any]], Message_] | None = None


def _verdicts(data: Mapping[str, Any]) -> dict[str, Any]:
    judgements = data["judgements"]
    return {"verdicts": "; ".join(f"{pos}: {JUDGEMENT[code]}" for pos, code in sorted(judgements.items()))}


def _panel(data: Mapping[str, Any]) -> dict[str, Any]:
    seats = data.get("members") or []
    return {
        "members": ", ".join(
            f"{seat['label']} ({PanelMember.Role(seat['role']).label.lower()})" for seat in seats
        )
    }


def _goal_labels(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"goal": str(Goal(data["goal"]).label), "previous_goal": str(Goal(data["previous_goal"]).label)}


def _intake_call(data: Mapping[str, Any]) -> Message_:
    if data.get("goal_changed"):
        return _(
            "Intakegesprek gevoerd. Doel gewijzigd van '%(previous_goal)s' "
            "naar '%(goal)s'.\n\nBesproken: %(discussed)s"
        )
    if data.get("details_changed"):
        return _(
            "Intakegesprek gevoerd. Doel bevestigd ('%(goal)s'), "
            "toelichting aangepast.\n\nBesproken: %(discussed)s"
        )
    return _("Intakegesprek gevoerd. Doel bevestigd ('%(goal)s').\n\nBesproken: %(discussed)s")


def _closed(data: Mapping[str, Any]) -> Message_:
    if data.get("follow_up_options"):
        return _(
            "Zaak afgesloten. Uitkomst: %(outcome)s. De klager is gewezen op de klachtencommissie, "
            "de geschilleninstantie (uiterlijk %(disputes_last_day)s), het Tuchtcollege en de IGJ/Landelijk "
            "Meldpunt Zorg."
        )
    return _("Zaak afgesloten. Uitkomst: %(outcome)s.")


def _letter(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"letter": str(Letter.Kind(data["letter_kind"]).label)}


def _record(message: Promise, with_file: Promise) -> Callable[[Mapping[str, Any]], Message_]:
    return lambda data: with_file if data.get("file_name") else message


EVENTS: dict[str, EventKind] = {
    # A note in someone's own words (and any caller that passes plain text).
    "note": EventKind("%(text)s"),
    # Intake (casework.intake, casework.consent).
    "received": EventKind(_("Klacht ontvangen via %(channel)s"), values={"channel": choice(Channel)}),
    "attachment_added": EventKind(
        _("Bijlage toegevoegd (%(content_type)s)"), for_complainant=_("Bijlage toegevoegd")
    ),
    "consent_given": EventKind(_("Toestemming om te delen gegeven")),
    "consent_refused": EventKind(_("Toestemming om te delen geweigerd")),
    "consent_withdrawn": EventKind(_("Toestemming om te delen ingetrokken")),
    "track_formal": EventKind(_("Klacht wordt formeel behandeld")),
    "formal_receipt": EventKind(
        _("Formele klacht ontvangen op %(formal_received_on)s: %(basis)s."),
        values={"formal_received_on": day, "basis": labels(RECEIPT_BASIS)},
        for_complainant=_("Formele klacht ontvangen op %(formal_received_on)s"),
    ),
    # The complainant's own pages (casework.complainant).
    "claimed": EventKind(
        _("Klacht gekoppeld aan een account van de klager"),
        for_complainant=_("Klacht gekoppeld aan een account"),
    ),
    "follow_link_renewed": EventKind(_("Volglink vernieuwd; de oude link werkt niet meer")),
    # Triage (casework.triage).
    "intake_call": EventKind(_intake_call, computed=_goal_labels),
    "resolved_at_intake": EventKind(
        _("Afgesloten na de intake. Uitkomst: %(outcome)s."), values={"outcome": choice(Outcome)}
    ),
    "triage_note": EventKind("%(text)s"),
    "consent_requested": EventKind(_("Toestemming om de klacht te delen gevraagd per e-mail")),
    "consent_request_sent": EventKind(_("E-mail met het verzoek om toestemming verzonden")),
    "routed": EventKind(_("Doorgezet naar: %(service)s"), values={"service": choice(Service)}),
    # Assignment (casework.assignment).
    "assignment_offered": EventKind(
        _("Zaak aangeboden aan %(professional)s (%(service)s)"), values={"service": choice(Service)}
    ),
    "assignment_accepted": EventKind(
        _("%(professional)s (%(service)s) neemt de klacht in behandeling"),
        values={"service": choice(Service)},
    ),
    "assignment_declined": EventKind(_("%(professional)s heeft de zaak afgewezen. Reden: %(reason)s")),
    "assignment_replaced": EventKind(
        _("Zaak herverdeeld van %(previous)s naar %(professional)s. Reden: %(reason)s")
    ),
    "time_note": EventKind("%(text)s"),
    # The provider (casework.provider_view, casework.decision).
    "participant_added": EventKind(
        _("%(role)s vastgelegd"), values={"role": choice(ComplaintParticipant.Role)}
    ),
    "participant_removed": EventKind(
        _("%(role)s afgemeld"), values={"role": choice(ComplaintParticipant.Role)}
    ),
    "decision_drafted": EventKind(
        lambda data: (
            _("Concept-antwoord voorbereid") if data.get("created") else _("Concept-antwoord bijgewerkt")
        )
    ),
    "decision_recorded": EventKind(
        ngettext_lazy(
            "Schriftelijk oordeel van de zorgaanbieder vastgelegd (%(measures)d maatregel).",
            "Schriftelijk oordeel van de zorgaanbieder vastgelegd (%(measures)d maatregelen).",
            "measures",
        ),
        for_complainant=_("Schriftelijk oordeel van de zorgaanbieder vastgelegd"),
    ),
    "decision_revised": EventKind(
        _(
            "Nieuwe versie (%(version)s) van het oordeel vastgelegd; de "
            "vorige blijft bewaard.\n\nReden: %(reason)s"
        ),
        for_complainant=_("Nieuwe versie van het oordeel vastgelegd; de vorige blijft bewaard"),
    ),
    "decision_sent": EventKind(
        _("Oordeel als PDF in het dossier klaargezet; de klager kreeg per e-mail een link"),
        for_complainant=_("Oordeel klaargezet bij uw documenten"),
    ),
    "measure_done": EventKind(
        _("Maatregel uitgevoerd: %(description)s"), for_complainant=_("Maatregel uitgevoerd")
    ),
    # Deadlines (casework.deadlines).
    "deadline_extended": EventKind(
        _(
            "Termijn verlengd van %(previous_deadline)s tot "
            "%(new_deadline)s (%(basis)s).\n\nReden: %(reason)s"
        ),
        values={
            "previous_deadline": day,
            "new_deadline": day,
            "basis": lower(choice(DeadlineExtension.Basis)),
        },
        for_complainant=_("Termijn voor het oordeel verlengd"),
    ),
    "extension_notice_sent": EventKind(
        _("Mededeling van de verlenging als PDF klaargezet; de klager kreeg een link"),
        for_complainant=_("Mededeling van de verlenging klaargezet bij uw documenten"),
    ),
    "formal_receipt_changed": EventKind(
        _(
            "Formele ontvangstdatum gewijzigd van %(previous)s in "
            "%(formal_received_on)s.\n\nReden: %(reason)s"
        ),
        values={"previous": day, "formal_received_on": day},
        for_complainant=_("Formele ontvangstdatum gewijzigd"),
    ),
    # Letters (casework.dossier.letters).
    "letter_to_post": EventKind(
        lambda data: (
            _("%(letter)s staat op de printlijst om per post te versturen.")
            if data.get("has_email")
            else _(
                "%(letter)s staat op de printlijst om per post te versturen "
                "(geen e-mailadres van de klager bekend)."
            )
        ),
        computed=_letter,
    ),
    "letter_posted": EventKind(
        _("%(letter)s per post verstuurd op %(posted_on)s."),
        values={"posted_on": day},
        computed=_letter,
        for_complainant=_("Brief per post verstuurd"),
    ),
    # Closing (casework.closing).
    "closed": EventKind(
        _closed,
        values={"outcome": choice(Outcome), "disputes_last_day": day},
        for_complainant=_("Klacht afgesloten"),
    ),
    "closing_withdrawal": EventKind(_("Intrekking door de klager vastgelegd: %(evidence)s")),
    "closing_referral": EventKind(_("Doorverwijzing vastgelegd: %(evidence)s")),
    "closing_note": EventKind("%(text)s"),
    "closing_letter_sent": EventKind(
        _("Afsluitbrief als PDF klaargezet; de klager kreeg per e-mail een link"),
        for_complainant=_("Afsluitbrief klaargezet bij uw documenten"),
    ),
    # Procedures (casework.procedures).
    "meeting_scheduled": EventKind(
        _("%(meeting_kind)s gepland op %(starts_at)s"),
        values={"meeting_kind": choice(Meeting.Kind), "starts_at": moment},
    ),
    "meeting_cancelled": EventKind(
        _("%(meeting_kind)s van %(starts_at)s geannuleerd"),
        values={"meeting_kind": choice(Meeting.Kind), "starts_at": moment},
    ),
    "record_note": EventKind(_("Notitie vastgelegd"), for_complainant=_("Notitie gedeeld")),
    "record_agreement": EventKind(_("Afspraak vastgelegd")),
    "record_document": EventKind(
        _record(_("Document toegevoegd"), _("Document toegevoegd: %(file_name)s")),
        for_complainant=_("Document gedeeld"),
    ),
    "message": EventKind(
        lambda data: {
            Message.Party.COMPLAINANT: _("Bericht van de klager"),
            Message.Party.PROVIDER: _("Bericht van de zorgaanbieder"),
            Message.Party.STAFF: _("Bericht van Klachtpunt"),
        }[data["sender"]],
        for_complainant=_("Bericht"),
    ),
    "confidant_note": EventKind(
        lambda data: (
            _("Keuze van de cliënt vastgelegd door de vertrouwenspersoon")
            if data.get("note_kind") == ConfidantNote.Kind.CHOICE
            else _("Notitie van de vertrouwenspersoon")
        ),
        for_complainant=_("Vastgelegd door de vertrouwenspersoon"),
    ),
    "confidant_note_shared": EventKind(
        lambda data: (
            _("De klager heeft een notitie van de vertrouwenspersoon gedeeld met Klachtpunt")
            if data.get("shared_with") == ConfidantNote.SharedWith.KLACHTPUNT
            else _(
                "De klager heeft een notitie van de vertrouwenspersoon "
                "gedeeld met Klachtpunt en de zorgaanbieder"
            )
        ),
        for_complainant=_("Notitie van de vertrouwenspersoon gedeeld"),
    ),
    "complaint_part_added": EventKind(_("Klachtonderdeel %(position)s geformuleerd door de commissie")),
    "complaint_part_judged": EventKind(
        _("Klachtonderdeel %(position)s beoordeeld: %(judgement)s"), values={"judgement": labels(JUDGEMENT)}
    ),
    "committee_advice": EventKind(
        _("De klachtencommissie heeft haar oordeel en advies uitgebracht (%(verdicts)s)"),
        computed=_verdicts,
        for_complainant=_("Oordeel en advies van de klachtencommissie uitgebracht"),
    ),
    # The committee as a panel (casework.procedures.panel).
    "panel_formed": EventKind(_("Panel van de klachtencommissie samengesteld: %(members)s"), computed=_panel),
    "written_round_due": EventKind(
        _("Schriftelijke ronde: %(step)s uiterlijk %(due_on)s"),
        values={"step": lower(choice(WrittenRoundStep.Kind)), "due_on": day},
    ),
    "written_round_received": EventKind(
        _("Schriftelijke ronde: %(step)s ontvangen op %(received_on)s"),
        values={"step": lower(choice(WrittenRoundStep.Kind)), "received_on": day},
    ),
    "hearing_report": EventKind(_("Aanwezigheid en verslag van de hoorzitting vastgelegd")),
    "deliberation_note": EventKind(_("Bijdrage aan het beraad van het panel")),
    "committee_signed": EventKind(
        lambda data: (
            _("De voorzitter heeft het oordeel van de klachtencommissie ondertekend (bindende beslissing)")
            if data.get("binding")
            else _("De voorzitter heeft het oordeel van de klachtencommissie ondertekend")
        )
    ),
    # The complainant's own rights (casework.datarights).
    "erasure_request": EventKind(_("Verzoek van de klager om gegevens te wissen (AVG art. 17) uitgevoerd")),
    "account_deleted": EventKind(
        _("Account van de klager verwijderd; gegevens gewist voor zover de wet ze niet bewaart (AVG art. 17)")
    ),
}


def _pick(message: Message_ | Callable[[Mapping[str, Any]], Message_], data: Mapping[str, Any]) -> Message_:
    return message(data) if callable(message) else message


def event_text(kind: str, data: Mapping[str, Any], *, reader: str = STAFF) -> str | None:
    """The sentence for an event in the active language, or None when ``data`` cannot fill it."""
    spec = EVENTS.get(kind)
    if spec is None:
        return None
    try:
        message = _pick(spec.message, data)
        if reader == COMPLAINANT and spec.for_complainant is not None:
            message = _pick(spec.for_complainant, data)
        params = {
            name: spec.values[name](value) if name in spec.values and value not in (None, "") else value
            for name, value in data.items()
        }
        if spec.computed is not None:
            params.update(spec.computed(data))
        return str(message % params)
    except (KeyError, ValueError, TypeError):
        return None


def entry_text(entry: TimelineEntry, *, reader: str = STAFF) -> str:
    """What a timeline entry says, in the active language; an entry from before events shows its text.

    An entry whose data no longer fills its message (and has no text) shows its kind rather
    than nothing.
    """
    return event_text(entry.kind, entry.data, reader=reader) or entry.summary or entry.kind
