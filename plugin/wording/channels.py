"""How a client's own answers came, in the words of the panel's list of ratings not yet stored:
which answers an outbox item holds, and what the clinician does when they were refused for good.

One entry per channel a client answers by (plugin/recording saves them with that ``origin``):
a hand-off on the clinician's device, a one-time link on their own phone, their patient portal.
A channel not listed here is not the client's own answers (a clinician's rating, a paper form
typed in): ``None``, and the caller (panel.py's ``unsent_what``, ``not_stored_then``) words it
as a rating.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLIENT_OWN = {
    "handoff": "The client's own answers (given on the device you handed over)",
    "link": "The client's own answers (sent from their own phone with a link)",
    "portal": "The client's own answers (sent from their patient portal)",
}
ANSWER_AGAIN = {
    "handoff": "hand the questions to the client again",
    "link": "send the client a new link",
    "portal": "ask the client to answer again from their patient portal, or send them a link",
}


def client_own_answers(item: Mapping[str, Any]) -> str | None:
    """Which answers an outbox item holds, when they are the client's own; else None."""
    return CLIENT_OWN.get(str(item.get("origin") or ""))


def answer_again(item: Mapping[str, Any]) -> str | None:
    """What the clinician does when the client's own answers were not stored; else None."""
    return ANSWER_AGAIN.get(str(item.get("origin") or ""))
