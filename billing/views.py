"""Billing pages: sign-up (platform host), the Stripe webhook, and the provider's subscription page."""

from __future__ import annotations

from urllib.parse import urlsplit

import stripe
import structlog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.middleware import MFA_EXPLAINED
from billing import stripe_gateway
from billing.forms import CancelForm, ServiceChoiceForm, SignUpForm
from billing.login_links import login_link_consume, login_link_create, login_link_verification_send
from billing.memberships import (
    SERVICE_PRICES,
    MembershipError,
    membership_cancel,
    membership_service_add,
    membership_service_remove,
    service_offers,
)
from billing.models import SignUp, SignUpState
from billing.overview import subscription_overview
from billing.signup import (
    SignUpError,
    signup_cancel,
    signup_login_allowed,
    signup_refresh_from_stripe,
    signup_start,
)
from billing.webhooks import WebhookRejected, webhook_receive
from tenants.hosts import provider_url
from tenants.permissions import provider_member_required

log = structlog.get_logger(__name__)

SESSION_SIGNUPS = "kp_signups"


def _checkout_origins() -> list[str]:
    origins = list(settings.STRIPE_CHECKOUT_ORIGINS)
    if settings.STRIPE_API_BASE:
        parts = urlsplit(settings.STRIPE_API_BASE)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def _platform_only(request: HttpRequest) -> None:
    if not request.tenant.is_platform:
        raise Http404


def signup(request: HttpRequest) -> HttpResponse:
    """The sign-up form; a valid one goes on to Stripe Checkout (or straight on without keys)."""
    _platform_only(request)
    # The form's answer redirects to Checkout: CSP form-action must allow it.
    request.csp_form_action = _checkout_origins()  # type: ignore[attr-defined]
    offers = service_offers()
    # Bound on every POST, an empty one too, so its errors name the missing fields.
    posted = request.POST if request.method == "POST" else None
    form = SignUpForm(posted, offers=offers, initial={"services": ["officer"]})
    if request.method == "POST" and form.is_valid():
        try:
            created = signup_start(data=form.to_data())
        except SignUpError:
            form.add_error("services", _("Kies ten minste één dienst."))
        except stripe.StripeError:
            log.exception("signup_checkout_failed")
            messages.error(
                request, _("De betaalpagina is nu niet bereikbaar. Probeer het over enkele minuten opnieuw.")
            )
        else:
            request.session[SESSION_SIGNUPS] = [*request.session.get(SESSION_SIGNUPS, [])[-4:], created.token]
            if created.checkout_url:
                return redirect(created.checkout_url)
            return redirect("billing_signup_done", token=created.token)
    return render(
        request,
        "billing/signup.html",
        {
            "form": form,
            "offers": offers,
            "offers_on_request": [offer for offer in offers if not offer.offered],
            "domain": settings.PLATFORM_DOMAIN,
            "dpa_version": settings.BILLING_DPA_VERSION,
        },
    )


def _signup_by_token(request: HttpRequest, token: str) -> SignUp:
    _platform_only(request)
    return get_object_or_404(SignUp.objects.select_related("provider", "user"), token=token)


@require_GET
def signup_done(request: HttpRequest, token: str) -> HttpResponse:
    """Back from Checkout: may arrive before the webhook, so it asks Stripe itself."""
    signup = _signup_by_token(request, token)
    if signup.state == SignUpState.PENDING:
        try:
            signup = signup_refresh_from_stripe(signup)
        except stripe.StripeError:
            log.warning("signup_refresh_failed", signup_id=signup.pk)
    return render(
        request,
        "billing/signup_done.html",
        {
            "signup": signup,
            "status_url": reverse("billing_signup_status", args=[token]),
            "continue_url": reverse("billing_signup_continue", args=[token]),
        },
    )


@require_GET
def signup_status(request: HttpRequest, token: str) -> JsonResponse:
    signup = _signup_by_token(request, token)
    return JsonResponse(
        {
            "state": signup.state,
            "ready": signup.state == SignUpState.PROVISIONED,
            "payment": signup.payment_state,
        }
    )


@require_GET
def signup_continue(request: HttpRequest, token: str) -> HttpResponse:
    """To the new provider's host: logged in by a one-time link when this browser signed up."""
    signup = _signup_by_token(request, token)
    if signup.state in (SignUpState.PENDING, SignUpState.PAID):
        return redirect("billing_signup_done", token=token)
    if signup.state != SignUpState.PROVISIONED or signup.provider is None:
        raise Http404
    if token in request.session.get(SESSION_SIGNUPS, []) and signup_login_allowed(signup):
        assert signup.user is not None  # nosec B101  # a provisioned sign-up always has its user (narrows the type)
        return redirect(
            login_link_create(
                user=signup.user, provider=signup.provider, next_path="/instellingen/abonnement/"
            )
        )
    return redirect(provider_url(signup.provider, "/accounts/login/"))


@require_GET
def signup_cancelled(request: HttpRequest, token: str) -> HttpResponse:
    signup = _signup_by_token(request, token)
    try:
        signup = signup_cancel(signup=signup)
    except stripe.StripeError:
        log.warning("signup_cancel_failed", signup_id=signup.pk)
    if signup.state != SignUpState.EXPIRED:
        return redirect("billing_signup_done", token=token)
    return render(request, "billing/signup_cancelled.html", {"signup": signup})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's one endpoint: verify, store once, answer at once; the work is done in a task."""
    _platform_only(request)
    try:
        created = webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except WebhookRejected as exc:
        log.warning("stripe_webhook_rejected", reason=str(exc))
        return HttpResponseBadRequest("rejected")
    return JsonResponse({"received": True, "duplicate": not created})


# -- the provider's host ----------------------------------------------------------------------


@require_GET
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    link = login_link_consume(token=token, provider=request.tenant)
    if link is None:
        return render(request, "billing/login_link_invalid.html", status=410)
    if request.user.is_authenticated:
        request.session.flush()
    login(request, link.user, backend="django.contrib.auth.backends.ModelBackend")
    # One message for the first login, not a stack of them: what is ready and what comes next.
    if login_link_verification_send(request=request, user=link.user):
        messages.success(
            request,
            _(
                "Welkom bij Klachtpunt. Uw omgeving is klaar. We hebben u een e-mail gestuurd: open de "
                "link daarin om uw e-mailadres te bevestigen. Daarna stelt u de tweede stap voor inloggen in."
            ),
        )
    else:
        messages.success(request, _("Welkom bij Klachtpunt. Uw omgeving is klaar."))
    request.session[MFA_EXPLAINED] = True
    return redirect(link.next_path)


MEMBERSHIP_MESSAGES = {
    "not_offered": gettext_lazy("Deze dienst wordt nog niet aangeboden."),
    "already": gettext_lazy("U hebt deze dienst al."),
    "not_subscribed": gettext_lazy("U hebt deze dienst niet."),
    "last_service": gettext_lazy("Dit is uw laatste dienst. Zeg in plaats daarvan het lidmaatschap op."),
    "cancelled": gettext_lazy("Uw lidmaatschap is beëindigd."),
}


@provider_member_required(admin=True)
def subscription_page(request: HttpRequest) -> HttpResponse:
    overview = subscription_overview(request.tenant)
    return render(
        request,
        "billing/subscription.html",
        {
            "overview": overview,
            "provider": request.tenant,
            "stripe_synced": stripe_gateway.stripe_configured(),
        },
    )


@require_POST
@provider_member_required(admin=True)
def subscription_service(request: HttpRequest, action: str) -> HttpResponse:
    form = ServiceChoiceForm(request.POST, services=list(SERVICE_PRICES))
    if not form.is_valid() or action not in ("toevoegen", "stoppen"):
        return HttpResponseBadRequest()
    service = form.cleaned_data["service"]
    try:
        if action == "toevoegen":
            membership_service_add(provider=request.tenant, service=service)
            messages.success(request, _("De dienst is toegevoegd."))
        else:
            membership_service_remove(provider=request.tenant, service=service)
            messages.success(request, _("De dienst is gestopt."))
    except MembershipError as exc:
        messages.error(request, MEMBERSHIP_MESSAGES.get(str(exc), str(exc)))
    return redirect("billing_subscription")


@require_POST
@provider_member_required(admin=True)
def subscription_cancel(request: HttpRequest) -> HttpResponse:
    form = CancelForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    cancel = form.cleaned_data["cancel"] == "1"
    try:
        membership_cancel(provider=request.tenant, cancel=cancel)
    except MembershipError as exc:
        messages.error(request, MEMBERSHIP_MESSAGES.get(str(exc), str(exc)))
    else:
        messages.success(
            request,
            _("Uw lidmaatschap stopt aan het eind van de lopende periode.")
            if cancel
            else _("Uw lidmaatschap loopt weer door."),
        )
    return redirect("billing_subscription")
