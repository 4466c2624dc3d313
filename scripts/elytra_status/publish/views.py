"""Two sites' shared memory, private under `.sites/`: each site's view, and the record of what was published.

`view-<site>.json` is written by every site every run, next to its health object; the writer reads the others'.
`record.json` is written by the site that publishes, after each upload: the ids (judge/ids.py), the bundle's
memory and the feed's status changes, so that a site that takes over goes on from what readers saw, never
from its own view. Both are versioned, bounded and checked at every depth when read (infra/sites.schema.json);
one that fails is left out, as if it were not there.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from elytra_status.infra.logs import log
from elytra_status.infra.signed_s3 import SignedS3, SignedS3Error
from elytra_status.judge.view import Item, Seen, View
from elytra_status.publish.lease import StoreError, put_private, store_age

VIEW_PREFIX = "view-"
RECORD_NAME = "record.json"
# 2,000 monitors and 150 incidents and windows of 20,000 characters fit; a larger object is not ours.
MAX_VIEW_BYTES = 8 * 1024 * 1024
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_SITES = 16
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "infra" / "sites.schema.json"
STATE_SCHEMA_FILE = SCHEMA_FILE.with_name("state.schema.json")


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a view or a record, with the state's and the bundle's definitions they share."""
    from elytra_status.infra import schemas as bundle_schema

    definitions = {
        **bundle_schema.definitions(),
        **json.loads(STATE_SCHEMA_FILE.read_text())["definitions"],
        **json.loads(SCHEMA_FILE.read_text())["definitions"],
    }
    return {"$ref": f"#/definitions/{name}", "definitions": definitions}


@functools.cache
def _validator(name: str) -> Any:
    from elytra_status.infra import validators

    return validators.compiled(f"sites_{name}", schema(name))


def _checked(name: str, body: bytes, limit: int) -> dict[str, Any] | None:
    import fastjsonschema

    try:
        raw = json.loads(body) if len(body) < limit else None
        _validator(name)(raw)
    except (ValueError, fastjsonschema.JsonSchemaException):
        return None
    return raw


def view_to_json(view: View) -> dict[str, Any]:
    out = asdict(view)
    return {"version": 1, **out}


def parse_view(body: bytes) -> View | None:
    """A view from its bytes, checked at every depth; None for anything else."""
    raw = _checked("view", body, MAX_VIEW_BYTES)
    if raw is None:
        return None
    return View(
        raw["site"],
        raw["role"],
        raw["generator"],
        raw["whole"],
        raw["settings"],
        raw["platform"],
        raw["page"],
        raw["page_read"],
        {name: Seen(**seen) for name, seen in raw["monitors"].items()},
        *([Item(**item) for item in raw[part]] for part in ("incidents", "resolved", "windows")),
    )


def parse_record(body: bytes) -> dict[str, Any] | None:
    """The record of what was published, checked at every depth; None for anything else."""
    return _checked("record", body, MAX_RECORD_BYTES)


def _put(client: SignedS3, key: str, document: dict[str, Any], what: str) -> None:
    put_private(client, key, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), what)


def write_view(client: SignedS3, folder: str, view: View) -> None:
    _put(client, f"{folder}{VIEW_PREFIX}{view.site}.json", view_to_json(view), "view")


def read_views(
    client: SignedS3, folder: str, skip: str
) -> tuple[list[tuple[View, float | None]], set[str] | None, list[str]]:
    """The other sites' views under folder, with their age by the store's clock; every generator whose view is
    there at all (a site whose view is gone was retired), None when one could not be read; the damaged keys."""
    found: list[tuple[View, float | None]] = []
    damaged = []
    try:
        for key in client.keys(folder + VIEW_PREFIX, MAX_SITES):
            if key == f"{folder}{VIEW_PREFIX}{skip}.json":
                continue
            answer = client.request("GET", key, limit=MAX_VIEW_BYTES)
            view = parse_view(answer.body) if answer.status == 200 else None
            if view is not None:
                found.append((view, store_age(answer.headers)))
            elif answer.status != 404:  # gone since the listing: that site was just retired
                damaged.append(key)
    except SignedS3Error as exc:
        raise StoreError(f"views of the sites not read: {exc}") from None
    return found, None if damaged else {view.generator for view, _ in found}, damaged


def write_record(client: SignedS3, folder: str, record: dict[str, Any]) -> None:
    _put(client, folder + RECORD_NAME, {"version": 1, **record}, "record")


def read_record(client: SignedS3, folder: str) -> dict[str, Any] | None:
    """The record in the bucket; None when there is none, or it is not ours."""
    try:
        answer = client.request("GET", folder + RECORD_NAME, limit=MAX_RECORD_BYTES)
    except SignedS3Error as exc:
        raise StoreError(f"record not read: {exc}") from None
    if answer.status == 404:
        return None
    if answer.status != 200:
        raise StoreError(f"record not read: {answer.code}")
    found = parse_record(answer.body)
    if found is None:
        log.warning("the record of what was published (%s) is damaged or not ours: left out", folder + RECORD_NAME)
    return found
