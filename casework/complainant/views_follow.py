"""Following a complaint by secure link, on the provider's host, without an account.

Every page here is reached through a secret in its URL: none is cached, none
sends a referrer (so the link never leaks to another site), none is indexed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.complainant.display import (
    DECISION_BY_SLUG,
    DECISION_DONE,
    case_context,
    consent_actions,
    consent_confirmation,
    current_language,
    formal_done_message,
    private_link_page,
)
from casework.complainant.services import (
    CaseView,
    FollowLinkInvalid,
    claim_token_make,
    follow_case,
    follow_consent,
    follow_link_renew,
    follow_make_formal,
)
from casework.dossier.access_log import AccessChannel, Event, access_log_request, request_accessor
from casework.dossier.letters import letter_response, letters_of
from casework.models import Letter
from tenants.clusters import schema_context
from tenants.hosts import platform_url
from tenants.models import Provider


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    """A clear page for a link that does not (or no longer) work."""
    return render(
        request,
        "casework/follow/refused.html",
        {"reason": reason, "provider": request.tenant, "platform_url": platform_url("/mijn-klachten/")},
        status=404 if reason == "unknown" else 410,
    )


def _tenant(request: HttpRequest) -> Provider:
    return request.tenant  # type: ignore[attr-defined,no-any-return]


def _provider_host_only(request: HttpRequest) -> None:
    if request.tenant.is_platform:
        raise Http404


@require_GET
@private_link_page
def follow(request: HttpRequest, token: str) -> HttpResponse:
    _provider_host_only(request)
    try:
        case = follow_case(provider=request.tenant, token=token)
    except FollowLinkInvalid as exc:
        return _refused(request, exc.reason)
    access_log_request(request, Event.READ, complaint=case.complaint, channel=AccessChannel.FOLLOW_LINK)
    context = case_context(case)
    context["consent_actions"] = consent_actions(
        case, lambda slug: reverse("follow_consent", args=[token, slug])
    )
    context["formal_url"] = reverse("follow_formal", args=[token])
    context["renew_url"] = reverse("follow_renew", args=[token])
    context["account_url"] = reverse("follow_account", args=[token])
    context["rights_url"] = reverse("datarights_follow", args=[token])
    context["letters"] = _letter_rows(case, lambda pk: reverse("follow_letter", args=[token, pk]))
    return render(request, "casework/follow/case.html", context)


def _letter_rows(case: CaseView, url: Callable[[int], str]) -> list[dict[str, object]]:
    with schema_context(case.provider.schema_name):
        return [{"letter": letter, "url": url(letter.pk)} for letter in letters_of(case.complaint)]


@require_GET
@private_link_page
def letter(request: HttpRequest, token: str, letter_id: int) -> HttpResponse:
    """A letter from the dossier, for the holder of the follow link (who proves who they are by it)."""
    _provider_host_only(request)
    try:
        case = follow_case(provider=_tenant(request), token=token)
    except FollowLinkInvalid as exc:
        return _refused(request, exc.reason)
    with schema_context(case.provider.schema_name):
        found = (
            Letter.objects.select_related("complaint").filter(pk=letter_id, complaint=case.complaint).first()
        )
        if found is None:
            raise Http404
        access_log_request(
            request,
            Event.EXPORT,
            complaint=case.complaint,
            channel=AccessChannel.FOLLOW_LINK,
            subject="letter",
            detail=f"{found.kind} {found.pk}",
        )
        return letter_response(found)


@require_http_methods(["GET", "POST"])
@private_link_page
def consent(request: HttpRequest, token: str, decision_slug: str) -> HttpResponse:
    _provider_host_only(request)
    decision = DECISION_BY_SLUG.get(decision_slug)
    if decision is None:
        raise Http404
    page = reverse("follow", args=[token])
    try:
        if request.method == "POST":
            try:
                follow_consent(
                    provider=request.tenant,
                    token=token,
                    decision=decision,
                    language=current_language(),
                    accessor=request_accessor(request, channel=AccessChannel.FOLLOW_LINK),
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, DECISION_DONE[decision])
            return redirect(page)
        case = follow_case(provider=request.tenant, token=token)
    except FollowLinkInvalid as exc:
        return _refused(request, exc.reason)
    return consent_confirmation(request, case, decision, back=page)


@require_http_methods(["GET", "POST"])
@private_link_page
def formal(request: HttpRequest, token: str) -> HttpResponse:
    _provider_host_only(request)
    page = reverse("follow", args=[token])
    try:
        if request.method == "POST":
            try:
                case = follow_make_formal(
                    provider=request.tenant,
                    token=token,
                    accessor=request_accessor(request, channel=AccessChannel.FOLLOW_LINK),
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, formal_done_message(case.deadline))
            return redirect(page)
        case = follow_case(provider=request.tenant, token=token)
    except FollowLinkInvalid as exc:
        return _refused(request, exc.reason)
    if not case.can_make_formal:
        messages.info(request, _("Uw klacht wordt al formeel behandeld."))
        return redirect(page)
    return render(request, "casework/confirm_formal.html", {"complaint": case.complaint, "cancel_url": page})


@require_http_methods(["GET", "POST"])
@private_link_page
def renew(request: HttpRequest, token: str) -> HttpResponse:
    _provider_host_only(request)
    try:
        if request.method == "POST":
            fresh = follow_link_renew(
                provider=request.tenant,
                token=token,
                accessor=request_accessor(request, channel=AccessChannel.FOLLOW_LINK),
            )
            messages.success(
                request,
                _(
                    "Dit is uw nieuwe link. De oude link werkt niet meer. Bewaar deze pagina als "
                    "bladwijzer of kopieer het adres."
                ),
            )
            return redirect("follow", token=fresh)
        case = follow_case(provider=request.tenant, token=token)
    except FollowLinkInvalid as exc:
        return _refused(request, exc.reason)
    return render(
        request,
        "casework/follow/confirm_renew.html",
        {"complaint": case.complaint, "cancel_url": reverse("follow", args=[token])},
    )


@require_GET
@private_link_page
def account(request: HttpRequest, token: str) -> HttpResponse:
    """Carry the right to claim this complaint to the platform host, where accounts live."""
    _provider_host_only(request)
    try:
        claim_token = claim_token_make(provider=request.tenant, token=token)
    except FollowLinkInvalid as exc:
        return _refused(request, exc.reason)
    path = reverse("portal_claim", args=[claim_token], urlconf="klachtpunt.urls_public")
    return redirect(platform_url(path))
