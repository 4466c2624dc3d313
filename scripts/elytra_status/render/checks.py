"""The last look at the public files before they go out: schemas, this run's stamp, size, well-formed XML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from elytra_status.infra import schemas

if TYPE_CHECKING:
    pass


class RefusedBundle(Exception):
    """A bundle file is missing its checks; nothing of the bundle may go out."""


# The rendered files beside the JSON ones, and the most a page may weigh.
TEXT_FILES = ("index.html", "history.atom")
MAX_TEXT_BYTES = 2_000_000


def check_document(key: str, content: Any) -> None:
    """One bundle document against its schema; raises RefusedBundle."""
    try:
        schemas.check(key, content)
    except schemas.InvalidBundle as exc:
        raise RefusedBundle(str(exc)) from None


def check_text(key: str, data: bytes, updated_at: str) -> None:
    """The rendered files: of this run, not too large; the feed well-formed XML, the calendar a calendar,
    the Uptime Kuma-shaped JSON what its schema allows."""
    import xml.etree.ElementTree as ElementTree

    if len(data) > MAX_TEXT_BYTES:
        raise RefusedBundle(f"{key} is {len(data)} bytes, over {MAX_TEXT_BYTES}")
    if key.endswith(".html") and f'datetime="{updated_at}"'.encode() not in data:
        raise RefusedBundle(f"{key} is not of the run of {updated_at}")
    if key == "maintenance.ics" and not (
        data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    ):
        raise RefusedBundle("maintenance.ics is not one calendar")
    if key.startswith("api/status-page/"):
        import json

        kind = "kuma_heartbeat" if key.startswith("api/status-page/heartbeat/") else "kuma_status_page"
        try:
            schemas.check_definition(kind, json.loads(data))
        except (ValueError, schemas.InvalidBundle) as exc:
            raise RefusedBundle(f"{key}: {exc}") from None
    if key == "history.atom":
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise RefusedBundle(f"history.atom is not well-formed XML: {exc}") from None
        updated = root.findtext("{http://www.w3.org/2005/Atom}updated") or ""
        if updated[:19] != updated_at[:19]:
            raise RefusedBundle(f"history.atom is not of the run of {updated_at}")
