"""The professionals directory: who may see it, search and filters, editing, absences, conflicts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Absence, ConflictOfInterest, Professional
from casework.assignment.services import case_assign
from tests.casework.accessors import STAFF
from tests.casework.factories_professionals import make_case, make_professional, staff_client

pytestmark = pytest.mark.django_db


def test_directory_is_for_coordinators_and_platform_admins(world) -> None:  # type: ignore[no-untyped-def]
    professional = make_professional("Piet Prof")
    assert staff_client(professional.user).get("/werkplek/professionals/").status_code == 403
    assert staff_client(world.coordinator).get("/werkplek/professionals/").status_code == 200
    html = staff_client(world.coordinator).get("/werkplek/").content.decode()
    assert 'href="/werkplek/professionals/"' in html  # in the navigation


def test_directory_filters_and_shows_the_current_load(world) -> None:  # type: ignore[no-untyped-def]
    turkish = make_professional(
        "Aylin Yilmaz", languages=["nl", "tr"], categories=["attitude"], sectors=["mental_health"], capacity=4
    )
    make_professional("Hendrik Bakker", qualifications=["committee"], languages=["nl"])
    case_assign(
        accessor=STAFF, case=make_case(world.alpha), professional=turkish.user, actor=world.coordinator
    )
    client = staff_client(world.coordinator)

    def names(query: str) -> str:
        return client.get(f"/werkplek/professionals/?{query}").content.decode()

    html = names("language=tr")
    assert "Aylin Yilmaz" in html and "Hendrik Bakker" not in html and "1 / 4" in html
    assert "Hendrik Bakker" in names("qualification=committee") and "Aylin" not in names(
        "qualification=committee"
    )
    assert "Aylin Yilmaz" in names("category=attitude&sector=mental_health")
    assert "Aylin" not in names("category=finance")
    assert "Hendrik Bakker" in names("q=bakk") and "Aylin" not in names("q=bakk")


def test_directory_page_costs_the_same_queries_for_many_professionals(world) -> None:  # type: ignore[no-untyped-def]
    client = staff_client(world.coordinator)
    for _ in range(2):
        make_professional()
    client.get("/werkplek/professionals/")  # warm caches (session, tenant)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/werkplek/professionals/").status_code == 200
        return len(queries)

    few = count()
    today = timezone.localdate()
    for number in range(20):
        professional = make_professional()
        Absence.objects.create(professional=professional, starts_on=today, ends_on=today)
        if number % 2:
            ConflictOfInterest.objects.create(professional=professional, provider=world.alpha, reason="Oud")
    assert count() == few


def test_edit_profile_normalises_the_postcode(world) -> None:  # type: ignore[no-untyped-def]
    professional = make_professional("Pieter Jansen")
    client = staff_client(world.coordinator)
    url = f"/werkplek/professionals/{professional.pk}/bewerken/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "qualifications": ["officer", "confidant"],
            "categories": ["treatment", "safety"],
            "sectors": ["elderly"],
            "languages": ["nl", "en"],
            "home_postcode": "3511ab",
            "travel_radius_km": 40,
            "capacity": 12,
            "active": "on",
        },
    )
    assert response.status_code == 302
    professional.refresh_from_db()
    assert professional.qualifications == ["officer", "confidant"]
    assert professional.categories == ["treatment", "safety"] and professional.home_postcode == "3511 AB"
    assert (professional.travel_radius_km, professional.capacity, professional.active) == (40, 12, True)
    bad = client.post(
        url, {"qualifications": [], "home_postcode": "ABCD", "travel_radius_km": 1, "capacity": 1}
    )
    assert bad.status_code == 200 and "Nederlandse postcode" in bad.content.decode()


def test_absences_and_conflicts_are_added_and_removed(world) -> None:  # type: ignore[no-untyped-def]
    professional = make_professional("Pieter Jansen")
    client = staff_client(world.coordinator)
    base = f"/werkplek/professionals/{professional.pk}/"
    today = timezone.localdate()
    response = client.post(
        base + "afwezigheid/",
        {"starts_on": today.isoformat(), "ends_on": (today + datetime.timedelta(days=7)).isoformat()},
    )
    assert response.status_code == 302
    absence = Absence.objects.get(professional=professional)
    backwards = client.post(
        base + "afwezigheid/",
        {"starts_on": today.isoformat(), "ends_on": (today - datetime.timedelta(days=1)).isoformat()},
    )
    assert (
        backwards.status_code == 400 and "De einddatum ligt vóór de begindatum." in backwards.content.decode()
    )
    response = client.post(base + "belangen/", {"provider": world.alpha.pk, "reason": "Werkte hier tot 2024"})
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get(professional=professional)
    twice = client.post(base + "belangen/", {"provider": world.alpha.pk, "reason": "Nog eens"})
    assert twice.status_code == 400 and "al een belangenverstrengeling" in twice.content.decode()
    html = client.get(base).content.decode()
    assert "Werkte hier tot 2024" in html and "Zorg Alpha" in html
    client.post(base + f"afwezigheid/{absence.pk}/verwijderen/")
    client.post(base + f"belangen/{conflict.pk}/verwijderen/")
    assert not Absence.objects.filter(professional=professional).exists()
    assert not ConflictOfInterest.objects.filter(professional=professional).exists()
    assert Professional.objects.filter(pk=professional.pk).exists()
