"""What a run read from Uptime Kuma, as digests: the quiet run and the resident poll compare them, unparsed.

Two questions, two digests. `news`: did a state change (a poll runs at once)? `Inputs`: is everything a run's
files are made of byte for byte what the last full run read (the quiet run re-confirms its status.json)?
"""

from __future__ import annotations

import hashlib
from typing import Any

from elytra_status.kuma.metrics import wanted_lines

# A state, Uptime Kuma's version or its start: what makes a resident poll run at once.
_NEWS = ("monitor_status{", "app_version{", "process_start_time_seconds ")


def news(body: str) -> str:
    """The part of a /metrics body whose change is news: the states, the version, the start."""
    seen = hashlib.sha256()
    for line in body.splitlines():
        if line.startswith(_NEWS):
            seen.update(line.encode())
    return seen.hexdigest()


class Inputs:
    """A requests response hook: each Uptime Kuma GET's path and the digest of what the run uses of its body.

    Of /metrics only the families the parser reads count (response times move every beat and are not
    published); of the page and its incident history the whole body does.
    """

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")  # UPTIME_KUMA_URL: paths are kept relative to it, as the quiet run asks them
        self.parts: dict[str, str] = {}

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code == 200 and response.request.method == "GET" and response.url.startswith(self.base):
            path = response.url[len(self.base) :]
            metrics = path.endswith("/metrics")
            body = "\n".join(wanted_lines(response.text)).encode() if metrics else response.content
            self.parts[path] = hashlib.sha256(body).hexdigest()
        return response

    def watch(self, session: Any) -> Any:
        """The session, its GETs now recorded here."""
        session.hooks["response"].append(self.hook)
        return session
