"""Find the newest backup under each BACKUP_PREFIX in the backup bucket and judge its age."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from elytra_status.infra import s3, timing
from elytra_status.infra.settings import Config

if TYPE_CHECKING:
    from elytra_status.infra.stores import Store

# Worst last: the overall status is the worst set's.
SEVERITY = {"success": 0, "warning": 1, "unknown": 2, "failed": 3}


class BackupSourceError(Exception):
    """The bucket could not be checked (auth, network, missing bucket); says what to fix."""


@dataclass(frozen=True)
class BackupObject:
    key: str
    last_modified: datetime
    size: int


@dataclass
class BackupSet:
    prefix: str
    status: str
    newest: BackupObject | None = None
    age_hours: float | None = None
    reason: str = ""
    empty_objects: list[BackupObject] = field(default_factory=list)
    listed_prefixes: int = 0


@dataclass
class BackupReport:
    sets: list[BackupSet]
    # Seconds this machine's clock is ahead of the bucket's Date header; None when no answer had one.
    clock_offset: float | None = None

    @property
    def worst(self) -> BackupSet:
        # Ties go to the older backup: the public time should never look better than the truth.
        return max(
            self.sets,
            key=lambda s: (SEVERITY[s.status], s.age_hours if s.age_hours is not None else float("inf")),
        )

    @property
    def status(self) -> str:
        return self.worst.status

    @property
    def last_backup_time(self) -> datetime | None:
        newest = self.worst.newest
        return newest.last_modified if newest else None


def judge_age(age_hours: float, max_age_hours: float) -> str:
    """success under the max age, warning under twice it, failed from there on."""
    if age_hours < max_age_hours:
        return "success"
    if age_hours < 2 * max_age_hours:
        return "warning"
    return "failed"


def expand_prefix(prefix: str, now: datetime, max_age_hours: float) -> list[str]:
    """The partitions of a strftime prefix that can hold a backup younger than twice the max age."""
    if "%" not in prefix:
        return [prefix]
    # UTC, hour by hour: every directive allowed (%Y %y %m %d %H %j) is constant within an hour.
    start = (now - timedelta(hours=2 * max_age_hours)).replace(minute=0, second=0, microsecond=0)
    out: list[str] = []
    moment = now.replace(minute=0, second=0, microsecond=0)
    while moment >= start:
        formatted = moment.strftime(prefix)
        if formatted not in out:
            out.append(formatted)
        moment -= timedelta(hours=1)
    return out


def source_error(exc: Exception, config: Config, bucket: str, store: Store | None = None) -> BackupSourceError:
    """Turn a botocore failure into one line that says what to fix, with no secret in it; store: Spaces if None."""
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
        SSLError,
    )

    store = store or config.backup_store
    endpoint = store.endpoint
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            return BackupSourceError(f"bucket {bucket!r} does not exist at {endpoint}: check its name")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "InvalidToken"):
            return BackupSourceError(
                f"credentials rejected ({code}) by {endpoint} for bucket {bucket!r}:"
                f" check {store.keys_setting} and the key's access to the bucket"
            )
        return BackupSourceError(f"{endpoint} refused to list {bucket!r}: {code or 'error'}")
    if isinstance(exc, SSLError):
        return BackupSourceError(f"TLS error talking to {endpoint}: check {store.endpoint_setting} and its certificate")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return BackupSourceError(f"cannot reach {endpoint}: check {store.endpoint_setting} and the network")
    if isinstance(exc, ReadTimeoutError):
        return BackupSourceError(f"{endpoint} did not answer within {config.http_timeout_seconds:g}s")
    return BackupSourceError(f"checking {bucket!r} at {endpoint} failed: {type(exc).__name__}")


def server_clock_offset(response: dict[str, Any]) -> float | None:
    """Seconds this machine's clock is ahead of the Date header of an S3 answer (or error)."""
    date = timing.parse_http_date(response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date"))
    return (timing.utc_now() - date).total_seconds() if date else None


def newest_backup(
    client: Any, bucket: str, prefix: str, skip: frozenset[str] = frozenset(), clock: list[float] | None = None
) -> tuple[BackupObject | None, list[BackupObject]]:
    """The newest non-empty object under prefix, over every page; and the empty ones newer than it.

    Keys in skip (what this project publishes) are never backups; clock collects the bucket's offset.
    """
    newest: BackupObject | None = None
    empty: list[BackupObject] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        offset = server_clock_offset(page)
        if clock is not None and offset is not None:
            clock.append(offset)
        for item in page.get("Contents", ()):
            key = item["Key"]
            if key.endswith("/") or key in skip:
                continue  # a folder marker, or our own public file: not a backup
            obj = BackupObject(key, item["LastModified"], int(item["Size"]))
            if obj.size == 0:
                empty.append(obj)
            elif newest is None or obj.last_modified > newest.last_modified:
                newest = obj
    if newest is not None:
        empty = [e for e in empty if e.last_modified >= newest.last_modified]
    return newest, sorted(empty, key=lambda e: e.last_modified, reverse=True)


def check_set(client: Any, config: Config, prefix: str, now: datetime, clock: list[float] | None = None) -> BackupSet:
    partitions = expand_prefix(prefix, now, config.backup_max_age_hours)
    newest: BackupObject | None = None
    empty: list[BackupObject] = []
    skip = config.own_objects(config.backup_bucket)
    for partition in partitions:
        found, zero = newest_backup(client, config.backup_bucket, partition, skip, clock)
        empty.extend(zero)
        if found and (newest is None or found.last_modified > newest.last_modified):
            newest = found
    if newest is not None:
        empty = [e for e in empty if e.last_modified >= newest.last_modified]
    return judge_set(prefix, newest, empty, len(partitions), now, config)


def judge_set(
    prefix: str, newest: BackupObject | None, empty: list[BackupObject], listed: int, now: datetime, config: Config
) -> BackupSet:
    """A set's status from its newest backup, aged against now."""
    result = BackupSet(prefix=prefix, status="failed", newest=newest, empty_objects=empty, listed_prefixes=listed)
    if newest is None:
        where = "in the partitions of the last 2x BACKUP_MAX_AGE_HOURS" if "%" in prefix else "under it"
        result.reason = f"no backup {where}"
        return result
    result.age_hours = max((now - newest.last_modified).total_seconds() / 3600, 0.0)
    result.status = judge_age(result.age_hours, config.backup_max_age_hours)
    return result


def check_backups(config: Config, now: datetime, client: Any = None) -> BackupReport:
    """Check every backup set; a set that cannot be checked is `unknown` with its reason."""
    sets: list[BackupSet] = []
    try:
        client = client or s3.make_s3_client(config, config.backup_store)
    except Exception as exc:  # noqa: BLE001 - any client set-up failure makes every set unknown
        reason = str(source_error(exc, config, config.backup_bucket))
        return BackupReport([BackupSet(p, "unknown", reason=reason) for p in config.backup_prefixes])
    clock: list[float] = []
    for prefix in config.backup_prefixes:
        try:
            sets.append(check_set(client, config, prefix, now, clock))
        except Exception as exc:  # noqa: BLE001 - botocore raises many types; each becomes a line
            offset = server_clock_offset(getattr(exc, "response", None) or {})
            clock += [offset] if offset is not None else []
            sets.append(BackupSet(prefix, "unknown", reason=str(source_error(exc, config, config.backup_bucket))))
    return BackupReport(sets, max(clock, key=abs) if clock else None)
