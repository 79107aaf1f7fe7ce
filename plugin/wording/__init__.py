"""Every sentence and name a clinician or client reads, in one catalogue ready for translation.

- formats: dates, numbers, instrument and scale names, statuses (one name for one thing).
- trouble: what a page says when something did not go as planned (a save that failed or waits,
  an error page, where ratings are kept).
- panel, record: the longer sentences of the panel's and the recording pages, which the
  templates receive as values (the templates hold markup).

Each sentence is a named constant or a small function of what it mentions. Which sentence an
error gets is decided in plugin/web/plain_words.py; this package decides only the words.
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
