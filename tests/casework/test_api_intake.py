"""POST /api/v1/complaints: the same form and guards as the widget, with HTTP statuses for machines."""

from __future__ import annotations

import base64
import datetime
import re
import uuid
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casework.dossier.attachments import MAX_FILE_BYTES
from casework.index.models import CaseIndex, Channel
from casework.models import AccessLogEntry, Attachment, Complaint, FollowLink
from tenants.clusters import schema_context
from tests.casework.widget_support import (
    API_URL,
    ELF_AS_PDF,
    MZ_AS_PDF,
    PDF_BYTES,
    VALID_FIELDS,
    guard_fields,
    origin_of,
    post_json,
)
from tests.conftest import host_client
from tests.support import World

pytestmark = pytest.mark.django_db

URL = API_URL


@pytest.fixture(autouse=True)
def _easy_proof_of_work(settings) -> None:  # type: ignore[no-untyped-def]
    settings.WIDGET_POW_MAX_NUMBER = 2000


def post_multipart(client: Client, data: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    return client.post(URL, data, HTTP_ORIGIN=origin_of(client), **headers)


def complaint_payload(client: Client, **overrides: Any) -> dict[str, Any]:
    return {**guard_fields(client), **VALID_FIELDS, **overrides}


# Token and challenge


def test_challenge_gives_a_token_and_a_puzzle_and_is_never_cached(alpha_client: Client) -> None:
    response = alpha_client.get(f"{URL}/challenge")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token"] and body["expires_at"]
    assert body["challenge"]["algorithm"] == "SHA-256" and body["challenge"]["maxNumber"] == 2000
    assert not response.cookies


def test_intake_api_is_not_served_on_the_platform_host(platform_client: Client) -> None:
    assert platform_client.get(f"{URL}/challenge").status_code == 404
    response = platform_client.post(
        URL, "{}", content_type="application/json", HTTP_ORIGIN="http://localhost"
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# Filing


def test_json_complaint_is_filed_with_reference_status_and_follow_url(
    world: World, alpha_client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(alpha_client, complaint_payload(alpha_client, track="formal"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert re.fullmatch(r"KP-\d{4}-\d{6}", body["reference"])
    assert body["status"] == "received" and body["track"] == "formal" and body["consent"] == "given"
    assert body["deadline"] == CaseIndex.objects.get(reference=body["reference"]).deadline.isoformat()
    assert re.fullmatch(r"http://alpha\.localhost/volg/[A-Za-z0-9_-]{40,}/", body["follow_url"])
    assert body["created"] is True
    assert CaseIndex.objects.get(reference=body["reference"]).channel == Channel.WIDGET
    assert response["Cache-Control"] == "no-store"


def test_multipart_complaint_with_an_attachment(world: World, alpha_client: Client) -> None:
    data = complaint_payload(alpha_client)
    data["attachments"] = [SimpleUploadedFile("brief.pdf", PDF_BYTES, content_type="application/pdf")]
    response = post_multipart(alpha_client, data)
    assert response.status_code == 201, response.content
    with schema_context(world.alpha.schema_name):
        attachment = Attachment.objects.get(complaint__reference=response.json()["reference"])
        assert attachment.original_name == "brief.pdf" and attachment.content_type == "application/pdf"
        attachment.file.delete(save=False)


def test_json_attachment_as_base64(world: World, alpha_client: Client) -> None:
    payload = complaint_payload(
        alpha_client,
        attachments=[
            {"filename": "notitie.txt", "content_base64": base64.b64encode(b"Gesprek op 3 mei").decode()}
        ],
    )
    response = post_json(alpha_client, payload)
    assert response.status_code == 201, response.content
    with schema_context(world.alpha.schema_name):
        attachment = Attachment.objects.get(complaint__reference=response.json()["reference"])
        assert attachment.content_type == "text/plain"
        attachment.file.delete(save=False)


def test_same_idempotency_key_files_one_complaint(world: World, alpha_client: Client) -> None:
    payload = complaint_payload(alpha_client)
    first = post_json(alpha_client, payload, HTTP_IDEMPOTENCY_KEY="order-2026-0001")
    again = post_json(alpha_client, payload, HTTP_IDEMPOTENCY_KEY="order-2026-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert again.json()["created"] is False
    with schema_context(world.alpha.schema_name):
        assert Complaint.objects.filter(idempotency_key="order-2026-0001").count() == 1


def test_idempotent_replay_returns_the_reference_only_and_is_logged(
    world: World, alpha_client: Client
) -> None:
    payload = complaint_payload(alpha_client)
    first = post_json(alpha_client, payload, HTTP_IDEMPOTENCY_KEY="order-2026-0002")
    assert first.status_code == 201 and first.json()["follow_url"]
    replay = post_json(alpha_client, payload, HTTP_IDEMPOTENCY_KEY="order-2026-0002")
    assert replay.status_code == 200
    assert replay.json()["reference"] == first.json()["reference"]
    # Whoever knows the key gets no way into the complaint: no new follow link is made.
    assert replay.json()["follow_url"] is None
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(idempotency_key="order-2026-0002")
        assert FollowLink.objects.filter(complaint=complaint).count() == 1
        rows = list(AccessLogEntry.objects.filter(case_id=complaint.pk).values_list("event", "detail"))
    assert (AccessLogEntry.Event.READ, "idempotent replay") in rows


def test_idempotency_key_with_other_content_is_refused_with_409(world: World, alpha_client: Client) -> None:
    first = post_json(alpha_client, complaint_payload(alpha_client), HTTP_IDEMPOTENCY_KEY="order-2026-0003")
    assert first.status_code == 201
    takeover = complaint_payload(
        alpha_client, complainant_name="Iemand Anders", complainant_email="a@example.nl"
    )
    response = post_json(alpha_client, takeover, HTTP_IDEMPOTENCY_KEY="order-2026-0003")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["error"] == "idempotency_conflict" and body["message"]
    assert first.json()["reference"] not in response.content.decode()
    with schema_context(world.alpha.schema_name):
        complaint = Complaint.objects.get(idempotency_key="order-2026-0003")
        assert complaint.complainant_name == VALID_FIELDS["complainant_name"]
        assert FollowLink.objects.filter(complaint=complaint).count() == 1


# 400, 413, 415, 422


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"complainant_name": ["a", "b"]}'])
def test_malformed_body_is_400(alpha_client: Client, body: str) -> None:
    response = alpha_client.post(
        URL, body, content_type="application/json", HTTP_ORIGIN=origin_of(alpha_client)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed" and response.json()["message"]


def test_malformed_idempotency_key_is_400(alpha_client: Client) -> None:
    response = post_json(
        alpha_client, complaint_payload(alpha_client), HTTP_IDEMPOTENCY_KEY="no spaces allowed"
    )
    assert response.status_code == 400


def test_body_that_is_neither_form_nor_json_is_415(alpha_client: Client) -> None:
    response = alpha_client.post(URL, "hallo", content_type="text/plain", HTTP_ORIGIN=origin_of(alpha_client))
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


@pytest.mark.parametrize(("name", "content"), [("verslag.pdf", ELF_AS_PDF), ("foto.pdf", MZ_AS_PDF)])
def test_disguised_executable_is_415_with_the_field_named(
    world: World, alpha_client: Client, name: str, content: bytes
) -> None:
    before = CaseIndex.objects.filter(provider=world.alpha).count()
    data = complaint_payload(alpha_client)
    data["attachments"] = [SimpleUploadedFile(name, content, content_type="application/pdf")]
    response = post_multipart(alpha_client, data)
    assert response.status_code == 415
    body = response.json()
    assert body["error"] == "type_refused"
    assert body["fields"]["attachments"][0]["code"] == "type_refused"
    assert f"{name} is geen toegestaan bestandstype" in body["fields"]["attachments"][0]["message"]
    assert CaseIndex.objects.filter(provider=world.alpha).count() == before


def test_attachment_over_the_size_limit_is_413(alpha_client: Client) -> None:
    data = complaint_payload(alpha_client)
    data["attachments"] = [SimpleUploadedFile("groot.pdf", b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES)]
    response = post_multipart(alpha_client, data)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert response.json()["fields"]["attachments"][0]["code"] == "file_too_large"


def test_request_over_the_total_limit_is_413_before_it_is_read(alpha_client: Client) -> None:
    response = alpha_client.post(
        URL,
        "{}",
        content_type="application/json",
        HTTP_ORIGIN=origin_of(alpha_client),
        CONTENT_LENGTH=str(40 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_field_errors_are_422_per_field(alpha_client: Client) -> None:
    payload = complaint_payload(alpha_client, goal="", what_happened="", complainant_postcode="99")
    response = post_json(alpha_client, payload)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]["goal"][0]["code"] == "required"
    assert body["fields"]["what_happened"][0]["code"] == "required"
    assert body["fields"]["complainant_postcode"][0]["message"].startswith("Vul een Nederlandse postcode in")


def test_field_errors_come_in_english_when_asked(alpha_client: Client) -> None:
    response = post_json(alpha_client, complaint_payload(alpha_client, goal=""), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["fields"]["goal"][0]["message"] == "This field is required."


# 403: origin, token, proof of work; 400 honeypot; 429


@pytest.mark.parametrize("origin", ["", "https://www.zorg-alpha.nl", "http://beta.localhost"])
def test_wrong_or_missing_origin_is_403(alpha_client: Client, origin: str) -> None:
    response = post_json(alpha_client, complaint_payload(alpha_client), origin=origin)
    assert response.status_code == 403
    assert response.json()["error"] == "origin_refused"


def test_missing_token_is_403(alpha_client: Client) -> None:
    payload = complaint_payload(alpha_client)
    del payload["token"]
    response = post_json(alpha_client, payload)
    assert response.status_code == 403
    assert response.json()["error"] == "token_missing"


def test_token_of_another_provider_is_403(world: World, alpha_client: Client) -> None:
    payload = {
        **complaint_payload(alpha_client),
        "token": guard_fields(host_client(world.beta_host))["token"],
    }
    response = post_json(alpha_client, payload)
    assert response.status_code == 403
    assert response.json()["error"] == "token_invalid"


def test_missing_and_replayed_proof_of_work_are_403(alpha_client: Client) -> None:
    payload = complaint_payload(alpha_client)
    missing = post_json(alpha_client, {**payload, "altcha": ""})
    assert missing.status_code == 403 and missing.json()["error"] == "pow_missing"
    assert post_json(alpha_client, payload, HTTP_IDEMPOTENCY_KEY="first-key-123").status_code == 201
    replayed = post_json(alpha_client, payload, HTTP_IDEMPOTENCY_KEY="second-key-456")
    assert replayed.status_code == 403 and replayed.json()["error"] == "pow_replayed"
    without_key = post_json(alpha_client, payload)
    assert without_key.status_code == 403 and without_key.json()["error"] == "pow_replayed"


def test_filled_honeypot_is_400(alpha_client: Client) -> None:
    response = post_json(alpha_client, complaint_payload(alpha_client, kp_extra="x"))
    assert response.status_code == 400
    assert response.json()["error"] == "honeypot"


def test_rate_limited_is_429_with_retry_after(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    # A day-long window: the test never straddles two of them.
    settings.WIDGET_RATE_LIMITS = {"ip": "2/1d", "provider": "off", "global": "off"}
    alpha, beta = host_client(world.alpha_host), host_client(world.beta_host)
    assert post_json(alpha, complaint_payload(alpha, goal="")).status_code == 422
    assert post_json(beta, complaint_payload(beta, goal="")).status_code == 422
    response = post_json(alpha, complaint_payload(alpha))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 86400
    assert response.json()["error"] == "rate_limited"
    assert response.json()["retry_after"] == int(response["Retry-After"])


# The OpenAPI document


def test_openapi_documents_the_intake_and_its_errors(platform_client: Client) -> None:
    document = platform_client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/complaints"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    properties = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"what_happened", "goal", "consent", "token", "altcha", "attachments"} <= set(properties)
    assert {"201", "200", "400", "403", "413", "415", "422", "429"} <= set(operation["responses"])
    error_ref = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    error_schema = document["components"]["schemas"][error_ref.rsplit("/", 1)[-1]]
    assert {"error", "message", "fields", "retry_after"} <= set(error_schema["properties"])
    assert any(parameter["name"] == "Idempotency-Key" for parameter in operation["parameters"])
    assert "/api/v1/complaints/challenge" in document["paths"]


# The document and the validation agree (schemathesis found both of these)


def test_multipart_without_a_boundary_is_a_clean_400(alpha_client: Client) -> None:
    response = alpha_client.post(
        URL, b"complainant_name=x", content_type="multipart/form-data", HTTP_ORIGIN=origin_of(alpha_client)
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "malformed" and response.json()["message"]


def _is_future(value: object) -> bool:
    try:
        return datetime.date.fromisoformat(str(value)) > datetime.date.today()
    except ValueError:
        return False


def test_every_body_the_document_allows_is_accepted(world: World, alpha_client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Bodies generated from the published OpenAPI document file a complaint: none is refused as invalid."""
    settings.WIDGET_POW_ENABLED = False
    settings.WIDGET_RATE_LIMITS = {"ip": "off", "provider": "off", "global": "off"}
    document = alpha_client.get("/api/v1/openapi.json").json()
    operation = schemathesis.openapi.from_dict(document)["/api/v1/complaints"]["POST"]
    token = alpha_client.get(f"{URL}/challenge").json()["token"]
    refused: list[tuple[int, dict, str]] = []
    tried = 0

    @hypothesis.settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(media_type="application/json"))
    def body_is_accepted(case) -> None:  # type: ignore[no-untyped-def]
        nonlocal tried
        body = dict(case.body)
        occurred = body.get("occurred_on")
        # JSON Schema cannot say "not in the future"; the document says it in words.
        hypothesis.assume(not _is_future(occurred))
        # Attachments are checked by their content (PDF, JPG, ...), which a schema cannot describe.
        body.pop("attachments", None)
        # A key reused with other content is refused on purpose (409); each example is a new submission.
        body["idempotency_key"] = f"schema-{uuid.uuid4().hex}"
        body["token"] = token
        tried += 1
        response = post_json(alpha_client, body)
        if response.status_code not in (200, 201):
            refused.append((response.status_code, body, response.content.decode()[:500]))

    body_is_accepted()
    assert tried >= 20
    assert refused == []
