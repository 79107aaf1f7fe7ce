"""Which session a client answering from their patient portal is asked about: their last
session or their next one, whichever is nearer to today (the last on a tie: its questions are
the ones a therapist waits for). Cancelled and entered-in-error sessions are never offered.
Pure: the caller reads the client's Encounters (with the client's own token) and gives the day.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from plugin.fhir.readers import Session

NOT_OFFERED = frozenset({"cancelled", "entered-in-error"})


def session_to_answer(sessions: Iterable[Session], today: datetime.date) -> Session | None:
    """The nearest dated session to ``today`` (last or next), or None when there is none."""
    dated = [s for s in sessions if s.day is not None and s.status not in NOT_OFFERED]
    last = max((s for s in dated if s.day is not None and s.day <= today),
               key=lambda s: s.day or today, default=None)
    upcoming = min((s for s in dated if s.day is not None and s.day > today),
                   key=lambda s: s.day or today, default=None)
    if last is None or upcoming is None:
        return last or upcoming
    assert last.day is not None and upcoming.day is not None
    return upcoming if (upcoming.day - today) < (today - last.day) else last
