"""The provider's side: its consented complaints, their export, who works on them, and its API keys.

Every read goes through ``casework.provider_view.selectors``, whose one gate lets through
only complaints whose complainant consented to sharing them, and then through the
need-to-know rules of ``casework.dossier.permissions``: the list holds what the member
may see, the complaint page shows the dossier to its handler and decision maker, what
happened to the employee concerned, and the routing facts (with who works on it) to the admin.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any, cast

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import signed_in
from casework.deadlines.selectors import complaint_deadline
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.permissions import (
    ASSIGN,
    GIVE_OWN_SIDE,
    VIEW_CONCERNING,
    VIEW_DOSSIER,
    VIEW_FACTS,
    allowed,
)
from casework.dossier.selectors import provider_complaint_or_404
from casework.models import Complaint, ComplaintParticipant, Message
from casework.procedures.mediation import message_send
from casework.provider_view.forms import ApiKeyForm, ComplaintSearchForm, OwnSideForm, ParticipantForm
from casework.provider_view.selectors import (
    complaint_participants,
    own_side_messages,
    provider_complaint_search,
    provider_timeline,
)
from casework.provider_view.services import (
    complaint_participant_add,
    complaint_participant_remove,
    provider_members,
)
from reference.dates import today_amsterdam
from tenants.models import ProviderApiKey
from tenants.permissions import can_admin_provider, provider_member_required
from tenants.services import api_key_create, api_key_revoke
from tenants.tenancy import request_provider

PAGE_SIZE = 25


@require_GET
@never_cache
@provider_member_required()
def complaint_list(request: HttpRequest) -> HttpResponse:
    form = ComplaintSearchForm(request.GET or None)
    complaints = provider_complaint_search(
        provider=request_provider(request), filters=form.filters(), user=signed_in(request)
    )
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    access_log_request(
        request, Event.SEARCH, subject="complaints", detail=_search_detail(form, page.paginator.count)
    )
    rows = [(complaint, complaint_deadline(complaint)) for complaint in page]
    return render(
        request,
        "casework/provider/complaint_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "searching": form.is_bound,
            "is_admin": can_admin_provider(request.user, request_provider(request)),
        },
    )


@require_GET
@never_cache
@provider_member_required()
def complaint_export(request: HttpRequest) -> HttpResponse:
    """The consented complaints (as searched) as CSV: routing facts only, no personal data or text."""
    form = ComplaintSearchForm(request.GET or None)
    complaints = provider_complaint_search(
        provider=request_provider(request), filters=form.filters(), user=signed_in(request)
    )
    access_log_request(request, Event.EXPORT, subject="complaints_csv", detail=_search_detail(form, None))
    filename = f"klachten-{request_provider(request).slug}-{today_amsterdam():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Excel in Dutch settings expects a semicolon and needs the BOM to read UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Kenmerk"),
            _("Ontvangen"),
            _("Status"),
            _("Traject"),
            _("Categorie"),
            _("Kanaal"),
            _("Formeel ontvangen op"),
            _("Uiterste datum oordeel"),
        ]
    )
    for complaint in complaints.iterator(chunk_size=500):
        deadline = complaint_deadline(complaint)
        writer.writerow(
            _csv_safe(value)
            for value in (
                complaint.reference,
                timezone.localtime(complaint.received_at).strftime("%Y-%m-%d %H:%M"),
                complaint.get_status_display(),
                complaint.get_track_display(),
                str(complaint.category) if complaint.category_id else "",
                complaint.get_channel_display(),
                complaint.formal_received_on.isoformat() if complaint.formal_received_on else "",
                deadline.isoformat() if deadline else "",
            )
        )
    return response


def _search_detail(form: ComplaintSearchForm, count: int | None) -> str:
    """What was searched, for the access log (the filters, and how many complaints matched)."""
    filters = form.filters()
    found = "" if count is None else f" -> {count}"
    return f"text={filters.text[:60]!r} status={filters.status} category={filters.category}{found}"


def _csv_safe(value: object) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection).
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@never_cache
@provider_member_required()
def complaint_detail(request: HttpRequest, reference: str) -> HttpResponse:
    # Unknown, not consented and not the member's business look the same: a 404.
    complaint = provider_complaint_or_404(request, reference, VIEW_FACTS)
    user = request.user
    can = {
        "dossier": allowed(user, VIEW_DOSSIER, complaint),
        "concerning": allowed(user, VIEW_CONCERNING, complaint),
        "assign": allowed(user, ASSIGN, complaint),
        "own_side": allowed(user, GIVE_OWN_SIDE, complaint),
    }
    subject = "dossier" if can["dossier"] else ("concerning" if can["concerning"] else "facts")
    access_log_request(request, Event.READ, complaint=complaint, subject=subject)
    context: dict[str, Any] = {
        "complaint": complaint,
        "deadline": complaint_deadline(complaint),
        "can": can,
        "participants": complaint_participants(complaint=complaint)
        if can["dossier"] or can["assign"]
        else [],
    }
    if can["dossier"]:
        context["timeline"] = provider_timeline(complaint=complaint)
        context["attachments"] = complaint.attachments.all()
    if can["own_side"]:
        context["own_side"] = own_side_messages(complaint=complaint, user_id=int(user.pk or 0))
        context["own_side_form"] = OwnSideForm()
    if can["assign"]:
        context["assign_form"] = ParticipantForm(members=provider_members(provider=request_provider(request)))
    return render(request, "casework/provider/complaint_detail.html", context)


@require_POST
@provider_member_required()
def participant_add(request: HttpRequest, reference: str) -> HttpResponse:
    """The admin records a handler, decision maker or employee concerned on the complaint."""
    complaint = provider_complaint_or_404(request, reference, ASSIGN)
    form = ParticipantForm(request.POST, members=provider_members(provider=request_provider(request)))
    if form.is_valid():
        try:
            complaint_participant_add(
                provider=request_provider(request),
                complaint_id=complaint.pk,
                user_id=form.cleaned_data["user"],
                role=form.cleaned_data["role"],
                accessor=request_accessor(request, complaint=complaint),
            )
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        except Complaint.DoesNotExist:
            raise Http404 from None
        else:
            messages.success(request, _("Vastgelegd wie aan deze klacht werkt."))
    else:
        messages.error(request, _("Kies een medewerker en een rol."))
    return redirect(reverse("provider_complaint_detail", args=[reference]) + "#participants-title")


@require_POST
@provider_member_required()
def participant_remove(request: HttpRequest, reference: str, participant_id: int) -> HttpResponse:
    complaint = provider_complaint_or_404(request, reference, ASSIGN)
    try:
        complaint_participant_remove(
            provider=request_provider(request),
            complaint_id=complaint.pk,
            participant_id=participant_id,
            accessor=request_accessor(request, complaint=complaint),
        )
    except (ComplaintParticipant.DoesNotExist, Complaint.DoesNotExist):
        raise Http404 from None
    messages.success(request, _("Afgemeld."))
    return redirect(reverse("provider_complaint_detail", args=[reference]) + "#participants-title")


@require_POST
@provider_member_required()
def own_side(request: HttpRequest, reference: str) -> HttpResponse:
    """The employee concerned gives their side (hoor en wederhoor): a message to the provider's
    handler and decision maker and to Klachtpunt, never to the complainant directly."""
    complaint = provider_complaint_or_404(request, reference, GIVE_OWN_SIDE)
    form = OwnSideForm(request.POST)
    if form.is_valid():
        try:
            message_send(
                provider=request_provider(request),
                complaint_id=complaint.pk,
                accessor=request_accessor(request, complaint=complaint),
                sender=Message.Party.PROVIDER,
                audience=Message.Audience.PROVIDER,
                body=form.cleaned_data["body"],
            )
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, _("Uw reactie is vastgelegd."))
    else:
        messages.error(request, _("Schrijf uw reactie."))
    return redirect(reverse("provider_complaint_detail", args=[reference]) + "#own-side-title")


_View = Callable[..., HttpResponse]


def _asks_for_the_password_again(*, allow_get: bool = False) -> Callable[[_View], _View]:
    """allauth's reauthentication (the password, or the second factor) before the view acts."""

    def decorate(view: _View) -> _View:
        return cast(_View, reauthentication_required(view, allow_get=allow_get))

    return decorate


@require_http_methods(["GET", "POST"])
@never_cache
@provider_member_required(admin=True)
@_asks_for_the_password_again(allow_get=True)  # a new key is a credential
def api_keys(request: HttpRequest) -> HttpResponse:
    """List, and create, the provider's API keys; a new key is shown on this response only."""
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _key, new_key = api_key_create(
            provider=request_provider(request), name=form.cleaned_data["name"], created_by=request.user
        )
        form = ApiKeyForm()
    keys = (
        ProviderApiKey.objects.filter(provider=request_provider(request))
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )
    return render(
        request,
        "casework/provider/api_keys.html",
        {"form": form, "keys": keys, "new_key": new_key},
    )


@require_POST
@provider_member_required(admin=True)
@_asks_for_the_password_again()
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        key = api_key_revoke(provider=request_provider(request), key_id=key_id)
    except ProviderApiKey.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("De sleutel %(name)s is ingetrokken.") % {"name": key.name})
    return redirect("provider_api_keys")
