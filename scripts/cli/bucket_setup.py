#!/usr/bin/env python3
"""Apply CORS from CORS_ALLOWED_ORIGINS to the status bucket (GET and HEAD), then show what is in place."""

import sys
from pathlib import Path

# The package sits beside this folder: any working directory, cron's bare environment, no install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elytra_status.commands.bucket_setup import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
