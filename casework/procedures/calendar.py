"""Calendar invitations (RFC 5545) for meetings and hearings.

One invitation per recipient, naming only that recipient as attendee (the
parties do not learn each other's e-mail addresses from it). It carries the
time, the kind of meeting, the complaint's reference, where or how to join,
and a link; never anything the complaint says.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from casework.models import Meeting

PRODID = "-//Klachtpunt//Bemiddeling//NL"


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str
    url: str
    language: str = "nl"


def meeting_ics(
    meeting: Meeting,
    *,
    reference: str,
    title: str,
    invitee: Invitee,
    now: datetime.datetime | None = None,
) -> bytes:
    """The iCalendar file for ``invitee``: REQUEST, or CANCEL for a cancelled meeting."""
    cancelled = meeting.cancelled_at is not None
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
    event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
    event.add("summary", f"{title} ({reference})")
    where = meeting.location or meeting.call_in
    if where:
        event.add("location", where)
    event.add("description", invitee.url)
    event.add("url", invitee.url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name or "Klachtpunt")
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{invitee.email}")
    if invitee.name:
        attendee.params["cn"] = vText(invitee.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
