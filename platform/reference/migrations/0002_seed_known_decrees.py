"""The decrees published up to now (Atw art. 3 lid 3); later ones are added in the admin."""

import datetime

from django.db import migrations

DECREES = [
    (
        "Besluit gelijkstelling van 28 april 2023, 19 mei 2023, 10 mei 2024, 27 december 2024 en "
        "30 mei 2025 met een algemeen erkende feestdag",
        2023,
        2025,
        [
            (datetime.date(2023, 4, 28), "gelijkgesteld (vrijdag na Koningsdag)"),
            (datetime.date(2023, 5, 19), "gelijkgesteld (vrijdag na Hemelvaartsdag)"),
            (datetime.date(2024, 5, 10), "gelijkgesteld (vrijdag na Hemelvaartsdag)"),
            (datetime.date(2024, 12, 27), "gelijkgesteld (vrijdag na Tweede Kerstdag)"),
            (datetime.date(2025, 5, 30), "gelijkgesteld (vrijdag na Hemelvaartsdag)"),
        ],
    ),
    (
        "Besluit gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en "
        "26 mei 2028 met een algemeen erkende feestdag",
        2026,
        2028,
        [
            (datetime.date(2026, 1, 2), "gelijkgesteld (vrijdag na Nieuwjaarsdag)"),
            (datetime.date(2026, 5, 15), "gelijkgesteld (vrijdag na Hemelvaartsdag)"),
            (datetime.date(2027, 5, 7), "gelijkgesteld (vrijdag na Hemelvaartsdag)"),
            (datetime.date(2028, 4, 28), "gelijkgesteld (vrijdag na Koningsdag)"),
            (datetime.date(2028, 5, 26), "gelijkgesteld (vrijdag na Hemelvaartsdag)"),
        ],
    ),
]


def seed(apps, schema_editor):
    Decree = apps.get_model("reference", "DesignatedDayDecree")
    Day = apps.get_model("reference", "DesignatedDay")
    for title, first, last, days in DECREES:
        decree = Decree.objects.create(title=title, first_year=first, last_year=last)
        Day.objects.bulk_create(Day(decree=decree, day=day, name=name) for day, name in days)


def unseed(apps, schema_editor):
    apps.get_model("reference", "DesignatedDayDecree").objects.filter(
        first_year__in=[first for _t, first, _l, _d in DECREES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_designated_days")]
    operations = [migrations.RunPython(seed, unseed)]
