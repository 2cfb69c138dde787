"""Making and publishing the complaints scheme's versions (provider schema)."""

from __future__ import annotations

import datetime

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from casework.models import ComplaintsScheme
from casework.scheme.content import scheme_content, scheme_facts
from reference.dates import today_amsterdam
from tenants.models import Provider, ProviderAuditEvent
from tenants.services import provider_audit_record
from tenants.tenancy import require_tenant_schema

log = structlog.get_logger(__name__)


def _locked_provider(provider: Provider) -> Provider:
    # The provider row serialises every change to its scheme: one draft at a time, versions in order.
    locked: Provider = (
        Provider.objects.select_for_update(of=("self",)).select_related("disputes_body").get(pk=provider.pk)
    )
    return locked


def scheme_draft_generate(*, provider: Provider, actor: User) -> ComplaintsScheme:
    """Generate the scheme from what the provider has now, as the draft the admin reviews.

    Guarantees: refuses without a disputes body (the scheme must name one);
    there is at most one draft, which a new generation replaces (a published
    version is never touched); the text is stored in Dutch and English with
    the facts it was made from. Runs in the provider's schema.
    """
    require_tenant_schema()
    with transaction.atomic():
        locked = _locked_provider(provider)
        if locked.disputes_body is None:
            raise ValidationError(
                _("Kies eerst uw geschilleninstantie: de klachtenregeling moet die noemen."),
                code="no_disputes_body",
            )
        facts = scheme_facts(provider=locked, disputes_body=locked.disputes_body)
        draft = ComplaintsScheme.objects.select_for_update().filter(published_at__isnull=True).first()
        if draft is None:
            highest = ComplaintsScheme.objects.aggregate(highest=Max("version"))["highest"] or 0
            draft = ComplaintsScheme(version=highest + 1)
        draft.content = scheme_content(facts)
        draft.facts = facts
        draft.created_at = timezone.now()
        draft.created_by_user_id = actor.pk
        draft.save()
    log.info("scheme_draft_generated", provider=provider.schema_name, version=draft.version)
    return draft


def scheme_publish(
    *, provider: Provider, scheme_id: int, actor: User, effective_on: datetime.date
) -> ComplaintsScheme:
    """Publish the draft ``scheme_id``, taking effect on ``effective_on`` (today or later).

    Guarantees: only the draft can be published, once; the effective date is
    not in the past and not before the current version's; the publication and
    its ``scheme_published`` audit row commit together.
    """
    require_tenant_schema()
    today = today_amsterdam()
    if effective_on < today:
        raise ValidationError(_("De ingangsdatum mag niet in het verleden liggen."), code="effective_in_past")
    with transaction.atomic():
        _locked_provider(provider)
        draft = ComplaintsScheme.objects.select_for_update().filter(pk=scheme_id).first()
        if draft is None:
            raise ComplaintsScheme.DoesNotExist
        if draft.published_at is not None:
            raise ValidationError(_("Deze versie is al gepubliceerd."), code="already_published")
        latest = (
            ComplaintsScheme.objects.filter(published_at__isnull=False)
            .order_by("-effective_on", "-version")
            .first()
        )
        if latest is not None and latest.effective_on and effective_on < latest.effective_on:
            raise ValidationError(
                _("De ingangsdatum ligt vóór die van versie %(version)d.") % {"version": latest.version},
                code="effective_before_previous",
            )
        draft.published_at = timezone.now()
        draft.published_by_user_id = actor.pk
        draft.published_by_label = actor.display_name or actor.email
        draft.effective_on = effective_on
        draft.save(
            update_fields=["published_at", "published_by_user_id", "published_by_label", "effective_on"]
        )
        provider_audit_record(
            provider=provider,
            action=ProviderAuditEvent.Action.SCHEME_PUBLISHED,
            actor=actor,
            data={
                "version": draft.version,
                "effective_on": effective_on.isoformat(),
                "disputes_body": draft.facts.get("disputes_body", {}).get("name", ""),
            },
        )
    log.info("scheme_published", provider=provider.schema_name, version=draft.version)
    return draft
