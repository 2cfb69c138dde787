"""The platform host (public schema)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from klachtpunt import views
from klachtpunt.urls_common import urlpatterns as common

# The admin logs in through allauth, so MFA applies there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Klachtpunt beheer"

urlpatterns = [
    path("", views.landing, name="home"),
    path("werkplek/", views.workspace, name="workspace"),
    path("admin/", admin.site.urls),
    # Complainant portal (Mijn klachten, filing against any provider) and coordinator entry.
    path("", include("casework.complainant.urls_platform")),
    # The privacy notice and the complainant's own data rights (download, erasure, account deletion).
    path("", include("casework.datarights.urls_platform")),
    # Staff workspace: the coordinator queue, dossiers and triage.
    path("werkplek/", include("casework.triage.urls")),
    # Professionals: directory, matching and assignment, my cases, time logging.
    path("werkplek/", include("casework.assignment.urls")),
    # Closing a case with its outcome; the coordinator extending its deadline.
    path("werkplek/", include("casework.closing.urls")),
    path("werkplek/", include("casework.deadlines.urls_platform")),
    # Case work (mediation, committee, confidant), the staff access log, messages in Mijn klachten.
    path("", include("casework.procedures.urls_platform")),
    # Dashboards: the coordinator's, the professional's, the platform admin's trends.
    path("werkplek/", include("casework.reports.urls_platform")),
    # The data-protection officer: AVG requests, the breach register, advice, the annual report.
    path("werkplek/", include("casework.privacy.urls_platform")),
    path("", include("casework.privacy.urls_portal")),
    # Provider sign-up with Stripe Checkout, and Stripe's webhook endpoint.
    path("", include("billing.urls_public")),
    *common,
]

# A database that is away answers 503 with Retry-After instead of an error page.
handler500 = "klachtpunt.errors.server_error"
