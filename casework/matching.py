"""Matching: who may take a case, and who fits it best, with the reasons.

The rules a coordinator (or an auditor) needs to read are at the top of this
module, as data:

* ``WEIGHTS``: how much each factor counts in a professional's score (the
  weights add up to 100, so a score reads as "out of 100");
* ``SERVICE_QUALIFICATION``: which qualification a case's service needs;
* ``SERVICES_NEEDING_CONSENT``: services that cannot start before the
  complainant consented to share the complaint with the provider;
* ``DISTANCE_SCALE_KM``: the distance at which the distance factor reaches 0.

Eligibility comes first and is absolute: a professional who is inactive, not
qualified for the service, has a conflict of interest with the provider, is
absent today or at capacity is excluded, with every reason that applies. The
eligible are then ranked by score; each score comes with its per-factor
breakdown and a sentence per factor saying why.

Everything is computed from one annotated query over the directory
(``professionals_for_case``), so ranking costs the same number of queries
for 5 professionals or 500.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.directory import absent_until, open_case_count
from accounts.languages import language_label
from accounts.models import ConflictOfInterest, Professional, Qualification
from casework.categories import category_label
from casework.index.models import Assignment, CaseIndex, CaseStatus, Consent, Service
from casework.postcodes import area_distance_km
from tenants.models import Sector


@dataclass(frozen=True)
class Weights:
    """Points per factor for a perfect fit; a professional earns ``weight x fit`` (fit 0..1)."""

    category: float = 25.0  # expertise in the complaint's category
    language: float = 20.0  # speaks the complainant's language
    sector: float = 15.0  # expertise in the provider's sector
    distance: float = 15.0  # lives near the complainant, for on-site visits
    load: float = 15.0  # room left under their capacity
    continuity: float = 10.0  # worked for this complainant (full) or this provider (half) before

    def total(self) -> float:
        return sum(getattr(self, f.name) for f in fields(self))


WEIGHTS = Weights()

# Full distance points at 0 km, none at this distance or beyond the professional's travel radius.
DISTANCE_SCALE_KM = 150.0
# When the complainant's or professional's postcode area is unknown, nobody wins or loses on distance.
DISTANCE_UNKNOWN_FIT = 0.5
# Continuity: earlier work for the same complainant counts fully, for the same provider half.
CONTINUITY_SAME_PROVIDER_FIT = 0.5

SERVICE_QUALIFICATION: dict[str, str] = {
    Service.OFFICER: Qualification.OFFICER,
    Service.COMMITTEE: Qualification.COMMITTEE,
    Service.CONFIDANT: Qualification.CONFIDANT,
    Service.DPO: Qualification.DPO,
}
# Mediation and the committee work with the provider, which may not learn of a
# complaint before consent; the confidant (on the client's side) and the dpo may.
SERVICES_NEEDING_CONSENT = frozenset({Service.OFFICER, Service.COMMITTEE})

CURRENT_STATES = (Assignment.State.OFFERED, Assignment.State.ACCEPTED)
# Earlier work that counts for continuity: taken on, not merely offered or declined.
WORKED_STATES = (Assignment.State.ACCEPTED, Assignment.State.REPLACED)

FACTOR_LABELS = {
    "category": gettext_lazy("Categorie"),
    "language": gettext_lazy("Taal"),
    "sector": gettext_lazy("Sector"),
    "distance": gettext_lazy("Afstand"),
    "load": gettext_lazy("Werklast"),
    "continuity": gettext_lazy("Continuïteit"),
}


class Exclusion:
    """Why a professional cannot take this case (codes; the sentences are built per professional)."""

    INACTIVE = "inactive"
    NOT_QUALIFIED = "not_qualified"
    CONFLICT = "conflict"
    ABSENT = "absent"
    AT_CAPACITY = "at_capacity"
    CURRENT = "current"
    DECLINED = "declined"

    LABELS = {
        CURRENT: gettext_lazy("Huidige behandelaar"),
        INACTIVE: gettext_lazy("Niet actief"),
        NOT_QUALIFIED: gettext_lazy("Niet gekwalificeerd"),
        CONFLICT: gettext_lazy("Belangenverstrengeling"),
        ABSENT: gettext_lazy("Afwezig"),
        AT_CAPACITY: gettext_lazy("Geen ruimte"),
        DECLINED: gettext_lazy("Eerder afgewezen"),
    }


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    fit: float
    explanation: str

    @property
    def label(self) -> str:
        return str(FACTOR_LABELS[self.name])

    @property
    def points(self) -> float:
        return round(self.weight * self.fit, 1)


@dataclass(frozen=True)
class Candidate:
    professional: Professional
    open_cases: int
    factors: tuple[Factor, ...]
    rank: int = 0

    @property
    def score(self) -> float:
        return round(sum(factor.weight * factor.fit for factor in self.factors), 1)

    @property
    def explanation(self) -> str:
        return "; ".join(factor.explanation for factor in self.factors)


@dataclass(frozen=True)
class Excluded:
    professional: Professional
    open_cases: int
    codes: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def main_code(self) -> str:
        return self.codes[0]


@dataclass(frozen=True)
class Ranking:
    case: CaseIndex
    candidates: list[Candidate]
    excluded: list[Excluded]
    blocked: str | None = None

    def excluded_by_reason(self) -> list[tuple[str, list[Excluded]]]:
        """The excluded grouped by their first reason, in the order of ``Exclusion.LABELS``."""
        groups: dict[str, list[Excluded]] = {}
        for item in self.excluded:
            groups.setdefault(item.main_code, []).append(item)
        return [(str(Exclusion.LABELS[code]), groups[code]) for code in Exclusion.LABELS if code in groups]


def case_blocker(case: CaseIndex) -> str | None:
    """Why nobody can be assigned to ``case`` yet, or None when it is ready."""
    if case.status == CaseStatus.CLOSED:
        return _("Deze zaak is afgesloten.")
    if case.service not in SERVICE_QUALIFICATION:
        return _("Kies eerst bij de triage welke dienst deze zaak oppakt.")
    if case.service in SERVICES_NEEDING_CONSENT and case.consent != Consent.GIVEN:
        return _(
            "De klager heeft (nog) geen toestemming gegeven om de klacht met de zorgaanbieder te delen; "
            "bemiddeling of de commissie kan pas daarna beginnen."
        )
    return None


def professionals_for_case(case: CaseIndex, *, today: datetime.date) -> QuerySet[Professional]:
    """Every professional, annotated with what matching needs about them and this case (one query)."""
    conflict = ConflictOfInterest.objects.filter(
        professional_id=OuterRef("pk"), provider_id=case.provider_id
    ).values("reason")[:1]
    earlier = Assignment.objects.filter(professional_id=OuterRef("user_id"), state__in=WORKED_STATES).exclude(
        case_id=case.pk
    )
    same_complainant = (
        Exists(earlier.filter(case__complainant_user_id=case.complainant_user_id))
        if case.complainant_user_id
        else Value(False)
    )
    declined = Assignment.objects.filter(
        case_id=case.pk, professional_id=OuterRef("user_id"), state=Assignment.State.DECLINED
    ).values("decline_reason")[:1]
    return (
        Professional.objects.select_related("user")
        .annotate(
            open_cases=open_case_count(),
            absent_until=absent_until(today),
            conflict_reason=Subquery(conflict),
            worked_for_complainant=same_complainant,
            worked_for_provider=Exists(earlier.filter(case__provider_id=case.provider_id)),
            declined_reason=Subquery(declined),
            is_current=Exists(
                Assignment.objects.filter(
                    case_id=case.pk, professional_id=OuterRef("user_id"), state__in=CURRENT_STATES
                )
            ),
        )
        .order_by("user__display_name", "user__email")
    )


def exclusions(case: CaseIndex, professional: Professional) -> list[tuple[str, str]]:
    """Every reason ``professional`` (annotated by ``professionals_for_case``) cannot take ``case``."""
    reasons: list[tuple[str, str]] = []
    if getattr(professional, "is_current", False):
        reasons.append((Exclusion.CURRENT, _("Behandelt deze zaak al.")))
    if not professional.active:
        reasons.append((Exclusion.INACTIVE, _("Staat op niet actief.")))
    needed = SERVICE_QUALIFICATION.get(case.service)
    if needed not in professional.qualifications:
        reasons.append(
            (
                Exclusion.NOT_QUALIFIED,
                _("Niet gekwalificeerd als %(qualification)s.")
                % {"qualification": str(Qualification(needed).label).lower() if needed else case.service},
            )
        )
    if professional.conflict_reason is not None:
        reasons.append(
            (
                Exclusion.CONFLICT,
                _("Belangenverstrengeling met %(provider)s: %(reason)s")
                % {"provider": case.provider.name, "reason": professional.conflict_reason},
            )
        )
    if professional.absent_until is not None:
        reasons.append(
            (
                Exclusion.ABSENT,
                _("Afwezig tot en met %(date)s.") % {"date": _date(professional.absent_until)},
            )
        )
    if professional.open_cases >= professional.capacity:
        reasons.append(
            (
                Exclusion.AT_CAPACITY,
                _("Geen ruimte: %(open)s van %(capacity)s open zaken.")
                % {"open": professional.open_cases, "capacity": professional.capacity},
            )
        )
    if professional.declined_reason is not None:
        reasons.append(
            (
                Exclusion.DECLINED,
                _("Heeft deze zaak eerder afgewezen: %(reason)s") % {"reason": professional.declined_reason},
            )
        )
    order = list(Exclusion.LABELS)
    return sorted(reasons, key=lambda item: order.index(item[0]))


def score_factors(
    case: CaseIndex, professional: Professional, *, weights: Weights = WEIGHTS
) -> tuple[Factor, ...]:
    """The per-factor fit of an eligible professional, each with its explanation."""
    return (
        _category(case, professional, weights),
        _language(case, professional, weights),
        _sector(case, professional, weights),
        _distance(case, professional, weights),
        _load(professional, weights),
        _continuity(professional, weights),
    )


def rank_professionals(
    case: CaseIndex, *, today: datetime.date | None = None, weights: Weights = WEIGHTS
) -> Ranking:
    """Rank every eligible professional for ``case``; list the others with their reasons.

    Costs one query (plus the case's provider when it is not loaded yet), none
    when the case is not ready for assignment (``Ranking.blocked`` says why).
    Ties go to the lighter load, then to the name, so the order is stable.
    """
    today = today or timezone.localdate()
    blocked = case_blocker(case)
    if blocked:
        return Ranking(case=case, candidates=[], excluded=[], blocked=blocked)
    candidates: list[Candidate] = []
    excluded: list[Excluded] = []
    for professional in professionals_for_case(case, today=today):
        reasons = exclusions(case, professional)
        if reasons:
            excluded.append(
                Excluded(
                    professional=professional,
                    open_cases=professional.open_cases,
                    codes=tuple(code for code, _text in reasons),
                    reasons=tuple(text for _code, text in reasons),
                )
            )
        else:
            candidates.append(
                Candidate(
                    professional=professional,
                    open_cases=professional.open_cases,
                    factors=score_factors(case, professional, weights=weights),
                )
            )
    candidates.sort(key=lambda c: (-c.score, c.open_cases, str(c.professional.user).lower()))
    ranked = [
        Candidate(professional=c.professional, open_cases=c.open_cases, factors=c.factors, rank=position)
        for position, c in enumerate(candidates, start=1)
    ]
    return Ranking(case=case, candidates=ranked, excluded=excluded, blocked=blocked)


def eligibility(case: CaseIndex, *, user_id: int, today: datetime.date | None = None) -> list[str]:
    """Why the professional with ``user_id`` cannot take ``case`` (empty when they can).

    Used by the assignment actions inside their transaction, after locking the
    case and the professional, so the load it counts cannot change underneath.
    """
    today = today or timezone.localdate()
    blocked = case_blocker(case)
    if blocked:
        return [blocked]
    professional = professionals_for_case(case, today=today).filter(user_id=user_id).first()
    if professional is None:
        return [_("Deze gebruiker staat niet in de lijst van professionals.")]
    return [text for _code, text in exclusions(case, professional)]


# The factors. Each returns its fit (0..1) and one sentence for the coordinator.


def _category(case: CaseIndex, professional: Professional, weights: Weights) -> Factor:
    if not case.category_code:
        return Factor("category", weights.category, 0.0, _("Categorie van de klacht nog onbekend"))
    label = category_label(case.category_code)
    if case.category_code in professional.categories:
        return Factor("category", weights.category, 1.0, _("Expertise in %(c)s") % {"c": label})
    return Factor("category", weights.category, 0.0, _("Geen expertise in %(c)s") % {"c": label})


def _language(case: CaseIndex, professional: Professional, weights: Weights) -> Factor:
    label = language_label(case.language)
    if case.language in professional.languages:
        return Factor("language", weights.language, 1.0, _("Spreekt %(l)s") % {"l": label})
    return Factor("language", weights.language, 0.0, _("Spreekt geen %(l)s") % {"l": label})


def _sector(case: CaseIndex, professional: Professional, weights: Weights) -> Factor:
    label = str(Sector(case.sector).label).lower() if case.sector in Sector.values else case.sector
    if case.sector and case.sector in professional.sectors:
        return Factor("sector", weights.sector, 1.0, _("Expertise in de sector %(s)s") % {"s": label})
    return Factor("sector", weights.sector, 0.0, _("Geen expertise in de sector %(s)s") % {"s": label})


def _distance(case: CaseIndex, professional: Professional, weights: Weights) -> Factor:
    km = area_distance_km(professional.home_postcode, case.region)
    if km is None:
        return Factor(
            "distance",
            weights.distance,
            DISTANCE_UNKNOWN_FIT,
            _("Afstand onbekend (postcode van klager of professional ontbreekt)"),
        )
    rounded = round(km / 5) * 5
    if km > professional.travel_radius_km:
        return Factor(
            "distance",
            weights.distance,
            0.0,
            _("Ca. %(km)s km van de klager: verder dan de reisafstand van %(radius)s km")
            % {"km": rounded, "radius": professional.travel_radius_km},
        )
    fit = max(0.0, 1.0 - km / DISTANCE_SCALE_KM)
    return Factor("distance", weights.distance, fit, _("Ca. %(km)s km van de klager") % {"km": rounded})


def _load(professional: Professional, weights: Weights) -> Factor:
    capacity = max(professional.capacity, 1)
    fit = max(0.0, 1.0 - professional.open_cases / capacity)
    return Factor(
        "load",
        weights.load,
        fit,
        _("%(open)s van %(capacity)s open zaken")
        % {"open": professional.open_cases, "capacity": professional.capacity},
    )


def _continuity(professional: Professional, weights: Weights) -> Factor:
    if professional.worked_for_complainant:
        return Factor("continuity", weights.continuity, 1.0, _("Werkte eerder voor deze klager"))
    if professional.worked_for_provider:
        return Factor(
            "continuity",
            weights.continuity,
            CONTINUITY_SAME_PROVIDER_FIT,
            _("Werkte eerder voor deze zorgaanbieder"),
        )
    return Factor(
        "continuity", weights.continuity, 0.0, _("Nog niet eerder voor deze klager of zorgaanbieder")
    )


def _date(value: datetime.date) -> str:
    return date_format(value, "j F Y")
