"""Two sites: every public PUT is fenced, so a writer whose lease was taken lands none (README "Fencing").

Each PUT carries `If-Match` the ETag its writer believes is there, or `If-None-Match: *` for a key it
believes absent. An ETag is the body's MD5, so each body of a term carries the term's token: no body of
another term, or of another site, can have its ETag.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from elytra_status.infra.logs import log
from elytra_status.infra.own_keys import SITES_FOLDER
from elytra_status.infra.signed_s3 import SignedS3, SignedS3Error
from elytra_status.publish.aws_cli import PublishError
from elytra_status.publish.aws_upload import content_type

TERM = "term"  # state.site: this site's term token, new at each takeover, kept across renewals
ETAGS = "etags"  # state.site: the ETag of each key of the status folder, as this writer last saw it
# The listing is read whole or not at all: a folder of more keys than this is refused, not half known.
MAX_KEYS = 5000
# One page's answer must fit SignedS3's body bound (64 KB): a key's entry is about 300 bytes.
PAGE_KEYS = 100
_TERM = re.compile(r"[0-9a-f]{16}")
_COMMENT = re.compile(rb"<!-- term ([0-9a-f]{16}) -->\n\Z")
_CALENDAR = re.compile(rb"\r\nX-ELYTRA-TERM:([0-9a-f]{16})\r\n")
_TRAILING = re.compile(rb"([ \t]{64})\n\Z")


def begin_term(site: dict[str, Any], took_over: bool) -> str:
    """This writer's term token: a new one when it takes the lease, whose ETag map is dropped (listed again)."""
    if took_over or not _TERM.fullmatch(str(site.get(TERM, ""))):
        site[TERM] = secrets.token_hex(8)
        site.pop(ETAGS, None)
    return str(site[TERM])


def mark(key: str, data: bytes, term: str) -> bytes:
    """The body with the term's token where its format keeps what readers ignore."""
    kind = content_type(key)
    if kind.startswith(("text/html", "application/atom+xml", "application/rss+xml")):
        return data.rstrip(b"\n") + f"\n<!-- term {term} -->\n".encode()
    if kind.startswith("text/calendar"):
        head, _, rest = data.partition(b"\r\n")  # a property of the calendar, right after BEGIN:VCALENDAR
        return head + f"\r\nX-ELYTRA-TERM:{term}\r\n".encode() + rest
    # JSON: status.json's schema and shields.io's badge allow no other field, but every parser skips
    # whitespace after the value: the token is 64 bits of it, a tab for 1, a space for 0.
    bits = format(int(term, 16), "064b")
    return data.rstrip(b"\n") + bits.replace("0", " ").replace("1", "\t").encode() + b"\n"


def term_in(key: str, data: bytes) -> str | None:
    """The term token a body carries (mark's inverse), or None."""
    kind = content_type(key)
    if kind.startswith(("text/html", "application/atom+xml", "application/rss+xml")):
        found = _COMMENT.search(data)
        return found.group(1).decode() if found else None
    if kind.startswith("text/calendar"):
        found = _CALENDAR.search(data)
        return found.group(1).decode() if found else None
    found = _TRAILING.search(data)
    if not found:
        return None
    return format(int(found.group(1).replace(b" ", b"0").replace(b"\t", b"1"), 2), "016x")


def parse_listing(body: bytes) -> tuple[dict[str, str], str | None]:
    """One ListObjectsV2 page: each key's ETag, and the token of the next page (None at the last)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise PublishError("the status folder's listing is not XML") from None
    found = {}
    for item in root:
        if item.tag.rpartition("}")[2] == "Contents":
            fields = {child.tag.rpartition("}")[2]: child.text or "" for child in item}
            found[fields.get("Key", "")] = fields.get("ETag", "")
    truncated = next((el.text for el in root if el.tag.rpartition("}")[2] == "IsTruncated"), "false") == "true"
    token = next((el.text for el in root if el.tag.rpartition("}")[2] == "NextContinuationToken"), None)
    return found, token if truncated else None


def list_etags(store: SignedS3, prefix: str) -> dict[str, str]:
    """Every key of the status folder (not the private .sites/ ones) with its ETag; raises PublishError."""
    found: dict[str, str] = {}
    token = None
    for _ in range(MAX_KEYS // PAGE_KEYS):
        query = {"list-type": "2", "prefix": prefix, "max-keys": str(PAGE_KEYS)}
        if token:
            query["continuation-token"] = token
        try:
            answer = store.request("GET", "", **query)
        except SignedS3Error as exc:
            raise PublishError(f"the status folder could not be listed: {exc}") from None
        if answer.status != 200:
            raise PublishError(f"the status folder could not be listed: {answer.code}")
        page, token = parse_listing(answer.body)
        found.update(page)
        if token is None:
            return {key: etag for key, etag in found.items() if not key.startswith(prefix + SITES_FOLDER)}
    raise PublishError(f"the status folder holds more than {MAX_KEYS} keys: give it a folder of its own")


@dataclass
class Fence:
    """Two sites: this term's token, the site's state (its ETag map), and the store to list when there is none."""

    term: str
    site: dict[str, Any]
    store: SignedS3

    def believed(self, prefix: str) -> dict[str, str]:
        """The ETag of each key as this writer last saw it; the folder is listed once when it has none
        (a takeover, a lost state, a failed upload)."""
        if ETAGS not in self.site:
            self.site[ETAGS] = list_etags(self.store, prefix)
            log.info("fence: the status folder listed, %d keys with their ETags", len(self.site[ETAGS]))
        return dict(self.site[ETAGS])

    def learn(self, etags: dict[str, str]) -> None:
        """What this writer's PUTs and HEADs saw; a map grown past MAX_KEYS is dropped, and listed again."""
        known = {**self.site.get(ETAGS, {}), **etags}
        if len(known) > MAX_KEYS:
            self.forget()
        else:
            self.site[ETAGS] = known

    def forget(self) -> None:
        self.site.pop(ETAGS, None)
