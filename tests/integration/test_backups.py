"""The backup checker against moto's S3 server on loopback, with an injected clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from stack import free_port

from elytra_status.backups import check as b
from elytra_status.infra import s3 as s3_factory
from elytra_status.infra import settings
from support.commands import run_script
from support.servers import SECRET_KEY


def cfg(moto_url: str, bucket: str, **extra: str) -> settings.Config:
    values = {
        "SPACES_ENDPOINT": moto_url,
        "SPACES_ACCESS_KEY": "test-access-key-AKIAELYTRA",
        "SPACES_SECRET_KEY": SECRET_KEY,
        "BACKUP_BUCKET": bucket,
        "HTTP_TIMEOUT_SECONDS": "2",
        **extra,
    }
    return settings.parse_config(values)


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def test_newest_object_wins_and_ages_with_the_injected_clock(moto, s3, bucket):
    s3.put_object(Bucket=bucket, Key="db/old.sql.gz", Body=b"old")
    s3.put_object(Bucket=bucket, Key="db/new.sql.gz", Body=b"new")
    s3.put_object(Bucket=bucket, Key="other/ignored.gz", Body=b"x")
    config = cfg(moto.url, bucket, BACKUP_PREFIX="db/")

    for hours, expected in [(0, "success"), (30, "warning"), (60, "failed")]:
        report = b.check_backups(config, later(hours))
        assert report.status == expected
        assert report.sets[0].newest.key == "db/new.sql.gz"


def test_every_page_of_the_listing_is_read(moto, s3, bucket):
    for i in range(1003):
        s3.put_object(Bucket=bucket, Key=f"nightly/{i:05d}.tar", Body=b"x")
    newest = s3.head_object(Bucket=bucket, Key="nightly/01002.tar")["LastModified"]
    report = b.check_backups(cfg(moto.url, bucket, BACKUP_PREFIX="nightly/"), later(0))
    assert report.sets[0].newest.last_modified == newest
    assert report.sets[0].newest.key in {f"nightly/{i:05d}.tar" for i in range(1003)}
    assert any("continuation-token" in line for line in moto.request_lines())


def test_zero_byte_objects_are_failed_backups_and_the_next_older_counts(moto, s3, bucket):
    s3.put_object(Bucket=bucket, Key="db/good.sql.gz", Body=b"data")
    s3.put_object(Bucket=bucket, Key="db/empty.sql.gz", Body=b"")
    s3.put_object(Bucket=bucket, Key="db/folder/", Body=b"")
    report = b.check_backups(cfg(moto.url, bucket, BACKUP_PREFIX="db/"), later(0))

    assert report.sets[0].newest.key == "db/good.sql.gz"
    assert [e.key for e in report.sets[0].empty_objects] == ["db/empty.sql.gz"]


def test_only_empty_objects_or_folders_is_failed(moto, s3, bucket):
    s3.put_object(Bucket=bucket, Key="db/empty.sql.gz", Body=b"")
    s3.put_object(Bucket=bucket, Key="db/", Body=b"")
    report = b.check_backups(cfg(moto.url, bucket, BACKUP_PREFIX="db/"), later(0))
    assert report.status == "failed"
    assert report.last_backup_time is None


def test_no_backup_at_all_is_failed(moto, bucket):
    report = b.check_backups(cfg(moto.url, bucket), later(0))
    assert report.status == "failed"


def test_date_partitioned_prefix_against_s3(moto, s3, bucket):
    now = datetime.now(UTC)
    today = now.strftime("db/%Y/%m/%d/")
    s3.put_object(Bucket=bucket, Key="db/2019/01/01/ancient.sql.gz", Body=b"x")
    s3.put_object(Bucket=bucket, Key=f"{today}fresh.sql.gz", Body=b"x")
    config = cfg(moto.url, bucket, BACKUP_PREFIX="db/%Y/%m/%d/")
    before = len(moto.request_lines())

    report = b.check_backups(config, now)

    assert report.sets[0].newest.key == f"{today}fresh.sql.gz"
    assert report.status == "success"
    listed = [line for line in moto.request_lines()[before:] if "list-type=2" in line]
    assert len(listed) == report.sets[0].listed_prefixes <= 4
    assert not any("2019" in line for line in listed)
    # Seen from 10 days on, today's partition is out of reach: failed, with nothing listed from 2019.
    assert b.check_backups(config, now + timedelta(days=10)).status == "failed"


def test_several_sets_report_the_worst_one(moto, s3, bucket):
    s3.put_object(Bucket=bucket, Key="db/x.gz", Body=b"x")
    s3.put_object(Bucket=bucket, Key="files/y.gz", Body=b"y")
    config = cfg(moto.url, bucket, BACKUP_PREFIX="db/,files/,media/")
    report = b.check_backups(config, later(30))
    assert [s.status for s in report.sets] == ["warning", "warning", "failed"]
    assert report.status == "failed"
    assert report.last_backup_time is None  # the worst set, media/, has none


def test_missing_bucket_is_unknown_with_a_reason(moto):
    report = b.check_backups(cfg(moto.url, "no-such-bucket-here"), later(0))
    assert report.status == "unknown"
    assert "does not exist" in report.sets[0].reason


def test_bad_credentials_are_unknown_and_say_so(moto_auth):
    good = settings.parse_config(
        {
            "SPACES_ENDPOINT": moto_auth.url,
            "SPACES_ACCESS_KEY": moto_auth.access,
            "SPACES_SECRET_KEY": moto_auth.secret,
            "BACKUP_BUCKET": "auth-bucket",
            "BACKUP_PREFIX": "none-yet",  # no "/": moto's signature check trips on an encoded one
        }
    )
    assert b.check_backups(good, later(0)).status == "failed"  # reachable and allowed, just empty

    for access, secret in [("AKIANOSUCHKEY", "whatever-secret"), (moto_auth.access, "wrong-secret-value")]:
        bad = settings.parse_config(
            {
                "SPACES_ENDPOINT": moto_auth.url,
                "SPACES_ACCESS_KEY": access,
                "SPACES_SECRET_KEY": secret,
                "BACKUP_BUCKET": "auth-bucket",
            }
        )
        report = b.check_backups(bad, later(0))
        assert report.status == "unknown"
        assert "credentials rejected" in report.sets[0].reason
        assert secret not in report.sets[0].reason


def test_unreachable_endpoint_is_unknown():
    report = b.check_backups(cfg(f"http://127.0.0.1:{free_port()}", "some-bucket"), later(0))
    assert report.status == "unknown"
    assert "cannot reach" in report.sets[0].reason


def test_cli_prints_each_set_with_newest_object_age_and_status(moto, s3, bucket):
    s3.put_object(Bucket=bucket, Key="db/x.gz", Body=b"x")
    env = {
        "SPACES_ENDPOINT": moto.url,
        "SPACES_ACCESS_KEY": "a-key",
        "SPACES_SECRET_KEY": "a-secret-value",
        "BACKUP_BUCKET": bucket,
        "BACKUP_PREFIX": "db/,files/",
    }
    table = run_script("backup_checker.py", env=env)
    data = json.loads(run_script("backup_checker.py", "--json", env=env).stdout)

    assert table.returncode == 0
    assert "db/x.gz" in table.stdout and "files/" in table.stdout and "overall: failed" in table.stdout
    assert [s["status"] for s in data["sets"]] == ["success", "failed"]
    assert data["sets"][0]["newest_key"] == "db/x.gz"
    assert "a-secret-value" not in table.stdout + table.stderr


def test_listing_sends_no_checksum_headers(moto, s3, bucket):
    """Spaces rejects the checksum headers boto3 sends by default since 1.36."""
    config = cfg(moto.url, bucket)
    client = s3_factory.make_s3_client(config, config.backup_store)
    assert client.meta.config.request_checksum_calculation == "when_required"
    assert client.meta.config.response_checksum_validation == "when_required"
