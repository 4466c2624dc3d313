"""The upload itself: the AWS CLI in one process of the venv's Python, credentials in its environment only."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.publish import public_set
from elytra_status.publish.aws_upload import FENCED, LEASE_RAN_OUT, content_type
from elytra_status.render import status_doc
from elytra_status.render.keys import key_prefix

if TYPE_CHECKING:
    from collections.abc import Callable

    from elytra_status.infra.settings import Config

# The venv's AWS CLI, whatever PATH cron gives, run by aws_upload.py: one put-object a file, in one process.
AWS_PYTHON = Path(sys.executable)
AWS_UPLOAD = Path(__file__).resolve().parent / "aws_upload.py"
WRITE_UNTIL = "ELYTRA_WRITE_UNTIL"  # the lease's end, for aws_upload.py (two sites)


class PublishError(Exception):
    """The upload failed or its result does not match; the message says what to fix."""


class Fenced(PublishError):
    """Two sites: a PUT's condition was false, so another writer wrote the key; nothing after it was sent."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} changed since this site last saw it (412)")
        self.key = key


def aws_environment(config: Config) -> dict[str, str]:
    """The AWS CLI's whole environment: credentials travel here, never in argv."""
    return {
        "PATH": f"{AWS_PYTHON.parent}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": config.status_store.access_key,
        "AWS_SECRET_ACCESS_KEY": config.status_store.secret_key,
        "AWS_DEFAULT_REGION": config.status_store.region,
        # No profile, no ~/.aws: what config/.env says is all that counts.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # The 2025 default checksums broke uploads to Spaces.
        "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
        "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
        "AWS_MAX_ATTEMPTS": "3",
        "AWS_RETRY_MODE": "standard",
        "AWS_PAGER": "",
    }


def upload_plan(
    staging: Path, keys: list[str], config: Config, generator: str, believed: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One `s3api put-object` per object, in the order given (status.json last), for aws_upload.py.

    Every object carries this generator's id as metadata: another writer's objects can then be told apart.
    believed (two sites): the ETag of each key as this writer last saw it; each PUT is then conditional.
    Without it (one site) no PUT carries a condition, so stores without them work.
    """
    prefix = key_prefix(config)
    plan = []
    for key in keys:
        body = staging / key
        target = ["--bucket", config.status_bucket, "--key", prefix + key]
        put = ["s3api", "put-object", *target, "--body", str(body), "--content-type", content_type(key)]
        put += ["--cache-control", status_doc.cache_control(config), "--acl", "public-read"]
        put += ["--metadata", f"{public_set.META_KEY}={generator}", *cli_options(config)]
        entry: dict[str, Any] = {"key": prefix + key, "put": put}
        if believed is not None:
            etag = believed.get(prefix + key)
            create = [*put, "--if-none-match", "*"]
            entry["put"] = [*put, "--if-match", etag] if etag else create
            if etag:
                entry["create"] = create
            entry["etag"] = f'"{hashlib.md5(body.read_bytes()).hexdigest()}"'  # noqa: S324 - S3's ETag
            entry["ours"] = ["s3api", "head-object", *target, "--if-match", entry["etag"], *cli_options(config)]
        plan.append(entry)
    return plan


def cli_options(config: Config) -> list[str]:
    """Where and how long: the endpoint, the region, the timeouts; the answer as JSON, for its ETag."""
    return [
        "--endpoint-url",
        config.status_store.endpoint,
        "--region",
        config.status_store.region,
        "--cli-connect-timeout",
        "5",
        "--cli-read-timeout",
        # The AWS CLI takes whole seconds: 2.5 would fail every upload, so it gets 3.
        str(math.ceil(config.http_timeout_seconds)),
        "--output",
        "json",
    ]


def explain_aws_failure(stderr: str, config: Config) -> str:
    """One line out of the AWS CLI's error output, naming what to fix."""
    code = re.search(r"An error occurred \(([^)]+)\)", stderr)
    bucket, store = config.status_bucket, config.status_store
    if code and code.group(1) in ("NoSuchBucket", "404"):
        return f"bucket {bucket!r} does not exist at {store.endpoint}: check STATUS_BUCKET"
    if code and code.group(1) in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"):
        return f"credentials rejected ({code.group(1)}) for bucket {bucket!r}: check {store.keys_setting}"
    if "Could not connect" in stderr or "Connect timeout" in stderr or "EndpointConnectionError" in stderr:
        return f"cannot reach {store.endpoint}: check {store.endpoint_setting} and the network"
    if code:
        return f"upload refused by {store.endpoint}: {code.group(1)}"
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return f"the AWS CLI failed: {last[-1][:300] if last else 'no message'}"


def upload(
    staging: Path,
    keys: list[str],
    config: Config,
    generator: str,
    run: Callable[..., Any] = subprocess.run,
    until: float | None = None,
    believed: dict[str, str] | None = None,
) -> dict[str, str]:
    """Put the staged files (keys, in order) under the status folder, public-read, with their headers, in
    one AWS CLI process; each key's ETag as the store answered.

    until (two sites): the lease's end on timing.lease_clock(); the upload is stopped by then, and the
    wrapper sends no PUT once it has passed. believed (two sites): the fence's ETags; raises Fenced on a 412.
    """
    timeout = config.upload_timeout_seconds
    env = aws_environment(config)
    if until is not None:
        timeout = min(timeout, until - timing.lease_clock())
        env[WRITE_UNTIL] = f"{until:.3f}"
    try:
        result = run(
            [str(AWS_PYTHON), str(AWS_UPLOAD)],
            input=json.dumps(upload_plan(staging, keys, config, generator, believed)),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        if until is not None and timing.lease_clock() >= until:  # a slow upload, or a machine stopped meanwhile
            raise PublishError("the site's lease ran out during the upload: it was stopped there") from None
        raise PublishError(f"the upload did not finish within {timeout:g}s (UPLOAD_TIMEOUT_SECONDS)") from None
    except OSError as exc:  # the plan goes on stdin: however many files, the command line stays short
        raise PublishError(
            f"cannot run the AWS CLI ({AWS_UPLOAD.name}): {exc.strerror}; run bash scripts/setup.sh"
        ) from None
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode == FENCED:
        raise Fenced(next(a["key"] for a in answers if a.get("refused")))
    if result.returncode == LEASE_RAN_OUT:
        raise PublishError("the site's lease ran out during the upload: the rest was not sent")
    if result.returncode != 0:
        raise PublishError(explain_aws_failure(result.stderr, config))
    return {a["key"]: a["etag"] for a in answers if a.get("etag")}
