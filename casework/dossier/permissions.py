"""Who may do what with one complaint at the provider: the object-level rules (django-rules).

The one permission module for the provider's side of a dossier; the
provider-level rules (who is a member, who is admin) are in
``tenants.permissions``, which this builds on. Every provider page and API
route asks ``allowed(user, PERMISSION, complaint)``; the list and the API's
list are the same rule as a query (``member_complaints_q``).

Per complaint (``ComplaintParticipant``, recorded by the provider's admin):

- the **complaint handler** (holding the handler role, recorded on the
  complaint) reads the dossier, writes messages and prepares the answer;
- the **decision maker** (holding the decision-maker role) reads the dossier,
  records and signs the decision and extends the deadline: the one recorded
  on the complaint, or, while none is recorded, every decision maker of the
  provider (the board decides unless it mandates someone);
- the **employee concerned** (any member, recorded on the complaint) reads
  what the complaint says about what happened and gives their side; never
  the complainant's contact details, the messages, the documents or the
  decision, and never another complaint;
- the **admin** sees the routing facts of every consented complaint (as the
  CSV export), to record who works on it, and no dossier.

Nothing here is reachable before consent: every rule starts from
``complaints_visible_to_provider`` (a complaint not shared is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from accounts.models import AnyUser
from casework.index.sharing import provider_may_open
from casework.models import Complaint, ComplaintParticipant, PanelMember
from tenants.models import Provider, ProviderRole
from tenants.permissions import add_rule, allowed, holds_provider_role, predicate, provider_roles

Role = ComplaintParticipant.Role

# Complaint-level permissions (the object is a consented complaint of the request's provider).
VIEW_FACTS = "casework.view_complaint_facts"  # reference, status, dates, category: no dossier
VIEW_DOSSIER = "casework.view_dossier"  # the whole dossier the provider may see
VIEW_CONCERNING = "casework.view_concerning"  # what happened, for the employee concerned
ASSIGN = "casework.assign_participants"
PREPARE_ANSWER = "casework.prepare_answer"
RECORD_DECISION = "casework.record_decision"
EXTEND_DEADLINE = "casework.extend_deadline"
SEND_MESSAGE = "casework.send_provider_message"
READ_DOCUMENTS = "casework.read_documents"
COMPLETE_MEASURE = "casework.complete_measure"
GIVE_OWN_SIDE = "casework.give_own_side"
# The committee's deliberation: the case's panel only (platform side; never a provider role).
READ_DELIBERATION = "casework.read_deliberation"

__all__ = [
    "ASSIGN",
    "COMPLETE_MEASURE",
    "EXTEND_DEADLINE",
    "GIVE_OWN_SIDE",
    "PREPARE_ANSWER",
    "READ_DELIBERATION",
    "READ_DOCUMENTS",
    "RECORD_DECISION",
    "SEND_MESSAGE",
    "VIEW_CONCERNING",
    "VIEW_DOSSIER",
    "VIEW_FACTS",
    "acting_role",
    "allowed",
    "member_complaints_q",
]


def _provider() -> Provider | None:
    """The provider whose schema this connection works in (the request's tenant)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Provider):
        return None if tenant.is_platform else tenant
    schema: str = getattr(connection, "schema_name", "")
    cache: dict[str, Provider | None] = connection.__dict__.setdefault("_kp_provider_by_schema", {})
    if schema not in cache:
        cache[schema] = Provider.objects.filter(schema_name=schema).first()
    return cache[schema]


def _participations(user: AnyUser, complaint: Complaint) -> dict[str, Any]:
    """The user's roles on ``complaint`` and whether a decision maker is recorded (one query, cached)."""
    cache: dict[int, dict[str, Any]] = complaint.__dict__.setdefault("_kp_participations", {})
    key = user.pk or 0  # the anonymous user has no pk and takes part in nothing
    if key not in cache:
        rows = list(ComplaintParticipant.objects.filter(complaint=complaint).values_list("user_id", "role"))
        cache[key] = {
            "mine": frozenset(role for user_id, role in rows if user_id == user.pk),
            "decision_maker_recorded": any(role == Role.DECISION_MAKER for _, role in rows),
        }
    return cache[key]


def _here(complaint: Complaint | None) -> Provider | None:
    """The provider, when ``complaint`` is one of its consented complaints (nothing before consent)."""
    if complaint is None or not provider_may_open(consent=complaint.consent):
        return None
    return _provider()


@predicate
def is_admin_here(user: AnyUser, complaint: Complaint | None) -> bool:
    provider = _here(complaint)
    return provider is not None and holds_provider_role(user, provider, ProviderRole.ADMIN)


@predicate
def is_complaint_handler(user: AnyUser, complaint: Complaint | None) -> bool:
    provider = _here(complaint)
    if provider is None or complaint is None or not holds_provider_role(user, provider, ProviderRole.HANDLER):
        return False
    return Role.HANDLER in _participations(user, complaint)["mine"]


@predicate
def is_complaint_decision_maker(user: AnyUser, complaint: Complaint | None) -> bool:
    provider = _here(complaint)
    if provider is None or complaint is None:
        return False
    if not holds_provider_role(user, provider, ProviderRole.DECISION_MAKER):
        return False
    seen = _participations(user, complaint)
    return Role.DECISION_MAKER in seen["mine"] or not seen["decision_maker_recorded"]


@predicate
def is_employee_concerned(user: AnyUser, complaint: Complaint | None) -> bool:
    provider = _here(complaint)
    if provider is None or complaint is None or provider_roles(user, provider) is None:
        return False
    return Role.CONCERNED in _participations(user, complaint)["mine"]


@predicate
def is_on_panel(user: AnyUser, complaint: Complaint | None) -> bool:
    """A seat on the complaint's committee panel (chair, member or secretary).

    Nothing of the provider's roles counts: the deliberation is the panel's
    alone, whoever else may read the dossier.
    """
    if complaint is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return False
    return PanelMember.objects.filter(complaint=complaint, user_id=user.pk).exists()


# The employee concerned never decides, even when they also hold a decision role:
# a complaint about you is not yours to judge.
works_on = (is_complaint_handler | is_complaint_decision_maker) & ~is_employee_concerned
decides = is_complaint_decision_maker & ~is_employee_concerned

add_rule(VIEW_FACTS, is_admin_here | works_on | is_employee_concerned)
add_rule(VIEW_DOSSIER, works_on)
add_rule(VIEW_CONCERNING, is_employee_concerned)
add_rule(ASSIGN, is_admin_here)
add_rule(PREPARE_ANSWER, works_on)
add_rule(SEND_MESSAGE, works_on)
add_rule(READ_DOCUMENTS, works_on)
add_rule(COMPLETE_MEASURE, works_on)
add_rule(RECORD_DECISION, decides)
add_rule(EXTEND_DEADLINE, decides)
add_rule(GIVE_OWN_SIDE, is_employee_concerned)
add_rule(READ_DELIBERATION, is_on_panel)


def member_complaints_q(*, provider: Provider, user: AnyUser) -> Q:
    """The complaints ``user`` may see listed at ``provider``, as a filter (the rules above as a query).

    Apply it to ``complaints_visible_to_provider``: the admin's list holds
    every consented complaint (its routing facts); anyone else's only the
    complaints they work on or are concerned in; plain staff's nothing.
    """
    held = provider_roles(user, provider)
    if held is None:
        return Q(pk__in=[])
    if ProviderRole.ADMIN in held:
        return Q()
    mine = ComplaintParticipant.objects.filter(complaint=OuterRef("pk"), user_id=user.pk or 0)
    q = Q(Exists(mine.filter(role=Role.CONCERNED)))
    if ProviderRole.HANDLER in held:
        q |= Q(Exists(mine.filter(role=Role.HANDLER)))
    if ProviderRole.DECISION_MAKER in held:
        recorded = ComplaintParticipant.objects.filter(complaint=OuterRef("pk"), role=Role.DECISION_MAKER)
        q |= Q(Exists(mine.filter(role=Role.DECISION_MAKER))) | ~Q(Exists(recorded))
    return q


def acting_role(user: AnyUser, provider: Provider, complaint: Complaint | None) -> str | None:
    """The role ``user`` acts in at ``provider`` (for the access log): on a complaint, the one
    they hold there (concerned, handler, decision maker), else their first provider role."""
    held = provider_roles(user, provider)
    if held is None:
        return None
    if complaint is not None and getattr(complaint, "pk", None) is not None:
        if is_employee_concerned(user, complaint):
            return "concerned"
        if is_complaint_handler(user, complaint):
            return "handler"
        if is_complaint_decision_maker(user, complaint):
            return "decision_maker"
    for role in (ProviderRole.ADMIN, ProviderRole.DECISION_MAKER, ProviderRole.HANDLER):
        if role in held:
            return str(role)
    return str(ProviderRole.STAFF)
