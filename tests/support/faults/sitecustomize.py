"""Loaded at start-up by tests/support/faulty_python: breaks one part of a real run, as ELYTRA_FAULT names it.

raise: the run's write step raises (an unexpected exception anywhere in the run). no-aws: the AWS CLI's
Python is gone (a broken or missing install).
"""

import os
import sys
from pathlib import Path

FAULT = os.environ.get("ELYTRA_FAULT", "")
if FAULT:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
if FAULT == "raise":
    from elytra_status.run import pipeline

    def _boom(*args, **kwargs):
        raise RuntimeError("injected by the test (ELYTRA_FAULT=raise)")

    pipeline.write_all = _boom
elif FAULT == "no-aws":
    from elytra_status.publish import aws_cli

    aws_cli.AWS_PYTHON = Path("/nonexistent/elytra-test/python3")
