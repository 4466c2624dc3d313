"""90 days of history: a rollover adds one day, a missed day is a gap, 90 are kept, a lost state comes back."""

from __future__ import annotations

import json
from pathlib import Path

from support.commands import cron_run, write_env


def test_a_lost_state_reads_the_history_back_from_the_bucket(job_env, s3, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode == 0
    kept = json.loads(Path(job_env["STATE_FILE"]).read_text())["history"]["days"]
    Path(job_env["STATE_FILE"]).unlink()  # a new VM

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert result.returncode == 0, result.stdout
    assert "history read from s3://" in result.stdout and ": 1 of 1 days valid" in result.stdout
    restored = json.loads(Path(job_env["STATE_FILE"]).read_text())["history"]["days"]
    assert set(restored) == set(kept)
    today = next(iter(restored))
    assert restored[today]["minutes"]["platform"]["degraded"] > kept[today]["minutes"]["platform"]["degraded"]
