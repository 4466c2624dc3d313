"""The quiet run (run/quiet.py): Uptime Kuma answers as at the last full run, nothing is due: status.json is
confirmed alone, and nothing else is read, built or written. Anything else makes the run a full one."""

from __future__ import annotations

import json
from pathlib import Path

from support.commands import cron_run, write_env
from support.kuma_replay import Reply


def public_puts(moto, bucket: str) -> list[str]:
    return [line for line in moto.request_lines() if f'"PUT /{bucket}/' in line and "/.sites/" not in line]


def test_a_quiet_run_confirms_status_json_alone_and_leaves_the_state_untouched(
    moto, s3, kuma, job_env, bucket, status_bucket, tmp_path
):
    env_file = write_env(tmp_path / "job.env", job_env)
    assert cron_run("generate_and_upload.sh", env_file, tmp_path).returncode == 0
    state = Path(job_env["STATE_FILE"])
    before, kept = len(public_puts(moto, status_bucket)), (state.read_bytes(), state.stat().st_mtime_ns)
    listed = sum(f'"GET /{bucket}?' in line for line in moto.request_lines())
    first = json.loads(s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read())
    kuma.requests.clear()

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert result.returncode == 0 and "quiet run: Uptime Kuma answers as at" in result.stdout, result.stdout
    sent = public_puts(moto, status_bucket)[before:]
    assert len(sent) == 1 and f"/{status_bucket}/public/status.json " in sent[0]
    now = json.loads(s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read())
    assert {**now, "updated_at": first["updated_at"]} == first and now["updated_at"] >= first["updated_at"]
    assert (state.read_bytes(), state.stat().st_mtime_ns) == kept  # no state read into a run, none saved
    assert sum(f'"GET /{bucket}?' in line for line in moto.request_lines()) == listed  # no backup listing
    assert [path for path, _ in kuma.requests] == ["/metrics"]  # what the full run read, and no more
    assert "staged" not in result.stdout and "wrote " not in result.stdout  # no AWS CLI, no file written


def test_a_moved_uptime_ratio_makes_the_run_full(kuma, job_env, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    metrics = kuma.routes["/metrics"]
    body = metrics.body.decode()
    line = next(x for x in body.split("\n") if x.startswith("monitor_uptime_ratio{") and 'window="1d"' in x)
    kuma.routes["/metrics"] = Reply(
        metrics.status, metrics.headers, body.replace(line, line.rsplit(" ", 1)[0] + " 0.5").encode()
    )

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert "full run: changed: metrics" in result.stdout and "quiet run" not in result.stdout
    # Response times move every beat and are not published: they never make a run full.
    changed = "\n".join(
        x.rsplit(" ", 1)[0] + " 999" if x.startswith("monitor_response_time{") else x
        for x in kuma.routes["/metrics"].body.decode().split("\n")
    )
    kuma.routes["/metrics"] = Reply(metrics.status, metrics.headers, changed.encode())
    assert "quiet run" in cron_run("generate_and_upload.sh", env_file, tmp_path).stdout


def test_a_damaged_record_other_settings_or_a_changed_state_make_the_run_full(job_env, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    record = Path(job_env["STATE_FILE"] + ".quiet")
    good = json.loads(record.read_text())
    record.write_text(json.dumps({**good, "parts": {"/metrics": 5}}))

    damaged = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert damaged.returncode == 0 and "unusable (parts)" in damaged.stdout and "quiet run" not in damaged.stdout
    assert "quiet run" in cron_run("generate_and_upload.sh", env_file, tmp_path).stdout  # written anew
    other = write_env(tmp_path / "other.env", {**job_env, "BACKUP_MAX_AGE_HOURS": "30"})
    assert "full run: the settings changed" in cron_run("generate_and_upload.sh", other, tmp_path).stdout
    state = Path(job_env["STATE_FILE"])
    state.write_text(state.read_text())  # the operator restored or edited it
    assert "full run: STATE_FILE changed" in cron_run("generate_and_upload.sh", other, tmp_path).stdout
