"""A sign-up chooses its disputes body from the platform's list (issue 17, item 3).

What sign-ups typed before stays in ``disputes_body_text``; provisioning passes
it on as the provider's unmatched text (tenants migration 0007).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_seed_dpo_price"),
        ("reference", "0004_seed_disputes_bodies"),
    ]

    operations = [
        migrations.RenameField("signup", "disputes_body", "disputes_body_text"),
        migrations.AlterField(
            model_name="signup",
            name="disputes_body_text",
            field=models.CharField(blank=True, max_length=200, verbose_name="geschilleninstantie (vrije tekst)"),
        ),
        migrations.AddField(
            model_name="signup",
            name="disputes_body",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reference.disputesbody",
                verbose_name="geschilleninstantie",
            ),
        ),
    ]
