"""A provider's annual complaints report: the figures, computed in aggregate queries.

What it counts, for the report's year and the year before (for comparison):

- **Received**: every complaint that came in that year (Europe/Amsterdam),
  from the public case index. All of them count in the year's total; only
  the *shared* ones (the complainant consented to sharing, and it is not a
  confidant case: DESIGN.md section 2) are broken down by category, channel,
  law and service. The others count in the total only.
- **Closed**: shared complaints closed that year, by outcome, with the
  handling time from receipt to closing (median and 90th percentile, by
  ``percentile_cont``).
- **Deadlines**: shared formal complaints whose decision deadline (as
  extended) fell in the year: decided on time, late, closed without a
  decision before the deadline, overdue without a decision, not yet due;
  the time from formal receipt to decision; and how many were extended
  (the dossier's extensions, read in the provider's schema).
- **First contact**: of the complaints received that year whose first-contact
  target (five working days, ``reference.deadline_rules.first_contact_due``)
  has passed or was met, how many were contacted in time, and the median days
  from receipt to the first contact. Counted in the received query, as totals
  only: never per complainant.
- **Measures**: the measures promised in decisions given that year, done,
  done by their date, and still open (from the provider's schema).

No complainant's identity is read. The breakdowns follow the small-group
rules of ``casework.reports.suppression``; the deadline and measures figures
describe the provider's handling, not the complainants, and are shown as
they are.

Queries: three on the case index (received, closed, deadlines; each one scan
with ``GROUPING SETS`` or ``FILTER`` counts) and three in the provider's
schema (category names, extensions, measures), whatever the number of cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractYear
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from casework.index.models import CaseIndex, CaseStatus, Channel, Outcome, Service
from casework.index.sharing import shared_case_ids, shared_with_provider_q
from casework.models import Category, DeadlineExtension, Law, Measure
from casework.reports import charts
from casework.reports.sql import AmsterdamDate, DaysBetween, PercentileCont, grouping_sets, year_bounds
from casework.reports.suppression import (
    OTHER,
    THRESHOLD,
    Suppressed,
    TotalWithRestricted,
    statistic_allowed,
    suppress,
)
from casework.reports.tables import (
    HIDDEN,
    Cell,
    Column,
    Row,
    Section,
    Table,
    change,
    count,
    decimal,
    percent,
    text,
)
from reference.categories import category_label
from reference.dates import AMSTERDAM, today_amsterdam
from tenants.clusters import schema_context
from tenants.models import Provider

FIRST_YEAR = 2000

# Shared: the provider may see it (consent given) and it is not confidant work.
SHARED = shared_with_provider_q()

PRIVACY_NOTE = gettext_lazy(
    "Dit verslag noemt geen klagers. Groepen van minder dan 5 klachten tonen we niet apart: ze staan "
    "samen onder 'Overig', zo nodig met de kleinste andere groep erbij, zodat geen klein aantal uit "
    "de totalen is af te leiden. Klachten die de klager niet met u deelde en klachten via de "
    "vertrouwenspersoon tellen alleen mee in het totaal van alle klachten. Een '–' betekent: geen "
    "klachten, of opgenomen onder 'Overig'."
)

# Breakdowns of received complaints (shared only), in the order the report shows them.
RECEIVED_DIMENSIONS = ("category_code", "channel", "law", "service")


def shared_cases(provider: Provider) -> Any:
    return CaseIndex.objects.filter(provider=provider).filter(SHARED)


# --- Figures ---------------------------------------------------------------------


@dataclass
class YearFigures:
    """Everything counted for one year, before suppression."""

    year: int
    received_all: int = 0
    received_shared: int = 0
    received_by: dict[str, dict[str, int]] = field(default_factory=dict)
    closed: int = 0
    closed_by_outcome: dict[str, int] = field(default_factory=dict)
    handling_median: float | None = None
    handling_p90: float | None = None
    deadlines: dict[str, int] = field(default_factory=dict)
    decision_median: float | None = None
    decision_p90: float | None = None
    extensions: dict[str, int] = field(default_factory=dict)
    measures: dict[str, int] = field(default_factory=dict)
    # Complaints whose first-contact target passed or was met; of those, contacted in time.
    first_contact_counted: int = 0
    first_contact_in_time: int = 0
    first_contact_median: float | None = None

    @property
    def totals(self) -> TotalWithRestricted:
        return TotalWithRestricted(
            shared=self.received_shared, restricted=self.received_all - self.received_shared
        )


def _empty(year: int) -> YearFigures:
    return YearFigures(
        year=year,
        received_by={dimension: {} for dimension in RECEIVED_DIMENSIONS},
        deadlines=dict.fromkeys(DEADLINE_GROUPS, 0),
        extensions={"cases": 0, "notice": 0, "consent": 0},
        measures=dict.fromkeys(MEASURE_GROUPS, 0),
    )


def _received(
    provider: Provider, years: dict[int, YearFigures], first: int, last: int, today: datetime.date
) -> None:
    start, _end = year_bounds(first)
    _start, end = year_bounds(last)
    # A first contact counts once it was made or its target has passed (still open ones wait).
    first_contact_counted = Q(first_contact_due__isnull=False) & (
        Q(first_contact_at__isnull=False) | Q(first_contact_due__lt=today)
    )
    queryset = (
        CaseIndex.objects.filter(provider=provider, received_at__gte=start, received_at__lt=end)
        .annotate(
            y=ExtractYear("received_at", tzinfo=AMSTERDAM),
            shared=ExpressionWrapper(SHARED, output_field=BooleanField()),
            fc_counted=ExpressionWrapper(first_contact_counted, output_field=BooleanField()),
            fc_due=F("first_contact_due"),
            fc_on=AmsterdamDate("first_contact_at"),
            fc_days=DaysBetween(AmsterdamDate("received_at"), AmsterdamDate("first_contact_at")),
        )
        .values("y", *RECEIVED_DIMENSIONS, "shared", "fc_counted", "fc_due", "fc_on", "fc_days")
    )
    rows = grouping_sets(
        queryset,
        key="y",
        dimensions=RECEIVED_DIMENSIONS,
        aggregates={
            "n_all": "COUNT(*)",
            "n_shared": "COUNT(*) FILTER (WHERE shared)",
            "fc_counted": "COUNT(*) FILTER (WHERE fc_counted)",
            "fc_in_time": "COUNT(*) FILTER (WHERE fc_on <= fc_due)",
            "fc_median": "percentile_cont(0.5) WITHIN GROUP (ORDER BY fc_days)",
        },
    )
    for row in rows:
        figures = years.get(int(row["y"]))
        if figures is None:
            continue
        dimension = row["dimension"]
        if dimension is None:
            figures.received_all = row["n_all"]
            figures.received_shared = row["n_shared"]
            figures.first_contact_counted = row["fc_counted"]
            figures.first_contact_in_time = row["fc_in_time"]
            figures.first_contact_median = row["fc_median"]
            continue
        key = _normalise(dimension, row[dimension])
        if row["n_shared"]:
            bucket = figures.received_by[dimension]
            bucket[key] = bucket.get(key, 0) + row["n_shared"]


def _normalise(dimension: str, value: str | None) -> str:
    if dimension == "category_code":
        return value or OTHER
    if dimension == "law":
        return value or Law.UNKNOWN
    return value or ""


def _closed(provider: Provider, years: dict[int, YearFigures], first: int, last: int) -> None:
    start, _end = year_bounds(first)
    _start, end = year_bounds(last)
    queryset = (
        shared_cases(provider)
        .filter(closed_at__gte=start, closed_at__lt=end)
        .annotate(
            y=ExtractYear("closed_at", tzinfo=AMSTERDAM),
            days=DaysBetween(AmsterdamDate("received_at"), AmsterdamDate("closed_at")),
        )
        .values("y", "outcome", "days")
    )
    rows = grouping_sets(
        queryset,
        key="y",
        dimensions=("outcome",),
        aggregates={
            "n": "COUNT(*)",
            "median": "percentile_cont(0.5) WITHIN GROUP (ORDER BY days)",
            "p90": "percentile_cont(0.9) WITHIN GROUP (ORDER BY days)",
        },
    )
    for row in rows:
        figures = years.get(int(row["y"]))
        if figures is None:
            continue
        if row["dimension"] is None:
            figures.closed = row["n"]
            figures.handling_median = row["median"]
            figures.handling_p90 = row["p90"]
        else:
            figures.closed_by_outcome[row["outcome"] or ""] = row["n"]


DEADLINE_GROUPS = ("in_time", "late", "closed_without", "overdue", "pending")
DEADLINE_SHORT = {
    "in_time": gettext_lazy("Op tijd"),
    "late": gettext_lazy("Te laat"),
    "closed_without": gettext_lazy("Zonder oordeel afgesloten"),
    "overdue": gettext_lazy("Verstreken, geen oordeel"),
    "pending": gettext_lazy("Loopt nog"),
}
DEADLINE_LABELS = {
    "in_time": gettext_lazy("Oordeel op tijd (binnen de termijn, ook na verlenging)"),
    "late": gettext_lazy("Oordeel te laat"),
    "closed_without": gettext_lazy("Afgesloten zonder oordeel, binnen de termijn"),
    "overdue": gettext_lazy("Termijn verstreken zonder oordeel"),
    "pending": gettext_lazy("Termijn loopt nog"),
}


def _deadlines(
    provider: Provider, years: dict[int, YearFigures], first: int, last: int, today: datetime.date
) -> None:
    decided = Q(decided_on__isnull=False)
    closed_without = Q(decided_on__isnull=True, status=CaseStatus.CLOSED, closed_on__lte=F("deadline"))
    no_decision_open = Q(decided_on__isnull=True) & ~closed_without
    rows = (
        shared_cases(provider)
        .filter(deadline__gte=datetime.date(first, 1, 1), deadline__lt=datetime.date(last + 1, 1, 1))
        .annotate(y=ExtractYear("deadline"), closed_on=AmsterdamDate("closed_at"))
        .values("y")
        .annotate(
            n=Count("pk"),
            in_time=Count("pk", filter=decided & Q(decided_on__lte=F("deadline"))),
            late=Count("pk", filter=Q(decided_on__gt=F("deadline"))),
            closed_without=Count("pk", filter=closed_without),
            overdue=Count("pk", filter=no_decision_open & Q(deadline__lt=today)),
            pending=Count("pk", filter=no_decision_open & Q(deadline__gte=today)),
            median=PercentileCont(DaysBetween(F("formal_received_on"), F("decided_on")), 0.5, filter=decided),
            p90=PercentileCont(DaysBetween(F("formal_received_on"), F("decided_on")), 0.9, filter=decided),
        )
        .order_by("y")
    )
    for row in rows:
        figures = years.get(int(row["y"]))
        if figures is None:
            continue
        figures.deadlines = {group: row[group] for group in DEADLINE_GROUPS}
        figures.decision_median = row["median"]
        figures.decision_p90 = row["p90"]


def _deadline_year(provider: Provider, outer: str) -> Subquery:
    """The deadline year of the shared case behind a dossier id (``outer``), read from the case index."""
    return Subquery(
        shared_cases(provider)
        .filter(case_id=OuterRef(outer), deadline__isnull=False)
        .annotate(y=ExtractYear("deadline"))
        .values("y")[:1]
    )


def _extensions(provider: Provider, years: dict[int, YearFigures], first: int, last: int) -> None:
    """Extended cases per deadline year: one query in the provider's schema, joined to the case index."""
    rows = (
        DeadlineExtension.objects.annotate(y=_deadline_year(provider, "complaint_id"))
        .filter(y__gte=first, y__lte=last)
        .values("y")
        .annotate(
            cases=Count("complaint_id", distinct=True),
            notice=Count("complaint_id", distinct=True, filter=Q(basis=DeadlineExtension.Basis.NOTICE)),
            consent=Count("complaint_id", distinct=True, filter=Q(basis=DeadlineExtension.Basis.CONSENT)),
        )
        .order_by("y")
    )
    for row in rows:
        figures = years.get(int(row["y"]))
        if figures is not None:
            figures.extensions = {"cases": row["cases"], "notice": row["notice"], "consent": row["consent"]}


MEASURE_GROUPS = ("decisions", "promised", "done", "done_in_time", "open_overdue", "open")
MEASURE_SHORT = {
    "promised": gettext_lazy("Toegezegd"),
    "done": gettext_lazy("Uitgevoerd"),
    "done_in_time": gettext_lazy("Uitgevoerd op tijd"),
    "open_overdue": gettext_lazy("Open, datum verstreken"),
    "open": gettext_lazy("Open, nog niet verstreken"),
}
MEASURE_LABELS = {
    "decisions": gettext_lazy("Oordelen met maatregelen"),
    "promised": gettext_lazy("Maatregelen toegezegd"),
    "done": gettext_lazy("Uitgevoerd"),
    "done_in_time": gettext_lazy("Uitgevoerd op of voor de toegezegde datum"),
    "open_overdue": gettext_lazy("Nog open, datum verstreken"),
    "open": gettext_lazy("Nog open, datum nog niet bereikt"),
}


def _measures(
    provider: Provider, years: dict[int, YearFigures], first: int, last: int, today: datetime.date
) -> None:
    is_open = Q(done_at__isnull=True)
    rows = (
        Measure.objects.filter(
            decision__complaint_id__in=Subquery(shared_case_ids(provider=provider)),
            # The measures of the current version only: a superseded one's are replaced.
            decision__superseded_by__isnull=True,
            decision__decided_on__gte=datetime.date(first, 1, 1),
            decision__decided_on__lt=datetime.date(last + 1, 1, 1),
        )
        .annotate(y=ExtractYear("decision__decided_on"), done_on=AmsterdamDate("done_at"))
        .values("y")
        .annotate(
            decisions=Count("decision", distinct=True),
            promised=Count("pk"),
            done=Count("pk", filter=Q(done_at__isnull=False)),
            done_in_time=Count("pk", filter=Q(done_at__isnull=False, done_on__lte=F("due_on"))),
            open_overdue=Count("pk", filter=is_open & Q(due_on__lt=today)),
            open=Count("pk", filter=is_open & Q(due_on__gte=today)),
        )
        .order_by("y")
    )
    for row in rows:
        figures = years.get(int(row["y"]))
        if figures is not None:
            figures.measures = {group: row[group] for group in MEASURE_GROUPS}


def year_figures(
    *, provider: Provider, years: list[int], today: datetime.date | None = None
) -> dict[int, YearFigures]:
    """Count ``years`` (consecutive) for ``provider``: six aggregate queries in all."""
    today = today or today_amsterdam()
    first, last = min(years), max(years)
    figures = {year: _empty(year) for year in range(first, last + 1)}
    _received(provider, figures, first, last, today)
    _closed(provider, figures, first, last)
    _deadlines(provider, figures, first, last, today)
    with schema_context(provider.schema_name):
        _extensions(provider, figures, first, last)
        _measures(provider, figures, first, last, today)
    return {year: figures[year] for year in years}


# --- The report ------------------------------------------------------------------


BREAKDOWNS = (
    # (key, dimension in YearFigures, title, column label)
    ("category", "category_code", gettext_lazy("Klachten per categorie"), gettext_lazy("Categorie")),
    ("channel", "channel", gettext_lazy("Klachten per kanaal"), gettext_lazy("Kanaal")),
    ("law", "law", gettext_lazy("Klachten per wet"), gettext_lazy("Wet")),
    ("service", "service", gettext_lazy("Klachten per dienst"), gettext_lazy("Dienst")),
    ("outcome", "outcome", gettext_lazy("Afgesloten klachten per uitkomst"), gettext_lazy("Uitkomst")),
)


@dataclass
class Breakdown:
    key: str
    title: str
    dimension_label: str
    current: Suppressed
    previous: Suppressed


@dataclass
class AnnualReport:
    provider: Provider
    year: int
    previous_year: int
    today: datetime.date
    figures: YearFigures
    previous: YearFigures
    breakdowns: list[Breakdown]
    sections: list[Section]

    @property
    def partial(self) -> bool:
        """The year is not over yet: the figures run to today."""
        return self.today.year <= self.year

    @property
    def threshold(self) -> int:
        return THRESHOLD


def _labels(provider: Provider) -> dict[str, dict[str, str]]:
    english = (get_language() or "nl").startswith("en")
    with schema_context(provider.schema_name):
        categories = {
            code: (name_en if english else name_nl)
            for code, name_nl, name_en in Category.objects.values_list("code", "name_nl", "name_en")
        }
    return {
        "category_code": categories,
        "channel": {value: str(label) for value, label in Channel.choices},
        "law": {value: str(label) for value, label in Law.choices},
        "service": {value: str(label) for value, label in Service.choices},
        "outcome": {value: str(label) for value, label in Outcome.choices},
    }


def _label(labels: dict[str, dict[str, str]], dimension: str, key: str) -> str:
    if dimension == "category_code":
        return labels[dimension].get(key) or category_label(key) or _("Niet ingedeeld")
    return labels[dimension].get(key) or key or _("Onbekend")


def _breakdown_section(
    breakdown: Breakdown, labels: dict[str, dict[str, str]], dimension: str, year: int, previous_year: int
) -> Section:
    current, previous = breakdown.current, breakdown.previous
    keys = set(current.shown) | set(previous.shown)
    ordered = sorted(
        keys,
        key=lambda k: (
            -(current.shown.get(k) or 0),
            -(previous.shown.get(k) or 0),
            _label(labels, dimension, k),
        ),
    )
    rows = [
        Row(
            label=_label(labels, dimension, key),
            key=key,
            cells=[
                count(current.value(key)),
                percent(current.value(key), current.total),
                count(previous.value(key)),
                change(current.value(key), previous.value(key)),
            ],
        )
        for key in ordered
    ]
    if current.has_bucket or previous.has_bucket:
        small = bool(current.primary or current.secondary or previous.primary or previous.secondary)
        if dimension == "category_code":
            label = _("Overig, met de categorieën van minder dan 5 klachten") if small else _("Overig")
        else:
            label = _("Overige (groepen van minder dan 5 samengenomen)")
        same_parts = current.bucket_keys == previous.bucket_keys
        rows.append(
            Row(
                label=label,
                short_label=_("Overig + kleine groepen") if small else label,
                key="_bucket",
                kind="bucket",
                cells=[
                    count(current.bucket or None),
                    percent(current.bucket or None, current.total),
                    count(previous.bucket or None),
                    change(current.bucket or None, previous.bucket or None)
                    if same_parts
                    else Cell(None, HIDDEN),
                ],
            )
        )
    rows.append(
        Row(
            label=_("Totaal"),
            key="_total",
            kind="total",
            cells=[
                count(current.total),
                percent(current.total, current.total) if current.total else Cell(None, HIDDEN),
                count(previous.total),
                change(current.total, previous.total),
            ],
        )
    )
    table = Table(
        caption=str(breakdown.title),
        columns=[
            Column(str(breakdown.dimension_label), numeric=False),
            Column(str(year)),
            Column(_("Aandeel %(year)s") % {"year": year}),
            Column(str(previous_year)),
            Column(_("Verschil")),
        ],
        rows=rows,
    )
    chart_rows = [row for row in rows if row.kind != "total"]
    chart = charts.bar_chart(
        chart_id=f"chart-{breakdown.key}",
        title=str(breakdown.title),
        labels=[row.chart_label for row in chart_rows],
        series=[
            charts.Series(str(year), [row.value(0) for row in chart_rows]),
            charts.Series(str(previous_year), [row.value(2) for row in chart_rows]),
        ],
    )
    return Section(key=breakdown.key, title=str(breakdown.title), table=table, chart=chart)


def _totals_cell(totals: TotalWithRestricted) -> Cell:
    if totals.exact:
        return count(totals.total)
    low, high = totals.total_range
    return Cell(None, f"{low}–{high}")


def _restricted_cell(totals: TotalWithRestricted) -> Cell:
    return count(totals.restricted) if totals.exact else Cell(None, _("minder dan %(n)s") % {"n": THRESHOLD})


def _stat(value: float | None, n: int) -> Cell:
    return decimal(value, 1) if value is not None and statistic_allowed(n) else Cell(None, HIDDEN)


def _summary_section(current: YearFigures, previous: YearFigures) -> Section:
    def pair(a: Cell, b: Cell) -> list[Cell]:
        return [a, b]

    decided_now = current.deadlines["in_time"] + current.deadlines["late"]
    decided_before = previous.deadlines["in_time"] + previous.deadlines["late"]
    rows = [
        Row(
            _("Klachten ontvangen (alle)"),
            pair(_totals_cell(current.totals), _totals_cell(previous.totals)),
            key="received_all",
        ),
        Row(
            _("waarvan met toestemming gedeeld (in de overzichten hieronder)"),
            pair(count(current.received_shared), count(previous.received_shared)),
            kind="sub",
            key="received_shared",
        ),
        Row(
            _("waarvan niet gedeeld of via de vertrouwenspersoon (alleen in dit totaal)"),
            pair(_restricted_cell(current.totals), _restricted_cell(previous.totals)),
            kind="sub",
            key="received_restricted",
        ),
        Row(
            _("Gedeelde klachten afgesloten"),
            pair(count(current.closed), count(previous.closed)),
            key="closed",
        ),
        Row(
            _("Afhandeltijd, mediaan (dagen)"),
            pair(
                _stat(current.handling_median, current.closed),
                _stat(previous.handling_median, previous.closed),
            ),
            key="handling_median",
        ),
        Row(
            _("Oordelen op tijd"),
            pair(
                percent(current.deadlines["in_time"], decided_now),
                percent(previous.deadlines["in_time"], decided_before),
            ),
            key="in_time_share",
        ),
        Row(
            _("Termijnen verlengd"),
            pair(count(current.extensions["cases"]), count(previous.extensions["cases"])),
            key="extended",
        ),
        Row(
            _("Maatregelen toegezegd / uitgevoerd"),
            pair(
                text(f"{current.measures['promised']} / {current.measures['done']}"),
                text(f"{previous.measures['promised']} / {previous.measures['done']}"),
            ),
            key="measures",
        ),
    ]
    table = Table(
        caption=_("Kerncijfers"),
        columns=[Column(_("Cijfer"), numeric=False), Column(str(current.year)), Column(str(previous.year))],
        rows=rows,
    )
    return Section(key="summary", title=_("Kerncijfers"), table=table)


def _handling_section(current: YearFigures, previous: YearFigures) -> Section:
    decided_now = current.deadlines["in_time"] + current.deadlines["late"]
    decided_before = previous.deadlines["in_time"] + previous.deadlines["late"]
    rows = [
        Row(
            _("Van ontvangst tot afsluiting"),
            [
                count(current.closed),
                _stat(current.handling_median, current.closed),
                _stat(current.handling_p90, current.closed),
                count(previous.closed),
                _stat(previous.handling_median, previous.closed),
                _stat(previous.handling_p90, previous.closed),
            ],
            key="closing",
        ),
        Row(
            _("Van formele ontvangst tot oordeel"),
            [
                count(decided_now),
                _stat(current.decision_median, decided_now),
                _stat(current.decision_p90, decided_now),
                count(decided_before),
                _stat(previous.decision_median, decided_before),
                _stat(previous.decision_p90, decided_before),
            ],
            key="decision",
        ),
    ]
    columns = [Column(_("Afhandeltijd in dagen"), numeric=False)]
    for year in (current.year, previous.year):
        columns += [
            Column(_("%(year)s: aantal") % {"year": year}),
            Column(_("%(year)s: mediaan") % {"year": year}),
            Column(_("%(year)s: 90e percentiel") % {"year": year}),
        ]
    table = Table(caption=_("Afhandeltijden"), columns=columns, rows=rows)
    chart = charts.bar_chart(
        chart_id="chart-handling",
        title=_("Afhandeltijd in dagen, mediaan en 90e percentiel"),
        labels=[
            _("Tot afsluiting, mediaan"),
            _("Tot afsluiting, 90e percentiel"),
            _("Tot oordeel, mediaan"),
            _("Tot oordeel, 90e percentiel"),
        ],
        series=[
            charts.Series(
                str(current.year), [rows[0].value(1), rows[0].value(2), rows[1].value(1), rows[1].value(2)]
            ),
            charts.Series(
                str(previous.year), [rows[0].value(4), rows[0].value(5), rows[1].value(4), rows[1].value(5)]
            ),
        ],
    )
    note = _(
        "De mediaan is de middelste afhandeltijd: de helft van de klachten was sneller klaar. Het 90e "
        "percentiel is de tijd waarbinnen 9 van de 10 klachten klaar waren. Over minder dan %(n)s "
        "klachten tonen we geen afhandeltijd."
    ) % {"n": THRESHOLD}
    return Section(key="handling", title=_("Afhandeltijden"), table=table, chart=chart, note=note)


def _deadline_section(current: YearFigures, previous: YearFigures) -> Section:
    rows = [
        Row(
            str(DEADLINE_LABELS[group]),
            [
                count(current.deadlines[group]),
                percent(current.deadlines[group], sum(current.deadlines.values())),
                count(previous.deadlines[group]),
                percent(previous.deadlines[group], sum(previous.deadlines.values())),
            ],
            key=group,
        )
        for group in DEADLINE_GROUPS
    ]
    rows.append(
        Row(
            _("Totaal formele klachten met een termijn in dit jaar"),
            [
                count(sum(current.deadlines.values())),
                Cell(None, ""),
                count(sum(previous.deadlines.values())),
                Cell(None, ""),
            ],
            kind="total",
            key="_total",
        )
    )
    rows += [
        Row(
            _("Termijn verlengd"),
            [
                count(current.extensions["cases"]),
                Cell(None, ""),
                count(previous.extensions["cases"]),
                Cell(None, ""),
            ],
            key="extended",
        ),
        Row(
            _("waarvan eenmalig met schriftelijke mededeling"),
            [
                count(current.extensions["notice"]),
                Cell(None, ""),
                count(previous.extensions["notice"]),
                Cell(None, ""),
            ],
            kind="sub",
            key="extended_notice",
        ),
        Row(
            _("waarvan verder met instemming van de klager"),
            [
                count(current.extensions["consent"]),
                Cell(None, ""),
                count(previous.extensions["consent"]),
                Cell(None, ""),
            ],
            kind="sub",
            key="extended_consent",
        ),
    ]
    table = Table(
        caption=_("Termijnen (Wkkgz art. 17, Wzd)"),
        columns=[
            Column(_("Formele klachten, naar termijn"), numeric=False),
            Column(str(current.year)),
            Column(_("Aandeel %(year)s") % {"year": current.year}),
            Column(str(previous.year)),
            Column(_("Aandeel %(year)s") % {"year": previous.year}),
        ],
        rows=rows,
    )
    chart = charts.bar_chart(
        chart_id="chart-deadlines",
        title=_("Formele klachten naar termijn"),
        labels=[str(DEADLINE_SHORT[group]) for group in DEADLINE_GROUPS],
        series=[
            charts.Series(str(current.year), [current.deadlines[group] for group in DEADLINE_GROUPS]),
            charts.Series(str(previous.year), [previous.deadlines[group] for group in DEADLINE_GROUPS]),
        ],
    )
    note = _(
        "Geteld zijn de gedeelde formele klachten waarvan de termijn voor het oordeel (zo nodig verlengd) in "
        "het jaar viel. Een oordeel op de laatste dag van de termijn is op tijd."
    )
    return Section(key="deadlines", title=_("Termijnen en verlengingen"), table=table, chart=chart, note=note)


def _first_contact_section(current: YearFigures, previous: YearFigures) -> Section:
    def cells(figures: YearFigures) -> list[Cell]:
        n = figures.first_contact_counted
        return [
            count(n),
            count(figures.first_contact_in_time),
            percent(figures.first_contact_in_time, n),
            _stat(figures.first_contact_median, n),
        ]

    table = Table(
        caption=_("Eerste contact met de klager"),
        columns=[
            Column(_("Jaar"), numeric=False),
            Column(_("Klachten")),
            Column(_("Op tijd")),
            Column(_("Aandeel op tijd")),
            Column(_("Mediaan dagen tot eerste contact")),
        ],
        rows=[
            Row(str(current.year), cells(current), key="current"),
            Row(str(previous.year), cells(previous), key="previous"),
        ],
    )
    note = _(
        "De ontvangstbevestiging belooft contact binnen vijf werkdagen. Geteld zijn de klachten van het jaar "
        "waarvan die termijn verstreken is of waarmee al contact was: het intakegesprek of het eerste "
        "bericht aan de klager. De mediaan tonen we vanaf %(n)s klachten."
    ) % {"n": THRESHOLD}
    return Section(key="first_contact", title=_("Eerste contact"), table=table, note=note)


def _measures_section(current: YearFigures, previous: YearFigures) -> Section:
    rows = [
        Row(
            str(MEASURE_LABELS[group]),
            [count(current.measures[group]), count(previous.measures[group])],
            kind="sub" if group not in ("decisions", "promised") else "group",
            key=group,
        )
        for group in MEASURE_GROUPS
    ]
    table = Table(
        caption=_("Maatregelen uit oordelen van het jaar"),
        columns=[
            Column(_("Maatregelen"), numeric=False),
            Column(str(current.year)),
            Column(str(previous.year)),
        ],
        rows=rows,
    )
    shown = ("promised", "done", "done_in_time", "open_overdue", "open")
    chart = charts.bar_chart(
        chart_id="chart-measures",
        title=_("Maatregelen toegezegd en uitgevoerd"),
        labels=[str(MEASURE_SHORT[group]) for group in shown],
        series=[
            charts.Series(str(current.year), [current.measures[group] for group in shown]),
            charts.Series(str(previous.year), [previous.measures[group] for group in shown]),
        ],
    )
    return Section(key="measures", title=_("Maatregelen"), table=table, chart=chart)


def annual_report(*, provider: Provider, year: int, today: datetime.date | None = None) -> AnnualReport:
    """``provider``'s report for ``year``, compared with the year before; labels in the active language."""
    today = today or today_amsterdam()
    if not FIRST_YEAR <= year <= today.year:
        raise ValueError(f"no report for {year}")
    figures = year_figures(provider=provider, years=[year - 1, year], today=today)
    current, previous = figures[year], figures[year - 1]
    labels = _labels(provider)
    breakdowns, sections = [], [_summary_section(current, previous)]
    for key, dimension, title, column in BREAKDOWNS:
        if dimension == "outcome":
            now, before = current.closed_by_outcome, previous.closed_by_outcome
        else:
            now, before = current.received_by[dimension], previous.received_by[dimension]
        other = OTHER if dimension == "category_code" else None
        breakdown = Breakdown(
            key=key,
            title=str(title),
            dimension_label=str(column),
            current=suppress(now, other_key=other),
            previous=suppress(before, other_key=other),
        )
        breakdowns.append(breakdown)
        sections.append(_breakdown_section(breakdown, labels, dimension, year, year - 1))
    sections += [
        _handling_section(current, previous),
        _deadline_section(current, previous),
        _first_contact_section(current, previous),
        _measures_section(current, previous),
    ]
    return AnnualReport(
        provider=provider,
        year=year,
        previous_year=year - 1,
        today=today,
        figures=current,
        previous=previous,
        breakdowns=breakdowns,
        sections=sections,
    )


def report_years(*, provider: Provider, today: datetime.date | None = None) -> list[int]:
    """The years with complaints received (newest first), and the current one: one query."""
    today = today or today_amsterdam()
    years = set(
        CaseIndex.objects.filter(provider=provider)
        .annotate(y=ExtractYear("received_at", tzinfo=AMSTERDAM))
        .values_list("y", flat=True)
        .distinct()
    )
    years.add(today.year)
    return sorted((y for y in years if FIRST_YEAR <= y <= today.year), reverse=True)
