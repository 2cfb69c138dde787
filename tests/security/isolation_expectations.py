"""Who may reach each route, and what everyone else gets: the isolation matrix's expectation table.

One entry per URL name (``host:name``; unnamed admin routes by their pattern).
A route missing here fails ``test_every_route_has_an_isolation_expectation``
with its name. An entry says:

- ``who``: the groups that may reach the route (listed below ``rule``);
- ``method``: GET, or POST for routes that only take a form (an empty POST
  then checks the gate; the test's transaction is rolled back);
- what a refused role gets: ``anonymous`` (not logged in; "login" is a 302 to
  the login page), ``refused`` (logged in with the wrong role), ``not_yours``
  (an allowed kind of role, but the object belongs to another tenant, another
  complainant or another professional's case).

Outcomes: "ok" (2xx, a 3xx that is not to the login page, or a 400 form
error: the gate let the request in), "login", "reauth" (asked for the password
again), or the status code as text; "a|b" accepts either, "any" anything but a 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.security.roles import OTHER, OWN, Role


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    method: str = "GET"
    anonymous: str = "login"
    refused: str = "403"
    not_yours: str = "404"
    # Routes that carry a capability (a follow token): whoever holds it reads that tenant's data.
    capability: bool = False
    # What a refused role of a particular kind gets instead of ``refused`` (e.g. a coordinator
    # who is not the case's worker gets 404 from a professional's action).
    refused_as: tuple[tuple[str, str], ...] = ()
    # What an allowed role gets: "ok", or "reauth" where the view first asks for the password again.
    granted: str = "ok"


def rule(*who: str, refused_as: dict[str, str] | None = None, **options: str | bool) -> Rule:
    return Rule(who=frozenset(who), refused_as=tuple((refused_as or {}).items()), **options)  # type: ignore[arg-type]


# Groups a rule's ``who`` names:
#   anyone         every role, logged in or not
#   logged_in      any account
#   coordinator, platform_admin, professional (any, assigned or not);
#                  professional:<qualification> only those qualified for that service
#   assigned       the professional assigned to the case (of their own service);
#                  assigned:<service> only the one of that service (the seeded object lives on that case)
#   entry_author   the professional who logged the seeded time entry (the officer)
#   owner          the complainant whose complaint it is
#   member         anyone with a role at this provider; member:<role> only that provider role
#                  (a provider role added to ProviderRole is tried everywhere: where "member"
#                  is wrong for it, name the roles that may with member:<role>)
#   token          whoever holds the follow link; token:officer the link of the officer's case
#   api_key        the provider's API key


PUBLIC = rule("anyone")
NEED_TO_KNOW = {"provider": "403|404"}
# Work on one complaint at the provider: its decision maker (the seed names no handler on it).
ON_THE_COMPLAINT = rule("member:decision_maker", refused_as=NEED_TO_KNOW)
ON_THE_COMPLAINT_POST = rule("member:decision_maker", method="POST", refused_as=NEED_TO_KNOW)
NOT_A_WORKER = {"coordinator": "404", "platform_admin": "404"}
WORKER_POST = rule("assigned", method="POST", refused_as=NOT_A_WORKER)
LOGGED_IN = rule("logged_in")
PRIVACY = rule("professional:dpo", "coordinator", "platform_admin")
PRIVACY_UNSEEDED = rule(*PRIVACY.who, granted="404", not_yours="404")
COORDINATION = rule("coordinator", "platform_admin")
STAFF_WORKSPACE = rule("coordinator", "platform_admin", "professional")
PROFESSIONAL = rule("professional")
OWNER = rule("owner", refused="404")
OWNER_POST = rule("owner", method="POST", refused="404")
MEMBER = rule("member")
PROVIDER_ADMIN = rule("member:admin")
TOKEN = rule("token", anonymous="ok", capability=True)
TOKEN_POST = rule("token", method="POST", anonymous="ok", capability=True)
# The Django admin: no role in the matrix is a Django staff user, so all are sent to its login.
ADMIN_SITE = rule(anonymous="login", refused="login")

EXPECTATIONS: dict[str, Rule] = {
    # ---- the platform host ----
    "platform:home": PUBLIC,
    "platform:workspace": STAFF_WORKSPACE,
    "platform:portal_file_start": PUBLIC,
    "platform:portal_file_search": LOGGED_IN,
    "platform:portal_file": LOGGED_IN,
    "platform:portal_cases": LOGGED_IN,
    # The seeded providers have not taken the privacy service: the request form is not found.
    "platform:privacy_portal_request": rule("logged_in", granted="404", not_yours="404"),
    # The signed-in requester's own answer letter: the seed has no AVG requests (404 for everyone).
    "platform:privacy_portal_answer": rule("logged_in", granted="404", not_yours="404"),
    "platform:portal_claim_by_reference": rule("logged_in", method="POST"),
    # The claim link is a capability (sent to the complainant): it shows the reference it claims.
    "platform:portal_claim": rule("logged_in", capability=True),
    "platform:portal_case": OWNER,
    "platform:portal_filed": OWNER,
    "platform:portal_case_consent": OWNER_POST,
    "platform:portal_case_formal": OWNER,
    "platform:portal_case_message": OWNER_POST,
    "platform:portal_case_note_share": OWNER_POST,
    "platform:portal_case_document": OWNER,
    # The privacy notice (AVG art. 13) and the complainant's own data rights: every account's own data.
    "platform:privacy_notice": PUBLIC,
    "platform:datarights_portal": LOGGED_IN,
    "platform:datarights_portal_download": LOGGED_IN,
    "platform:datarights_portal_erase": LOGGED_IN,
    "platform:datarights_account_delete": LOGGED_IN,
    "platform:coordinator_entry_start": rule("coordinator"),
    "platform:coordinator_entry": rule("coordinator"),
    "platform:case_queue": COORDINATION,
    "platform:case_dossier": COORDINATION,
    "platform:case_attachment": COORDINATION,
    "platform:case_intake_call": rule("coordinator", "platform_admin", method="POST"),
    "platform:case_resolve": rule("coordinator", "platform_admin", method="POST"),
    "platform:case_consent_request": rule("coordinator", "platform_admin", method="POST"),
    "platform:case_consent_record": rule("coordinator", "platform_admin", method="POST"),
    "platform:case_route": rule("coordinator", "platform_admin", method="POST"),
    "platform:case_complainant_message": rule("coordinator", "platform_admin", method="POST"),
    "platform:professional_directory": COORDINATION,
    "platform:professional_detail": COORDINATION,
    "platform:professional_edit": COORDINATION,
    "platform:professional_absence_add": rule("coordinator", "platform_admin", method="POST"),
    "platform:professional_absence_remove": rule("coordinator", "platform_admin", method="POST"),
    "platform:professional_conflict_add": rule("coordinator", "platform_admin", method="POST"),
    "platform:professional_conflict_remove": rule("coordinator", "platform_admin", method="POST"),
    "platform:case_match": COORDINATION,
    "platform:case_assign": COORDINATION,
    "platform:case_time": rule("assigned", "coordinator"),
    # Only the professional who logged the hours changes them; the coordinator does not find them.
    "platform:case_time_edit": rule("entry_author", refused_as={"coordinator": "404"}),
    "platform:case_time_delete": rule("entry_author", method="POST", refused_as={"coordinator": "404"}),
    "platform:my_cases": PROFESSIONAL,
    "platform:my_hours": PROFESSIONAL,
    "platform:assignment_offer": rule("assigned"),
    "platform:assignment_accept": rule("assigned", method="POST"),
    "platform:assignment_decline": rule("assigned"),
    "platform:case_close": rule("assigned", "coordinator", "platform_admin", not_yours="403"),
    "platform:case_extend": COORDINATION,
    "platform:case_mediation": rule("assigned", "coordinator", "platform_admin"),
    # Case work is the assigned professional's: a coordinator reads it (above) but does not act.
    "platform:case_meeting_create": WORKER_POST,
    # The seeded meeting and documents are on the officer's case; another case's id is not found.
    "platform:case_meeting_cancel": rule("assigned:officer", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_record_create": rule(
        "assigned:officer", "assigned:committee", "assigned:dpo", method="POST", refused_as=NOT_A_WORKER
    ),
    "platform:case_record_download": rule("assigned:officer", "coordinator", "platform_admin"),
    "platform:case_message_create": WORKER_POST,
    "platform:case_confidant_note_create": rule("assigned:confidant", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_part_create": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_part_judge": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_advice_issue": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    # The committee's panel: the coordinator forms it; the panel (here: the professional holding the
    # committee case, who sees the page and whose empty forms are refused as forms) works in it.
    "platform:case_panel_compose": COORDINATION,
    "platform:case_panel": rule("assigned:committee", refused_as=NOT_A_WORKER),
    "platform:case_panel_round": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_panel_hearing": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    # The seeded meeting is on the officer's case: not a hearing of the committee case.
    "platform:case_panel_hearing_report": rule(
        "assigned:committee", method="POST", granted="404", refused_as=NOT_A_WORKER
    ),
    "platform:case_panel_deliberation": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_panel_part": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_panel_part_judge": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_panel_sign": rule("assigned:committee", method="POST", refused_as=NOT_A_WORKER),
    "platform:case_access_log": COORDINATION,
    "platform:coordinator_dashboard": COORDINATION,
    "platform:coordinator_dashboard_export": COORDINATION,
    "platform:professional_dashboard": PROFESSIONAL,
    "platform:professional_dashboard_export": PROFESSIONAL,
    "platform:platform_trends": rule("platform_admin"),
    "platform:platform_trends_export": rule("platform_admin"),
    "platform:billing_signup": PUBLIC,
    # Sign-up tokens are capabilities of the platform; the seed has none, so everyone gets 404.
    "platform:billing_signup_done": rule(anonymous="404", refused="404"),
    "platform:billing_signup_status": rule(anonymous="404", refused="404"),
    "platform:billing_signup_continue": rule(anonymous="404", refused="404"),
    "platform:billing_signup_cancelled": rule(anonymous="404", refused="404"),
    # Stripe's webhook: open to anyone by design, its gate is the signature (an unsigned body gets a 400).
    "platform:stripe_webhook": rule("anyone", method="POST"),
    # The membership badge and its verification page: public by design, no personal data.
    "platform:membership_verify": PUBLIC,
    "platform:membership_badge": PUBLIC,
    # ---- a provider's host (the own provider, alpha) ----
    "tenant:home": PUBLIC,
    "tenant:provider_workspace": MEMBER,
    "tenant:widget_script": PUBLIC,
    "tenant:widget_form": PUBLIC,
    "tenant:complaint_page": PUBLIC,
    "tenant:widget_settings": PROVIDER_ADMIN,
    "tenant:follow": TOKEN,
    "tenant:follow_consent": TOKEN,
    "tenant:follow_formal": TOKEN,
    "tenant:follow_renew": TOKEN,
    "tenant:follow_account": TOKEN,
    "tenant:privacy_notice": PUBLIC,
    "tenant:datarights_follow": TOKEN,
    "tenant:datarights_follow_download": TOKEN,
    "tenant:datarights_follow_erase": TOKEN,
    "tenant:follow_message": TOKEN_POST,
    "tenant:follow_note_share": TOKEN_POST,
    # The seeded document is on the officer's case: another case's follow link does not open it.
    "tenant:follow_document": rule("token:officer", anonymous="ok", capability=True),
    "tenant:provider_complaints": MEMBER,
    "tenant:provider_complaints_export": MEMBER,
    "tenant:provider_complaint_detail": rule(
        "member:admin", "member:decision_maker", refused_as=NEED_TO_KNOW
    ),
    "tenant:provider_api_keys": PROVIDER_ADMIN,
    # Revoking a key asks for the password again before it looks the key up (on either side).
    "tenant:provider_api_key_revoke": rule(
        "member:admin", method="POST", granted="reauth", not_yours="reauth"
    ),
    "tenant:provider_decision": ON_THE_COMPLAINT,
    "tenant:provider_decision_pdf": ON_THE_COMPLAINT,
    "tenant:provider_measure_done": ON_THE_COMPLAINT_POST,
    "tenant:provider_extension": ON_THE_COMPLAINT,
    "tenant:provider_complaint_message": ON_THE_COMPLAINT_POST,
    "tenant:provider_complaint_document": ON_THE_COMPLAINT,
    "tenant:provider_access_log": PROVIDER_ADMIN,
    "tenant:provider_access_log_export": PROVIDER_ADMIN,
    "tenant:provider_reports": PROVIDER_ADMIN,
    "tenant:provider_report": PROVIDER_ADMIN,
    "tenant:provider_report_pdf": PROVIDER_ADMIN,
    "tenant:provider_report_export": PROVIDER_ADMIN,
    "tenant:provider_report_cases": PROVIDER_ADMIN,
    # A one-time login link: the seed uses an unknown token (a valid one would log the client in).
    "tenant:billing_login_link": rule(anonymous="410", refused="410"),
    "tenant:billing_subscription": PROVIDER_ADMIN,
    "tenant:billing_subscription_service": rule("member:admin", method="POST"),
    "tenant:billing_subscription_cancel": rule("member:admin", method="POST"),
    "tenant:provider_exit": PROVIDER_ADMIN,
    "tenant:provider_exit_export": rule("member:admin", method="POST"),
    # The seed has no export: an admin passes the gate and finds none.
    "tenant:provider_exit_download": rule("member:admin", granted="404"),
    "tenant:provider_exit_delete": rule("member:admin", method="POST"),
    # Nothing to withdraw in the seed: the admin passes the gate and gets a 400.
    "tenant:provider_exit_delete_withdraw": rule("member:admin", method="POST"),
    "tenant:provider_decision_revise": ON_THE_COMPLAINT,
    # Need-to-know at the provider: on a complaint, only its handler, decision maker or employee
    # concerned act, so other members are refused with 403 or 404 (the seed names nobody on a
    # complaint; "403|404" accepts either refusal, never a pass).
    "tenant:provider_member_roles": PROVIDER_ADMIN,
    "tenant:provider_disputes_body": PROVIDER_ADMIN,
    # The complaints scheme: public pages (the seed publishes none, so the scheme itself is not found),
    # the admin's review page and its two forms.
    "tenant:scheme_public": rule("anyone", granted="404"),
    "tenant:scheme_pdf": rule("anyone", granted="404"),
    "tenant:scheme_versions": PUBLIC,
    "tenant:scheme_version": rule("anyone", granted="404"),
    "tenant:scheme_version_pdf": rule("anyone", granted="404"),
    "tenant:scheme_manage": PROVIDER_ADMIN,
    "tenant:scheme_generate": rule("member:admin", method="POST"),
    "tenant:scheme_publish": rule("member:admin", method="POST"),
    # The seeded user id is nobody's membership here: found by no one.
    "tenant:provider_member_roles_update": rule("member:admin", method="POST", granted="404"),
    "tenant:provider_complaint_participant_add": rule("member:admin", method="POST", refused_as=NEED_TO_KNOW),
    "tenant:provider_complaint_participant_remove": rule(
        "member:admin", method="POST", granted="404", refused_as=NEED_TO_KNOW
    ),
    "tenant:provider_complaint_own_side": rule(method="POST", refused_as=NEED_TO_KNOW),
    "tenant:provider_decision_draft": rule("member:decision_maker", refused_as=NEED_TO_KNOW),
    # ---- letters and the post room: the seed sends no letters, so who may look finds none (404) ----
    "platform:portal_case_letter": rule("owner", refused="404", granted="404"),
    "tenant:follow_letter": rule("token", anonymous="ok", capability=True, granted="404"),
    "platform:post_list": COORDINATION,
    "platform:post_letter_pdf": rule("coordinator", "platform_admin", granted="404", not_yours="404"),
    "platform:post_letter_posted": rule("coordinator", "platform_admin", method="POST", granted="404"),
    "platform:case_receipt_date": COORDINATION,
    # ---- privacy (AVG) work: the data protection officer's, and coordination's ----
    # The seed makes no privacy cases: a complaint's reference is not one (404 for who may look).
    "platform:privacy_queue": PRIVACY,
    "platform:privacy_request_create": PRIVACY,
    "platform:privacy_breach_create": PRIVACY,
    "platform:privacy_advice": PRIVACY,
    # Coordination appoints a provider's DPO; the seeded providers lack the dpo service (404).
    "platform:privacy_dpo_appointment": rule("coordinator", "platform_admin", granted="404", not_yours="404"),
    "platform:privacy_report": PRIVACY_UNSEEDED,
    "platform:privacy_report_pdf": PRIVACY_UNSEEDED,
    "platform:privacy_case": PRIVACY_UNSEEDED,
    "platform:privacy_answer_letter": PRIVACY_UNSEEDED,
    **{
        f"platform:privacy_{action}": rule(*PRIVACY.who, method="POST", granted="404", not_yours="404")
        for action in (
            "take",
            "time",
            "identity",
            "extend",
            "answer",
            "assess",
            "notify_ap",
            "notify_people",
            "close",
        )
    },
    # The own provider has not taken the privacy service: its pages are not found, for members too.
    "tenant:privacy_widget_request": rule(anonymous="404", refused="404"),
    "tenant:privacy_request_page": rule(anonymous="404", refused="404"),
    # The answer letter by its secret link: the seed answers no request, so every link is unknown.
    "tenant:privacy_answer_download": rule(anonymous="404", refused="404"),
    "tenant:provider_privacy": rule("member", granted="404", not_yours="404"),
    "tenant:provider_privacy_request": rule("member", granted="404", not_yours="404"),
    "tenant:provider_privacy_breach": rule("member", granted="404", not_yours="404"),
    "tenant:provider_privacy_report": rule("member:admin", granted="404", not_yours="404"),
}

# The API, on both hosts (methods come from the OpenAPI documents).
for _host in ("platform", "tenant"):
    EXPECTATIONS[f"{_host}:api-v1:openapi-json"] = PUBLIC
    EXPECTATIONS[f"{_host}:api-v1:prices"] = PUBLIC
    EXPECTATIONS[f"{_host}:api-v1:api-root"] = rule(anonymous="404", refused="404")
    EXPECTATIONS[f"{_host}:api-v1:case_list"] = rule("api_key", anonymous="401", refused="401")
    # What a key reads of a complaint nobody is named on is the need-to-know rule's to say: either.
    EXPECTATIONS[f"{_host}:api-v1:case_detail"] = rule(
        "api_key", anonymous="401", refused="401", granted="ok|404"
    )
EXPECTATIONS["tenant:api-v1:complaint_challenge"] = PUBLIC
# Intake without a proof-of-work answer is refused for everyone (the widget solves one first).
EXPECTATIONS["tenant:api-v1:complaint_create"] = rule(anonymous="403", refused="403")
EXPECTATIONS["tenant:api-v1:complaint_status"] = rule("token", anonymous="ok", capability=True)
# Intake and status exist on provider hosts only.
for _name in ("complaint_challenge", "complaint_create", "complaint_status"):
    EXPECTATIONS[f"platform:api-v1:{_name}"] = rule(anonymous="404", refused="404")


def _account_routes() -> None:
    """allauth's pages on both hosts: reachable per allauth's own rules, the same for every role."""
    signed_in_only = {
        "account_reauthenticate",
        "account_email",
        "account_change_password",
        "mfa_index",
        "mfa_list_webauthn",
    }
    open_pages = {
        "account_inactive",
        "account_email_verification_sent",
        "account_reset_password",
        "account_confirm_email",
        "account_reset_password_from_key_done",
        "account_reset_password_from_key",
        "account_reset_password_done",
        "set_language",
    }
    # Pages that redirect a signed-in user elsewhere (login, sign-up) or show a flow step.
    flow = {
        "account_login",
        "account_logout",
        "account_signup",
        "account_set_password",
        "account_confirm_login_code",
        "mfa_authenticate",
        "mfa_reauthenticate",
        "mfa_activate_totp",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_add_webauthn",
        "mfa_reauthenticate_webauthn",
        "mfa_remove_webauthn",
        "mfa_edit_webauthn",
    }
    for host in ("platform", "tenant"):
        for name in signed_in_only:
            EXPECTATIONS[f"{host}:{name}"] = LOGGED_IN
        for name in open_pages:
            EXPECTATIONS[f"{host}:{name}"] = PUBLIC
        for name in flow:
            # allauth answers with its own redirects and 404s (no recovery codes yet, say):
            # what matters here is the leak check and that nothing fails.
            EXPECTATIONS[f"{host}:{name}"] = rule(refused="any", anonymous="any")


_account_routes()

ADMIN_PREFIX = "platform:admin"


# allauth's secure_admin_login: a signed-in user who is not Django staff is refused, not asked to log in.
EXPECTATIONS["platform:admin:login"] = rule(refused="403")
EXPECTATIONS["platform:admin:logout"] = PUBLIC


def expectation(key: str) -> Rule | None:
    if key in EXPECTATIONS:
        return EXPECTATIONS[key]
    if key.startswith(ADMIN_PREFIX):
        return ADMIN_SITE
    return EXPECTATIONS.get(key)


def _in(who: frozenset[str], role: Role) -> bool:
    if "anyone" in who or ("logged_in" in who and role.logged_in):
        return True
    if role.kind in who:  # coordinator, platform_admin, professional, api_key
        return True
    if role.kind == "professional" and f"professional:{role.service}" in who:
        return True
    if role.kind == "professional" and any(
        group.startswith("assigned") or group == "entry_author" for group in who
    ):
        return True
    if role.kind == "complainant" and "owner" in who:
        return True
    if role.kind == "provider" and ("member" in who or f"member:{role.provider_role}" in who):
        return True
    return "token" in who


def expected(rule: Rule, role: Role, side: str, host: str) -> str:
    """The outcome ``role`` must get on a route under ``rule``, with ``side``'s objects."""
    who = rule.who
    if "token" in who:
        # A capability: whoever holds it gets in, on its own tenant's host only.
        return rule.granted if side == OWN else rule.not_yours
    if "token:officer" in who:
        # Everyone is tried with the follow link of their service's case (the officer's by default).
        return rule.granted if side == OWN and role.service in ("", "officer") else rule.not_yours
    if not _in(who, role):
        if role.logged_in:
            return dict(rule.refused_as).get(role.kind, rule.refused)
        return rule.anonymous
    if (
        "anyone" in who
        or ("logged_in" in who and role.logged_in)
        or role.kind in {"coordinator", "platform_admin"}
    ):
        return rule.granted
    if role.kind == "professional" and ("professional" in who or f"professional:{role.service}" in who):
        return rule.granted
    if role.kind == "professional":
        # Only the professional on this case (the seed assigns them on the own tenant only);
        # the seeded time entry is the officer's.
        works_here = (
            "assigned" in who
            or f"assigned:{role.service}" in who
            or ("entry_author" in who and role.service == "officer")
        )
        return rule.granted if role.assigned and side == OWN and works_here else rule.not_yours
    if role.kind == "complainant":
        return rule.granted if role.side == side else rule.not_yours
    if role.kind == "provider":
        # The host is the own provider's: another provider's people are refused there.
        if role.side != OWN:
            return rule.refused
        return rule.granted if side == OWN else rule.not_yours
    if role.kind == "api_key":
        if role.side != OWN or host == "platform":
            return rule.refused
        return rule.granted if side == OWN else rule.not_yours
    # token holders: the token works on its own tenant's host only.
    return rule.granted if side == OWN else rule.not_yours


def visible_sides(rule: Rule, role: Role, side: str) -> set[str]:
    """Whose data ``role`` may see in the response."""
    if role.kind in {"coordinator", "platform_admin"}:
        sides = {OWN, OTHER}
    elif role.kind == "professional":
        sides = {OWN} if role.assigned else set()
    elif role.kind in {"complainant", "provider", "api_key"}:
        sides = {role.side}
    else:
        sides = set()
    if rule.capability:
        sides.add(side)
    return sides
