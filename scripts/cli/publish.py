#!/usr/bin/env python3
"""Upload status.json and its bundle to the public bucket with the AWS CLI, after checking them, and verify them."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.publish import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
