"""Config: every value is checked once, at start; a bad one stops the run with exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from elytra_status.infra.settings import ConfigError, parse_config
from support.commands import ROOT, run_script, write_env

BAD_VALUES = [
    ("MONITOR_IDS", "1,two,3"),
    ("MONITOR_IDS", "-4"),
    ("CRITICAL_MONITOR_IDS", "x"),
    ("CRITICAL_MONITOR_IDS", "9"),  # not among MONITOR_IDS=1,2
    ("UPTIME_KUMA_URL", "kuma.example.com"),
    ("UPTIME_KUMA_URL", "ftp://kuma.example.com"),
    ("UPTIME_KUMA_API_KEY", ""),
    ("BACKUP_MAX_AGE_HOURS", "0"),
    ("BACKUP_MAX_AGE_HOURS", "-3"),
    ("BACKUP_MAX_AGE_HOURS", "soon"),
    ("BACKUP_BUCKET", ""),
    ("BACKUP_BUCKET", "ab"),
    ("BACKUP_PREFIX", "db/%Y/%M/"),
    ("HTTP_TIMEOUT_SECONDS", "0"),
    ("RUN_DEADLINE_SECONDS", "-1"),
    ("RUN_DEADLINE_SECONDS", "nan"),
    ("UPTIME_KUMA_STATUS_PAGE", "../admin"),
    ("SPACES_SECRET_KEY", " "),
    # Each of these used to be accepted, then broke every run or turned a check off.
    ("MONITOR_IDS", "²"),
    ("SPACES_ENDPOINT", "not a host!"),
    ("SPACES_ENDPOINT", "https://nyc3.digitaloceanspaces.com:99999"),
    ("UPTIME_KUMA_URL", "http://kuma host/"),
    ("SPACES_REGION", "🌍"),
    ("STATUS_ENDPOINT", "not a host!"),
    ("STATUS_REGION", "eu-west-1"),  # without STATUS_ENDPOINT: refused, not ignored
    ("STATUS_ACCESS_KEY", "half-of-a-pair"),
    ("STATUS_MAX_AGE_SECONDS", "0.5"),
    ("STATUS_MAX_AGE_SECONDS", "1e15"),
    ("BACKUP_MAX_AGE_HOURS", "1e308"),
    ("CACHE_MAX_AGE_SECONDS", "31536000"),
    ("UPTIME_KUMA_API_KEY", "uk1_has a space"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_VALUES)
def test_bad_value_exits_2_naming_the_variable_before_any_network_call(base_env, kuma, tmp_path, variable, value):
    out = Path(base_env["OUTPUT_FILE"])
    out.write_text("previous\n")
    env = {**base_env, "MONITOR_IDS": "1,2", variable: value}

    result = run_script("status.py", env=env)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and "ERROR" in lines[0]
    assert kuma.requests == []
    assert out.read_text() == "previous\n"
    assert "Traceback" not in result.stderr


def test_near_miss_variable_is_warned_about_and_the_run_goes_on(base_env, kuma, tmp_path):
    kuma.serve_version("2.5.3")
    env_file = write_env(tmp_path / "x.env", {**base_env, "MONITOR_ID": "1"})

    result = run_script("status.py", "--env-file", str(env_file))

    assert "MONITOR_ID is not a known variable: did you mean MONITOR_IDS?" in result.stderr
    assert result.returncode in (0, 3)


def test_missing_env_file_is_a_config_error(tmp_path):
    result = run_script("status.py", "--env-file", str(tmp_path / "nope.env"))
    assert result.returncode == 2
    assert "--env-file" in result.stderr


def test_a_huge_secret_stops_at_start_naming_it(base_env, kuma, tmp_path):
    """200 KB pasted into the file: refused at start, not an 'Argument list too long' at upload time."""
    env_file = write_env(tmp_path / "big.env", {**base_env, "SPACES_SECRET_KEY": "k" * 200_000})
    result = run_script("status.py", "--env-file", str(env_file))
    assert result.returncode == 2
    assert "SPACES_SECRET_KEY: is 200000 characters long" in result.stderr
    assert kuma.requests == []


def test_a_settings_file_others_may_write_is_refused_and_one_they_may_read_is_warned_about(base_env, kuma, tmp_path):
    kuma.serve_version("2.5.3")
    env_file = write_env(tmp_path / "perm.env", base_env)
    env_file.chmod(0o664)
    refused = run_script("status.py", "--env-file", str(env_file))
    assert refused.returncode == 2
    assert f"{env_file}: is writable by group or others (mode 664)" in refused.stderr
    assert kuma.requests == []

    env_file.chmod(0o644)  # what a plain cp of the example gives
    warned = run_script("status.py", "--env-file", str(env_file))
    assert warned.returncode in (0, 3)
    assert f"WARNING status: config: {env_file} is readable by others (mode 644)" in warned.stderr
    assert f"chmod 600 {env_file}" in warned.stderr


def test_numbers_inside_their_bounds_work(base_env):
    values = {**base_env, "HTTP_TIMEOUT_SECONDS": "2.5", "STATUS_MAX_AGE_SECONDS": "120", "PUBLISH_EVERY_SECONDS": "60"}
    config = parse_config(values)
    assert config.http_timeout_seconds == 2.5 and config.status_max_age_seconds == 120
    assert config.publish_every_seconds == 60


def test_publish_every_must_be_under_the_max_age(base_env):
    with pytest.raises(ConfigError) as err:
        parse_config({**base_env, "STATUS_MAX_AGE_SECONDS": "300", "PUBLISH_EVERY_SECONDS": "600"})
    assert err.value.variable == "PUBLISH_EVERY_SECONDS"


def test_a_path_this_user_cannot_reach_stops_at_start_naming_it(base_env, tmp_path):
    """A BUNDLE_DIR under a folder this process may not enter: one line, no traceback.

    The process is root without its capabilities, so permissions bind it as they bind a service user,
    while it can still read a checkout that only its owner may read (as mktemp -d makes).
    """
    import pwd

    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    nobody = pwd.getpwnam("nobody")
    os.chown(closed, nobody.pw_uid, nobody.pw_gid)  # another user's private folder
    reachable = {
        "OUTPUT_FILE": str(tmp_path / "status.json"),
        "LOG_FILE": "/dev/null",
        "STATE_FILE": str(tmp_path / "state.json"),
    }
    env = {**base_env, **reachable, "BUNDLE_DIR": str(closed / "public")}
    result = subprocess.run(
        [
            "setpriv",
            "--bounding-set=-all",
            "--inh-caps=-all",
            sys.executable,
            str(ROOT / "scripts/cli/status.py"),
            "--env-file",
            os.devnull,
        ],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "BUNDLE_DIR" in result.stderr and "cannot be reached by this user: Permission denied" in result.stderr
    assert "Traceback" not in result.stderr
