"""RESULTS.md holds one section a benchmark script, each opened by its own marker comment."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(mark: str, text: str) -> None:
    """Put text (which starts with mark) in place of that script's last section; the others stay."""
    old = RESULTS.read_text() if RESULTS.exists() else ""
    parts = re.split(r"(?m)^(?=<!-- [^>]* -->$)", old)
    kept = [p.strip() for p in parts if p.strip() and not p.startswith(mark)]
    if kept and not kept[0].startswith("<!--"):
        kept[0] = "<!-- run.py -->\n" + kept[0]  # the cycle table came first, before sections had markers
    sections = {p.split("\n", 1)[0]: p for p in kept}
    sections[mark] = text.strip()
    order = ["<!-- run.py -->", "<!-- time to truth -->", "<!-- scaled -->"]
    ordered = sorted(sections, key=lambda m: order.index(m) if m in order else len(order))
    RESULTS.write_text("\n\n".join(sections[m] for m in ordered) + "\n")
