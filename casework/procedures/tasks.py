"""E-mails of mediation and the committee procedure: invitations, message notices, the advice.

Each runs in the dossier's schema and is safe to run twice: the row it is
about records what has left (``Meeting.sent_sequence``, ``Message.notified_at``,
``CommitteeAdvice.notified_at``). Bodies carry the reference, a time and a
link, never the complaint's text or a message's.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import PlatformRole, User
from casework.dossier.permissions import VIEW_DOSSIER, allowed
from casework.dossier.services import follow_link_create
from casework.index.models import CaseIndex, Consent
from casework.models import CommitteeAdvice, Complaint, Meeting, Message, PanelMember
from casework.procedures.calendar import Invitee, meeting_ics
from outbox.services import TRANSIENT_ERRORS
from tenants.hosts import platform_url, provider_url
from tenants.models import Provider, ProviderMembership
from tenants.tenancy import current_provider, require_tenant_schema

RETRY = {"acks_late": True, "autoretry_for": TRANSIENT_ERRORS, "max_retries": 5, "retry_backoff": True}


def _platform_path(name: str, *args: str) -> str:
    return reverse(name, args=args, urlconf=settings.PUBLIC_SCHEMA_URLCONF)


def _tenant_path(name: str, *args: str) -> str:
    return reverse(name, args=args, urlconf=settings.ROOT_URLCONF)


def complainant_url(complaint: Complaint, provider: Provider) -> str:
    """Where the complainant reads their case: Mijn klachten, or a fresh follow link (made here)."""
    if complaint.complainant_user_id:
        return platform_url(_platform_path("portal_case", complaint.reference))
    return provider_url(provider, _tenant_path("follow", follow_link_create(complaint=complaint)))


def provider_case_url(complaint: Complaint, provider: Provider) -> str:
    return provider_url(provider, _tenant_path("provider_complaint_detail", complaint.reference))


def staff_case_url(complaint: Complaint) -> str:
    return platform_url(_platform_path("case_mediation", complaint.reference))


def _provider_members(provider: Provider, complaint: Complaint) -> list[User]:
    """The provider's people who may read this dossier (its handler and decision maker): need-to-know,
    so a notice with its reference reaches no one else at the provider."""
    return [
        membership.user
        for membership in ProviderMembership.objects.filter(provider=provider, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        if allowed(membership.user, VIEW_DOSSIER, complaint)
    ]


def _case_staff(provider: Provider, complaint: Complaint) -> list[User]:
    """The professional holding the case, or else the coordinators."""
    case = (
        CaseIndex.objects.select_related("assignee").filter(provider=provider, case_id=complaint.pk).first()
    )
    if case is not None and case.assignee is not None and case.assignee.is_active:
        return [case.assignee]
    return list(
        User.objects.filter(roles__contains=[PlatformRole.COORDINATOR], is_active=True).order_by("pk")
    )


# --- Meetings ---------------------------------------------------------------------


def meeting_invitees(meeting: Meeting, provider: Provider) -> list[Invitee]:
    complaint = meeting.complaint
    invitees = []
    if meeting.with_complainant and complaint.complainant_email:
        invitees.append(
            Invitee(
                email=complaint.complainant_email,
                name=complaint.complainant_name,
                url=complainant_url(complaint, provider),
                language=complaint.language,
            )
        )
    if meeting.provider_contact_email and complaint.consent == Consent.GIVEN:
        invitees.append(
            Invitee(
                email=meeting.provider_contact_email,
                name=meeting.provider_contact_name,
                url=provider_case_url(complaint, provider),
            )
        )
    staff_ids = [meeting.officer_user_id] if meeting.officer_user_id else []
    if meeting.kind == Meeting.Kind.HEARING:
        # The whole panel sits at the hearing: each seat gets its own invitation.
        staff_ids += [
            user_id
            for user_id in PanelMember.objects.filter(complaint=complaint).values_list("user_id", flat=True)
            if user_id not in staff_ids
        ]
    staff = User.objects.in_bulk([user_id for user_id in staff_ids if user_id])
    # A hearing's seats work on the panel's page; a mediation meeting's officer on the case page.
    staff_url = (
        platform_url(_platform_path("case_panel", complaint.reference))
        if meeting.kind == Meeting.Kind.HEARING
        else staff_case_url(complaint)
    )
    for user_id in staff_ids:
        person = staff.get(user_id)
        if person is not None and person.is_active:
            invitees.append(
                Invitee(
                    email=person.email,
                    name=str(person),
                    url=staff_url,
                    language=person.preferred_language or "nl",
                )
            )
    return invitees


@shared_task(name="casework.tasks_procedures.send_meeting_invitations", **RETRY)
def send_meeting_invitations(meeting_id: int, sequence: int) -> int:
    """Send each party the invitation (or cancellation) for ``sequence`` of the meeting, once."""
    require_tenant_schema()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("complaint").get(pk=meeting_id)
        if meeting.sequence != sequence or meeting.sent_sequence >= sequence:
            return 0  # a later change supersedes this one, or it has left already
        if meeting.cancelled_at is not None and meeting.sent_sequence < 0:
            # Cancelled before any invitation left: nobody has it in their calendar.
            meeting.sent_sequence = sequence
            meeting.save(update_fields=["sent_sequence"])
            return 0
        provider = current_provider()
        invitees = meeting_invitees(meeting, provider)
        for invitee in invitees:
            _send_invitation(meeting, invitee)
        meeting.sent_sequence = sequence
        meeting.save(update_fields=["sent_sequence"])
    return len(invitees)


def _send_invitation(meeting: Meeting, invitee: Invitee) -> None:
    cancelled = meeting.cancelled_at is not None
    with translation.override(invitee.language):
        start = timezone.localtime(meeting.starts_at)
        end = timezone.localtime(meeting.ends_at)
        title = str(Meeting.Kind(meeting.kind).label)
        context = {
            "reference": meeting.complaint.reference,
            "kind": title,
            "date": formats.date_format(start, "l j F Y"),
            "start": formats.time_format(start, "H:i"),
            "end": formats.time_format(end, "H:i"),
            "url": invitee.url,
            "cancelled": cancelled,
        }
        subject = render_to_string("casework/email/meeting_invitation_subject.txt", context).strip()
        body = render_to_string("casework/email/meeting_invitation_body.txt", context)
        ics = meeting_ics(meeting, reference=meeting.complaint.reference, title=title, invitee=invitee)
    email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitee.email])
    method = "CANCEL" if cancelled else "REQUEST"
    email.attach("uitnodiging.ics", ics, f"text/calendar; method={method}; charset=UTF-8")
    email.send()


# --- Messages ------------------------------------------------------------------------

COMPLAINANT_AUDIENCES = (Message.Audience.COMPLAINANT, Message.Audience.ALL, Message.Audience.CONFIDANT)
PROVIDER_AUDIENCES = (Message.Audience.PROVIDER, Message.Audience.ALL)


def _notify(recipients: list[tuple[str, str, str]], reference: str, template: str) -> int:
    """E-mail each (address, language, link): a notice with the reference and the link only."""
    for address, language, url in recipients:
        with translation.override(language or "nl"):
            context = {"reference": reference, "url": url}
            subject = render_to_string(f"casework/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"casework/email/{template}_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    return len(recipients)


def _parties(
    complaint: Complaint, provider: Provider, *, complainant: bool, provider_side: bool, staff: bool
) -> list[tuple[str, str, str]]:
    recipients: list[tuple[str, str, str]] = []
    if complainant and complaint.complainant_email:
        recipients.append(
            (complaint.complainant_email, complaint.language, complainant_url(complaint, provider))
        )
    if provider_side and complaint.consent == Consent.GIVEN:
        url = provider_case_url(complaint, provider)
        recipients += [
            (user.email, user.preferred_language, url) for user in _provider_members(provider, complaint)
        ]
    if staff:
        url = staff_case_url(complaint)
        recipients += [
            (user.email, user.preferred_language, url) for user in _case_staff(provider, complaint)
        ]
    return recipients


@shared_task(name="casework.tasks_procedures.send_message_notifications", **RETRY)
def send_message_notifications(message_id: int) -> int:
    """Tell the message's readers (not its sender's side) that there is a message, with a link."""
    require_tenant_schema()
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("complaint").get(pk=message_id)
        if message.notified_at is not None:
            return 0
        provider = current_provider()
        recipients = _parties(
            message.complaint,
            provider,
            complainant=message.sender != Message.Party.COMPLAINANT
            and message.audience in COMPLAINANT_AUDIENCES,
            provider_side=message.sender != Message.Party.PROVIDER and message.audience in PROVIDER_AUDIENCES,
            staff=message.sender != Message.Party.STAFF,
        )
        sent = _notify(recipients, message.complaint.reference, "message_notification")
        message.notified_at = timezone.now()
        message.save(update_fields=["notified_at"])
    return sent


@shared_task(name="casework.tasks_procedures.send_advice_notifications", **RETRY)
def send_advice_notifications(complaint_id: int) -> int:
    """Tell both parties the committee issued its judgement and advice, with a link."""
    require_tenant_schema()
    with transaction.atomic():
        advice = (
            CommitteeAdvice.objects.select_for_update()
            .select_related("complaint")
            .get(complaint_id=complaint_id)
        )
        if advice.notified_at is not None:
            return 0
        provider = current_provider()
        recipients = _parties(advice.complaint, provider, complainant=True, provider_side=True, staff=False)
        sent = _notify(recipients, advice.complaint.reference, "advice_issued")
        advice.notified_at = timezone.now()
        advice.save(update_fields=["notified_at"])
    return sent
