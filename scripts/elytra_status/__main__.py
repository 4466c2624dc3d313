"""python -m elytra_status <command> [options]: the same commands as scripts/cli/<command>.py."""

import importlib
import sys

from elytra_status.infra import exits

# Each command's one line in the help; its own --help says the rest. Stdlib only above a command's
# import, so the help works before the venv exists.
COMMANDS = {
    "job": "one run of the cron job (--resident: stay running)",
    "status": "read both sources; write status.json and its bundle",
    "publish": "check the set on disk, upload it, verify it",
    "uptime_kuma_client": "each monitor's state and uptime from Uptime Kuma",
    "backup_checker": "the newest backup of each set, and its age",
    "public_check": "status.json as the website sees it (0 OK, 2 CRITICAL)",
    "bucket_setup": "CORS on the status bucket; conditional writes checked",
    "announce": "announcements: --test each target, --dry-run the next",
    "precompile": "compile the schema checks once (setup.sh runs it)",
}
USAGE = "usage: python -m elytra_status <command> [--help] [options]"


def help_text() -> str:
    """The whole help: usage, what the commands are, one line each."""
    width = max(map(len, COMMANDS))
    lines = [f"  {name.ljust(width)}  {summary}" for name, summary in COMMANDS.items()]
    return "\n".join(
        [
            USAGE,
            "",
            "The commands of scripts/cli/, by name, with the same options and exit codes.",
            "'python -m elytra_status <command> --help' shows a command's options.",
            "",
            "commands:",
            *lines,
        ]
    )


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(help_text())  # asked for: stdout and exit 0, as argparse does for every command
        return exits.EXIT_OK
    if not argv or argv[0] not in COMMANDS:
        wrong = f"unknown command '{argv[0]}'" if argv else "a command is needed"
        print(f"{USAGE}\npython -m elytra_status: {wrong}: one of {', '.join(COMMANDS)}", file=sys.stderr)
        return exits.EXIT_CONFIG
    sys.argv[0] = f"python -m elytra_status {argv[0]}"  # what --help and usage lines call it
    return importlib.import_module(f"elytra_status.commands.{argv[0]}").main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
