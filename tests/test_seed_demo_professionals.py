"""The demo's professionals carry what matching needs, and seeding twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Absence, ConflictOfInterest, Professional

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_professionals_matching_profiles_once() -> None:
    call_command("seed_demo", stdout=StringIO())
    karin = Professional.objects.get(user__email="functionaris3@klachtpunt.test")
    assert karin.categories and karin.home_postcode == "6811 AA" and karin.capacity == 15
    assert all(p.home_postcode and p.categories for p in Professional.objects.all())
    # A directory edit survives the next seeding run.
    karin.capacity = 3
    karin.save()
    call_command("seed_demo", stdout=StringIO())
    karin.refresh_from_db()
    assert karin.capacity == 3
    assert (
        ConflictOfInterest.objects.filter(professional__user__email="functionaris4@klachtpunt.test").count()
        == 1
    )
    assert Absence.objects.filter(professional=karin).count() == 1
