"""Who sits on a committee case's panel: the one read every layer asks.

The panel's seats live in the provider's schema (``casework.models.PanelMember``);
the case index, the time ledger and the reminders work in ``public``, so they
ask here, with the case's schema named. The rules on what a seat allows are in
``casework.dossier.permissions`` (the deliberation) and the panel's actions
(``casework.procedures.panel``).
"""

from __future__ import annotations

from itertools import groupby

from casework.index.models import CaseIndex, CaseStatus, Service
from casework.models import PanelMember
from tenants.clusters import schema_context
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


def panel_seats_of(user_id: int) -> list[tuple[CaseIndex, str]]:
    """The open committee cases where ``user_id`` holds a seat, with the seat, by deadline.

    One query over the index, then one per provider that has open committee
    cases (the seats live in each provider's schema).
    """
    open_cases = list(
        CaseIndex.objects.filter(service=Service.COMMITTEE)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("provider")
        .order_by("provider_id", "pk")
    )
    found: list[tuple[CaseIndex, str]] = []
    for _provider_id, group in groupby(open_cases, key=lambda case: case.provider_id):
        cases = list(group)
        with schema_context(cases[0].provider.schema_name):
            seats = dict(
                PanelMember.objects.filter(
                    user_id=user_id, complaint_id__in=[case.case_id for case in cases]
                ).values_list("complaint_id", "role")
            )
        found += [(case, seats[case.case_id]) for case in cases if case.case_id in seats]
    return sorted(found, key=lambda item: (item[0].deadline is None, item[0].deadline, item[0].reference))
