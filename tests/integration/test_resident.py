"""The resident mode (systemd): a run at each interval in one process, under the cron wrapper's lock."""

from __future__ import annotations

import fcntl
import json
import signal
import subprocess
import sys
from pathlib import Path

from stack import wait_for

from support.commands import ROOT, write_env
from support.kuma_replay import Reply


def start(env_file: Path, lock: Path, tmp_path: Path, *extra: str) -> subprocess.Popen:
    every = [] if "--every" in extra else ["--every", "1"]
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/cli/job.py"), "--resident", *every, *extra, "--env-file", str(env_file)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ELYTRA_LOCK_FILE": str(lock)},
        cwd="/",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_resident_job_runs_at_each_interval_publishes_and_stops_on_sigterm(job_env, s3, tmp_path):
    log_file = Path(job_env["LOG_FILE"])
    job = start(write_env(tmp_path / "job.env", job_env), tmp_path / "job.lock", tmp_path)
    try:
        wait_for(lambda: log_file.exists() and log_file.read_text().count("run finished") >= 2, 90, "two runs")
    finally:
        job.send_signal(signal.SIGTERM)
        out, err = job.communicate(timeout=60)
    assert job.returncode == 0, err
    text = log_file.read_text()
    assert "resident: a poll every 1s, a run every 1s" in text and "resident: stopped after" in text
    assert "exit 0" in text.split("run finished", 1)[1]  # the first run published, as a cron run does
    assert s3.get_object(Bucket=job_env["STATUS_BUCKET"], Key="public/status.json")["ContentLength"] > 0
    assert "quiet run: Uptime Kuma answers as at" in text  # the next runs found nothing new: status.json alone
    assert "Traceback" not in out + err


def test_a_resident_job_never_runs_while_another_run_holds_the_lock(job_env, tmp_path):
    log_file = Path(job_env["LOG_FILE"])
    lock = tmp_path / "job.lock"
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a cron run of the same settings, still going
        job = start(write_env(tmp_path / "job.env", job_env), lock, tmp_path)
        try:
            wait_for(lambda: log_file.exists() and "another run holds the lock" in log_file.read_text(), 60, "a skip")
        finally:
            job.send_signal(signal.SIGTERM)
            job.communicate(timeout=60)
    assert "run started" not in log_file.read_text()


def flipped(reply: Reply, monitor_id: str) -> Reply:
    """The same /metrics with one monitor's state turned from UP to DOWN."""
    lines = reply.body.decode().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("monitor_status{") and f'monitor_id="{monitor_id}"' in line:
            lines[i] = line[: -len(" 1")] + " 0"
    return Reply(reply.status, reply.headers, "\n".join(lines).encode())


def test_a_resident_job_polls_quietly_and_runs_at_once_on_a_change(job_env, kuma, s3, tmp_path):
    log_file = Path(job_env["LOG_FILE"])
    env = {**job_env, "CRITICAL_MONITOR_IDS": "1", "MONITOR_IDS": "1,2,3"}
    job = start(write_env(tmp_path / "job.env", env), tmp_path / "job.lock", tmp_path, "--every", "600", "--poll", "1")
    try:
        wait_for(lambda: log_file.exists() and log_file.read_text().count("run finished") == 1, 60, "the first run")
        metrics_before = sum(path == "/metrics" for path, _ in kuma.requests)
        wait_for(lambda: sum(path == "/metrics" for path, _ in kuma.requests) >= metrics_before + 3, 30, "3 polls")
        assert log_file.read_text().count("run started") == 1  # quiet polls: no run, no state, no upload
        kuma.routes["/metrics"] = flipped(kuma.routes["/metrics"], "1")
        wait_for(lambda: log_file.read_text().count("run finished") == 2, 30, "a run on the change")
    finally:
        job.send_signal(signal.SIGTERM)
        out, err = job.communicate(timeout=60)
    assert job.returncode == 0, err
    assert "Uptime Kuma's states changed since the last run: a run now" in log_file.read_text()
    body = s3.get_object(Bucket=job_env["STATUS_BUCKET"], Key="public/status.json")["Body"].read()
    assert json.loads(body)["platform_status"] == "outage"


def test_a_hung_resident_run_is_ended_by_its_watchdog_and_the_heartbeat_says_down(job_env, kuma, recorder, tmp_path):
    kuma.routes["/metrics"] = Reply(200, [], b"", behaviour="hang")
    env = {**job_env, "HEARTBEAT_URL": f"{recorder.url}/api/push/tok", "HTTP_TIMEOUT_SECONDS": "60"}
    env["RUN_DEADLINE_SECONDS"] = "60"  # the run's own bounds are far off: only the watchdog can end this
    job = start(write_env(tmp_path / "job.env", env), tmp_path / "job.lock", tmp_path, "--poll", "1", "--watchdog", "2")
    try:
        out, err = job.communicate(timeout=60)
    finally:
        job.kill()
    assert job.returncode == 1, err
    text = Path(job_env["LOG_FILE"]).read_text()
    assert "over its 2s bound: it hangs; the process exits so that systemd starts it again" in text
    assert any("status=down" in path and "hangs" in path for _, path, _ in recorder.hits)
