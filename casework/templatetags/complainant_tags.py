"""Small words for the complainant's pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def days_left_label(days: int | None) -> str:
    """'nog 12 dagen', 'vandaag', '3 dagen over de termijn' (days counted in Europe/Amsterdam)."""
    if days is None:
        return ""
    if days == 0:
        return _("vandaag")
    if days > 0:
        return ngettext("nog %(count)d dag", "nog %(count)d dagen", days) % {"count": days}
    return ngettext("%(count)d dag over de termijn", "%(count)d dagen over de termijn", -days) % {
        "count": -days
    }
