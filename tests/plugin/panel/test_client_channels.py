"""The panel counts the client's own answers like any other rating, whichever way they came
(a hand-off, a link on their phone, their patient portal, a paper form typed in): the status
line, the session's state and the trend read them alike; only the "how it came" differs."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from plugin.fhir.readers import CHANNEL_SYSTEM
from plugin.panel.view import PanelView, build_panel
from tests.support.panel_data import DAY0, encounter, reads, response

CHANNELS = ("handoff", "link", "portal", "paper")


def by(channel: str | None, qr: dict[str, Any]) -> dict[str, Any]:
    tagged = copy.deepcopy(qr)
    if channel:
        tagged["meta"]["tag"] = [{"system": CHANNEL_SYSTEM, "code": channel}]
    return tagged


def panel(channel: str | None) -> PanelView:
    """Six weekly sessions, each rated by both; the client's answers for the session in
    context (e5, low) came by ``channel``; the therapist has not rated it yet."""
    history = [response(n, rater, "high") for n in range(5) for rater in ("client", "therapist")]
    history.append(by(channel, response(5, "client", "low")))
    return build_panel(reads([encounter(n) for n in range(6)], history), "e5",
                       DAY0 + datetime.timedelta(weeks=5))


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_status_line_counts_the_clients_own_answers_like_a_hand_off(channel: str) -> None:
    view = panel(channel)
    assert view.cards is not None and panel("handoff").cards is not None
    assert view.cards.status == panel("handoff").cards.status
    status = view.cards.status
    assert status.startswith("Latest ratings, ") and "client" in status
    assert "This session: no therapist rating yet." in status
    assert view.current_state == "client-rated"
    [answers] = view.current_responses
    assert answers.channel == channel and answers.counts
    assert ("e5", "client") in {(s.encounter_id, s.rater) for s in view.scored}
    assert any(g.rater == "client" and g.encounter_id == "e5" for g in view.alerts)


def test_the_clients_own_answers_and_the_therapists_rating_make_the_session_complete() -> None:
    history = [by("link", response(0, "client", "high")), response(0, "therapist", "high")]
    view = build_panel(reads([encounter(0)], history), "e0", DAY0)
    assert view.current_state == "client- and therapist-rated"
    assert view.cards is not None and "no therapist rating" not in view.cards.status
    assert "no client rating" not in view.cards.status
