"""The complainant's data-rights pages: the privacy notice, and in Mijn klachten and on the follow page
the download, the erasure request and (with an account) account deletion.

Views stay thin: they find who asks and what they reach (the account's
dossiers, or the one behind a follow link), call one service, and render
its items. Each download and each erasure is logged by the service, per
dossier, in the access log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import signed_in
from casework.complainant.display import private_link_page
from casework.complainant.services import FollowLinkInvalid, follow_case
from casework.datarights.forms import AccountDeleteForm
from casework.datarights.pdf import export_pdf
from casework.datarights.rules import Item, item_rows
from casework.datarights.services import (
    Target,
    account_deletable,
    account_delete,
    account_delete_preview,
    complainant_erase,
    datarights_export,
    erasure_preview,
    follow_target,
    user_targets,
)
from casework.dossier.access_log import AccessChannel, request_accessor
from casework.models import Complaint
from tenants.hosts import platform_url

FORMATS = {"json": "application/json", "pdf": "application/pdf"}
PORTAL = AccessChannel.COMPLAINANT_PORTAL


def _rows(items: list[Item]) -> list[dict[str, object]]:
    return item_rows([item.as_data() for item in items])


def _download(export_bytes: bytes, file_format: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response = HttpResponse(export_bytes, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="klachtpunt-mijn-gegevens-{stamp}.{file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export_response(
    request: HttpRequest, *, targets: list[Target], file_format: str, channel: str, user: Any
) -> HttpResponse:
    if file_format not in FORMATS:
        raise Http404
    export = datarights_export(
        targets=targets,
        user=user,
        file_format=file_format,
        accessor=request_accessor(request, channel=channel, role="complainant"),
    )
    if file_format == "json":
        body = json.dumps(export.document, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        body = export_pdf(export)
    return _download(body, file_format)


# --- The privacy notice (art. 13) --------------------------------------------------


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Short, in the reader's language, linked from every form before it is sent."""
    return render(request, "casework/datarights/notice.html", {})


# --- Mijn klachten (platform host) ------------------------------------------------


def _platform_only(request: HttpRequest) -> None:
    if not request.tenant.is_platform:  # type: ignore[attr-defined]
        raise Http404


@require_GET
@never_cache
@login_required
def portal_rights(request: HttpRequest) -> HttpResponse:
    _platform_only(request)
    user = signed_in(request)
    return render(
        request,
        "casework/datarights/rights.html",
        {
            "back_url": reverse("portal_cases"),
            "back_label": _("Terug naar Mijn klachten"),
            "json_url": reverse("datarights_portal_download", args=["json"]),
            "pdf_url": reverse("datarights_portal_download", args=["pdf"]),
            "erase_url": reverse("datarights_portal_erase"),
            "account_delete_url": reverse("datarights_account_delete") if account_deletable(user) else "",
            "complaint_count": len(user_targets(user=user)),
            "with_account": True,
        },
    )


@require_GET
@never_cache
@login_required
def portal_download(request: HttpRequest, file_format: str) -> HttpResponse:
    _platform_only(request)
    user = signed_in(request)
    return _export_response(
        request, targets=user_targets(user=user), file_format=file_format, channel=PORTAL, user=user
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def portal_erase(request: HttpRequest) -> HttpResponse:
    _platform_only(request)
    user = signed_in(request)
    targets = user_targets(user=user)
    if request.method == "POST":
        items = complainant_erase(
            targets=targets,
            user=user,
            accessor=request_accessor(request, channel=PORTAL, role="complainant"),
        )
        return render(
            request,
            "casework/datarights/erased.html",
            {
                "rows": _rows(items),
                "back_url": reverse("portal_cases"),
                "back_label": _("Naar Mijn klachten"),
            },
        )
    return render(
        request,
        "casework/datarights/erase_confirm.html",
        {
            "rows": _rows(erasure_preview(targets=targets, user=user)),
            "cancel_url": reverse("datarights_portal"),
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def account_delete_view(request: HttpRequest) -> HttpResponse:
    _platform_only(request)
    user = signed_in(request)
    if not account_deletable(user):
        messages.info(request, _("Dit account beheert een beheerder. Vraag hem het te verwijderen."))
        return redirect("datarights_portal")
    form = AccountDeleteForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accessor = request_accessor(request, channel=PORTAL, role="complainant")
        items = account_delete(user=user, accessor=accessor)
        logout(request)
        return render(
            request,
            "casework/datarights/erased.html",
            {
                "rows": _rows(items),
                "account_deleted": True,
                "back_url": "/",
                "back_label": _("Naar de startpagina"),
            },
        )
    return render(
        request,
        "casework/datarights/account_delete.html",
        {
            "form": form,
            "rows": _rows(account_delete_preview(user=user)),
            "cancel_url": reverse("datarights_portal"),
        },
    )


# --- The follow page (provider host, no account) ----------------------------------


def _follow(request: HttpRequest, token: str) -> tuple[Target, Complaint] | HttpResponse:
    if request.tenant.is_platform:  # type: ignore[attr-defined]
        raise Http404
    try:
        case = follow_case(provider=request.tenant, token=token)  # type: ignore[attr-defined]
    except FollowLinkInvalid as exc:
        return render(
            request,
            "casework/follow/refused.html",
            {
                "reason": exc.reason,
                "provider": request.tenant,  # type: ignore[attr-defined]
                "platform_url": platform_url("/mijn-klachten/"),
            },
            status=404 if exc.reason == "unknown" else 410,
        )
    return follow_target(provider=case.provider, complaint=case.complaint), case.complaint


def _with_follow(
    view: Callable[[HttpRequest, str, Target, Complaint], HttpResponse],
) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, token: str, *args: Any) -> HttpResponse:
        found = _follow(request, token)
        if isinstance(found, HttpResponse):
            return found
        return view(request, token, *found, *args)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@private_link_page
@_with_follow
def follow_rights(request: HttpRequest, token: str, target: Target, complaint: Complaint) -> HttpResponse:
    return render(
        request,
        "casework/datarights/rights.html",
        {
            "back_url": reverse("follow", args=[token]),
            "back_label": _("Terug naar uw klacht"),
            "json_url": reverse("datarights_follow_download", args=[token, "json"]),
            "pdf_url": reverse("datarights_follow_download", args=[token, "pdf"]),
            "erase_url": reverse("datarights_follow_erase", args=[token]),
            "complaint": complaint,
            "with_account": False,
        },
    )


@require_GET
@private_link_page
def follow_download(request: HttpRequest, token: str, file_format: str) -> HttpResponse:
    found = _follow(request, token)
    if isinstance(found, HttpResponse):
        return found
    return _export_response(
        request, targets=[found[0]], file_format=file_format, channel=AccessChannel.FOLLOW_LINK, user=None
    )


@require_http_methods(["GET", "POST"])
@private_link_page
@_with_follow
def follow_erase(request: HttpRequest, token: str, target: Target, complaint: Complaint) -> HttpResponse:
    if request.method == "POST":
        items = complainant_erase(
            targets=[target],
            user=None,
            accessor=request_accessor(
                request, provider=target.provider, complaint=complaint, channel=AccessChannel.FOLLOW_LINK
            ),
        )
        reduced = any(item.code == "dossier" and item.action == "erased" for item in items)
        return render(
            request,
            "casework/datarights/erased.html",
            {
                "rows": _rows(items),
                "back_url": "/" if reduced else reverse("follow", args=[token]),
                "back_label": _("Naar de startpagina") if reduced else _("Terug naar uw klacht"),
            },
        )
    return render(
        request,
        "casework/datarights/erase_confirm.html",
        {
            "rows": _rows(erasure_preview(targets=[target], user=None)),
            "cancel_url": reverse("datarights_follow", args=[token]),
            "complaint": complaint,
        },
    )
