"""The ways the tests run a command: as an operator does, as cron does, in the background; and settings files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)  # as setup.sh writes config/.env: others may not read the keys
    return path


def cron_start(env_file: Path, home: Path, lock: Path | None) -> subprocess.Popen:
    """The cron wrapper started as cron would, in the background, with its own lock file (None: the one it picks)."""
    return subprocess.Popen(
        [
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"HOME={home}",
            *([f"ELYTRA_LOCK_FILE={lock}"] if lock else []),
            "bash",
            str(ROOT / "scripts/generate_and_upload.sh"),
            "--env-file",
            str(env_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def fake_crontab(tmp_path: Path, content: str) -> tuple[dict[str, str], Path]:
    """A crontab command that keeps the table in a file: (the environment to run with, the file)."""
    store = tmp_path / "crontab.txt"
    fake = tmp_path / "crontab"
    fake.write_text(
        f'#!/bin/bash\nif [ "$1" = "-l" ]; then cat {store} 2>/dev/null || exit 1; else cat > {store}; fi\n'
    )
    fake.chmod(0o755)
    store.write_text(content)
    return {"PATH": "/usr/bin:/bin", "CRONTAB": str(fake)}, store


def cron_run(script: str, env_file: Path, cwd: Path, *args: str, extra: dict | None = None, timeout: float = 120):
    """The way cron runs it: an empty environment, PATH=/usr/bin:/bin, another directory."""
    home = cwd / "home"
    home.mkdir(exist_ok=True)
    env_args = [f"{k}={v}" for k, v in (extra or {}).items()]
    return subprocess.run(
        [
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"HOME={home}",
            *env_args,
            "bash",
            str(ROOT / "scripts" / script),
            "--env-file",
            str(env_file),
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_script(
    script: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
):
    """Run a scripts/cli script the way an operator does: its own process, a clean environment.

    Never the operator's config/.env: without an --env-file, the settings come from env alone.
    """
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    if "--env-file" not in args and "--help" not in args:
        args = ("--env-file", os.devnull, *args)
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli" / script), *args],
        env={**clean, **(env or {})},
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def readme_help_block() -> tuple[str, str]:
    """The README's console block of the package's help: (its command line, the output it shows)."""
    readme = (ROOT / "README.md").read_text()
    command, output = readme.split("```console\n$ ", 1)[1].split("```", 1)[0].split("\n", 1)
    return command, output


def find_process(marker: str) -> int | None:
    """The pid of a live process whose command line holds marker."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    return int(entry.name)
            except OSError:
                continue
    return None


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[1])


def all_command_lines() -> str:
    """Every live process's whole argv, one a line, read from /proc: ps cuts long ones to its width."""
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                continue
    return "\n".join(lines)
