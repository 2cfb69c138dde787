"""The complaints scheme's text, generated from what the provider has, in Dutch and English.

One function builds the sections from the provider's facts (``scheme_facts``);
the terms come from ``reference.deadline_rules``, so the scheme says what the
deadline code counts. The text is rendered once per language when a draft is
made and stored with the version: a published scheme never changes when the
wording here does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from casework.index.models import Service
from reference import deadline_rules as rules
from reference.models import DisputesBody
from tenants.hosts import platform_url, provider_url
from tenants.models import Provider

LANGUAGES = ("nl", "en")


def scheme_facts(*, provider: Provider, disputes_body: DisputesBody) -> dict[str, Any]:
    """What the scheme is generated from: the provider's services, disputes body, terms and routes."""
    return {
        "provider": {"name": provider.name, "city": provider.city, "slug": provider.slug},
        "services": [code for code in Service.values if code in (provider.services or [])],
        "disputes_body": {
            "id": disputes_body.pk,
            "name": disputes_body.name,
            "sector": disputes_body.sector,
            "contact": disputes_body.contact_lines(),
            "fee": disputes_body.fee,
            "to_be_confirmed": disputes_body.to_be_confirmed,
        },
        "terms": {
            "decision_weeks": rules.WKKGZ_DECISION.weeks,
            "extension_weeks": rules.WKKGZ_EXTENSION.weeks,
            "disputes_years": rules.DISPUTES_WINDOW.years,
            "first_contact_working_days": rules.FIRST_CONTACT_WORKING_DAYS["intake"],
        },
        "routes": {
            "form": provider_url(provider, "/klacht/"),
            "portal": platform_url("/mijn-klachten/"),
            "phone": settings.KLACHTPUNT_CONTACT_PHONE,
            "post": settings.KLACHTPUNT_CONTACT_ADDRESS,
        },
        "retention_years": provider.retention_years,
    }


def scheme_sections(facts: dict[str, Any], language: str) -> list[dict[str, str]]:
    """The scheme's sections in ``language``: a list of {"heading", "body"}."""
    name = facts["provider"]["name"]
    terms = facts["terms"]
    routes = facts["routes"]
    body = facts["disputes_body"]
    services = set(facts["services"])
    with translation.override(language):
        sections = [
            (
                _("Waarvoor deze regeling is"),
                _(
                    "Deze klachtenregeling beschrijft hoe u een klacht over %(name)s indient en hoe "
                    "uw klacht wordt behandeld. Zo staat het in de Wet kwaliteit, klachten en geschillen "
                    "zorg (Wkkgz). "
                    "%(name)s laat klachten behandelen door Klachtpunt, een onafhankelijke klachtenservice. "
                    "Een klacht indienen kost u niets."
                )
                % {"name": name},
            ),
            (
                _("Wie een klacht kan indienen"),
                _(
                    "U kunt een klacht indienen als cliënt of patiënt. Dat kan ook iemand die u "
                    "vertegenwoordigt, of een nabestaande van een overleden cliënt."
                ),
            ),
            (
                _("Zo dient u een klacht in"),
                _(
                    "Via het klachtenformulier: %(form)s\n"
                    "Via Mijn klachten, waar u ook uw klacht volgt: %(portal)s\n"
                    "Per telefoon: %(phone)s\n"
                    "Per post: %(post)s\n"
                    "U mag eerst ook alleen uw onvrede bespreken. Dan zoeken we samen een oplossing, zonder "
                    "formele klacht."
                )
                % routes,
            ),
            (
                _("Wat er met uw klacht gebeurt"),
                _(
                    "U krijgt een bevestiging met een kenmerk. Binnen %(days)d werkdagen neemt een "
                    "klachtencoördinator contact met u op. Wij delen uw klacht pas met %(name)s als u daar "
                    "toestemming voor geeft. Die toestemming kunt u altijd weer intrekken."
                )
                % {"days": terms["first_contact_working_days"], "name": name},
            ),
        ]
        if Service.OFFICER in services:
            sections.append(
                (
                    _("Hulp van een klachtenfunctionaris"),
                    _(
                        "Een onafhankelijke klachtenfunctionaris helpt u gratis. Hij of zij legt uit hoe het "
                        "werkt, luistert naar u en bemiddelt tussen u en %(name)s."
                    )
                    % {"name": name},
                )
            )
        if Service.CONFIDANT in services:
            sections.append(
                (
                    _("Vertrouwenspersoon"),
                    _(
                        "Een vertrouwenspersoon staat aan uw kant. Wat u met de vertrouwenspersoon "
                        "bespreekt, ziet %(name)s niet, tenzij u dat wilt."
                    )
                    % {"name": name},
                )
            )
        sections.append(
            (
                _("Termijnen"),
                _(
                    "Dient u een schriftelijke klacht in, dan krijgt u binnen %(weeks)d weken een "
                    "schriftelijk oordeel van %(name)s. %(name)s mag die termijn één keer met ten hoogste "
                    "%(extra)d weken "
                    "verlengen. Dat moet %(name)s u vóór het einde van de %(weeks)d weken schriftelijk "
                    "en met redenen laten weten. Nog langer mag alleen als u daarmee instemt."
                )
                % {"weeks": terms["decision_weeks"], "extra": terms["extension_weeks"], "name": name},
            )
        )
        if Service.COMMITTEE in services:
            sections.append(
                (
                    _("Klachtencommissie"),
                    _(
                        "U kunt uw klacht ook voorleggen aan een onafhankelijke klachtencommissie. "
                        "De commissie hoort u en %(name)s, en geeft daarna een oordeel."
                    )
                    % {"name": name},
                )
            )
        contact = "\n".join([body["name"], *body["contact"]])
        sections.append(
            (
                _("Geschilleninstantie"),
                _(
                    "Bent u het niet eens met het oordeel, of kreeg u het niet op tijd? Dan kunt u het "
                    "geschil voorleggen aan de geschilleninstantie waarbij %(name)s is aangesloten. "
                    "Die doet een "
                    "bindende uitspraak en kan een schadevergoeding toekennen. Dat kan tot %(years)d jaar "
                    "nadat u de klacht bij %(name)s indiende.\n%(contact)s\nKosten: %(fee)s"
                )
                % {"name": name, "years": terms["disputes_years"], "contact": contact, "fee": body["fee"]},
            )
        )
        sections += [
            (
                _("Andere mogelijkheden"),
                _(
                    "Gaat uw klacht over een BIG-geregistreerde zorgverlener, dan kunt u ook naar het "
                    "Regionaal Tuchtcollege voor de Gezondheidszorg. Bij het Landelijk Meldpunt Zorg van "
                    "de Inspectie Gezondheidszorg en Jeugd krijgt u advies en kunt u een melding doen."
                ),
            ),
            (
                _("Privacy"),
                _(
                    "Klachtpunt gebruikt uw gegevens alleen om uw klacht te behandelen, in opdracht van "
                    "%(name)s. Wie uw dossier opent, wordt vastgelegd; in Mijn klachten ziet u wie dat was. "
                    "Na het afsluiten bewaren wij het dossier %(years)d jaar. U kunt uw gegevens inzien, "
                    "downloaden en laten verwijderen voor zover de wet ons niet verplicht ze te bewaren."
                )
                % {"name": name, "years": facts["retention_years"]},
            ),
        ]
    # Numbered in order once the optional sections are known.
    numbered = []
    for number, (heading, text) in enumerate(sections, start=1):
        numbered.append({"heading": f"{number}. {heading}", "body": text})
    return numbered


def scheme_content(facts: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The scheme's text in every language it is published in."""
    return {language: scheme_sections(facts, language) for language in LANGUAGES}
