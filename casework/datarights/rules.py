"""What an erasure request (AVG art. 17) erases, what the law keeps, and until when: the rules as data.

One pure function per question, no database: the services feed it the facts
of a dossier and do what it says; the pages render its items in the reader's
language. A lawyer reads this module, not the services.

A complaint dossier at Klachtpunt:

- **open** (still being handled): kept whole. Handling the complaint is the
  legal duty (Wkkgz art. 13 to 17; AVG art. 6(1)(c) and 17(3)(b)); the
  contact details are how the handler reaches the complainant. Whoever wants
  it gone withdraws the complaint first.
- **closed, formal** (a written complaint, or one with the provider's written
  decision): kept for the provider's retention period after closing (its
  complaints scheme; ``Provider.retention_years``, 5 by default) and never
  before the last day to go to the disputes body (Wkkgz art. 18; one year), so
  the complaint can still be shown to the disputes body, the committee or the
  inspectorate. The phone number and postcode are erased now: after closing no
  duty needs them (the name and e-mail address stay with the dossier, which
  must say whose complaint it was and how a corrected decision reaches them).
- **closed, informal** (onvrede, no written decision) and **any closed
  dossier past its retention period**: no duty keeps the dossier. It is
  reduced now to the anonymous statistic the retention job leaves
  (casework.closing.retention): parties, texts, attachments, letters and
  their files, follow links.

Whatever happens to the dossier, the access log (NEN 7513) keeps its rows
for five years after each access and never shorter than the dossier they
describe (the append-only trigger enforces both), and this request's own
record is kept five years (AVG art. 5(2): we show what we did); neither holds
a name or what the complaint says.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# NEN 7513 and the access log's own retention (casework.dossier.access_log.MINIMUM_RETENTION_YEARS).
ACCESS_LOG_YEARS = 5

ERASED = "erased"
KEPT = "kept"

# What an item is, rendered in the reader's language.
ITEM_LABELS: dict[str, Promise] = {
    "dossier": _("Uw klachtdossier: uw gegevens, wat u schreef, berichten, besluiten en brieven"),
    "attachments": _("Uw bijlagen en de brieven als PDF (de bestanden zelf)"),
    "contact_details": _("Uw telefoonnummer en postcode"),
    "name_email": _("Uw naam en e-mailadres in het dossier"),
    "follow_links": _("Uw persoonlijke volglinks"),
    "statistics": _("Anonieme cijfers (soort klacht, maand, uitkomst), zonder naam of tekst"),
    "access_log": _("Het toegangslog: wie uw dossier wanneer inzag, zonder de inhoud"),
    "request_record": _("Het bewijs van dit verzoek, zonder naam of inhoud"),
    "account": _("Uw account bij Klachtpunt: e-mailadres, naam, wachtwoord, inlogmethoden"),
    "account_link": _("De koppeling tussen dit dossier en uw account"),
}

# Why an item is kept (or may go), with the rule it rests on.
REASON_LABELS: dict[str, Promise] = {
    "open_complaint": _(
        "Uw klacht is nog in behandeling. Klachtpunt moet haar behandelen (Wkkgz art. 13 tot en met 17). "
        "Trekt u de klacht in, dan kunt u daarna opnieuw om wissen vragen."
    ),
    "dossier_retention": _(
        "De zorgaanbieder moet het klachtdossier na afsluiting bewaren volgens zijn klachtenregeling, en "
        "in elk geval zolang u nog naar de geschilleninstantie kunt (Wkkgz art. 18)."
    ),
    "no_duty": _("Geen wettelijke plicht houdt dit nog vast."),
    "not_personal": _("Dit zijn geen persoonsgegevens meer: niemand kan er u in herkennen."),
    "nen7513": _("De wet schrijft een toegangslog van vijf jaar voor (NEN 7513, Wabvpz)."),
    "nen7513_open": _(
        "De wet schrijft een toegangslog voor (NEN 7513, Wabvpz): zolang uw dossier bestaat, en daarna tot "
        "vijf jaar na de laatste inzage."
    ),
    "accountability": _("Klachtpunt moet kunnen laten zien dat uw verzoek is uitgevoerd (AVG art. 5 lid 2)."),
    "until_deleted": _("Zolang u uw account houdt; u kunt het hieronder verwijderen."),
    "account_deleted": _("Dit verdwijnt met uw account."),
}

ACTION_LABELS: dict[str, Promise] = {ERASED: _("Gewist"), KEPT: _("Bewaard")}

# What "until" means for something kept without an end date, by the reason it is kept.
OPEN_ENDED: dict[str, Promise] = {
    "open_complaint": _("zolang de klacht loopt"),
    "nen7513_open": _("zolang het dossier bestaat"),
    "not_personal": _("geen einddatum: anoniem"),
    "until_deleted": _("tot u het verwijdert"),
}


@dataclass(frozen=True)
class DossierFacts:
    """What the rules need to know about one dossier; nothing that identifies anyone."""

    reference: str
    provider_name: str
    closed: bool
    formal: bool
    has_decision: bool
    closed_on: datetime.date | None
    disputes_last_day: datetime.date | None
    retention_years: int
    last_access_on: datetime.date | None


@dataclass(frozen=True)
class Item:
    """One line of the answer: what, erased or kept, until when, and why."""

    code: str
    action: str
    reason: str
    until: datetime.date | None = None
    reference: str = ""
    provider_name: str = ""

    def as_data(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "action": self.action,
            "reason": self.reason,
            "until": self.until.isoformat() if self.until else None,
            "reference": self.reference,
            "provider_name": self.provider_name,
        }


@dataclass(frozen=True)
class DossierPlan:
    """What an erasure request does to one dossier."""

    reduce: bool  # delete the dossier now, keep the anonymous statistic
    erase_contact: bool  # erase the phone number and postcode, keep the dossier
    items: tuple[Item, ...]


def add_years(day: datetime.date, years: int) -> datetime.date:
    """``day`` plus whole calendar years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def dossier_kept_until(facts: DossierFacts) -> datetime.date | None:
    """The last day a closed dossier must be kept; None while it is open."""
    if not facts.closed or facts.closed_on is None:
        return None
    until = add_years(facts.closed_on, facts.retention_years)
    if facts.disputes_last_day and facts.disputes_last_day > until:
        until = facts.disputes_last_day
    return until


def dossier_plan(facts: DossierFacts, *, today: datetime.date) -> DossierPlan:
    """What erasure does to this dossier today, item by item (see the module docstring)."""

    def item(code: str, action: str, reason: str, until: datetime.date | None = None) -> Item:
        where = {"reference": facts.reference, "provider_name": facts.provider_name}
        return Item(code, action, reason, until, **where)

    # A log row lives five years after the access, and never shorter than the dossier it describes.
    log_until = add_years(max(filter(None, [facts.last_access_on, today])), ACCESS_LOG_YEARS)
    record = item("request_record", KEPT, "accountability", until=add_years(today, ACCESS_LOG_YEARS))
    if not facts.closed:
        return DossierPlan(
            reduce=False,
            erase_contact=False,
            items=(
                item("dossier", KEPT, "open_complaint"),
                item("access_log", KEPT, "nen7513_open"),
                record,
            ),
        )
    kept_until = dossier_kept_until(facts)
    if (facts.formal or facts.has_decision) and kept_until is not None and kept_until >= today:
        always: tuple[Item, ...] = (
            item("access_log", KEPT, "nen7513", until=max(log_until, kept_until)),
            record,
        )
        return DossierPlan(
            reduce=False,
            erase_contact=True,
            items=(
                item("contact_details", ERASED, "no_duty"),
                item("name_email", KEPT, "dossier_retention", until=kept_until),
                item("dossier", KEPT, "dossier_retention", until=kept_until),
                item("attachments", KEPT, "dossier_retention", until=kept_until),
                *always,
            ),
        )
    return DossierPlan(
        reduce=True,
        erase_contact=False,
        items=(
            item("dossier", ERASED, "no_duty"),
            item("attachments", ERASED, "no_duty"),
            item("follow_links", ERASED, "no_duty"),
            item("statistics", KEPT, "not_personal"),
            item("access_log", KEPT, "nen7513", until=log_until),
            record,
        ),
    )


def item_rows(items: list[dict[str, str | None]]) -> list[dict[str, object]]:
    """Stored items (``Item.as_data``) ready for a page, in the active language."""
    rows: list[dict[str, object]] = []
    for item in items:
        until = item.get("until")
        rows.append(
            {
                "label": ITEM_LABELS.get(str(item["code"]), item["code"]),
                "action": item["action"],
                "action_label": ACTION_LABELS.get(str(item["action"]), item["action"]),
                "reason": REASON_LABELS.get(str(item["reason"]), item["reason"]),
                "until": datetime.date.fromisoformat(until) if until else None,
                "open_ended": OPEN_ENDED.get(str(item["reason"]), ""),
                "reference": item.get("reference") or "",
                "provider_name": item.get("provider_name") or "",
            }
        )
    return rows
