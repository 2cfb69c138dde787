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
    path("", include("casework.urls_portal")),
    # Staff workspace: the coordinator queue, dossiers and triage.
    path("werkplek/", include("casework.urls_queue")),
    # Professionals: directory, matching and assignment, my cases, time logging.
    path("werkplek/", include("casework.urls_assignment")),
    # Closing a case with its outcome, and extending its deadline.
    path("werkplek/", include("casework.urls_closing")),
    # Case work (mediation, committee, confidant), the staff access log, messages in Mijn klachten.
    path("", include("casework.urls_mediation")),
    # Dashboards: the coordinator's, the professional's, the platform admin's trends.
    path("werkplek/", include("casework.urls_reports_platform")),
    # Provider sign-up with Stripe Checkout, and Stripe's webhook endpoint.
    path("", include("billing.urls_public")),
    *common,
]
