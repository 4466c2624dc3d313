"""The upload itself: the AWS CLI in one process of the venv's Python, credentials in its environment only."""

from __future__ import annotations

import errno
import math
import os
import posixpath
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elytra_status.infra import timing
from elytra_status.publish import public_set
from elytra_status.publish.aws_upload import KUMA_FOLDER
from elytra_status.render import status_doc
from elytra_status.render.keys import key_prefix

if TYPE_CHECKING:
    from collections.abc import Callable

    from elytra_status.infra.settings import Config

# The venv's AWS CLI, whatever PATH cron gives, run by aws_upload.py: two commands in one process.
AWS_PYTHON = Path(sys.executable)
AWS_UPLOAD = Path(__file__).resolve().parent / "aws_upload.py"
WRITE_UNTIL = "ELYTRA_WRITE_UNTIL"  # the lease's end, for aws_upload.py (two sites)


class PublishError(Exception):
    """The upload failed or its result does not match; the message says what to fix."""


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


def upload_command(staging: Path, config: Config, generator: str) -> list[str]:
    """One process, a few AWS CLI commands: the bundle (`cp --recursive`), the Uptime Kuma-shaped JSON, then
    status.json, last.

    Every object carries this generator's id as metadata: another writer's objects can then be told apart.
    """
    status_name = posixpath.basename(config.status_bucket_key)
    common_args = [
        "--metadata",
        f"{public_set.META_KEY}={generator}",
        "--endpoint-url",
        config.status_store.endpoint,
        "--region",
        config.status_store.region,
        "--acl",
        "public-read",
        "--cache-control",
        status_doc.cache_control(config),
        "--only-show-errors",
        "--no-progress",
        "--cli-connect-timeout",
        "5",
        "--cli-read-timeout",
        # The AWS CLI takes whole seconds: 2.5 would fail every upload, so it gets 3.
        str(math.ceil(config.http_timeout_seconds)),
    ]
    target = f"s3://{config.status_bucket}/{key_prefix(config)}"
    bundle = ["s3", "cp", str(staging), target, "--recursive", "--exclude", status_name]
    bundle += ["--exclude", f"{KUMA_FOLDER}*", *common_args]
    status = ["s3", "cp", str(staging / status_name), f"s3://{config.status_bucket}/{config.status_bucket_key}"]
    commands = [bundle]
    if (staging / KUMA_FOLDER).is_dir():  # no extension: their type is given, not guessed
        kuma = ["s3", "cp", str(staging / KUMA_FOLDER), target + KUMA_FOLDER, "--recursive"]
        commands.append([*kuma, "--content-type", "application/json", *common_args])
    commands.append([*status, *common_args])
    joined = [arg for command in commands for arg in ("--then", *command)][1:]
    return [str(AWS_PYTHON), str(AWS_UPLOAD), *joined]


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
    return f"aws s3 cp failed: {last[-1][:300] if last else 'no message'}"


def upload(
    staging: Path, config: Config, generator: str, run: Callable[..., Any] = subprocess.run, until: float | None = None
) -> None:
    """Put the staged files under the status folder, public-read, with their headers, in one AWS CLI process.

    until (two sites): the lease's end on timing.lease_clock(); the upload is stopped by then, and the
    wrapper sends no command (status.json last) once it has passed.
    """
    timeout = config.upload_timeout_seconds
    env = aws_environment(config)
    if until is not None:
        timeout = min(timeout, until - timing.lease_clock())
        env[WRITE_UNTIL] = f"{until:.3f}"
    try:
        result = run(
            upload_command(staging, config, generator),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise PublishError(
            f"aws s3 cp did not finish within {timeout:g}s (UPLOAD_TIMEOUT_SECONDS, or the lease)"
        ) from None
    except OSError as exc:
        hint = "the environment is too large" if exc.errno == errno.E2BIG else "run bash scripts/setup.sh"
        raise PublishError(f"cannot run the AWS CLI ({AWS_UPLOAD.name}): {exc.strerror}; {hint}") from None
    if result.returncode != 0:
        raise PublishError(explain_aws_failure(result.stderr, config))
