"""Hardening: full and read-only disks, a killed job, stale temp files, hangs named, --json always JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from stack import free_port, wait_for

from support.commands import ROOT, cron_run, cron_start, fake_crontab, find_process, parent_of, run_script, write_env
from support.kuma_replay import ReplayServer, Reply

# --- LOG_FILE on a full or read-only disk ---------------------------------------------------


@pytest.mark.parametrize(("disk", "says"), [("full", "cannot write LOG_FILE"), ("read-only", "cannot open LOG_FILE")])
def test_a_broken_log_file_is_one_line_and_the_run_goes_on(base_env, kuma, mounted_disk, disk, says):
    kuma.serve_version("2.5.3")
    log_file = mounted_disk(disk) / "status.log"
    result = run_script("status.py", env={**base_env, "LOG_FILE": str(log_file)})

    assert result.returncode == 0, result.stderr
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count(says) == 1
    assert json.loads(Path(base_env["OUTPUT_FILE"]).read_text())["platform_status"] == "degraded"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


def test_a_job_killed_during_the_upload_takes_its_upload_down_and_says_so(job_env, silent_endpoint, tmp_path):
    env = {**job_env, "SPACES_ENDPOINT": silent_endpoint, "RUN_DEADLINE_SECONDS": "5", "HTTP_TIMEOUT_SECONDS": "20"}
    lock = tmp_path / "job.lock"
    wrapper = cron_start(write_env(tmp_path / "job.env", env), tmp_path, lock)
    # This checkout's upload process: its plan comes on stdin, so its command line names only the script.
    script = str(ROOT / "scripts" / "elytra_status" / "publish" / "aws_upload.py")
    upload = wait_for(lambda: find_process(script), 60, "the upload to start", 0.05)
    job_pid = parent_of(upload)
    os.kill(job_pid, signal.SIGKILL)  # as the OOM killer would
    started = time.monotonic()
    out, err = wrapper.communicate(timeout=60)

    assert time.monotonic() - started < 15  # not the minute the upload would have waited
    assert not alive(upload)
    assert wrapper.returncode == 137
    assert "run killed by signal 9 (SIGKILL" in out and "not by the timeout" in out
    assert "outlasted" not in out
    free = subprocess.run(["flock", "-n", str(lock), "true"])
    assert free.returncode == 0  # nothing holds the lock any more


def test_the_next_run_removes_temp_files_a_killed_write_left(base_env, kuma, tmp_path):
    kuma.serve_version("2.5.3")
    output = Path(base_env["OUTPUT_FILE"])
    stale = output.parent / f".{output.name}.dead1234.tmp"
    fresh = output.parent / f".{output.name}.live5678.tmp"
    other = output.parent / ".someone-else.abcd.tmp"
    for path in (stale, fresh, other):
        path.write_text("{")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    os.utime(other, (an_hour_ago, an_hour_ago))

    run_script("status.py", env=base_env)

    assert not stale.exists()
    assert fresh.exists() and other.exists()  # a run in progress, and a file that is not ours


def test_a_hung_uptime_kuma_is_logged_as_a_timeout_with_its_length(base_env, kuma):
    kuma.routes["/metrics"] = Reply(200, [], b"", behaviour="hang")
    result = run_script("status.py", env={**base_env, "HTTP_TIMEOUT_SECONDS": "1"})
    assert result.returncode == 3
    assert "timed out: no answer within 1s" in result.stderr
    assert "the connection failed" not in result.stderr


def test_a_hung_heartbeat_is_a_timeout_and_its_wait_is_in_the_run_time(job_env, tmp_path):
    hung = ReplayServer()
    hung.routes["/api/push/tok"] = Reply(200, [], b"", behaviour="hang")
    try:
        env = {**job_env, "HEARTBEAT_URL": f"{hung.url}/api/push/tok", "HTTP_TIMEOUT_SECONDS": "2"}
        result = cron_run("generate_and_upload.sh", write_env(tmp_path / "job.env", env), tmp_path)
    finally:
        hung.close()
    assert result.returncode == 0
    assert "not delivered: timed out: no answer within 2s" in result.stdout
    finished = next(line for line in result.stdout.splitlines() if "run finished in" in line)
    total = float(finished.split("run finished in ")[1].split("s ")[0])
    heartbeat = float(finished.split("(heartbeat ")[1].split("s)")[0])
    assert heartbeat >= 2 and total >= heartbeat


def test_json_output_is_one_value_on_failure_too(base_env, tmp_path):
    refused = {**base_env, "UPTIME_KUMA_URL": f"http://127.0.0.1:{free_port()}"}
    client = run_script("uptime_kuma_client.py", "--json", env=refused)
    assert client.returncode == 3
    assert json.loads(client.stdout)["ok"] is False and "refused" in json.loads(client.stdout)["error"]

    bad = run_script("backup_checker.py", "--json", env={**base_env, "BACKUP_BUCKET": "x"})
    assert (bad.returncode, json.loads(bad.stdout)["exit_code"]) == (2, 2)

    not_written = run_script("status.py", "--json", env={**base_env, "OUTPUT_FILE": str(tmp_path / "no" / "s.json")})
    data = json.loads(not_written.stdout)
    assert not_written.returncode == 1
    assert data["written"] is False and data["document"]["schema_version"] == 1


def test_job_and_publish_take_json(job_env, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    job = run_script("job.py", "--json", "--env-file", str(env_file))
    assert job.returncode == 0, job.stderr
    assert json.loads(job.stdout)["exit_code"] == 0
    assert "run finished" in job.stderr  # the log moves to stderr

    upload = run_script("publish.py", "--json", "--env-file", str(env_file))
    data = json.loads(upload.stdout)
    assert (upload.returncode, data["ok"]) == (0, True)
    assert data["target"].endswith("/public/status.json")


def test_install_cron_remove_works_when_its_line_was_the_only_one(tmp_path):
    env, store = fake_crontab(tmp_path, "")
    install = ROOT / "scripts/install_cron.sh"
    subprocess.run(["bash", str(install)], env=env, check=True, capture_output=True)
    removed = subprocess.run(["bash", str(install), "--remove"], env=env, capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    assert "removed" in removed.stdout
    assert "generate_and_upload" not in store.read_text()


def test_install_cron_rejects_unknown_arguments_and_installs_nothing(tmp_path):
    env, store = fake_crontab(tmp_path, "MAILTO=ops@example.com\n")
    result = subprocess.run(
        ["bash", str(ROOT / "scripts/install_cron.sh"), "--bogus"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "unknown argument: --bogus" in result.stderr
    assert store.read_text() == "MAILTO=ops@example.com\n"


def test_bucket_setup_with_no_origins_changes_nothing_and_succeeds(pub_env, s3, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "b.env", {**pub_env, "CORS_ALLOWED_ORIGINS": ""})
    result = run_script("bucket_setup.py", "--env-file", str(env_file))
    assert result.returncode == 0, result.stderr
    assert "CORS_ALLOWED_ORIGINS is empty" in result.stderr
    assert "no CORS rules" in result.stdout


def test_public_check_says_when_no_cors_check_ran(moto, pub_env, status_bucket, tmp_path):
    env = {**pub_env, "STATUS_PUBLIC_URL": f"{moto.url}/{status_bucket}/public/status.json"}
    env_file = write_env(tmp_path / "p.env", env)
    assert cron_run("upload_status_json.sh", env_file, tmp_path).returncode == 0
    result = run_script("public_check.py", "--env-file", str(env_file))
    assert result.returncode == 0, result.stdout
    assert "no CORS check" in result.stdout and "and CORS" not in result.stdout
