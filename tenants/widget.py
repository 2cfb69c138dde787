"""A provider's widget settings: the origins allowed to embed its complaint form."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from django.db import transaction

from tenants.models import Provider, WidgetSettings

log = structlog.get_logger(__name__)


def widget_allowed_origins(provider: Provider) -> list[str]:
    """The sites that may show ``provider``'s widget (none until the provider adds them)."""
    origins = (
        WidgetSettings.objects.filter(provider=provider).values_list("allowed_origins", flat=True).first()
    )
    return list(origins or [])


def widget_settings_update(*, provider: Provider, allowed_origins: Sequence[str]) -> WidgetSettings:
    """Replace the sites allowed to embed ``provider``'s widget (already validated origins)."""
    with transaction.atomic():
        widget_settings, _created = WidgetSettings.objects.select_for_update().get_or_create(
            provider=provider
        )
        widget_settings.allowed_origins = list(dict.fromkeys(allowed_origins))
        widget_settings.save(update_fields=["allowed_origins", "updated_at"])
    log.info("widget_settings_updated", provider=provider.schema_name, origins=len(allowed_origins))
    return widget_settings
