"""Templates hold markup; the sentences they show come from the catalogue (plugin/wording).

The rule, for every template (a new one is covered):

- The text of a template is what lies between its HTML tags, each Jinja tag (``{{ }}``,
  ``{% %}``, ``{# #}``) ending a piece of text; a ``<script>`` or ``<style>`` holds no text. The
  string literals inside Jinja tags are read as text too (``{% set button = "..." %}``).
- A sentence is a piece of text of at least eight words made of letters, or of at least four
  that ends a sentence (".", "?" or "!" before a space or at its end). Headings, labels, button
  names and short phrases ("Details for your IT team", "Back to the panel") stay.
- And no template line carries more than ``LONGEST`` characters of visible text (a paragraph
  split among Jinja tags is still a paragraph).
- The catalogue's sentences reach a page with their apostrophes as typed (plugin/web/filters.py,
  ``Words``): safe between tags and in double-quoted attributes, so no template puts a value in
  a single-quoted attribute.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import plugin.web

TEMPLATES = Path(plugin.web.__file__).resolve().parent / "templates"
TAGS = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]*>", re.DOTALL)
JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
LITERAL = re.compile(r""""([^"]*)"|'([^']*)'""")
WORD = re.compile(r"[A-Za-z][a-z'’]*[,.;:!?)]?")
SENTENCE_END = re.compile(r"[.?!](\s|$)")
SINGLE_QUOTED_VALUE = re.compile(r"=\s*'[^'>]*\{\{")
LONGEST = 100  # characters of text on one template line
BREAK = "\x00"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1] in ("script", "style")):
            self.pieces += data.split(BREAK)


def is_sentence(text: str) -> bool:
    words = sum(1 for w in text.split() if WORD.fullmatch(w))
    return words >= 8 or (words >= 4 and SENTENCE_END.search(text.strip()) is not None)


def sentences(source: str) -> list[str]:
    """The sentences a template's source holds, by the rule above."""
    literals = [a or b for tag in JINJA.findall(source) for a, b in LITERAL.findall(tag)]
    parser = _Text()
    parser.feed(JINJA.sub(BREAK, source))
    parser.close()
    pieces = [" ".join(p.split()) for p in parser.pieces + literals]
    return [p for p in pieces if is_sentence(p)]


def _templates() -> list[str]:
    return [str(p.relative_to(TEMPLATES)) for p in sorted(TEMPLATES.rglob("*.html"))]


@pytest.mark.parametrize("template", _templates())
def test_a_template_holds_no_sentence(template: str) -> None:
    assert sentences((TEMPLATES / template).read_text()) == []


@pytest.mark.parametrize("template", _templates())
def test_a_template_line_holds_no_paragraph(template: str) -> None:
    long = []
    for number, line in enumerate((TEMPLATES / template).read_text().splitlines(), 1):
        text = " ".join(TAGS.sub(" ", line).split())
        if len(text) > LONGEST:
            long.append(f"{number}: {text[:60]}...")
    assert long == []


@pytest.mark.parametrize("template", _templates())
def test_no_value_goes_into_a_single_quoted_attribute(template: str) -> None:
    assert SINGLE_QUOTED_VALUE.findall((TEMPLATES / template).read_text()) == []


def test_the_rule_finds_a_sentence_wherever_it_hides() -> None:
    """The check is not blind: a sentence between tags, beside a Jinja tag or in a Jinja
    string is found; headings, labels and the catalogue's values are not."""
    found = sentences("""<h1>Details for your IT team</h1>
<p>{{ panel_words.SAVED }}</p>
<p>Nothing needs attention today.</p>
<p><strong>{{ name }}</strong> has been saved for your therapist.</p>
<p>{% if a %}Your answers are kept safely and will reach your therapist soon{% endif %}</p>
{% set button = "This link no longer works for you." %}
<script>const s = "This is code, not a sentence for anyone.";</script>""")
    assert found == ["Nothing needs attention today.", "has been saved for your therapist.",
                     "Your answers are kept safely and will reach your therapist soon",
                     "This link no longer works for you."]
