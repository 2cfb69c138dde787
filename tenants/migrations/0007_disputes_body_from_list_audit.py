"""The provider's disputes body becomes a choice from the platform's list (issue 17, item 3).

The free text typed before is matched against the list (case, spaces and
punctuation ignored, and a few common short names); a match sets the choice,
anything else stays in ``disputes_body_unmatched`` for the platform admin to
resolve (the settings page shows it to the provider admin as well).
"""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Short names people type for the seeded bodies (reference migration 0004).
ALIASES = {
    "geschillencommissiezorg": "De Geschillencommissie Zorg Algemeen",
    "geschillencommissiezorgalgemeen": "De Geschillencommissie Zorg Algemeen",
    "degeschillencommissiezorg": "De Geschillencommissie Zorg Algemeen",
    "zorggeschil": "Geschilleninstantie Zorggeschil (Stichting Zorggeschil)",
    "stichtingzorggeschil": "Geschilleninstantie Zorggeschil (Stichting Zorggeschil)",
    "geschilleninstantiezorggeschil": "Geschilleninstantie Zorggeschil (Stichting Zorggeschil)",
    "skge": "SKGE, Stichting Klachten en Geschillen Eerstelijnszorg",
}


def _key(text):
    return re.sub(r"[^a-z0-9]", "", text.lower())


def match_free_text(apps, schema_editor):
    Provider = apps.get_model("tenants", "Provider")
    DisputesBody = apps.get_model("reference", "DisputesBody")
    by_key = {_key(body.name): body for body in DisputesBody.objects.all()}
    by_name = {body.name: body for body in by_key.values()}
    for provider in Provider.objects.exclude(disputes_body_unmatched=""):
        key = _key(provider.disputes_body_unmatched)
        body = by_key.get(key) or by_name.get(ALIASES.get(key, ""))
        if body is not None:
            provider.disputes_body = body
            provider.disputes_body_unmatched = ""
            provider.save(update_fields=["disputes_body", "disputes_body_unmatched"])


def back_to_free_text(apps, schema_editor):
    Provider = apps.get_model("tenants", "Provider")
    for provider in Provider.objects.filter(disputes_body__isnull=False).select_related("disputes_body"):
        provider.disputes_body_unmatched = provider.disputes_body.name[:200]
        provider.save(update_fields=["disputes_body_unmatched"])


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0006_provider_membership_roles"),
        ("reference", "0004_seed_disputes_bodies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("provider", "disputes_body", "disputes_body_unmatched"),
        migrations.AlterField(
            model_name="provider",
            name="disputes_body_unmatched",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="geschilleninstantie (oude vrije tekst, niet herkend)"
            ),
        ),
        migrations.AddField(
            model_name="provider",
            name="disputes_body",
            field=models.ForeignKey(
                blank=True,
                help_text="De geschilleninstantie waarbij de zorgaanbieder is aangesloten.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reference.disputesbody",
                verbose_name="geschilleninstantie",
            ),
        ),
        migrations.RunPython(match_free_text, back_to_free_text),
        migrations.CreateModel(
            name="ProviderAuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("disputes_body_changed", "Geschilleninstantie gewijzigd"),
                            ("scheme_published", "Klachtenregeling gepubliceerd"),
                        ],
                        max_length=32,
                    ),
                ),
                ("at", models.DateTimeField()),
                ("actor_label", models.CharField(blank=True, max_length=200)),
                ("data", models.JSONField(blank=True, default=dict)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="audit_events",
                        to="tenants.provider",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
                "indexes": [models.Index(fields=["provider", "action", "-at"], name="provider_audit_lookup")],
            },
        ),
    ]
