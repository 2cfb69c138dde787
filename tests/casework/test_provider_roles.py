"""Need-to-know at the provider (DESIGN.md section 1): each role on each provider page and action.

The admin manages users, settings, subscription, widget, API keys and reads
the access log and the annual report, but no dossier (it sees a complaint's
routing facts, to record who works on it); the complaint handler reads the
complaints assigned to them and prepares the answer; the decision maker
records the decision and extends the deadline; the employee concerned reads
what happened and gives their side, never decides, never sees another
complaint; plain staff see no dossier. A complaint a member may not see is a
404 (as one without consent); one they see but may not act on, a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.services import totp_activate, user_create
from casework.dossier.access_log import Event
from casework.dossier.attachments import check_attachments
from casework.models import CaseRecord, Complaint, ComplaintParticipant, Decision, DecisionDraft, Message
from casework.procedures.mediation import record_add
from casework.provider_view.services import complaint_participant_add
from tenants.clusters import schema_context
from tenants.models import ProviderMembership, ProviderRole
from tenants.services import api_key_create, membership_grant, membership_roles_set
from tests.casework.factories_decision import CONCLUSION, DECISIONS, TIMEFRAME, formal_complaint
from tests.casework.procedure_support import access_log_mark, log_entries, staff_accessor
from tests.casework.test_consent_gating import count_on_page, listed
from tests.conftest import host_client
from tests.support import PASSWORD, TOTP_SECRET, World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ADMIN, HANDLER, DECIDER, CONCERNED, STAFF, OTHER_HANDLER, MANDATE_ELSEWHERE = (
    "admin",
    "handler",
    "decision_maker",
    "employee_concerned",
    "plain_staff",
    "handler_of_another_complaint",
    "decision_maker_not_mandated_here",
)
ROLES = (ADMIN, HANDLER, DECIDER, CONCERNED, STAFF, OTHER_HANDLER, MANDATE_ELSEWHERE)


@dataclass
class Setting:
    complaint: Complaint
    other: Complaint
    users: dict[str, User]
    document_id: int


def _member(world: World, name: str, roles: list[str]) -> User:
    user = user_create(
        email=f"{name}@roles.alpha.test", password=PASSWORD, display_name=name.replace("_", " ").title()
    )
    membership_grant(user=user, provider=world.alpha, roles=roles)
    totp_activate(user=user, secret=TOTP_SECRET)
    return user


def _record(world: World, complaint: Complaint, user: User, role: str) -> None:
    complaint_participant_add(
        provider=world.alpha,
        complaint_id=complaint.pk,
        user_id=user.pk,
        role=role,
        accessor=staff_accessor(world.alpha_admin, "provider_admin"),
    )


def _setting(world: World) -> Setting:
    complaint, _case = formal_complaint(world.alpha)
    other, _other_case = formal_complaint(world.alpha)
    users = {
        ADMIN: _member(world, ADMIN, [ProviderRole.ADMIN]),
        HANDLER: _member(world, HANDLER, [ProviderRole.HANDLER]),
        DECIDER: _member(world, DECIDER, [ProviderRole.DECISION_MAKER]),
        CONCERNED: _member(world, CONCERNED, []),
        STAFF: _member(world, STAFF, []),
        OTHER_HANDLER: _member(world, OTHER_HANDLER, [ProviderRole.HANDLER]),
        MANDATE_ELSEWHERE: _member(world, MANDATE_ELSEWHERE, [ProviderRole.DECISION_MAKER]),
    }
    role = ComplaintParticipant.Role
    _record(world, complaint, users[HANDLER], role.HANDLER)
    _record(world, complaint, users[DECIDER], role.DECISION_MAKER)
    _record(world, complaint, users[CONCERNED], role.CONCERNED)
    _record(world, other, users[OTHER_HANDLER], role.HANDLER)
    _record(world, other, users[MANDATE_ELSEWHERE], role.DECISION_MAKER)
    [checked] = check_attachments([SimpleUploadedFile("verslag.pdf", PDF, content_type="application/pdf")])
    document = record_add(
        provider=world.alpha,
        complaint_id=complaint.pk,
        accessor=staff_accessor(world.coordinator, "coordinator"),
        kind=CaseRecord.Kind.DOCUMENT,
        text="Verslag",
        visibility="provider",
        document=checked,
    )
    return Setting(complaint=complaint, other=other, users=users, document_id=document.pk)


def _client(world: World, user: User) -> Client:
    client = host_client(world.alpha_host)
    client.force_login(user)
    return client


DECISION_POST = {
    "conclusion": CONCLUSION,
    "decisions_taken": DECISIONS,
    "measures_timeframe": TIMEFRAME,
    "measure-TOTAL_FORMS": "0",
    "measure-INITIAL_FORMS": "0",
}


def _act(world: World, s: Setting, client: Client, action: str, user: User) -> int:
    ref = s.complaint.reference
    today = timezone.localdate().isoformat()
    if action == "list":
        return client.get("/klachten/").status_code
    if action == "export":
        return client.get("/klachten/export.csv").status_code
    if action == "detail":
        return client.get(f"/klachten/{ref}/").status_code
    if action == "decision":
        return client.get(f"/klachten/{ref}/oordeel/").status_code
    if action == "decision_sign":
        return client.post(f"/klachten/{ref}/oordeel/", {**DECISION_POST, "decided_on": today}).status_code
    if action == "extension":
        return client.get(f"/klachten/{ref}/termijn/").status_code
    if action == "prepare_answer":
        return client.post(
            f"/klachten/{ref}/concept-antwoord/",
            {"conclusion": CONCLUSION, "decisions_taken": "", "measures_timeframe": ""},
        ).status_code
    if action == "messages":
        return client.post(
            f"/klachten/{ref}/bericht/",
            {"message-audience": "provider", "message-body": "Wij zoeken het uit."},
        ).status_code
    if action == "documents":
        return client.get(f"/klachten/{ref}/documenten/{s.document_id}/").status_code
    if action == "own_side":
        return client.post(
            f"/klachten/{ref}/mijn-reactie/", {"body": "Mijn kant van het verhaal."}
        ).status_code
    if action == "assign":
        return client.post(
            f"/klachten/{ref}/betrokkenen/",
            {"user": s.users[STAFF].pk, "role": ComplaintParticipant.Role.CONCERNED},
        ).status_code
    if action == "report":
        return client.get(f"/rapportage/{timezone.localdate().year}/").status_code
    if action == "access_log":
        return client.get("/instellingen/toegangslog/").status_code
    if action == "settings":
        return client.get("/instellingen/gebruikers/").status_code
    if action == "widget":
        return client.get("/instellingen/klachtenformulier/").status_code
    if action == "api_keys":
        return client.get("/instellingen/api-sleutels/").status_code
    if action == "subscription":
        return client.get("/instellingen/abonnement/").status_code
    if action == "api_case":
        # A key reaches no further than its maker: the dossier over the API only for who may read it.
        _key, raw = api_key_create(provider=world.alpha, name=f"key of {user.pk}", created_by=user)
        api = host_client(world.alpha_host)
        return api.get(f"/api/v1/cases/{ref}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
    raise AssertionError(action)


OK, REDIRECT, FORBIDDEN, HIDDEN = 200, 302, 403, 404
#                    admin      handler    decider    concerned  staff      other_h.   mandate_elsewhere
TABLE: dict[str, tuple[int, ...]] = {
    "list": (OK, OK, OK, OK, OK, OK, OK),
    "export": (OK, OK, OK, OK, OK, OK, OK),
    "detail": (OK, OK, OK, OK, HIDDEN, HIDDEN, HIDDEN),
    "decision": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "decision_sign": (FORBIDDEN, FORBIDDEN, REDIRECT, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "extension": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "prepare_answer": (FORBIDDEN, REDIRECT, REDIRECT, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "messages": (FORBIDDEN, REDIRECT, REDIRECT, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "documents": (FORBIDDEN, OK, OK, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "own_side": (FORBIDDEN, FORBIDDEN, FORBIDDEN, REDIRECT, HIDDEN, HIDDEN, HIDDEN),
    "assign": (REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "report": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "access_log": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "settings": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "widget": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "api_keys": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "subscription": (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "api_case": (HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
}
# Whether the complaint is in the role's list (and the other complaint, which only its own people see).
LISTED = {
    ADMIN: (True, True),
    HANDLER: (True, False),
    DECIDER: (True, False),
    CONCERNED: (True, False),
    STAFF: (False, False),
    OTHER_HANDLER: (False, True),
    MANDATE_ELSEWHERE: (False, True),
}

CASES = [(role, action, TABLE[action][i]) for action in TABLE for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("role", "action", "expected"), CASES, ids=[f"{r}-{a}" for r, a, _e in CASES])
def test_each_provider_role_gets_what_need_to_know_allows_on_each_page_and_action(
    world: World, role: str, action: str, expected: int
) -> None:
    s = _setting(world)
    user = s.users[role]
    client = _client(world, user)
    status = _act(world, s, client, action, user)
    assert status == expected, f"{role} on {action}: {status}, expected {expected}"
    if action == "list":
        html = client.get("/klachten/").content.decode()
        listed = (s.complaint.reference in html, s.other.reference in html)
        assert listed == LISTED[role]
    if action == "export":
        body = client.get("/klachten/export.csv").content.decode("utf-8-sig")
        assert (s.complaint.reference in body, s.other.reference in body) == LISTED[role]
    if expected in (OK, REDIRECT) and action in ("decision_sign", "prepare_answer", "own_side", "assign"):
        # The allowed action did happen (and the refused ones above changed nothing).
        with schema_context(world.alpha.schema_name):
            done = {
                "decision_sign": Decision.objects.filter(complaint=s.complaint).exists(),
                "prepare_answer": DecisionDraft.objects.filter(complaint=s.complaint).exists(),
                "own_side": Message.objects.filter(complaint=s.complaint, sender_user_id=user.pk).exists(),
                "assign": ComplaintParticipant.objects.filter(
                    complaint=s.complaint, user_id=s.users[STAFF].pk
                ).exists(),
            }[action]
        assert done
    if expected in (FORBIDDEN, HIDDEN) and action == "decision_sign":
        with schema_context(world.alpha.schema_name):
            assert not Decision.objects.filter(complaint=s.complaint).exists()


def test_employee_concerned_gets_403_on_decision_and_extension(world: World) -> None:
    s = _setting(world)
    concerned = _client(world, s.users[CONCERNED])
    ref = s.complaint.reference
    assert concerned.get(f"/klachten/{ref}/").status_code == 200
    assert concerned.get(f"/klachten/{ref}/oordeel/").status_code == 403
    assert concerned.post(f"/klachten/{ref}/oordeel/", DECISION_POST).status_code == 403
    assert concerned.get(f"/klachten/{ref}/termijn/").status_code == 403
    assert concerned.post(f"/klachten/{ref}/termijn/", {"reason": "x"}).status_code == 403
    # Even holding the decision-maker role, a complaint about you is not yours to judge.
    membership_grant(user=s.users[CONCERNED], provider=world.alpha, roles=[ProviderRole.DECISION_MAKER])
    again = _client(world, User.objects.get(pk=s.users[CONCERNED].pk))
    assert again.get(f"/klachten/{ref}/oordeel/").status_code == 403
    assert again.get(f"/klachten/{ref}/termijn/").status_code == 403
    with schema_context(world.alpha.schema_name):
        assert not Decision.objects.filter(complaint=s.complaint).exists()
        assert not s.complaint.deadline_extensions.exists()


def test_employee_concerned_sees_no_other_complaint(world: World) -> None:
    s = _setting(world)
    concerned = _client(world, s.users[CONCERNED])
    listing = concerned.get("/klachten/").content.decode()
    assert s.complaint.reference in listing and s.other.reference not in listing
    # The other complaint answers exactly as one that does not exist.
    assert concerned.get(f"/klachten/{s.other.reference}/").status_code == 404
    assert concerned.get("/klachten/KP-2000-999999/").status_code == 404
    for path in ("oordeel/", "termijn/", "concept-antwoord/", f"documenten/{s.document_id}/"):
        assert concerned.get(f"/klachten/{s.other.reference}/{path}").status_code == 404
    csv_body = concerned.get("/klachten/export.csv").content.decode("utf-8-sig")
    assert s.other.reference not in csv_body
    searched = concerned.get("/klachten/", {"q": s.other.reference})
    assert listed(searched) == [] and count_on_page(searched) == "0 klachten"


def test_employee_concerned_reads_what_happened_but_not_the_dossier_and_gives_their_side(
    world: World,
) -> None:
    s = _setting(world)
    concerned = _client(world, s.users[CONCERNED])
    ref = s.complaint.reference
    page = concerned.get(f"/klachten/{ref}/").content.decode()
    assert s.complaint.what_happened in page
    # Not the complainant's contact details, the documents, the messages or the decision panel.
    assert "jan.jansen@example.nl" not in page and "verslag.pdf" not in page
    assert "Oordeel vastleggen" not in page and "Termijn verlengen" not in page
    assert (
        concerned.post(f"/klachten/{ref}/mijn-reactie/", {"body": "Ik was die avond alleen."}).status_code
        == 302
    )
    assert "Ik was die avond alleen." in concerned.get(f"/klachten/{ref}/").content.decode()
    # The handler and decision maker read it; the complainant does not (provider and Klachtpunt only).
    handler_page = _client(world, s.users[HANDLER]).get(f"/klachten/{ref}/").content.decode()
    assert "Ik was die avond alleen." in handler_page
    with schema_context(world.alpha.schema_name):
        message = Message.objects.get(complaint=s.complaint, sender_user_id=s.users[CONCERNED].pk)
        assert message.audience == Message.Audience.PROVIDER


def test_admin_sees_the_facts_and_records_who_works_on_it_but_no_dossier(world: World) -> None:
    s = _setting(world)
    admin = _client(world, s.users[ADMIN])
    ref = s.complaint.reference
    page = admin.get(f"/klachten/{ref}/").content.decode()
    assert ref in page and "Handler" in page and "Decision Maker" in page
    assert s.complaint.what_happened not in page and "Jan Jansen" not in page and "verslag.pdf" not in page
    assert (
        admin.post(
            f"/klachten/{ref}/betrokkenen/", {"user": s.users[STAFF].pk, "role": "concerned"}
        ).status_code
        == 302
    )
    staff = _client(world, s.users[STAFF])
    assert staff.get(f"/klachten/{ref}/").status_code == 200  # now concerned in it
    # A handler must hold the handler role; the concerned cannot also handle or decide.
    refused = admin.post(f"/klachten/{ref}/betrokkenen/", {"user": s.users[STAFF].pk, "role": "handler"})
    assert refused.status_code == 302
    with schema_context(world.alpha.schema_name):
        assert not ComplaintParticipant.objects.filter(
            complaint=s.complaint, user_id=s.users[STAFF].pk, role="handler"
        ).exists()
        participant = ComplaintParticipant.objects.get(complaint=s.complaint, user_id=s.users[STAFF].pk)
    assert admin.post(f"/klachten/{ref}/betrokkenen/{participant.pk}/afmelden/").status_code == 302
    assert staff.get(f"/klachten/{ref}/").status_code == 404


def test_handler_prepares_and_the_decision_maker_signs_from_the_draft(world: World) -> None:
    s = _setting(world)
    ref = s.complaint.reference
    handler = _client(world, s.users[HANDLER])
    assert (
        handler.post(
            f"/klachten/{ref}/concept-antwoord/",
            {"conclusion": CONCLUSION, "decisions_taken": DECISIONS, "measures_timeframe": TIMEFRAME},
        ).status_code
        == 302
    )
    decider = _client(world, s.users[DECIDER])
    form = decider.get(f"/klachten/{ref}/oordeel/").content.decode()
    assert CONCLUSION in form and DECISIONS in form
    today = timezone.localdate().isoformat()
    assert (
        decider.post(f"/klachten/{ref}/oordeel/", {**DECISION_POST, "decided_on": today}).status_code == 302
    )
    with schema_context(world.alpha.schema_name):
        decision = Decision.objects.get(complaint=s.complaint)
    assert decision.recorded_by_user_id == s.users[DECIDER].pk


def test_without_a_recorded_decision_maker_every_decision_maker_may_decide(world: World) -> None:
    complaint, _case = formal_complaint(world.alpha)
    board = _member(world, "bestuurder", [ProviderRole.DECISION_MAKER])
    mandated = _member(world, "gemandateerde", [ProviderRole.DECISION_MAKER])
    ref = complaint.reference
    assert _client(world, board).get(f"/klachten/{ref}/oordeel/").status_code == 200
    _record(world, complaint, mandated, ComplaintParticipant.Role.DECISION_MAKER)
    # Once a decision maker is mandated for this complaint, only they decide it.
    assert _client(world, board).get(f"/klachten/{ref}/oordeel/").status_code == 404
    assert _client(world, mandated).get(f"/klachten/{ref}/oordeel/").status_code == 200


def test_losing_the_role_loses_the_access_and_the_keys_reach(world: World) -> None:
    s = _setting(world)
    ref = s.complaint.reference
    _key, raw = api_key_create(provider=world.alpha, name="EPD", created_by=s.users[HANDLER])
    api = host_client(world.alpha_host)
    assert api.get(f"/api/v1/cases/{ref}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    membership_roles_set(provider=world.alpha, user_id=s.users[HANDLER].pk, roles=[], actor=world.alpha_admin)
    handler = _client(world, User.objects.get(pk=s.users[HANDLER].pk))
    assert handler.get(f"/klachten/{ref}/").status_code == 404
    assert api.get(f"/api/v1/cases/{ref}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    assert api.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["count"] == 0


def test_admin_gives_roles_and_the_last_admin_keeps_the_role(world: World) -> None:
    s = _setting(world)
    admin = _client(world, s.users[ADMIN])
    staff = s.users[STAFF]
    page = admin.get("/instellingen/gebruikers/")
    assert page.status_code == 200 and staff.email in page.content.decode()
    given = admin.post(f"/instellingen/gebruikers/{staff.pk}/", {"roles": ["handler", "decision_maker"]})
    assert given.status_code == 302
    assert ProviderMembership.objects.get(user=staff, provider=world.alpha).roles == [
        "handler",
        "decision_maker",
    ]
    # The world's admin drops the role; the setting's admin is then the last one and cannot.
    membership_roles_set(
        provider=world.alpha, user_id=world.alpha_admin.pk, roles=["decision_maker"], actor=world.alpha_admin
    )
    kept = admin.post(f"/instellingen/gebruikers/{s.users[ADMIN].pk}/", {"roles": []})
    assert kept.status_code == 400 and "minstens één beheerder" in kept.content.decode()
    assert ProviderMembership.objects.get(user=s.users[ADMIN], provider=world.alpha).roles == ["admin"]
    # A user of another provider is not found here.
    assert admin.post(f"/instellingen/gebruikers/{world.beta_admin.pk}/", {"roles": []}).status_code == 404


def test_access_log_names_the_role_each_member_acted_in(world: World) -> None:
    s = _setting(world)
    access_log_mark(world.alpha)
    ref = s.complaint.reference
    for role in (HANDLER, DECIDER, CONCERNED, ADMIN):
        _client(world, s.users[role]).get(f"/klachten/{ref}/")
    reads = log_entries(world.alpha, event=Event.READ, case_id=s.complaint.pk)
    assert [(entry.user_id, entry.role, entry.subject) for entry in reads] == [
        (s.users[HANDLER].pk, "provider_handler", "dossier"),
        (s.users[DECIDER].pk, "provider_decision_maker", "dossier"),
        (s.users[CONCERNED].pk, "provider_concerned", "concerning"),
        (s.users[ADMIN].pk, "provider_admin", "facts"),
    ]


def test_a_platform_superuser_is_no_member_of_a_provider(world: World) -> None:
    s = _setting(world)
    root = user_create(email="root@klachtpunt.test", password=PASSWORD)
    User.objects.filter(pk=root.pk).update(is_superuser=True, is_staff=True)
    totp_activate(user=root, secret=TOTP_SECRET)
    client = _client(world, User.objects.get(pk=root.pk))
    assert client.get("/klachten/").status_code == 403
    assert client.get(f"/klachten/{s.complaint.reference}/").status_code == 403
    assert client.get("/instellingen/gebruikers/").status_code == 403


def test_message_notices_reach_only_the_people_who_may_read_the_dossier(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from django.core import mail

    from casework.procedures.mediation import message_send

    s = _setting(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_send(
            provider=world.alpha,
            complaint_id=s.complaint.pk,
            accessor=staff_accessor(world.coordinator, "coordinator"),
            sender=Message.Party.STAFF,
            audience=Message.Audience.ALL,
            body="Wij plannen een gesprek.",
        )
    told = {address for message in mail.outbox for address in message.to}
    assert {s.users[HANDLER].email, s.users[DECIDER].email} <= told
    for role in (ADMIN, CONCERNED, STAFF, OTHER_HANDLER, MANDATE_ELSEWHERE):
        assert s.users[role].email not in told, role
    # The world's admin decides, but this complaint has its own decision maker now.
    assert world.alpha_admin.email not in told and world.alpha_staff_no_mfa.email not in told


def test_the_menu_shows_each_member_the_provider_pages_their_role_opens(world: World) -> None:
    admin = _member(world, "menu_admin", [ProviderRole.ADMIN])
    staff = _member(world, "menu_staff", [])
    outsider = world.beta_admin  # a member elsewhere, not here

    def menu(user: User) -> str:
        page = _client(world, user).get("/").content.decode()
        return page.split('<ul class="nav">', 1)[1].split("</ul>", 1)[0]

    assert "Organisatie" in menu(admin) and "Klachten" in menu(admin) and "Gebruikers" in menu(admin)
    assert "Organisatie" in menu(staff) and "Klachten" in menu(staff) and "Gebruikers" not in menu(staff)
    assert "Organisatie" not in menu(outsider) and "Gebruikers" not in menu(outsider)


def test_the_provider_rules_refuse_a_visitor_and_a_missing_provider(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    from tenants.permissions import MANAGE_PROVIDER, USE_WORKSPACE, allowed, provider_roles

    admin = _member(world, "rules_admin", [ProviderRole.ADMIN])
    # A visitor and "no user" are refused every provider permission, on any provider.
    for nobody in (AnonymousUser(), None):
        for perm in (USE_WORKSPACE, MANAGE_PROVIDER):
            assert allowed(nobody, perm, world.alpha) is False
    assert provider_roles(AnonymousUser(), world.alpha) is None  # type: ignore[arg-type]
    # No provider (a platform host) means no roles, for a member too; a member's roles are read.
    assert provider_roles(admin, None) is None  # type: ignore[arg-type]
    assert provider_roles(admin, world.alpha) == frozenset({ProviderRole.ADMIN})
    assert allowed(admin, MANAGE_PROVIDER, world.alpha) is True
