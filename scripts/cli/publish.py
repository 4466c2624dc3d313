#!/usr/bin/env python3
"""Upload status.json to the public bucket with the AWS CLI, after checking it, and verify it."""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import posixpath
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import change_gate
import common
import http_session
import public_files
import public_set
import run_state
import s3
import settings
import status_doc
import timing
from aws_upload import CONTENT_TYPES
from logs import log
from settings import Config

if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_REFUSED = 1  # the file is missing, empty, invalid or stale: nothing was uploaded
# The venv's AWS CLI, whatever PATH cron gives, run by aws_upload.py: two commands in one process.
AWS_PYTHON = Path(sys.executable)
AWS_UPLOAD = Path(__file__).resolve().parent / "aws_upload.py"


class PublishError(Exception):
    """The upload failed or its result does not match; the message says what to fix."""


class RefusedFile(Exception):
    """status.json is not fit to publish; the public object is left as it was."""


def check_file(path: Path, config: Config, now: datetime) -> int:
    """Refuse a missing, empty, invalid or stale file; return its size when it may go out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RefusedFile(f"{path} does not exist (OUTPUT_FILE): run status.py first") from None
    except OSError as exc:
        raise RefusedFile(f"{path} cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise RefusedFile(f"{path} is empty")
    try:
        document, age = status_doc.status_age(data, now)
    except status_doc.InvalidStatus as exc:
        raise RefusedFile(f"{path} is not a valid status document: {exc}") from None
    problem = status_doc.freshness_problem(document, age, config)
    if problem:
        raise RefusedFile(f"{path} is {problem}")
    return len(data)


def aws_environment(config: Config) -> dict[str, str]:
    """The AWS CLI's whole environment: credentials travel here, never in argv."""
    return {
        "PATH": f"{AWS_PYTHON.parent}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": config.spaces_access_key,
        "AWS_SECRET_ACCESS_KEY": config.spaces_secret_key,
        "AWS_DEFAULT_REGION": config.spaces_region,
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
    """One process, two AWS CLI commands: the bundle (`cp --recursive`), then status.json, last.

    Every object carries this generator's id as metadata: another writer's objects can then be told apart.
    """
    status_name = posixpath.basename(config.status_bucket_key)
    common_args = [
        "--metadata",
        f"{public_set.META_KEY}={generator}",
        "--endpoint-url",
        config.spaces_endpoint,
        "--region",
        config.spaces_region,
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
    bundle = ["s3", "cp", str(staging), f"s3://{config.status_bucket}/{public_files.key_prefix(config)}"]
    bundle += ["--recursive", "--exclude", status_name, *common_args]
    status = ["s3", "cp", str(staging / status_name), f"s3://{config.status_bucket}/{config.status_bucket_key}"]
    return [str(AWS_PYTHON), str(AWS_UPLOAD), *bundle, "--then", *status, *common_args]


def explain_aws_failure(stderr: str, config: Config) -> str:
    """One line out of the AWS CLI's error output, naming what to fix."""
    code = re.search(r"An error occurred \(([^)]+)\)", stderr)
    bucket = config.status_bucket
    if code and code.group(1) in ("NoSuchBucket", "404"):
        return f"bucket {bucket!r} does not exist at {config.spaces_endpoint}: check STATUS_BUCKET"
    if code and code.group(1) in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"):
        return (
            f"Spaces credentials rejected ({code.group(1)}) for bucket {bucket!r}:"
            " check SPACES_ACCESS_KEY and SPACES_SECRET_KEY"
        )
    if "Could not connect" in stderr or "Connect timeout" in stderr or "EndpointConnectionError" in stderr:
        return f"cannot reach {config.spaces_endpoint}: check SPACES_ENDPOINT and the network"
    if code:
        return f"upload refused by {config.spaces_endpoint}: {code.group(1)}"
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return f"aws s3 cp failed: {last[-1][:300] if last else 'no message'}"


def upload(staging: Path, config: Config, generator: str, run: Callable[..., Any] = subprocess.run) -> None:
    """Put the staged files under the status folder, public-read, with their headers, in one AWS CLI process."""
    try:
        result = run(
            upload_command(staging, config, generator),
            env=aws_environment(config),
            capture_output=True,
            text=True,
            timeout=config.upload_timeout_seconds,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise PublishError(
            f"aws s3 cp did not finish within UPLOAD_TIMEOUT_SECONDS={config.upload_timeout_seconds:g}"
        ) from None
    except OSError as exc:
        hint = "the environment is too large" if exc.errno == errno.E2BIG else "run bash scripts/setup.sh"
        raise PublishError(f"cannot run the AWS CLI ({AWS_UPLOAD.name}): {exc.strerror}; {hint}") from None
    if result.returncode != 0:
        raise PublishError(explain_aws_failure(result.stderr, config))


def verify(config: Config, sizes: dict[str, int], client: Any = None, generator: str | None = None) -> dict[str, str]:
    """HEAD each uploaded object: its type, cache control, size and generator must be what was sent.

    Asked as a reader asks, so that what readers get is what is checked; with the keys where that fails.
    Returns each object's ETag.
    """
    wrong = []
    etags = {}
    with http_session.make_session(retries=0) as session:
        for key, size in sizes.items():
            found = public_head(config, key, session) or signed_head(config, key, client)
            kind = CONTENT_TYPES[posixpath.splitext(key)[1]]
            wanted = {"Content-Type": kind, "Cache-Control": status_doc.cache_control(config), "size": size}
            if generator is not None:
                wanted["generator"] = generator
            wrong += [f"{key}: {k} is {found[k]!r}, expected {v!r}" for k, v in wanted.items() if found[k] != v]
            etags[key] = found["ETag"] or ""
    if wrong:
        raise PublishError(f"uploaded objects do not match ({len(wrong)}): " + "; ".join(wrong[:3]))
    return etags


def public_head(config: Config, key: str, session: Any = None) -> dict[str, Any] | None:
    """An anonymous HEAD of key at SPACES_ENDPOINT (path style); None unless it answers 200.

    Not retried: the signed HEAD is what a failure falls back to.
    """
    from urllib.parse import quote

    import requests

    session = session or http_session.make_session(retries=0)
    url = f"{config.spaces_endpoint.rstrip('/')}/{config.status_bucket}/{quote(key)}"
    try:
        response = session.head(url, timeout=http_session.request_timeout(config.http_timeout_seconds))
    except requests.RequestException:
        return None
    if response.status_code != 200:
        return None
    headers = response.headers
    length = headers.get("Content-Length")
    return {
        "Content-Type": headers.get("Content-Type"),
        "Cache-Control": headers.get("Cache-Control"),
        "size": int(length) if length and length.isdigit() else None,
        "ETag": headers.get("ETag"),
        "generator": headers.get(public_set.HEADER),
    }


def signed_head(config: Config, key: str, client: Any = None) -> dict[str, Any]:
    """The same HEAD with the keys (boto3); raises PublishError when it fails."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        head = (client or s3.make_s3_client(config)).head_object(Bucket=config.status_bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise PublishError(f"cannot HEAD the uploaded {key}: {type(exc).__name__}") from None
    return {
        "Content-Type": head.get("ContentType"),
        "Cache-Control": head.get("CacheControl"),
        "size": head.get("ContentLength"),
        "ETag": head.get("ETag"),
        "generator": (head.get("Metadata") or {}).get(public_set.META_KEY),
    }


def publish(config: Config, now: datetime, state: run_state.RunState, client: Any = None) -> int:
    """Check status.json and the bundle, upload them in one process, verify; one log line for the outcome.

    The set counts as published (state.published) only once every object was written and verified.
    """
    target = f"s3://{config.status_bucket}/{public_files.key_prefix(config)}"
    try:
        size = check_file(config.output_file, config, now)
        document = json.loads(config.output_file.read_bytes())
        bundle_files = public_files.check_bundle(config, document)
    except (RefusedFile, public_files.RefusedBundle) as exc:
        log.error("upload refused, nothing sent, %s left as it was: %s", target, exc)
        return EXIT_REFUSED
    if not bundle_files:
        log.info("no bundle in %s: status.json goes alone", config.bundle_dir)
    digest = change_gate.content_digest(config.output_file, bundle_files)
    prefix = public_files.key_prefix(config)
    sizes = {prefix + key: path.stat().st_size for key, path in bundle_files.items()}
    sizes[config.status_bucket_key] = size
    try:
        staging = public_files.stage(config, config.output_file, bundle_files)
    except OSError as exc:
        log.error("upload refused, nothing sent: cannot stage the files: %s", exc.strerror)
        return EXIT_REFUSED
    # Until this upload is verified whole, no set counts as published: a run killed half-way leaves a
    # state that makes the next run write the whole set again.
    state.published = {k: v for k, v in state.published.items() if k == "foreign"}
    run_state.save(config.state_file, state)
    try:
        upload(staging, config, state.generator)
        etags = verify(config, sizes, client, state.generator)
    except PublishError as exc:
        log.error("upload to %s failed: %s; the next run writes the whole set again", target, exc)
        return common.EXIT_UPLOAD_FAILED
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("uploaded %d files to %s (status.json %d bytes, public-read, verified)", len(sizes), target, size)
    state.published.update(digest=digest, at=timing.iso_z(now), etag=etags[config.status_bucket_key], etags=etags)
    return common.EXIT_OK


def head(config: Config, key: str, client: Any = None, session: Any = None) -> dict[str, Any] | None:
    """An object's headers at the origin, or None when it is gone or cannot be read.

    Asked first as a reader asks (the object is public-read): a run that uploads nothing needs no boto3.
    """
    found = public_head(config, key, session)
    if found is not None:
        return found
    try:  # with the keys: anonymous S3 says 403, not 404, for a missing object
        return signed_head(config, key, client)
    except PublishError:
        return None


def remote_etag(config: Config, client: Any = None) -> str | None:
    """The ETag of the public status object at the origin, or None when it is gone or cannot be read."""
    found = head(config, config.status_bucket_key, client)
    return found["ETag"] if found else None


def main(argv: list[str] | None = None, now: Callable[[], datetime] = timing.utc_now) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="exit codes: 0 uploaded and verified; 1 file refused (nothing sent); 2 bad config;"
        " 4 upload or verification failed; 5 uploaded, but the state could not be saved",
    )
    common.add_common_args(parser, json_help="print one JSON object: exit code, target, uploaded or not")
    args = parser.parse_args(argv)
    config = common.start("upload", args, settings.NEEDS_PUBLISH)
    if config is None:
        return common.failed(args, common.EXIT_CONFIG, "bad config (see the log line)")
    state = run_state.bind(run_state.load(config.state_file), config)
    code = publish(config, now(), state)
    if not run_state.save(config.state_file, state) and code == common.EXIT_OK:
        code = common.EXIT_STATE_NOT_SAVED
    if args.json:
        target = f"s3://{config.status_bucket}/{config.status_bucket_key}"
        common.print_json({"ok": code == common.EXIT_OK, "exit_code": code, "target": target})
    return code


if __name__ == "__main__":
    sys.exit(main())
