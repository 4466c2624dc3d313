#!/usr/bin/env python3
"""Check STATUS_PUBLIC_URL as the website sees it; one line out, Nagios-style exit codes (0 OK, 2 CRITICAL)."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.public_check import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
