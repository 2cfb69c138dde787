"""Tenant actions. Provisioning itself lives in tenants.provisioning."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from reference.models import DisputesBody
from tenants.models import (
    MEMBERSHIP_ROLES,
    Domain,
    Provider,
    ProviderApiKey,
    ProviderAuditEvent,
    ProviderMembership,
    ProviderRole,
)

if TYPE_CHECKING:
    from accounts.models import User

log = structlog.get_logger(__name__)


@transaction.atomic
def platform_tenant_ensure() -> Provider:
    """The public schema's tenant row and the platform host name (idempotent)."""
    provider, _ = Provider.objects.get_or_create(
        schema_name="public", defaults={"name": "Klachtpunt", "slug": "platform"}
    )
    Domain.objects.get_or_create(
        domain=settings.PLATFORM_DOMAIN, defaults={"tenant": provider, "is_primary": True}
    )
    return provider


# Provider API keys: "kp_<prefix>_<secret>". Only the SHA-256 of the whole key
# is stored; the key itself is shown once, to the admin who made it.
API_KEY_SCHEME = "kp"
# Touching last_used_at on every call would turn each read into a write.
API_KEY_TOUCH_INTERVAL = datetime.timedelta(minutes=1)


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, provider: Provider, name: str, created_by: User | None) -> tuple[ProviderApiKey, str]:
    """Make a key for ``provider``; return it with the raw key, which is never stored or shown again."""
    if provider.is_platform:
        raise ValueError("API keys belong to a provider, not to the platform")
    prefix = secrets.token_hex(4)
    raw_key = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ProviderApiKey.objects.create(
        provider=provider,
        name=name.strip(),
        prefix=prefix,
        key_hash=api_key_hash(raw_key),
        created_by=created_by,
    )
    log.info("api_key_created", provider=provider.schema_name, prefix=prefix)
    return key, raw_key


def api_key_revoke(*, provider: Provider, key_id: int) -> ProviderApiKey:
    """Revoke one of ``provider``'s keys (idempotent); another provider's key id is not found."""
    with transaction.atomic():
        key = ProviderApiKey.objects.select_for_update().get(pk=key_id, provider=provider)
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            log.info("api_key_revoked", provider=provider.schema_name, prefix=key.prefix)
    return key


def api_key_authenticate(*, provider: Provider, raw_key: str) -> ProviderApiKey | None:
    """The live key ``raw_key`` names, if it belongs to ``provider``; None otherwise.

    A key of another provider, a revoked key and a malformed one all give None.
    """
    scheme, _, rest = raw_key.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_KEY_SCHEME or not prefix or not secret or len(raw_key) > 200:
        return None
    key = (
        ProviderApiKey.objects.select_related("created_by")
        .filter(prefix=prefix, provider=provider, revoked_at__isnull=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, api_key_hash(raw_key)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ProviderApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def membership_grant(
    *, user: User, provider: Provider, role: str | None = None, roles: Iterable[str] = ()
) -> ProviderMembership:
    """Make ``user`` a member of ``provider`` holding ``roles`` (or the one ``role``), adding to
    what they held; plain staff (``ProviderRole.STAFF`` or nothing) adds no role."""
    wanted = _clean_roles([*roles, *([role] if role else [])])
    with transaction.atomic():
        membership, _created = ProviderMembership.objects.select_for_update().get_or_create(
            user=user, provider=provider
        )
        merged = _clean_roles([*membership.roles, *wanted])
        if merged != membership.roles:
            membership.roles = merged
            membership.save(update_fields=["roles"])
    return membership


def _clean_roles(roles: Iterable[str]) -> list[str]:
    unknown = set(roles) - {str(r) for r in MEMBERSHIP_ROLES} - {ProviderRole.STAFF}
    if unknown:
        raise ValueError(f"unknown provider roles: {sorted(unknown)}")
    return [str(r) for r in MEMBERSHIP_ROLES if r in set(roles)]


class LastAdminError(ValidationError):
    """The provider would be left without an admin."""


def membership_roles_set(
    *, provider: Provider, user_id: int, roles: Iterable[str], actor: User
) -> ProviderMembership:
    """Set a member's roles at ``provider`` (replacing what they held); the admin's page calls this.

    Guarantees: only known roles are stored; the provider always keeps at
    least one admin (the last one cannot drop the role); the change is
    recorded in the platform's log by ids and role names only.
    """
    cleaned = _clean_roles(roles)
    with transaction.atomic():
        # Lock every membership of the provider: two admins removing each other race otherwise.
        members = list(
            ProviderMembership.objects.select_for_update().filter(provider=provider).order_by("pk")
        )
        membership = next((m for m in members if m.user_id == user_id), None)
        if membership is None:
            raise ProviderMembership.DoesNotExist
        admins = [m for m in members if ProviderRole.ADMIN in m.roles]
        if ProviderRole.ADMIN not in cleaned and admins == [membership]:
            raise LastAdminError(_("Er moet altijd minstens één beheerder zijn."), code="last_admin")
        membership.roles = cleaned
        membership.save(update_fields=["roles"])
    log.info(
        "membership_roles_set",
        provider=provider.schema_name,
        user_id=user_id,
        actor_id=actor.pk,
        roles=cleaned,
    )
    return membership


def provider_audit_record(
    *, provider: Provider, action: str, actor: User | None, data: dict[str, object]
) -> ProviderAuditEvent:
    """Write one row of the provider's settings log; call it inside the change's own transaction."""
    return ProviderAuditEvent.objects.create(
        provider=provider,
        action=action,
        at=timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(getattr(actor, "display_name", "") or getattr(actor, "email", "")) if actor else "",
        data=data,
    )


def _body_ref(body: DisputesBody | None) -> dict[str, object] | None:
    return None if body is None else {"id": body.pk, "name": body.name}


def provider_disputes_body_set(*, provider: Provider, disputes_body: DisputesBody, actor: User) -> bool:
    """Affiliate ``provider`` with ``disputes_body`` (Wkkgz art. 18); True when it changed.

    Guarantees: only a body the platform still offers (``active``) can be
    chosen; the provider row is locked, so two admins saving at once log two
    honest changes; the change and its ``disputes_body_changed`` audit row
    (from and to, by id and name) commit together; choosing the current body
    again changes and logs nothing. A leftover unmatched free text is cleared.
    """
    if not disputes_body.active:
        raise ValidationError(_("Deze geschilleninstantie is niet meer te kiezen."), code="inactive_body")
    with transaction.atomic():
        locked = (
            Provider.objects.select_for_update(of=("self",))
            .select_related("disputes_body")
            .get(pk=provider.pk)
        )
        if locked.disputes_body_id == disputes_body.pk and not locked.disputes_body_unmatched:
            return False
        data: dict[str, object] = {"from": _body_ref(locked.disputes_body), "to": _body_ref(disputes_body)}
        if locked.disputes_body_unmatched:
            data["from_unmatched_text"] = locked.disputes_body_unmatched
        Provider.objects.filter(pk=provider.pk).update(
            disputes_body=disputes_body, disputes_body_unmatched=""
        )
        provider_audit_record(
            provider=provider, action=ProviderAuditEvent.Action.DISPUTES_BODY_CHANGED, actor=actor, data=data
        )
    provider.disputes_body = disputes_body
    provider.disputes_body_unmatched = ""
    log.info(
        "provider_disputes_body_set",
        provider=provider.schema_name,
        body_id=disputes_body.pk,
        actor_id=actor.pk,
    )
    return True
