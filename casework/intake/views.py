"""The complaint widget: the embedding script, the form in an iframe, the plain form page, settings.

The form pages never set a cookie: a signed token and a proof-of-work
solution stand in for CSRF (casework.intake.guard). The iframe page may be
framed by the provider's allowed sites only (``frame-ancestors``); every
other page keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from casework.dossier.access_log import AccessChannel, request_accessor
from casework.intake.forms import ComplaintForm
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
from casework.intake.holding import form_hold, moving_to
from casework.intake.services import (
    CONFLICT_MESSAGE,
    IdempotencyConflict,
    SubmitResult,
    widget_complaint_submit,
)
from reference.deadline_rules import complaint_deadline
from tenants.clusters import clustered
from tenants.forms import ORIGIN_RE
from tenants.hosts import platform_url
from tenants.models import Provider
from tenants.widget import widget_allowed_origins

CHALLENGE_URL = "/api/v1/complaints/challenge"


# Fields whose typed values are put back into the form after a refusal.
_TYPED_FIELDS = [name for name in ComplaintForm.base_fields if name != "attachments"]


def _provider_only(request: HttpRequest) -> None:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform:
        raise Http404


@functools.cache
def _static_path(path: str) -> Path:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    return Path(found)


@require_GET
def widget_script(request: HttpRequest) -> HttpResponse:
    """``/widget.js``: finds ``[data-klachtpunt-widget]`` and puts the form's iframe there."""
    _provider_only(request)
    body = _static_path("casework/widget.js").read_bytes()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    # Loaded by other sites' pages: it must not be held to same-origin.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def frame_ancestors(origins: list[str]) -> str:
    """The CSP ``frame-ancestors`` sources for the widget: the provider's own host and its allowed sites.

    A stored origin is checked again here, so nothing but an origin ever reaches the header.
    """
    return " ".join(["'self'", *(origin for origin in origins if ORIGIN_RE.match(origin))])


def _idempotency_key(value: str | None) -> str:
    if value and IDEMPOTENCY_RE.match(value):
        return value
    return secrets.token_urlsafe(24)


def _activate_language(request: HttpRequest) -> str:
    """``?lang=en`` (from the embedding script's ``data-lang``) wins: the iframe has no language cookie."""
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        return lang
    return ""


def _parent_origin(request: HttpRequest, allowed: list[str]) -> str:
    """The embedding page's origin, when it is one of the allowed sites: the only target for postMessage."""
    parent = request.GET.get("parent", "")
    return parent if parent in allowed else ""


def _query(parent: str, lang: str) -> str:
    params = {key: value for key, value in (("parent", parent), ("lang", lang)) if value}
    return f"?{urlencode(params)}" if params else ""


def _prepare(form: ComplaintForm) -> ComplaintForm:
    """Adjust the shared form for showing: the page marks optional fields itself."""
    form.fields["attachments"].label = _("Bijlagen")
    form["attachments"].label = form.fields["attachments"].label  # already bound after validation
    # The form demands an e-mail address in clean(); show it as required too.
    form.fields["complainant_email"].required = form.require_email
    return form


def _form_context(
    request: HttpRequest,
    form: ComplaintForm,
    *,
    idempotency_key: str,
    refusal: IntakeRefused | None = None,
    files_dropped: bool = False,
) -> dict[str, Any]:
    provider = request.tenant
    return {
        "provider": provider,
        "form": _prepare(form),
        "token": form_token_make(provider),
        "challenge": pow_challenge_create(provider),
        "challenge_url": CHALLENGE_URL,
        "idempotency_key": idempotency_key,
        "refusal": refusal,
        "files_dropped": files_dropped,
        "field_names": {
            "token": TOKEN_FIELD,
            "pow": POW_FIELD,
            "honeypot": HONEYPOT_FIELD,
            "idempotency": IDEMPOTENCY_FIELD,
        },
    }


def _done_context(request: HttpRequest, result: SubmitResult) -> dict[str, Any]:
    complaint = result.complaint
    return {
        "provider": request.tenant,
        "done": True,
        "reference": complaint.reference,
        "track": complaint.track,
        "consent": complaint.consent,
        "deadline": complaint_deadline(complaint),
        "follow_url": request.build_absolute_uri(f"/volg/{result.follow_token}/")
        if result.follow_token
        else None,
        "replayed": not result.created,
        "signup_url": platform_url("/accounts/signup/"),
        "email": complaint.complainant_email,
    }


class DiscardUploadHandler(FileUploadHandler):
    """Reads uploaded files in small chunks and keeps nothing of them."""

    chunk_size = 64 * 1024

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


def _posted(request: HttpRequest) -> dict[str, str]:
    """The posted form fields, or nothing when the body cannot be read as a form."""
    try:
        return request.POST.dict()
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        return {}


def _typed_values(posted: dict[str, str]) -> dict[str, str]:
    return {name: posted[name] for name in _TYPED_FIELDS if posted.get(name)}


def _intake(request: HttpRequest, *, embedded: bool) -> HttpResponse:
    """The form's GET and POST, for the iframe (``embedded``) and for the plain page."""
    _provider_only(request)
    provider = request.tenant
    lang = _activate_language(request)
    allowed = widget_allowed_origins(provider) if embedded else []
    parent = _parent_origin(request, allowed) if embedded else ""
    template = "casework/widget/frame.html" if embedded else "casework/widget/page.html"
    base = {"embedded": embedded, "parent_origin": parent, "action": request.path + _query(parent, lang)}

    def respond(context: dict[str, Any], status: int, retry_after: int | None = None) -> HttpResponse:
        response = render(request, template, {**base, **context}, status=status)
        response["Cache-Control"] = "no-store"
        if retry_after:
            response["Retry-After"] = str(retry_after)
        if embedded:
            response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    if embedded:
        request.csp_frame_ancestors = frame_ancestors(allowed)  # type: ignore[attr-defined]

    if request.method != "POST":
        form = ComplaintForm()
        return respond(_form_context(request, form, idempotency_key=_idempotency_key(None)), 200)

    try:
        request_size_check(request)
    except IntakeRefused as refusal:
        # Keep what was typed; let the oversized files stream past unstored.
        request.upload_handlers = [DiscardUploadHandler(request)]
        posted = _posted(request)
        form = ComplaintForm(initial=_typed_values(posted))
        key = _idempotency_key(posted.get(IDEMPOTENCY_FIELD))
        return respond(
            _form_context(request, form, idempotency_key=key, refusal=refusal, files_dropped=True),
            refusal.status,
        )

    post = request.POST
    files = request.FILES.getlist("attachments")
    key = _idempotency_key(post.get(IDEMPOTENCY_FIELD))
    try:
        intake_guard(
            request,
            provider,
            token=post.get(TOKEN_FIELD),
            pow_payload=post.get(POW_FIELD),
            honeypot=post.get(HONEYPOT_FIELD),
            idempotency_key=key,
        )
    except IntakeRefused as refusal:
        form = ComplaintForm(initial=_typed_values(post.dict()))
        return respond(
            _form_context(request, form, idempotency_key=key, refusal=refusal, files_dropped=bool(files)),
            refusal.status,
            refusal.retry_after,
        )

    form = ComplaintForm(post, request.FILES)
    if not form.is_valid():
        return respond(_form_context(request, form, idempotency_key=key, files_dropped=bool(files)), 400)
    target = moving_to(provider) if clustered() else ""
    if target:
        return _hold(request, respond, form, provider=provider, target=target, key=key)
    try:
        result = widget_complaint_submit(
            provider=provider,
            submission=form.submission(),
            accessor=request_accessor(request, provider=provider, channel=AccessChannel.WIDGET),
            attachments=form.checked_files,
            idempotency_key=key,
        )
    except IdempotencyConflict:
        # A fresh key: sending the changed form again files it as a new complaint.
        conflict = IntakeRefused("idempotency_conflict", str(CONFLICT_MESSAGE), 409)
        form = ComplaintForm(initial=_typed_values(post.dict()))
        return respond(
            _form_context(
                request,
                form,
                idempotency_key=_idempotency_key(None),
                refusal=conflict,
                files_dropped=bool(files),
            ),
            conflict.status,
        )
    return respond(_done_context(request, result), 201 if result.created else 200)


def _hold(
    request: HttpRequest,
    respond: Callable[..., HttpResponse],
    form: ComplaintForm,
    *,
    provider: Provider,
    target: str,
    key: str,
) -> HttpResponse:
    """The provider is moving to another cluster: hold the complaint until it is filed there."""
    post = request.POST
    try:
        held = form_hold(request, form, provider=provider, target=target, key=key)
    except IntakeRefused as refusal:
        # Attachments are not held: the form comes back as typed, to send again in a minute.
        return respond(
            _form_context(
                request,
                ComplaintForm(initial=_typed_values(post.dict())),
                idempotency_key=key,
                refusal=refusal,
            ),
            refusal.status,
            refusal.retry_after,
        )
    except IdempotencyConflict:
        conflict = IntakeRefused("idempotency_conflict", str(CONFLICT_MESSAGE), 409)
        return respond(
            _form_context(
                request,
                ComplaintForm(initial=_typed_values(post.dict())),
                idempotency_key=_idempotency_key(None),
                refusal=conflict,
            ),
            conflict.status,
        )
    context = {
        "provider": provider,
        "done": True,
        "held": True,
        "replayed": not held.created,
        "signup_url": platform_url("/accounts/signup/"),
        "email": form.submission().complainant_email,
    }
    return respond(context, 202)


@csrf_exempt  # no cookies in a third-party iframe: origin, signed token and proof of work instead
@xframe_options_exempt  # frame-ancestors, from the provider's allowed sites, decides instead
@require_http_methods(["GET", "POST"])
def widget_form(request: HttpRequest) -> HttpResponse:
    """``/widget/``: the complaint form inside the provider's own website."""
    return _intake(request, embedded=True)


@csrf_exempt  # the same checks as the widget, so the two behave alike
@require_http_methods(["GET", "POST"])
def complaint_page(request: HttpRequest) -> HttpResponse:
    """``/klacht/``: the same form as a plain page on the provider's host."""
    return _intake(request, embedded=False)
