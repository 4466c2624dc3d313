"""Files written whole or not at all: a temp file beside the target, fsync, rename."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

# A temp file this old was left by a killed run: runs are minutes apart and a write takes milliseconds.
STALE_TEMP_SECONDS = 300


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Readers see the old file or the new one, never half; raises OSError, leaving no temp file."""
    remove_stale_temps(path)
    tmp_name = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as tmp:
            tmp_name = tmp.name
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except OSError:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove this file's own temp files that a killed run left behind; return what was removed."""
    removed = []
    cutoff = time.time() - STALE_TEMP_SECONDS
    try:
        candidates = list(path.parent.glob(f".{path.name}.*.tmp"))
    except OSError:
        return removed
    for stale in candidates:
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
                removed.append(stale)
        except OSError:
            continue
    return removed
