#!/usr/bin/env python3
"""Find the newest backup under each BACKUP_PREFIX in the backup bucket and judge its age."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.backup_checker import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
