"""Multi-factor login is required for staff, professionals and provider users.

allauth has no "MFA required" switch: until such a user has a second factor,
every page except setting one up (and logging out) sends them there.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts.permissions import requires_mfa

# The browser asks for /favicon.ico by itself: redirecting that to the set-up page would
# load the page again behind the person's back and replace the secret they are typing a code for.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/favicon.ico")
# Set once the person has been told why they must set up a second step: told once, not per page.
MFA_EXPLAINED = "kp_mfa_explained"


class RequireMultiFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and requires_mfa(user)
            and not is_mfa_enabled(user)
        ):
            if EmailAddress.objects.filter(user=user, verified=False).exists():
                # A second step can only be added with a confirmed address (allauth refuses it
                # with an error of its own): the page that says to open the e-mail comes first.
                return redirect("account_email_verification_sent")
            if not request.session.get(MFA_EXPLAINED):
                request.session[MFA_EXPLAINED] = True
                messages.info(
                    request,
                    _("Stel eerst een tweede stap voor inloggen in. Dat is verplicht voor uw rol."),
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
