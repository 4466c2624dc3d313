"""python -m elytra_status <command> [options]: the same commands as scripts/cli/<command>.py."""

import importlib
import sys

from elytra_status.infra import exits

COMMANDS = (
    "status",
    "uptime_kuma_client",
    "backup_checker",
    "publish",
    "job",
    "public_check",
    "bucket_setup",
    "precompile",
)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m elytra_status {{{','.join(COMMANDS)}}} [--help]", file=sys.stderr)
        return exits.EXIT_OK if argv[:1] in (["-h"], ["--help"]) else exits.EXIT_CONFIG
    sys.argv[0] = f"python -m elytra_status {argv[0]}"  # what --help and usage lines call it
    return importlib.import_module(f"elytra_status.commands.{argv[0]}").main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
