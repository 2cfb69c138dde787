"""The disputes bodies (Wkkgz art. 18) a provider can choose at first; later ones are added in the admin.

The names and websites are those the bodies use publicly. Addresses, telephone
numbers and fees could not be checked against the bodies' own publications when
this was written: every row is marked ``to_be_confirmed`` until the platform
admin has checked it (and the fee says so in its own words).
"""

from django.db import migrations

SGC_ADDRESS = "Postbus 90600\n2509 LP Den Haag"
FEE_TBC = "Klachtgeld volgens de tarieven van de instantie (bedrag nog te bevestigen)"

BODIES = [
    {
        "name": "De Geschillencommissie Zorg Algemeen",
        "sector": "Alle zorg waarvoor geen eigen geschilleninstantie bestaat",
        "address": SGC_ADDRESS,
        "phone": "070 310 53 10",
        "website": "https://www.degeschillencommissiezorg.nl",
    },
    {
        "name": "De Geschillencommissie Verpleging, Verzorging en Geboortezorg",
        "sector": "Verpleging, verzorging, thuiszorg en geboortezorg",
        "address": SGC_ADDRESS,
        "phone": "070 310 53 10",
        "website": "https://www.degeschillencommissiezorg.nl",
    },
    {
        "name": "De Geschillencommissie Gehandicaptenzorg",
        "sector": "Gehandicaptenzorg",
        "address": SGC_ADDRESS,
        "phone": "070 310 53 10",
        "website": "https://www.degeschillencommissiezorg.nl",
    },
    {
        "name": "Geschilleninstantie Zorggeschil (Stichting Zorggeschil)",
        "sector": "Zorgaanbieders in alle sectoren die via hun klachtenorganisatie zijn aangesloten",
        "address": "Stichting Zorggeschil\n(adres nog te bevestigen)",
        "phone": "",
        "website": "https://www.zorggeschil.nl",
    },
    {
        "name": "SKGE, Stichting Klachten en Geschillen Eerstelijnszorg",
        "sector": "Huisartsenzorg en andere eerstelijnszorg",
        "address": "SKGE\n(adres nog te bevestigen)",
        "phone": "",
        "website": "https://www.skge.nl",
    },
]


def seed(apps, schema_editor):
    DisputesBody = apps.get_model("reference", "DisputesBody")
    for body in BODIES:
        DisputesBody.objects.get_or_create(
            name=body["name"], defaults={**body, "fee": FEE_TBC, "to_be_confirmed": True, "active": True}
        )


def unseed(apps, schema_editor):
    DisputesBody = apps.get_model("reference", "DisputesBody")
    DisputesBody.objects.filter(name__in=[body["name"] for body in BODIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0003_disputes_bodies")]

    operations = [migrations.RunPython(seed, unseed)]
