"""Ranking one case over 500 professionals, and the matching page that shows it.

The directory is made with ``bulk_create``: 500 professionals with mixed
qualifications, expertise, languages, home postcodes, radii and capacities;
conflicts of interest with the case's provider and another one; absences
today, later and in the past; and 2,000 index cases (open and closed)
assigned to them, so the load and continuity subqueries have rows to count.
Everything made here is removed afterwards.

Two figures: ``rank_professionals`` alone (the service a view or the
assignment action calls), and the whole matching page through the test
client (middleware, session, MFA check, template with every professional
and their reasons). Queries are counted on the connection. Target: the
ranking in a constant number of queries; no time target is set in
DESIGN.md, the page is reported next to the queue's 50 ms for scale.
"""

from __future__ import annotations

import datetime
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Absence, ConflictOfInterest, PlatformRole, Professional, Qualification, User
from casework.assignment.matching import rank_professionals
from casework.index.models import Assignment, CaseIndex, CaseStatus, Channel, Consent, Service
from tenants.models import Sector
from tests.bench.reporting import environment, print_table, summarize, write_artifact

PROFESSIONALS = int(os.environ.get("BENCH_RANKING_PROFESSIONALS", "500"))
RUNS = int(os.environ.get("BENCH_RANKING_RUNS", "30"))
PAGE_RUNS = int(os.environ.get("BENCH_RANKING_PAGE_RUNS", "15"))
LOAD_CASES = 2000
EMAIL_DOMAIN = "@bench-ranking.test"
REFERENCE_PREFIX = "BR-"
CASE_ID_BASE = 900_000_000
CATEGORIES = ["treatment", "attitude", "communication", "organisation", "finance", "privacy", "safety"]
LANGUAGES = ["en", "de", "tr", "ar", "pl", "pap", "fy"]


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def _cleanup() -> None:
    Assignment.objects.filter(case__reference__startswith=REFERENCE_PREFIX).delete()
    CaseIndex.objects.filter(reference__startswith=REFERENCE_PREFIX).delete()
    User.objects.filter(email__endswith=EMAIL_DOMAIN).delete()


def _seed(world, count: int) -> CaseIndex:  # type: ignore[no-untyped-def]
    """``count`` professionals and their surroundings; returns the case to rank."""
    rng = random.Random(20261122)  # noqa: S311 (reproducible bench data, not security)
    today = timezone.localdate()
    now = timezone.now()
    users = User.objects.bulk_create(
        User(
            email=f"pro{n:04d}{EMAIL_DOMAIN}",
            display_name=f"Bench Professional {n:04d}",
            roles=[PlatformRole.PROFESSIONAL],
            password="!",  # an unusable password: nobody logs in as these
        )
        for n in range(count)
    )
    qualification_mix = [
        [Qualification.OFFICER],
        [Qualification.OFFICER],
        [Qualification.OFFICER, Qualification.CONFIDANT],
        [Qualification.COMMITTEE],
        [Qualification.CONFIDANT],
        [Qualification.DPO],
    ]
    professionals = Professional.objects.bulk_create(
        Professional(
            user=user,
            qualifications=rng.choice(qualification_mix),
            sectors=rng.sample(Sector.values, rng.randint(0, 3)),
            categories=rng.sample(CATEGORIES, rng.randint(0, 3)),
            languages=["nl", *rng.sample(LANGUAGES, rng.randint(0, 2))],
            home_postcode=f"{rng.randint(10, 99)}{rng.randint(0, 99):02d}",
            travel_radius_km=rng.choice([20, 40, 60, 100, 150]),
            capacity=rng.randint(3, 20),
            active=rng.random() > 0.05,
        )
        for user in users
    )
    conflicts = []
    absences = []
    for professional in professionals:
        roll = rng.random()
        if roll < 0.08:
            conflicts.append(
                ConflictOfInterest(professional=professional, provider=world.alpha, reason="Bench")
            )
        elif roll < 0.16:
            conflicts.append(
                ConflictOfInterest(professional=professional, provider=world.beta, reason="Bench")
            )
        roll = rng.random()
        if roll < 0.08:
            absences.append(
                Absence(professional=professional, starts_on=today, ends_on=today + datetime.timedelta(3))
            )
        elif roll < 0.2:
            start = today + datetime.timedelta(days=rng.randint(5, 60))
            absences.append(
                Absence(professional=professional, starts_on=start, ends_on=start + datetime.timedelta(7))
            )
        elif roll < 0.3:
            start = today - datetime.timedelta(days=rng.randint(20, 90))
            absences.append(
                Absence(professional=professional, starts_on=start, ends_on=start + datetime.timedelta(7))
            )
    ConflictOfInterest.objects.bulk_create(conflicts)
    Absence.objects.bulk_create(absences)

    providers = [world.alpha, world.beta]
    complainants = [world.complainant, None]
    cases = CaseIndex.objects.bulk_create(
        CaseIndex(
            provider=providers[n % 2],
            case_id=CASE_ID_BASE + n,
            reference=f"{REFERENCE_PREFIX}{n:06d}",
            service=Service.OFFICER,
            category_code=rng.choice(CATEGORIES),
            sector=providers[n % 2].sector,
            channel=Channel.WIDGET,
            status=CaseStatus.CLOSED if n % 4 == 0 else CaseStatus.ASSIGNED,
            consent=Consent.GIVEN,
            received_at=now - datetime.timedelta(days=rng.randint(1, 300)),
            assignee=rng.choice(users),
            language="nl",
            region=f"{rng.randint(10, 99)}",
            complainant_user=complainants[n % 3 == 0],
        )
        for n in range(LOAD_CASES)
    )
    Assignment.objects.bulk_create(
        Assignment(
            case=case,
            professional_id=case.assignee_id,
            service=Service.OFFICER,
            state=Assignment.State.REPLACED
            if case.status == CaseStatus.CLOSED
            else Assignment.State.ACCEPTED,
            assigned_by=world.coordinator,
            assigned_at=case.received_at,
        )
        for case in cases
    )
    return CaseIndex.objects.create(
        provider=world.alpha,
        case_id=CASE_ID_BASE + LOAD_CASES + 1,
        reference=f"{REFERENCE_PREFIX}TARGET",
        service=Service.OFFICER,
        category_code="treatment",
        sector=world.alpha.sector,
        channel=Channel.PHONE,
        status=CaseStatus.INTAKE,
        consent=Consent.GIVEN,
        received_at=now,
        language="tr",
        region="35",
        complainant_user=world.complainant,
    )


@pytest.fixture
def ranking_bench(committed_db):  # type: ignore[no-untyped-def]
    _cleanup()
    try:
        yield committed_db
    finally:
        _cleanup()


def _time_ranking(case: CaseIndex, runs: int) -> tuple[list[float], int, int, int]:
    for _ in range(3):
        rank_professionals(case)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        ranking = rank_professionals(case)
        samples.append((time.perf_counter() - started) * 1000)
    with counting_queries() as statements:
        ranking = rank_professionals(case)
    return samples, len(statements), len(ranking.candidates), len(ranking.excluded)


def _time_page(client: Client, url: str, runs: int) -> tuple[list[float], int, int]:
    for _ in range(2):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with counting_queries() as statements:
        response = client.get(url)
    return samples, len(statements), len(response.content)


def test_ranking_one_case_over_500_professionals(ranking_bench) -> None:  # type: ignore[no-untyped-def]
    world = ranking_bench
    small_case = _seed(world, 20)
    _samples, small_queries, _c, _e = _time_ranking(small_case, 3)
    _cleanup()
    case = _seed(world, PROFESSIONALS)
    with connection.cursor() as cursor:
        # Fresh bulk inserts have no planner statistics yet; a live database would.
        cursor.execute("ANALYZE")
    samples, queries, candidates, excluded = _time_ranking(case, RUNS)
    assert candidates + excluded == Professional.objects.filter(user__email__endswith=EMAIL_DOMAIN).count()
    assert candidates > 0 and excluded > 0
    assert queries == small_queries, "the ranking's query count must not grow with the directory"

    client = Client(HTTP_HOST="localhost")
    client.force_login(world.coordinator)
    page_samples, page_queries, page_bytes = _time_page(
        client, f"/werkplek/zaken/{case.reference}/toewijzen/", PAGE_RUNS
    )

    rank = summarize(samples)
    page = summarize(page_samples)
    print_table(
        f"Ranking one case over {PROFESSIONALS} professionals ({candidates} eligible, {excluded} excluded; "
        f"{LOAD_CASES} index cases for load and continuity), ms",
        ["what", "n", "median", "p90", "min", "max", "queries"],
        [
            [
                "rank_professionals()",
                rank["n"],
                rank["median"],
                rank["p90"],
                rank["min"],
                rank["max"],
                queries,
            ],
            [
                "matching page (GET)",
                page["n"],
                page["median"],
                page["p90"],
                page["min"],
                page["max"],
                page_queries,
            ],
        ],
    )
    print(
        f"queries: {small_queries} with 20 professionals, {queries} with {PROFESSIONALS} (constant); "
        f"page {page_bytes / 1024:.0f} KiB"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    write_artifact(
        "ranking",
        {
            "benchmark": "ranking",
            "unit": "ms",
            "professionals": PROFESSIONALS,
            "eligible": candidates,
            "excluded": excluded,
            "index_cases_for_load": LOAD_CASES,
            "rank_professionals": {
                **rank,
                "queries": queries,
                "queries_with_20_professionals": small_queries,
            },
            "matching_page": {**page, "queries": page_queries, "bytes": page_bytes},
            "samples": {"rank_professionals": samples, "matching_page": page_samples},
            "target": {"constant_queries": queries == small_queries},
            "environment": environment(pg_version),
        },
    )
