"""Every word a reader sees, once: the message catalogue of PAGE_LANGUAGE, the states, the headline, the dates.

The catalogues are gettext files, one a language (`locales/<code>.po`), compiled by Babel at set-up and
read by the standard library's gettext; English is the source text. The JSON keeps its machine values
(Statuspage's status names): only words change.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elytra_status.infra.values import LOCALES, SOURCE_LANGUAGE
from elytra_status.render.history import COMPONENT_ORDER as SEVERITY  # worst last

# The banner, the feed and the badge name this many affected services a clause, then "and N more".
MAX_NAMED = 5
# Between the clauses of a headline: a sign, not a word, so the same in every language.
CLAUSES = " · "


def languages() -> tuple[str, ...]:
    """English and every catalogue shipped: adding a language is adding its .po file."""
    return (SOURCE_LANGUAGE, *sorted(p.stem for p in LOCALES.glob("*.po")))


@functools.cache
def translations(language: str) -> Any:
    """The gettext translations of a language (English: the source text, and no Babel on the cron path).

    setup.sh compiles each catalogue once into the venv (precompile); a catalogue changed since is
    compiled here with Babel.
    """
    import gettext

    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    po = LOCALES / f"{language}.po"
    compiled = compiled_path(po)
    if compiled.exists():
        with compiled.open("rb") as mo:
            return gettext.GNUTranslations(mo)
    from io import BytesIO

    return gettext.GNUTranslations(BytesIO(compile_catalogue(po)))


COMPILED = Path(sys.prefix) / "elytra-locales"


def compiled_path(po: Path) -> Path:
    return COMPILED / f"{po.stem}_{hashlib.sha256(po.read_bytes()).hexdigest()[:16]}.mo"


def compile_catalogue(po: Path) -> bytes:
    """A .po file as gettext's .mo bytes, through Babel."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=po.stem)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def precompile() -> list[Path]:
    """Every shipped catalogue compiled where translations() looks first (set-up time)."""
    COMPILED.mkdir(exist_ok=True)
    for old in COMPILED.glob("*.mo"):
        old.unlink()
    written = []
    for po in sorted(LOCALES.glob("*.po")):
        path = compiled_path(po)
        path.write_bytes(compile_catalogue(po))
        written.append(path)
    return written


@functools.cache
def percent_form(language: str) -> tuple[str, str, str]:
    """The locale's decimal sign and what its percent pattern puts around the number ("99.95%", "99,95 %").

    Figures are 0 to 100 with two places, as Uptime Kuma shows them: no grouping sign is ever needed,
    so a thousand services are formatted without Babel's number machinery each.
    """
    from babel import Locale
    from babel.numbers import get_decimal_symbol

    pattern = Locale.parse(language).percent_formats[None].pattern.split(";")[0]
    number = pattern.strip("%\xa0\u202f ")  # "#,##0"
    before, _, after = pattern.partition(number)
    return get_decimal_symbol(language), before, after


def platform_word(status: str, maintenance: bool, components: list[dict[str, Any]]) -> str:
    """The key of the platform's word in HEADLINE_WORDS."""
    if status == "operational":
        return "maintenance" if maintenance else "operational"
    if status == "degraded":
        outage = any(c["status"] in ("partial_outage", "major_outage") for c in components if not c["group"])
        return "partial_outage" if outage else "degraded_performance"
    return status


# Whose names a headline word may carry: each affected monitor is named only under the word of its own
# state, so a monitor under maintenance, or with no current data, is never named as an outage.
KIND_OF_STATE = {
    "major_outage": "trouble",
    "partial_outage": "trouble",
    "degraded_performance": "trouble",
    "unknown": "unknown",
    "under_maintenance": "maintenance",
}
KIND_OF_WORD = {
    "outage": "trouble",
    "partial_outage": "trouble",
    "degraded_performance": "trouble",
    "unknown": "unknown",
    "unread": "unknown",
    "maintenance": "maintenance",
}


def headline_parts(document: dict[str, Any], components: list[dict[str, Any]], state_of: Any) -> dict[str, Any]:
    """The platform's word (a key) and what it names, then a clause for each other kind of affected monitor
    ("also": under maintenance, status unknown), the worst first, MAX_NAMED names a clause at most."""
    word = platform_word(document["platform_status"], document["maintenance"], components)
    affected = [c for c in components if not c["group"] and state_of(c) != "operational"]
    affected.sort(key=lambda c: -SEVERITY.index(state_of(c)))
    if not affected and document["platform_status"] == "unknown":
        word = "unread"
    kinds: dict[str, list[str]] = {}
    for component in affected:
        kinds.setdefault(KIND_OF_STATE[state_of(component)], []).append(component["name"])
    parts = _clause(word, kinds.pop(KIND_OF_WORD.get(word, ""), []))
    also = [
        _clause(_kind_word(kind, components), kinds[kind])
        for kind in ("trouble", "unknown", "maintenance")
        if kind in kinds
    ]
    return {**parts, "also": also} if also else parts


def _kind_word(kind: str, components: list[dict[str, Any]]) -> str:
    if kind == "trouble":
        return platform_word("degraded", False, components)
    return kind


def _clause(word: str, names: list[str]) -> dict[str, Any]:
    return {"word": word, "names": names[:MAX_NAMED], "more": max(0, len(names) - MAX_NAMED)}


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "a message, translated later"
    """Marks a message for the catalogue where it is defined; Words translates it where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    return singular, plural


class Words:
    """One language's words and formats for one render."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._t = translations(language)

    def __call__(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def plural(self, message: tuple[str, str], n: int, **values: Any) -> str:
        return self._t.ngettext(message[0], message[1], n) % {"n": n, **values}

    def state(self, state: str) -> str:
        """A component's state: Statuspage's names, and "unknown" for one this run could not see."""
        return self(COMPONENT_STATES[state])

    def impact(self, impact: str) -> str:
        return self(IMPACTS.get(impact, IMPACTS["none"]))

    @property
    def translations(self) -> Any:
        return self._t

    def platform(self, status: str, maintenance: bool, components: list[dict[str, Any]]) -> str:
        """The platform's word: what status.json says, told apart by what its components show."""
        return self(HEADLINE_WORDS[platform_word(status, maintenance, components)])

    def headline(self, document: dict[str, Any], components: list[dict[str, Any]], state_of: Any) -> str:
        """The banner's line, the feed's and the badge's: the platform's word, then what is affected."""
        return self.say(headline_parts(document, components, state_of))

    def say(self, parts: dict[str, Any]) -> str:
        """A headline from its parts (kept in the history for the feed):
        "Partial outage: API, Dashboard · Under maintenance: Worker"."""
        return CLAUSES.join(self._clause(part) for part in (parts, *parts.get("also", ())))

    def _clause(self, part: dict[str, Any]) -> str:
        word = self(HEADLINE_WORDS[part["word"]])
        if not part["names"]:
            return word
        names = ", ".join(part["names"])
        if part["more"]:
            names += " " + self.plural(MORE, part["more"])
        return f"{word}: {names}"

    def when(self, stamp: str) -> str:
        """A UTC time as the locale writes it, with its zone: "Dec 2, 2026, 13:09 UTC"."""
        from babel.dates import format_date, format_time

        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
        day = format_date(moment, "medium", locale=self.language)
        return f"{day}, {format_time(moment, 'HH:mm', tzinfo=UTC, locale=self.language)} UTC"

    def percent(self, value: float | None) -> str:
        """A figure as Uptime Kuma gives it, to two places, as the locale writes it; None is "no data"."""
        if value is None:
            return self(NO_DATA)
        decimal, before, after = percent_form(self.language)
        return f"{before}{value:.2f}{after}".replace(".", decimal)


COMPONENT_STATES = {
    "operational": N_("Operational"),
    "under_maintenance": N_("Under maintenance"),
    "unknown": N_("Status unknown"),
    "degraded_performance": N_("Degraded performance"),
    "partial_outage": N_("Partial outage"),
    "major_outage": N_("Major outage"),
}
IMPACTS = {
    "none": N_("Notice"),
    "minor": N_("Minor impact"),
    "major": N_("Major impact"),
    "critical": N_("Critical impact"),
    "maintenance": N_("Maintenance"),
}
HEADLINE_WORDS = {
    "operational": N_("All systems operational"),
    "maintenance": N_("Under maintenance"),
    "degraded_performance": N_("Degraded performance"),
    "partial_outage": N_("Partial outage"),
    "outage": N_("Major outage"),
    "unknown": N_("Status unknown"),
    "unread": N_("Status unknown: the monitoring could not be read"),
}
NO_DATA = N_("no data")
# Announcements (announce/wording.py): the event's own time, so a late message says when it happened.
SINCE = N_("since %(when)s")
AT = N_("at %(when)s")
UPDATED = N_("Update")
TEST_MESSAGE = N_("A test message from the status page: announcements reach this place.")
MORE = NP_("and %(n)d more", "and %(n)d more")
