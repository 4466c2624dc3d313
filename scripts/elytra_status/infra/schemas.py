"""The bundle's JSON Schemas (bundle.schema.json): one per file, checked before writing and before upload."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).resolve().parent / "bundle.schema.json"


class InvalidBundle(ValueError):
    """A bundle file that is not what its schema allows; the message names it."""


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


def definitions() -> dict[str, Any]:
    """The shared object definitions (incident, maintenance...), for other schemas that hold them."""
    return dict(_schema()["definitions"])


def file_keys() -> tuple[str, ...]:
    """The bundle's files, by key under the status folder."""
    return tuple(_schema()["files"])


def schema_of(key: str) -> dict[str, Any]:
    """The JSON Schema of one bundle file."""
    schema = _schema()
    return {"$ref": f"#/definitions/{schema['files'][key]}", "definitions": schema["definitions"]}


@functools.cache
def _validator(key: str) -> Any:
    from elytra_status.infra import validators

    return validators.compiled(f"bundle_{key}", schema_of(key))


def check(key: str, document: Any) -> None:
    """Raise InvalidBundle unless document is what the schema allows for key."""
    import fastjsonschema

    if key not in _schema()["files"]:
        raise InvalidBundle(f"{key} is not a file of the bundle")
    try:
        _validator(key)(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise InvalidBundle(f"{key} fails its schema: {exc.message}") from None


def definition(name: str) -> dict[str, Any]:
    """The JSON Schema of one definition: a file whose key varies (the Uptime Kuma-shaped JSON)."""
    return {"$ref": f"#/definitions/{name}", "definitions": _schema()["definitions"]}


@functools.cache
def _definition_validator(name: str) -> Any:
    from elytra_status.infra import validators

    return validators.compiled(f"bundle_{name}", definition(name))


def check_definition(name: str, document: Any) -> None:
    """Raise InvalidBundle unless document is what the definition name allows (a file whose key varies)."""
    import fastjsonschema

    try:
        _definition_validator(name)(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise InvalidBundle(f"fails its schema: {exc.message}") from None
