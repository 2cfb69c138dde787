"""Consent gating on the provider's side: before consent nothing of a complaint is visible.

Not in the list, its count or search, the detail page, the CSV export or the
cases API; visible once the complainant consents, gone again after withdrawal.
API keys work on their own provider's host only; the status API answers by
secure follow token.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.services import totp_activate, user_create
from casework.consent.services import consent_record
from casework.dossier.events import entry_text
from casework.dossier.selectors import complaints_visible_to_provider
from casework.dossier.services import hash_token
from casework.index.models import Channel, Consent, Track
from casework.intake.services import SubmitResult
from casework.models import Category, Complaint, FollowLink
from reference.deadline_rules import decision_deadline
from tenants.clusters import schema_context
from tenants.models import ProviderApiKey, ProviderRole
from tenants.services import api_key_create, api_key_revoke, membership_grant
from tenants.tenancy import WrongSchemaError
from tests.casework.accessors import STAFF
from tests.casework.factories import WHAT_HAPPENED, submission, submit
from tests.conftest import host_client
from tests.support import PASSWORD, TOTP_SECRET, World, submit_totp

pytestmark = pytest.mark.django_db


def log_in(client: Client, email: str, secret: str = TOTP_SECRET) -> Client:
    """Password, then the TOTP code, as a provider user must."""
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    assert submit_totp(client, response.url, secret).status_code == 302
    return client


@pytest.fixture
def alpha_admin(world: World) -> Client:
    client = log_in(host_client(world.alpha_host), world.alpha_admin.email)
    # Making or revoking an API key asks for the password again (allauth's reauthentication).
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client


def give(world: World, result: SubmitResult, decision: str = Consent.GIVEN) -> None:
    consent_record(
        accessor=STAFF,
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        decision=decision,
        via=Channel.PHONE,
        language="nl",
    )


def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The references in the page's table of complaints."""
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', response.content.decode())


def same_page(one, one_reference: str, other, other_reference: str) -> bool:  # type: ignore[no-untyped-def]
    """The same page, bar the address echoed in the language switch and the CSRF token's mask."""

    def normal(response, reference: str) -> str:  # type: ignore[no-untyped-def]
        html = response.content.decode().replace(reference, "REF")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    return normal(one, one_reference) == normal(other, other_reference)


def count_on_page(response) -> str:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    start = html.index('id="complaint-count">') + len('id="complaint-count">')
    return html[start : html.index("</p>", start)]


def test_provider_sees_nothing_of_complaints_without_consent(world: World, alpha_admin: Client) -> None:
    pending = submit(world.alpha, submission=submission(consent=Consent.PENDING))
    refused = submit(world.alpha, submission=submission(consent=Consent.REFUSED, category_code="attitude"))
    shared = submit(world.alpha, submission=submission(consent=Consent.GIVEN))
    hidden = [pending.complaint.reference, refused.complaint.reference]

    page = alpha_admin.get("/klachten/")
    assert page.status_code == 200
    assert listed(page) == [shared.complaint.reference]
    assert count_on_page(page) == "1 klacht"
    for reference in hidden:
        assert reference not in page.content.decode()

    # Search does not reveal them, not even as a count.
    for query in (
        {"q": pending.complaint.reference},
        {"q": refused.complaint.reference},
        {"category": "attitude"},
        {"q": "attitude"},
        {"status": "received", "q": "KP-"},
    ):
        found = alpha_admin.get("/klachten/", query)
        assert found.status_code == 200
        assert set(listed(found)) <= {shared.complaint.reference}
        assert count_on_page(found) == f"{len(listed(found))} {'klacht' if listed(found) else 'klachten'}"
    assert count_on_page(alpha_admin.get("/klachten/", {"q": pending.complaint.reference})) == "0 klachten"
    assert count_on_page(alpha_admin.get("/klachten/", {"category": "attitude"})) == "0 klachten"

    # The detail page answers exactly as for a reference that does not exist.
    unknown = alpha_admin.get("/klachten/KP-2000-999999/")
    for reference in hidden:
        response = alpha_admin.get(f"/klachten/{reference}/")
        assert response.status_code == 404
        assert same_page(response, reference, unknown, "KP-2000-999999")

    rows = csv_rows(alpha_admin.get("/klachten/export.csv"))
    assert rows[0][0] == "Kenmerk"
    assert [row[0] for row in rows[1:]] == [shared.complaint.reference]


def test_complaint_appears_after_consent_and_disappears_after_withdrawal(
    world: World, alpha_admin: Client
) -> None:
    result = submit(world.alpha, submission=submission(consent=Consent.PENDING, track=Track.FORMAL))
    reference = result.complaint.reference
    assert alpha_admin.get(f"/klachten/{reference}/").status_code == 404
    assert reference not in alpha_admin.get("/klachten/").content.decode()

    give(world, result)
    assert listed(alpha_admin.get("/klachten/")) == [reference]
    detail = alpha_admin.get(f"/klachten/{reference}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert WHAT_HAPPENED in text and "Jan Jansen" in text
    assert detail["Cache-Control"].startswith("max-age=0") or "no-store" in detail["Cache-Control"]
    rows = csv_rows(alpha_admin.get("/klachten/export.csv"))
    assert [row[0] for row in rows[1:]] == [reference]
    deadline = decision_deadline(timezone.localdate()).isoformat()
    assert rows[1][-1] == deadline  # the formal clock started at consent

    give(world, result, Consent.WITHDRAWN)
    assert alpha_admin.get(f"/klachten/{reference}/").status_code == 404
    assert reference not in alpha_admin.get("/klachten/").content.decode()
    assert len(csv_rows(alpha_admin.get("/klachten/export.csv"))) == 1


def test_export_has_no_personal_data_or_complaint_text(world: World, alpha_admin: Client) -> None:
    submit(world.alpha)
    body = alpha_admin.get("/klachten/export.csv").content.decode("utf-8-sig")
    assert "Jan Jansen" not in body and "jan.jansen@example.nl" not in body
    assert "medicijnen" not in body and "3511" not in body


def test_export_neutralises_spreadsheet_formulas(world: World, alpha_admin: Client) -> None:
    with schema_context(world.alpha.schema_name):
        Category.objects.create(code="formula", name_nl="=HYPERLINK(1)", name_en="=HYPERLINK(1)")
    submit(world.alpha, submission=submission(category_code="formula"))
    rows = csv_rows(alpha_admin.get("/klachten/export.csv"))
    assert rows[1][4] == "'=HYPERLINK(1)"


def test_list_pages_and_keeps_the_search(world: World, alpha_admin: Client) -> None:
    for _ in range(27):
        submit(world.alpha)
    first = alpha_admin.get("/klachten/", {"q": "KP-"})
    assert count_on_page(first) == "27 klachten"
    html = first.content.decode()
    assert "?q=KP-&amp;page=2" in html
    assert len(listed(first)) == 25
    second = alpha_admin.get("/klachten/", {"q": "KP-", "page": 2})
    assert len(listed(second)) == 2


@contextmanager
def counting_queries() -> Iterator[Callable[[], int]]:
    # The test client's request_started resets CaptureQueriesContext; a wrapper sees every query.
    executed: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield lambda: len(executed)


def test_list_runs_a_constant_number_of_queries(world: World, alpha_admin: Client) -> None:
    submit(world.alpha)
    alpha_admin.get("/klachten/")  # warm the session and role caches alike
    with counting_queries() as one:
        assert alpha_admin.get("/klachten/").status_code == 200
    for _ in range(20):
        submit(world.alpha, submission=submission(category_code="attitude"))
    with counting_queries() as many:
        assert alpha_admin.get("/klachten/").status_code == 200
    assert many() == one()


def test_selector_refuses_to_run_in_another_schema(world: World) -> None:
    with schema_context(world.beta.schema_name), pytest.raises(WrongSchemaError):
        complaints_visible_to_provider(provider=world.alpha)
    with pytest.raises(WrongSchemaError):
        complaints_visible_to_provider(provider=world.alpha)  # public


def test_only_members_of_this_provider_see_its_complaints(world: World) -> None:
    submit(world.alpha)
    anonymous = host_client(world.alpha_host).get("/klachten/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    beta_admin_here = log_in(host_client(world.alpha_host), world.beta_admin.email)
    assert beta_admin_here.get("/klachten/").status_code == 403
    assert beta_admin_here.get("/klachten/export.csv").status_code == 403


# --- the cases API --------------------------------------------------------------------------


@pytest.fixture
def alpha_key(world: World) -> str:
    _key, raw = api_key_create(provider=world.alpha, name="EPD-koppeling", created_by=world.alpha_admin)
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_lists_only_consented_cases(world: World, alpha_client: Client, alpha_key: str) -> None:
    pending = submit(world.alpha, submission=submission(consent=Consent.PENDING))
    shared = submit(world.alpha)
    response = alpha_client.get("/api/v1/cases", **bearer(alpha_key))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["count"] == 1
    assert [case["reference"] for case in body["items"]] == [shared.complaint.reference]
    assert "what_happened" not in body["items"][0]

    # Search and status filters cannot find it either.
    found = alpha_client.get("/api/v1/cases", {"q": pending.complaint.reference}, **bearer(alpha_key)).json()
    assert found["count"] == 0 and found["items"] == []

    missing = alpha_client.get(f"/api/v1/cases/{pending.complaint.reference}", **bearer(alpha_key))
    unknown = alpha_client.get("/api/v1/cases/KP-2000-999999", **bearer(alpha_key))
    assert missing.status_code == unknown.status_code == 404
    assert missing.content == unknown.content

    give(world, pending)
    detail = alpha_client.get(f"/api/v1/cases/{pending.complaint.reference}", **bearer(alpha_key))
    assert detail.status_code == 200
    assert detail.json()["what_happened"] == WHAT_HAPPENED
    assert detail.json()["complainant"]["name"] == "Jan Jansen"
    assert alpha_client.get("/api/v1/cases", **bearer(alpha_key)).json()["count"] == 2

    give(world, pending, Consent.WITHDRAWN)
    gone = alpha_client.get(f"/api/v1/cases/{pending.complaint.reference}", **bearer(alpha_key))
    assert gone.status_code == 404
    assert alpha_client.get("/api/v1/cases", **bearer(alpha_key)).json()["count"] == 1


def test_api_pages(world: World, alpha_client: Client, alpha_key: str) -> None:
    references = [submit(world.alpha).complaint.reference for _ in range(5)]
    first = alpha_client.get("/api/v1/cases", {"page_size": 2}, **bearer(alpha_key)).json()
    assert first["count"] == 5 and first["next_page"] == 2 and len(first["items"]) == 2
    last = alpha_client.get("/api/v1/cases", {"page_size": 2, "page": 3}, **bearer(alpha_key)).json()
    assert last["next_page"] is None and len(last["items"]) == 1
    assert last["items"][0]["reference"] == references[0]  # newest first
    too_big = alpha_client.get("/api/v1/cases", {"page_size": 1000}, **bearer(alpha_key))
    assert too_big.status_code == 422


def test_api_key_of_one_provider_gets_nothing_on_another_providers_host(
    world: World, beta_client: Client, platform_client: Client, alpha_key: str
) -> None:
    beta_case = submit(world.beta).complaint.reference
    for client in (beta_client, platform_client):
        listing = client.get("/api/v1/cases", **bearer(alpha_key))
        assert listing.status_code == 401
        assert client.get(f"/api/v1/cases/{beta_case}", **bearer(alpha_key)).status_code == 401


def test_api_refuses_missing_malformed_and_revoked_keys(world: World, alpha_client: Client) -> None:
    key, raw = api_key_create(provider=world.alpha, name="Oud systeem", created_by=None)
    assert alpha_client.get("/api/v1/cases", **bearer(raw)).status_code == 200
    assert ProviderApiKey.objects.get(pk=key.pk).last_used_at is not None
    assert alpha_client.get("/api/v1/cases").status_code == 401
    for bad in (
        "kp_",
        raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        "kp_deadbeef_nope",
        raw.upper(),
        "x" * 500,
    ):
        assert alpha_client.get("/api/v1/cases", **bearer(bad)).status_code == 401
    api_key_revoke(provider=world.alpha, key_id=key.pk)
    assert alpha_client.get("/api/v1/cases", **bearer(raw)).status_code == 401


def test_api_key_is_stored_as_a_hash_only(world: World) -> None:
    key, raw = api_key_create(provider=world.alpha, name="Koppeling", created_by=world.alpha_admin)
    assert raw.startswith(f"kp_{key.prefix}_") and len(raw) > 40
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = ProviderApiKey.objects.filter(pk=key.pk).values_list("name", "prefix", "key_hash").get()
    assert raw not in "".join(stored)


# --- the API key settings page ----------------------------------------------------------------


def test_admin_creates_sees_once_lists_and_revokes_a_key(world: World, alpha_admin: Client) -> None:
    created = alpha_admin.post("/instellingen/api-sleutels/", {"name": "EPD"})
    assert created.status_code == 200
    key = ProviderApiKey.objects.get(provider=world.alpha, name="EPD")
    html = created.content.decode()
    start = html.index('<code id="new-key">') + len('<code id="new-key">')
    raw = html[start : html.index("</code>", start)]
    assert hashlib.sha256(raw.encode()).hexdigest() == key.key_hash
    assert "no-store" in created["Cache-Control"]

    listing = alpha_admin.get("/instellingen/api-sleutels/").content.decode()
    assert "EPD" in listing and f"kp_{key.prefix}_" in listing and raw not in listing

    api = host_client(world.alpha_host)
    assert api.get("/api/v1/cases", **bearer(raw)).status_code == 200
    revoked = alpha_admin.post(f"/instellingen/api-sleutels/{key.pk}/intrekken/")
    assert revoked.status_code == 302
    assert ProviderApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert api.get("/api/v1/cases", **bearer(raw)).status_code == 401


def test_key_page_rejects_an_empty_name(world: World, alpha_admin: Client) -> None:
    response = alpha_admin.post("/instellingen/api-sleutels/", {"name": ""})
    assert response.status_code == 200
    assert 'id="new-key"' not in response.content.decode()
    assert not ProviderApiKey.objects.filter(provider=world.alpha).exists()


def test_key_page_is_for_provider_admins_only(world: World) -> None:
    staff = user_create(email="medewerker@alpha.test", password=PASSWORD)
    membership_grant(user=staff, provider=world.alpha, role=ProviderRole.STAFF)
    totp_activate(user=staff, secret=TOTP_SECRET)
    client = log_in(host_client(world.alpha_host), staff.email)
    assert client.get("/klachten/").status_code == 200
    assert client.get("/instellingen/api-sleutels/").status_code == 403
    assert client.post("/instellingen/api-sleutels/", {"name": "x"}).status_code == 403


def test_admin_cannot_revoke_another_providers_key(world: World, alpha_admin: Client) -> None:
    beta_key, _raw = api_key_create(provider=world.beta, name="Beta", created_by=None)
    assert alpha_admin.post(f"/instellingen/api-sleutels/{beta_key.pk}/intrekken/").status_code == 404
    assert ProviderApiKey.objects.get(pk=beta_key.pk).revoked_at is None


# --- the status API -----------------------------------------------------------------------------


def test_status_by_follow_token_shows_status_without_complaint_text(
    world: World, alpha_client: Client
) -> None:
    result = submit(world.alpha, submission=submission(consent=Consent.PENDING))
    response = alpha_client.get(f"/api/v1/status/{result.follow_token}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["reference"] == result.complaint.reference
    assert body["status"] == "received" and body["consent"] == "pending" and body["deadline"] is None
    assert [step["kind"] for step in body["timeline"]] == ["received"]
    text = response.content.decode()
    assert "medicijnen" not in text and "Jan Jansen" not in text and "jan.jansen" not in text


def test_status_by_token_refuses_unknown_expired_and_revoked_tokens(
    world: World, alpha_client: Client, beta_client: Client, platform_client: Client
) -> None:
    result = submit(world.alpha)
    token = result.follow_token
    unknown = alpha_client.get("/api/v1/status/" + "x" * 43)
    assert unknown.status_code == 404
    assert beta_client.get(f"/api/v1/status/{token}").status_code == 404
    assert platform_client.get(f"/api/v1/status/{token}").status_code == 404
    with schema_context(world.alpha.schema_name):
        link = FollowLink.objects.get(token_hash=hash_token(token))
        link.expires_at = timezone.now() - datetime.timedelta(seconds=1)
        link.save()
    expired = alpha_client.get(f"/api/v1/status/{token}")
    assert expired.status_code == 404 and expired.content == unknown.content
    with schema_context(world.alpha.schema_name):
        FollowLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() + datetime.timedelta(days=1), revoked_at=timezone.now()
        )
    assert alpha_client.get(f"/api/v1/status/{token}").status_code == 404


def test_status_shows_the_deadline_once_the_formal_track_runs(world: World, alpha_client: Client) -> None:
    result = submit(world.alpha, submission=submission(track=Track.FORMAL))
    body = alpha_client.get(f"/api/v1/status/{result.follow_token}").json()
    assert body["track"] == "formal"
    assert body["deadline"] == decision_deadline(timezone.localdate()).isoformat()
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.get(pk=result.complaint.pk).formal_received_on == timezone.localdate()


def test_openapi_documents_the_status_and_cases_routes_with_their_errors(platform_client: Client) -> None:
    document = platform_client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths["/api/v1/status/{token}"]["get"]["responses"]) >= {"200", "404"}
    assert set(paths["/api/v1/cases"]["get"]["responses"]) >= {"200", "401"}
    assert set(paths["/api/v1/cases/{reference}"]["get"]["responses"]) >= {"200", "401", "404"}
    assert paths["/api/v1/cases"]["get"]["security"]
    schemes = document["components"]["securitySchemes"]
    assert any(scheme.get("scheme") == "bearer" for scheme in schemes.values())


def test_each_consent_decision_is_kept_with_its_wording_and_who_recorded_it(world: World) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from casework.consent.wording import consent_wording
    from casework.models import ConsentRecord, TimelineEntry

    result = submit(world.alpha, submission=submission(consent=Consent.PENDING))
    complaint_id = result.complaint.pk

    def record(decision: str, **extra: object) -> Complaint:
        return consent_record(
            provider=world.alpha, complaint_id=complaint_id, decision=decision, accessor=STAFF, **extra
        )

    with translation.override("nl"):
        with pytest.raises(ValidationError) as unknown:
            record("maybe", via=Channel.PHONE, language="nl")
        assert unknown.value.code == "invalid" and unknown.value.messages == [
            "Onbekende keuze voor toestemming."
        ]
        with pytest.raises(ValidationError) as nothing_given:
            record(Consent.WITHDRAWN, via=Channel.PHONE, language="nl")
        assert nothing_given.value.code == "not_given"
        assert nothing_given.value.messages == ["Er is geen toestemming om in te trekken."]
    record(
        Consent.GIVEN,
        via=Channel.PHONE,
        language="en",
        actor_user_id=world.coordinator.pk,
        on_behalf_of_complainant=True,
    )
    record(Consent.GIVEN, via=Channel.PHONE, language="en")  # the same choice again changes nothing
    record(Consent.WITHDRAWN, via=Channel.PORTAL, language="nl", actor_user_id=world.complainant.pk)
    with schema_context(world.alpha.schema_name):
        kept = [
            (
                r.decision,
                r.wording,
                r.wording_language,
                r.recorded_via,
                r.recorded_by_user_id,
                r.on_behalf_of_complainant,
            )
            for r in ConsentRecord.objects.filter(complaint_id=complaint_id).order_by("recorded_at", "pk")
        ]
        summaries = [
            (entry.kind, entry_text(entry), entry.actor_user_id)
            for entry in TimelineEntry.objects.filter(
                complaint_id=complaint_id, kind__startswith="consent_"
            ).order_by("at", "pk")
        ]
    assert kept == [
        (Consent.GIVEN, consent_wording("en"), "en", Channel.PHONE, world.coordinator.pk, True),
        (Consent.WITHDRAWN, consent_wording("nl"), "nl", Channel.PORTAL, world.complainant.pk, False),
    ]
    assert summaries == [
        ("consent_given", "Toestemming om te delen gegeven", world.coordinator.pk),
        ("consent_withdrawn", "Toestemming om te delen ingetrokken", world.complainant.pk),
    ]


@pytest.mark.parametrize(("days_later", "basis"), [(0, "submission"), (3, "consent")])
def test_consent_on_a_formal_complaint_records_the_receipt_with_its_evidence(
    world: World, days_later: int, basis: str
) -> None:
    """Consent the day the complaint came: the clock runs from the complaint; later: from the consent."""
    from casework.models import TimelineEntry

    result = submit(world.alpha, submission=submission(track=Track.FORMAL, consent=Consent.PENDING))
    received_on = timezone.localdate(result.complaint.received_at)
    consent_on = received_on + datetime.timedelta(days=days_later)
    consent_record(
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        decision=Consent.GIVEN,
        via=Channel.PHONE,
        language="nl",
        accessor=STAFF,
        actor_user_id=world.coordinator.pk,
        today=consent_on,
    )
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(pk=result.complaint.pk)
        receipt = TimelineEntry.objects.get(complaint=complaint, kind="formal_receipt")
    assert complaint.formal_received_on == consent_on
    assert receipt.data == {
        "formal_received_on": consent_on.isoformat(),
        "basis": basis,
        "channel": Channel.PHONE,
        "received_on": received_on.isoformat(),
        "consent_on": consent_on.isoformat(),
        "recorded_by_user_id": world.coordinator.pk,
    }


def test_the_move_to_the_formal_track_is_on_the_timeline_and_in_the_access_log(world: World) -> None:
    from casework.consent.services import complaint_make_formal
    from casework.models import AccessLogEntry, TimelineEntry

    with_consent = submit(world.alpha).complaint  # informal, consent given
    pending = submit(world.alpha, submission=submission(consent=Consent.PENDING)).complaint
    for complaint in (with_consent, pending):
        complaint_make_formal(
            provider=world.alpha,
            complaint_id=complaint.pk,
            accessor=STAFF,
            actor_user_id=world.coordinator.pk,
        )
    today = timezone.localdate().isoformat()
    with schema_context(world.alpha.schema_name):
        formal = Complaint.objects.get(pk=with_consent.pk)
        assert formal.track == Track.FORMAL and formal.formal_received_on.isoformat() == today
        moved = TimelineEntry.objects.get(complaint=formal, kind="track_formal")
        assert (entry_text(moved), moved.actor_user_id, moved.data) == (
            "Klacht wordt formeel behandeld",
            world.coordinator.pk,
            {"formal_received_on": today},
        )
        receipt = TimelineEntry.objects.get(complaint=formal, kind="formal_receipt")
        assert receipt.data["basis"] == "track_formal" and receipt.actor_user_id == world.coordinator.pk
        assert AccessLogEntry.objects.filter(case_id=formal.pk, subject="track").count() == 1
        # Without consent the clock waits: no receipt yet.
        waiting = Complaint.objects.get(pk=pending.pk)
        assert waiting.track == Track.FORMAL and waiting.formal_received_on is None
        assert TimelineEntry.objects.get(complaint=waiting, kind="track_formal").data == {
            "formal_received_on": ""
        }
        assert not TimelineEntry.objects.filter(complaint=waiting, kind="formal_receipt").exists()
    consent_record(
        provider=world.alpha,
        complaint_id=pending.pk,
        decision=Consent.GIVEN,
        via=Channel.PHONE,
        language="nl",
        accessor=STAFF,
    )
    with schema_context(world.alpha.schema_name):
        logged = AccessLogEntry.objects.get(case_id=pending.pk, subject="consent")
        assert logged.detail == Consent.GIVEN


@pytest.mark.parametrize(
    ("track", "decision"), [(Track.INFORMAL, Consent.GIVEN), (Track.FORMAL, Consent.REFUSED)]
)
def test_consent_starts_the_clock_only_when_given_on_a_formal_complaint(
    world: World, track: str, decision: str
) -> None:
    from casework.models import TimelineEntry

    result = submit(world.alpha, submission=submission(track=track, consent=Consent.PENDING))
    consent_record(
        provider=world.alpha,
        complaint_id=result.complaint.pk,
        decision=decision,
        via=Channel.PHONE,
        language="nl",
        accessor=STAFF,
    )
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.get(pk=result.complaint.pk).formal_received_on is None
        assert not TimelineEntry.objects.filter(
            complaint_id=result.complaint.pk, kind="formal_receipt"
        ).exists()
