#!/usr/bin/env python3
"""The AWS CLI, run a few times in one process: the public folder's files, then status.json, which goes last.

publish.py starts it with the venv's Python; arguments are `aws` command lines split by `--then`.
The content types of the public files are registered first, so one `cp --recursive` gives each its own;
the Uptime Kuma-shaped JSON, whose keys have no extension, goes in a command of its own.
"""

from __future__ import annotations

import mimetypes
import os
import sys
import time

CONTENT_TYPES = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8",
}
# Uptime Kuma's paths have no extension: everything under this folder is JSON.
KUMA_FOLDER = "api/status-page/"


def content_type(key: str) -> str:
    """The Content-Type a public object is uploaded with (and checked for)."""
    if KUMA_FOLDER in key:
        return "application/json"
    return CONTENT_TYPES[os.path.splitext(key)[1]]


def main(argv: list[str]) -> int:
    from awscli.clidriver import create_clidriver

    for extension, kind in CONTENT_TYPES.items():
        mimetypes.add_type(kind, extension)
    commands: list[list[str]] = [[]]
    for arg in argv:
        if arg == "--then":
            commands.append([])
        else:
            commands[-1].append(arg)
    until = float(os.environ.get("ELYTRA_WRITE_UNTIL") or "inf")
    for command in commands:
        # Two sites: a writer frozen past its lease sends nothing more when it wakes (the same clock as
        # timing.lease_clock, which counts the time the machine was stopped).
        if command and time.clock_gettime(time.CLOCK_BOOTTIME) >= until:
            print("the site's lease ran out during the upload: the rest is not sent", file=sys.stderr)
            return 75
        if command:
            code = create_clidriver().main(command)
            if code != 0:
                return code  # status.json does not go out after a failed bundle
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
