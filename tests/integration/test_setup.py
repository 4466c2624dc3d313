"""A newcomer's first minutes: setup.sh says what it does, one timed line a step, and --dev leaves config/.env alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support.commands import ROOT


def checkout(tmp_path: Path) -> Path:
    """A checkout of the set-up's files that shares this venv: pip then has nothing to install."""
    copy = tmp_path / "checkout"
    for name in ("scripts/setup.sh", "requirements.txt", "tests/requirements.txt", "config/.env.example"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, copy / name)
    # The package too: set-up compiles its schema checks.
    shutil.copytree(ROOT / "scripts" / "elytra_status", copy / "scripts" / "elytra_status")
    (copy / ".venv").symlink_to(Path(sys.executable).parents[1])
    return copy


def setup(copy: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(copy / "scripts/setup.sh"), *args],
        env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_setup_for_development_says_each_step_and_leaves_config_env_alone(tmp_path):
    copy = checkout(tmp_path)
    result = setup(copy, "--dev")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "setup: pip: installing tests/requirements.txt (the first time takes about a minute) ..."
    assert any(line.startswith("setup: pip: done (") and line.endswith(" s)") for line in lines)
    assert any(line.startswith("precompile: ") and " schema checks in " in line for line in lines)
    assert lines[-1].startswith(f"setup: ready: {copy / '.venv'}")
    assert not (copy / "config" / ".env").exists()


def test_setup_for_a_vm_writes_config_env_once_for_its_owner_only(tmp_path):
    copy = checkout(tmp_path)
    first = setup(copy)
    assert first.returncode == 0, first.stderr
    assert "setup: wrote config/.env from the example (mode 600): fill in its values" in first.stdout
    settings = copy / "config" / ".env"
    assert settings.stat().st_mode & 0o777 == 0o600
    settings.write_text("UPTIME_KUMA_URL=https://kuma.example.com\n")
    again = setup(copy)
    assert "wrote config/.env" not in again.stdout
    assert settings.read_text() == "UPTIME_KUMA_URL=https://kuma.example.com\n"  # the operator's values stay
