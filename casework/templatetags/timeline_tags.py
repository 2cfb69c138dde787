"""Template helpers for timelines: an event rendered in the reader's language."""

from __future__ import annotations

from django import template

from casework.dossier.events import entry_text
from casework.models import TimelineEntry

register = template.Library()


@register.filter
def event_text(entry: TimelineEntry) -> str:
    """What ``entry`` says, in the active language (``{{ entry|event_text|linebreaksbr }}``)."""
    return entry_text(entry)
