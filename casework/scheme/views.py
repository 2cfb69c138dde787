"""The complaints scheme on the provider's host: public pages and PDF, and the admin's review page."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from casework.dossier.forms import put_errors
from casework.models import ComplaintsScheme
from casework.scheme.content import LANGUAGES
from casework.scheme.forms import SchemePublishForm
from casework.scheme.pdf import scheme_pdf
from casework.scheme.selectors import scheme_draft, scheme_in_force, scheme_published, scheme_version
from casework.scheme.services import scheme_draft_generate, scheme_publish
from reference.dates import today_amsterdam
from tenants.hosts import platform_url
from tenants.permissions import MANAGE_PROVIDER, provider_member_required
from tenants.tenancy import request_provider


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("taal", "")
    if asked in LANGUAGES:
        return asked
    current = (translation.get_language() or "nl")[:2]
    return current if current in LANGUAGES else "nl"


def _scheme_page(request: HttpRequest, scheme: ComplaintsScheme | None, *, in_force: bool) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        return render(
            request,
            "casework/scheme/public.html",
            {
                "provider": request_provider(request),
                "scheme": scheme,
                "sections": scheme.sections(language) if scheme else [],
                "language": language,
                "other_language": "en" if language == "nl" else "nl",
                "in_force": in_force,
            },
            status=200 if scheme else 404,
        )


@require_GET
def scheme_public(request: HttpRequest) -> HttpResponse:
    """The scheme in force today, in Dutch or English (``?taal=en``); public, no login."""
    return _scheme_page(request, scheme_in_force(), in_force=True)


@require_GET
def scheme_public_version(request: HttpRequest, version: int) -> HttpResponse:
    scheme = scheme_version(version)
    if scheme is None:
        raise Http404
    current = scheme_in_force()
    return _scheme_page(request, scheme, in_force=current is not None and current.pk == scheme.pk)


@require_GET
def scheme_versions(request: HttpRequest) -> HttpResponse:
    """Every published version with the date it took (or takes) effect."""
    language = _language(request)
    with translation.override(language):
        return render(
            request,
            "casework/scheme/versions.html",
            {
                "provider": request_provider(request),
                "versions": scheme_published(),
                "current": scheme_in_force(),
                "today": today_amsterdam(),
                "language": language,
            },
        )


@require_GET
def scheme_version_pdf(request: HttpRequest, version: int) -> HttpResponse:
    scheme = scheme_version(version)
    if scheme is None:
        raise Http404
    language = _language(request)
    provider = request_provider(request)
    body = scheme_pdf(
        provider_name=provider.name,
        scheme=scheme,
        language=language,
        page_url=request.build_absolute_uri(f"/klachtenregeling/versies/{scheme.version}/"),
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="klachtenregeling-{provider.slug}-v{scheme.version}-{language}.pdf"'
    )
    return response


@require_GET
def scheme_current_pdf(request: HttpRequest) -> HttpResponse:
    scheme = scheme_in_force()
    if scheme is None:
        raise Http404
    return scheme_version_pdf(request, scheme.version)


def _badge_snippet(slug: str) -> str:
    page = platform_url(f"/lidmaatschap/{slug}/")
    image = platform_url(f"/lidmaatschap/{slug}/badge.svg")
    alt = _("Aangesloten bij Klachtpunt: bekijk of het lidmaatschap actief is")
    return f'<a href="{page}"><img src="{image}" alt="{alt}" width="264" height="56"></a>'


@never_cache
@require_GET
@provider_member_required(perm=MANAGE_PROVIDER)
def scheme_manage(request: HttpRequest) -> HttpResponse:
    """The admin reviews the generated draft in both languages and publishes it."""
    return _manage_page(request)


def _manage_page(
    request: HttpRequest, *, publish_form: SchemePublishForm | None = None, status: int = 200
) -> HttpResponse:
    provider = request_provider(request)
    draft = scheme_draft()
    if publish_form is None and draft is not None:
        publish_form = SchemePublishForm(initial={"scheme_id": draft.pk, "effective_on": today_amsterdam()})
    return render(
        request,
        "casework/scheme/manage.html",
        {
            "provider": provider,
            "draft": draft,
            "draft_nl": draft.sections("nl") if draft else [],
            "draft_en": draft.sections("en") if draft else [],
            "publish_form": publish_form,
            "versions": scheme_published(),
            "current": scheme_in_force(),
            "badge_snippet": _badge_snippet(provider.slug),
            "badge_page": platform_url(f"/lidmaatschap/{provider.slug}/"),
        },
        status=status,
    )


@require_POST
@provider_member_required(perm=MANAGE_PROVIDER)
def scheme_generate(request: HttpRequest) -> HttpResponse:
    try:
        scheme_draft_generate(provider=request_provider(request), actor=cast(User, request.user))
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("Het concept is gemaakt. Lees het na en publiceer het."))
    return redirect("scheme_manage")


@require_POST
@provider_member_required(perm=MANAGE_PROVIDER)
def scheme_publish_draft(request: HttpRequest) -> HttpResponse:
    form = SchemePublishForm(request.POST)
    if form.is_valid():
        try:
            scheme = scheme_publish(
                provider=request_provider(request),
                scheme_id=form.cleaned_data["scheme_id"],
                actor=cast(User, request.user),
                effective_on=form.cleaned_data["effective_on"],
            )
        except ComplaintsScheme.DoesNotExist:
            raise Http404 from None
        except ValidationError as refusal:
            put_errors(form, refusal, fields=("effective_on",))
        else:
            messages.success(request, _("Versie %(version)d is gepubliceerd.") % {"version": scheme.version})
            return redirect("scheme_manage")
    return _manage_page(request, publish_form=form, status=400)
