#!/usr/bin/env python3
"""The AWS CLI in one process: one `s3api put-object` per public object, in order (status.json last), all
through one driver.

aws_cli.py starts it with the venv's Python and writes the plan on its stdin: a JSON list with, for each
object, its key and its `aws` command line. Each object's ETag, as the store answered, goes to stdout as
one JSON line. Two sites: each PUT is conditional, and a 412 stops the upload there (exit FENCED).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from typing import Any

CONTENT_TYPES = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".ics": "text/calendar; charset=utf-8",
}
# Uptime Kuma's paths have no extension: everything under this folder is JSON.
KUMA_FOLDER = "api/status-page/"
# Exit codes beside the AWS CLI's own: the lease ran out (two sites), another writer wrote (a 412).
LEASE_RAN_OUT = 75
FENCED = 76
# The condition was false, or a concurrent conditional write won (S3 says 409 for that).
REFUSED = ("(PreconditionFailed)", "(412)", "(ConditionalRequestConflict)")


def content_type(key: str) -> str:
    """The Content-Type a public object is uploaded with (and checked for)."""
    if KUMA_FOLDER in key:
        return "application/json"
    return CONTENT_TYPES[os.path.splitext(key)[1]]


def refused(stderr: str) -> bool:
    return any(code in stderr for code in REFUSED)


def call(driver: Any, command: list[str]) -> tuple[int, str, str]:
    """One AWS CLI command through the driver; its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = driver.main(command)
    return code, out.getvalue(), err.getvalue()


def put(driver: Any, entry: dict[str, Any]) -> tuple[int, str, str]:
    """One object's PUT, with the two second tries a fenced PUT may make without losing its fence."""
    code, out, err = call(driver, entry["put"])
    if code and "(NoSuchKey)" in err and "create" in entry:
        # Gone since this writer saw it (no writer deletes: a person or a lifecycle rule did): put it
        # back as a create, which fails in turn if anyone wrote it meanwhile.
        code, out, err = call(driver, entry["create"])
    if code and refused(err) and "ours" in entry and call(driver, entry["ours"])[0] == 0:
        # The store holds this very body, term token and run stamp included: the answer to this PUT was
        # lost and the AWS CLI sent it again. Nobody else wrote.
        return 0, json.dumps({"ETag": entry["etag"]}), ""
    return code, out, err


def main(argv: list[str]) -> int:
    from awscli.clidriver import create_clidriver

    plan = json.load(sys.stdin)
    until = float(os.environ.get("ELYTRA_WRITE_UNTIL") or "inf")
    driver = create_clidriver()
    for entry in plan:
        # Two sites: a writer frozen past its lease sends nothing more when it wakes (the same clock as
        # timing.lease_clock, which counts the time the machine was stopped).
        if time.clock_gettime(time.CLOCK_BOOTTIME) >= until:
            print("the site's lease ran out during the upload: the rest is not sent", file=sys.stderr)
            return LEASE_RAN_OUT
        code, out, err = put(driver, entry)
        sys.stderr.write(err)
        if code and refused(err):
            print(json.dumps({"key": entry["key"], "refused": True}), flush=True)
            return FENCED  # nothing after it is sent, status.json included
        if code:
            return code  # status.json does not go out after a failed object
        etag = json.loads(out).get("ETag") if out.strip() else None
        print(json.dumps({"key": entry["key"], "etag": etag}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
