"""One id for one thing, whoever writes: components by their page name, incidents and maintenance windows by
their first sighting. Pure: the record is plain data, kept in STATE_FILE and, by the site that publishes, in
the bucket (`.sites/record.json`), so every site and both modes give the same ids.

- A component gets its native id (`m<Uptime Kuma id>`, `g<group id>`) the first time its name is seen, and
  that name keeps it. A native id still held by a name no longer on the page passes to the new name: a
  rename keeps its id, as it always did with one site.
- An incident or a maintenance window gets the native id of the site that first shows it (`i<id>`,
  `mt<id>-<start>`) and keeps it. Each site's own key (Uptime Kuma's id, a window's id and start) finds it
  again whatever its title becomes; another site's event joins it when a title matches and the starts are
  within JOIN. A native id already taken by another thing gets a suffix (`i7-2`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Two Uptime Kumas, two manual posts, two createdDates: the same event when the titles match within this.
JOIN = timedelta(minutes=15)
# An event not seen for this long is forgotten: the history and the lists keep nothing older.
KEEP = timedelta(days=90)
MAX_EVENTS = 1000
MAX_COMPONENTS = 12_000
MAX_TITLES = 4
MAX_SEEN = 16  # sites (generators) an event remembers; a state lost makes a site a new generator
INCIDENT, MAINTENANCE = "incident", "maintenance"


@dataclass
class Event:
    """An incident or a maintenance window as the record knows it."""

    id: str
    kind: str  # INCIDENT or MAINTENANCE
    start: str  # Statuspage's timestamp of the first sighting's start (createdDate, or the window's start)
    titles: list[str]  # the first title and the latest ones
    seen: dict[str, str]  # generator id -> that site's own key for it
    last: str  # when a run last saw it listed


@dataclass
class IdRecord:
    components: dict[str, str] = field(default_factory=dict)  # "m:<name>" / "g:<name>" -> id
    events: list[Event] = field(default_factory=list)
    # (kind, generator, key) -> event, made at the first look-up: a run looks up each item of its page.
    _keys: dict[tuple[str, str, str], Event] | None = field(default=None, compare=False, repr=False)

    def event_by_id(self, public_id: str) -> Event | None:
        return next((e for e in self.events if e.id == public_id), None)

    def by_key(self, kind: str, generator: str, key: str) -> Event | None:
        if self._keys is None:
            self._keys = {(e.kind, g, k): e for e in self.events for g, k in e.seen.items()}
        return self._keys.get((kind, generator, key))


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _unique(native: str, used: set[str]) -> str:
    if native not in used:
        return native
    n = 2
    while f"{native}-{n}" in used:
        n += 1
    return f"{native}-{n}"


def components(record: IdRecord, wanted: list[tuple[str, str, int]]) -> dict[tuple[str, str], str]:
    """The id of each (kind, name, Uptime Kuma id) of this page, by (kind, name); new names are recorded."""
    current = {f"{kind}:{name}" for kind, name, _ in wanted}
    holders = {cid: key for key, cid in record.components.items()}
    out = {}
    for kind, name, number in wanted:
        key = f"{kind}:{name}"
        if key not in record.components:
            native = f"{kind}{number}"
            holder = holders.get(native)
            if holder is not None and holder not in current:
                del record.components[holder]  # a rename: the new name takes the id the old one left
                holder = None
            record.components[key] = native if holder is None else _unique(native, set(holders))
            holders[record.components[key]] = key
        out[(kind, name)] = record.components[key]
    while len(record.components) > MAX_COMPONENTS:
        record.components.pop(next(k for k in record.components if k not in current))
    return out


def event(
    record: IdRecord, kind: str, generator: str, key: str, title: str, start: str, now: str, native: str
) -> Event:
    """The event this site's item is: found by its own key, joined by title and start, or new (native id)."""
    found = record.by_key(kind, generator, key)
    if found is None:
        moment = _stamp(start)
        found = next(
            (
                e
                for e in record.events
                if e.kind == kind
                and generator not in e.seen
                and title in e.titles
                and abs(_stamp(e.start) - moment) <= JOIN
            ),
            None,
        )
    if found is None:
        found = Event(_unique(native, {e.id for e in record.events}), kind, start, [], {}, now)
        record.events.append(found)
    found.seen[generator] = key
    if len(found.seen) > MAX_SEEN:
        found.seen.pop(next(iter(found.seen)))
        record._keys = None  # the index still holds the key that went
    if record._keys is not None:
        record._keys[(kind, generator, key)] = found
    found.last = max(found.last, now)
    if title not in found.titles:
        found.titles = [*found.titles[:1], *found.titles[1:][-(MAX_TITLES - 2) :], title][:MAX_TITLES]
    return found


def prune(record: IdRecord, now: datetime) -> None:
    """Forget events not seen for KEEP, and the oldest past MAX_EVENTS."""
    cutoff = now - KEEP
    kept = [e for e in record.events if _stamp(e.last) >= cutoff]
    record.events = sorted(kept, key=lambda e: e.last, reverse=True)[:MAX_EVENTS]
    record._keys = None


def seed(record: IdRecord, names: dict[str, str], items: list[dict[str, Any]], generator: str, now: str) -> None:
    """An empty record from what a state already published: component ids by name, and its incidents and windows.

    names: public id -> name ("m1" -> "API"); items: Statuspage incident and maintenance objects.
    """
    for cid, name in names.items():
        record.components.setdefault(f"{cid[0]}:{name}", cid)
    for item in items:
        if record.event_by_id(item["id"]) is not None:
            continue
        window = item.get("impact") == "maintenance"
        start = (item.get("scheduled_for") or item["created_at"]) if window else item["created_at"]
        own = own_key(item["id"], start, window)
        seen = {generator: own} if own else {}
        record.events.append(Event(item["id"], MAINTENANCE if window else INCIDENT, start, [item["name"]], seen, now))
    record._keys = None


def own_key(public_id: str, start: str, window: bool) -> str | None:
    """The site's own key behind a native id: "i7" -> "7", "mt3-20261128T062900Z" -> "3@<start>"."""
    head = public_id.split("-", 1)[0]
    prefix = "mt" if window else "i"
    number = head[len(prefix) :] if head.startswith(prefix) else ""
    if not number.isdigit():
        return None
    return f"{number}@{start}" if window else number


def to_json(record: IdRecord) -> dict[str, Any]:
    return {
        "components": dict(record.components),
        "events": [
            {"id": e.id, "kind": e.kind, "start": e.start, "titles": e.titles, "seen": e.seen, "last": e.last}
            for e in record.events
        ],
    }


def from_json(raw: dict[str, Any]) -> IdRecord:
    """A record from JSON its schema already checked (infra/state.schema.json, `ids`)."""
    events = raw["events"]
    return IdRecord(
        dict(raw["components"]),
        [Event(e["id"], e["kind"], e["start"], list(e["titles"]), dict(e["seen"]), e["last"]) for e in events],
    )
