"""What the complainant's pages (Mijn klachten and the follow link) share: words, headers, forms."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from casework.complainant.services import CaseView
from casework.consent.wording import consent_wording
from casework.dossier.events import COMPLAINANT, entry_text
from casework.index.models import Consent
from casework.models import Complaint, TimelineEntry

# The decision in a URL, in the complainant's words.
DECISION_BY_SLUG = {"geven": Consent.GIVEN, "weigeren": Consent.REFUSED, "intrekken": Consent.WITHDRAWN}
SLUG_BY_DECISION = {decision: slug for slug, decision in DECISION_BY_SLUG.items()}

DECISION_BUTTON = {
    Consent.GIVEN: _("Toestemming geven"),
    Consent.REFUSED: _("Geen toestemming geven"),
    Consent.WITHDRAWN: _("Toestemming intrekken"),
}
DECISION_TITLE = {
    Consent.GIVEN: _("Toestemming geven om uw klacht te delen"),
    Consent.REFUSED: _("Uw klacht niet delen met de zorgaanbieder"),
    Consent.WITHDRAWN: _("Toestemming intrekken"),
}
DECISION_EXPLAIN = {
    Consent.GIVEN: _(
        "Met uw toestemming kan de zorgaanbieder uw klacht lezen en behandelen. "
        "Hieronder staat precies waarmee u instemt."
    ),
    Consent.REFUSED: _(
        "De zorgaanbieder ziet uw klacht dan niet. Klachtpunt kan u wel helpen, bijvoorbeeld "
        "met advies. Een formele klacht heeft zonder toestemming geen wettelijke termijn. "
        "U kunt later alsnog toestemming geven."
    ),
    Consent.WITHDRAWN: _(
        "De zorgaanbieder ziet uw klacht dan niet meer. Wat al gedeeld is, blijft bij de "
        "zorgaanbieder bekend. U kunt later opnieuw toestemming geven."
    ),
}
DECISION_DONE = {
    Consent.GIVEN: _("Uw toestemming is vastgelegd. De zorgaanbieder kan uw klacht nu behandelen."),
    Consent.REFUSED: _("Vastgelegd: uw klacht wordt niet gedeeld met de zorgaanbieder."),
    Consent.WITHDRAWN: _("Uw toestemming is ingetrokken. De zorgaanbieder ziet uw klacht niet meer."),
}
CONSENT_STATE = {
    Consent.PENDING: _("U heeft nog niet gekozen of wij uw klacht mogen delen met de zorgaanbieder."),
    Consent.GIVEN: _("U heeft toestemming gegeven om uw klacht te delen met de zorgaanbieder."),
    Consent.REFUSED: _("U heeft geen toestemming gegeven: de zorgaanbieder ziet uw klacht niet."),
    Consent.WITHDRAWN: _("U heeft uw toestemming ingetrokken: de zorgaanbieder ziet uw klacht niet meer."),
}


def timeline_rows(case: CaseView) -> list[dict[str, Any]]:
    """Timeline entries in the reader's language, saying who did what."""
    return [
        {
            "at": entry.at,
            "label": entry_text(entry, reader=COMPLAINANT),
            "actor": _actor(entry, case.complaint),
        }
        for entry in case.timeline
    ]


def _actor(entry: TimelineEntry, complaint: Complaint) -> str:
    if entry.actor_user_id and entry.actor_user_id == complaint.complainant_user_id:
        return str(_("U"))
    if entry.actor_label:
        return entry.actor_label
    if entry.actor_user_id:
        return str(_("Klachtpunt"))
    return ""


def consent_actions(case: CaseView, url: Callable[[str], str]) -> list[dict[str, Any]]:
    """The consent buttons for ``case``; ``url(slug)`` builds each confirmation page's address."""
    return [
        {
            "url": url(SLUG_BY_DECISION[decision]),
            "label": DECISION_BUTTON[decision],
            "danger": decision in (Consent.REFUSED, Consent.WITHDRAWN),
        }
        for decision in case.consent_choices
    ]


def case_context(case: CaseView) -> dict[str, Any]:
    return {
        "case": case,
        "complaint": case.complaint,
        "timeline": timeline_rows(case),
        "consent_state": CONSENT_STATE.get(case.complaint.consent, ""),
    }


_View = TypeVar("_View", bound=Callable[..., HttpResponse])


def private_link_page(view: _View) -> _View:
    """A page reached by a secret link: never cached, never sent on as a referrer, never indexed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        # same-origin: the link never leaves in a Referer header to another
        # site, and same-origin POSTs keep a real Origin (CSRF, language switch).
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped  # type: ignore[return-value]


def formal_done_message(deadline: datetime.date | None) -> str:
    if deadline:
        return gettext(
            "Uw klacht wordt nu formeel behandeld. De zorgaanbieder geeft uiterlijk %(date)s een oordeel."
        ) % {"date": date_format(deadline, "j F Y")}
    return gettext(
        "Uw klacht wordt nu formeel behandeld. De wettelijke termijn gaat in zodra u "
        "toestemming geeft om de klacht te delen met de zorgaanbieder."
    )


def current_language() -> str:
    """The page's language as a two-letter code (the consent wording follows it)."""
    return (get_language() or "nl")[:2]


def consent_confirmation(request: HttpRequest, case: CaseView, decision: str, *, back: str) -> HttpResponse:
    """Ask to confirm a consent ``decision`` with the wording shown, or go ``back`` when it no longer applies.

    The same page for the follow link and for Mijn klachten; each view guards its own way in.
    """
    if decision not in case.consent_choices:
        messages.info(request, gettext("Die keuze is nu niet mogelijk."))
        return redirect(back)
    choice = Consent(decision)
    return render(
        request,
        "casework/confirm_consent.html",
        {
            "complaint": case.complaint,
            "title": DECISION_TITLE[choice],
            "explain": DECISION_EXPLAIN[choice],
            "wording": consent_wording(current_language()),
            "button": DECISION_BUTTON[choice],
            "danger": choice != Consent.GIVEN,
            "cancel_url": back,
        },
    )
