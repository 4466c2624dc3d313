"""Ways a site gets sick in the two-site tests and benchmarks, each done to a real generator's surroundings."""

from __future__ import annotations

import re
from pathlib import Path

from support.kuma_replay import Reply
from support.two_sites import TwoSites

# The venv's Python with a fault injected at start-up (faults/sitecustomize.py): ELYTRA_PYTHON names it.
FAULTY_PYTHON = Path(__file__).resolve().parent / "faulty_python"


def a_monitor_goes_down(sites: TwoSites) -> None:
    """The same monitor goes down at both sites' Uptime Kumas: there is something new to publish."""
    for site in sites.sites:
        metrics = site.kuma.routes["/metrics"]
        body = re.sub(rb"^(monitor_status\{[^}]*\}) 1$", rb"\1 0", metrics.body, count=1, flags=re.M)
        assert body != metrics.body
        site.kuma.routes["/metrics"] = Reply(metrics.status, metrics.headers, body)


def refused_public_puts(sites: TwoSites) -> None:
    sites.primary.proxy.refuse = lambda method, path: 403 if method == "PUT" and "/.sites/" not in path else None


def fault(sites: TwoSites, name: str) -> None:
    """The primary's runs go through the faulty Python: ELYTRA_FAULT=raise or no-aws."""
    sites.primary.env.update(ELYTRA_PYTHON=str(FAULTY_PYTHON), ELYTRA_FAULT=name)
