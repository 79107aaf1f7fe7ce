"""Templates hold markup; the sentences they show come from the catalogue (plugin/wording).

A template line may carry a heading, a label or a short phrase, never a paragraph: the visible
text of a line (Jinja tags and HTML tags taken out) stays under a sentence's length.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import plugin.web

TEMPLATES = Path(plugin.web.__file__).resolve().parent / "templates"
TAGS = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]*>", re.DOTALL)
LONGEST = 100  # characters of text on one template line
# The families whose sentences are in the catalogue.
FAMILIES = ["panel.html", "panel/*.html", "record/response.html", "record/entered_in_error.html",
            "record/expired.html", "record/_macros.html", "record/form.html",
            "record/handoff_*.html"]


def _long_lines(pattern: str) -> list[str]:
    found = []
    for path in sorted(TEMPLATES.glob(pattern)):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            text = " ".join(TAGS.sub(" ", line).split())
            if len(text) > LONGEST:
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {text[:60]}...")
    return found


@pytest.mark.parametrize("family", FAMILIES)
def test_the_templates_of_a_family_hold_no_paragraph(family: str) -> None:
    assert list(TEMPLATES.glob(family))
    assert _long_lines(family) == []
