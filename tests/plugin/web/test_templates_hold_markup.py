"""Templates hold markup; every word they show comes from the catalogue (plugin/wording).

The rule, for every template (a new one is covered): no word of text. Symbols, punctuation and
numbers may stay ("·", ":", "(", "—", "“"); headings, labels, button names, table headers, the
product's name and the fragments around a value ("of", "items answered)") come from the
catalogue, the last as one phrase with its values named.

- The text of a template is what lies between its HTML tags, each Jinja tag (``{{ }}``,
  ``{% %}``, ``{# #}``) ending a piece of text; a ``<script>`` or ``<style>`` holds no text.
- So are the attributes a reader or a screen reader meets (``USER_FACING``: ``title``,
  ``aria-label``, ``alt``, ``placeholder``...).
- So are the string literals a Jinja tag shows there (``{{ "lowest" }}``,
  ``{{ x or "the client" }}``, a ``join``'s separator), those a ``{% set %}`` keeps for later,
  and every string literal of several words wherever it is. A code (``"entered-in-error"``,
  ``{{ "start" if first }}`` in an SVG attribute), an endpoint, a file name, a date format or a
  path (``/healthz``) is not a word.
- The catalogue's sentences reach a page with their apostrophes as typed (plugin/web/filters.py,
  ``Words``): safe between tags and in double-quoted attributes, so no template puts a value in
  a single-quoted attribute.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

import plugin.web

TEMPLATES = Path(plugin.web.__file__).resolve().parent / "templates"
JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
LETTER = re.compile(r"[^\W\d_]")
NOT_WORDS = re.compile(r"%-?[A-Za-z]|(?<!\S)/[\w./-]*")  # a date format's %b, a path
SHOWN = re.compile("\x01(\\d+)\x02")
SINGLE_QUOTED_VALUE = re.compile(r"=\s*'[^'>]*\{\{")
USER_FACING = {"title", "alt", "placeholder", "label", "aria-label", "aria-description",
               "aria-roledescription", "aria-valuetext", "aria-placeholder"}
SHOWN_ARGUMENTS = {"join", "replace", "format", "default", "d"}  # filters whose arguments show
BREAK = "\x00"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)
        self.pieces += [value for name, value in attrs if name in USER_FACING and value]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1] in ("script", "style")):
            self.pieces.append(data)


def _shown(node: nodes.Node) -> list[str]:
    """The string literals an expression puts on the page as they are."""
    if isinstance(node, nodes.Const):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, nodes.CondExpr):
        return _shown(node.expr1) + (_shown(node.expr2) if node.expr2 is not None else [])
    if isinstance(node, nodes.BinExpr):  # or, and, ~, +
        return _shown(node.left) + _shown(node.right)
    if isinstance(node, nodes.Concat):
        return [s for n in node.nodes for s in _shown(n)]
    if isinstance(node, nodes.Filter):
        shown = _shown(node.node) if node.node is not None else []
        if node.name in SHOWN_ARGUMENTS:
            shown += [s for a in node.args for s in _shown(a)]
        return shown
    return []


def _literals(tree: nodes.Template) -> list[str]:
    """The string literals of a template's Jinja tags kept for later by a ``{% set %}``, or of
    several words wherever they are."""
    shown = [s for assign in tree.find_all(nodes.Assign) for s in _shown(assign.node)]
    phrases = [c.value for c in tree.find_all(nodes.Const)
               if isinstance(c.value, str) and len(c.value.split()) > 1]
    return shown + phrases


def has_word(text: str) -> bool:
    return LETTER.search(NOT_WORDS.sub("", text)) is not None


def texts(source: str) -> list[str]:
    """The pieces of a template's source that hold a word, by the rule above."""
    parts = re.split(f"({JINJA.pattern})", source, flags=re.DOTALL)  # text and tags in turn
    tags = parts[1::2]
    marked = "".join(  # each {{ }} marked with its number, to see where it lands
        part if i % 2 == 0 else f"{BREAK}\x01{i // 2}\x02{BREAK}" if part.startswith("{{")
        else BREAK for i, part in enumerate(parts))
    parser = _Text()
    parser.feed(marked)
    parser.close()
    pieces = [" ".join(p.split()) for piece in parser.pieces
              for p in SHOWN.sub("", piece).split(BREAK)]
    where_read = [int(n) for piece in parser.pieces for n in SHOWN.findall(piece)]
    env = Environment(autoescape=True)  # parsed only, never rendered
    pieces += [s for n in where_read for out in env.parse(tags[n]).find_all(nodes.Output)
               for e in out.nodes for s in _shown(e)]
    pieces += _literals(env.parse(source))
    return list(dict.fromkeys(p for p in pieces if has_word(p)))


def _templates() -> list[str]:
    return [str(p.relative_to(TEMPLATES)) for p in sorted(TEMPLATES.rglob("*.html"))]


@pytest.mark.parametrize("template", _templates())
def test_a_template_holds_no_word(template: str) -> None:
    assert texts((TEMPLATES / template).read_text()) == []


@pytest.mark.parametrize("template", _templates())
def test_no_value_goes_into_a_single_quoted_attribute(template: str) -> None:
    assert SINGLE_QUOTED_VALUE.findall((TEMPLATES / template).read_text()) == []


def test_the_rule_finds_a_word_wherever_it_hides() -> None:
    """The check is not blind: a label between tags, beside a Jinja tag, in an attribute a
    screen reader reads or in a Jinja string the page shows is found; markup, codes, endpoints,
    date formats, punctuation and the catalogue's values are not."""
    found = texts("""<h1>Details for your IT team</h1>
<p class="muted" id="x-1">{{ panel_words.SAVED }} · {{ n }} (—)</p>
<p>{{ a }} of {{ b }}</p>
<section aria-label="Patient" data-state="{{ s }}"><svg><title>Missed</title></svg></section>
<img alt="{{ w.LOGO }}"><input placeholder="Type here">
{% if mode == "entered-in-error" %}{{ url_for('static', filename='panel.css') }}{% endif %}
{{ kept.strftime("%b %Y, %H:%M") }} {{ x|replace(' ', '-') }} {{ n }}{{ "" if n == 1 }}
<span class="end">{{ "lowest" if not f.reversed else "highest" }}</span>
<a href="/healthz">/healthz</a>
<text text-anchor="{{ 'start' if loop.first else 'end' }}" x="1">{{ label }}</text>
{{ who.display or "the client" }} {{ names|join(" and ") }} {{ score(x, r or "rater unknown") }}
{% set button = "Make a new link" %}
<script>const s = "This is code, not a word for anyone.";</script>""")
    assert found == ["Details for your IT team", "of", "Patient", "Missed", "Type here",
                     "lowest", "highest", "the client", " and ", "Make a new link",
                     "rater unknown"]
