"""Template helpers for the coordinator queue."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from casework.triage.selectors import FacetOption

register = template.Library()


@register.simple_tag
def facet_options(options: list[FacetOption], selected: str) -> SafeString:
    """``<option>`` elements for a filter, each with its count.

    Built here rather than in a template loop: a queue over 500 providers has
    500 of them, and the template engine would spend most of the page's time on them.
    """
    return mark_safe(  # noqa: S308 (every value is escaped)  # nosec B308 B703  # every value is escaped below
        "".join(
            f'<option value="{escape(o.value)}"{" selected" if o.value == selected else ""}>'
            f"{escape(o.label)} ({o.count})</option>"
            for o in options
        )
    )
