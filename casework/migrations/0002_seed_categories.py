from django.db import migrations

CATEGORIES = [
    ("treatment", "Behandeling en zorgverlening", "Treatment and care"),
    ("attitude", "Bejegening", "Attitude and conduct"),
    ("communication", "Communicatie en informatie", "Communication and information"),
    ("organisation", "Organisatie en bereikbaarheid", "Organisation and availability"),
    ("finance", "Financiën en rekeningen", "Finance and bills"),
    ("privacy", "Privacy en dossier", "Privacy and records"),
    ("safety", "Veiligheid", "Safety"),
    ("coercion", "Onvrijwillige zorg", "Involuntary care"),
    ("other", "Overig", "Other"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("casework", "Category")
    Category.objects.bulk_create(
        Category(code=code, name_nl=nl, name_en=en, position=index)
        for index, (code, nl, en) in enumerate(CATEGORIES)
    )


def unseed(apps, schema_editor):
    apps.get_model("casework", "Category").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
