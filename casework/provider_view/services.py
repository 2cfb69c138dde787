"""Actions on the provider's side: the admin records who works on a complaint.

Recording a handler, a decision maker or the employee concerned is a change
to the dossier's facts: the participation row, its timeline entry (for the
provider and Klachtpunt, naming the role, not the complaint's content) and
the access-log entry commit together.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.locking import case_lock
from casework.dossier.services import timeline_add
from casework.index.sharing import provider_may_open
from casework.models import Complaint, ComplaintParticipant, TimelineEntry
from tenants.clusters import schema_context
from tenants.models import Provider, ProviderMembership, ProviderRole
from tenants.tenancy import require_tenant_schema

Role = ComplaintParticipant.Role

# The membership role a participation needs; the employee concerned may be any member.
REQUIRED_MEMBERSHIP_ROLE: dict[str, ProviderRole] = {
    Role.HANDLER: ProviderRole.HANDLER,
    Role.DECISION_MAKER: ProviderRole.DECISION_MAKER,
}


def complaint_participant_add(
    *, provider: Provider, complaint_id: int, user_id: int, role: str, accessor: Accessor
) -> ComplaintParticipant:
    """Record ``user_id`` as the complaint's handler, decision maker or employee concerned.

    Guarantees: only a consented complaint of ``provider``; only a member of
    ``provider``, holding the handler or decision-maker role when recorded as
    such; the employee concerned is never also recorded as the complaint's
    handler or decision maker (a complaint about you is not yours to handle
    or judge); recording the same person twice changes nothing.
    """
    if role not in Role.values:
        raise ValidationError(_("Kies een rol."), code="role")
    membership = (
        ProviderMembership.objects.select_related("user").filter(provider=provider, user_id=user_id).first()
    )
    if membership is None:
        raise ValidationError(_("Kies een medewerker van uw organisatie."), code="not_member")
    needed = REQUIRED_MEMBERSHIP_ROLE.get(role)
    if needed is not None and needed not in membership.roles:
        raise ValidationError(
            _("%(name)s heeft de rol %(role)s niet. Geef die eerst bij Gebruikers en rollen.")
            % {"name": membership.user, "role": needed.label},
            code="missing_role",
        )
    with schema_context(provider.schema_name), transaction.atomic():
        require_tenant_schema()
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if not provider_may_open(consent=complaint.consent):
            raise Complaint.DoesNotExist
        held = set(
            ComplaintParticipant.objects.filter(complaint=complaint, user_id=user_id).values_list(
                "role", flat=True
            )
        )
        if role in held:
            return ComplaintParticipant.objects.get(complaint=complaint, user_id=user_id, role=role)
        if (role == Role.CONCERNED and held & {Role.HANDLER, Role.DECISION_MAKER}) or (
            role != Role.CONCERNED and Role.CONCERNED in held
        ):
            raise ValidationError(
                _("De betrokken medewerker kan deze klacht niet behandelen of erover beslissen."),
                code="concerned_conflict",
            )
        participant = ComplaintParticipant.objects.create(
            complaint=complaint,
            user_id=user_id,
            user_label=str(membership.user)[:150],
            role=role,
            assigned_at=timezone.now(),
            assigned_by_user_id=accessor.user_id,
        )
        timeline_add(
            complaint=complaint,
            kind="participant_added",
            visibility=TimelineEntry.Visibility.PROVIDER,
            data={"role": role, "user_id": user_id},
            actor_user_id=accessor.user_id,
            actor_label=accessor.user_label,
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="participants",
            detail=f"add {role} user {user_id}",
        )
    return participant


def complaint_participant_remove(
    *, provider: Provider, complaint_id: int, participant_id: int, accessor: Accessor
) -> ComplaintParticipant:
    """Take someone off the complaint; from then on they see it only through another role."""
    with schema_context(provider.schema_name), transaction.atomic():
        require_tenant_schema()
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        participant = ComplaintParticipant.objects.get(pk=participant_id, complaint=complaint)
        participant.delete()
        timeline_add(
            complaint=complaint,
            kind="participant_removed",
            visibility=TimelineEntry.Visibility.PROVIDER,
            data={"role": participant.role, "user_id": participant.user_id},
            actor_user_id=accessor.user_id,
            actor_label=accessor.user_label,
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="participants",
            detail=f"remove {participant.role} user {participant.user_id}",
        )
    return participant


def provider_members(*, provider: Provider) -> list[ProviderMembership]:
    """The provider's members with their users, by name (for the admin's pickers)."""
    return list(
        ProviderMembership.objects.filter(provider=provider)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )
