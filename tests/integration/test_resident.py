"""The resident mode (systemd): a run at each interval in one process, under the cron wrapper's lock."""

from __future__ import annotations

import fcntl
import signal
import subprocess
import sys
from pathlib import Path

from stack import wait_for

from support.commands import ROOT, write_env


def start(env_file: Path, lock: Path, tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/cli/job.py"), "--resident", "--every", "1", "--env-file", str(env_file)],
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
    assert "resident: a run every 1s" in text and "resident: stopped after" in text
    assert "exit 0" in text.split("run finished", 1)[1]  # the first run published, as a cron run does
    assert s3.get_object(Bucket=job_env["STATUS_BUCKET"], Key="public/status.json")["ContentLength"] > 0
    assert "unchanged since the upload of" in text  # the next runs found nothing new: nothing uploaded
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
