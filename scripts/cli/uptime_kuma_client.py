#!/usr/bin/env python3
"""Read Uptime Kuma with an API key: each selected monitor's state and its 24h, 7d and 30d uptime."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.uptime_kuma_client import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
