"""Every minute, cheaply: a run uploads only what changed, at least every PUBLISH_EVERY_SECONDS, and restores
what the bucket lost; slow figures are reused for their time."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from elytra_status.infra import settings, timing
from support.commands import ROOT, cron_run, fake_crontab, write_env
from support.kuma_replay import Reply, capture


def puts(moto, bucket: str) -> int:
    """PUTs of public files: the private record under .sites/ (run/merge.py) is not one."""
    return sum(1 for line in moto.request_lines() if f'"PUT /{bucket}/' in line and "/.sites/" not in line)


def aws_started(result) -> bool:
    return "staged" in result.stdout


def next_run_full(env: dict[str, str]) -> None:
    """The quiet record removed (safe to delete: run/quiet.py): the next run is a full one, the subject here."""
    Path(env["STATE_FILE"] + ".quiet").unlink()


def test_a_run_that_finds_nothing_changed_confirms_status_json_alone_and_starts_no_aws(
    moto, s3, job_env, status_bucket, tmp_path
):
    env_file = write_env(tmp_path / "job.env", job_env)
    first = cron_run("generate_and_upload.sh", env_file, tmp_path)
    before = [line for line in moto.request_lines() if f'"PUT /{status_bucket}/' in line]
    next_run_full(job_env)
    second = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert (first.returncode, second.returncode) == (0, 0), second.stdout
    sent = [line for line in moto.request_lines() if f'"PUT /{status_bucket}/' in line][len(before) :]
    assert len(sent) == 1 and f"/{status_bucket}/public/status.json " in sent[0]  # one PUT, status.json alone
    assert "unchanged since the upload of" in second.stdout and not aws_started(second)
    confirmed = [line for line in second.stdout.splitlines() if "status.json confirmed: one PUT" in line]
    local = json.loads(Path(job_env["OUTPUT_FILE"]).read_text())["updated_at"]
    public = json.loads(s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read())
    assert confirmed and public["updated_at"] in confirmed[0] and public["updated_at"] >= local
    third = cron_run("generate_and_upload.sh", env_file, tmp_path)  # quiet: status.json alone again
    assert third.returncode == 0 and "quiet run" in third.stdout
    record_file = Path(job_env["STATE_FILE"] + ".quiet")
    record = json.loads(record_file.read_text())
    record_file.write_text(json.dumps({**record, "until": timing.iso_z(datetime.now(UTC) - timedelta(seconds=1))}))
    fourth = cron_run("generate_and_upload.sh", env_file, tmp_path)  # due: a full run; the quiet PUT is its own
    assert "full run: something is due" in fourth.stdout
    assert fourth.returncode == 0 and "another generator" not in fourth.stdout and "0 problems" in fourth.stdout


def test_a_state_change_is_uploaded_by_the_next_run(moto, job_env, kuma, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    # Monitors 4 and 5 come back up: the platform turns operational.
    body = capture("2.5.3", "metrics_apikey.txt").body.decode()
    lines = [
        line.rsplit(" ", 1)[0] + " 1"
        if line.startswith("monitor_status{") and ('monitor_id="4"' in line or 'monitor_id="5"' in line)
        else line
        for line in body.split("\n")
    ]
    assert lines != body.split("\n")
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/plain")], "\n".join(lines).encode())
    before = puts(moto, status_bucket)

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert result.returncode == 0, result.stdout
    assert "uploading: the public content changed" in result.stdout
    assert puts(moto, status_bucket) - before == 16  # the whole set: 13 bundle files, the calendar, 2 Kuma-shaped


def test_after_publish_every_seconds_one_upload_even_with_no_change(moto, job_env, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    state_file = Path(job_env["STATE_FILE"])
    state = json.loads(state_file.read_text())
    # Ten minutes pass: the clock of the last upload is moved back, as libfaketime cannot move only
    # this process (the clock-skew check compares it with the servers').
    last = datetime.fromisoformat(state["published"]["at"].replace("Z", "+00:00")) - timedelta(seconds=601)
    state["published"]["at"] = timing.iso_z(last)
    state_file.write_text(json.dumps(state))
    before = puts(moto, status_bucket)

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert "(PUBLISH_EVERY_SECONDS=600)" in result.stdout
    assert puts(moto, status_bucket) - before == 16  # the whole set: 13 bundle files, the calendar, 2 Kuma-shaped
    after = puts(moto, status_bucket)
    again = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert "quiet run" in again.stdout and puts(moto, status_bucket) - after == 1  # status.json confirmed alone


def test_a_deleted_public_object_is_restored_by_the_next_run(moto, s3, job_env, status_bucket, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    s3.delete_object(Bucket=status_bucket, Key="public/status.json")

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert "full run: public/status.json is missing" in result.stdout  # the quiet run's HEAD saw it
    assert "the bucket's set is not the one this state last published: public/status.json is missing" in result.stdout
    assert (
        json.loads(s3.get_object(Bucket=status_bucket, Key="public/status.json")["Body"].read())["schema_version"] == 1
    )


def test_slow_badges_are_reused_within_their_time_and_fetched_again_after(job_env, kuma, tmp_path):
    kuma.serve_version("2.5.3-history")
    env = {**job_env, "UPTIME_KUMA_STATUS_PAGE": "elytra"}
    env_file = write_env(tmp_path / "job.env", env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    first = [p for p in kuma.badge_paths() if p.endswith("/168")]
    kuma.requests.clear()
    second = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert [p for p in kuma.badge_paths() if p.endswith("/168")] == []
    assert "badge:168h (kept)=" in second.stdout and len(first) >= 9

    state_file = Path(env["STATE_FILE"])
    state = json.loads(state_file.read_text())
    old = timing.iso_z(datetime.now(UTC) - timedelta(seconds=301))
    state["kuma"]["badges"] = {k: [v[0], old] for k, v in state["kuma"]["badges"].items()}
    state_file.write_text(json.dumps(state))
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert len([p for p in kuma.badge_paths() if p.endswith("/168")]) == len(first)


def test_install_cron_installs_the_every_minute_line_once_and_replaces_the_old_one(tmp_path):
    old = f"*/10 * * * * {ROOT}/scripts/generate_and_upload.sh >/dev/null # elytra-status-generator"
    env, store = fake_crontab(tmp_path, f"MAILTO=ops@example.com\n{old}\n")
    for _ in range(2):
        subprocess.run(["bash", str(ROOT / "scripts/install_cron.sh")], env=env, check=True, capture_output=True)
    lines = store.read_text().splitlines()
    assert lines == [
        "MAILTO=ops@example.com",
        f"* * * * * {ROOT}/scripts/generate_and_upload.sh >/dev/null # elytra-status-generator",
    ]


def listings(moto, bucket: str) -> int:
    return sum(1 for line in moto.request_lines() if f'"GET /{bucket}?' in line and "list-type=2" in line)


def test_a_no_change_run_writes_nothing_and_keeps_the_uploaded_set(moto, job_env, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    page = Path(job_env["BUNDLE_DIR"]) / "index.html"
    status = Path(job_env["OUTPUT_FILE"])
    uploaded = page.read_bytes(), status.read_bytes()
    next_run_full(job_env)

    second = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert second.returncode == 0 and "nothing written" in second.stdout
    assert (page.read_bytes(), status.read_bytes()) == uploaded
    # The local set is still one run's: the uploader by hand sends it, not refuses it.
    by_hand = subprocess.run(
        [sys.executable, str(ROOT / "scripts/cli/publish.py"), "--env-file", str(env_file)],
        capture_output=True,
        text=True,
    )
    assert by_hand.returncode == 0, by_hand.stdout + by_hand.stderr


def test_the_backup_listing_is_kept_for_its_time_and_asked_again_after(moto, job_env, bucket, tmp_path):
    env_file = write_env(tmp_path / "job.env", job_env)
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    before = listings(moto, bucket)
    next_run_full(job_env)

    second = cron_run("generate_and_upload.sh", env_file, tmp_path)

    assert listings(moto, bucket) == before
    assert "listing of" in second.stdout and "is kept" in second.stdout
    assert json.loads(Path(job_env["OUTPUT_FILE"]).read_text())["backups"]["last_backup_status"] == "success"
    state_file = Path(job_env["STATE_FILE"])
    state = json.loads(state_file.read_text())
    state["backups"]["at"] = timing.iso_z(datetime.now(UTC) - timedelta(seconds=301))
    state_file.write_text(json.dumps(state))
    cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert listings(moto, bucket) == before + 1


def put_status_object(s3, bucket: str, cache_control: str, **extra: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key="public/status.json",
        Body=b"{}",
        ContentType="application/json",
        CacheControl=cache_control,
        **extra,
    )


def test_verify_reads_each_object_as_a_reader_and_names_what_differs(s3, pub_env, status_bucket):
    from elytra_status.publish import aws_cli, heads

    config = settings.parse_config(pub_env)
    put_status_object(s3, status_bucket, "public, max-age=3600", ACL="public-read")

    with pytest.raises(aws_cli.PublishError, match="Cache-Control is 'public, max-age=3600', expected"):
        heads.verify(config, {"public/status.json": 2})


def test_an_object_readers_cannot_head_is_checked_with_the_keys(s3, pub_env, status_bucket):
    from elytra_status.publish import heads
    from elytra_status.render import status_doc

    config = settings.parse_config(pub_env)
    # Not public-read: moto, like S3, answers an anonymous HEAD with 403.
    put_status_object(s3, status_bucket, status_doc.cache_control(config))
    etag = s3.head_object(Bucket=status_bucket, Key="public/status.json")["ETag"]
    assert heads.public_head(config, "public/status.json") is None

    assert heads.remote_etag(config) == etag
    assert heads.verify(config, {"public/status.json": 2}) == {"public/status.json": etag}
    s3.delete_object(Bucket=status_bucket, Key="public/status.json")
    assert heads.remote_etag(config) is None
