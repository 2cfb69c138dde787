"""A seeded set of cases for report tests and benchmarks, and its figures computed in plain Python.

``seed_specs`` makes a deterministic list of case descriptions; ``seed_cases``
writes them as dossiers (provider schema) and case-index rows (public) with
``bulk_create``; ``expected_*`` compute the report's figures from the same
list, without the database, so the report's SQL is checked against an
independent answer.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection

from casework.index.models import CaseIndex, CaseStatus, Consent, Service, Track
from casework.models import Category, Complaint, DeadlineExtension, Decision, Measure
from tenants.clusters import schema_context
from tenants.models import Provider

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_numbers = itertools.count(1)

CATEGORY_WEIGHTS = {
    "treatment": 30,
    "attitude": 20,
    "communication": 14,
    "organisation": 8,
    "finance": 3,
    "privacy": 2,
    "safety": 1,
    "coercion": 1,
    "other": 2,
}
CHANNEL_WEIGHTS = {"widget": 50, "portal": 20, "phone": 20, "letter": 3, "email": 7}
LAW_WEIGHTS = {"wlz": 40, "zvw": 30, "wmo": 15, "jeugdwet": 3, "wzd": 2, "unknown": 10}
SERVICE_WEIGHTS = {"intake": 15, "officer": 60, "committee": 10, "confidant": 10, "dpo": 5}
CONSENT_WEIGHTS = {"given": 75, "pending": 10, "refused": 10, "withdrawn": 5}
OUTCOME_WEIGHTS = {"resolved": 50, "partly_resolved": 20, "not_resolved": 15, "withdrawn": 10, "referred": 5}


@dataclass(frozen=True)
class CaseSpec:
    received_at: datetime.datetime
    category: str
    channel: str
    law: str
    service: str
    consent: str
    closed_at: datetime.datetime | None = None
    outcome: str = ""
    formal_on: datetime.date | None = None
    deadline: datetime.date | None = None
    decided_on: datetime.date | None = None
    extensions: tuple[str, ...] = ()
    # (due on, done on or None) per measure of the decision.
    measures: tuple[tuple[datetime.date, datetime.date | None], ...] = ()

    @property
    def shared(self) -> bool:
        return self.consent == Consent.GIVEN and self.service != Service.CONFIDANT

    @property
    def received_on(self) -> datetime.date:
        return self.received_at.astimezone(AMSTERDAM).date()

    @property
    def closed_on(self) -> datetime.date | None:
        return self.closed_at.astimezone(AMSTERDAM).date() if self.closed_at else None


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed_specs(*, years: Sequence[int], per_year: int, seed: int = 7) -> list[CaseSpec]:
    """``per_year`` cases in each of ``years``, spread over the year, with every kind of figure."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    specs = []
    for year in years:
        for _ in range(per_year):
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
            received = datetime.datetime.combine(
                day, datetime.time(rng.randrange(7, 22), rng.randrange(60)), tzinfo=AMSTERDAM
            )
            consent = _pick(rng, CONSENT_WEIGHTS)
            service = _pick(rng, SERVICE_WEIGHTS)
            closed_at = None
            outcome = ""
            if rng.random() < 0.7:
                closed_at = received + datetime.timedelta(days=rng.randrange(1, 120), hours=rng.randrange(10))
                outcome = _pick(rng, OUTCOME_WEIGHTS)
            formal_on = deadline = decided_on = None
            extensions: tuple[str, ...] = ()
            measures: tuple[tuple[datetime.date, datetime.date | None], ...] = ()
            if consent == Consent.GIVEN and rng.random() < 0.5:
                formal_on = day + datetime.timedelta(days=rng.randrange(0, 20))
                deadline = formal_on + datetime.timedelta(weeks=6)
                roll = rng.random()
                if roll < 0.2:
                    extensions = ("notice",)
                    deadline += datetime.timedelta(weeks=4)
                elif roll < 0.25:
                    extensions = ("notice", "consent")
                    deadline += datetime.timedelta(weeks=8)
                if rng.random() < 0.75:
                    decided_on = formal_on + datetime.timedelta(days=rng.randrange(10, 80))
                    measures = tuple(
                        (
                            decided_on + datetime.timedelta(days=rng.randrange(10, 90)),
                            decided_on + datetime.timedelta(days=rng.randrange(5, 120))
                            if rng.random() < 0.6
                            else None,
                        )
                        for _ in range(rng.randrange(0, 4))
                    )
                if closed_at is not None and decided_on is not None:
                    decided_dt = datetime.datetime.combine(decided_on, datetime.time(12), tzinfo=AMSTERDAM)
                    closed_at = max(closed_at, decided_dt + datetime.timedelta(days=1))
            specs.append(
                CaseSpec(
                    received_at=received,
                    category=_pick(rng, CATEGORY_WEIGHTS),
                    channel=_pick(rng, CHANNEL_WEIGHTS),
                    law=_pick(rng, LAW_WEIGHTS),
                    service=service,
                    consent=consent,
                    closed_at=closed_at,
                    outcome=outcome,
                    formal_on=formal_on,
                    deadline=deadline,
                    decided_on=decided_on,
                    extensions=extensions,
                    measures=measures,
                )
            )
    return specs


@dataclass
class Seeded:
    provider: Provider
    prefix: str
    complaint_ids: list[int] = field(default_factory=list)


def seed_cases(provider: Provider, specs: Iterable[CaseSpec], *, prefix: str = "") -> Seeded:
    """Write ``specs`` as dossiers and case-index rows (bulk inserts; no e-mails, no outbox)."""
    specs = list(specs)
    prefix = prefix or f"RP{next(_numbers)}-"
    seeded = Seeded(provider=provider, prefix=prefix)
    now = datetime.datetime.now(tz=AMSTERDAM)
    with schema_context(provider.schema_name):
        categories = dict(Category.objects.values_list("code", "pk"))
        complaints = Complaint.objects.bulk_create(
            Complaint(
                reference=f"{prefix}{index:06d}",
                status=_status(spec),
                channel=spec.channel,
                track=Track.FORMAL if spec.formal_on else Track.INFORMAL,
                received_at=spec.received_at,
                formal_received_on=spec.formal_on,
                consent=spec.consent,
                complainant_kind="client",
                complainant_name="Testpersoon Rapportage",
                what_happened="Testklacht voor de rapportage.",
                category_id=categories.get(spec.category),
                law=spec.law,
                goal="explanation",
                extended_deadline=spec.deadline if spec.extensions else None,
                outcome=spec.outcome,
                closed_at=spec.closed_at,
            )
            for index, spec in enumerate(specs)
        )
        decisions = Decision.objects.bulk_create(
            Decision(
                complaint=complaint,
                conclusion="Conclusie",
                decisions_taken="Besluiten",
                measures_timeframe="Termijn",
                decided_on=spec.decided_on,
                recorded_at=now,
            )
            for complaint, spec in zip(complaints, specs, strict=True)
            if spec.decided_on
        )
        by_complaint = {decision.complaint_id: decision for decision in decisions}
        Measure.objects.bulk_create(
            Measure(
                decision=by_complaint[complaint.pk],
                description="Maatregel",
                due_on=due,
                done_at=datetime.datetime.combine(done, datetime.time(15), tzinfo=AMSTERDAM)
                if done
                else None,
                position=position,
            )
            for complaint, spec in zip(complaints, specs, strict=True)
            if spec.decided_on
            for position, (due, done) in enumerate(spec.measures)
        )
        DeadlineExtension.objects.bulk_create(
            DeadlineExtension(
                complaint=complaint,
                basis=basis,
                reason="Zorgvuldige behandeling",
                previous_deadline=spec.formal_on,
                new_deadline=spec.deadline,
                decided_at=now,
                notice_channel="email",
            )
            for complaint, spec in zip(complaints, specs, strict=True)
            for basis in spec.extensions
        )
    CaseIndex.objects.bulk_create(
        CaseIndex(
            provider=provider,
            case_id=complaint.pk,
            reference=complaint.reference,
            service=spec.service,
            category_code=spec.category,
            sector=provider.sector,
            channel=spec.channel,
            status=_status(spec),
            track=Track.FORMAL if spec.formal_on else Track.INFORMAL,
            consent=spec.consent,
            law=spec.law,
            received_at=spec.received_at,
            formal_received_on=spec.formal_on,
            deadline=spec.deadline,
            outcome=spec.outcome,
            closed_at=spec.closed_at,
            decided_on=spec.decided_on,
        )
        for complaint, spec in zip(complaints, specs, strict=True)
    )
    seeded.complaint_ids = [complaint.pk for complaint in complaints]
    return seeded


def remove_seeded(seeded: Seeded) -> None:
    """Delete what ``seed_cases`` wrote (for committed data: benchmarks and browser tests)."""
    CaseIndex.objects.filter(provider=seeded.provider, reference__startswith=seeded.prefix).delete()
    with schema_context(seeded.provider.schema_name):
        Complaint.objects.filter(reference__startswith=seeded.prefix).delete()
    connection.set_schema_to_public()


def _status(spec: CaseSpec) -> str:
    if spec.closed_at:
        return CaseStatus.CLOSED
    if spec.decided_on or spec.formal_on:
        return CaseStatus.DECISION
    return CaseStatus.INTAKE


# --- The figures, computed in plain Python ------------------------------------------


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def expected_received(specs: Sequence[CaseSpec], year: int) -> dict[str, object]:
    this_year = [spec for spec in specs if spec.received_on.year == year]
    shared = [spec for spec in this_year if spec.shared]
    return {
        "all": len(this_year),
        "shared": len(shared),
        "category_code": dict(Counter(spec.category for spec in shared)),
        "channel": dict(Counter(spec.channel for spec in shared)),
        "law": dict(Counter(spec.law for spec in shared)),
        "service": dict(Counter(spec.service for spec in shared)),
    }


def expected_closed(specs: Sequence[CaseSpec], year: int) -> dict[str, object]:
    closed = [spec for spec in specs if spec.shared and spec.closed_on and spec.closed_on.year == year]
    days = [(spec.closed_on - spec.received_on).days for spec in closed if spec.closed_on]
    return {
        "n": len(closed),
        "outcome": dict(Counter(spec.outcome for spec in closed)),
        "median": percentile_cont(days, 0.5),
        "p90": percentile_cont(days, 0.9),
    }


def expected_deadlines(specs: Sequence[CaseSpec], year: int, today: datetime.date) -> dict[str, object]:
    groups = Counter()
    decision_days = []
    extended = Counter()
    for spec in specs:
        if not spec.shared or spec.deadline is None or spec.deadline.year != year:
            continue
        if spec.decided_on is not None:
            groups["in_time" if spec.decided_on <= spec.deadline else "late"] += 1
            decision_days.append((spec.decided_on - spec.formal_on).days)  # type: ignore[operator]
        elif spec.closed_on is not None and spec.closed_on <= spec.deadline:
            groups["closed_without"] += 1
        elif spec.deadline < today:
            groups["overdue"] += 1
        else:
            groups["pending"] += 1
        if spec.extensions:
            extended["cases"] += 1
            extended["notice"] += "notice" in spec.extensions
            extended["consent"] += "consent" in spec.extensions
    return {
        "groups": {
            key: groups.get(key, 0) for key in ("in_time", "late", "closed_without", "overdue", "pending")
        },
        "median": percentile_cont(decision_days, 0.5),
        "p90": percentile_cont(decision_days, 0.9),
        "extensions": {key: extended.get(key, 0) for key in ("cases", "notice", "consent")},
    }


def expected_measures(specs: Sequence[CaseSpec], year: int, today: datetime.date) -> dict[str, int]:
    result = Counter()
    for spec in specs:
        if not spec.shared or spec.decided_on is None or spec.decided_on.year != year:
            continue
        if spec.measures:
            result["decisions"] += 1
        for due, done in spec.measures:
            result["promised"] += 1
            if done is not None:
                result["done"] += 1
                result["done_in_time"] += done <= due
            elif due < today:
                result["open_overdue"] += 1
            else:
                result["open"] += 1
    return {
        key: result.get(key, 0)
        for key in ("decisions", "promised", "done", "done_in_time", "open_overdue", "open")
    }
