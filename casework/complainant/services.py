"""The complainant's side: filing on the platform, "Mijn klachten", the secure follow link.

Reads go through the public case index (one query, whatever the number of
providers); the dossier itself is read and changed in the provider's schema
with ``schema_context``. Every write is one transaction that changes the
dossier and its case-index row together (the consent and track services do
that; the claim and link services here do the same).

Claiming a complaint into an account
------------------------------------
Someone who filed without an account follows the complaint by a secure link
on the provider's host; accounts live on the platform host, and sessions are
per host. Two ways lead from the link to an account, both safe for the same
reason: they need something only the complainant holds.

1. **A signed claim token.** The link page offers "turn this into an account";
   that leads (by a plain GET redirect, so the follow link's own URL is never
   sent as a referrer) to ``/mijn-klachten/koppelen/<claim token>/`` on the
   platform host. The claim token is signed with the secret key (salted for
   this purpose only), names the provider and the follow link (ids, nothing
   about the complaint), and is valid for ``CLAIM_TOKEN_MAX_AGE``. It can only
   be minted by someone holding a live follow link, which already gives full
   access to the complaint, so carrying it to an account grants nothing new.
   When it is used, the follow link it came from must still be live: revoking
   the link (for instance after sharing it by mistake) kills every claim token
   made from it. It is one-time in effect: a complaint is claimed once; after
   that the same token only confirms the same account and is refused for any
   other.
2. **A verified e-mail address.** A logged-in user may add a complaint by its
   reference when one of their *verified* e-mail addresses is the one given on
   the complaint. Whoever controls that address received the acknowledgement
   with a follow link anyway. A wrong reference and a non-matching address get
   the same answer, so references cannot be probed.

Either way the dossier's ``complainant_user_id`` and the index's
``complainant_user`` change in one transaction, with a timeline entry that
only the complainant and Klachtpunt see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import structlog
from allauth.account.models import EmailAddress
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from accounts.models import User
from casework.consent.services import complaint_make_formal, consent_record
from casework.dossier.access_log import Accessor, access_log_change
from casework.dossier.attachments import CheckedFile
from casework.dossier.locking import case_lock
from casework.dossier.services import follow_link_create, hash_token, index_sync, timeline_add
from casework.index.models import CaseIndex, CaseStatus, Channel, Consent, Track
from casework.intake.services import ComplaintSubmission, SubmitResult, complaint_submit
from casework.models import Complaint, ConsentVia, FollowLink, TimelineEntry
from reference.dates import today_amsterdam
from reference.deadline_rules import complaint_deadline
from tenants.clusters import schema_context
from tenants.models import Provider

log = structlog.get_logger(__name__)


CLAIM_TOKEN_MAX_AGE = datetime.timedelta(hours=24)


CLAIM_SALT = "casework.portal.claim.v1"


COMPLAINANT_VISIBLE = (TimelineEntry.Visibility.ALL, TimelineEntry.Visibility.COMPLAINANT)


class PortalError(Exception):
    """A refusal the complainant should read; ``reason`` picks the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CaseNotFound(PortalError):
    def __init__(self) -> None:
        super().__init__("not_found")


class FollowLinkInvalid(PortalError):
    """``reason`` is ``unknown``, ``expired`` or ``revoked``."""


class ClaimRefused(PortalError):
    """``reason`` is ``invalid``, ``expired``, ``link_invalid``, ``taken``, ``unverified`` or ``no_match``."""


def _running(deadline: datetime.date | None, consent: str) -> datetime.date | None:
    # Without consent the provider cannot see the complaint, so no deadline runs for it.
    return deadline if consent == Consent.GIVEN else None


def days_until(day: datetime.date | None) -> int | None:
    """Whole days from today (Europe/Amsterdam) to ``day``; negative when past."""
    return None if day is None else (day - today_amsterdam()).days


@dataclass(frozen=True)
class MyCase:
    reference: str
    provider_name: str
    received_at: datetime.datetime
    status: str
    status_label: str
    track: str
    track_label: str
    consent: str
    consent_label: str
    deadline: datetime.date | None
    days_left: int | None


def my_cases(*, user: User) -> list[MyCase]:
    """The user's complaints across all providers, newest first, from the case index (one query)."""
    rows = (
        CaseIndex.objects.filter(complainant_user=user)
        .select_related("provider")
        .only(
            "reference",
            "received_at",
            "status",
            "track",
            "consent",
            "deadline",
            "provider__name",
        )
        .order_by("-received_at", "-pk")
    )
    return [
        MyCase(
            reference=row.reference,
            provider_name=row.provider.name,
            received_at=row.received_at,
            status=row.status,
            status_label=str(CaseStatus(row.status).label),
            track=row.track,
            track_label=str(Track(row.track).label),
            consent=row.consent,
            consent_label=str(Consent(row.consent).label),
            deadline=_running(row.deadline, row.consent),
            days_left=days_until(_running(row.deadline, row.consent)),
        )
        for row in rows
    ]


def consent_choices(consent: str) -> list[str]:
    """What the complainant can decide next, given the current consent state."""
    if consent == Consent.GIVEN:
        return [Consent.WITHDRAWN]
    if consent == Consent.PENDING:
        return [Consent.GIVEN, Consent.REFUSED]
    return [Consent.GIVEN]  # refused or withdrawn: they may still change their mind


@dataclass
class CaseView:
    """What the complainant sees of their complaint (by account or by link)."""

    provider: Provider
    complaint: Complaint
    timeline: list[TimelineEntry]
    deadline: datetime.date | None
    days_left: int | None
    consent_choices: list[str] = field(default_factory=list)
    can_make_formal: bool = False


def _case_view(provider: Provider, complaint: Complaint) -> CaseView:
    """Build the view of ``complaint``; call inside ``schema_context(provider.schema_name)``."""
    timeline = list(
        TimelineEntry.objects.filter(complaint=complaint, visibility__in=COMPLAINANT_VISIBLE).order_by(
            "at", "pk"
        )
    )
    deadline = _running(complaint_deadline(complaint), complaint.consent)
    open_case = complaint.status != CaseStatus.CLOSED
    return CaseView(
        provider=provider,
        complaint=complaint,
        timeline=timeline,
        deadline=deadline,
        days_left=days_until(deadline),
        consent_choices=consent_choices(complaint.consent) if open_case else [],
        can_make_formal=open_case and complaint.track == Track.INFORMAL,
    )


def _my_index_row(user: User, reference: str) -> CaseIndex:
    row = (
        CaseIndex.objects.select_related("provider")
        .filter(reference=reference, complainant_user=user)
        .exclude(provider__schema_name=get_public_schema_name())
        .first()
    )
    if row is None:
        raise CaseNotFound()
    return row


def my_case(*, user: User, reference: str) -> CaseView:
    """One of the user's own complaints, read in its provider's schema; ``CaseNotFound`` otherwise."""
    row = _my_index_row(user, reference)
    with schema_context(row.provider.schema_name):
        # The dossier must agree with the index: both say this user filed it.
        complaint = (
            Complaint.objects.select_related("category")
            .filter(pk=row.case_id, complainant_user_id=user.pk)
            .first()
        )
        if complaint is None:
            raise CaseNotFound()
        return _case_view(row.provider, complaint)


def my_case_reference_owned(*, user: User, reference: str) -> bool:
    """Whether ``reference`` is one of the user's complaints (index only)."""
    return CaseIndex.objects.filter(reference=reference, complainant_user=user).exists()


def portal_complaint_file(
    *,
    provider: Provider,
    user: User,
    submission: ComplaintSubmission,
    form_key: str,
    accessor: Accessor,
    attachments: list[CheckedFile] | tuple[CheckedFile, ...] = (),
) -> SubmitResult:
    """File a complaint as a logged-in complainant (channel portal).

    The form's per-render key makes a double submit return the first
    complaint; it is scoped to the user, so nobody can reach another
    person's complaint by replaying a key.
    """
    return complaint_submit(
        provider=provider,
        submission=submission,
        channel=Channel.PORTAL,
        accessor=accessor,
        attachments=attachments,
        idempotency_key=f"portal:{user.pk}:{form_key}",
        complainant_user_id=user.pk,
    )


def _ensure_open(status: str) -> None:
    if status == CaseStatus.CLOSED:
        raise ValidationError(_("Deze klacht is afgesloten; daarin verandert u niets meer."), code="closed")


def my_case_consent(
    *, user: User, reference: str, decision: str, language: str, accessor: Accessor
) -> Complaint:
    """Record the user's consent decision on their own open complaint, with the wording shown."""
    row = _my_index_row(user, reference)
    _ensure_open(row.status)
    return consent_record(
        provider=row.provider,
        complaint_id=row.case_id,
        decision=decision,
        via=Channel.PORTAL,
        language=language,
        accessor=accessor,
        actor_user_id=user.pk,
    )


def my_case_make_formal(*, user: User, reference: str, accessor: Accessor) -> CaseView:
    """Move the user's own complaint to the formal track; returns the updated view."""
    row = _my_index_row(user, reference)
    _ensure_open(row.status)
    complaint_make_formal(
        provider=row.provider, complaint_id=row.case_id, accessor=accessor, actor_user_id=user.pk
    )
    return my_case(user=user, reference=reference)


def _live_link(token: str, *, now: datetime.datetime | None = None) -> FollowLink:
    """The follow link for ``token`` in the current schema; ``FollowLinkInvalid`` if not usable."""
    # The lookup is by the token's SHA-256: the database never sees the token,
    # and comparing hashes leaks nothing useful about the token through timing.
    link = (
        FollowLink.objects.select_related("complaint", "complaint__category")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise FollowLinkInvalid("unknown")
    if link.revoked_at is not None:
        raise FollowLinkInvalid("revoked")
    if link.expires_at <= (now or timezone.now()):
        raise FollowLinkInvalid("expired")
    return link


def follow_case(*, provider: Provider, token: str) -> CaseView:
    """What the holder of a live follow link sees."""
    with schema_context(provider.schema_name):
        link = _live_link(token)
        return _case_view(provider, link.complaint)


def follow_consent(
    *, provider: Provider, token: str, decision: str, language: str, accessor: Accessor
) -> Complaint:
    """Record a consent decision made through the follow link (no account)."""
    with schema_context(provider.schema_name):
        complaint = _live_link(token).complaint
    _ensure_open(complaint.status)
    return consent_record(
        provider=provider,
        complaint_id=complaint.pk,
        decision=decision,
        # The personal link from the acknowledgement or the request for consent, both e-mails.
        via=ConsentVia.EMAIL_LINK,
        language=language,
        accessor=accessor,
    )


def follow_make_formal(*, provider: Provider, token: str, accessor: Accessor) -> CaseView:
    """Move the complaint behind a live follow link to the formal track."""
    with schema_context(provider.schema_name):
        complaint = _live_link(token).complaint
    _ensure_open(complaint.status)
    complaint_make_formal(provider=provider, complaint_id=complaint.pk, accessor=accessor)
    return follow_case(provider=provider, token=token)


def follow_link_renew(*, provider: Provider, token: str, accessor: Accessor) -> str:
    """Revoke this follow link and make a fresh one in the same transaction; return the new token.

    Other links to the same complaint (the one in the acknowledgement e-mail,
    say) keep working; the complainant revokes those by renewing from them.
    """
    with schema_context(provider.schema_name), transaction.atomic():
        link = _live_link(token)
        now = timezone.now()
        revoked = FollowLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
        if not revoked:  # a concurrent renewal won
            raise FollowLinkInvalid("revoked")
        fresh = follow_link_create(complaint=link.complaint, now=now)
        timeline_add(
            complaint=link.complaint,
            kind="follow_link_renewed",
            visibility=TimelineEntry.Visibility.COMPLAINANT,
        )
        access_log_change(
            provider=provider, accessor=accessor, complaint=link.complaint, subject="follow_link"
        )
    log.info("follow_link_renewed", reference=link.complaint.reference, schema=provider.schema_name)
    return fresh


def claim_token_make(*, provider: Provider, token: str) -> str:
    """A signed token that carries the right to claim this complaint to the platform host."""
    with schema_context(provider.schema_name):
        link = _live_link(token)
    return signing.dumps({"p": provider.pk, "l": link.pk}, salt=CLAIM_SALT, compress=False)


@dataclass(frozen=True)
class ClaimTarget:
    provider: Provider
    link_id: int
    reference: str


def _claim_target(claim_token: str) -> ClaimTarget:
    try:
        payload = signing.loads(claim_token, salt=CLAIM_SALT, max_age=CLAIM_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ClaimRefused("expired") from exc
    except signing.BadSignature as exc:
        raise ClaimRefused("invalid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), int):
        raise ClaimRefused("invalid")
    if not isinstance(payload.get("l"), int):
        raise ClaimRefused("invalid")
    provider = Provider.objects.exclude(schema_name=get_public_schema_name()).filter(pk=payload["p"]).first()
    if provider is None:
        raise ClaimRefused("invalid")
    with schema_context(provider.schema_name):
        link = FollowLink.objects.select_related("complaint").filter(pk=payload["l"]).first()
        if link is None or link.revoked_at is not None or link.expires_at <= timezone.now():
            raise ClaimRefused("link_invalid")
        return ClaimTarget(provider=provider, link_id=link.pk, reference=link.complaint.reference)


def claim_preview(*, claim_token: str) -> ClaimTarget:
    """Check a claim token without using it (for the confirmation page)."""
    return _claim_target(claim_token)


def _verified_emails(user: User) -> set[str]:
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    }


def _claim(*, provider: Provider, complaint_id: int, user: User, how: str, accessor: Accessor) -> CaseIndex:
    """Set the complaint's owner and its index row together; call inside ``schema_context``."""
    with transaction.atomic():
        _case, complaint = case_lock(provider=provider, complaint_id=complaint_id)
        if complaint.complainant_user_id == user.pk:
            return CaseIndex.objects.get(provider=provider, case_id=complaint.pk)
        if complaint.complainant_user_id is not None:
            raise ClaimRefused("taken")
        complaint.complainant_user_id = user.pk
        complaint.save(update_fields=["complainant_user_id"])
        timeline_add(
            complaint=complaint,
            kind="claimed",
            actor_user_id=user.pk,
            visibility=TimelineEntry.Visibility.COMPLAINANT,
            data={"how": how},
        )
        row = index_sync(complaint=complaint, provider=provider)
        access_log_change(
            provider=provider, accessor=accessor, complaint=complaint, subject="claim", detail=how
        )
    log.info("complaint_claimed", reference=complaint.reference, how=how, schema=provider.schema_name)
    return row


def complaint_claim(*, user: User, claim_token: str, accessor: Accessor) -> CaseIndex:
    """Link the complaint behind a claim token to ``user`` (see the module docstring).

    Guarantees: the dossier and the case index name the new owner together or
    not at all; a complaint already linked to another account is refused; the
    follow link the token was made from must still be live.
    """
    if not _verified_emails(user):
        raise ClaimRefused("unverified")
    target = _claim_target(claim_token)
    with schema_context(target.provider.schema_name):
        link = FollowLink.objects.get(pk=target.link_id)
        return _claim(
            provider=target.provider, complaint_id=link.complaint_id, user=user, how="link", accessor=accessor
        )


def complaint_claim_by_email(*, user: User, reference: str, accessor: Accessor) -> CaseIndex:
    """Link a complaint filed without an account, by reference, when its e-mail is one the user verified.

    A wrong reference and an address that does not match get the same refusal.
    """
    emails = _verified_emails(user)
    if not emails:
        raise ClaimRefused("unverified")
    row = (
        CaseIndex.objects.select_related("provider")
        .filter(reference=reference.strip().upper())
        .exclude(provider__schema_name=get_public_schema_name())
        .first()
    )
    if row is None:
        raise ClaimRefused("no_match")
    with schema_context(row.provider.schema_name):
        email = Complaint.objects.filter(pk=row.case_id).values_list("complainant_email", flat=True).first()
        if not email or email.lower() not in emails:
            raise ClaimRefused("no_match")
        return _claim(
            provider=row.provider, complaint_id=row.case_id, user=user, how="email", accessor=accessor
        )
