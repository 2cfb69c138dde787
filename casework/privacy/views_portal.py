"""The dpo service in the complainant's portal: a signed-in person files an AVG request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import signed_in
from casework.dossier.access_log import AccessChannel, Event, access_log_request, request_accessor
from casework.index.models import CaseIndex, CaseKind
from casework.intake.services import form_key_or_new, new_form_key
from casework.models import PrivacyRequest
from casework.privacy import delivery, services
from casework.privacy import forms as f
from casework.privacy.services import PrivacyError, provider_has_dpo
from tenants.clusters import schema_context
from tenants.models import Provider
from tenants.selectors import provider_by_slug


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def portal_request(request: HttpRequest, slug: str) -> HttpResponse:
    """``/avg-verzoek-indienen/<slug>/``: an AVG request to a provider with the dpo service.

    The requester is the signed-in account: the request is theirs in Mijn klachten,
    and a resubmitted form (same key) gives back their own request, never another's.
    """
    try:
        provider = provider_by_slug(slug=slug)
    except Provider.DoesNotExist as exc:
        raise Http404 from exc
    if not provider_has_dpo(provider):
        raise Http404
    user = signed_in(request)
    initial = {"requester_name": user.display_name, "requester_email": user.email}
    form = f.RequestForm(request.POST or None, initial=initial)
    form_key = form_key_or_new(request.POST.get("form_key"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        accessor = request_accessor(request, provider=provider, channel=AccessChannel.COMPLAINANT_PORTAL)
        try:
            record, _created = services.privacy_request_submit(
                provider=provider,
                accessor=accessor,
                kind=data["kind"],
                via=PrivacyRequest.Via.PORTAL,
                requester_name=data["requester_name"],
                requester_email=data["requester_email"],
                requester_phone=data["requester_phone"],
                on_behalf_of=data["on_behalf_of"],
                description=data["description"],
                language=(get_language() or "nl")[:2],
                requester_user_id=user.pk,
                idempotency_key=f"portal-{user.pk}-{form_key}",
            )
        except PrivacyError as refusal:
            form.add_error(None, str(refusal))
            form_key = new_form_key()
        else:
            messages.success(
                request,
                _(
                    "Uw verzoek %(reference)s is ontvangen. De functionaris gegevensbescherming "
                    "antwoordt uiterlijk op %(due)s."
                )
                % {
                    "reference": record.reference,
                    "due": formats.date_format(services.request_due_on(record), "j F Y"),
                },
            )
            return redirect("portal_cases")
    return render(
        request,
        "casework/privacy/portal_request.html",
        {"form": form, "provider": provider, "form_key": form_key},
    )


@never_cache
@login_required
@require_GET
def portal_answer(request: HttpRequest, reference: str) -> HttpResponse:
    """``/mijn-klachten/avg/<reference>/antwoord/``: the signed-in requester's own answer letter."""
    user = signed_in(request)
    row = (
        CaseIndex.every_kind.filter(kind=CaseKind.DSR, reference=reference, complainant_user=user)
        .select_related("provider")
        .first()
    )
    if row is None:
        raise Http404
    with schema_context(row.provider.schema_name):
        found = (
            PrivacyRequest.objects.filter(
                pk=row.case_id, requester_user_id=user.pk, status=PrivacyRequest.Status.ANSWERED
            )
            .exclude(answer_letter="")
            .first()
        )
        if found is None:
            raise Http404
        access_log_request(
            request,
            Event.EXPORT,
            provider=row.provider,
            reference=found.reference,
            subject="privacy_request",
            detail="answer letter",
            channel=AccessChannel.COMPLAINANT_PORTAL,
        )
        delivery.answer_downloaded(found)
        return delivery.answer_response(found)
