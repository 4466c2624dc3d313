#!/usr/bin/env python3
"""The AWS CLI, run twice in one process: the public folder's files, then status.json, which goes last.

publish.py starts it with the venv's Python; arguments are two `aws` command lines split by `--then`.
The content types of the public files are registered first, so one `cp --recursive` gives each its own.
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
}


def main(argv: list[str]) -> int:
    from awscli.clidriver import create_clidriver

    for extension, kind in CONTENT_TYPES.items():
        mimetypes.add_type(kind, extension)
    split = argv.index("--then") if "--then" in argv else len(argv)
    until = float(os.environ.get("ELYTRA_WRITE_UNTIL") or "inf")
    for command in (argv[:split], argv[split + 1 :]):
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
