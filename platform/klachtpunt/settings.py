"""Django settings for Klachtpunt.

Everything that differs between machines comes from environment variables.
``KLACHTPUNT_PROFILE=production`` switches on the production profile: no
debug, secure cookies, HSTS, and required secrets.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue  # type: ignore[attr-defined]  # kombu has no type information

from klachtpunt import devservices

SRC_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = SRC_DIR.parent

PROFILE = os.environ.get("KLACHTPUNT_PROFILE", "development")
PRODUCTION = PROFILE == "production"
# pytest-django imports settings before any conftest runs, hence the module check.
TESTING = os.environ.get("KLACHTPUNT_TESTING") == "1" or "pytest" in sys.modules


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "")
elif TESTING:
    SECRET_KEY = os.environ.get("SECRET_KEY", "test-only-insecure-key-0123456789abcdef-0123456789")
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1,testserver")
else:
    # Generated once per data folder (make demo, runserver): never a key anyone can read in the source.
    SECRET_KEY = os.environ.get("SECRET_KEY") or devservices.secret_key()
    ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "localhost,.localhost,127.0.0.1,testserver")

DEBUG = os.environ.get("DEBUG", "0" if PRODUCTION or TESTING else "1") == "1"

# The platform's own domain; providers live on <slug>.<PLATFORM_DOMAIN>.
PLATFORM_DOMAIN = os.environ.get("PLATFORM_DOMAIN", "localhost")
# How complainants reach Klachtpunt's staff when a link fails; shown in the footer and on error pages.
# The defaults are placeholders for development; production sets the real ones.
KLACHTPUNT_CONTACT_PHONE = os.environ.get("KLACHTPUNT_CONTACT_PHONE", "030 123 45 67")
KLACHTPUNT_CONTACT_ADDRESS = os.environ.get("KLACHTPUNT_CONTACT_ADDRESS", "Postbus 1234, 3500 AA Utrecht")
PLATFORM_PORT = os.environ.get("PLATFORM_PORT", "" if PRODUCTION else "8000")
PLATFORM_SCHEME = "https" if PRODUCTION else "http"

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "professionals",
    "billing",
    "outbox",
    "reference",
    "casework.index",
    "casework.timesheets",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # django-rules: object-level predicates for the provider's roles (tenants/permissions.py,
    # casework/dossier/permissions.py); no models, so shared.
    "rules",
]
TENANT_APPS = [
    "casework",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Provider"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "klachtpunt.urls_public"
ROOT_URLCONF = "klachtpunt.urls_tenant"
# Skip the repeated `SET search_path`; django-tenants forgets the cached value on
# rollback and savepoint rollback (tests/test_tenant_routing.py keeps it honest).
TENANT_LIMIT_SET_CALLS = True
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("TENANT_MIGRATION_PROCESSES", "2"))
# A connection is closed after working in this many tenant schemas (a backend keeps
# every schema's catalogue caches): workers after tasks, migration processes (tenants/connections.py).
TENANT_CONNECTION_RECYCLE_EVERY = int(os.environ.get("TENANT_CONNECTION_RECYCLE_EVERY", "200"))
GET_EXECUTOR_FUNCTION = "tenants.provisioning.get_migration_executor"
# tenants.clusters.ClusterRouter sends a provider's data to its cluster while its schema is active;
# with one database (no KLACHTPUNT_CLUSTERS) it routes nothing and django-tenants' router decides.
DATABASE_ROUTERS = ["tenants.clusters.ClusterRouter", "django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "klachtpunt.health.HealthCheckMiddleware",
    "tenants.routing.CachedTenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "klachtpunt.middleware.SecurityHeadersMiddleware",
    "klachtpunt.middleware.NoRouteListMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "klachtpunt.middleware.SessionHostBindingMiddleware",
    "klachtpunt.middleware.StaffSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMultiFactorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "klachtpunt.context_processors.navigation",
                "klachtpunt.context_processors.contact",
            ],
        },
    },
]

WSGI_APPLICATION = "klachtpunt.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        devservices.database_url(), conn_max_age=0 if TESTING else 60, conn_health_checks=True
    )
}
# django-tenants' backend; lists a schema's tables without a catalogue scan (tenants/postgresql_backend).
DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"
# Parallel checkouts on one server each set a suffix so test databases don't collide.
DATABASES["default"]["TEST"] = {"NAME": "test_klachtpunt" + os.environ.get("KLACHTPUNT_TEST_DB_SUFFIX", "")}
# Several PostgreSQL clusters for tenant schemas (docs/SCALING.md, section 4):
# KLACHTPUNT_CLUSTERS="east=postgres://...,west=postgres://..." adds one DATABASES entry per
# cluster; "default" stays the control database (providers, accounts, billing, the case index and
# the outbox) and may hold tenant schemas too. "control" names the control database while a
# cluster's tenant is active (the alias "default" then points at that cluster).
TENANT_CLUSTERS: dict[str, str] = {}
for _entry in filter(None, (e.strip() for e in os.environ.get("KLACHTPUNT_CLUSTERS", "").split(","))):
    _name, _sep, _url = _entry.partition("=")
    TENANT_CLUSTERS[_name.strip()] = _url.strip()
# Clusters that take new providers (default: every extra cluster, else "default").
TENANT_CLUSTERS_OPEN = [
    c for c in os.environ.get("KLACHTPUNT_CLUSTERS_OPEN", ",".join(TENANT_CLUSTERS)).split(",") if c
] or ["default"]
for _name, _url in TENANT_CLUSTERS.items():
    DATABASES[_name] = dj_database_url.parse(_url, conn_max_age=0 if TESTING else 60, conn_health_checks=True)
    DATABASES[_name]["ENGINE"] = "tenants.postgresql_backend"
    DATABASES[_name]["TEST"] = {"NAME": DATABASES["default"]["TEST"]["NAME"]}
if TENANT_CLUSTERS:
    DATABASES["control"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-allauth: e-mail login, mandatory verification for new sign-ups.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address in the browser that signed up logs in and continues to
# where sign-up began (claiming a complaint from its secure link, say). allauth
# only does so while that sign-up is pending in the same session.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Changing the e-mail address or the password asks for the password again (as
# allauth's MFA pages always do, and our API-key page: reauthentication_required).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # Counters live in the cache under keys that are not prefixed per tenant
    # (klachtpunt.cache.make_key), so every host shares one allowance.
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",  # nosec B105  # a rate limit, not a password
}
MFA_ADAPTER = "accounts.adapters.MultiFactorAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Klachtpunt"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# One security key for every host: the relying party is the platform's parent domain.
MFA_WEBAUTHN_RP_ID = os.environ.get("MFA_WEBAUTHN_RP_ID", PLATFORM_DOMAIN)
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, WhiteNoise serves straight from the source folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", devservices.DATA_DIR / "media"))
MEDIA_URL = "/media/"
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# A provider's export at contract end (casework.reports.tenant_exit): one folder per schema,
# apart from its attachments so no export or backup holds an earlier export.
TENANT_EXPORT_ROOT = Path(os.environ.get("TENANT_EXPORT_ROOT", devservices.DATA_DIR / "exports"))
# The days between a provider's deletion request and the deletion (the admin may withdraw it).
TENANT_DELETION_CONFIRMATION_DAYS = int(os.environ.get("TENANT_DELETION_CONFIRMATION_DAYS", "30"))

# Cache: keys carry the schema name, except security counters (login and widget
# rate limits, login lockout, proof-of-work replay protection, used TOTP codes),
# which must be shared by every host and every process: with a per-process cache
# two workers give an attacker two allowances and accept one proof of work twice.
# CACHE_URL=redis://... uses Redis; without it the cache is a table in the public
# schema (accounts migration "shared_cache_table"), which every process shares.
# locmem:// (per process) is for tests only; the production profile refuses it.
CACHE_TABLE = "klachtpunt_cache"
_cache_url = os.environ.get("CACHE_URL", "")
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    _cache: dict[str, Any] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _cache_url,
    }
elif _cache_url == "locmem://" or (not _cache_url and TESTING):
    # The in-process test suite: one process, cleared per test (tests/conftest.py).
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "klachtpunt"}
elif _cache_url in ("", "db://"):
    # MAX_ENTRIES: culling must not drop live counters before they expire.
    _cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
        "OPTIONS": {"MAX_ENTRIES": 1_000_000, "CULL_FREQUENCY": 10},
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL must be redis://..., db:// or locmem://, not {_cache_url!r}")
CACHES = {"default": {**_cache, "KEY_FUNCTION": "klachtpunt.cache.make_key"}}
PER_PROCESS_CACHE_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)
if PRODUCTION and CACHES["default"]["BACKEND"] in PER_PROCESS_CACHE_BACKENDS:
    raise ImproperlyConfigured(
        "The production profile needs a cache shared by every process (security counters live there): "
        "set CACHE_URL=redis://... or leave it empty for the database cache."
    )

# The complaint widget and POST /api/v1/complaints (casework.intake.guard).
# Rate limits are "count/period" (period: s, m, h or d, optionally with a
# number, e.g. "10/10m"), or "off"; counters are shared by every host.
WIDGET_TOKEN_MAX_AGE = int(os.environ.get("WIDGET_TOKEN_MAX_AGE", str(2 * 60 * 60)))
WIDGET_RATE_LIMITS = {
    "ip": os.environ.get("WIDGET_RATE_LIMIT_IP", "10/10m"),
    "provider": os.environ.get("WIDGET_RATE_LIMIT_PROVIDER", "120/10m"),
    "global": os.environ.get("WIDGET_RATE_LIMIT_GLOBAL", "1200/10m"),
}
# Proof of work (ALTCHA); WIDGET_POW=0 turns it off, for benchmarks only.
WIDGET_POW_ENABLED = os.environ.get("WIDGET_POW", "1") == "1"
WIDGET_POW_MAX_NUMBER = int(os.environ.get("WIDGET_POW_MAX_NUMBER", "100000"))
# How many reverse proxies in front of the app append to X-Forwarded-For
# (0: use the socket's address). The client IP is the entry they did not write.
# Set once here; the intake rate limits, allauth (its adapter and its own
# setting) and the access log all read it through accounts.network.client_address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Staff and provider users (everyone who needs a second factor): logged out after
# 30 minutes without a request and 12 hours after logging in. Complainants keep
# the cookie's 14 days (klachtpunt.middleware.StaffSessionTimeoutMiddleware).
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("STAFF_SESSION_IDLE_SECONDS", str(30 * 60)))
STAFF_SESSION_MAX_SECONDS = int(os.environ.get("STAFF_SESSION_MAX_SECONDS", str(12 * 60 * 60)))
SESSION_COOKIE_NAME = "kp_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [f"https://*.{PLATFORM_DOMAIN}", f"https://{PLATFORM_DOMAIN}"]

# E-mail
_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "memory://" if TESTING else "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# EMAIL_URL=file:////path/to/folder writes each message to a file there (tests, demo).
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or None
if EMAIL_BACKEND.endswith(".filebased.EmailBackend"):
    # file:///var/mail/kp is /var/mail/kp (dj-email-url drops the leading slash).
    EMAIL_FILE_PATH = "/" + _email["EMAIL_FILE_PATH"].lstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Klachtpunt <noreply@klachtpunt.nl>")

# Celery (tenant-schemas-celery). Without a reachable broker the development
# profile runs tasks in-process (the documented single-process mode).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    "memory://" if TESTING else devservices.broker_url()
)
# Results are only kept where asked for (the worker tests use Redis).
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_RETRY_DELAY = 10
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request never waits long for a broker that is down: the outbox keeps the task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task delivered to a worker that lost its broker connection (broker restart) is
    # delivered again after this long; it must exceed the longest retry countdown.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # `make demo` without Redis: message folders under the data dir, one worker with beat.
    CELERY_BROKER_TRANSPORT_OPTIONS = devservices.filesystem_broker_options()
CELERY_TIMEZONE = TIME_ZONE
# How outbox rows reach the broker (outbox.services): "commit" hands them over
# from the web process after commit; "notify" leaves it to the relay process
# (`manage.py relay_outbox --follow`), woken by PostgreSQL NOTIFY.
OUTBOX_HANDOFF = os.environ.get("OUTBOX_HANDOFF", "commit")
# Side effects of providers moving to another cluster wait until the move is done (by dotted
# path: the outbox sits below tenants).
OUTBOX_PAUSED_SCHEMAS = "tenants.clusters.moving_schemas"
CELERY_BEAT_SCHEDULE: dict = {
    "relay-outbox": {"task": "outbox.tasks.relay_outbox", "schedule": 30.0},
    # Spare tenant schemas for fast sign-ups; also replaces spares after a migration.
    "spare-schemas": {"task": "tenants.tasks.spare_schemas_refill_task", "schedule": 600.0},
}

# Stripe: without keys billing runs locally and marks records as not synced.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRETS = _env_list("STRIPE_WEBHOOK_SECRETS", os.environ.get("STRIPE_WEBHOOK_SECRET", ""))
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Prefixes every idempotency key, so environments sharing one Stripe account never collide.
STRIPE_IDEMPOTENCY_PREFIX = os.environ.get("STRIPE_IDEMPOTENCY_PREFIX", "kp-" + PROFILE[:4])
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
# Where the sign-up form may send the browser (CSP form-action follows the redirect).
STRIPE_CHECKOUT_ORIGINS = _env_list("STRIPE_CHECKOUT_ORIGINS", "https://checkout.stripe.com")
# The processor agreement (verwerkersovereenkomst) a provider accepts at sign-up.
BILLING_DPA_VERSION = os.environ.get("BILLING_DPA_VERSION", "2026-01")
# Hours invoices pushed to Stripe at once by the monthly run (tests: one, in the test's transaction).
BILLING_PUSH_WORKERS = int(os.environ.get("BILLING_PUSH_WORKERS", "1" if TESTING else "8"))
CELERY_BEAT_SCHEDULE.update(
    {
        # The 1st of each month: bill the previous month's hours.
        "bill-hours-monthly": {
            "task": "billing.tasks.bill_hours_task",
            "schedule": crontab(minute=0, hour=3, day_of_month=1),
        },
        # Daily: compare memberships with Stripe, push unsynced rows, drop stale sign-ups.
        "billing-reconcile-daily": {
            "task": "billing.tasks.billing_reconcile_task",
            "schedule": crontab(minute=30, hour=4),
        },
    }
)

# Every module that defines tasks beat or the outbox names (autodiscovery only
# finds an app's top-level tasks.py), and the central jobs (Europe/Amsterdam times).
# Task names are pinned to where they were first defined: queued rows keep working.
CELERY_IMPORTS = [
    "casework.intake.tasks",
    "casework.triage.tasks",
    "casework.assignment.tasks",
    "casework.procedures.tasks",
    "casework.deadlines.tasks",
    "casework.decision.tasks",
    "casework.closing.tasks",
    "casework.privacy.tasks",
    "casework.reports.tenant_exit.tasks",
    "casework.index.tasks",
]
# Called after a cluster's dossier transaction commits (tenants.clusters), by dotted path:
# tenants sits below casework.
TENANT_CLUSTER_REPLICATOR = "casework.index.replication.replicate_cluster"
if TENANT_CLUSTERS:
    CELERY_BEAT_SCHEDULE.update(
        {
            # The clusters' index changes to the control database (also right after each commit).
            "replicate-index": {"task": "casework.index.tasks.replicate_index", "schedule": 5.0},
            # The clusters' own outboxes (the control database's is relayed by "relay-outbox").
            "relay-cluster-outboxes": {"task": "tenants.tasks.relay_cluster_outboxes", "schedule": 30.0},
        }
    )
CELERY_BEAT_SCHEDULE.update(
    {
        # Daily: reminders before, on and after each decision deadline; overdue to the coordinators.
        "deadline-reminders-daily": {
            "task": "casework.tasks_deadlines.deadline_reminders_task",
            "schedule": crontab(minute=0, hour=7),
        },
        # Daily: first contacts (five working days after receipt) due tomorrow, today or lapsed.
        "first-contact-reminders-daily": {
            "task": "casework.tasks_deadlines.first_contact_reminders_task",
            "schedule": crontab(minute=5, hour=7),
        },
        # Daily: warn the platform admins 90 days before the known Atw decree days run out.
        "calendar-expiry-daily": {
            "task": "casework.tasks_deadlines.calendar_expiry_task",
            "schedule": crontab(minute=15, hour=7),
        },
        # Weekly: open dossiers without activity for a year, flagged to the coordinators.
        "stalled-dossiers-weekly": {
            "task": "casework.tasks_deadlines.stalled_dossiers_task",
            "schedule": crontab(minute=45, hour=7, day_of_week=1),
        },
        # Every quarter of an hour: the DPO's clocks (a breach's 72 hours run in hours).
        "privacy-reminders": {
            "task": "casework.privacy.tasks.privacy_reminders_task",
            "schedule": crontab(minute="*/15"),
        },
        # Nightly: providers whose deletion request passed its confirmation period are deleted.
        "tenant-deletions-nightly": {
            "task": "casework.reports.tenant_exit.tasks.tenant_deletions_task",
            "schedule": crontab(minute=0, hour=3),
        },
        # Nightly: closed dossiers past the provider's retention period become anonymous figures.
        "retention-nightly": {
            "task": "casework.tasks_deadlines.retention_task",
            "schedule": crontab(minute=30, hour=2),
        },
    }
)
# Workloads apart: one queue per kind of work, so a month's invoicing run or a
# nightly sweep over every provider never delays an acknowledgement e-mail.
# deploy/compose.yaml and deploy/k8s/worker.yaml run a worker per queue
# (`celery worker -Q <queue>`); a worker started without -Q (make demo, tests)
# consumes them all. This is the one routing table: every task name, pinned
# where it was first defined (tests/test_celery_routes.py checks none is missing).
CELERY_QUEUE_INTAKE = "intake"  # intake side effects and e-mail to complainants and staff
CELERY_QUEUE_REMINDERS = "reminders"  # deadline reminders and retention: daily sweeps over all providers
CELERY_QUEUE_BILLING = "billing"  # invoicing runs and Stripe
CELERY_QUEUE_REPORTS = "reports"  # reports and exports
CELERY_QUEUE_PROVISIONING = "provisioning"  # new providers and spare schemas
CELERY_TASK_ROUTES = {
    name: {"queue": queue}
    for queue, names in {
        CELERY_QUEUE_INTAKE: [
            "outbox.tasks.relay_outbox",
            "tenants.tasks.relay_cluster_outboxes",
            "casework.index.tasks.replicate_index",
            "casework.tasks.send_acknowledgement",
            "casework.tasks.send_consent_request",
            "casework.tasks.notify_coordinators",
            "casework.index.tasks.notify_assignment_offered",
            "casework.index.tasks.notify_assignment_declined",
            "casework.tasks_procedures.send_advice_notifications",
            "casework.tasks_procedures.send_meeting_invitations",
            "casework.tasks_procedures.send_message_notifications",
            "casework.tasks_closing.send_decision",
            "casework.privacy.tasks.send_privacy_answer",
            "casework.tasks_closing.send_closing_letter",
            "casework.tasks_closing.send_extension_notice",
            "klachtpunt.tasks.runtime_probe",
            "casework.reports.tenant_exit.tasks.send_deletion_certificate",
        ],
        CELERY_QUEUE_REMINDERS: [
            "casework.tasks_deadlines.deadline_reminders_task",
            "casework.tasks_deadlines.send_deadline_reminder",
            "casework.tasks_deadlines.first_contact_reminders_task",
            "casework.tasks_deadlines.send_first_contact_reminder",
            "casework.tasks_deadlines.retention_task",
            "casework.tasks_closing.retention_reduce_tenant",
            "casework.tasks_deadlines.calendar_expiry_task",
            "casework.tasks_deadlines.stalled_dossiers_task",
            "casework.privacy.tasks.privacy_reminders_task",
            "casework.privacy.tasks.send_privacy_reminder",
        ],
        CELERY_QUEUE_BILLING: [
            "billing.tasks.bill_hours_task",
            "billing.tasks.billing_reconcile_task",
            "billing.tasks.membership_push_task",
            "billing.tasks.stripe_event_process_task",
        ],
        # Reports and exports are rendered in the request today; a task that
        # builds one in the background is routed here.
        CELERY_QUEUE_REPORTS: [
            "casework.reports.tenant_exit.tasks.tenant_export_task",
            "casework.reports.tenant_exit.tasks.tenant_deletions_task",
        ],
        CELERY_QUEUE_PROVISIONING: [
            "tenants.tasks.provider_provision_task",
            "tenants.tasks.spare_schemas_refill_task",
            "billing.tasks.signup_provision_task",
        ],
    }.items()
    for name in names
}
CELERY_WORKLOAD_QUEUES = [
    CELERY_QUEUE_INTAKE,
    CELERY_QUEUE_REMINDERS,
    CELERY_QUEUE_BILLING,
    CELERY_QUEUE_REPORTS,
    CELERY_QUEUE_PROVISIONING,
]
# Celery's own default queue, drained by the intake workers: messages queued
# before the split, and senders that do not load these settings, are not stranded.
CELERY_LEGACY_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name)  # type: ignore[no-untyped-call]
    for name in [*CELERY_WORKLOAD_QUEUES, CELERY_LEGACY_QUEUE]
]
# A task without a route (there should be none) goes where the e-mails go, never to an unconsumed queue.
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE_INTAKE

# A Unicode font for the decision PDF (casework.decision.pdf finds DejaVu Sans by itself).
DECISION_PDF_FONT = os.environ.get("DECISION_PDF_FONT", "")

# Sentry: only when a DSN is given; no PII, dossier content scrubbed.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "klachtpunt.logging.json_formatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # stripe logs every request at INFO; our services log what matters.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}

from klachtpunt.logging import configure_structlog  # noqa: E402
from klachtpunt.sentry import init_sentry  # noqa: E402

configure_structlog()
init_sentry(SENTRY_DSN, environment=PROFILE)
