"""Template filters: the one wording of dates, scores, statuses and raters (plugin/wording)."""

from __future__ import annotations

from flask import Flask

from plugin import wording
from plugin.web import plain_words
from plugin.wording import client, handoff, pages, panel, record, trouble


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
    app.jinja_env.globals["panel_words"] = panel
    app.jinja_env.globals["record_words"] = record
    app.jinja_env.globals["handoff_words"] = handoff
    app.jinja_env.globals["client_words"] = client
    app.jinja_env.globals["page_words"] = pages
    app.add_template_global(plain_words.store_note, "store_note")
    app.add_template_global(plain_words.store_details, "store_details")


def caveat_of(url: str, caveats: dict[str, str]) -> str:
    return caveats.get(url, "")
