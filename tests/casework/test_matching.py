"""Matching: who is excluded and why, how the eligible are ranked, and what it costs."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Absence, ConflictOfInterest, Qualification
from casework.assignment.matching import WEIGHTS, Exclusion, rank_professionals
from casework.assignment.services import assignment_accept, case_assign
from casework.index.models import CaseIndex, Consent, Service
from reference.postcodes import PC2_CENTROIDS, area_distance_km, normalize_postcode
from tests.casework.accessors import STAFF
from tests.casework.factories_professionals import make_case, make_professional, staff_client

pytestmark = pytest.mark.django_db


def _excluded(ranking, professional):  # type: ignore[no-untyped-def]
    return next(item for item in ranking.excluded if item.professional.pk == professional.pk)


def _ranked_names(ranking) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(candidate.professional.user) for candidate in ranking.candidates]


def test_pc2_table_covers_every_area_and_distances_are_plausible() -> None:
    assert sorted(PC2_CENTROIDS) == list(range(10, 100))
    # Utrecht (35) to Amsterdam (10) is about 35 km by air; Groningen (97) to Maastricht (62) about 265 km.
    assert 30 <= area_distance_km("3511 AB", "1012") <= 45
    assert 240 <= area_distance_km("97", "62") <= 290
    assert area_distance_km("3511", "") is None
    assert normalize_postcode("3511ab") == "3511 AB"
    assert normalize_postcode("0123 AB") == ""


def test_conflict_of_interest_excludes_with_the_recorded_reason_shown_on_the_page(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    conflicted = make_professional("Carla Conflict")
    ConflictOfInterest.objects.create(
        professional=conflicted, provider=world.alpha, reason="Werkte hier tot 2024 als teamleider"
    )
    ranking = rank_professionals(case)
    item = _excluded(ranking, conflicted)
    assert item.main_code == Exclusion.CONFLICT
    assert "Werkte hier tot 2024 als teamleider" in item.reasons[0]
    page = staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/toewijzen/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Carla Conflict" in html
    assert "Belangenverstrengeling met Zorg Alpha: Werkte hier tot 2024 als teamleider" in html


def test_conflict_with_another_provider_does_not_exclude(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Bram Beta")
    ConflictOfInterest.objects.create(professional=professional, provider=world.beta, reason="Oud-collega")
    assert _ranked_names(rank_professionals(case)) == ["Bram Beta"]


def test_absence_today_excludes_with_the_return_date_shown_on_the_page(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    today = timezone.localdate()
    away = make_professional("Anna Afwezig")
    Absence.objects.create(
        professional=away,
        starts_on=today - datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=5),
    )
    later = make_professional("Lars Later")
    Absence.objects.create(
        professional=later,
        starts_on=today + datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=3),
    )
    ranking = rank_professionals(case, today=today)
    assert _excluded(ranking, away).main_code == Exclusion.ABSENT
    assert _ranked_names(ranking) == ["Lars Later"]  # absent only from tomorrow: can take it today
    html = (
        staff_client(world.coordinator).get(f"/werkplek/zaken/{case.reference}/toewijzen/").content.decode()
    )
    back = today + datetime.timedelta(days=5)
    assert "Anna Afwezig" in html and f"Afwezig tot en met {back.day} " in html


def test_professional_at_capacity_is_excluded(world) -> None:  # type: ignore[no-untyped-def]
    full = make_professional("Vera Vol", capacity=1)
    first = make_case(world.alpha)
    case_assign(accessor=STAFF, case=first, professional=full.user, actor=world.coordinator)
    second = make_case(world.alpha)
    item = _excluded(rank_professionals(second), full)
    assert item.codes == (Exclusion.AT_CAPACITY,)
    assert "1 van 1 open zaken" in item.reasons[0]
    # Closing the first case frees the place.
    CaseIndex.objects.filter(pk=first.pk).update(status="closed")
    assert _ranked_names(rank_professionals(second)) == ["Vera Vol"]


def test_not_qualified_for_the_service_and_inactive_are_excluded(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha, service=Service.CONFIDANT)
    officer = make_professional("Otto Officer", qualifications=[Qualification.OFFICER])
    make_professional("Vera Vertrouwens", qualifications=[Qualification.CONFIDANT])
    resting = make_professional("Ineke Inactief", qualifications=[Qualification.CONFIDANT])
    resting.active = False
    resting.save()
    ranking = rank_professionals(case)
    assert _ranked_names(ranking) == ["Vera Vertrouwens"]
    assert _excluded(ranking, officer).main_code == Exclusion.NOT_QUALIFIED
    assert "Niet gekwalificeerd als vertrouwenspersoon" in _excluded(ranking, officer).reasons[0]
    assert _excluded(ranking, resting).main_code == Exclusion.INACTIVE


def test_every_reason_is_listed_not_just_the_first(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    today = timezone.localdate()
    everything = make_professional("Eva Alles", qualifications=[Qualification.DPO], capacity=0)
    ConflictOfInterest.objects.create(professional=everything, provider=world.alpha, reason="Familie")
    Absence.objects.create(professional=everything, starts_on=today, ends_on=today)
    item = _excluded(rank_professionals(case, today=today), everything)
    assert item.codes == (
        Exclusion.NOT_QUALIFIED,
        Exclusion.CONFLICT,
        Exclusion.ABSENT,
        Exclusion.AT_CAPACITY,
    )


def test_ranking_order_follows_the_weights(world) -> None:  # type: ignore[no-untyped-def]
    # The case: category "treatment", a Turkish-speaking complainant in Utrecht (35), elderly care.
    case = make_case(world.alpha, language="tr")
    # Everyone equal on load (0 cases) and continuity (none); they differ in category, language, distance.
    all_three = make_professional(
        "A: categorie, taal, dichtbij", categories=["treatment"], languages=["nl", "tr"], home_postcode="3512"
    )
    category_language_far = make_professional(
        "B: categorie, taal, ver weg",
        categories=["treatment"],
        languages=["nl", "tr"],
        home_postcode="9711",
        travel_radius_km=300,
    )
    category_only_near = make_professional(
        "C: categorie, dichtbij", categories=["treatment"], home_postcode="3512"
    )
    language_only_near = make_professional("D: taal, dichtbij", languages=["nl", "tr"], home_postcode="3512")
    nothing_near = make_professional("E: alleen dichtbij", categories=["finance"], home_postcode="3512")
    ranking = rank_professionals(case)
    assert _ranked_names(ranking) == [
        str(p.user)
        for p in (all_three, category_language_far, category_only_near, language_only_near, nothing_near)
    ]
    top = ranking.candidates[0]
    points = {factor.name: factor.points for factor in top.factors}
    assert points["category"] == WEIGHTS.category
    assert points["language"] == WEIGHTS.language
    assert points["distance"] == WEIGHTS.distance  # same postcode area: 0 km
    assert points["sector"] == 0  # nobody has elderly-care expertise here
    assert top.score == WEIGHTS.category + WEIGHTS.language + WEIGHTS.distance + WEIGHTS.load
    assert "Expertise in Behandeling en zorgverlening" in top.explanation
    assert "Spreekt Turks" in top.explanation
    far = {factor.name: factor for factor in ranking.candidates[1].factors}
    assert "km van de klager" in far["distance"].explanation and far["distance"].fit < 0.2


def test_distance_beyond_travel_radius_scores_nothing(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    homebody = make_professional("Henk Thuis", home_postcode="9711", travel_radius_km=20)
    [candidate] = rank_professionals(case).candidates
    assert candidate.professional.pk == homebody.pk
    distance = next(f for f in candidate.factors if f.name == "distance")
    assert distance.fit == 0 and "verder dan de reisafstand van 20 km" in distance.explanation


def test_load_and_continuity_break_otherwise_equal_professionals(world) -> None:  # type: ignore[no-untyped-def]
    busy = make_professional("Bea Bezig")
    make_professional("Fleur Vrij")
    earlier = make_case(world.alpha)
    case_assign(accessor=STAFF, case=earlier, professional=busy.user, actor=world.coordinator)
    case = make_case(world.alpha)
    assert _ranked_names(rank_professionals(case)) == ["Fleur Vrij", "Bea Bezig"]
    # Once Bea has worked for this provider (accepted), continuity outweighs one case of load.
    assignment_accept(accessor=STAFF, case=earlier, professional=busy.user)
    ranking = rank_professionals(case)
    assert _ranked_names(ranking) == ["Bea Bezig", "Fleur Vrij"]
    continuity = next(f for f in ranking.candidates[0].factors if f.name == "continuity")
    assert continuity.explanation == "Werkte eerder voor deze zorgaanbieder"


def test_case_without_consent_cannot_go_to_the_officer(world) -> None:  # type: ignore[no-untyped-def]
    make_professional("Otto Officer")
    case = make_case(world.alpha, consent=Consent.PENDING)
    ranking = rank_professionals(case)
    assert ranking.blocked and "toestemming" in ranking.blocked
    assert ranking.candidates == [] and ranking.excluded == []
    # The confidant is on the client's side and needs no consent to share.
    confidant_case = make_case(world.alpha, service=Service.CONFIDANT, consent=Consent.PENDING)
    assert rank_professionals(confidant_case).blocked is None


def test_ranking_runs_in_a_constant_number_of_queries(world, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    today = timezone.localdate()
    for number in range(3):
        make_professional(categories=["treatment"], languages=["nl"], home_postcode=f"{35 + number}00")
    with django_assert_num_queries(1):
        few = rank_professionals(case, today=today)
    for number in range(30):
        professional = make_professional(capacity=number % 4, home_postcode=f"{10 + number * 3}00")
        if number % 5 == 0:
            ConflictOfInterest.objects.create(professional=professional, provider=world.alpha, reason="Oud")
        if number % 7 == 0:
            Absence.objects.create(professional=professional, starts_on=today, ends_on=today)
    with django_assert_num_queries(1):
        many = rank_professionals(case, today=today)
    assert len(few.candidates) == 3
    assert len(many.candidates) + len(many.excluded) == 33


def test_match_page_is_for_coordinators_only(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha)
    professional = make_professional("Piet Prof", totp=True)
    assert (
        staff_client(professional.user).get(f"/werkplek/zaken/{case.reference}/toewijzen/").status_code == 403
    )
    assert staff_client(world.coordinator).get("/werkplek/zaken/KP-0000-000000/toewijzen/").status_code == 404


def test_match_page_warns_when_a_professional_does_not_speak_the_complainants_language(world) -> None:  # type: ignore[no-untyped-def]
    case = make_case(world.alpha, language="en")
    speaks = make_professional("Sam Speaks", categories=["treatment"], languages=["nl", "en"])
    dutch_only = make_professional("Dirk Dutch", categories=["treatment"], languages=["nl"])
    client = staff_client(world.coordinator)
    html = client.get(f"/werkplek/zaken/{case.reference}/toewijzen/").content.decode()
    dutch_row = html[html.index("Dirk Dutch") :].split("</tr>")[0]
    speaks_row = html[html.index("Sam Speaks") :].split("</tr>")[0]
    assert "Let op: Spreekt geen Engels" in dutch_row
    assert "Let op:" not in speaks_row
    confirm = client.get(f"/werkplek/zaken/{case.reference}/toewijzen/{dutch_only.user_id}/").content.decode()
    assert "Let op: Spreekt geen Engels" in confirm and "tolk" in confirm
    confirm = client.get(f"/werkplek/zaken/{case.reference}/toewijzen/{speaks.user_id}/").content.decode()
    assert "Let op:" not in confirm
