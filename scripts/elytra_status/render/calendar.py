"""maintenance.ics (RFC 5545): one event a maintenance window this generator has seen, current and past.

Uptime Kuma shows an API key only the maintenance under way, never the planned windows, so a window
reaches the calendar when it starts. Its times are its timeslot's, in UTC; a manual maintenance, which
has none, starts when a run first saw it, and ends when a run saw it go.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from elytra_status.render.words import N_, Words

CALENDAR_NAME = N_("%(name)s maintenance")

# RFC 5545 3.1: lines of at most 75 octets, continued with CRLF and one space.
LINE_OCTETS = 75


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (LINE_OCTETS if not out else LINE_OCTETS - 1):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def stamp(value: str) -> str:
    """Statuspage's 2026-12-02T13:09:00.000Z as an iCalendar UTC DATE-TIME: 20261202T130900Z."""
    return value[:19].replace("-", "").replace(":", "") + "Z"


def calendar(
    maintenances: list[dict[str, Any]], page: dict[str, Any], base_url: str, updated_at: str, language: str
) -> str:
    """The calendar of the windows in scheduled-maintenances.json (up to the 50 most recent)."""
    words = Words(language)
    host = urlsplit(base_url).hostname or f"{page['id']}.status"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//elytra-status//{page['id']}//{language.upper()}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(words(CALENDAR_NAME, name=page['name']))}",
        "X-WR-TIMEZONE:UTC",
    ]
    for item in maintenances:
        starts = item.get("scheduled_for") or item["created_at"]
        ends = item.get("scheduled_until") or item.get("resolved_at")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item['id']}@{host}",
            f"DTSTAMP:{stamp(updated_at)}",
            f"DTSTART:{stamp(starts)}",
            *([f"DTEND:{stamp(ends)}"] if ends and ends > starts else []),
            f"SUMMARY:{escape(item['name'])}",
            f"DESCRIPTION:{escape(item['incident_updates'][-1]['body'])}",
            "STATUS:CONFIRMED",
            # A URL is absolute (RFC 5545 3.3.13): without STATUS_PUBLIC_URL the event has none.
            *([f"URL:{base_url}incidents/{item['id']}.html"] if base_url else []),
            f"LAST-MODIFIED:{stamp(item['updated_at'])}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
