"""Watches that keep the statutory clock honest over time.

- ``calendar_expiry_warn``: the decree days (Atw art. 3 lid 3) are data a
  platform admin keeps; 90 days before the last year any decree covers ends,
  the platform admins are told to add the next decree (once per decree).
  A deadline in a year no decree covers is computed from the Act alone and
  flagged on the staff pages (``reference.deadline_rules.deadline_without_decree_data``).
- ``stalled_dossiers_flag``: an open dossier without any activity on its
  timeline for a year is flagged to the coordinators (once per stall), so
  nothing is kept forever unnoticed.

E-mails carry references and links only, never a complaint's contents.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import PlatformRole, User
from casework.index.models import CaseIndex, CaseStatus
from casework.models import Complaint
from reference import deadline_rules
from reference.dates import today_amsterdam
from reference.models import DesignatedDayDecree
from tenants.clusters import schema_context
from tenants.hosts import platform_url

log = structlog.get_logger(__name__)

CALENDAR_WARNING_DAYS = 90
STALLED_AFTER = datetime.timedelta(days=365)


def _mail(users: object, compose: Callable[[], tuple[str, str]]) -> int:
    """E-mail each user in their own language; ``compose`` returns (subject, body) in the active one."""
    sent = 0
    for user in users:  # type: ignore[attr-defined]
        with translation.override(user.preferred_language or "nl"):
            subject, body = compose()
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


def calendar_expiry_warn(*, today: datetime.date | None = None) -> int:
    """Warn the platform admins once, from 90 days before the last known decree year ends.

    Returns how many admins were e-mailed (0 when no warning is due).
    """
    today = today or today_amsterdam()
    with transaction.atomic():
        decree = DesignatedDayDecree.objects.select_for_update().order_by("-last_year", "-pk").first()
        if decree is None:
            last_year = today.year - 1  # nothing known at all: warn now
        else:
            last_year = decree.last_year
            if decree.expiry_warned_at is not None:
                return 0
        runs_out = datetime.date(last_year, 12, 31)
        if today < runs_out - datetime.timedelta(days=CALENDAR_WARNING_DAYS):
            return 0
        admins = User.objects.filter(roles__contains=[PlatformRole.PLATFORM_ADMIN], is_active=True)
        admin_url = platform_url(
            reverse("admin:reference_designateddaydecree_changelist", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
        )

        def compose() -> tuple[str, str]:
            body = _(
                "De gelijkgestelde dagen van de Algemene termijnenwet (art. 3 lid 3) zijn bekend tot en met "
                "31-12-%(year)s. Voeg het nieuwe besluit gelijkstelling toe: %(url)s\n\n"
                "Termijnen die daarna eindigen worden tot dan alleen volgens de wet zelf berekend en "
                "gemarkeerd."
            ) % {"year": last_year, "url": admin_url}
            return _("Atw-kalender: voeg het nieuwe besluit gelijkstelling toe"), body + "\n\nKlachtpunt\n"

        sent = _mail(admins, compose)
        if decree is not None:
            decree.expiry_warned_at = timezone.now()
            decree.save(update_fields=["expiry_warned_at"])
    deadline_rules.forget_designated_days()
    log.info("calendar_expiry_warned", last_year=last_year, admins=sent)
    return sent


def stalled_dossiers_flag(*, now: datetime.datetime | None = None) -> list[str]:
    """Flag open dossiers without timeline activity for a year; e-mail the coordinators the new ones.

    A dossier is flagged once per stall: again only after new activity and
    another silent year. Returns the references flagged now.
    """
    now = now or timezone.now()
    cutoff = now - STALLED_AFTER
    candidates = (
        CaseIndex.objects.exclude(status=CaseStatus.CLOSED)
        .filter(received_at__lt=cutoff)
        .select_related("provider")
        .order_by("provider_id", "pk")
    )
    by_provider: dict[int, list[CaseIndex]] = {}
    for case in candidates:
        by_provider.setdefault(case.provider_id, []).append(case)
    flagged: list[str] = []
    for cases in by_provider.values():
        provider = cases[0].provider
        with schema_context(provider.schema_name):
            last = dict(
                Complaint.objects.filter(pk__in=[c.case_id for c in cases])
                .annotate(last=Max("timeline__at"))
                .values_list("pk", "last")
            )
        for case in cases:
            activity = last.get(case.case_id) or case.received_at
            if activity >= cutoff:
                continue
            if case.stalled_flagged_at is not None and case.stalled_flagged_at >= activity:
                continue  # already flagged for this stall
            CaseIndex.objects.filter(pk=case.pk).update(stalled_flagged_at=now)
            flagged.append(case.reference)
    if flagged:
        coordinators = User.objects.filter(roles__contains=[PlatformRole.COORDINATOR], is_active=True)
        links = "\n".join(
            platform_url(reverse("case_dossier", args=[reference], urlconf=settings.PUBLIC_SCHEMA_URLCONF))
            for reference in flagged
        )

        def compose() -> tuple[str, str]:
            intro = _("Deze open dossiers hebben al een jaar geen activiteit. Sluit ze af of pak ze weer op:")
            return _("Dossiers zonder activiteit sinds een jaar"), f"{intro}\n\n{links}\n\nKlachtpunt\n"

        _mail(coordinators, compose)
    log.info("stalled_dossiers_flagged", count=len(flagged))
    return flagged
