"""The 90-day bars of the page: a status letter a day, drawn as one CSS gradient, told in words."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import Any

from elytra_status.render import history
from elytra_status.render.words import NO_DATA, NP_, Words

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
# A bar's days in words: the state of each letter (history's component states).
LETTER_STATE = {
    "o": "operational",
    "m": "under_maintenance",
    "u": "unknown",
    "d": "degraded_performance",
    "p": "partial_outage",
    "x": "major_outage",
}
DAYS_WITH_DATA = NP_("90 days ago; %(n)d day with data", "90 days ago; %(n)d days with data")
DAYS_OF = NP_("%(state)s: %(n)d day", "%(state)s: %(n)d days")


def day_bar(memory: dict[str, Any], subject: str, now: datetime) -> dict[str, Any]:
    """The 90 days of a subject: a status letter a day ("-" no data), and `uptime:minutes-not-up` a day ("=" as
    the day before)."""
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
    # A day told like the day before is "=": runs of equal days (a healthy service's 100s) weigh one byte a day.
    details[1:] = ["=" if told == prior else told for prior, told in zip(details, details[1:], strict=False)]
    return {
        "letters": "".join(letters),
        "details": ",".join(details),
        "first": _last_days(now.date())[0],
        "with_data": sum(1 for letter in letters if letter != "-"),
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
            stops.append(f"{colour} {start * width:.5g}% {i * width:.5g}%")
            start = i
    return f"linear-gradient(90deg,{','.join(stops)})"


def drawn(memory: dict[str, Any], subject: str, now: datetime, words: Words) -> dict[str, Any]:
    """A bar, its gradient, its caption (how many days it holds) and its summary for screen readers."""
    bar = day_bar(memory, subject, now)
    counts: dict[str, int] = {}
    for letter in bar["letters"]:
        counts[letter] = counts.get(letter, 0) + 1
    said = [
        words.plural(DAYS_OF, n, state=words(NO_DATA) if letter == "-" else words.state(LETTER_STATE[letter]))
        for letter, n in counts.items()
    ]
    return {
        "bar": bar,
        "gradient": gradient(bar["letters"]),
        "caption": words.plural(DAYS_WITH_DATA, bar["with_data"]),
        "bar_summary": "; ".join(said),
    }
