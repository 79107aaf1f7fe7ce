"""From alerts to what a clinician reads first: one card per clinical situation, and one status
sentence on where the alliance stands now. Pure: alerts, rated sessions and today in; words out.

- A situation is a kind of event (a rupture, a low alliance, a drift down, the two raters apart,
  missed sessions), whoever rated it and whichever scale: client and therapist, total and
  subscales fold into one card whose evidence lists each alert (reason, rule, source).
- Open cards are what matters now: recent (``RECENT_DAYS``), or a rupture not yet repaired
  (the alert model's ``open`` when it has one). They are ordered by clinical weight; a repair is
  good news, shown apart. Everything else is history, newest first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from plugin.alliance import Alert, ScoredSession
from plugin.panel import wording

RECENT_DAYS = 42  # project default: six weekly sessions
RUPTURE_OPEN_DAYS = 84  # an unrepaired rupture stays open this long without a repair

# situation -> (weight: lower is more urgent, heading)
SITUATIONS = {
    "rupture": (1, "Rupture"),
    "early-low-alliance": (2, "Low alliance from the start"),
    "low-alliance": (3, "Low alliance"),
    "falling-trend": (4, "Drifting down"),
    "discrepancy": (5, "Client and therapist see it differently"),
    "attendance": (6, "Missed sessions"),
    "attendance-gap": (7, "Long gap between sessions"),
    "repair": (9, "Good news: repaired"),
}
LOW = ("low-alliance", "early-low-alliance")


@dataclass(frozen=True)
class Evidence:
    """One alert behind a card, for the "why" disclosure."""

    date: datetime.date
    encounter_id: str | None
    rater: str | None
    scale: str | None
    reason: str
    rule: str
    source: str


@dataclass(frozen=True)
class Card:
    situation: str
    heading: str
    summary: str  # one line in a clinician's words, numbers labelled
    first: datetime.date
    last: datetime.date
    encounter_id: str | None  # the newest session behind it (the link)
    raters: tuple[str, ...]
    scales: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    good_news: bool = False
    open: bool = True

    @property
    def weight(self) -> int:
        return SITUATIONS[self.situation][0]

    @property
    def anchor(self) -> str:
        return f"card-{self.situation}-{self.last.isoformat()}"


@dataclass(frozen=True)
class Cards:
    status: str  # the status sentence
    open: tuple[Card, ...]  # by clinical weight
    good_news: tuple[Card, ...]
    history: tuple[Card, ...]  # newest first


def situation_of(alert: Alert) -> str:
    """The alert's kind, with a gap in attendance apart from missed sessions."""
    if alert.kind == "attendance" and "gap" in alert.rule:
        return "attendance-gap"
    return str(alert.kind)


def _evidence(alert: Alert) -> Evidence:
    return Evidence(alert.date, alert.encounter_id, alert.rater, alert.scale, alert.reason,
                    alert.rule, str(getattr(alert, "source", "") or ""))


def _episodes(alerts: Sequence[Alert], situation: str) -> list[list[Alert]]:
    """Alerts of one situation split into episodes: a new one starts after a quiet spell of
    more than RECENT_DAYS (a rupture: at each new session date, since each is its own event)."""
    ordered = sorted(alerts, key=lambda a: a.date)
    episodes: list[list[Alert]] = []
    for alert in ordered:
        if episodes:
            last = episodes[-1][-1].date
            same = alert.date == last if situation in ("rupture", "repair") else (
                (alert.date - last).days <= RECENT_DAYS)
            if same:
                episodes[-1].append(alert)
                continue
        episodes.append([alert])
    return episodes


def _recent_apart(situation: str, members: Sequence[Alert],
                  today: datetime.date) -> list[list[Alert]]:
    """Absences: the recent ones on their own, so an open card never reaches back months."""
    if situation not in ("attendance", "attendance-gap"):
        return [list(members)]
    recent = [a for a in members if (today - a.date).days <= RECENT_DAYS]
    return [part for part in ([a for a in members if a not in recent], recent) if part]


def _repaired_after(day: datetime.date, rater_set: AbstractSet[str],
                    repairs: Sequence[Alert]) -> bool:
    return any(r.date > day and (r.rater in rater_set or not rater_set) for r in repairs)


def _is_open(situation: str, members: Sequence[Alert], repairs: Sequence[Alert],
             today: datetime.date) -> bool:
    flags = [getattr(a, "open", None) for a in members]
    last = max(a.date for a in members)
    if situation == "rupture":
        raters = {a.rater for a in members if a.rater}
        if any(f is False for f in flags) or _repaired_after(last, raters, repairs):
            return False
        return (today - last).days <= RUPTURE_OPEN_DAYS
    if any(f is False for f in flags) and all(f is not None for f in flags):
        return False
    return (today - last).days <= RECENT_DAYS


def _who(raters: Iterable[str | None]) -> str:
    found = wording.raters_in_order(r for r in raters if r)
    return " and ".join(found) if found else ""


def _latest_values(members: Sequence[Alert], scored: Sequence[ScoredSession]) -> str:
    """The newest total of each rater behind the card, labelled: "Check-in 13 of 24, client"."""
    last = max(a.date for a in members)
    raters: set[str] = {a.rater for a in members if a.rater} or set(wording.RATER_ORDER)
    latest = {s.rater: s for s in sorted(scored, key=lambda s: s.date) if s.date <= last}
    return "; ".join(
        wording.score(latest[r].score.total.sum, latest[r].score.instrument_url,
                      latest[r].score.total.maximum, r)
        for r in wording.RATER_ORDER if r in latest and r in raters)


def _summary(situation: str, members: Sequence[Alert], scored: Sequence[ScoredSession]) -> str:
    first, last = min(a.date for a in members), max(a.date for a in members)
    scales = sorted({a.scale for a in members if a.scale and a.scale != "total"},
                    key=list(wording.SCALE_NAMES).index)
    names = [wording.SCALE_NAMES[s].lower() for s in scales]
    parts = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""
    values = _latest_values(members, scored)
    sessions = len({a.date for a in members})
    if situation == "rupture":
        text = f"Sudden drop on {wording.day(last)}"
    elif situation == "repair":
        text = f"Back near the usual level on {wording.day(last)}"
    elif situation in LOW:
        text = f"Under the low line since {wording.day(first)}" + (
            f", {sessions} sessions" if sessions > 1 else "")
    elif situation == "falling-trend":
        text = f"Lower than usual since {wording.day(first)}"
    elif situation == "discrepancy":
        text = f"Client and therapist apart on {wording.day(last)}"
    elif situation == "attendance":
        return (f"{sessions} sessions missed since {wording.day(first)}." if sessions > 1
                else f"A session missed on {wording.day(last)}.")
    else:
        return f"A long gap without a session, up to {wording.day(last)}."
    text += f": {values}." if values else "."
    if parts:
        verb = {"rupture": "fell too", "repair": "came back too"}.get(situation, "also low")
        text += f" {parts[0].upper()}{parts[1:]} {verb}."
    return text


def _card(situation: str, members: Sequence[Alert], repairs: Sequence[Alert],
          scored: Sequence[ScoredSession], today: datetime.date) -> Card:
    ordered = sorted(members, key=lambda a: (a.date, wording.RATER_ORDER.index(a.rater)
                                             if a.rater in wording.RATER_ORDER else 9))
    newest = ordered[-1]
    heading = SITUATIONS.get(situation, (8, situation))[1]
    is_open = _is_open(situation, members, repairs, today)
    if situation == "rupture" and is_open:
        heading = "Rupture, not yet repaired"
    return Card(
        situation=situation, heading=heading, summary=_summary(situation, ordered, scored),
        first=ordered[0].date, last=newest.date, encounter_id=newest.encounter_id,
        raters=tuple(wording.raters_in_order(a.rater for a in members if a.rater)),
        scales=tuple(dict.fromkeys(a.scale for a in ordered if a.scale)),
        evidence=tuple(_evidence(a) for a in reversed(ordered)),
        good_news=situation == "repair", open=is_open,
    )


def _fold_drift_into_low(cards: list[Card]) -> list[Card]:
    """A drift down while the alliance is low is one situation: one card, both findings."""
    low = next((c for c in cards if c.open and c.situation in LOW), None)
    drift = [c for c in cards if c.open and c.situation == "falling-trend"]
    if low is None or not drift:
        return cards
    evidence = sorted((*low.evidence, *(e for d in drift for e in d.evidence)),
                      key=lambda e: e.date, reverse=True)
    merged = replace(low, heading=f"{low.heading}, drifting down", evidence=tuple(evidence),
                     raters=tuple(wording.raters_in_order({*low.raters,
                                                           *(r for d in drift for r in d.raters)})))
    return [merged if c is low else c for c in cards if c not in drift]


def build_cards(alerts: Iterable[Alert], scored: Sequence[ScoredSession],
                today: datetime.date) -> Cards:
    by_situation: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_situation.setdefault(situation_of(alert), []).append(alert)
    repairs = by_situation.get("repair", [])
    cards = [_card(situation, episode, repairs, scored, today)
             for situation, members in by_situation.items()
             for part in _recent_apart(situation, members, today)
             for episode in _episodes(part, situation)]
    cards = _fold_drift_into_low(cards)
    open_cards = sorted((c for c in cards if c.open and not c.good_news),
                        key=lambda c: (c.weight, -c.last.toordinal()))
    good = sorted((c for c in cards if c.open and c.good_news), key=lambda c: c.last,
                  reverse=True)[:1]
    history = sorted((c for c in cards if c not in open_cards and c not in good),
                     key=lambda c: c.last, reverse=True)
    return Cards(status_line(open_cards, good, scored), tuple(open_cards), tuple(good),
                 tuple(history))


def status_line(open_cards: Sequence[Card], good: Sequence[Card],
                scored: Sequence[ScoredSession]) -> str:
    """One sentence: where the alliance stands now and what changed."""
    if not scored and not open_cards and not good:
        return "No alliance recorded yet."
    phrases = []
    for card in open_cards:
        if card.situation == "rupture":
            phrases.append(f"rupture on {wording.day(card.last)}, not yet repaired")
        elif card.situation in (*LOW, "falling-trend"):
            who = _who(card.raters)
            phrase = f"lower than usual since {wording.day(card.first)}"
            if card.situation != "falling-trend":
                phrase = f"low since {wording.day(card.first)}"
                if "drifting" in card.heading:
                    phrase += " and drifting down"
            phrases.append(phrase + (f" ({who})" if who else ""))
        elif card.situation == "discrepancy":
            phrases.append(f"client and therapist apart on {wording.day(card.last)}")
        elif card.situation == "attendance":
            count = len({e.date for e in card.evidence})
            phrases.append(f"{_count_words(count)} missed since {wording.day(card.first)}"
                           if count > 1 else f"a session missed on {wording.day(card.last)}")
        elif card.situation == "attendance-gap":
            phrases.append(f"a long gap up to {wording.day(card.last)}")
    for card in good:
        phrases.append(f"repaired on {wording.day(card.last)}")
    if not phrases:
        return "Steady, nothing that needs attention. " + _latest(scored) + "."
    if not open_cards:
        return "Steady now: " + phrases[-1] + "; nothing that needs attention."
    text = "; ".join(dict.fromkeys(phrases))
    text = text[0].upper() + text[1:] + "."
    ratings = {c.situation for c in open_cards} - {"attendance", "attendance-gap"}
    if scored and not ratings:  # only absences: say where the ratings stand as well
        text += " Ratings steady. " + _latest(scored) + "."
    return text


def _count_words(count: int) -> str:
    words = {2: "two sessions", 3: "three sessions", 4: "four sessions"}
    return words.get(count, f"{count} sessions")


def _latest(scored: Sequence[ScoredSession]) -> str:
    newest = max(scored, key=lambda s: s.date)
    same_day = [s for s in scored if s.date == newest.date]
    values = "; ".join(
        wording.score(s.score.total.sum, s.score.instrument_url, s.score.total.maximum, s.rater)
        for s in sorted(same_day, key=lambda s: wording.RATER_ORDER.index(s.rater)
                        if s.rater in wording.RATER_ORDER else 9))
    return f"Latest, {wording.day(newest.date)}: {values}"
