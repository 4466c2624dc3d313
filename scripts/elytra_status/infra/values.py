"""One parser per kind of setting value, each with its bounds; a bad value raises ConfigError naming it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
# The message catalogues of the page's languages, one gettext file a language (render/words.py reads them).
LOCALES = Path(__file__).resolve().parents[1] / "render" / "locales"
SOURCE_LANGUAGE = "en"
_STRFTIME_ALLOWED = set("YymdHj%")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")
# Keys are tens of characters of printable ASCII; anything else is a paste gone wrong.
SECRET_MAX_CHARS = 512


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


def text(values: Mapping[str, str], name: str, required: bool, default: str = "") -> str:
    value = values.get(name, "").strip()
    if not value:
        if required:
            raise ConfigError(name, "is empty or missing, and is required")
        return default
    return value


def secret(values: Mapping[str, str], name: str, required: bool) -> str:
    value = text(values, name, required)
    if len(value) > SECRET_MAX_CHARS:
        raise ConfigError(name, f"is {len(value)} characters long, over {SECRET_MAX_CHARS}: not a key")
    if value and not re.fullmatch(r"[!-~]+", value):
        raise ConfigError(name, "has spaces or characters outside printable ASCII: not a key")
    return value


def _host_and_port(name: str, value: str) -> None:
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(name, "has a port that is not a number from 1 to 65535") from None
    if not parts.hostname or not _HOST.fullmatch(parts.hostname):
        raise ConfigError(name, f"{parts.hostname or ''!r} is not a host name (letters, digits, '-' and '.')")


def url(values: Mapping[str, str], name: str, required: bool) -> str:
    value = text(values, name, required)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ConfigError(name, "needs a scheme: write it as https://host[:port][/path]")
    if parts.username or parts.password:
        raise ConfigError(name, "must not carry credentials; use the key variables instead")
    _host_and_port(name, value)
    return value.rstrip("/")


def endpoint(values: Mapping[str, str], name: str, required: bool) -> str:
    value = text(values, name, required)
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    if urlsplit(value).scheme not in ("http", "https"):
        raise ConfigError(name, "is not a host name or an http(s) URL")
    _host_and_port(name, value)
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc}"


def region(values: Mapping[str, str], name: str, default: str) -> str:
    value = text(values, name, False, default)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", value):
        raise ConfigError(name, f"{value!r} is not a region name (a-z, 0-9 and '-', like nyc3)")
    return value


def ids(values: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = values.get(name, "").strip()
    if not raw:
        return ()
    out: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        # ASCII digits only: "²".isdigit() is true, and int("²") fails.
        if not re.fullmatch(r"[0-9]{1,9}", part) or int(part) <= 0:
            raise ConfigError(name, f"{part!r} is not a monitor id (a positive whole number)")
        if int(part) not in out:
            out.append(int(part))
    return tuple(out)


def number(values: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """A number from low to high, both included; the README's table of bounds lists each."""
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"{raw!r} is not a number") from None
    if not low <= value <= high:  # also refuses nan and inf
        raise ConfigError(name, f"{raw!r} is out of bounds: from {low:g} to {high:g}")
    return value


def whole(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number from low to high: "0.5" is refused, never rounded to 0."""
    value = number(values, name, default, low, high)
    if value != int(value):
        raise ConfigError(name, f"{values[name].strip()!r} must be a whole number of seconds")
    return int(value)


def path(values: Mapping[str, str], name: str, default: str) -> Path:
    """A file path; a relative one is taken from the checkout, since cron starts elsewhere."""
    return _location(values, name, default, "file")


def _kind(name: str, found: Path) -> str:
    """ "folder", "file" or "none"; a path this user may not look at stops the run with its name."""
    try:
        return "folder" if found.is_dir() else "file" if found.exists() else "none"
    except OSError as exc:
        raise ConfigError(name, f"{found} cannot be reached by this user: {exc.strerror}") from None


def folder(values: Mapping[str, str], name: str, default: str) -> Path:
    """A folder path, relative ones from the checkout; it may not exist yet."""
    return _location(values, name, default, "folder")


def _location(values: Mapping[str, str], name: str, default: str, want: str) -> Path:
    found = Path(text(values, name, False, default)).expanduser()
    found = found if found.is_absolute() else ROOT / found
    kind = _kind(name, found)
    if kind not in (want, "none"):
        raise ConfigError(name, f"{found} is a {kind}; it must name a {want}")
    return found


def bucket(values: Mapping[str, str], name: str, required: bool) -> str:
    value = text(values, name, required)
    if value and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
        raise ConfigError(name, "is not a valid bucket name (3-63 of a-z, 0-9, '.', '-')")
    return value


def prefixes(values: Mapping[str, str]) -> tuple[str, ...]:
    raw = values.get("BACKUP_PREFIX", "")
    found = tuple(p.strip() for p in raw.split(",") if p.strip()) or ("",)
    for prefix in found:
        directives = re.findall(r"%(.)", prefix)
        bad = [d for d in directives if d not in _STRFTIME_ALLOWED]
        if bad:
            raise ConfigError("BACKUP_PREFIX", f"%{bad[0]} in {prefix!r}: only %Y %y %m %d %H %j are supported")
    return found


def region_from_endpoint(endpoint_url: str) -> str:
    """`nyc3` from https://nyc3.digitaloceanspaces.com, `eu-central-1` from s3.eu-central-1.amazonaws.com;
    us-east-1 for anything else."""
    host = urlsplit(endpoint_url).hostname or ""
    match = re.fullmatch(r"([a-z0-9-]+)\.digitaloceanspaces\.com", host) or re.fullmatch(
        r"s3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-[0-9])\.amazonaws\.com", host
    )
    return match.group(1) if match else "us-east-1"


SITE_ROLES = ("primary", "standby")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def flag(values: Mapping[str, str], name: str) -> bool:
    raw = values.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise ConfigError(name, f"{raw!r} is not true or false")
    return raw in _TRUE


def site(values: Mapping[str, str]) -> tuple[str | None, str | None]:
    """SITE_NAME and SITE_ROLE: both or neither. The name is public: short, lower case, letters, digits, '-'."""
    name, role = text(values, "SITE_NAME", False), text(values, "SITE_ROLE", False)
    if bool(name) != bool(role):
        missing = "SITE_ROLE" if name else "SITE_NAME"
        raise ConfigError(missing, "is empty: two-site mode needs SITE_NAME and SITE_ROLE both, one site neither")
    if name and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", name):
        raise ConfigError("SITE_NAME", f"{name!r} is public: 1 to 32 lower-case letters, digits and '-'")
    if role and role not in SITE_ROLES:
        raise ConfigError("SITE_ROLE", f"{role!r} is not one of {', '.join(SITE_ROLES)}")
    return name or None, role or None


def language(values: Mapping[str, str]) -> str:
    """PAGE_LANGUAGE: English, or a language whose catalogue is shipped (locales/<code>.po)."""
    code = text(values, "PAGE_LANGUAGE", False, SOURCE_LANGUAGE)
    shipped = sorted({SOURCE_LANGUAGE, *(p.stem for p in LOCALES.glob("*.po"))})
    if code not in shipped:
        raise ConfigError("PAGE_LANGUAGE", f"{code!r} has no catalogue: one of {', '.join(shipped)}")
    return code


def check_mode(path: Path) -> list[str]:
    """Refuse a settings file others may write, as ssh does with its keys; warn when others may read it."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o022:
        raise ConfigError(
            str(path), f"is writable by group or others (mode {mode:o}): it holds the keys; chmod 600 {path}"
        )
    if mode & 0o004:
        return [f"{path} is readable by others (mode {mode:o}): it holds the keys; chmod 600 {path}"]
    return []


MAX_NOTIFY_URLS = 20
_APPRISE_URL = re.compile(r"[a-z][a-z0-9+.-]{0,31}://[!-~]{1,2048}")


def notify_urls(values: Mapping[str, str]) -> tuple[str, ...]:
    """NOTIFY_URLS: Apprise URLs separated by spaces (a comma stays in a URL: Apprise lists targets with it).

    They are secrets: a message names the item by its place, never its value. Apprise itself is not
    imported here (0.4 CPU-s): a URL of an unknown service is found by the run that sends, and by --test.
    """
    urls = tuple(values.get("NOTIFY_URLS", "").split())
    if len(urls) > MAX_NOTIFY_URLS:
        raise ConfigError("NOTIFY_URLS", f"has {len(urls)} URLs, over {MAX_NOTIFY_URLS}")
    for number, item in enumerate(urls, 1):
        if not _APPRISE_URL.fullmatch(item):
            raise ConfigError("NOTIFY_URLS", f"item {number} is not an Apprise URL (service://..., printable ASCII)")
    return urls


def url_secrets(urls: tuple[str, ...]) -> tuple[str, ...]:
    """Each URL and its parts long enough to be a token, masked in logs: user, password, path and query values,
    and a host with no dot (Slack's and Discord's first token sits there; a DNS name or address is no secret)."""
    parts: list[str] = []
    for item in urls:
        parts.append(item)
        rest, _, query = item.split("://", 1)[-1].partition("?")
        userinfo, _, after = rest.rpartition("@")
        host, _, tail = after.partition("/")
        # A host with no dot is a token, and so is each non-numeric piece of it (Telegram's bot:token).
        pieces = [host, *(p for p in host.split(":") if not p.isdigit())] if "." not in host else []
        found = [*userinfo.split(":"), *re.split(r"[/?&=#,]", f"{tail}?{query}"), *pieces]
        parts += [p for p in found if len(p) >= 8]
    return tuple(dict.fromkeys(parts))
