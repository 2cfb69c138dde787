"""A provider's host (its own schema)."""

from django.urls import path

from klachtpunt.urls_common import optional_include
from klachtpunt.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    path("", views.provider_home, name="home"),
    path("organisatie/", views.provider_workspace, name="provider_workspace"),
    # The embeddable widget, its plain-page form and the provider's widget settings.
    *optional_include("", "casework.urls_widget"),
    # Following a complaint by secure link (no account needed).
    *optional_include("", "casework.urls_follow"),
    # The provider's own view of consented complaints.
    *optional_include("", "casework.urls_provider"),
    # The provider's written decision, its measures and deadline extensions.
    *optional_include("", "casework.urls_decision"),
    # Messages, shared notes and documents (follow link, provider), and the admin's access log.
    *optional_include("", "casework.urls_messages"),
    *optional_include("", "casework.urls_access_log"),
    # The provider's annual complaints report (page, PDF, exports).
    *optional_include("", "casework.urls_reports_provider"),
    # The provider's subscription page and the one-time login link after sign-up.
    *optional_include("", "billing.urls_tenant"),
    *common,
]
