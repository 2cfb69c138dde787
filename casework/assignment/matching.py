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
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ConflictOfInterest, Professional, Qualification
from casework.index.models import Assignment, CaseIndex, CaseStatus, Consent, Service
from casework.index.selectors import open_case_count
from professionals.selectors import absent_until
from reference.categories import category_label
from reference.dates import today_amsterdam
from reference.languages import language_label
from reference.postcodes import area_distance_km
from tenants.models import Provider, Sector


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
    label: str = ""

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

    @property
    def language_warning(self) -> str:
        """ "Spreekt geen Engels" when the professional does not speak the complainant's language, else ""."""
        for factor in self.factors:
            if factor.name == "language" and not factor.fit:
                return factor.explanation
        return ""


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
        # Only what matching reads: 500 wide user rows cost more to fetch than to rank.
        .only(
            "user__display_name",
            "user__email",
            "qualifications",
            "sectors",
            "categories",
            "languages",
            "home_postcode",
            "travel_radius_km",
            "capacity",
            "active",
        )
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


class _CaseTexts:
    """Everything about one case that every professional's reasons repeat, translated once.

    Ranking 500 professionals would otherwise look up the same translations
    thousands of times; here each sentence's template and each label is
    resolved once per case and the per-professional work is string formatting.
    """

    def __init__(self, case: CaseIndex) -> None:
        self.case = case
        self.needed = SERVICE_QUALIFICATION.get(case.service)
        self.category = category_label(case.category_code) if case.category_code else ""
        self.language = language_label(case.language)
        self.sector = str(Sector(case.sector).label).lower() if case.sector in Sector.values else case.sector
        qualification = str(Qualification(self.needed).label).lower() if self.needed else case.service
        self.current = _("Behandelt deze zaak al.")
        self.inactive = _("Staat op niet actief.")
        self.not_qualified = _("Niet gekwalificeerd als %(qualification)s.") % {
            "qualification": qualification
        }
        self.conflict = _("Belangenverstrengeling met %(provider)s: %(reason)s")
        self.provider = case.provider.name
        self.absent = _("Afwezig tot en met %(date)s.")
        self.at_capacity = _("Geen ruimte: %(open)s van %(capacity)s open zaken.")
        self.declined = _("Heeft deze zaak eerder afgewezen: %(reason)s")
        self.category_unknown = _("Categorie van de klacht nog onbekend")
        self.category_yes = _("Expertise in %(c)s") % {"c": self.category}
        self.category_no = _("Geen expertise in %(c)s") % {"c": self.category}
        self.language_yes = _("Spreekt %(l)s") % {"l": self.language}
        self.language_no = _("Spreekt geen %(l)s") % {"l": self.language}
        self.sector_yes = _("Expertise in de sector %(s)s") % {"s": self.sector}
        self.sector_no = _("Geen expertise in de sector %(s)s") % {"s": self.sector}
        self.distance_unknown = _("Afstand onbekend (postcode van klager of professional ontbreekt)")
        self.distance_far = _("Ca. %(km)s km van de klager: verder dan de reisafstand van %(radius)s km")
        self.distance = _("Ca. %(km)s km van de klager")
        self.load = _("%(open)s van %(capacity)s open zaken")
        self.same_complainant = _("Werkte eerder voor deze klager")
        self.same_provider = _("Werkte eerder voor deze zorgaanbieder")
        self.no_history = _("Nog niet eerder voor deze klager of zorgaanbieder")
        self.labels = {name: str(label) for name, label in FACTOR_LABELS.items()}
        self._dates: dict[datetime.date, str] = {}
        self._distances: dict[str, float | None] = {}

    def factor(self, name: str, weight: float, fit: float, explanation: str) -> Factor:
        return Factor(name, weight, fit, explanation, self.labels[name])

    def date(self, value: datetime.date) -> str:
        if value not in self._dates:
            self._dates[value] = date_format(value, "j F Y")
        return self._dates[value]

    def distance_km(self, postcode: str) -> float | None:
        area = postcode[:2]
        if area not in self._distances:
            self._distances[area] = area_distance_km(area, self.case.region)
        return self._distances[area]


def case_texts(case: CaseIndex) -> _CaseTexts:
    """The translated sentences for ``case``, made once; pass to ``exclusions`` and ``score_factors``."""
    return _CaseTexts(case)


def exclusions(
    case: CaseIndex, professional: Professional, texts: _CaseTexts | None = None
) -> list[tuple[str, str]]:
    """Every reason ``professional`` (annotated by ``professionals_for_case``) cannot take ``case``."""
    t = texts or _CaseTexts(case)
    reasons: list[tuple[str, str]] = []
    if getattr(professional, "is_current", False):
        reasons.append((Exclusion.CURRENT, t.current))
    if not professional.active:
        reasons.append((Exclusion.INACTIVE, t.inactive))
    if t.needed not in professional.qualifications:
        reasons.append((Exclusion.NOT_QUALIFIED, t.not_qualified))
    if professional.conflict_reason is not None:
        text = t.conflict % {"provider": t.provider, "reason": professional.conflict_reason}
        reasons.append((Exclusion.CONFLICT, text))
    if professional.absent_until is not None:
        reasons.append((Exclusion.ABSENT, t.absent % {"date": t.date(professional.absent_until)}))
    if professional.open_cases >= professional.capacity:
        text = t.at_capacity % {"open": professional.open_cases, "capacity": professional.capacity}
        reasons.append((Exclusion.AT_CAPACITY, text))
    if professional.declined_reason is not None:
        reasons.append((Exclusion.DECLINED, t.declined % {"reason": professional.declined_reason}))
    return sorted(reasons, key=lambda item: _EXCLUSION_ORDER[item[0]])


_EXCLUSION_ORDER = {code: position for position, code in enumerate(Exclusion.LABELS)}


def score_factors(
    case: CaseIndex,
    professional: Professional,
    *,
    weights: Weights = WEIGHTS,
    texts: _CaseTexts | None = None,
) -> tuple[Factor, ...]:
    """The per-factor fit of an eligible professional, each with its explanation."""
    t = texts or _CaseTexts(case)
    return (
        _category(t, professional, weights),
        _language(t, professional, weights),
        _sector(t, professional, weights),
        _distance(t, professional, weights),
        _load(t, professional, weights),
        _continuity(t, professional, weights),
    )


def rank_professionals(
    case: CaseIndex, *, today: datetime.date | None = None, weights: Weights = WEIGHTS
) -> Ranking:
    """Rank every eligible professional for ``case``; list the others with their reasons.

    Costs one query (plus the case's provider when it is not loaded yet), none
    when the case is not ready for assignment (``Ranking.blocked`` says why).
    Ties go to the lighter load, then to the name, so the order is stable.
    """
    today = today or today_amsterdam()
    blocked = case_blocker(case)
    if blocked:
        return Ranking(case=case, candidates=[], excluded=[], blocked=blocked)
    texts = _CaseTexts(case)
    candidates: list[Candidate] = []
    excluded: list[Excluded] = []
    for professional in professionals_for_case(case, today=today):
        reasons = exclusions(case, professional, texts)
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
                    factors=score_factors(case, professional, weights=weights, texts=texts),
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
    today = today or today_amsterdam()
    blocked = case_blocker(case)
    if blocked:
        return [blocked]
    professional = professionals_for_case(case, today=today).filter(user_id=user_id).first()
    if professional is None:
        return [_("Deze gebruiker staat niet in de lijst van professionals.")]
    return [text for _code, text in exclusions(case, professional)]


# The factors. Each returns its fit (0..1) and one sentence for the coordinator.


def _category(t: _CaseTexts, professional: Professional, weights: Weights) -> Factor:
    if not t.case.category_code:
        return t.factor("category", weights.category, 0.0, t.category_unknown)
    if t.case.category_code in professional.categories:
        return t.factor("category", weights.category, 1.0, t.category_yes)
    return t.factor("category", weights.category, 0.0, t.category_no)


def _language(t: _CaseTexts, professional: Professional, weights: Weights) -> Factor:
    if t.case.language in professional.languages:
        return t.factor("language", weights.language, 1.0, t.language_yes)
    return t.factor("language", weights.language, 0.0, t.language_no)


def _sector(t: _CaseTexts, professional: Professional, weights: Weights) -> Factor:
    if t.case.sector and t.case.sector in professional.sectors:
        return t.factor("sector", weights.sector, 1.0, t.sector_yes)
    return t.factor("sector", weights.sector, 0.0, t.sector_no)


def _distance(t: _CaseTexts, professional: Professional, weights: Weights) -> Factor:
    km = t.distance_km(professional.home_postcode)
    if km is None:
        return t.factor("distance", weights.distance, DISTANCE_UNKNOWN_FIT, t.distance_unknown)
    rounded = round(km / 5) * 5
    if km > professional.travel_radius_km:
        text = t.distance_far % {"km": rounded, "radius": professional.travel_radius_km}
        return t.factor("distance", weights.distance, 0.0, text)
    fit = max(0.0, 1.0 - km / DISTANCE_SCALE_KM)
    return t.factor("distance", weights.distance, fit, t.distance % {"km": rounded})


def _load(t: _CaseTexts, professional: Professional, weights: Weights) -> Factor:
    capacity = max(professional.capacity, 1)
    fit = max(0.0, 1.0 - professional.open_cases / capacity)
    text = t.load % {"open": professional.open_cases, "capacity": professional.capacity}
    return t.factor("load", weights.load, fit, text)


def _continuity(t: _CaseTexts, professional: Professional, weights: Weights) -> Factor:
    if professional.worked_for_complainant:
        return t.factor("continuity", weights.continuity, 1.0, t.same_complainant)
    if professional.worked_for_provider:
        return t.factor("continuity", weights.continuity, CONTINUITY_SAME_PROVIDER_FIT, t.same_provider)
    return t.factor("continuity", weights.continuity, 0.0, t.no_history)


def provider_exclusions(
    provider: Provider, *, service: str, user_id: int, today: datetime.date | None = None
) -> list[tuple[str, str]]:
    """Why the professional with ``user_id`` cannot serve ``provider`` for ``service`` (codes and texts).

    For a standing appointment (the provider's data-protection officer, AVG
    art. 37) rather than one case: the very checks matching makes for a case
    of this provider (qualification, conflict of interest, absence, capacity,
    active), run on an unsaved case that only names the provider and service.
    """
    probe = CaseIndex(provider=provider, service=service, sector=provider.sector, status=CaseStatus.RECEIVED)
    professional = (
        professionals_for_case(probe, today=today or today_amsterdam()).filter(user_id=user_id).first()
    )
    if professional is None:
        return [("", _("Deze gebruiker staat niet in de lijst van professionals."))]
    return exclusions(probe, professional)


def provider_candidates(
    provider: Provider, *, service: str, today: datetime.date | None = None
) -> list[tuple[Professional, list[str]]]:
    """Every professional qualified for ``service``, with why each cannot serve ``provider`` (empty: can)."""
    probe = CaseIndex(provider=provider, service=service, sector=provider.sector, status=CaseStatus.RECEIVED)
    texts = _CaseTexts(probe)
    needed = SERVICE_QUALIFICATION[service]
    return [
        (professional, [text for _code, text in exclusions(probe, professional, texts)])
        for professional in professionals_for_case(probe, today=today or today_amsterdam()).filter(
            qualifications__contains=[needed]
        )
    ]
