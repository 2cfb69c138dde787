"""Directory actions: a professional's profile, absences and conflicts of interest.

Matching (casework.assignment.matching) reads what these write; each action is one
transaction and one structured log line (ids only).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import structlog
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Absence, ConflictOfInterest, Professional, Qualification, User
from reference.postcodes import normalize_postcode
from tenants.models import Provider

log = structlog.get_logger(__name__)

MAX_CAPACITY = 200
MAX_TRAVEL_RADIUS_KM = 400


class DirectoryError(Exception):
    """The change is refused; ``str(error)`` says why."""


def professional_update(
    *,
    professional: Professional,
    actor: User,
    qualifications: Sequence[str],
    sectors: Sequence[str],
    categories: Sequence[str],
    languages: Sequence[str],
    home_postcode: str,
    travel_radius_km: int,
    capacity: int,
    active: bool,
) -> Professional:
    """Replace a professional's matching profile. The postcode is stored normalised ("1234 AB")."""
    if not qualifications:
        raise DirectoryError(_("Kies ten minste één kwalificatie."))
    unknown = set(qualifications) - set(Qualification.values)
    if unknown:
        raise DirectoryError(_("Onbekende kwalificatie: %(q)s") % {"q": ", ".join(sorted(unknown))})
    postcode = normalize_postcode(home_postcode) if home_postcode.strip() else ""
    if home_postcode.strip() and not postcode:
        raise DirectoryError(_("Vul een Nederlandse postcode in, zoals 3511 AB."))
    if not 0 <= capacity <= MAX_CAPACITY:
        raise DirectoryError(_("De capaciteit ligt tussen 0 en %(max)s open zaken.") % {"max": MAX_CAPACITY})
    if not 0 <= travel_radius_km <= MAX_TRAVEL_RADIUS_KM:
        raise DirectoryError(_("De reisafstand ligt tussen 0 en %(max)s km.") % {"max": MAX_TRAVEL_RADIUS_KM})
    with transaction.atomic():
        locked = Professional.objects.select_for_update().get(pk=professional.pk)
        locked.qualifications = _unique(qualifications)
        locked.sectors = _unique(sectors)
        locked.categories = _unique(categories)
        locked.languages = _unique(languages)
        locked.home_postcode = postcode
        locked.travel_radius_km = travel_radius_km
        locked.capacity = capacity
        locked.active = active
        locked.save()
    log.info("professional_updated", professional_id=locked.pk, actor_id=actor.pk)
    return locked


def absence_add(
    *, professional: Professional, actor: User, starts_on: datetime.date, ends_on: datetime.date
) -> Absence:
    """Record a period (dates inclusive) in which the professional takes no new cases."""
    if ends_on < starts_on:
        raise DirectoryError(_("De einddatum ligt vóór de begindatum."))
    with transaction.atomic():
        absence = Absence.objects.create(professional=professional, starts_on=starts_on, ends_on=ends_on)
    log.info("absence_added", professional_id=professional.pk, absence_id=absence.pk, actor_id=actor.pk)
    return absence


def absence_remove(*, professional: Professional, actor: User, absence_id: int) -> None:
    with transaction.atomic():
        deleted, _rows = Absence.objects.filter(professional=professional, pk=absence_id).delete()
    if not deleted:
        raise DirectoryError(_("Deze afwezigheid bestaat niet (meer)."))
    log.info("absence_removed", professional_id=professional.pk, absence_id=absence_id, actor_id=actor.pk)


def conflict_add(
    *, professional: Professional, actor: User, provider: Provider, reason: str
) -> ConflictOfInterest:
    """Record that the professional may not work for ``provider``'s clients, and why."""
    reason = (reason or "").strip()
    if not reason:
        raise DirectoryError(_("Geef de reden van de belangenverstrengeling op."))
    if provider.is_platform:
        raise DirectoryError(_("Kies een zorgaanbieder."))
    try:
        with transaction.atomic():
            conflict = ConflictOfInterest.objects.create(
                professional=professional, provider=provider, reason=reason[:200]
            )
    except IntegrityError:
        raise DirectoryError(
            _("Voor %(provider)s is al een belangenverstrengeling vastgelegd.") % {"provider": provider.name}
        ) from None
    log.info("conflict_added", professional_id=professional.pk, provider_id=provider.pk, actor_id=actor.pk)
    return conflict


def conflict_remove(*, professional: Professional, actor: User, conflict_id: int) -> None:
    with transaction.atomic():
        deleted, _rows = ConflictOfInterest.objects.filter(professional=professional, pk=conflict_id).delete()
    if not deleted:
        raise DirectoryError(_("Deze belangenverstrengeling bestaat niet (meer)."))
    log.info("conflict_removed", professional_id=professional.pk, conflict_id=conflict_id, actor_id=actor.pk)


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))
