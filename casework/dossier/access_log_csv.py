"""The provider's access log as CSV: the admin's download and the export at contract end.

Rows as the provider's access-log page shows them (``access_rows``): for a dossier not
shared with the provider, who and when, not which.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dossier.selectors import access_rows
from casework.models import AccessLogEntry
from tenants.models import Provider


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def _chunks(items: Iterable[AccessLogEntry], size: int) -> Iterator[list[AccessLogEntry]]:
    chunk: list[AccessLogEntry] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not read as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def access_log_csv_write(out: Writable, *, provider: Provider, entries: Iterable[AccessLogEntry]) -> int:
    """Write ``entries`` of ``provider``'s access log to ``out`` as CSV (BOM, ``;``); returns the rows."""
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Moment"),
            _("Handeling"),
            _("Kenmerk"),
            _("Onderdeel"),
            _("Wie"),
            _("Rol"),
            _("Organisatie"),
            _("Namens"),
            _("Toegang via"),
            _("Adres"),
            _("IP-adres"),
        ]
    )
    written = 0
    for chunk in _chunks(entries, 500):
        for row in access_rows(provider=provider, entries=chunk):
            writer.writerow(
                csv_safe(value)
                for value in (
                    timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.event_label,
                    row.reference if row.shared else _("(dossier niet met u gedeeld)"),
                    row.subject,
                    row.who,
                    row.role,
                    row.organisation,
                    row.on_behalf_of,
                    row.channel_label,
                    row.address,
                    row.ip_address,
                )
            )
            written += 1
    return written
