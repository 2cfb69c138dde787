"""The dpo service on a provider's host: the request form in the widget, and the provider's register.

The request form is the complaint widget's twin: the same guard (signed
token, proof of work, honeypot, rate limits, idempotency key) and no cookies,
so it works inside the provider's website. The provider's members enter
requests that reached them and report breaches; they see their own register.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from casework.complainant.display import private_link_page
from casework.dossier.access_log import AccessChannel, Event, access_log_request, accessor_from_request
from casework.intake.guard import (
    HONEYPOT_FIELD,
    IDEMPOTENCY_FIELD,
    IDEMPOTENCY_RE,
    POW_FIELD,
    TOKEN_FIELD,
    IntakeRefused,
    form_token_make,
    intake_guard,
    pow_challenge_create,
    request_size_check,
)
from casework.intake.views import CHALLENGE_URL, frame_ancestors
from casework.models import Breach, PrivacyRequest
from casework.privacy import delivery, services
from casework.privacy import forms as f
from casework.privacy.pdf import annual_report_pdf
from casework.privacy.selectors import dpo_annual_report
from casework.privacy.services import PrivacyError
from tenants.clusters import schema_context
from tenants.permissions import provider_member_required
from tenants.widget import widget_allowed_origins


def _dpo_provider(request: HttpRequest) -> Any:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform or not services.provider_has_dpo(tenant):
        raise Http404
    return tenant


def _key(value: str | None) -> str:
    return value if value and IDEMPOTENCY_RE.match(value) else secrets.token_hex(16)


def _request_form(request: HttpRequest, *, embedded: bool) -> HttpResponse:
    provider = _dpo_provider(request)
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        # The iframe has no language cookie: the embedding script's data-lang decides.
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
    allowed = widget_allowed_origins(provider) if embedded else []
    parent = request.GET.get("parent", "") if request.GET.get("parent", "") in allowed else ""
    query = request.META.get("QUERY_STRING", "")
    context: dict[str, Any] = {
        "provider": provider,
        "embedded": embedded,
        "parent_origin": parent,
        "action": request.path + (f"?{query}" if query else ""),
        "complaint_url": ("/widget/" if embedded else "/klacht/") + (f"?{query}" if query else ""),
        "lang": lang,
    }

    def respond(form: f.RequestForm, status: int, **extra: Any) -> HttpResponse:
        page = {
            **context,
            "form": form,
            "token": form_token_make(provider),
            "challenge": pow_challenge_create(provider),
            "challenge_url": CHALLENGE_URL,
            "field_names": {
                "token": TOKEN_FIELD,
                "pow": POW_FIELD,
                "honeypot": HONEYPOT_FIELD,
                "idempotency": IDEMPOTENCY_FIELD,
            },
            **extra,
        }
        template = "casework/privacy/widget_frame.html" if embedded else "casework/privacy/widget_page.html"
        response = render(request, template, page, status=status)
        response["Cache-Control"] = "no-store"
        if embedded:
            response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    if embedded:
        request.csp_frame_ancestors = frame_ancestors(allowed)  # type: ignore[attr-defined]
    if request.method != "POST":
        return respond(f.RequestForm(), 200, idempotency_key=_key(None))
    key = _key(request.POST.get(IDEMPOTENCY_FIELD))
    try:
        request_size_check(request)
        intake_guard(
            request,
            provider,
            token=request.POST.get(TOKEN_FIELD),
            pow_payload=request.POST.get(POW_FIELD),
            honeypot=request.POST.get(HONEYPOT_FIELD),
            idempotency_key=key,
        )
    except IntakeRefused as refusal:
        form = f.RequestForm(initial={name: request.POST.get(name, "") for name in f.RequestForm.base_fields})
        return respond(form, refusal.status, idempotency_key=key, refusal=refusal)
    form = f.RequestForm(request.POST)
    if not form.is_valid():
        return respond(form, 400, idempotency_key=key)
    data = form.cleaned_data
    try:
        record, created = services.privacy_request_submit(
            provider=provider,
            accessor=accessor_from_request(request, provider=provider, channel=AccessChannel.WIDGET),
            kind=data["kind"],
            via=PrivacyRequest.Via.WIDGET,
            requester_name=data["requester_name"],
            requester_email=data["requester_email"],
            requester_phone=data["requester_phone"],
            on_behalf_of=data["on_behalf_of"],
            description=data["description"],
            language=(get_language() or "nl")[:2],
            idempotency_key=key,
        )
    except PrivacyError as refusal:
        form.add_error(None, str(refusal))
        return respond(form, 400, idempotency_key=key)
    return respond(
        form,
        201 if created else 200,
        done=True,
        reference=record.reference,
        due_on=services.request_due_on(record),
        idempotency_key=key,
    )


@csrf_exempt  # no cookies in a third-party iframe: origin, signed token and proof of work instead
@xframe_options_exempt  # frame-ancestors, from the provider's allowed sites, decides instead
@require_http_methods(["GET", "POST"])
def widget_request(request: HttpRequest) -> HttpResponse:
    """``/widget/avg-verzoek/``: the data-subject request form inside the provider's website."""
    return _request_form(request, embedded=True)


@csrf_exempt  # the same checks as the widget, so the two behave alike
@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest) -> HttpResponse:
    """``/avg-verzoek/``: the same form as a plain page on the provider's host."""
    return _request_form(request, embedded=False)


@provider_member_required()
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """The provider's own register: its requests and breaches, routing facts only."""
    provider = _dpo_provider(request)
    with schema_context(provider.schema_name):
        requests = list(
            PrivacyRequest.objects.only(
                "reference", "kind", "received_on", "extended_due_on", "status", "outcome"
            )[:200]
        )
        breaches = list(
            Breach.objects.only("reference", "kind", "aware_at", "status", "risk", "ap_notified_at")[:200]
        )
    rows = [(item, services.request_due_on(item)) for item in requests]
    appointment = services.provider_dpo(provider)
    return render(
        request,
        "casework/privacy/provider_register.html",
        {
            "requests": rows,
            "breaches": breaches,
            "dpo": appointment.professional if appointment is not None else None,
        },
    )


@provider_member_required()
@require_http_methods(["GET", "POST"])
def request_enter(request: HttpRequest) -> HttpResponse:
    provider = _dpo_provider(request)
    form = f.StaffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record, _created = services.privacy_request_submit(
                provider=provider,
                accessor=accessor_from_request(request, provider=provider),
                via=PrivacyRequest.Via.PROVIDER,
                entered_by=cast(User, request.user),
                **data,
            )
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Verzoek %(reference)s is doorgezet naar de functionaris gegevensbescherming.")
                % {"reference": record.reference},
            )
            return redirect("provider_privacy")
    return render(
        request, "casework/privacy/provider_form.html", {"form": form, "title": _("AVG-verzoek invoeren")}
    )


@provider_member_required()
@require_http_methods(["GET", "POST"])
def breach_enter(request: HttpRequest) -> HttpResponse:
    provider = _dpo_provider(request)
    form = f.BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            breach = services.breach_report(
                provider=provider,
                accessor=accessor_from_request(request, provider=provider),
                reporter=cast(User, request.user),
                **form.cleaned_data,
            )
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Datalek %(reference)s is gemeld aan de functionaris gegevensbescherming.")
                % {"reference": breach.reference},
            )
            return redirect("provider_privacy")
    return render(
        request, "casework/privacy/provider_form.html", {"form": form, "title": _("Datalek melden")}
    )


@provider_member_required(admin=True)
@require_GET
def annual_report(request: HttpRequest, year: int) -> HttpResponse:
    """The provider's own DPO report, next to its complaints report: counts only, no people."""
    provider = _dpo_provider(request)
    if not 2000 <= year <= timezone.localdate().year:
        raise Http404
    report = dpo_annual_report(provider=provider, year=year)
    if request.GET.get("formaat") == "pdf":
        response = HttpResponse(
            annual_report_pdf(provider=provider, report=report), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="fg-jaarverslag-{provider.slug}-{year}.pdf"'
        return response
    return render(
        request,
        "casework/privacy/provider_report.html",
        {"provider": provider, "report": report, "years": f.year_choices()},
    )


@require_GET
@private_link_page
def answer_download(request: HttpRequest, token: str) -> HttpResponse:
    """``/avg-verzoek/antwoord/<token>/``: the answer letter for whoever holds the secret link.

    The link went only to the requester's address (casework.privacy.delivery);
    holding it is how they prove who they are, as on the complaint follow page.
    Served even if the provider has since left the dpo service: the answer is owed.
    """
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform:
        raise Http404
    with schema_context(tenant.schema_name):
        found = delivery.answer_for_token(token)
        if found is None:
            raise Http404
        access_log_request(
            request,
            Event.EXPORT,
            provider=tenant,
            reference=found.reference,
            subject="privacy_request",
            detail="answer letter",
            channel=AccessChannel.FOLLOW_LINK,
        )
        delivery.answer_downloaded(found)
        return delivery.answer_response(found)
