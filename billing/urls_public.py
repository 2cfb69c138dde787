"""Billing on the platform host: sign-up and the Stripe webhook."""

from django.urls import path

from billing import badge_views, views

urlpatterns = [
    path("aanmelden/", views.signup, name="billing_signup"),
    path("aanmelden/klaar/<str:token>/", views.signup_done, name="billing_signup_done"),
    path("aanmelden/klaar/<str:token>/status/", views.signup_status, name="billing_signup_status"),
    path("aanmelden/klaar/<str:token>/verder/", views.signup_continue, name="billing_signup_continue"),
    path("aanmelden/geannuleerd/<str:token>/", views.signup_cancelled, name="billing_signup_cancelled"),
    # The membership badge for a provider's website, and the verification page it links to.
    path("lidmaatschap/<slug:slug>/", badge_views.membership_verify, name="membership_verify"),
    path("lidmaatschap/<slug:slug>/badge.svg", badge_views.membership_badge, name="membership_badge"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
