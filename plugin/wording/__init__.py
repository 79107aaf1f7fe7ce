"""Every sentence and name a clinician or client reads, in one catalogue ready for translation.

- formats: dates, numbers, instrument and scale names, statuses (one name for one thing).
- alerts: each alert's reason and source (a threshold keeps its citation or "project default"),
  why a session was cancelled.
- status: the panel's cards, its state line, the session in context and its one next step, the
  chart's description.
- panel, record, handoff, client, pages: the longer sentences of the panel, the recording
  pages, the hand-off, the client's own pages and client links, and the other pages (signing
  in, the address's own page); templates receive them as values (``panel_words``,
  ``record_words``, ``handoff_words``, ``client_words``, ``page_words``) and hold the markup.
- trouble, error_pages: what a page says when something did not go as planned, and the error
  page's titles and sentences.

Each sentence is a named constant or a small function of what it mentions; a sentence around
a value shown in bold is a pair (the words before, the words after). The packages that decide
what is said (alliance, panel, web, launch, recording) pass the facts and hold no sentence
of their own:
tests/plugin/wording/test_catalogue.py and tests/plugin/web/test_templates_hold_markup.py state
the rule and keep it. Which sentence an error gets is decided in plugin/web/plain_words.py.
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
