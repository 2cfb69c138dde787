"""The provider's annual complaints report: figures, small-group suppression, exports, access.

The figures are checked against a seeded set of cases whose answers are
computed in plain Python over the same list (tests/casework/report_support.py).
The report years are in the past (2019 and 2020), so nothing else a test
makes today is counted.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from casework.index.models import CaseIndex, Consent, Service
from casework.models import AccessLogEntry
from casework.reports.annual import annual_report, today_amsterdam, year_figures
from casework.reports.exports import case_export_queryset
from casework.reports.pdf import annual_report_pdf
from casework.reports.suppression import THRESHOLD, TotalWithRestricted, suppress
from tenants.clusters import schema_context
from tests.casework.report_support import (
    AMSTERDAM,
    CaseSpec,
    expected_closed,
    expected_deadlines,
    expected_measures,
    expected_received,
    seed_cases,
    seed_specs,
)
from tests.support import World, mfa_login

pytestmark = pytest.mark.django_db

YEAR = 2020
TODAY = datetime.date(2021, 3, 1)


@pytest.fixture
def seeded(world: World) -> list[CaseSpec]:
    specs = seed_specs(years=[YEAR - 1, YEAR], per_year=160)
    seed_cases(world.alpha, specs)
    return specs


def admin_client(world: World, host: str | None = None) -> Client:
    client = Client(HTTP_HOST=host or world.alpha_host)
    client.force_login(world.alpha_admin)
    return client


# --- Figures against the independent answer -------------------------------------------


def test_year_figures_match_the_seeded_cases_counted_in_python(world: World, seeded: list[CaseSpec]) -> None:
    figures = year_figures(provider=world.alpha, years=[YEAR - 1, YEAR], today=TODAY)
    for year in (YEAR - 1, YEAR):
        got = figures[year]
        received = expected_received(seeded, year)
        assert got.received_all == received["all"]
        assert got.received_shared == received["shared"]
        for dimension in ("category_code", "channel", "law", "service"):
            assert got.received_by[dimension] == received[dimension], dimension
        closed = expected_closed(seeded, year)
        assert got.closed == closed["n"]
        assert got.closed_by_outcome == closed["outcome"]
        assert got.handling_median == pytest.approx(closed["median"])
        assert got.handling_p90 == pytest.approx(closed["p90"])
        deadlines = expected_deadlines(seeded, year, TODAY)
        assert got.deadlines == deadlines["groups"]
        assert got.decision_median == pytest.approx(deadlines["median"])
        assert got.decision_p90 == pytest.approx(deadlines["p90"])
        assert got.extensions == deadlines["extensions"]
        assert got.measures == expected_measures(seeded, year, TODAY)


def test_the_seeded_set_exercises_every_figure(seeded: list[CaseSpec]) -> None:
    """Guard the test data itself: small groups, restricted cases, late decisions and open measures exist."""
    received = expected_received(seeded, YEAR)
    assert any(0 < n < THRESHOLD for n in received["category_code"].values())
    assert received["all"] - received["shared"] >= THRESHOLD
    groups = expected_deadlines(seeded, YEAR, TODAY)["groups"]
    assert groups["in_time"] and groups["late"] and groups["overdue"]
    measures = expected_measures(seeded, YEAR, TODAY)
    assert measures["done"] and measures["open_overdue"]


def test_report_counts_years_in_amsterdam_time(world: World) -> None:
    # 31 December 23:30 in Amsterdam is 22:30 UTC; 1 January 00:30 in Amsterdam is still 2019 in UTC.
    late = datetime.datetime(YEAR - 1, 12, 31, 23, 30, tzinfo=AMSTERDAM)
    early = datetime.datetime(YEAR, 1, 1, 0, 30, tzinfo=AMSTERDAM)
    specs = [
        CaseSpec(
            received_at=late,
            category="treatment",
            channel="widget",
            law="wlz",
            service="officer",
            consent="given",
        ),
        CaseSpec(
            received_at=early,
            category="treatment",
            channel="widget",
            law="wlz",
            service="officer",
            consent="given",
        ),
    ]
    seed_cases(world.alpha, specs)
    figures = year_figures(provider=world.alpha, years=[YEAR - 1, YEAR], today=TODAY)
    assert figures[YEAR - 1].received_all == 1
    assert figures[YEAR].received_all == 1


def test_report_uses_percentile_cont_in_the_database(
    world: World, seeded: list[CaseSpec], django_assert_max_num_queries: Any
) -> None:
    # Six aggregate queries in all (plus the category names), not one per case.
    with django_assert_max_num_queries(8):
        annual_report(provider=world.alpha, year=YEAR, today=TODAY)


# --- Suppression ------------------------------------------------------------------------


def test_groups_under_five_are_merged_into_other() -> None:
    result = suppress({"a": 40, "b": 12, "c": 3, "d": 2}, other_key="other")
    assert result.shown == {"a": 40, "b": 12}
    assert result.bucket == 5
    assert result.primary == {"c", "d"}
    assert result.secondary == frozenset()


def test_a_single_suppressed_group_pulls_in_the_next_smallest() -> None:
    # Total 60 minus the shown 40 and 17 would give the 3 away.
    result = suppress({"a": 40, "b": 17, "c": 3})
    assert "c" in result.bucket_keys and "b" in result.bucket_keys
    assert result.shown == {"a": 40}
    assert result.secondary == {"b"}
    assert result.bucket == 20


def test_other_bucket_equal_to_one_suppressed_group_pulls_in_the_next_smallest() -> None:
    # The real "other" category is empty, so "Overig" would equal the one small group.
    result = suppress({"treatment": 30, "attitude": 9, "finance": 2, "other": 0}, other_key="other")
    assert result.secondary == {"attitude"}
    assert result.shown == {"treatment": 30}


def test_a_real_other_category_protects_a_single_small_group() -> None:
    result = suppress({"treatment": 30, "attitude": 9, "finance": 2, "other": 6}, other_key="other")
    assert result.shown == {"treatment": 30, "attitude": 9}
    assert result.bucket == 8 and result.secondary == frozenset()


def test_a_small_other_category_alone_is_protected_too() -> None:
    result = suppress({"treatment": 30, "attitude": 9, "other": 2}, other_key="other")
    assert result.shown == {"treatment": 30}
    assert result.bucket == 11


def test_zero_groups_are_never_shown_and_nothing_needs_protecting_without_small_groups() -> None:
    result = suppress({"a": 10, "b": 0, "c": 5})
    assert result.shown == {"a": 10, "c": 5}
    assert not result.has_bucket


def _recoverable(counts: dict[str, int], result: Any, other_key: str | None) -> list[str]:
    """Suppressed groups whose exact value a reader could work out from what is shown.

    The reader knows the total, the shown rows and the bucket, and which keys
    exist (zeros are hidden like suppressed groups). A hidden group is
    recoverable when every split of the bucket over the hidden keys gives it
    the same value: with one non-empty part that is the bucket itself.
    """
    hidden = [key for key in counts if key not in result.shown]
    if other_key is not None and other_key not in hidden:
        hidden.append(other_key)
    found = []
    for key in result.primary:
        values = set()
        # Splits of the bucket over the hidden keys (small sets: brute force over compositions).
        for split in _splits(result.bucket, len(hidden)):
            values.add(split[hidden.index(key)])
            if len(values) > 1:
                break
        if len(values) == 1:
            found.append(key)
    return found


def _splits(total: int, parts: int) -> Any:
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _splits(total - first, parts - 1):
            yield (first, *rest)


@pytest.mark.parametrize("seed", range(200))
def test_no_suppressed_figure_can_be_recovered_by_subtraction(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 (test data)
    keys = ["treatment", "attitude", "communication", "finance", "privacy", "other"]
    counts = {key: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for key in keys}
    for other_key in ("other", None):
        result = suppress(counts, other_key=other_key)
        assert result.total == sum(counts.values())
        assert result.total == sum(result.shown.values()) + result.bucket
        assert all(value >= THRESHOLD for value in result.shown.values())
        assert all(value > 0 for value in result.shown.values())
        assert _recoverable(counts, result, other_key) == [], (counts, result)


def test_restricted_cases_count_only_in_the_total_and_a_small_rest_hides_the_total() -> None:
    exact = TotalWithRestricted(shared=40, restricted=7)
    assert exact.total == 47 and exact.restricted_shown == 7
    small = TotalWithRestricted(shared=40, restricted=3)
    assert small.total is None and small.restricted_shown is None
    assert small.total_range == (41, 44)
    assert TotalWithRestricted(shared=40, restricted=0).total == 40


def test_report_shows_no_group_under_five_and_no_restricted_case_per_category(world: World) -> None:
    when = datetime.datetime(YEAR, 5, 1, 10, tzinfo=AMSTERDAM)

    def spec(category: str, *, consent: str = Consent.GIVEN, service: str = Service.OFFICER) -> CaseSpec:
        return CaseSpec(
            received_at=when, category=category, channel="widget", law="wlz", service=service, consent=consent
        )

    specs = (
        [spec("treatment")] * 12
        + [spec("attitude")] * 7
        + [spec("finance")] * 2
        # Not shared: a whole category of them, and a confidant case.
        + [spec("privacy", consent=Consent.REFUSED)] * 6
        + [spec("safety", consent=Consent.PENDING)]
        + [spec("coercion", service=Service.CONFIDANT)]
    )
    seed_cases(world.alpha, specs)
    report = annual_report(provider=world.alpha, year=YEAR, today=TODAY)
    category = next(section for section in report.sections if section.key == "category")
    keys = [row.key for row in category.table.rows]
    assert "privacy" not in keys and "safety" not in keys and "coercion" not in keys
    assert "finance" not in keys
    # finance (2) alone would be recoverable: attitude (7), the next smallest, joins the bucket.
    assert "attitude" not in keys
    assert category.table.row("treatment").value(0) == 12
    assert category.table.row("_bucket").value(0) == 9
    assert category.table.row("_total").value(0) == 21
    summary = report.sections[0].table
    assert summary.row("received_all").value(0) == 29
    assert summary.row("received_shared").value(0) == 21
    assert summary.row("received_restricted").value(0) == 8
    # Nothing of the restricted cases in any breakdown's figures.
    assert report.figures.received_by["category_code"] == {"treatment": 12, "attitude": 7, "finance": 2}


def test_report_hides_the_total_when_few_cases_are_not_shared(world: World) -> None:
    when = datetime.datetime(YEAR, 3, 1, 10, tzinfo=AMSTERDAM)
    base = {"received_at": when, "channel": "phone", "law": "zvw", "service": Service.OFFICER}
    specs = [CaseSpec(category="treatment", consent=Consent.GIVEN, **base)] * 10 + [
        CaseSpec(category="privacy", consent=Consent.REFUSED, **base)
    ] * 2
    seed_cases(world.alpha, specs)
    report = annual_report(provider=world.alpha, year=YEAR, today=TODAY)
    summary = report.sections[0].table
    assert summary.row("received_all").value(0) is None
    assert summary.row("received_all").cells[0].text == "11–14"
    assert summary.row("received_restricted").value(0) is None
    assert summary.row("received_shared").value(0) == 10


def test_changes_compare_shown_figures_only(world: World) -> None:
    base = {"channel": "widget", "law": "wlz", "service": Service.OFFICER, "consent": Consent.GIVEN}
    before = datetime.datetime(YEAR - 1, 4, 1, 10, tzinfo=AMSTERDAM)
    now = datetime.datetime(YEAR, 4, 1, 10, tzinfo=AMSTERDAM)
    specs = (
        [CaseSpec(received_at=before, category="treatment", **base)] * 10
        + [CaseSpec(received_at=before, category="attitude", **base)] * 8
        + [CaseSpec(received_at=now, category="treatment", **base)] * 14
        + [CaseSpec(received_at=now, category="attitude", **base)] * 3
        + [CaseSpec(received_at=now, category="other", **base)] * 6
    )
    seed_cases(world.alpha, specs)
    category = annual_report(provider=world.alpha, year=YEAR, today=TODAY).sections[1].table
    assert category.row("treatment").cells[3].value == 4
    attitude = category.row("attitude")
    assert attitude.value(0) is None and attitude.value(2) == 8
    assert attitude.cells[3].value is None  # no change against a hidden figure


# --- Page, PDF and exports --------------------------------------------------------------


def test_report_page_renders_figures_and_charts_with_text_alternatives(
    world: World, seeded: list[CaseSpec]
) -> None:
    response = admin_client(world).get(f"/rapportage/{YEAR}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html and "<desc id=" in html
    assert "style=" not in html.split("<main", 1)[1]
    assert "Testpersoon" not in html and "Testklacht" not in html
    assert f"Klachtenjaarverslag {YEAR}" in html


def test_report_page_in_english(world: World, seeded: list[CaseSpec]) -> None:
    client = admin_client(world)
    client.cookies["django_language"] = "en"
    html = client.get(f"/rapportage/{YEAR}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Complaints by category" in html


def test_report_pdf_is_a_pdf_and_is_logged(world: World, seeded: list[CaseSpec]) -> None:
    response = admin_client(world).get(f"/rapportage/{YEAR}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    with schema_context(world.alpha.schema_name):
        entry = AccessLogEntry.objects.filter(subject="report").latest("at")
    assert entry.event == AccessLogEntry.Event.EXPORT
    assert entry.user_id == world.alpha_admin.pk and entry.case_id is None
    assert str(YEAR) in entry.detail and "PDF" in entry.detail


def test_report_pdf_in_english_has_english_headings(world: World, seeded: list[CaseSpec]) -> None:
    from django.utils import translation

    with translation.override("en"):
        content = annual_report_pdf(annual_report(provider=world.alpha, year=YEAR, today=TODAY))
    assert content.startswith(b"%PDF") and len(content) > 5000


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_figure_exports_hold_the_same_figures_and_are_logged(
    world: World, seeded: list[CaseSpec], fmt: str
) -> None:
    response = admin_client(world).get(f"/rapportage/{YEAR}.{fmt}")
    assert response.status_code == 200
    report = annual_report(provider=world.alpha, year=YEAR)
    category = report.sections[1].table
    treatment = category.row("treatment")
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        found = next(row for row in rows if row and row[0] == treatment.label)
        assert int(found[1]) == treatment.value(0)
    else:
        workbook = load_workbook(io.BytesIO(response.content))
        values = [row for sheet in workbook for row in sheet.iter_rows(values_only=True)]
        found = next(row for row in values if row and row[0] == treatment.label)
        assert found[1] == treatment.value(0)
    with schema_context(world.alpha.schema_name):
        assert AccessLogEntry.objects.filter(subject="report", detail__contains=fmt.upper()).exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_case_export_holds_consented_non_confidant_cases_only_and_logs_each(
    world: World, seeded: list[CaseSpec], fmt: str
) -> None:
    response = admin_client(world).get(f"/rapportage/{YEAR}/klachten.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))[1:]
    else:
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]
    references = {row[0] for row in rows}
    expected = {
        row.reference
        for row in CaseIndex.objects.filter(provider=world.alpha, consent=Consent.GIVEN).exclude(
            service=Service.CONFIDANT
        )
        if row.received_at.astimezone(AMSTERDAM).year == YEAR
    }
    assert references == expected
    assert len(expected) == sum(1 for spec in seeded if spec.shared and spec.received_on.year == YEAR)
    body = response.content if fmt == "csv" else repr(rows).encode()
    assert b"Testpersoon" not in body and b"Testklacht" not in body
    with schema_context(world.alpha.schema_name):
        logged = set(
            AccessLogEntry.objects.filter(event="export", subject="dossier").values_list(
                "reference", flat=True
            )
        )
    assert logged == expected


def test_case_export_goes_through_the_consent_gate(world: World, seeded: list[CaseSpec]) -> None:
    connection.set_tenant(world.alpha)
    refs = set(case_export_queryset(provider=world.alpha, year=YEAR).values_list("consent", flat=True))
    assert refs == {Consent.GIVEN}


# --- Access ----------------------------------------------------------------------------


def test_report_is_for_the_provider_admin_only(world: World) -> None:
    anonymous = Client(HTTP_HOST=world.alpha_host)
    assert anonymous.get(f"/rapportage/{YEAR}/").status_code == 302
    staff = mfa_login(world.alpha_staff_no_mfa, world.alpha_host)  # past the second factor: the role decides
    for path in (f"/rapportage/{YEAR}/", f"/rapportage/{YEAR}.pdf", f"/rapportage/{YEAR}.csv"):
        assert staff.get(path).status_code == 403, path


def test_another_providers_admin_gets_nothing_on_this_host(world: World) -> None:
    other = Client(HTTP_HOST=world.alpha_host)
    other.force_login(world.beta_admin)
    assert other.get(f"/rapportage/{YEAR}/").status_code == 403
    assert other.get(f"/rapportage/{YEAR}/klachten.csv").status_code == 403


def test_report_is_not_served_on_the_platform_host(world: World) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(world.alpha_admin)
    assert client.get(f"/rapportage/{YEAR}/").status_code == 404


def test_report_refuses_unknown_years_and_formats(world: World) -> None:
    client = admin_client(world)
    assert client.get("/rapportage/1999/").status_code == 404
    # Next year, from the real calendar: TODAY above is the seeded data's "today", a fixed past date.
    assert client.get(f"/rapportage/{today_amsterdam().year + 1}/").status_code == 404
    assert client.get(f"/rapportage/{YEAR}.doc").status_code == 404


def test_report_index_lists_years_with_complaints(world: World, seeded: list[CaseSpec]) -> None:
    html = admin_client(world).get("/rapportage/").content.decode()
    assert f"/rapportage/{YEAR}/" in html and f"/rapportage/{YEAR - 1}/" in html


def test_annual_report_gives_the_share_of_first_contacts_met_and_the_median_days(world: World) -> None:
    when = datetime.datetime(YEAR, 6, 2, 10, tzinfo=AMSTERDAM)
    base = {"channel": "widget", "law": "wlz", "service": Service.OFFICER, "consent": Consent.GIVEN}
    seeded = seed_cases(world.alpha, [CaseSpec(received_at=when, category="treatment", **base)] * 6)
    rows = list(
        CaseIndex.objects.filter(provider=world.alpha, reference__startswith=seeded.prefix).order_by("pk")
    )
    due = when.date() + datetime.timedelta(days=7)
    # Four in time (2, 3, 4 and 5 days), one late (10 days), one never contacted (its target passed).
    for row, days in zip(rows, (2, 3, 4, 5, 10, None), strict=True):
        row.first_contact_due = due
        row.first_contact_at = when + datetime.timedelta(days=days) if days is not None else None
        row.save(update_fields=["first_contact_due", "first_contact_at"])
    report = annual_report(provider=world.alpha, year=YEAR, today=TODAY)
    assert report.figures.first_contact_counted == 6
    assert report.figures.first_contact_in_time == 4
    assert report.figures.first_contact_median == 4
    table = next(section for section in report.sections if section.key == "first_contact").table
    current = table.row("current")
    assert [cell.value for cell in current.cells] == [6, 4, 66.7, 4]
    # The year before had no first contacts: nothing to show, and no complainant anywhere.
    assert table.row("previous").value(0) == 0
    assert "Testpersoon" not in str(table)


def test_annual_report_hides_the_first_contact_median_of_a_small_group(world: World) -> None:
    when = datetime.datetime(YEAR, 6, 2, 10, tzinfo=AMSTERDAM)
    base = {"channel": "widget", "law": "wlz", "service": Service.OFFICER, "consent": Consent.GIVEN}
    seeded = seed_cases(world.alpha, [CaseSpec(received_at=when, category="treatment", **base)] * 2)
    CaseIndex.objects.filter(provider=world.alpha, reference__startswith=seeded.prefix).update(
        first_contact_due=when.date() + datetime.timedelta(days=7), first_contact_at=when
    )
    report = annual_report(provider=world.alpha, year=YEAR, today=TODAY)
    current = next(section for section in report.sections if section.key == "first_contact").table.row(
        "current"
    )
    assert current.value(0) == 2 and current.cells[3].value is None
