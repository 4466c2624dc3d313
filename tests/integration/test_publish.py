"""Publishing: the real AWS CLI against moto, the cron wrapper under env -i, lock, heartbeat, checks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from stack import free_port, wait_for

from support.commands import ROOT, all_command_lines, cron_run, cron_start, fake_crontab, find_process, write_env
from support.documents import status_doc
from support.kuma_replay import API_KEY, Reply
from support.s3_proxy import S3Proxy
from support.servers import ACCESS_KEY, SECRET_KEY, public_bytes, s3_client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def put_previous(s3, bucket: str, key: str = "public/status.json") -> bytes:
    body = json.dumps(status_doc(datetime.now(UTC) - timedelta(minutes=5), "degraded")).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read", ContentType="application/json")
    return body


def test_upload_puts_a_public_json_object_with_its_headers_and_no_checksum(moto, s3, pub_env, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "pub.env", {**pub_env, "CACHE_MAX_AGE_SECONDS": "120"})
    result = cron_run("upload_status_json.sh", env_file, tmp_path)

    assert result.returncode == 0, result.stderr
    key = "public/status.json"
    assert public_bytes(s3, status_bucket, key) == Path(pub_env["OUTPUT_FILE"]).read_bytes()
    grants = s3.get_object_acl(Bucket=status_bucket, Key=key)["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"} in grants
    anonymous = requests.head(f"{moto.url}/{status_bucket}/{key}", timeout=5)  # as a browser, no credentials
    assert anonymous.status_code == 200
    assert anonymous.headers["Content-Type"] == "application/json"
    assert anonymous.headers["Cache-Control"] == "public, max-age=120"
    assert "x-amz-sdk-checksum-algorithm" not in {h.lower() for h in anonymous.headers}
    assert "verified" in result.stderr


def test_a_fractional_http_timeout_still_uploads(s3, pub_env, status_bucket, tmp_path):
    """The AWS CLI's --cli-read-timeout takes whole seconds: 2.5 reaches it as 3, not as an error."""
    env_file = write_env(tmp_path / "pub.env", {**pub_env, "HTTP_TIMEOUT_SECONDS": "2.5"})
    result = cron_run("upload_status_json.sh", env_file, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(public_bytes(s3, status_bucket))["platform_status"] == "operational"


def test_the_checksum_check_can_fail(moto, s3, status_bucket, tmp_path):
    """Control: the AWS CLI's default would send a checksum, and the test above would see it."""
    src = tmp_path / "x.json"
    src.write_text("{}")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "a",
        "AWS_SECRET_ACCESS_KEY": "b",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    aws = str(Path(sys.executable).parent / "aws")
    subprocess.run(
        [
            aws,
            "s3",
            "cp",
            str(src),
            f"s3://{status_bucket}/x.json",
            "--endpoint-url",
            moto.url,
            "--region",
            "us-east-1",
            "--acl",
            "public-read",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    head = requests.head(f"{moto.url}/{status_bucket}/x.json", timeout=5)
    assert head.headers.get("x-amz-sdk-checksum-algorithm") == "CRC32"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ("{not json", "not a valid status document"),
        (json.dumps({"platform_status": "fine"}), "not a valid status document"),
        ("stale", "is stale"),
    ],
)
def test_a_bad_file_is_never_uploaded_and_the_public_object_stays(
    s3, pub_env, status_bucket, tmp_path, content, message
):
    before = put_previous(s3, status_bucket)
    out = Path(pub_env["OUTPUT_FILE"])
    if content is None:
        out.unlink()
    elif content == "stale":
        out.write_text(json.dumps(status_doc(datetime.now(UTC) - timedelta(minutes=16))))
    else:
        out.write_text(content)
    result = cron_run("upload_status_json.sh", write_env(tmp_path / "e.env", pub_env), tmp_path)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and message in errors[0] and "upload refused" in errors[0]
    assert public_bytes(s3, status_bucket) == before


def test_wrong_credentials_fail_loudly_and_leave_the_object(moto_auth, tmp_path):
    good = s3_client(moto_auth.url, moto_auth.access, moto_auth.secret)
    before = put_previous(good, "auth-bucket")
    out = tmp_path / "status.json"
    out.write_text(json.dumps(status_doc(datetime.now(UTC))))
    env = {
        "SPACES_ENDPOINT": moto_auth.url,
        "SPACES_ACCESS_KEY": moto_auth.access,
        "SPACES_SECRET_KEY": "wrong-secret-xyz",
        "STATUS_BUCKET": "auth-bucket",
        "STATUS_BUCKET_KEY": "public/status.json",
        "OUTPUT_FILE": str(out),
        "LOG_FILE": str(tmp_path / "u.log"),
    }
    result = cron_run("upload_status_json.sh", write_env(tmp_path / "e.env", env), tmp_path)

    assert result.returncode == 4
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "credentials rejected" in errors[0]
    assert "wrong-secret-xyz" not in result.stderr + result.stdout + (tmp_path / "u.log").read_text()
    assert public_bytes(good, "auth-bucket") == before


@pytest.mark.parametrize("case", ["missing bucket", "unreachable endpoint"])
def test_missing_bucket_or_unreachable_endpoint_fail_loudly(s3, pub_env, status_bucket, tmp_path, case):
    before = put_previous(s3, status_bucket)
    env = dict(pub_env)
    if case == "missing bucket":
        env["STATUS_BUCKET"] = "no-such-status-bucket"
        expected = "does not exist"
    else:
        env["SPACES_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
        expected = "cannot reach"
    result = cron_run("upload_status_json.sh", write_env(tmp_path / "e.env", env), tmp_path)

    assert result.returncode == 4
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert public_bytes(s3, status_bucket) == before


def test_cron_wrapper_publishes_from_a_bare_environment_and_another_directory(s3, job_env, status_bucket, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", job_env), elsewhere)

    assert result.returncode == 0, result.stdout + result.stderr
    published = json.loads(public_bytes(s3, status_bucket))
    assert published["platform_status"] == "degraded"  # monitors 4 and 5 are down in the capture
    log = Path(job_env["LOG_FILE"]).read_text()
    for step in ("run started", "step status:", "step upload:", "run finished in"):
        assert step in log and step in result.stdout
    assert all(line[:20].endswith("Z") for line in log.splitlines())
    for secret in (API_KEY, SECRET_KEY, ACCESS_KEY):
        assert secret not in log + result.stdout + result.stderr


def test_an_unknown_status_is_still_published_and_the_exit_code_says_a_source_failed(
    s3, job_env, status_bucket, kuma, tmp_path
):
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/html")], b"<html>proxy login</html>")
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", job_env), tmp_path)

    assert result.returncode == 3
    assert json.loads(public_bytes(s3, status_bucket))["platform_status"] == "unknown"


def test_a_failed_upload_is_the_run_exit_code(job_env, tmp_path):
    env = {**job_env, "STATUS_BUCKET": "no-such-status-bucket"}
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    assert result.returncode == 4
    assert "upload failed" in result.stdout


def test_one_site_sends_no_conditional_header_and_publishes_the_set_as_rendered(
    moto, s3, job_env, status_bucket, tmp_path
):
    """Stores without If-Match work; the two-site term token is in no body (README "Fencing")."""
    proxy = S3Proxy(moto.url)
    try:
        env = {**job_env, "SPACES_ENDPOINT": proxy.url, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
        result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    finally:
        proxy.close()
    assert result.returncode == 0, result.stdout
    # 16 public files, and the record of what was published (.sites/record.json): no PUT is conditional.
    assert len([path for path, _, _ in proxy.conditions if "/.sites/" not in path]) == 16
    assert {(match, none) for _, match, none in proxy.conditions} == {(None, None)}
    bundle = Path(job_env["BUNDLE_DIR"])
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert len(files) == 15
    for path in files:
        assert public_bytes(s3, status_bucket, "public/" + str(path.relative_to(bundle))) == path.read_bytes()
    assert public_bytes(s3, status_bucket) == Path(job_env["OUTPUT_FILE"]).read_bytes()


def test_two_runs_started_together_one_publishes_the_other_hits_the_lock(moto, job_env, kuma, status_bucket, tmp_path):
    # The first run holds the lock while Uptime Kuma keeps it waiting up to its deadline.
    kuma.routes["/metrics"] = Reply(200, [], b"", behaviour="hang")
    env_file = write_env(tmp_path / "job.env", {**job_env, "RUN_DEADLINE_SECONDS": "5"})
    puts_before = sum(1 for line in moto.request_lines() if f'"PUT /{status_bucket}/public/status.json' in line)
    lock = tmp_path / "job.lock"
    first = cron_start(env_file, tmp_path, lock)
    wait_for(lambda: any(p == "/metrics" for p, _ in kuma.requests), 20, "first run reaching Uptime Kuma", 0.05)
    second = cron_run("generate_and_upload.sh", env_file, tmp_path, extra={"ELYTRA_LOCK_FILE": str(lock)})
    first_out, _ = first.communicate(timeout=60)

    assert second.returncode == 75
    assert "another run holds the lock" in second.stdout
    assert first.returncode == 3  # published, Uptime Kuma failed
    puts = sum(1 for line in moto.request_lines() if f'"PUT /{status_bucket}/public/status.json' in line)
    assert puts - puts_before == 1
    assert "another run holds the lock" in Path(job_env["LOG_FILE"]).read_text()


def test_no_secret_on_any_command_line_while_the_aws_child_runs(job_env, silent_endpoint, tmp_path):
    """While the upload waits on a silent endpoint, every process's argv is read: no key in any."""
    env = {**job_env, "SPACES_ENDPOINT": silent_endpoint, "RUN_DEADLINE_SECONDS": "5", "HTTP_TIMEOUT_SECONDS": "2"}
    job = subprocess.Popen(
        ["bash", str(ROOT / "scripts/generate_and_upload.sh"), "--env-file", str(write_env(tmp_path / "j.env", env))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ELYTRA_LOCK_FILE": str(tmp_path / "job.lock")},
        start_new_session=True,  # the whole run, children included, is stopped below
    )
    try:
        child = wait_for(lambda: find_process("aws_upload.py"), 60, "the upload child", 0.05)
        every_argv = all_command_lines()
        environ = Path(f"/proc/{child}/environ").read_bytes().decode(errors="replace")
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    assert "aws_upload.py" in every_argv and "job.py" in every_argv  # the child and its parent were both seen
    assert f"AWS_SECRET_ACCESS_KEY={SECRET_KEY}" in environ.split("\0")
    for secret in (SECRET_KEY, ACCESS_KEY, API_KEY):
        assert secret not in every_argv


def test_heartbeat_reports_up_with_duration_then_down_with_reason(job_env, kuma, recorder, tmp_path):
    token = "pushTOKEN123secret"
    env = {**job_env, "HEARTBEAT_URL": f"{recorder.url}/api/push/{token}"}
    ok = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/html")], b"<html>login</html>")
    failed = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)

    assert (ok.returncode, failed.returncode) == (0, 3)
    up, down = recorder.hits
    assert up[1].startswith(f"/api/push/{token}?status=up&msg=OK&ping=")
    assert int(up[1].rsplit("=", 1)[1]) > 0
    assert down[1].startswith(f"/api/push/{token}?status=down&msg=a+source+failed")
    log = Path(job_env["LOG_FILE"]).read_text()
    assert "/api/push/***" in log and token not in log + ok.stdout + failed.stdout


def test_healthchecks_style_heartbeat_posts_to_the_url_or_its_fail_endpoint(job_env, kuma, recorder, tmp_path):
    env = {**job_env, "HEARTBEAT_URL": f"{recorder.url}/0f0e0d0c-uuid"}
    cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    kuma.routes["/metrics"] = Reply(401, [], b"")
    cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    assert [(m, p) for m, p, _ in recorder.hits] == [("POST", "/0f0e0d0c-uuid"), ("POST", "/0f0e0d0c-uuid/fail")]
    assert b"source failed" in recorder.hits[1][2]


def test_a_dead_heartbeat_url_does_not_fail_the_run(job_env, tmp_path):
    env = {**job_env, "HEARTBEAT_URL": f"http://127.0.0.1:{free_port()}/api/push/deadTOKEN"}
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    assert result.returncode == 0
    assert "heartbeat http://127.0.0.1" in result.stdout and "not delivered" in result.stdout
    assert "deadTOKEN" not in result.stdout


def run_cli(script: str, env_file: Path, *args: str):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts/cli" / script), "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def public_env(moto, pub_env, status_bucket, tmp_path) -> Path:
    env = {
        **pub_env,
        "CORS_ALLOWED_ORIGINS": "https://elytra.cloud,https://www.elytra.cloud",
        "STATUS_PUBLIC_URL": f"{moto.url}/{status_bucket}/public/status.json",
    }
    return write_env(tmp_path / "public.env", env)


def test_bucket_setup_applies_cors_idempotently_and_shows_it(public_env, s3, status_bucket):
    first = run_cli("bucket_setup.py", public_env)
    second = run_cli("bucket_setup.py", public_env)
    shown = run_cli("bucket_setup.py", public_env, "--show", "--json")

    assert first.returncode == second.returncode == 0
    assert "applied" in first.stderr and "already in place" in second.stderr
    assert "https://elytra.cloud, https://www.elytra.cloud" in first.stdout
    rules = json.loads(shown.stdout)["cors_rules"]
    assert rules[0]["AllowedMethods"] == ["GET", "HEAD"]
    assert len(s3.get_bucket_cors(Bucket=status_bucket)["CORSRules"]) == 1


def test_public_check_passes_on_a_fresh_upload(public_env, tmp_path):
    assert run_cli("bucket_setup.py", public_env).returncode == 0
    assert cron_run("upload_status_json.sh", public_env, tmp_path).returncode == 0
    result = run_cli("public_check.py", public_env)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK: ") and len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    "fault", ["stale", "unconfirmed", "a day ahead", "content type", "cache control", "origin missing from CORS"]
)
def test_public_check_fails_on_what_the_website_would_trip_on(public_env, s3, status_bucket, fault):
    run_cli("bucket_setup.py", public_env)
    shift = {"stale": timedelta(minutes=-20), "unconfirmed": timedelta(minutes=-10), "a day ahead": timedelta(days=1)}
    shift = shift.get(fault, timedelta(0))
    updated = datetime.now(UTC) + shift
    s3.put_object(
        Bucket=status_bucket,
        Key="public/status.json",
        Body=json.dumps(status_doc(updated)).encode(),
        ACL="public-read",
        ContentType="text/plain" if fault == "content type" else "application/json",
        CacheControl="no-cache" if fault == "cache control" else "public, max-age=300",
    )
    args = ("--origin", "https://not-allowed.example") if fault == "origin missing from CORS" else ()
    result = run_cli("public_check.py", public_env, *args)

    assert result.returncode == 2
    assert result.stdout.startswith("CRITICAL: ")
    expected = {
        "stale": "stale",
        "unconfirmed": "not confirmed for",
        "a day ahead": "dated in the future",
        "content type": "Content-Type",
        "cache control": "Cache-Control",
        "origin missing from CORS": "CORS does not allow origin https://not-allowed.example",
    }[fault]
    assert expected in result.stdout


def test_install_cron_adds_the_line_once(tmp_path):
    env, store = fake_crontab(tmp_path, "MAILTO=ops@example.com\n")
    for _ in range(2):
        subprocess.run(["bash", str(ROOT / "scripts/install_cron.sh")], env=env, check=True, capture_output=True)
    lines = store.read_text().splitlines()
    assert lines[0] == "MAILTO=ops@example.com"
    assert [line for line in lines if "generate_and_upload.sh" in line] == [
        f"* * * * * {ROOT}/scripts/generate_and_upload.sh >/dev/null # elytra-status-generator"
    ]
    subprocess.run(
        ["bash", str(ROOT / "scripts/install_cron.sh"), "--remove"], env=env, check=True, capture_output=True
    )
    assert "generate_and_upload" not in store.read_text()


def test_the_upload_ignores_aws_profiles_and_credentials_in_home(s3, pub_env, status_bucket, tmp_path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n")
    (home / ".aws" / "config").write_text("[default]\nregion = eu-west-9\nendpoint_url = http://127.0.0.1:9\n")
    result = cron_run(
        "upload_status_json.sh", write_env(tmp_path / "e.env", pub_env), tmp_path, extra={"AWS_PROFILE": "nope"}
    )
    assert result.returncode == 0, result.stderr
    assert public_bytes(s3, status_bucket) == Path(pub_env["OUTPUT_FILE"]).read_bytes()
