#!/usr/bin/env python3
"""The page's message catalogue: every word of the templates and of render/, checked against each language.

    .venv/bin/python scripts/dev/catalogue.py            # list what a language lacks (exit 1 if anything)
    .venv/bin/python scripts/dev/catalogue.py --new fr   # start render/locales/fr.po with every message

Adding a language is that one file, its msgstr lines filled in; tests/unit/test_words.py then checks it
is complete.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RENDER = ROOT / "scripts" / "elytra_status" / "render"
LOCALES = RENDER / "locales"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "NP_": (1, 2)}


def messages() -> dict[str, str | tuple[str, str]]:
    """Every message the page, incident pages, feed, calendar and badge can show, by msgid."""
    from babel.messages.extract import extract_from_dir

    method_map = [("templates/**.j2", "jinja2"), ("*.py", "python")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
    found: dict[str, str | tuple[str, str]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(RENDER), method_map, options, keywords=KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        found[key] = message
    return found


def missing(language: str) -> list[str]:
    from babel.messages.pofile import read_po

    with (LOCALES / f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    out = []
    for key in messages():
        entry = catalog.get(key)
        strings = entry.string if entry is not None else ""
        if not entry or not (all(strings) if isinstance(strings, tuple) else strings) or entry.fuzzy:
            out.append(key)
    return out


def new(language: str) -> Path:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale=language, project="elytra-status")
    for message in messages().values():
        catalog.add(message, string=("", "") if isinstance(message, tuple) else "")
    path = LOCALES / f"{language}.po"
    with path.open("wb") as out:
        write_po(out, catalog, omit_header=False, width=100)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--new", metavar="CODE", help="write render/locales/CODE.po with every message, empty")
    args = parser.parse_args()
    if args.new:
        print(new(args.new))
        return 0
    bad = 0
    for path in sorted(LOCALES.glob("*.po")):
        lacking = missing(path.stem)
        bad += len(lacking)
        print(f"{path.stem}: {len(messages()) - len(lacking)} of {len(messages())} messages", file=sys.stderr)
        for key in lacking:
            print(f"  missing: {key!r}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
