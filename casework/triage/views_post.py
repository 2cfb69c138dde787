"""The coordinator's print-and-post list: letters to complainants without an e-mail address.

Each letter is a PDF kept in the dossier; the coordinator prints it (the
download is logged as a print), posts it, and records the day it was posted.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import coordinator_required, signed_in
from casework.dossier.access_log import Event, access_log_request, request_accessor
from casework.dossier.forms import DateInput, PlainForm
from casework.dossier.letters import letter_mark_posted, letter_response, privacy_answer_response
from casework.index.models import PostalLetter
from casework.models import Letter, PrivacyRequest
from reference.dates import today_amsterdam
from tenants.clusters import schema_context

RECENTLY_POSTED_DAYS = 30


class PostedForm(PlainForm):
    posted_on = forms.DateField(label=gettext_lazy("Verstuurd op"), widget=DateInput())


@require_GET
@never_cache
@coordinator_required
def post_list(request: HttpRequest) -> HttpResponse:
    today = today_amsterdam()
    rows = PostalLetter.objects.select_related("provider", "case").order_by("created_at", "pk")
    to_post = list(rows.filter(posted_on__isnull=True))
    posted = list(rows.filter(posted_on__gte=today - datetime.timedelta(days=RECENTLY_POSTED_DAYS)))
    kinds = {**dict(Letter.Kind.choices), PostalLetter.PRIVACY_ANSWER: _("Antwoord op AVG-verzoek")}
    return render(
        request,
        "casework/staff/post_list.html",
        {
            "to_post": [
                (
                    row,
                    kinds.get(row.kind, row.kind),
                    PostedForm(initial={"posted_on": today}, prefix=f"p{row.pk}"),
                )
                for row in to_post
            ],
            "posted": [(row, kinds.get(row.kind, row.kind)) for row in posted],
        },
    )


@require_GET
@never_cache
@coordinator_required
def post_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(PostalLetter.objects.select_related("provider", "case"), pk=pk)
    with schema_context(row.provider.schema_name):
        if row.kind == PostalLetter.PRIVACY_ANSWER:
            answered = PrivacyRequest.objects.filter(pk=row.letter_id).exclude(answer_letter="").first()
            if answered is None:
                raise Http404
            access_log_request(
                request,
                Event.PRINT,
                provider=row.provider,
                reference=answered.reference,
                subject="privacy_request",
                detail="answer letter",
            )
            return privacy_answer_response(answered)
        letter = Letter.objects.select_related("complaint").filter(pk=row.letter_id).first()
        if letter is None:
            raise Http404
        access_log_request(
            request, Event.PRINT, case=row.case, subject="letter", detail=f"{letter.kind} {letter.pk}"
        )
        return letter_response(letter)


@require_POST
@coordinator_required
def post_letter_posted(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(PostalLetter.objects.select_related("provider", "case"), pk=pk)
    form = PostedForm(request.POST, prefix=f"p{row.pk}")
    if not form.is_valid():
        messages.error(request, _("Vul een geldige verzenddatum in."))
        return redirect("post_list")
    try:
        letter_mark_posted(
            postal_letter_id=row.pk,
            posted_on=form.cleaned_data["posted_on"],
            actor=signed_in(request),
            accessor=request_accessor(request, case=row.case),
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("Vastgelegd als verstuurd."))
    return redirect("post_list")
