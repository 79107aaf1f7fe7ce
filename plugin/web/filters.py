"""Template filters: the one wording of dates, scores, statuses and raters (plugin/wording);
and the templates compiled once per process."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from plugin import wording
from plugin.web import plain_words
from plugin.wording import client, handoff, pages, panel, rating, record, trouble


class CompiledTemplates(BytecodeCache):
    """Each template's compiled code, kept in memory for every app the process makes: each
    create_app (one per worker; dozens in a test run) would otherwise compile all templates
    again. Jinja checks each entry against its template's source, so an edited template is
    compiled afresh."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


def init_app(app: Flask) -> None:
    app.add_template_filter(wording.day, "day")
    app.add_template_filter(wording.moment, "moment")
    app.add_template_filter(wording.raters_in_order, "raters_in_order")
    app.add_template_filter(wording.record_status, "record_status")
    app.add_template_filter(wording.session_status, "session_status")
    app.add_template_filter(wording.activity, "activity")
    app.add_template_filter(wording.number, "number")
    app.add_template_filter(wording.alert_word, "alert_word")
    app.add_template_global(wording.score, "score_text")
    app.add_template_global(wording.instrument_name, "instrument_name")
    app.jinja_env.globals["SCALE_NAMES"] = wording.SCALE_NAMES
    app.add_template_filter(caveat_of, "caveat_of")
    app.add_template_global(trouble.unsent, "unsent_words")
    for name, module in (("panel_words", panel), ("record_words", record),
                         ("rating_words", rating), ("handoff_words", handoff),
                         ("client_words", client), ("page_words", pages)):
        app.jinja_env.globals[name] = Words(module)
    app.add_template_global(plain_words.store_note, "store_note")
    app.add_template_global(plain_words.store_details, "store_details")


def caveat_of(url: str, caveats: dict[str, str]) -> str:
    return caveats.get(url, "")


class Words:
    """A catalogue module as the templates read it: every sentence escaped as HTML, its
    apostrophes kept as typed ("the client's", not "the client&#39;s"), so a page's text reads
    as it did when it was written into the template. Safe between tags and in double-quoted
    attributes, the only places templates put it (tests/plugin/web/test_templates_hold_markup.py);
    what a function of the catalogue mentions is escaped with it, once (a catalogue value given
    to one of its functions is read back as text)."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return as_text(getattr(self._module, name))


def as_text(value: Any) -> Any:
    if isinstance(value, str):
        return escape(value).replace(Markup("&#39;"), Markup("'"))
    if isinstance(value, tuple):
        return tuple(as_text(v) for v in value)
    if callable(value):
        function: Callable[..., Any] = value
        return lambda *args, **kwargs: as_text(function(*map(_plain, args), **{
            k: _plain(v) for k, v in kwargs.items()}))
    return value


def _plain(value: Any) -> Any:
    """A catalogue value given back to the catalogue (a label inside a title) as the text it
    is, so that it is escaped once."""
    return value.unescape() if isinstance(value, Markup) else value

