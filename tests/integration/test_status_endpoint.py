"""The status bucket on a store of its own (STATUS_ENDPOINT): SeaweedFS, with keys it checks, while the backups
stay on a moto that checks other keys. Each store refuses the other's keys, so a run that publishes shows
that every call went where it belongs."""

from __future__ import annotations

import json

from support.commands import cron_run, run_script, write_env
from support.kuma_replay import API_KEY
from support.s3_proxy import S3Proxy
from support.servers import new_bucket, s3_client
from support.two_sites import TwoSites

ORIGIN = "https://elytra.example"


def split_env(kuma, seaweedfs, moto_auth, tmp_path) -> tuple[dict[str, str], object]:
    """Settings for one generator: status bucket on SeaweedFS, backups on the key-checking moto."""
    kuma.serve_version("2.5.3")
    status = s3_client(seaweedfs.url, seaweedfs.access, seaweedfs.secret)
    backups = s3_client(moto_auth.url, moto_auth.access, moto_auth.secret)
    status_bucket, backup_bucket = new_bucket(status, "status"), new_bucket(backups, "backups")
    backups.put_object(Bucket=backup_bucket, Key="db/nightly.sql.gz", Body=b"data")
    env = {
        "UPTIME_KUMA_URL": kuma.url,
        "UPTIME_KUMA_API_KEY": API_KEY,
        "SPACES_ENDPOINT": moto_auth.url,
        "SPACES_ACCESS_KEY": moto_auth.access,
        "SPACES_SECRET_KEY": moto_auth.secret,
        "BACKUP_BUCKET": backup_bucket,
        "STATUS_ENDPOINT": seaweedfs.url,
        "STATUS_ACCESS_KEY": seaweedfs.access,
        "STATUS_SECRET_KEY": seaweedfs.secret,
        "STATUS_BUCKET": status_bucket,
        "STATUS_BUCKET_KEY": "public/status.json",
        "STATUS_PUBLIC_URL": f"{seaweedfs.url}/{status_bucket}/public/status.json",
        "CORS_ALLOWED_ORIGINS": ORIGIN,
        "OUTPUT_FILE": str(tmp_path / "status.json"),
        "LOG_FILE": str(tmp_path / "status.log"),
        "BUNDLE_DIR": str(tmp_path / "public"),
        "STATE_FILE": str(tmp_path / "state.json"),
        "HTTP_TIMEOUT_SECONDS": "3",
        "RUN_DEADLINE_SECONDS": "15",
    }
    return env, status


def test_the_status_bucket_on_seaweedfs_and_the_backups_on_moto(kuma, seaweedfs, moto_auth, tmp_path):
    env, status = split_env(kuma, seaweedfs, moto_auth, tmp_path)
    env_file = write_env(tmp_path / "split.env", env)
    moto_puts = len([line for line in moto_auth.server.request_lines() if '"PUT ' in line])

    set_up = run_script("bucket_setup.py", "--env-file", str(env_file))
    assert set_up.returncode == 0, set_up.stderr
    assert "conditional writes (If-Match, If-None-Match) honoured" in set_up.stdout
    assert status.get_bucket_cors(Bucket=env["STATUS_BUCKET"])["CORSRules"][0]["AllowedOrigins"] == [ORIGIN]

    result = cron_run("generate_and_upload.sh", env_file, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    published = json.loads(status.get_object(Bucket=env["STATUS_BUCKET"], Key="public/status.json")["Body"].read())
    assert published["backups"]["last_backup_status"] == "success"  # listed on moto, with the Spaces keys
    keys = [o["Key"] for o in status.list_objects_v2(Bucket=env["STATUS_BUCKET"])["Contents"]]
    assert "public/index.html" in keys and "public/api/v2/summary.json" in keys
    checked = run_script("public_check.py", "--env-file", str(env_file))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Nothing of the status bucket on moto: no bucket of its name, not one PUT since the set-up.
    assert [line for line in moto_auth.server.request_lines() if '"PUT ' in line][moto_puts:] == []
    on_moto = s3_client(moto_auth.url, moto_auth.access, moto_auth.secret).list_buckets()["Buckets"]
    assert env["STATUS_BUCKET"] not in [b["Name"] for b in on_moto]
    told = result.stdout + result.stderr + (tmp_path / "status.log").read_text() + set_up.stdout + set_up.stderr
    assert seaweedfs.secret not in told and moto_auth.secret not in told


def test_half_a_status_key_pair_stops_the_run_naming_both(kuma, seaweedfs, moto_auth, tmp_path):
    env, status = split_env(kuma, seaweedfs, moto_auth, tmp_path)
    del env["STATUS_SECRET_KEY"]
    result = cron_run("generate_and_upload.sh", write_env(tmp_path / "half.env", env), tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stdout.splitlines() if " INFO " not in line]
    assert len(errors) == 1, errors
    assert "STATUS_SECRET_KEY: is empty: STATUS_ACCESS_KEY and STATUS_SECRET_KEY are set together" in errors[0]
    assert seaweedfs.access not in result.stdout + result.stderr
    assert kuma.requests == [] and "Contents" not in status.list_objects_v2(Bucket=env["STATUS_BUCKET"])


def test_a_status_store_that_ignores_if_match_is_named_by_status_endpoint(moto, tmp_path):
    """On moto, which checks no signature: a proxy that drops the signed If-Match fails SeaweedFS's check."""
    sites = TwoSites(moto.url, tmp_path)
    ignoring = S3Proxy(moto.url, strip_conditions=True)
    try:
        site = sites.primary
        site.write_settings(STATUS_ENDPOINT=ignoring.url)  # the backups still at SPACES_ENDPOINT
        result = site.run()
        assert result.returncode == 2, result.stdout[-2000:]
        errors = [line for line in site.log_text().splitlines() if " INFO " not in line]
        assert len(errors) == 1 and "exit 2: STATUS_ENDPOINT: the store answered 200" in errors[0], errors
        assert ignoring.writes(public=True) == []
        checked = run_script("bucket_setup.py", "--env-file", str(site.env_file))
        assert checked.returncode == 2 and "STATUS_ENDPOINT: the store ignores conditional writes" in checked.stderr
    finally:
        ignoring.close()
        sites.close()
