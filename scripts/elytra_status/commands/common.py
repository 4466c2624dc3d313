"""What every script's main() shares: exit codes, the start-up (settings and logging), arguments, output."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from elytra_status.infra.logs import log, setup_logging
from elytra_status.infra.settings import DEFAULT_ENV_FILE, Config, ConfigError, load_config, own_folder


def start(script: str, args: argparse.Namespace, needs: tuple[str, ...], stream: Any = None) -> Config | None:
    """Load config and logging for a script's main(); None (after one log line) on bad config."""
    try:
        config = load_config(args.env_file, needs)
    except ConfigError as exc:
        setup_logging(script, None, stream)
        log.error("config error: %s", exc)
        return None
    setup_logging(script, config, stream)
    own = own_folder(args.env_file)
    # The settings file's own places (run/README.md "Two configs in one checkout"): made once, when used.
    if own in (config.output_file.parent, config.state_file.parent):
        with contextlib.suppress(OSError):  # a folder that cannot be made fails its first write, by name
            own.mkdir(parents=True, exist_ok=True)
    for warning in config.warnings:
        log.warning("config: %s", warning)
    return config


def begin(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    script: str,
    needs: tuple[str, ...],
    json_help: str = "print JSON instead of a table",
    stream: Any = None,
) -> tuple[argparse.Namespace, Config | None]:
    """--env-file and --json added, the arguments parsed, settings and logging started: (arguments, config or None)."""
    add_common_args(parser, json_help)
    args = parser.parse_args(argv)
    return args, start(script, args, needs, stream)


def add_common_args(parser: argparse.ArgumentParser, json_help: str = "print JSON instead of a table") -> None:
    """--env-file, and --json: stdout is then one JSON value, failure included; the exit code still tells."""
    parser.add_argument("--env-file", type=Path, default=None, help=f"settings file (default {DEFAULT_ENV_FILE})")
    parser.add_argument("--json", action="store_true", help=json_help)


def print_rows(rows: list[tuple[str, ...]]) -> None:
    """A plain aligned table on stdout; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def failed(args: argparse.Namespace, code: int, reason: str) -> int:
    """A failure's exit code; with --json, also the failure as one JSON object on stdout."""
    if getattr(args, "json", False):
        print_json({"ok": False, "exit_code": code, "error": reason})
    return code


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
