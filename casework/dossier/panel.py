"""Who sits on a committee case's panel: the one read every layer asks.

The panel's seats live in the provider's schema (``casework.models.PanelMember``);
the case index, the time ledger and the reminders work in ``public``, so they
ask here, with the case's schema named. The rules on what a seat allows are in
``casework.dossier.permissions`` (the deliberation) and the panel's actions
(``casework.procedures.panel``).
"""

from __future__ import annotations

from django_tenants.utils import schema_context

from casework.models import PanelMember
from tenants.models import Provider


def panel_role(*, provider: Provider, complaint_id: int, user_id: int | None) -> str | None:
    """The seat (chair, member, secretary) ``user_id`` holds on the complaint's panel, or None."""
    if not user_id:
        return None
    with schema_context(provider.schema_name):
        return (
            PanelMember.objects.filter(complaint_id=complaint_id, user_id=user_id)
            .values_list("role", flat=True)
            .first()
        )


def panel_user_ids(*, provider: Provider, complaint_id: int) -> list[int]:
    """Everyone on the complaint's panel (chair, members, secretary), by user id."""
    with schema_context(provider.schema_name):
        return list(
            PanelMember.objects.filter(complaint_id=complaint_id)
            .order_by("pk")
            .values_list("user_id", flat=True)
        )
