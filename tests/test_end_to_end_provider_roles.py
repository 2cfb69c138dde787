"""The provider's side of one complaint, walked by its people over HTTP with need-to-know roles.

A complainant files a formal complaint through Zorg Alpha's widget, consenting
to share it. Zorg Alpha's admin gives its people their roles and records who
works on the complaint, without reading it; the complaint handler reads it,
writes to Klachtpunt and prepares the answer, but cannot sign it; the
employee concerned reads what happened and gives their side, and can neither
decide nor see another complaint; the decision maker extends the deadline
and records the decision from the handler's draft. Each logs in with a
password and an authenticator code in their own session. At the end the
access log names each of them in the role they acted in, and the admin's
access-log page shows them and Klachtpunt's coordinator by name.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.services import totp_activate, user_create
from casework.index.models import CaseIndex, Consent
from casework.models import AccessLogEntry, ComplaintParticipant, Decision, DecisionDraft, Message
from reference import deadline_rules as deadlines
from tenants.clusters import schema_context
from tenants.models import ProviderMembership, ProviderRole
from tenants.services import membership_grant
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.casework.procedure_support import access_log_mark, log_entries
from tests.casework.widget_support import solve
from tests.e2e_support import Actor, one_mail_to
from tests.support import PASSWORD, TOTP_SECRET, World
from tests.test_end_to_end import challenge_of

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e"), pytest.mark.django_db]

Event = AccessLogEntry.Event

COMPLAINANT_EMAIL = "els.de.vries@example.nl"
OWN_SIDE = "Die avond stond ik alleen op de afdeling; ik heb de medicatie zo snel als ik kon gegeven."
QUESTION = "Kunt u het verslag van het intakegesprek met ons delen?"
CONCLUSION = "De klacht is gegrond: de medicatie is te laat gegeven."
DECISIONS = "De avonddienst krijgt een tweede medewerker."
TIMEFRAME = "Binnen zes weken."
EXTENSION_REASON = "Wij willen eerst met de betrokken medewerker en het team spreken."


def _colleague(world: World, email: str, name: str) -> User:
    """A member without a role yet (an account the admin invited), with an authenticator app."""
    user = user_create(email=email, password=PASSWORD, display_name=name)
    membership_grant(user=user, provider=world.alpha, roles=[])
    totp_activate(user=user, secret=TOTP_SECRET)
    return user


def test_the_provider_side_is_walked_by_admin_handler_employee_concerned_and_decision_maker(
    world: World,
) -> None:
    alpha = world.alpha
    admin_user = _colleague(world, "beheer@alpha.test", "Bea Beheer")
    membership_grant(user=admin_user, provider=alpha, roles=[ProviderRole.ADMIN])
    handler_user = _colleague(world, "hanna.handler@alpha.test", "Hanna Behandelaar")
    decider_user = _colleague(world, "bert.bestuurder@alpha.test", "Bert Bestuurder")
    concerned_user = _colleague(world, "mo.medewerker@alpha.test", "Mo Medewerker")
    # Another complaint, about someone else: nobody in this walk but the admin may know of it.
    other = submit(alpha, submission=submission(consent=Consent.GIVEN)).complaint
    access_log_mark(alpha)
    mail.outbox.clear()
    today = timezone.localdate()

    complainant = Actor.on(world.alpha_host, name="complainant", ip="198.51.100.40")
    coordinator = Actor.on("localhost", name="coordinator", ip="192.0.2.10")
    admin = Actor.on(world.alpha_host, name="provider admin", ip="203.0.113.31")
    handler = Actor.on(world.alpha_host, name="complaint handler", ip="203.0.113.32")
    concerned = Actor.on(world.alpha_host, name="employee concerned", ip="203.0.113.33")
    decider = Actor.on(world.alpha_host, name="decision maker", ip="203.0.113.34")

    # --- The complainant files a formal complaint and consents to share it ---------------------
    form_page = complainant.get("/widget/")
    done = complainant.submit(
        form_page,
        status=201,
        complainant_kind="client",
        complainant_name="Els de Vries",
        complainant_email=COMPLAINANT_EMAIL,
        complainant_postcode="3511 AB",
        what_happened=WHAT_HAPPENED,
        employee_concerned="Mo",
        category="treatment",
        law="wlz",
        goal="explanation",
        track="formal",
        consent="given",
        altcha=solve(challenge_of(form_page)),
    )
    reference = re.search(r"data-kp-reference>([^<]+)<", done.html).group(1)
    case = CaseIndex.objects.get(reference=reference)
    assert case.consent == Consent.GIVEN and case.formal_received_on == today

    # Klachtpunt's coordinator reads the dossier on the platform (the provider will see that).
    coordinator.log_in(world.coordinator.email, second_factor=True)
    assert WHAT_HAPPENED in coordinator.get(f"/werkplek/zaken/{reference}/").text

    # --- The admin gives roles and records who works on the complaint, without reading it ------
    admin.log_in(admin_user.email, second_factor=True)
    roles_page = admin.get("/instellingen/gebruikers/")
    for user, roles in (
        (handler_user, [ProviderRole.HANDLER]),
        (decider_user, [ProviderRole.DECISION_MAKER]),
    ):
        roles_page = admin.submit(
            roles_page, f"/instellingen/gebruikers/{user.pk}/", roles=[str(r) for r in roles]
        )
        assert "De rollen zijn opgeslagen" in roles_page.text
    assert ProviderMembership.objects.get(user=decider_user, provider=alpha).roles == ["decision_maker"]
    assert ProviderMembership.objects.get(user=concerned_user, provider=alpha).roles == []

    listing = admin.get("/klachten/")
    assert reference in listing.text and other.reference in listing.text  # the routing facts of all
    detail_path = f"/klachten/{reference}/"
    detail = admin.get(detail_path)
    assert WHAT_HAPPENED not in detail.text and "Els de Vries" not in detail.text  # no dossier
    assign = f"{detail_path}betrokkenen/"
    for user, role in (
        (handler_user, ComplaintParticipant.Role.HANDLER),
        (decider_user, ComplaintParticipant.Role.DECISION_MAKER),
        (concerned_user, ComplaintParticipant.Role.CONCERNED),
    ):
        detail = admin.submit(detail, assign, user=str(user.pk), role=str(role))
        assert "Vastgelegd wie aan deze klacht werkt" in detail.text
    assert "Hanna Behandelaar" in detail.text and "Mo Medewerker" in detail.text
    admin.get(f"{detail_path}oordeel/", status=403)

    # --- The handler reads the complaint, writes to Klachtpunt and prepares the answer ---------
    handler.log_in(handler_user.email, second_factor=True)
    listing = handler.get("/klachten/")
    assert reference in listing.text and other.reference not in listing.text
    detail = handler.get(detail_path)
    assert WHAT_HAPPENED in detail.text and "Els de Vries" in detail.text
    detail = handler.submit(
        detail, f"{detail_path}bericht/", **{"message-audience": "provider", "message-body": QUESTION}
    )
    assert "Uw bericht is verstuurd" in detail.text and QUESTION in detail.text
    draft = handler.get(f"{detail_path}concept-antwoord/")
    detail = handler.submit(
        draft, conclusion=CONCLUSION, decisions_taken=DECISIONS, measures_timeframe=TIMEFRAME
    )
    assert "Het concept-antwoord is bewaard" in detail.text
    handler.get(f"{detail_path}oordeel/", status=403)  # the handler prepares, never signs
    handler.get(f"{detail_path}termijn/", status=403)
    handler.get(f"/klachten/{other.reference}/", status=404)

    # --- The employee concerned reads what happened and gives their side -----------------------
    concerned.log_in(concerned_user.email, second_factor=True)
    listing = concerned.get("/klachten/")
    assert reference in listing.text and other.reference not in listing.text
    detail = concerned.get(detail_path)
    assert WHAT_HAPPENED in detail.text
    assert (
        COMPLAINANT_EMAIL not in detail.text and QUESTION not in detail.text and CONCLUSION not in detail.text
    )
    detail = concerned.submit(detail, f"{detail_path}mijn-reactie/", body=OWN_SIDE)
    assert "Uw reactie is vastgelegd" in detail.text and OWN_SIDE in detail.text
    concerned.get(f"{detail_path}oordeel/", status=403)
    concerned.get(f"{detail_path}termijn/", status=403)
    concerned.get(f"{detail_path}concept-antwoord/", status=403)
    concerned.get(f"/klachten/{other.reference}/", status=404)
    assert OWN_SIDE in handler.get(detail_path).text  # the handler hears the other side

    # --- The decision maker extends the deadline and decides from the draft ---------------------
    decider.log_in(decider_user.email, second_factor=True)
    detail = decider.get(detail_path)
    assert OWN_SIDE in detail.text and QUESTION in detail.text
    new_deadline = deadlines.unilateral_extension_limit(case.formal_received_on, case.law)
    extension = decider.get(f"{detail_path}termijn/")
    detail = decider.submit(
        extension,
        new_deadline=new_deadline.isoformat(),
        reason=EXTENSION_REASON,
        notice_channel="email",
    )
    assert "De termijn is verlengd" in detail.text
    decision_form = decider.get(f"{detail_path}oordeel/")
    assert CONCLUSION in decision_form.text and DECISIONS in decision_form.text  # the handler's draft
    detail = decider.submit(decision_form, **{"measure-0-description": "", "measure-0-due_on": ""})
    assert "Het oordeel is vastgelegd" in detail.text
    # The decision is a PDF in the dossier; the e-mail only says it is ready (no attachment).
    decision_mail = one_mail_to(COMPLAINANT_EMAIL, "Oordeel van de zorgaanbieder", reference)
    assert decision_mail.attachments == [] and CONCLUSION not in decision_mail.body

    with schema_context(alpha.schema_name):
        decision = Decision.objects.get(complaint_id=case.case_id)
        draft_row = DecisionDraft.objects.get(complaint_id=case.case_id)
        own_side = Message.objects.get(complaint_id=case.case_id, sender_user_id=concerned_user.pk)
    assert (decision.recorded_by_user_id, decision.conclusion) == (decider_user.pk, CONCLUSION)
    assert draft_row.updated_by_user_id == handler_user.pk
    assert own_side.audience == Message.Audience.PROVIDER and own_side.body == OWN_SIDE

    # --- The access log names each person in the role they acted in ------------------------------
    entries = log_entries(alpha, case_id=case.case_id)
    acted = {(e.user_id, e.role) for e in entries if e.channel == AccessLogEntry.AccessChannel.PROVIDER}
    assert acted == {
        (admin_user.pk, "provider_admin"),
        (handler_user.pk, "provider_handler"),
        (concerned_user.pk, "provider_concerned"),
        (decider_user.pk, "provider_decision_maker"),
    }
    changes = {(e.subject, e.user_id) for e in entries if e.event == Event.CHANGE}
    assert {
        ("participants", admin_user.pk),
        ("message", handler_user.pk),
        ("decision_draft", handler_user.pk),
        ("message", concerned_user.pk),
        ("extension", decider_user.pk),
        ("decision", decider_user.pk),
    } <= changes
    assert not log_entries(alpha, case_id=other.pk, user_id=concerned_user.pk)
    assert not log_entries(alpha, case_id=other.pk, user_id=handler_user.pk)

    # The admin reviews every access: its own people's and Klachtpunt's coordinator's, by name.
    review = admin.get("/instellingen/toegangslog/")
    for shown in (
        "Hanna Behandelaar",
        "Klachtbehandelaar bij de zorgaanbieder",
        "Mo Medewerker",
        "Betrokken medewerker van de zorgaanbieder",
        "Bert Bestuurder",
        "Beslisser bij de zorgaanbieder",
        world.coordinator.email,
        "Klachtencoördinator",
    ):
        assert shown in review.text, shown
