"""JSON Schema checks, compiled once at set-up: fastjsonschema's compile costs a cron run more than the check.

setup.sh writes each check's generated code into the venv (root's, never the job's to write), keyed by
the schema and fastjsonschema's version; a run imports it, and compiles in process when none matches.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

FOLDER = Path(sys.prefix) / "elytra-validators"


def _path(name: str, schema: dict[str, Any]) -> Path:
    import fastjsonschema

    key = hashlib.sha256((json.dumps(schema, sort_keys=True) + fastjsonschema.VERSION).encode()).hexdigest()[:16]
    return FOLDER / f"{name.replace('/', '_').replace('.', '_').replace('-', '_')}_{key}.py"


def compiled(name: str, schema: dict[str, Any]) -> Callable[[Any], Any]:
    """The check for schema: the one set-up wrote when it matches, else compiled now."""
    import fastjsonschema

    path = _path(name, schema)
    if path.exists():
        spec = importlib.util.spec_from_file_location(f"elytra_validators.{path.stem}", path)
        if spec and spec.loader:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.VALIDATE
    return fastjsonschema.compile(schema)


def write(name: str, schema: dict[str, Any]) -> Path:
    """The check's code, written where compiled() finds it (set-up time)."""
    import fastjsonschema

    path = _path(name, schema)
    path.parent.mkdir(exist_ok=True)
    code = fastjsonschema.compile_to_code(schema)
    # The first function is the schema's root, named after its $id; compiled() looks for one name.
    entry = re.search(r"^def (\w+)\(", code, re.M)
    if entry is None:
        raise ValueError(f"no function in the code fastjsonschema made for {name}")
    path.write_text(f"{code}\n\nVALIDATE = {entry.group(1)}\n")
    return path
