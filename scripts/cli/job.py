#!/usr/bin/env python3
"""The cron job: generate status.json, publish it, ping the heartbeat. Called by generate_and_upload.sh."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.job import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
