"""An event's message in PAGE_LANGUAGE, in the page's own words: a title, and a body that ends with its link."""

from __future__ import annotations

from typing import Any

from elytra_status.render import words as w
from elytra_status.render.page import PROGRESS


def message(event: dict[str, Any], language: str) -> tuple[str, str]:
    """(title, body). Every body says the event's own time, so a message that arrives late says when it happened."""
    words = w.Words(language)
    when = words.when(event["at"])
    link = event.get("url") or ""
    if event["kind"] == "status":
        title = words.say(event["headline"])
        lines = [f"{title} ({words(w.SINCE, when=when)})"]
    else:
        phase = event["phase"]
        if phase == "update":
            label = words(w.UPDATED)
        elif event["kind"] == "incident":
            label = words(PROGRESS["resolved" if phase == "resolved" else "investigating"])
        else:
            label = words(PROGRESS["completed" if phase == "end" else "in_progress"])
        title = f"{label}: {event['name']}"
        lines = [f"{label} ({words(w.SINCE if phase in ('new', 'start') else w.AT, when=when)})"]
        if event.get("text"):
            lines.append(event["text"])
    if link:
        lines.append(link)
    return title, "\n\n".join(lines)


def test_message(language: str, page_url: str) -> tuple[str, str]:
    """announce.py --test's message."""
    text = w.Words(language)(w.TEST_MESSAGE)
    return text, f"{text}\n\n{page_url}" if page_url else text
