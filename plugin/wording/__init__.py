"""Every word a clinician or client reads, in one catalogue ready for translation.

- formats: dates, numbers, instrument and scale names, statuses (one name for one thing).
- alerts: each alert's reason and source (a threshold keeps its citation or "project default"),
  why a session was cancelled.
- status: the panel's cards, its state line, the session in context and its one next step, the
  chart's description.
- panel, record, rating, handoff, client, pages: everything else the pages show, sentences
  and short text alike (headings, labels, button names, table headers, titles, what a screen
  reader reads) for the panel, the recording pages, a stored rating's page, the hand-off, the
  client's own pages and client links, and the other pages (signing in, the address's own
  page; the product's name, the pages' titles and the labels every page uses); templates
  receive them as values (``panel_words``, ``record_words``, ``rating_words``,
  ``handoff_words``, ``client_words``, ``page_words``) and hold the markup only.
- trouble, error_pages: what a page says when something did not go as planned, and the error
  page's titles and sentences.

Each piece of text is a named constant or a small function of what it mentions, whole: a
phrase around values names them ("This session, {day}:", "(prorated: {answered} of {items}
items answered)"), never a fragment a template completes. A sentence around a value shown in
bold or as a link is a pair (the words before, the words after). The packages that decide
what is said (alliance, panel, web, launch, recording) pass the facts and hold no sentence
of their own:
tests/plugin/wording/test_catalogue.py (no sentence in their modules) and
tests/plugin/web/test_templates_hold_markup.py (no word in a template) state the rule and keep
it. Which sentence an error gets is decided in plugin/web/plain_words.py.
Imports nothing of plugin: every layer may use it.
"""

from __future__ import annotations

from plugin.wording.formats import (
    RATER_ORDER,
    SCALE_NAMES,
    InstrumentName,
    activity,
    alert_word,
    day,
    instrument_name,
    moment,
    number,
    raters_in_order,
    record_status,
    score,
    session_status,
)

__all__ = [
    "RATER_ORDER", "SCALE_NAMES", "InstrumentName", "activity", "alert_word", "day",
    "instrument_name", "moment", "number", "raters_in_order", "record_status", "score",
    "session_status",
]
