"""The coordinator answering the complainant from the dossier (platform host).

The dossier lives in triage, below this package; the message is a case-work action
(``message_send``), so the form posts here and a refusal shows on the dossier again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import coordinator_required
from casework.dossier.access_log import request_accessor
from casework.index.selectors import case_or_404
from casework.models import Message
from casework.procedures.forms import MessageForm
from casework.procedures.mediation import message_send
from casework.triage.views import render_dossier


@coordinator_required
@require_POST
def complainant_message(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(reference)
    audience = Message.Audience.COMPLAINANT
    form = MessageForm(request.POST, prefix="message", audiences=[(audience.value, str(audience.label))])
    if form.is_valid():
        try:
            message_send(
                provider=case.provider,
                complaint_id=case.case_id,
                accessor=request_accessor(request, case=case),
                sender=Message.Party.STAFF,
                audience=form.cleaned_data["audience"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(
                request, _("Het bericht is verstuurd; de klager krijgt een e-mail met een link.")
            )
            return redirect(reverse("case_dossier", args=[case.reference]) + "#messages")
    return render_dossier(request, case, bound={"message_form": form}, status=400)
