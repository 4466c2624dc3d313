"""Compile every JSON Schema check and message catalogue once, at set-up (setup.sh runs it): cron runs then
skip the compile."""

from __future__ import annotations

import argparse
import compileall
import json

from elytra_status.infra import exits, schemas, validators
from elytra_status.publish import views
from elytra_status.render import status_doc, words
from elytra_status.run import state


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    checks = {"state": state.schema(), "status": json.loads(status_doc.SCHEMA_FILE.read_text())}
    checks.update({f"bundle_{key}": schemas.schema_of(key) for key in schemas.file_keys()})
    checks.update({f"bundle_{name}": schemas.definition(name) for name in ("kuma_status_page", "kuma_heartbeat")})
    checks.update({f"sites_{name}": views.schema(name) for name in ("view", "record")})
    for old in validators.FOLDER.glob("*.py"):
        old.unlink()  # checks of older schemas
    for name, schema in checks.items():
        validators.write(name, schema)
    compileall.compile_dir(str(validators.FOLDER), quiet=1)
    catalogues = words.precompile()
    print(f"precompile: {len(checks)} schema checks in {validators.FOLDER}, {len(catalogues)} catalogues")
    return exits.EXIT_OK
