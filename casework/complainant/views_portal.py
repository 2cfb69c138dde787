"""The complainant's portal on the platform host: filing against any provider, and Mijn klachten."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import signed_in
from casework.complainant.display import (
    DECISION_BY_SLUG,
    DECISION_DONE,
    case_context,
    consent_actions,
    consent_confirmation,
    current_language,
    formal_done_message,
)
from casework.complainant.forms import ClaimByReferenceForm
from casework.complainant.selectors import my_privacy_requests
from casework.complainant.services import (
    CaseNotFound,
    ClaimRefused,
    claim_preview,
    complaint_claim,
    complaint_claim_by_email,
    my_case,
    my_case_consent,
    my_case_make_formal,
    my_cases,
    portal_complaint_file,
)
from casework.dossier.access_log import AccessChannel, Event, access_log_request, request_accessor
from casework.dossier.letters import letter_response, letters_of
from casework.index.models import Service
from casework.intake.forms import ComplaintForm, ProviderSearchForm, complaint_form_for
from casework.intake.services import CONFLICT_MESSAGE, IdempotencyConflict, form_key_or_new, new_form_key
from casework.models import Letter
from tenants.clusters import schema_context
from tenants.hosts import provider_url
from tenants.models import Provider
from tenants.selectors import provider_by_slug, provider_search

CLAIM_REFUSED = {
    "invalid": gettext_lazy(
        "Deze koppellink is niet geldig. Open uw volglink opnieuw en kies nog eens "
        "“Account maken of inloggen”."
    ),
    "expired": gettext_lazy(
        "Deze koppellink is verlopen. Open uw volglink opnieuw en kies nog eens “Account maken of inloggen”."
    ),
    "link_invalid": gettext_lazy(
        "De volglink waarmee deze koppeling begon is ingetrokken of verlopen. Gebruik de nieuwste link."
    ),
    "taken": gettext_lazy("Deze klacht is al gekoppeld aan een ander account."),
    "unverified": gettext_lazy("Bevestig eerst uw e-mailadres; daarna kunt u een klacht koppelen."),
    "no_match": gettext_lazy(
        "We vonden geen klacht met dit kenmerk en uw e-mailadres. Controleer het kenmerk, of gebruik "
        "de link uit de ontvangstbevestiging."
    ),
}


# Mijn klachten is the complainant's own channel, whatever other roles the account has.
PORTAL = AccessChannel.COMPLAINANT_PORTAL


# --- Filing ------------------------------------------------------------------


@require_GET
def file_start(request: HttpRequest) -> HttpResponse:
    """Filing without an account: find the provider, then use its own complaint form.

    The provider's form asks no account, so the platform must not put a login in front of it;
    Mijn klachten (with an account) stays the second way in.
    """
    form = ProviderSearchForm(request.GET if "q" in request.GET else None)
    providers, more = provider_search(query=form.cleaned_data["q"]) if form.is_valid() else ([], False)
    form_path = reverse("complaint_page", urlconf="klachtpunt.urls_tenant")
    for provider in providers:
        provider.form_url = provider_url(provider, form_path)
    return render(
        request,
        "casework/portal/file_start.html",
        {
            "form": form,
            "providers": providers,
            "more": more,
            "searched": form.is_bound,
            "portal_cases_url": reverse("portal_cases"),
        },
    )


@require_GET
@login_required
def file_search(request: HttpRequest) -> HttpResponse:
    form = ProviderSearchForm(request.GET if "q" in request.GET else None)
    providers, more = provider_search(query=form.cleaned_data["q"]) if form.is_valid() else ([], False)
    return render(
        request,
        "casework/portal/file_search.html",
        {"form": form, "providers": providers, "more": more, "searched": form.is_bound},
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def file_complaint(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        provider = provider_by_slug(slug=slug)
    except Provider.DoesNotExist as exc:
        raise Http404 from exc
    initial = {"complainant_name": request.user.display_name, "complainant_email": request.user.email}
    form = complaint_form_for(provider, ComplaintForm, request, initial=initial)
    form_key = form_key_or_new(request.POST.get("form_key"))
    if request.method == "POST" and form.is_valid():
        try:
            result = portal_complaint_file(
                provider=provider,
                user=signed_in(request),
                submission=form.submission(),
                form_key=form_key,
                accessor=request_accessor(request, provider=provider, channel=PORTAL),
                attachments=form.checked_files,
            )
        except IdempotencyConflict:
            form.add_error(None, CONFLICT_MESSAGE)
            form_key = new_form_key()
        else:
            return redirect("portal_filed", reference=result.complaint.reference)
    return render(
        request,
        "casework/portal/file_complaint.html",
        {
            "form": form,
            "provider": provider,
            "form_key": form_key,
            # With the dpo service, the page also points to a request about one's data.
            "privacy_request": Service.DPO in (provider.services or []),
        },
    )


@require_GET
@never_cache
@login_required
def filed(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = my_case(user=signed_in(request), reference=reference)
    except CaseNotFound as exc:
        raise Http404 from exc
    access_log_request(
        request,
        Event.READ,
        channel=PORTAL,
        role="complainant",
        provider=case.provider,
        complaint=case.complaint,
    )
    return render(request, "casework/portal/filed.html", {"case": case, "complaint": case.complaint})


# --- Mijn klachten -----------------------------------------------------------


@require_GET
@never_cache
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "casework/portal/case_list.html",
        {
            "cases": my_cases(user=signed_in(request)),
            "privacy_requests": my_privacy_requests(user=signed_in(request)),
            "claim_form": ClaimByReferenceForm(),
        },
    )


@require_GET
@never_cache
@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = my_case(user=signed_in(request), reference=reference)
    except CaseNotFound as exc:
        raise Http404 from exc
    access_log_request(
        request,
        Event.READ,
        channel=PORTAL,
        role="complainant",
        provider=case.provider,
        complaint=case.complaint,
    )
    context = case_context(case)
    context["consent_actions"] = consent_actions(
        case, lambda slug: reverse("portal_case_consent", args=[reference, slug])
    )
    context["formal_url"] = reverse("portal_case_formal", args=[reference])
    with schema_context(case.provider.schema_name):
        context["letters"] = [
            {"letter": letter, "url": reverse("portal_case_letter", args=[reference, letter.pk])}
            for letter in letters_of(case.complaint)
        ]
    return render(request, "casework/portal/case_detail.html", context)


@require_GET
@never_cache
@login_required
def case_letter(request: HttpRequest, reference: str, letter_id: int) -> HttpResponse:
    """A letter from the complainant's own dossier, after logging in."""
    try:
        case = my_case(user=signed_in(request), reference=reference)
    except CaseNotFound as exc:
        raise Http404 from exc
    with schema_context(case.provider.schema_name):
        found = (
            Letter.objects.select_related("complaint").filter(pk=letter_id, complaint=case.complaint).first()
        )
        if found is None:
            raise Http404
        access_log_request(
            request,
            Event.EXPORT,
            channel=PORTAL,
            role="complainant",
            provider=case.provider,
            complaint=case.complaint,
            subject="letter",
            detail=f"{found.kind} {found.pk}",
        )
        return letter_response(found)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def case_consent(request: HttpRequest, reference: str, decision_slug: str) -> HttpResponse:
    decision = DECISION_BY_SLUG.get(decision_slug)
    if decision is None:
        raise Http404
    detail = reverse("portal_case", args=[reference])
    if request.method == "POST":
        try:
            my_case_consent(
                user=signed_in(request),
                reference=reference,
                decision=decision,
                language=current_language(),
                accessor=request_accessor(request, reference=reference, channel=PORTAL, role="complainant"),
            )
        except CaseNotFound as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(detail)
        messages.success(request, DECISION_DONE[decision])
        return redirect(detail)
    try:
        case = my_case(user=signed_in(request), reference=reference)
    except CaseNotFound as exc:
        raise Http404 from exc
    return consent_confirmation(request, case, decision, back=detail)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def case_formal(request: HttpRequest, reference: str) -> HttpResponse:
    detail = reverse("portal_case", args=[reference])
    if request.method == "POST":
        try:
            case = my_case_make_formal(
                user=signed_in(request),
                reference=reference,
                accessor=request_accessor(request, reference=reference, channel=PORTAL, role="complainant"),
            )
        except CaseNotFound as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, formal_done_message(case.deadline))
        return redirect(detail)
    try:
        case = my_case(user=signed_in(request), reference=reference)
    except CaseNotFound as exc:
        raise Http404 from exc
    if not case.can_make_formal:
        messages.info(request, _("Uw klacht wordt al formeel behandeld."))
        return redirect(detail)
    return render(
        request, "casework/confirm_formal.html", {"complaint": case.complaint, "cancel_url": detail}
    )


# --- Claiming a complaint filed without an account ------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def claim(request: HttpRequest, claim_token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            row = complaint_claim(
                user=signed_in(request),
                claim_token=claim_token,
                accessor=request_accessor(request, channel=PORTAL, role="complainant"),
            )
            messages.success(
                request,
                _("Klacht %(reference)s staat nu in Mijn klachten.") % {"reference": row.reference},
            )
            return redirect("portal_case", reference=row.reference)
        target = claim_preview(claim_token=claim_token)
    except ClaimRefused as exc:
        return render(
            request,
            "casework/portal/claim_refused.html",
            {"message": CLAIM_REFUSED.get(exc.reason, CLAIM_REFUSED["invalid"])},
            status=410 if exc.reason in ("expired", "link_invalid") else 400,
        )
    return render(request, "casework/portal/claim.html", {"target": target})


@require_POST
@login_required
def claim_by_reference(request: HttpRequest) -> HttpResponse:
    form = ClaimByReferenceForm(request.POST)
    if form.is_valid():
        try:
            row = complaint_claim_by_email(
                user=signed_in(request),
                reference=form.cleaned_data["reference"],
                accessor=request_accessor(request, channel=PORTAL, role="complainant"),
            )
        except ClaimRefused as exc:
            form.add_error("reference", CLAIM_REFUSED.get(exc.reason, CLAIM_REFUSED["no_match"]))
        else:
            messages.success(
                request,
                _("Klacht %(reference)s staat nu in Mijn klachten.") % {"reference": row.reference},
            )
            return redirect("portal_case", reference=row.reference)
    return render(
        request,
        "casework/portal/case_list.html",
        {"cases": my_cases(user=signed_in(request)), "claim_form": form},
        status=400,
    )
