"""The membership badge: a small image for the provider's website and the verification page behind it.

Both are public, on the platform host, and read the membership live (no
cache beyond a few minutes for the image): active, lapsed (past due or
cancelled), or not (yet) a member. They show the provider's name, place and
services, nothing about any complaint or person.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import LAPSED_STATUSES, Membership, MembershipService, MembershipStatus
from casework.index.models import Service
from tenants.models import Provider


class Standing:
    ACTIVE = "active"
    LAPSED = "lapsed"
    NONE = "none"


@dataclass(frozen=True)
class MembershipStanding:
    provider: Provider
    state: str
    status_label: str
    services: list[str]
    renews_on: datetime.date | None
    checked_at: datetime.datetime

    @property
    def active(self) -> bool:
        return self.state == Standing.ACTIVE


def membership_standing(provider: Provider) -> MembershipStanding:
    """The provider's membership as it stands now: its state, its active services and renewal date."""
    membership = Membership.objects.filter(provider=provider).first()
    if membership is None or membership.status == MembershipStatus.PENDING:
        state = Standing.NONE
    elif membership.status in LAPSED_STATUSES:
        state = Standing.LAPSED
    else:
        state = Standing.ACTIVE
    codes = (
        set(
            MembershipService.objects.filter(membership=membership, active=True).values_list(
                "service", flat=True
            )
        )
        if membership is not None
        else set()
    )
    return MembershipStanding(
        provider=provider,
        state=state,
        status_label=str(membership.get_status_display()) if membership else _("Geen lidmaatschap"),
        services=[str(Service(code).label) for code in Service.values if code in codes],
        renews_on=membership.renews_on if membership else None,
        checked_at=timezone.now(),
    )


def badge_lines(standing: MembershipStanding) -> tuple[str, str]:
    """The badge's two lines: the platform, then the standing in a few words."""
    if standing.state == Standing.ACTIVE:
        return _("Aangesloten bij Klachtpunt"), _("Lidmaatschap actief")
    if standing.state == Standing.LAPSED:
        return _("Klachtpunt"), _("Lidmaatschap verlopen")
    return _("Klachtpunt"), _("Geen actief lidmaatschap")
