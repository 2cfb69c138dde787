"""The access log (NEN 7513): who did what with which dossier, when, on whose behalf, from where.

Every action (service) that creates or changes a dossier takes the
``Accessor`` and writes its own row with ``access_log_change`` inside its
transaction, so a change never commits without its row nor a row without its
change; views build the accessor with ``request_accessor``. Views that read,
export, print or search call ``access_log_request`` once. Rows
live in the provider's schema under the complaint's id (no foreign key: the
log outlives a dossier removed by retention). The table is append-only: a
trigger refuses UPDATE, DELETE and TRUNCATE (migration 0005); only
``access_log_purge_older_than``, used by the retention job, removes rows, and
only those older than 5 years whose dossier no longer exists (casework migration
``provider_roles_participants_draft``).

What is recorded, in NEN 7513's terms:

- *event*: create, read, change, delete, export, print or search;
- *time*: ``at`` (UTC, shown in Europe/Amsterdam);
- *client*: the dossier, by its id and reference (``case_id``, ``reference``);
  searches over many dossiers leave it empty and say what was searched;
- *user*: the account id and a readable label, with the role it acted in and
  its organisation (Klachtpunt or the provider), or the API key's name;
- *on whose behalf*: e.g. a coordinator recording a complainant's answer by phone;
- *access point*: the channel (staff workspace, provider environment, Mijn
  klachten, follow link, complaint form, API key), host, path, method and
  the client's IP address (the device the access came from).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import structlog
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AnyUser, PlatformRole
from accounts.network import client_address
from casework.dossier.permissions import acting_role
from casework.index.models import Assignment, CaseIndex, CaseKind
from casework.models import AccessLogEntry, Complaint
from tenants.clusters import schema_context
from tenants.models import Provider, ProviderApiKey
from tenants.permissions import provider_roles
from tenants.tenancy import require_tenant_schema

log = structlog.get_logger(__name__)

Event = AccessLogEntry.Event
AccessChannel = AccessLogEntry.AccessChannel

# The access log is kept at least this long (NEN 7513 and DESIGN.md section 4).
MINIMUM_RETENTION_YEARS = 5

PLATFORM_ORGANISATION = "Klachtpunt"

ROLE_LABELS = {
    "coordinator": _("Klachtencoördinator"),
    "platform_admin": _("Beheerder van Klachtpunt"),
    "officer": _("Klachtenfunctionaris"),
    "committee": _("Klachtencommissie"),
    "confidant": _("Vertrouwenspersoon"),
    "dpo": _("Functionaris gegevensbescherming"),
    "intake": _("Klachtencoördinator"),
    "professional": _("Professional van Klachtpunt"),
    "provider_admin": _("Beheerder bij de zorgaanbieder"),
    "provider_handler": _("Klachtbehandelaar bij de zorgaanbieder"),
    "provider_decision_maker": _("Beslisser bij de zorgaanbieder"),
    "provider_concerned": _("Betrokken medewerker van de zorgaanbieder"),
    "provider_staff": _("Medewerker van de zorgaanbieder"),
    "complainant": _("Klager"),
    "api_key": _("Koppeling via de API"),
    "system": _("Klachtpunt (automatisch)"),
}

# Accesses by the complainant themselves; the "who looked at my dossier" overview leaves these out.
OWN_CHANNELS = (AccessChannel.COMPLAINANT_PORTAL, AccessChannel.FOLLOW_LINK, AccessChannel.WIDGET)
# Accesses by the provider's own people and systems: what its admin reviews per employee.
PROVIDER_CHANNELS = (AccessChannel.PROVIDER, AccessChannel.API_KEY)


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@dataclass(frozen=True)
class Accessor:
    """Who accesses, in which role, on whose behalf, and from which access point."""

    channel: str
    role: str
    user_id: int | None = None
    user_label: str = ""
    organisation: str = ""
    on_behalf_of_user_id: int | None = None
    on_behalf_of_label: str = ""
    host: str = ""
    path: str = ""
    method: str = ""
    ip_address: str | None = None


SYSTEM = Accessor(channel=AccessChannel.SYSTEM, role="system", organisation=PLATFORM_ORGANISATION)


def _ip(request: HttpRequest) -> str | None:
    # The client behind our proxies (TRUSTED_PROXY_COUNT), not the ingress.
    return client_address(request)


def _staff_role(user: AnyUser | None, provider: Provider | None, case_id: int | None) -> str:
    roles = set(getattr(user, "roles", []) or [])
    if PlatformRole.COORDINATOR in roles:
        return "coordinator"
    if PlatformRole.PLATFORM_ADMIN in roles or getattr(user, "is_superuser", False):
        return "platform_admin"
    if PlatformRole.PROFESSIONAL in roles:
        if provider is not None and case_id is not None:
            # The service the professional works on this case in (officer, committee, ...).
            service = (
                Assignment.objects.filter(
                    # case_id numbers complaints; requests, breaches and advice rows number their own.
                    case__provider=provider,
                    case__kind=CaseKind.COMPLAINT,
                    case__case_id=case_id,
                    professional_id=getattr(user, "pk", None),
                )
                .order_by("-assigned_at", "-pk")
                .values_list("service", flat=True)
                .first()
            )
            if service:
                return service
        return "professional"
    return "complainant"


def _provider_acting_role(
    user: AnyUser | None, provider: Provider, complaint: Complaint | None, case_id: int | None
) -> str | None:
    """The role a provider's member acts in on this dossier (handler, decision maker, concerned, ...)."""
    if user is None or provider_roles(user, provider) is None:
        return None
    if complaint is None and case_id is not None:
        with schema_context(provider.schema_name):
            complaint = Complaint.objects.filter(pk=case_id).only("pk", "consent").first()
    return acting_role(user, provider, complaint)


def accessor_from_request(
    request: HttpRequest,
    *,
    provider: Provider | None = None,
    case_id: int | None = None,
    channel: str | None = None,
    role: str | None = None,
    on_behalf_of_user_id: int | None = None,
    on_behalf_of_label: str = "",
    complaint: Complaint | None = None,
) -> Accessor:
    """Describe who is behind ``request``; ``channel`` and ``role`` override what is worked out.

    On the platform host a user with a staff role is Klachtpunt staff and
    anyone else a complainant in Mijn klachten; on a provider host a member
    works for the provider, an API key is the provider's system, and an
    anonymous visitor is a complainant by follow link or complaint form (the
    caller says which).
    """
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    authenticated = bool(getattr(user, "is_authenticated", False))
    api_key = getattr(request, "auth", None)
    user_id: int | None = user.pk if authenticated else None
    user_label = str(user)[:150] if authenticated else ""
    organisation = ""
    if isinstance(api_key, ProviderApiKey):
        channel = channel or AccessChannel.API_KEY
        role = role or "api_key"
        user_id = None
        user_label = f"API-sleutel {api_key.name} ({api_key.prefix}…)"[:150]
        organisation = api_key.provider.name if api_key.provider_id else ""
    elif tenant is not None and tenant.is_platform:
        staff_role = _staff_role(user, provider, case_id) if authenticated else "complainant"
        if channel is None:
            channel = (
                AccessChannel.COMPLAINANT_PORTAL
                if staff_role == "complainant"
                else AccessChannel.PLATFORM_STAFF
            )
        role = role or staff_role
        organisation = "" if role == "complainant" else PLATFORM_ORGANISATION
    else:
        member_role = (
            _provider_acting_role(user, tenant, complaint, case_id)
            if authenticated and tenant is not None and not tenant.is_platform
            else None
        )
        if member_role is not None and channel in (None, AccessChannel.PROVIDER):
            channel = AccessChannel.PROVIDER
            role = role or f"provider_{member_role}"
            organisation = tenant.name
        else:
            channel = channel or AccessChannel.FOLLOW_LINK
            role = role or "complainant"
            if channel in OWN_CHANNELS and not authenticated:
                user_label = ""
    return Accessor(
        channel=channel,
        role=role,
        user_id=user_id,
        user_label=user_label,
        organisation=organisation,
        on_behalf_of_user_id=on_behalf_of_user_id,
        on_behalf_of_label=on_behalf_of_label[:150],
        host=request.get_host()[:255],
        path=request.path[:500],
        method=(request.method or "")[:8],
        ip_address=_ip(request),
    )


def access_log_record(
    *,
    provider: Provider,
    event: str,
    accessor: Accessor,
    case_id: int | None = None,
    reference: str = "",
    subject: str = "dossier",
    detail: str = "",
    at: datetime.datetime | None = None,
) -> AccessLogEntry:
    """Append one entry to ``provider``'s access log (inside the caller's transaction, if any)."""
    if event not in Event.values:
        raise ValueError(f"unknown access-log event: {event}")
    with schema_context(provider.schema_name):
        require_tenant_schema()
        return AccessLogEntry.objects.create(
            at=at or timezone.now(),
            event=event,
            case_id=case_id,
            reference=reference,
            subject=subject[:40],
            detail=detail[:300],
            user_id=accessor.user_id,
            user_label=accessor.user_label,
            role=accessor.role,
            organisation=accessor.organisation[:200],
            on_behalf_of_user_id=accessor.on_behalf_of_user_id,
            on_behalf_of_label=accessor.on_behalf_of_label,
            channel=accessor.channel,
            host=accessor.host,
            path=accessor.path,
            method=accessor.method,
            ip_address=accessor.ip_address,
        )


def access_log_change(
    *,
    provider: Provider,
    accessor: Accessor,
    complaint: Any,
    subject: str,
    detail: str = "",
    event: str = Event.CHANGE,
) -> AccessLogEntry:
    """A change to ``complaint``'s dossier by ``accessor``: the line an action writes in its transaction."""
    return access_log_record(
        provider=provider,
        event=event,
        accessor=accessor,
        case_id=complaint.pk,
        reference=complaint.reference,
        subject=subject,
        detail=detail,
    )


def request_accessor(
    request: HttpRequest,
    *,
    provider: Provider | None = None,
    complaint: Complaint | None = None,
    case: CaseIndex | None = None,
    case_id: int | None = None,
    reference: str = "",
    channel: str | None = None,
    role: str | None = None,
    on_behalf_of_user_id: int | None = None,
    on_behalf_of_label: str = "",
) -> Accessor:
    """Who is behind ``request``, for an action to log (``accessor_from_request`` given the dossier).

    The dossier, when there is one yet, is named by ``complaint``, ``case``
    (its index row) or ``case_id``/``reference``: a professional's role is the
    service they work on that case in.
    """
    provider, case_id, _reference = _resolve_dossier(
        request, provider=provider, complaint=complaint, case=case, case_id=case_id, reference=reference
    )
    return accessor_from_request(
        request,
        provider=provider,
        case_id=case_id,
        channel=channel,
        role=role,
        on_behalf_of_user_id=on_behalf_of_user_id,
        on_behalf_of_label=on_behalf_of_label,
        complaint=complaint,
    )


def _resolve_dossier(
    request: HttpRequest,
    *,
    provider: Provider | None,
    complaint: Complaint | None,
    case: CaseIndex | None,
    case_id: int | None,
    reference: str,
) -> tuple[Provider | None, int | None, str]:
    if case is not None:
        provider = provider or case.provider
        case_id, reference = case.case_id, case.reference
    if complaint is not None:
        case_id, reference = complaint.pk, complaint.reference
    tenant = getattr(request, "tenant", None)
    if provider is None and reference and (tenant is None or tenant.is_platform):
        # On the platform host a reference names the dossier; the index says where it lives.
        found = CaseIndex.objects.select_related("provider").filter(reference=reference).first()
        if found is not None:
            provider, case_id = found.provider, found.case_id
    return provider or tenant, case_id, reference


def access_log_request(
    request: HttpRequest,
    event: str,
    *,
    provider: Provider | None = None,
    complaint: Complaint | None = None,
    case: CaseIndex | None = None,
    case_id: int | None = None,
    reference: str = "",
    subject: str = "dossier",
    detail: str = "",
    channel: str | None = None,
    role: str | None = None,
    on_behalf_of_user_id: int | None = None,
    on_behalf_of_label: str = "",
) -> AccessLogEntry:
    """The one line a view adds for what it shows: a read, a search, an export or a print.

    Changes are logged by the action itself, inside its transaction (it takes
    an ``Accessor``: ``request_accessor``). The dossier is named by
    ``complaint`` (a dossier row), ``case`` (its case-index row, which also
    gives the provider) or ``case_id`` and ``reference``; the provider
    defaults to the request's tenant.
    """
    provider, case_id, reference = _resolve_dossier(
        request, provider=provider, complaint=complaint, case=case, case_id=case_id, reference=reference
    )
    if provider is None or provider.is_platform:
        raise ValueError("an access-log entry belongs to a provider's schema")
    accessor = accessor_from_request(
        request,
        provider=provider,
        case_id=case_id,
        channel=channel,
        role=role,
        on_behalf_of_user_id=on_behalf_of_user_id,
        on_behalf_of_label=on_behalf_of_label,
        complaint=complaint,
    )
    return access_log_record(
        provider=provider,
        event=event,
        accessor=accessor,
        case_id=case_id,
        reference=reference,
        subject=subject,
        detail=detail,
    )


def access_log_purge_older_than(
    *, provider: Provider, years: int = MINIMUM_RETENTION_YEARS, now: datetime.datetime | None = None
) -> int:
    """Delete ``provider``'s access-log entries older than ``years`` (at least 5) whose dossier
    no longer exists; return how many. A row is kept as long as the dossier it describes.

    The privileged retention path: it sets ``klachtpunt.retention`` for its own
    transaction only, which the append-only trigger checks, and the trigger
    still refuses any row younger than 5 years, whatever this is asked.
    """
    if years < MINIMUM_RETENTION_YEARS:
        raise ValueError(f"the access log is kept at least {MINIMUM_RETENTION_YEARS} years")
    now = now or timezone.now()
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    with schema_context(provider.schema_name), transaction.atomic():
        require_tenant_schema()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL klachtpunt.retention = 'on'")
            # A row outlives neither 5 years nor its dossier: the trigger refuses the rest anyway.
            cursor.execute(
                "DELETE FROM casework_accesslogentry AS entry WHERE entry.at < %s"
                " AND (entry.case_id IS NULL OR NOT EXISTS"
                " (SELECT 1 FROM casework_complaint AS complaint WHERE complaint.id = entry.case_id))",
                [cutoff],
            )
            deleted = cursor.rowcount
            cursor.execute("SET LOCAL klachtpunt.retention = 'off'")
    log.info("access_log_purged", schema=provider.schema_name, deleted=deleted, years=years)
    return deleted
