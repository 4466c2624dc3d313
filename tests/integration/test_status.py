"""status.py end to end: replayed Uptime Kuma, moto S3, a real file on disk."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stack import free_port

from elytra_status.__main__ import COMMANDS
from elytra_status.render import status_doc
from support.commands import ROOT, readme_help_block, run_script
from support.kuma_replay import API_KEY, Reply


def read_json(path: str) -> dict:
    return json.loads(Path(path).read_text())


def test_a_healthy_run_writes_a_valid_file_and_exits_0(base_env, kuma, s3, bucket):
    kuma.serve_version("2.5.3-history")
    s3.put_object(Bucket=bucket, Key="db/nightly.sql.gz", Body=b"data")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra", "MONITOR_IDS": "1,2,3,8,11", "CRITICAL_MONITOR_IDS": "1"}

    result = run_script("status.py", "--json", env=env)

    assert result.returncode == 0, result.stderr
    doc = read_json(base_env["OUTPUT_FILE"])
    status_doc.status_validator()(doc)
    assert json.loads(result.stdout) == {
        "written": True,
        "exit_code": 0,
        "output_file": base_env["OUTPUT_FILE"],
        "document": doc,
    }
    assert doc["platform_status"] == "operational"
    assert doc["maintenance"] is True
    # 24h: ratios 1, 1, 0.99654696..., 1, 1 -> 99.93093922651934 -> 99.93
    assert doc["uptime"] == {"last_24h": 99.93, "last_7d": 99.93, "last_30d": 99.93}
    assert doc["backups"]["last_backup_status"] == "success"
    assert doc["updated_at"].endswith("Z") and len(doc["updated_at"]) == 20
    assert stat.S_IMODE(os.stat(base_env["OUTPUT_FILE"]).st_mode) == 0o644


def test_uptime_windows_match_kumas_figures_exactly(base_env, kuma, s3, bucket):
    """7d: badges 99.70, 100.0, 99.95 -> 99.8833 -> 99.88; 30d: the 30d ratios' mean."""
    kuma.serve_version("2.5.3-history")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra", "MONITOR_IDS": "1,2,3"}
    run_script("status.py", env=env)
    doc = read_json(base_env["OUTPUT_FILE"])
    expected_30d = round((0.9992818671454219 + 0.9971274685816877 + 1) / 3 * 100, 2)
    assert doc["uptime"] == {"last_24h": 99.88, "last_7d": 99.88, "last_30d": expected_30d}


@pytest.mark.parametrize(
    ("ids", "critical", "expected"),
    [
        ("1,2", "", "operational"),
        ("1,4", "", "degraded"),
        ("1,10", "", "degraded"),
        ("1,4", "4", "outage"),
        ("4,5", "", "outage"),
        ("7", "", "outage"),
    ],
)
def test_platform_status_from_real_answers(base_env, kuma, ids, critical, expected):
    kuma.serve_version("2.5.3-history")
    run_script("status.py", env={**base_env, "MONITOR_IDS": ids, "CRITICAL_MONITOR_IDS": critical})
    assert read_json(base_env["OUTPUT_FILE"])["platform_status"] == expected


def test_kuma_unreachable_publishes_unknown_with_null_uptime_and_exits_3(base_env, s3, bucket):
    env = {**base_env, "UPTIME_KUMA_URL": f"http://127.0.0.1:{free_port()}"}
    result = run_script("status.py", env=env)

    assert result.returncode == 3
    doc = read_json(base_env["OUTPUT_FILE"])
    assert doc["platform_status"] == "unknown"
    assert doc["uptime"] == {"last_24h": None, "last_7d": None, "last_30d": None}
    assert "connection was refused" in result.stderr


@pytest.mark.parametrize(
    ("route", "line"),
    [
        (None, "API key rejected by"),  # wrong key: the replay answers 401
        (Reply(200, [("Content-Type", "text/html")], b"<html>login</html>"), "HTML page"),
        (Reply(200, [("Content-Type", "text/plain")], b'monitor_status{monitor_id="1"} 1'), "truncated"),
    ],
)
def test_a_broken_kuma_gives_unknown_and_one_line_that_says_what_to_fix(base_env, kuma, route, line):
    kuma.serve_version("2.5.3")
    env = dict(base_env)
    if route is None:
        env["UPTIME_KUMA_API_KEY"] = "uk7_not-the-right-key"
    else:
        kuma.routes["/metrics"] = route
    result = run_script("status.py", env=env)

    assert result.returncode == 3
    assert read_json(base_env["OUTPUT_FILE"])["platform_status"] == "unknown"
    assert len([x for x in result.stderr.splitlines() if line in x]) == 1
    assert "uk7_not-the-right-key" not in result.stderr


def test_no_selected_monitor_found_is_unknown(base_env, kuma):
    kuma.serve_version("2.5.3")
    result = run_script("status.py", env={**base_env, "MONITOR_IDS": "6"})  # 6 is paused
    assert result.returncode == 3
    assert read_json(base_env["OUTPUT_FILE"])["platform_status"] == "unknown"


def test_a_server_that_never_answers_cannot_outlast_the_deadline(base_env, kuma, s3, bucket):
    kuma.routes["/metrics"] = Reply(200, [], b"", behaviour="hang")
    env = {**base_env, "HTTP_TIMEOUT_SECONDS": "60", "RUN_DEADLINE_SECONDS": "5"}
    started = time.monotonic()
    result = run_script("status.py", env=env)
    elapsed = time.monotonic() - started

    assert result.returncode == 3
    assert elapsed < 12, elapsed  # 5 s deadline plus interpreter start-up; the read timeout alone is 60 s
    assert read_json(base_env["OUTPUT_FILE"])["platform_status"] == "unknown"


def test_backup_failure_is_reported_in_the_exit_code(base_env, kuma):
    kuma.serve_version("2.5.3")
    result = run_script("status.py", env={**base_env, "BACKUP_BUCKET": "no-such-bucket-x"})
    assert result.returncode == 3
    assert read_json(base_env["OUTPUT_FILE"])["backups"] == {"last_backup_status": "unknown", "last_backup_time": None}
    assert "does not exist" in result.stderr


def test_nothing_internal_leaks_into_status_json_and_no_secret_into_the_log(base_env, kuma, s3, bucket):
    kuma.serve_version("2.5.3-history")
    s3.put_object(Bucket=bucket, Key="db/x.gz", Body=b"x")
    env = {**base_env, "UPTIME_KUMA_STATUS_PAGE": "elytra", "BACKUP_BUCKET": bucket}
    # A broken bucket too, so error texts exist that could leak.
    env_broken = {**env, "BACKUP_BUCKET": "missing-bucket-name"}
    for e in (env, env_broken):
        result = run_script("status.py", env=e)
        text = Path(base_env["OUTPUT_FILE"]).read_text()
        log = Path(base_env["LOG_FILE"]).read_text()
        for internal in [
            kuma.url,
            "127.0.0.1",
            kuma.url.rsplit(":", 1)[1],
            bucket,
            "missing-bucket-name",
            "HTTP kuma self",
            "elytra",
            "db/",
            API_KEY,
            base_env["SPACES_SECRET_KEY"],
            "http",
        ]:
            assert internal not in text, internal
        for secret in [API_KEY, base_env["SPACES_SECRET_KEY"], base_env["SPACES_ACCESS_KEY"]]:
            assert secret not in log + result.stderr + result.stdout


def test_log_lines_are_utc_stamped_single_events(base_env, kuma):
    kuma.routes["/metrics"] = Reply(200, [("Content-Type", "text/html")], b"<html>\nlogin\n</html>")
    run_script("status.py", env=base_env)
    lines = Path(base_env["LOG_FILE"]).read_text().splitlines()
    assert lines and all(line[:20].endswith("Z") and line[4] == "-" and line[10] == "T" for line in lines)
    assert any(" ERROR " in line for line in lines)


@pytest.mark.parametrize("disk", ["read-only", "full"])
def test_an_unwritable_output_exits_1_and_leaves_no_temp_file(base_env, kuma, mounted_disk, disk):
    kuma.serve_version("2.5.3")
    folder = mounted_disk(disk)
    result = run_script("status.py", env={**base_env, "OUTPUT_FILE": str(folder / "status.json")})
    assert result.returncode == 1
    assert "OUTPUT_FILE" in result.stderr
    assert [p.name for p in folder.iterdir()] == (["filler"] if disk == "full" else [])


def test_an_output_folder_is_a_config_error(base_env, kuma, tmp_path):
    result = run_script("status.py", env={**base_env, "OUTPUT_FILE": str(tmp_path)})
    assert result.returncode == 2 and "OUTPUT_FILE" in result.stderr


SCRIPTS = sorted(p.stem for p in (ROOT / "scripts" / "cli").glob("*.py"))


def package_form(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """python -m elytra_status as the README says it runs: PYTHONPATH naming scripts/, cron's PATH, no venv on it."""
    return subprocess.run(
        [sys.executable, "-m", "elytra_status", *args],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "scripts")},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_script_prints_its_help_on_stdout_and_exits_0():
    assert {"announce", "job", "status"} <= set(SCRIPTS)
    for script in SCRIPTS:
        result = run_script(f"{script}.py", "--help")
        assert result.returncode == 0 and "--env-file" in result.stdout, script
        assert result.stdout.startswith("usage: ") and result.stderr == "", script


def test_the_package_form_runs_the_same_commands_from_anywhere_in_crons_environment(tmp_path):
    """python -m elytra_status <command>: every command, any folder; help on stdout, a wrong call on stderr."""
    assert set(SCRIPTS) | {"precompile"} == set(COMMANDS)
    for command in COMMANDS:
        result = package_form(command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", (command, result.stderr)
        assert result.stdout.startswith(f"usage: python -m elytra_status {command} ")
        if command in SCRIPTS:
            # The same parser: what follows the usage lines (description, options) is the same text.
            script_help = run_script(f"{command}.py", "--help").stdout
            assert result.stdout.split("\n\n", 1)[1] == script_help.split("\n\n", 1)[1], command
    for flag in ("--help", "-h"):
        asked = package_form(flag, cwd=tmp_path)
        assert (asked.returncode, asked.stderr) == (0, "")
        assert asked.stdout.startswith("usage: python -m elytra_status")
        assert all(f"\n  {command} " in asked.stdout for command in COMMANDS)
    for wrong in ((), ("nonsense",)):
        refused = package_form(*wrong, cwd=tmp_path)
        assert refused.returncode == 2 and refused.stdout == ""
        assert refused.stderr.startswith("usage: python -m elytra_status"), wrong


def test_the_readme_help_command_prints_what_the_readme_shows_from_the_checkouts_root(tmp_path):
    """The README's line as typed at the checkout's root, in a login's bare environment: its block, on stdout."""
    command, shown = readme_help_block()
    assert (ROOT / ".venv" / "bin" / "python").exists(), "bash scripts/setup.sh makes .venv first"
    result = subprocess.run(
        ["bash", "-c", command],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == shown
