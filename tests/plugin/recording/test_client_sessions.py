"""The session a client answering from their portal is asked about (client_sessions.py)."""

from __future__ import annotations

import datetime

from plugin.fhir.readers import Session
from plugin.recording.client_sessions import session_to_answer

TODAY = datetime.date(2026, 12, 7)


def _on(sid: str, days: int, status: str = "attended") -> Session:
    return Session(sid, "Encounter", TODAY + datetime.timedelta(days=days), "Therapy", status)


def test_the_nearer_of_the_last_and_the_next_session():
    assert session_to_answer([_on("a", -6), _on("b", 1)], TODAY).id == "b"
    assert session_to_answer([_on("a", -1), _on("b", 6)], TODAY).id == "a"
    assert session_to_answer([_on("a", -2), _on("b", 2)], TODAY).id == "a"  # tie: the last
    assert session_to_answer([_on("old", -30), _on("a", 0)], TODAY).id == "a"


def test_never_a_cancelled_or_undated_session_and_none_when_there_is_none():
    undated = Session("u", "Encounter", None, "Therapy", "attended")
    assert session_to_answer([_on("c", 0, "cancelled"), undated, _on("a", -3)], TODAY).id == "a"
    assert session_to_answer([undated], TODAY) is None
    assert session_to_answer([], TODAY) is None
