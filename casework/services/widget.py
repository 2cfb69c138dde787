"""Actions behind the complaint widget: anonymous intake and the provider's widget settings."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from django.db import transaction
from django_tenants.utils import schema_context

from casework.attachments import CheckedFile
from casework.index.models import Channel
from casework.services.intake import ComplaintSubmission, SubmitResult, complaint_submit, follow_link_create
from tenants.models import Provider, WidgetSettings

log = structlog.get_logger(__name__)


def widget_complaint_submit(
    *,
    provider: Provider,
    submission: ComplaintSubmission,
    attachments: Sequence[CheckedFile] = (),
    idempotency_key: str | None = None,
) -> SubmitResult:
    """Take in an anonymous complaint from the widget, the plain form page or the API.

    Guarantees what ``complaint_submit`` guarantees (one transaction; one
    complaint per idempotency key). A repeated submission (a double click, a
    retry after a lost response) gets the first complaint back with a fresh
    secure link, so the page the complainant ends up on can still show one.
    A lapsed membership never blocks a complainant.
    """
    result = complaint_submit(
        provider=provider,
        submission=submission,
        channel=Channel.WIDGET,
        attachments=attachments,
        idempotency_key=idempotency_key,
    )
    if not result.created and result.complaint.complainant_user_id is None:
        with schema_context(provider.schema_name), transaction.atomic():
            result.follow_token = follow_link_create(complaint=result.complaint)
        log.info("complaint_resubmitted", reference=result.complaint.reference, schema=provider.schema_name)
    return result


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
