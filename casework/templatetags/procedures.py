"""Panels of mediation, the committee and confidant support on other features' pages.

``{% complainant_procedure case %}`` on the complainant's case page (Mijn
klachten and the follow link) and ``{% provider_procedure complaint %}`` on
the provider's complaint page. Both read through the gates in
``casework.procedures.selectors``; the page's own view writes the
access-log entry for reading it. Their forms post under the page's own
address (``request.path``), where ``casework.procedures.urls_platform`` and
``casework.procedures.urls_provider`` take them.
"""

from __future__ import annotations

from typing import Any

from django import template

from casework.complainant.services import CaseView
from casework.models import Complaint
from casework.procedures.views_parties import complainant_panels, provider_panels

register = template.Library()


# The query parameter that pages through "who looked at your dossier".
ACCESS_PAGE_PARAM = "inzage"


def _base(context: template.Context) -> str:
    request = context.get("request")
    return request.path if request is not None else ""


@register.inclusion_tag("casework/procedures/complainant_panels.html", takes_context=True)
def complainant_procedure(context: template.Context, case: CaseView) -> dict[str, Any]:
    request = context.get("request")
    access_page = request.GET.get(ACCESS_PAGE_PARAM, 1) if request is not None else 1
    return {
        **complainant_panels(case, base_url=_base(context), access_page=access_page),
        "access_page_param": ACCESS_PAGE_PARAM,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("casework/procedures/provider_panels.html", takes_context=True)
def provider_procedure(context: template.Context, complaint: Complaint) -> dict[str, Any]:
    request = context["request"]
    return {
        **provider_panels(provider=request.tenant, complaint=complaint, base_url=_base(context)),
        "csrf_token": context.get("csrf_token"),
        "show_visibility": False,
    }
