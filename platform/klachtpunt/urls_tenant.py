"""A provider's host (its own schema)."""

from django.urls import include, path

from klachtpunt.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    path("", views.provider_home, name="home"),
    path("organisatie/", views.provider_workspace, name="provider_workspace"),
    # The embeddable widget, its plain-page form and the provider's widget settings.
    path("", include("casework.urls_widget")),
    # Following a complaint by secure link (no account needed).
    path("", include("casework.urls_follow")),
    # The provider's own view of consented complaints.
    path("", include("casework.urls_provider")),
    # The provider's written decision, its measures and deadline extensions.
    path("", include("casework.urls_decision")),
    # Messages, shared notes and documents (follow link, provider), and the admin's access log.
    path("", include("casework.urls_messages")),
    path("", include("casework.urls_access_log")),
    # The provider's annual complaints report (page, PDF, exports).
    path("", include("casework.urls_reports_provider")),
    # The provider's subscription page and the one-time login link after sign-up.
    path("", include("billing.urls_tenant")),
    *common,
]
