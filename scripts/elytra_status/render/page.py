"""The human pages (index.html, incidents/<id>.html) and the feed (history.atom), rendered from the bundle.

Jinja2 with autoescape and its i18n extension over the catalogue of PAGE_LANGUAGE; incident and
maintenance Markdown through markdown-it with raw HTML off, so the operator's text renders as text
and a `javascript:` link is refused.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from elytra_status.render import bars, history
from elytra_status.render.words import HEADLINE_WORDS, N_, Words

TEMPLATES = Path(__file__).resolve().parent / "templates"
BANNER_KIND = {
    "none": "ok",
    "maintenance": "maint",
    "minor": "warn",
    "major": "bad",
    "critical": "bad",
}
PROGRESS = {
    "investigating": N_("Investigating"),
    "identified": N_("Identified"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "scheduled": N_("Scheduled"),
    "in_progress": N_("In progress"),
    "verifying": N_("Verifying"),
    "completed": N_("Completed"),
}
# The texts the bundle writes itself when an incident or a maintenance closes: shown translated.
CANNED = (N_("This incident has been resolved."), N_("The maintenance has been completed."))
BACKUP_WORDS = {
    "success": N_("success"),
    "warning": N_("warning"),
    "failed": N_("failed"),
    "unknown": N_("unknown"),
}


def compact(script: str) -> str:
    """The script as the page carries it: no indentation, no comment lines (a page's bytes count, its why not)."""
    lines = (line.strip() for line in script.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


# Shown while the page runs its few lines of script; the script's hash goes into the CSP.
FRESHNESS_SCRIPT = compact((TEMPLATES / "freshness.js").read_text())


@functools.cache
def environment(language: str) -> Any:
    """The templates in one language: gettext from its catalogue, the locale's dates and numbers."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    words = Words(language)
    env.install_gettext_translations(words.translations, newstyle=True)
    env.filters["markdown"] = markdown
    env.filters["when"] = words.when
    env.filters["percent"] = words.percent
    env.filters["impact"] = words.impact
    env.filters["progress"] = lambda status: words(PROGRESS.get(status, status))
    env.filters["canned"] = lambda body: words(body) if body in CANNED else body
    env.globals["language"] = language
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


def figures(uptime: dict[str, Any] | None, words: Words, label: str = "") -> Any:
    """The 24 h, 7 d and 30 d figures of a service or the page, as one line: built here, not by a macro a
    service (a thousand macro calls cost a rendering run a quarter of a second)."""
    from html import escape

    from markupsafe import Markup

    uptime = uptime or {}
    parts = [
        f"{escape(words(window))} <b>{escape(words.percent(uptime.get(key)))}</b>"
        for window, key in ((H24, "last_24h"), (D7, "last_7d"), (D30, "last_30d"))
    ]
    return Markup(f'<p class="figures">{escape(label)}{" · ".join(parts)}</p>')  # noqa: S704 - escaped above


def service_groups(summary: dict[str, Any], memory: dict[str, Any], now: datetime, words: Words) -> list[dict]:
    """Each group with its services. A group named like the section ("Services", in the page's language)
    gets no heading of its own, which would repeat the section's: its services come first, right under
    the section's heading, and the other groups follow in the page's order under theirs."""
    groups = []
    children = [c for c in summary["components"] if not c["group"]]
    parents = [c for c in summary["components"] if c["group"]]
    for group in parents:
        services = []
        for comp in [c for c in children if c["group_id"] == group["id"]]:
            state = history.component_state(comp)
            services.append(
                {
                    **comp,
                    **bars.drawn(memory, comp["id"], now, words),
                    "words": words.state(state),
                    "letter": bars.LETTER.get(state, "u"),
                    "figures": figures(comp.get("uptime"), words),
                    "where": words(SPLIT, **sides(comp["where"])) if comp.get("where") else "",
                }
            )
        repeats = " ".join(group["name"].split()).casefold() == words(SERVICES).casefold()
        groups.append({"name": group["name"], "services": services, "heading": not repeats})
    return sorted(groups, key=lambda g: g["heading"])  # stable: the page's order otherwise


def render_page(
    files: dict[str, Any],
    document: dict[str, Any],
    memory: dict[str, Any],
    max_age: int,
    now: datetime,
    language: str = "en",
    status_file: str = "status.json",
) -> str:
    """index.html for this run. Its script reads status_file (beside it) for when the status was last confirmed."""
    from babel.numbers import get_decimal_symbol

    words = Words(language)
    summary = files["api/v2/summary.json"]
    components = summary["components"]
    kind = BANNER_KIND[summary["status"]["indicator"]]
    if document["platform_status"] == "unknown":
        kind = "unknown"
    platform_word = words.platform(document["platform_status"], document["maintenance"], components)
    return (
        environment(language)
        .get_template("index.html.j2")
        .render(
            root="",
            page=summary["page"],
            banner={"kind": kind, "words": words.headline(document, components, history.component_state)},
            figures=figures(document["uptime"], words, words(OVERALL) + ": "),
            incidents=summary["incidents"],
            maintenances=summary["scheduled_maintenances"],
            past=[i for i in files["api/v2/incidents.json"]["incidents"] if i["status"] == "resolved"],
            groups=service_groups(summary, memory, now, words),
            platform={
                **bars.drawn(memory, "platform", now, words),
                "words": platform_word,
                "letter": bars.LETTER.get(history.platform_state(document), "u"),
            },
            backups={**document["backups"], "words": words(BACKUP_WORDS[document["backups"]["last_backup_status"]])},
            updated_at=document["updated_at"],
            status_file=status_file,
            headline_key=headline_key(document),
            max_age=max_age,
            decimal=get_decimal_symbol(language),
            script=FRESHNESS_SCRIPT,
            script_hash=csp_hash(FRESHNESS_SCRIPT),
        )
    )


def headline_key(document: dict[str, Any]) -> str:
    """What the page's script compares with status.json: the page is confirmed only while both say the same
    status, maintenance and backup status (its uptime figures move by hundredths and are not compared)."""
    maintenance = "true" if document["maintenance"] else "false"
    return f"{document['platform_status']}/{maintenance}/{document['backups']['last_backup_status']}"


def render_incident(item: dict[str, Any], page: dict[str, Any], updated_at: str, language: str = "en") -> str:
    """incidents/<id>.html: one incident or maintenance window, its text and times; no script."""
    return (
        environment(language)
        .get_template("incident.html.j2")
        .render(root="../", page=page, item=item, updated_at=updated_at, script_hash=csp_hash(""))
    )


def render_feed(
    files: dict[str, Any], changes: list[dict[str, str]], base_url: str, now: datetime, language: str = "en"
) -> str:
    """history.atom: incidents, maintenance and changes of the platform status, newest first; each links to its page."""
    words = Words(language)
    page = files["api/v2/summary.json"]["page"]
    entries = [
        _entry(item, words(PROGRESS["resolved"]) if item["status"] == "resolved" else words.impact(item["impact"]))
        for item in files["api/v2/incidents.json"]["incidents"]
    ]
    entries += [
        _entry(item, words(PROGRESS["completed"] if item["status"] == "completed" else IMPACT_MAINTENANCE))
        for item in files["api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    ]
    for change in changes:
        before, after = (words(HEADLINE_WORDS[HISTORY_WORD[change[k]]]) for k in ("from", "to"))
        entries.append(
            {
                "id": f"status/{change['at']}",
                "title": words.say(change["headline"]) if "headline" in change else after,
                "updated": change["at"],
                "published": change["at"],
                "body": " ".join(
                    [
                        words(CHANGED, before=before, after=after),
                        *(
                            words(SPLIT_IN_FEED, name=w["name"], **sides(w))
                            for w in change.get("headline", {}).get("where", [])
                        ),
                    ]
                ),
                "link": "index.html",
            }
        )
    entries.sort(key=lambda e: e["updated"], reverse=True)
    return (
        environment(language)
        .get_template("history.atom.j2")
        .render(
            page=page,
            entries=entries[:100],
            base_url=base_url,
            updated=page["updated_at"],
            tag=f"tag:{page['id']}.status,2026:",
        )
    )


IMPACT_MAINTENANCE = N_("Maintenance")
H24, D7, D30 = N_("24 h"), N_("7 d"), N_("30 d")
OVERALL = N_("Uptime, as Uptime Kuma counts it")
CHANGED = N_("The platform status changed from %(before)s to %(after)s.")
SERVICES = N_("Services")
# Two sites, a split verdict: where the service is seen down and up (the API's description says it in English).
SPLIT = N_("Down from %(down)s, up from %(up)s")
SPLIT_IN_FEED = N_("%(name)s: down from %(down)s, up from %(up)s.")


def sides(where: dict[str, Any]) -> dict[str, str]:
    return {"down": ", ".join(where["down"]), "up": ", ".join(where["up"])}


# history's platform states -> their word's key in HEADLINE_WORDS.
HISTORY_WORD = {
    "operational": "operational",
    "maintenance": "maintenance",
    "unknown": "unknown",
    "degraded": "degraded_performance",
    "outage": "outage",
}


def _entry(item: dict[str, Any], label: str) -> dict[str, str]:
    """A feed entry for an incident or a maintenance; its id stays the same across runs."""
    return {
        "id": f"{'maintenance' if item['impact'] == 'maintenance' else 'incident'}/{item['id']}",
        "title": f"{label}: {item['name']}",
        "updated": item["updated_at"],
        "published": item["created_at"],
        "body": item["incident_updates"][-1]["body"] if item["incident_updates"] else "",
        "link": f"incidents/{item['id']}.html",
    }
