"""``/api/v1/complaints``: file a complaint with a provider, as the widget's form does.

Served on the provider's host (``https://<slug>.<platform-domain>``); on the
platform host there is no provider to complain to, so it answers 404.
The same guards as the widget's form apply (casework.intake.guard):

1. ``GET /api/v1/complaints/challenge`` gives a signed ``token`` (valid for
   a few hours) and, unless switched off, a proof-of-work ``challenge``
   (ALTCHA v1: find ``n`` with ``SHA-256(salt + n) == challenge``).
2. ``POST /api/v1/complaints`` from the provider host's own origin (the
   ``Origin`` header), as ``multipart/form-data`` (with attachments) or
   ``application/json`` (attachments as base64), carrying the form's fields,
   ``token`` and ``altcha`` (base64 of the JSON solution), and an
   ``Idempotency-Key`` header: a retry with the same key and the same content
   returns the first complaint's reference (200, without a follow link)
   instead of filing a second one (201); the same key with other content is
   refused (409).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from typing import Any

from django import forms as django_forms
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from casework.dossier.access_log import AccessChannel, request_accessor
from casework.dossier.attachments import MAX_FILES, AttachmentTooLarge, AttachmentTypeRefused
from casework.intake.forms import ComplaintForm
from casework.intake.guard import (
    HONEYPOT_FIELD,
    IDEMPOTENCY_FIELD,
    IDEMPOTENCY_RE,
    POW_FIELD,
    TOKEN_FIELD,
    IntakeRefused,
    form_token_expires_at,
    form_token_make,
    intake_guard,
    pow_challenge_create,
    request_size_check,
)
from casework.intake.holding import HELD_MESSAGE, form_hold, moving_to
from casework.intake.services import CONFLICT_MESSAGE, IdempotencyConflict, widget_complaint_submit
from casework.models import ComplainantKind
from reference.categories import STANDARD_CATEGORIES
from reference.deadline_rules import complaint_deadline
from tenants.clusters import clustered
from tenants.hosts import provider_url
from tenants.models import Provider

router = Router(tags=["intake"])


class ChallengeOut(Schema):
    algorithm: str = Field(description="Always SHA-256")
    challenge: str = Field(description="Hex SHA-256 of salt + n")
    maxNumber: int = Field(description="n lies between 0 and this")
    salt: str
    signature: str


class FormTokenOut(Schema):
    token: str = Field(description="Send back as the `token` field")
    expires_at: datetime.datetime = Field(description="When the token and the challenge run out")
    challenge: ChallengeOut | None = Field(
        description="Solve and send back as `altcha`: base64 of JSON "
        "{algorithm, challenge, number, salt, signature}; null when proof of work is off"
    )
    privacy_notice_url: str = Field(
        description="Klachtpunt's privacy notice (AVG art. 13): link it on your form before it is sent; "
        "it answers in Dutch, or English with Accept-Language: en"
    )


class ComplaintCreatedOut(Schema):
    reference: str = Field(description="The complaint's reference, e.g. KP-2026-000123")
    status: str
    track: str = Field(description="informal or formal")
    consent: str = Field(description="given or refused: whether the provider may see the complaint")
    deadline: datetime.date | None = Field(
        description="Last day for the provider's written decision (formal)"
    )
    follow_url: str | None = Field(
        description="Secret link to follow the complaint without an account; only in the answer that filed it"
    )
    created: bool = Field(description="False when an earlier request with this Idempotency-Key made it")


class ComplaintHeldOut(Schema):
    status: str = Field(description="held")
    message: str = Field(description="For people, in the request's language (Dutch or English)")
    created: bool = Field(description="False when an earlier request with this Idempotency-Key was held")


class FieldErrorOut(Schema):
    code: str
    message: str


class IntakeErrorOut(Schema):
    error: str = Field(
        description="malformed, unsupported_media_type, too_large, type_refused, invalid, origin_refused, "
        "token_missing, token_expired, token_invalid, honeypot, pow_missing, pow_invalid, pow_replayed, "
        "rate_limited, idempotency_conflict, not_found, provider_moving"
    )
    message: str = Field(description="For people, in the request's language (Dutch or English)")
    fields: dict[str, list[FieldErrorOut]] = Field(
        default_factory=dict, description="Per form field, what is wrong with it"
    )
    retry_after: int | None = Field(None, description="Seconds to wait (429; also the Retry-After header)")


# The documented body is derived from ComplaintForm, so what the document allows
# is what the validation accepts (schemathesis holds them to that).
_NO_NUL = "^[^\\x00]*$"
# Django strips surrounding whitespace and then finds a required field empty.
_NOT_BLANK = "^[^\\x00]*[^\\x00\\s][^\\x00]*$"
# What Django's EmailValidator accepts, a little narrower (no quoted local parts or IP literals).
_EMAIL = (
    "^[A-Za-z0-9_+-]+(\\.[A-Za-z0-9_+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$"
)
# Whom the complaint is from decides what more is required (ComplaintForm.clean).
_FOR_SOMEONE_ELSE = (ComplainantKind.REPRESENTATIVE.value, ComplainantKind.RELATIVE.value)


def _field_schema(name: str, field: django_forms.Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": str(field.label)}
    if isinstance(field, django_forms.ChoiceField):
        if name == "category":
            # Each provider's own list; these are the standard ones every provider starts with.
            schema["enum"] = ["", *(code for code, _nl, _en in STANDARD_CATEGORIES)]
        else:
            choices: Any = field.choices
            schema["enum"] = [str(value) for value, _label in choices if value != ""]
    elif isinstance(field, django_forms.EmailField):
        schema.update(pattern=_EMAIL, maxLength=254, format="email")
    elif isinstance(field, django_forms.DateField):
        schema["format"] = "date"
        schema["description"] += " (YYYY-MM-DD, not in the future)"
    elif isinstance(field, django_forms.RegexField):
        schema["pattern"] = field.regex.pattern
    else:
        schema["pattern"] = _NOT_BLANK if field.required else _NO_NUL
        max_length = getattr(field, "max_length", None)
        if max_length:
            schema["maxLength"] = max_length
    return schema


_FORM_FIELDS: dict[str, dict[str, Any]] = {
    name: _field_schema(name, field)
    for name, field in ComplaintForm.base_fields.items()
    if name != "attachments"
}
_GUARD_FIELDS = {
    TOKEN_FIELD: {"type": "string", "description": "From GET /api/v1/complaints/challenge"},
    POW_FIELD: {"type": "string", "description": "The solved challenge, base64 of its JSON"},
    HONEYPOT_FIELD: {"type": "string", "maxLength": 0, "description": "Must be empty"},
    IDEMPOTENCY_FIELD: {
        "type": "string",
        "pattern": IDEMPOTENCY_RE.pattern,
        "description": "Instead of the Idempotency-Key header",
    },
}
# The API asks for an e-mail address, as the widget does (ComplaintForm(require_email=True)).
_REQUIRED = [
    *(name for name, field in ComplaintForm.base_fields.items() if field.required),
    "complainant_email",
    TOKEN_FIELD,
]
_CONDITIONS: list[dict[str, Any]] = [
    {
        "if": {"properties": {"complainant_kind": {"enum": list(_FOR_SOMEONE_ELSE)}}},
        "then": {"required": ["client_name", "relation_to_client"]},
    },
    {
        "if": {"properties": {"complainant_kind": {"const": ComplainantKind.REPRESENTATIVE.value}}},
        "then": {"required": ["mandate_basis"]},
    },
]
for _name in ("client_name", "relation_to_client", "mandate_basis"):
    # Optional in general, but when they are required an empty one does not count.
    _FORM_FIELDS[_name]["description"] += " (required when complaining for someone else)"


def _body_schema(attachments: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": _REQUIRED,
        "properties": {**_FORM_FIELDS, **_GUARD_FIELDS, "attachments": attachments},
        "additionalProperties": False,
        "allOf": [
            {
                "if": condition["if"],
                "then": {
                    "required": condition["then"]["required"],
                    "properties": {name: {"pattern": _NOT_BLANK} for name in condition["then"]["required"]},
                },
            }
            for condition in _CONDITIONS
        ],
    }


REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": _body_schema(
                {
                    "type": "array",
                    "maxItems": MAX_FILES,
                    "items": {"type": "string", "format": "binary"},
                    "description": "At most 5 files (PDF, JPG, PNG, HEIC, DOCX or text), 10 MB each, "
                    "25 MB together; checked by content, not by name",
                }
            )
        },
        "application/json": {
            "schema": _body_schema(
                {
                    "type": "array",
                    "maxItems": MAX_FILES,
                    "description": "As in multipart/form-data, each file's content as base64",
                    "items": {
                        "type": "object",
                        "required": ["filename", "content_base64"],
                        "properties": {
                            "filename": {"type": "string"},
                            "content_base64": {"type": "string", "format": "byte"},
                        },
                    },
                }
            )
        },
    },
}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": IDEMPOTENCY_RE.pattern},
    "description": "Makes a retry safe: the same key returns the complaint made the first time",
}


def _provider(request: HttpRequest) -> Any:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform:
        return None
    return tenant


def _not_found() -> Status:
    return Status(
        404, {"error": "not_found", "message": _("Hier kunt u geen klacht indienen."), "fields": {}}
    )


@router.get(
    "/challenge",
    response={200: FormTokenOut, 404: IntakeErrorOut},
    summary="A form token and a proof-of-work challenge for one complaint",
    auth=None,
)
def complaint_challenge(request: HttpRequest, response: HttpResponse) -> Status:
    """What the form needs before it is sent; the widget's form fetches a new one while it is open."""
    response["Cache-Control"] = "no-store"
    provider = _provider(request)
    if provider is None:
        return _not_found()
    return Status(
        200,
        {
            "token": form_token_make(provider),
            "expires_at": form_token_expires_at(),
            "challenge": pow_challenge_create(provider),
            "privacy_notice_url": provider_url(provider, "/privacyverklaring/"),
        },
    )


class _Malformed(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _parse(request: HttpRequest) -> tuple[QueryDict, MultiValueDict]:
    """The body as form data and files, from multipart, urlencoded or JSON."""
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            return request.POST, request.FILES
        except MultiPartParserError as exc:
            # No boundary, or a body that does not follow it: the client's mistake, not ours.
            raise _Malformed(
                _("De multipart/form-data-gegevens zijn niet leesbaar (ontbreekt de boundary?).")
            ) from exc
    if content_type != "application/json":
        raise IntakeRefused(
            "unsupported_media_type",
            _("Stuur de klacht als multipart/form-data of als application/json."),
            415,
        )
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Malformed(_("De gegevens zijn geen geldige JSON.")) from exc
    if not isinstance(payload, dict):
        raise _Malformed(_("Stuur de gegevens als één JSON-object."))
    data = QueryDict(mutable=True)
    files = MultiValueDict()
    for name, value in payload.items():
        if name == "attachments":
            files.setlist("attachments", _json_attachments(value))
        elif isinstance(value, bool | int | float | str):
            data[name] = str(value).lower() if isinstance(value, bool) else str(value)
        elif value is not None:
            raise _Malformed(_("Het veld %(name)s moet tekst zijn.") % {"name": name})
    return data, files


def _json_attachments(value: Any) -> list[SimpleUploadedFile]:
    if not isinstance(value, list):
        raise _Malformed(_("attachments moet een lijst zijn."))
    files = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("content_base64"), str):
            raise _Malformed(_("Elke bijlage heeft filename en content_base64 nodig."))
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Malformed(_("De inhoud van een bijlage is geen geldige base64.")) from exc
        name = str(item.get("filename") or "bijlage")[:200]
        files.append(SimpleUploadedFile(name, content))
    return files


def _field_errors(form: ComplaintForm) -> dict[str, list[dict[str, str]]]:
    return {
        name: [{"code": error["code"] or "invalid", "message": error["message"]} for error in errors]
        for name, errors in form.errors.get_json_data().items()
    }


def _invalid(form: ComplaintForm) -> Status:
    """422 with the field errors; 413 or 415 when an attachment is too large or of a refused type."""
    status, code, message = 422, "invalid", _("Niet alle gegevens zijn goed ingevuld.")
    attachment_errors = form.errors.get("attachments")
    for error in attachment_errors.data if attachment_errors else []:
        if isinstance(error, AttachmentTooLarge):
            status, code, message = 413, "too_large", error.messages[0]
            break
        if isinstance(error, AttachmentTypeRefused):
            status, code, message = 415, "type_refused", error.messages[0]
            break
    return Status(status, {"error": code, "message": message, "fields": _field_errors(form)})


def _hold(
    request: HttpRequest,
    response: HttpResponse,
    form: ComplaintForm,
    *,
    provider: Provider,
    target: str,
    key: str,
) -> Status[Any]:
    """The provider is moving to another cluster: hold the complaint (casework.intake.holding)."""
    try:
        held = form_hold(request, form, provider=provider, target=target, key=key)
    except IntakeRefused as refusal:  # attachments are not held
        response["Retry-After"] = str(refusal.retry_after)
        body = {"error": refusal.code, "message": refusal.message, "fields": {}}
        return Status(refusal.status, {**body, "retry_after": refusal.retry_after})
    except IdempotencyConflict:
        return Status(409, {"error": "idempotency_conflict", "message": str(CONFLICT_MESSAGE), "fields": {}})
    return Status(202, {"status": "held", "message": str(HELD_MESSAGE), "created": held.created})


@router.post(
    "",
    response={
        200: ComplaintCreatedOut,
        201: ComplaintCreatedOut,
        202: ComplaintHeldOut,
        400: IntakeErrorOut,
        403: IntakeErrorOut,
        404: IntakeErrorOut,
        413: IntakeErrorOut,
        409: IntakeErrorOut,
        415: IntakeErrorOut,
        422: IntakeErrorOut,
        429: IntakeErrorOut,
        503: IntakeErrorOut,
    },
    summary="File a complaint",
    description=(
        "Link Klachtpunt's privacy notice (privacy_notice_url from /challenge) on the form before it is "
        "sent (AVG art. 13). "
        "201: filed. 200: an earlier request with the same Idempotency-Key and the same content filed it; "
        "only the reference is returned (no follow_url). "
        "409: the Idempotency-Key was used before with other content. "
        "400: the body is not well-formed (or the honeypot field was filled). "
        "403: wrong Origin, missing/expired/forged token, or missing/invalid/reused proof of work. "
        "413: too large. 415: an attachment's content is not an allowed type (or the body is not "
        "multipart/form-data or JSON). 422: field errors, per field. 429: rate limited; see Retry-After. "
        "202: the provider is being moved to another server: the complaint is held and filed within "
        "minutes; the acknowledgement e-mail carries the reference and the follow link. 503: try again "
        "after Retry-After (during such a move, a complaint with attachments)."
    ),
    openapi_extra={"requestBody": REQUEST_BODY, "parameters": [IDEMPOTENCY_HEADER]},
    auth=None,
)
def complaint_create(request: HttpRequest, response: HttpResponse) -> Status:
    """File a complaint with the provider whose host this is."""
    response["Cache-Control"] = "no-store"
    provider = _provider(request)
    if provider is None:
        return _not_found()
    try:
        request_size_check(request)
        data, files = _parse(request)
        key = request.headers.get("Idempotency-Key") or data.get("idempotency_key") or ""
        if key and not IDEMPOTENCY_RE.match(key):
            raise _Malformed(_("De Idempotency-Key moet 8 tot 64 letters, cijfers of . _ : - zijn."))
        intake_guard(
            request,
            provider,
            token=data.get(TOKEN_FIELD),
            pow_payload=data.get(POW_FIELD),
            honeypot=data.get(HONEYPOT_FIELD),
            idempotency_key=key,
        )
    except IntakeRefused as refusal:
        if refusal.retry_after:
            response["Retry-After"] = str(refusal.retry_after)
        body = {"error": refusal.code, "message": refusal.message, "fields": {}}
        return Status(refusal.status, {**body, "retry_after": refusal.retry_after})
    except _Malformed as malformed:
        return Status(400, {"error": "malformed", "message": malformed.message, "fields": {}})
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        return Status(413, {"error": "too_large", "message": _("Het verzoek is te groot."), "fields": {}})

    form = ComplaintForm(data, files)
    if not form.is_valid():
        return _invalid(form)
    target = moving_to(provider) if clustered() else ""
    if target:
        return _hold(request, response, form, provider=provider, target=target, key=key)
    try:
        result = widget_complaint_submit(
            provider=provider,
            submission=form.submission(),
            accessor=request_accessor(request, provider=provider, channel=AccessChannel.WIDGET),
            attachments=form.checked_files,
            idempotency_key=key or None,
        )
    except IdempotencyConflict:
        return Status(409, {"error": "idempotency_conflict", "message": str(CONFLICT_MESSAGE), "fields": {}})
    complaint = result.complaint
    follow_url = request.build_absolute_uri(f"/volg/{result.follow_token}/") if result.follow_token else None
    return Status(
        201 if result.created else 200,
        {
            "reference": complaint.reference,
            "status": complaint.status,
            "track": complaint.track,
            "consent": complaint.consent,
            "deadline": complaint_deadline(complaint),
            "follow_url": follow_url,
            "created": result.created,
        },
    )
