"""Checking uploaded attachments by their content, not their name."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 25 * 1024 * 1024

# Detected MIME type -> extension used for the stored name.
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "txt",
}


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str
    content: ContentFile


class AttachmentTooLarge(ValidationError):
    """Maps to HTTP 413 in the API."""


class AttachmentTypeRefused(ValidationError):
    """Maps to HTTP 415 in the API."""


def _sniff(data: bytes) -> str | None:
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime
    # Plain text has no magic number: accept UTF-8 without control bytes.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\r\n\t\f" for ch in text):
        return None
    return "text/plain"


def download_name(original_name: str, content_type: str) -> str:
    """The name a stored file is downloaded under: the uploader's name with the sniffed type's extension.

    The content decides, not the name: an HTML page uploaded as ``rapport.pdf``
    was stored as text and is downloaded as ``rapport.txt`` (text/plain), so no
    viewer is ever told it is a PDF.
    """
    extension = ALLOWED_TYPES.get(content_type, "bin")
    stem = (original_name or "bijlage").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." in stem.strip("."):
        stem = stem.rsplit(".", 1)[0]
    return f"{stem or 'bijlage'}.{extension}"


def check_attachments(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Validate count, sizes and real content types; return files with server-made names."""
    if len(files) > MAX_FILES:
        raise AttachmentTooLarge(
            _("U kunt maximaal %(count)d bijlagen toevoegen.") % {"count": MAX_FILES}, code="too_many"
        )
    total = 0
    checked = []
    for upload in files:
        name = (upload.name or "bijlage")[-200:]
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            raise AttachmentTooLarge(
                _("%(name)s is te groot: een bijlage mag maximaal %(mb)d MB zijn.")
                % {"name": name, "mb": MAX_FILE_BYTES // (1024 * 1024)},
                code="file_too_large",
            )
        data = upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise AttachmentTooLarge(
                _("%(name)s is te groot: een bijlage mag maximaal %(mb)d MB zijn.")
                % {"name": name, "mb": MAX_FILE_BYTES // (1024 * 1024)},
                code="file_too_large",
            )
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise AttachmentTooLarge(
                _("De bijlagen zijn samen te groot (maximaal %(mb)d MB).")
                % {"mb": MAX_TOTAL_BYTES // (1024 * 1024)},
                code="total_too_large",
            )
        mime = _sniff(data) if data else None
        if mime not in ALLOWED_TYPES:
            raise AttachmentTypeRefused(
                _("%(name)s is geen toegestaan bestandstype. Gebruik PDF, JPG, PNG, HEIC, DOCX of tekst.")
                % {"name": name},
                code="type_refused",
            )
        checked.append(
            CheckedFile(
                original_name=name,
                stored_name=f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}",
                content_type=mime,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                content=ContentFile(data),
            )
        )
    return checked
