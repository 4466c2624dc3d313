"""Real small disks for the fault tests: a tmpfs mounted read-only, or one filled to the last byte (root needed)."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest


def mount_small_disk(folder: Path, kind: str) -> Path:
    """folder made and a 64 KiB tmpfs mounted on it: "read-only", or "full" (filled to its last byte)."""
    folder.mkdir()
    options = "ro,size=64k" if kind == "read-only" else "size=64k"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs (root needed, as in CI): {done.stderr.decode().strip()}")
    if kind == "full":
        with open(folder / "filler", "wb") as filler, contextlib.suppress(OSError):
            filler.write(b"\0" * 1024 * 1024)
    return folder


def unmount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], check=False)
