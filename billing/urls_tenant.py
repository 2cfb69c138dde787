"""Billing on a provider's host: the one-time login link and the subscription page."""

from django.urls import path

from billing import views

urlpatterns = [
    path("inloggen/eenmalig/<str:token>/", views.login_link, name="billing_login_link"),
    path("instellingen/abonnement/", views.subscription_page, name="billing_subscription"),
    path(
        "instellingen/abonnement/dienst/<str:action>/",
        views.subscription_service,
        name="billing_subscription_service",
    ),
    path("instellingen/abonnement/opzeggen/", views.subscription_cancel, name="billing_subscription_cancel"),
]
