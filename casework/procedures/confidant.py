"""Confidant support: the confidant works for the client.

The confidant's notes and the client's choices are the client's: visible to
the confidant and the client only (``casework.procedures.selectors.
confidant_notes_visible`` is the one gate). The client may share one note at
a time, with Klachtpunt's handler of the complaint or also with the
provider; that is the only way a note leaves the two of them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.services import actor_fields, timeline_add
from casework.index.models import Consent
from casework.models import ConfidantNote, TimelineEntry
from casework.procedures.mediation import MAX_TEXT, lock_open_complaint
from tenants.clusters import schema_context
from tenants.models import Provider


def confidant_note_add(
    *, provider: Provider, complaint_id: int, accessor: Accessor, kind: str, text: str
) -> ConfidantNote:
    """The confidant writes a note, or records a choice the client made.

    The timeline says that the confidant wrote something, for the client, and
    never what.
    """
    text = text.strip()
    if kind not in ConfidantNote.Kind.values:
        raise ValidationError(_("Kies wat u vastlegt."), code="kind")
    if not text:
        raise ValidationError(_("Schrijf de tekst."), code="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("De tekst is te lang."), code="too_long")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        note = ConfidantNote.objects.create(
            complaint=complaint,
            kind=kind,
            text=text,
            author_user_id=accessor.user_id,
            author_label=accessor.user_label,
            created_at=timezone.now(),
        )
        timeline_add(
            complaint=complaint,
            kind="confidant_note",
            visibility=TimelineEntry.Visibility.COMPLAINANT,
            data={"note_id": note.pk, "note_kind": kind},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="confidant_note",
            detail=f"note {note.pk}",
        )
    return note


def confidant_note_share(
    *, provider: Provider, complaint_id: int, note_id: int, accessor: Accessor, shared_with: str
) -> ConfidantNote:
    """The client shares one note: with Klachtpunt's handler, or also with the provider.

    Sharing with the provider needs consent to share the complaint. Sharing
    widens; it is not taken back (what was read, was read), though a note
    shared with Klachtpunt may later be shared with the provider too.
    """
    if shared_with not in (ConfidantNote.SharedWith.KLACHTPUNT, ConfidantNote.SharedWith.PROVIDER):
        raise ValidationError(_("Kies met wie u de notitie deelt."), code="shared_with")
    with schema_context(provider.schema_name), transaction.atomic():
        complaint = lock_open_complaint(provider, complaint_id)
        note = ConfidantNote.objects.select_for_update().get(pk=note_id, complaint=complaint)
        if shared_with == ConfidantNote.SharedWith.PROVIDER and complaint.consent != Consent.GIVEN:
            raise ValidationError(
                _(
                    "U heeft geen toestemming gegeven om uw klacht met de zorgaanbieder te delen. "
                    "Geef eerst toestemming, of deel de notitie alleen met Klachtpunt."
                ),
                code="no_consent",
            )
        if note.shared_with == shared_with or note.shared_with == ConfidantNote.SharedWith.PROVIDER:
            return note
        note.shared_with = shared_with
        note.shared_at = timezone.now()
        note.save(update_fields=["shared_with", "shared_at"])
        timeline_add(
            complaint=complaint,
            kind="confidant_note_shared",
            visibility=TimelineEntry.Visibility.ALL
            if shared_with == ConfidantNote.SharedWith.PROVIDER
            else TimelineEntry.Visibility.COMPLAINANT,
            data={"note_id": note.pk, "shared_with": shared_with},
            **actor_fields(accessor),
        )
        access_log_change(
            provider=provider,
            accessor=accessor,
            complaint=complaint,
            subject="confidant_note",
            detail=f"note {note.pk} shared with {shared_with}",
        )
    return note
