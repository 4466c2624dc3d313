#!/usr/bin/env python3
"""Announcements through Apprise: --test sends one message to each target; --dry-run shows the next run's."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.announce import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
