"""The human status page (index.html) and its feed (history.atom), rendered by the run from the bundle.

Jinja2 with autoescape; incident and maintenance Markdown through markdown-it with raw HTML off,
so the operator's text renders as text and a `javascript:` link is refused.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from elytra_status.render import history

TEMPLATES = Path(__file__).resolve().parent / "templates"
# One letter a status, for the compact day bars; "-" is a day with no data.
LETTER = {
    "operational": "o",
    "maintenance": "m",
    "under_maintenance": "m",
    "unknown": "u",
    "degraded": "d",
    "degraded_performance": "d",
    "partial_outage": "p",
    "outage": "x",
    "major_outage": "x",
}
WORDS = {
    "operational": "Operational",
    "under_maintenance": "Under maintenance",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
BANNER = {
    "none": ("ok", "All systems operational"),
    "maintenance": ("maint", "Service under maintenance"),
    "minor": ("warn", "Some systems are degraded"),
    "major": ("bad", "Partial system outage"),
    "critical": ("bad", "Major service outage"),
}
# Shown while the page runs its few lines of script; the script's hash goes into the CSP.
FRESHNESS_SCRIPT = (TEMPLATES / "freshness.js").read_text()


@functools.cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown
    env.filters["day"] = lambda stamp: stamp[:10]
    env.filters["when"] = lambda stamp: f"{stamp[:10]} {stamp[11:16]} UTC"
    return env


@functools.cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # Raw HTML off; markdown-it's own link check refuses javascript:, vbscript:, file: and data: links.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def markdown(text: str) -> Any:
    from markupsafe import Markup

    return Markup(_markdown().render(text))


def csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def day_bar(memory: dict[str, Any], subject: str, now: datetime) -> dict[str, str]:
    """The 90 days of a subject: a status letter a day ("-" no data), and `uptime:minutes-not-up` a day."""
    letters, details = [], []
    days = memory.get("days", {})
    for day in _last_days(now.date()):
        entry = days.get(day)
        if entry is None or subject not in entry["worst"]:
            letters.append("-")
            details.append("-")
            continue
        letters.append(LETTER.get(entry["worst"][subject], "u"))
        minutes = entry["minutes"].get(subject, {})
        not_up = sum(
            n for state, n in minutes.items() if state not in ("operational", "maintenance", "under_maintenance")
        )
        figure = entry.get("uptime", {}).get(subject)
        # Compact: "99.95" (all up), "99.95:3" (3 minutes not up), ":3" (no figure yet).
        text = "" if figure is None else f"{round(figure, 2):g}"
        details.append(f"{text}:{not_up}" if not_up else text)
    return {
        "letters": "".join(letters),
        "details": ",".join(details),
        "first": _last_days(now.date())[0],
    }


@functools.cache
def _last_days(today: date) -> tuple[str, ...]:
    """The history's days up to today, oldest first: formatted once a run, not once a service."""
    return tuple((today - timedelta(days=back)).isoformat() for back in range(history.DAYS - 1, -1, -1))


def gradient(letters: str) -> str:
    """The bar drawn as one CSS gradient, a run of equal days a stop: no element a day."""
    stops, start = [], 0
    width = 100 / len(letters)
    for i in range(1, len(letters) + 1):
        if i == len(letters) or letters[i] != letters[start]:
            colour = f"var(--{letters[start] if letters[start] != '-' else 'n'})"
            stops.append(f"{colour} {start * width:.3f}% {i * width:.3f}%")
            start = i
    return f"linear-gradient(90deg,{','.join(stops)})"


def bar_summary(letters: str) -> str:
    names = {
        "o": "operational",
        "m": "maintenance",
        "u": "unknown",
        "d": "degraded",
        "p": "partial outage",
        "x": "outage",
        "-": "no data",
    }
    counts: dict[str, int] = {}
    for letter in letters:
        counts[names[letter]] = counts.get(names[letter], 0) + 1
    return "; ".join(f"{n} {'day' if n == 1 else 'days'} {name}" for name, n in counts.items())


def render_page(
    files: dict[str, Any], document: dict[str, Any], memory: dict[str, Any], max_age: int, now: datetime
) -> str:
    """index.html for this run."""
    summary = files["api/v2/summary.json"]
    groups = []
    children = [c for c in summary["components"] if not c["group"]]
    for group in [c for c in summary["components"] if c["group"]]:
        services = []
        for comp in [c for c in children if c["group_id"] == group["id"]]:
            bar = day_bar(memory, comp["id"], now)
            figure, days = history.uptime_90(memory, comp["id"])
            state = history.component_state(comp)
            services.append(
                {
                    **comp,
                    "state": state,
                    "words": "Status unknown" if state == "unknown" else WORDS[comp["status"]],
                    "letter": LETTER.get(state, "u"),
                    "bar": bar,
                    "gradient": gradient(bar["letters"]),
                    "bar_summary": bar_summary(bar["letters"]),
                    "uptime_90": figure,
                    "uptime_days": days,
                }
            )
        groups.append({"name": group["name"], "services": services})
    platform_bar = day_bar(memory, "platform", now)
    kind, words = BANNER[summary["status"]["indicator"]]
    if document["platform_status"] == "unknown":
        kind, words = "unknown", "Status unknown: the monitoring could not be read"
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            page=summary["page"],
            banner={"kind": kind, "words": words, "description": summary["status"]["description"]},
            incidents=summary["incidents"],
            maintenances=summary["scheduled_maintenances"],
            past=[i for i in files["api/v2/incidents.json"]["incidents"] if i["status"] == "resolved"],
            groups=groups,
            platform={
                "bar": platform_bar,
                "gradient": gradient(platform_bar["letters"]),
                "bar_summary": bar_summary(platform_bar["letters"]),
            },
            backups=document["backups"],
            updated_at=document["updated_at"],
            max_age=max_age,
            script=FRESHNESS_SCRIPT,
            script_hash=csp_hash(FRESHNESS_SCRIPT),
        )
    )


def render_feed(files: dict[str, Any], changes: list[dict[str, str]], base_url: str, now: datetime) -> str:
    """history.atom: incidents, maintenance and changes of the platform status, newest first."""
    page = files["api/v2/summary.json"]["page"]
    entries = [
        _entry("incident", item, "resolved", "Resolved", "Incident")
        for item in files["api/v2/incidents.json"]["incidents"]
    ]
    entries += [
        _entry("maintenance", item, "completed", "Completed", "Maintenance")
        for item in files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    ]
    for change in changes:
        entries.append(
            {
                "id": f"status/{change['at']}",
                "title": f"Platform status: {change['to']}",
                "updated": change["at"],
                "published": change["at"],
                "body": f"The platform status changed from {change['from']} to {change['to']}.",
            }
        )
    entries.sort(key=lambda e: e["updated"], reverse=True)
    return (
        _environment()
        .get_template("history.atom.j2")
        .render(
            page=page,
            entries=entries[:100],
            base_url=base_url,
            updated=page["updated_at"],
            tag=f"tag:{page['id']}.status,2026:",
        )
    )


def _entry(kind: str, item: dict[str, Any], closed: str, closed_word: str, open_word: str) -> dict[str, str]:
    """A feed entry for an incident or a maintenance; its id stays the same across runs."""
    return {
        "id": f"{kind}/{item['id']}",
        "title": f"{closed_word if item['status'] == closed else open_word}: {item['name']}",
        "updated": item["updated_at"],
        "published": item["created_at"],
        "body": item["incident_updates"][-1]["body"],
    }
