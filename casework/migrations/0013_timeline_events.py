"""Timeline entries become events: the data each kind's message needs, recovered from the old sentences.

Also: a decision keeps the language it is written in (its letter's headings follow it).

Entries written before ``casework.dossier.events`` kept a Dutch sentence in
``summary`` and only part of the facts in ``data``. For each kind whose message
needs more, the missing facts are read back from the sentence where its known
pattern matches (or from the record the entry points to). The sentence itself is
kept as written (it is part of the record); an entry whose sentence matches no
pattern keeps showing it, as legacy text.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import migrations, models
from django.utils import translation

NL_DATE = re.compile(r"(\d{2})-(\d{2})-(\d{4})")


def _nl_labels(choices: Any) -> dict[str, str]:
    """Dutch label -> code, as the old sentences wrote them."""
    with translation.override("nl"):
        return {str(label): code for code, label in choices.choices}


def _match(pattern: str, text: str) -> dict[str, str] | None:
    found = re.search(pattern, text, re.DOTALL)
    return found.groupdict() if found else None


def recover(entry: Any, apps: Any) -> dict[str, Any] | None:
    """The data to add to ``entry`` so its kind's message can be rendered, or None if nothing is known."""
    from casework.index.models import Service

    kind, text, data = entry.kind, entry.summary, entry.data or {}
    services = _nl_labels(Service)
    if kind in ("note", "triage_note", "closing_note", "time_note"):
        return {"text": text} if "text" not in data else None
    if kind in ("assignment_offered", "assignment_accepted"):
        pattern = (
            r"^Zaak aangeboden aan (?P<professional>.+) \((?P<service>[^()]+)\)$"
            if kind == "assignment_offered"
            else r"^(?P<professional>.+) \((?P<service>[^()]+)\) neemt de klacht in behandeling$"
        )
        found = _match(pattern, text)
        if found and found["service"] in services:
            return {"professional": found["professional"], "service": services[found["service"]]}
        return None
    if kind == "assignment_declined":
        found = _match(r"^(?P<professional>.+?) heeft de zaak afgewezen\. Reden: ", text)
        return {"professional": found["professional"]} if found else None
    if kind == "assignment_replaced":
        found = _match(r"^Zaak herverdeeld van (?P<previous>.+?) naar (?P<professional>.+?)\. Reden: ", text)
        return dict(found) if found else None
    if kind == "intake_call":
        found = _match(r"\n\nBesproken: (?P<discussed>.*)$", text)
        if found:
            return {"discussed": found["discussed"], "details_changed": "toelichting aangepast" in text}
        return None
    if kind in ("decision_revised", "deadline_extended") and "reason" not in data:
        found = _match(r"\n\nReden: (?P<reason>.*)$", text)
        return dict(found) if found else None
    if kind == "measure_done":
        return _match(r"^Maatregel uitgevoerd: (?P<description>.*)$", text)
    if kind == "closed" and "disputes_last_day" not in data:
        if not data.get("follow_up_options"):
            return {"disputes_last_day": ""}
        found = _match(r"uiterlijk (?P<day>\d{2}-\d{2}-\d{4})", text)
        if found:
            day, month, year = NL_DATE.match(found["day"]).groups()  # type: ignore[union-attr]
            return {"disputes_last_day": datetime.date(int(year), int(month), int(day)).isoformat()}
        return None
    if kind == "closing_withdrawal":
        return _match(r"^Intrekking door de klager vastgelegd: (?P<evidence>.*)$", text)
    if kind == "closing_referral":
        return _match(r"^Doorverwijzing vastgelegd: (?P<evidence>.*)$", text)
    if kind == "meeting_cancelled" and "meeting_kind" not in data:
        meeting = apps.get_model("casework", "Meeting").objects.filter(pk=data.get("meeting_id")).first()
        if meeting is None:
            return None
        return {"meeting_kind": meeting.kind, "starts_at": meeting.starts_at.isoformat()}
    if kind == "record_document" and "file_name" not in data:
        found = _match(r"^Document toegevoegd: (?P<file_name>.*)$", text)
        return dict(found) if found else {"file_name": ""}
    if kind in ("complaint_part_added", "complaint_part_judged") and "position" not in data:
        return _match(r"^Klachtonderdeel (?P<position>\d+) ", text)
    if kind == "letter_to_post" and "letter_kind" not in data and data.get("kind"):
        return {"letter_kind": data["kind"], "has_email": "geen e-mailadres" not in text}
    if kind == "letter_posted" and "letter_kind" not in data:
        letter = apps.get_model("casework", "Letter").objects.filter(pk=data.get("letter_id")).first()
        return {"letter_kind": letter.kind} if letter is not None else None
    if kind == "attachment_added" and "content_type" not in data:
        return _match(r"^Bijlage toegevoegd \((?P<content_type>.*)\)$", text)
    if kind == "decision_drafted" and "created" not in data:
        return {"created": "voorbereid" in text}
    return None


def forwards(apps: Any, schema_editor: Any) -> None:
    # A decision recorded before it kept its language was sent with the complainant's
    # headings: keep it so when its PDF is made again.
    Complaint = apps.get_model("casework", "Complaint")
    apps.get_model("casework", "Decision").objects.update(
        language=models.Subquery(
            Complaint.objects.filter(pk=models.OuterRef("complaint_id")).values("language")[:1]
        )
    )
    TimelineEntry = apps.get_model("casework", "TimelineEntry")
    for entry in TimelineEntry.objects.exclude(summary="").iterator():
        recovered = recover(entry, apps)
        if recovered:
            entry.data = {**(entry.data or {}), **recovered}
            entry.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("casework", "0012_complaint_status_decided")]

    operations = [
        migrations.AlterField(
            model_name="timelineentry",
            name="summary",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="decision",
            name="language",
            field=models.CharField(default="nl", max_length=8),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
