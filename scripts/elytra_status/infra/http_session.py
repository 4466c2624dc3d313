"""The HTTP session every request goes through: bounded retries with backoff, never on a 4xx."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

MAX_CONNECT_SECONDS = 5.0
USER_AGENT = "elytra-status/1"


def request_timeout(seconds: float) -> tuple[float, float]:
    """(connect, read) for one request: a host that does not accept within 5 s will not."""
    return (min(seconds, MAX_CONNECT_SECONDS), seconds)


def _retry(retries: int) -> Any:
    from urllib3.util.retry import Retry

    return Retry(
        total=retries,
        connect=retries,
        read=0,
        status=retries,
        other=0,
        backoff_factor=0.3,
        backoff_max=2.0,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def make_session(retries: int = 2) -> requests.Session:
    """A requests session that retries connection errors and 5xx with backoff, never a 4xx."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    adapter = HTTPAdapter(max_retries=_retry(retries), pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def make_pool(retries: int = 2) -> Any:
    """A plain urllib3 pool with the session's retries, for many small GETs (badges): about 1 ms less CPU
    a request than requests, which a thousand badges every five minutes feel."""
    import urllib3

    return urllib3.PoolManager(maxsize=16, retries=_retry(retries), headers={"User-Agent": USER_AGENT})


def describe_failure(exc: Exception, timeout: tuple[float, float]) -> str:
    """What went wrong with a request, in words an operator can act on; a hang is said to be one."""
    import sys

    import urllib3

    # requests' classes only when requests is in use: a urllib3 caller (the heartbeat) never imports it.
    requests = sys.modules.get("requests")
    text = str(exc)
    tls = (urllib3.exceptions.SSLError, *((requests.exceptions.SSLError,) if requests else ()))
    if isinstance(exc, tls) or "SSLError" in text:
        return "TLS error: the certificate is not trusted or not for this host"
    # With retries, requests wraps a read timeout in a ConnectionError: the text still tells.
    connect = (urllib3.exceptions.ConnectTimeoutError, *((requests.exceptions.ConnectTimeout,) if requests else ()))
    if isinstance(exc, connect) or "ConnectTimeoutError" in text:
        return f"timed out: no connection within {timeout[0]:g}s"
    read = (urllib3.exceptions.ReadTimeoutError, *((requests.exceptions.ReadTimeout,) if requests else ()))
    if isinstance(exc, read) or "Read timed out" in text:
        return f"timed out: no answer within {timeout[1]:g}s"
    if "Name or service not known" in text or "resolve" in text or "nodename" in text:
        return "its host name does not resolve (DNS)"
    if "refused" in text:
        return "the connection was refused"
    return f"the connection failed ({type(exc).__name__})"
