"""A provider's host (its own schema)."""

from django.urls import include, path

from klachtpunt.urls_common import urlpatterns as common
from tenants import views

urlpatterns = [
    path("", views.provider_home, name="home"),
    path("organisatie/", views.provider_workspace, name="provider_workspace"),
    # The embeddable widget, its plain-page form and the provider's widget settings.
    path("", include("casework.intake.urls")),
    # The dpo service: the data-subject request form and the provider's privacy register.
    path("", include("casework.privacy.urls_provider")),
    path("", include("tenants.urls")),
    # Following a complaint by secure link (no account needed).
    path("", include("casework.complainant.urls_provider")),
    # The privacy notice and the complainant's own data rights behind a follow link.
    path("", include("casework.datarights.urls_provider")),
    # The provider's own view of consented complaints.
    path("", include("casework.provider_view.urls")),
    # The provider's written decision, its measures and deadline extensions.
    path("", include("casework.decision.urls")),
    path("", include("casework.deadlines.urls_provider")),
    # Messages, shared notes and documents (follow link, provider), and the admin's access log.
    path("", include("casework.procedures.urls_provider")),
    path("", include("casework.dossier.urls")),
    # The provider's published complaints scheme (public), its PDF and versions, and the admin's review.
    path("", include("casework.scheme.urls")),
    # The provider's annual complaints report (page, PDF, exports).
    path("", include("casework.reports.urls_provider")),
    # Contract end: the export of the whole tenant and its deletion (from the subscription page).
    path("", include("casework.reports.tenant_exit.urls")),
    # The provider's subscription page and the one-time login link after sign-up.
    path("", include("billing.urls_tenant")),
    *common,
]

# A database that is away answers 503 with Retry-After instead of an error page.
handler500 = "klachtpunt.errors.server_error"
