"""Seed the demo once; every run prints the logins (and TOTP URIs)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Absence, ConflictOfInterest, PlatformRole, Professional, Qualification, User
from accounts.services import professional_create, totp_activate, totp_secret, totp_uri, user_create
from reference.dates import today_amsterdam
from reference.models import DisputesBody
from tenants.models import ProviderRole, Sector
from tenants.provisioning import provider_provision
from tenants.services import membership_grant, platform_tenant_ensure

DEMO_PASSWORD = "Klachtpunt-demo-2026"  # noqa: S105 (printed demo login, never used outside the demo)  # nosec B105  # the demo's printed login, never used outside it

DEMO_DISPUTES_BODY = "De Geschillencommissie Zorg Algemeen"

PROVIDERS = [
    ("demo", "Zorggroep De Linde", Sector.ELDERLY, "Utrecht", "12345678"),
    ("ggz-horizon", "GGZ Horizon", Sector.MENTAL_HEALTH, "Rotterdam", "23456789"),
    ("kliniek-noord", "Kliniek Noord", Sector.HOSPITAL, "Groningen", "34567890"),
]

PLATFORM_USERS = [
    # email, name, roles, superuser, professional (qualifications, sectors, languages)
    ("beheer@klachtpunt.test", "Platformbeheer", [PlatformRole.PLATFORM_ADMIN], True, None),
    ("coordinator@klachtpunt.test", "Sanne de Vries", [PlatformRole.COORDINATOR], False, None),
    (
        "functionaris@klachtpunt.test",
        "Pieter Jansen",
        [PlatformRole.PROFESSIONAL],
        False,
        ([Qualification.OFFICER], [Sector.ELDERLY, Sector.DISABILITY], ["nl", "en"]),
    ),
    (
        "functionaris2@klachtpunt.test",
        "Aylin Yilmaz",
        [PlatformRole.PROFESSIONAL],
        False,
        (
            [Qualification.OFFICER, Qualification.CONFIDANT],
            [Sector.MENTAL_HEALTH, Sector.YOUTH],
            ["nl", "tr"],
        ),
    ),
    (
        "commissie@klachtpunt.test",
        "Mr. Hendrik Bakker",
        [PlatformRole.PROFESSIONAL],
        False,
        ([Qualification.COMMITTEE], [Sector.HOSPITAL, Sector.ELDERLY], ["nl"]),
    ),
    (
        "fg@klachtpunt.test",
        "Fatima El Amrani",
        [PlatformRole.PROFESSIONAL],
        False,
        ([Qualification.DPO], [Sector.HOSPITAL, Sector.MENTAL_HEALTH], ["nl", "en", "ar"]),
    ),
    (
        "functionaris3@klachtpunt.test",
        "Karin de Boer",
        [PlatformRole.PROFESSIONAL],
        False,
        ([Qualification.OFFICER], [Sector.HOSPITAL, Sector.PRIMARY], ["nl", "de"]),
    ),
    (
        "functionaris4@klachtpunt.test",
        "Mohammed El Idrissi",
        [PlatformRole.PROFESSIONAL],
        False,
        (
            [Qualification.OFFICER, Qualification.CONFIDANT],
            [Sector.ELDERLY, Sector.HOME_CARE],
            ["nl", "ar", "zgh"],
        ),
    ),
]

# What matching needs beyond the above: complaint categories, home postcode,
# travel radius (km) and capacity (open cases). Filled in once per professional
# (while their categories are still empty), so edits in the directory stay.
PROFESSIONAL_PROFILES = {
    "functionaris@klachtpunt.test": (["treatment", "communication", "attitude"], "3512 JE", 60, 12),
    "functionaris2@klachtpunt.test": (["attitude", "communication", "coercion"], "3011 AD", 40, 10),
    "commissie@klachtpunt.test": (["treatment", "safety", "finance"], "9711 LM", 120, 8),
    "fg@klachtpunt.test": (["privacy"], "2511 BT", 80, 15),
    "functionaris3@klachtpunt.test": (["treatment", "organisation", "finance"], "6811 AA", 50, 15),
    "functionaris4@klachtpunt.test": (["attitude", "communication", "safety"], "3521 AZ", 70, 12),
}
# Independence: who may not work for which demo provider, and why.
DEMO_CONFLICTS = [
    ("functionaris4@klachtpunt.test", "demo", "Was tot 2024 teamleider bij Zorggroep De Linde"),
]
# Who is away (days from today, inclusive), so the matching page shows an exclusion.
DEMO_ABSENCES = [("functionaris3@klachtpunt.test", -1, 13)]


class Command(BaseCommand):
    help = "Create the demo platform, providers and users (once), then print the logins."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        platform_tenant_ensure()
        created = 0
        providers = {}
        for slug, name, sector, city, kvk in PROVIDERS:
            providers[slug] = provider_provision(
                name=name, slug=slug, sector=sector, city=city, kvk_number=kvk
            )
            # The disputes body named in closing letters (Wkkgz art. 18).
            if providers[slug].disputes_body_id is None:
                providers[slug].disputes_body = DisputesBody.objects.filter(name=DEMO_DISPUTES_BODY).first()
                providers[slug].save(update_fields=["disputes_body"])

        for email, name, roles, superuser, professional in PLATFORM_USERS:
            if User.objects.filter(email=email).exists():
                continue
            user = user_create(
                email=email, password=DEMO_PASSWORD, display_name=name, roles=roles, is_superuser=superuser
            )
            if professional:
                qualifications, sectors, languages = professional
                professional_create(
                    user=user, qualifications=qualifications, sectors=sectors, languages=languages
                )
            totp_activate(user=user)
            created += 1

        self._seed_matching_profiles(providers)

        for slug, provider in providers.items():
            email = f"beheer@{slug}.test"
            if not User.objects.filter(email=email).exists():
                user = user_create(
                    email=email, password=DEMO_PASSWORD, display_name=f"Beheer {provider.name}"
                )
                # The demo's one person at each provider manages it and decides (a small practice).
                membership_grant(
                    user=user, provider=provider, roles=[ProviderRole.ADMIN, ProviderRole.DECISION_MAKER]
                )
                totp_activate(user=user)
                created += 1

        if not User.objects.filter(email="klager@example.test").exists():
            user_create(
                email="klager@example.test",
                password=DEMO_PASSWORD,
                display_name="Demo klager",
                roles=[PlatformRole.COMPLAINANT],
            )
            created += 1

        self._print_logins(providers, created)

    def _seed_matching_profiles(self, providers: dict) -> None:
        for email, (categories, postcode, radius, capacity) in PROFESSIONAL_PROFILES.items():
            Professional.objects.filter(user__email=email, categories=[]).update(
                categories=categories, home_postcode=postcode, travel_radius_km=radius, capacity=capacity
            )
        for email, slug, reason in DEMO_CONFLICTS:
            professional = Professional.objects.filter(user__email=email).first()
            if professional is not None and slug in providers:
                ConflictOfInterest.objects.get_or_create(
                    professional=professional, provider=providers[slug], defaults={"reason": reason}
                )
        today = today_amsterdam()
        for email, first, last in DEMO_ABSENCES:
            professional = Professional.objects.filter(user__email=email).first()
            if professional is not None and not professional.absences.exists():
                Absence.objects.create(
                    professional=professional,
                    starts_on=today + datetime.timedelta(days=first),
                    ends_on=today + datetime.timedelta(days=last),
                )

    def _print_logins(self, providers: dict, created: int) -> None:
        port = f":{settings.PLATFORM_PORT}" if settings.PLATFORM_PORT else ""
        base = f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}"
        out = self.stdout
        out.write(f"\nDemo data: {created} new users this run.\n")
        out.write(f"Platform:  {base}/   (admin: {base}/admin/)\n")
        for _slug, provider in providers.items():
            host = f"{settings.PLATFORM_SCHEME}://{provider.get_primary_domain()}{port}/"
            out.write(f"Provider:  {host}   ({provider.name})\n")
        out.write(f"\nPassword for every demo login: {DEMO_PASSWORD}\n")
        emails = [row[0] for row in PLATFORM_USERS] + [f"beheer@{slug}.test" for slug in providers]
        for user in User.objects.filter(email__in=emails).order_by("email"):
            secret = totp_secret(user)
            out.write(f"  {user.email:<34} {', '.join(user.get_role_labels()) or 'zorgaanbieder'}\n")
            if secret:
                out.write(f"    TOTP: {totp_uri(user, secret)}\n")
        out.write("  klager@example.test                (klager, geen tweede stap nodig)\n\n")
