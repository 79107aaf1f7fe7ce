"""From alerts to what a clinician reads first: the status line (facts only), what is worth
asking about today (prompts), open alerts, good news and history. Pure: alerts, rated sessions,
the course's attended sessions and today in; words out.

- The status line states facts: the latest scores against the client's usual, what is open,
  what is worth asking about, what came back, and what is missing. It never says that nothing
  needs attention: silence of the rules is not a finding.
- Prompts ("worth asking about") are those of the latest rated day. Alerts stay open until the
  data shows otherwise (the alert model's ``open``), whoever rated and whatever their age. An
  alert card folds the alerts of one situation and day (client and therapist, total and
  subscales) and lists each as evidence. News (back near usual) is shown where it happens.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from plugin import wording
from plugin.alliance import Alert, AlertSettings, ScoredSession
from plugin.wording import status as words

RECENT_DAYS = 42  # project default: six weekly sessions; older news and absences are history
MISSING_WINDOW = 3  # project default: the last sessions checked for a missing rating

# situation -> weight: lower is more urgent (headings: plugin/wording/status.py)
WEIGHTS = {"rupture": 1, "attendance-unhappy": 2, "low-alliance": 3, "falling-trend": 4,
           "discrepancy": 5, "attendance": 6, "attendance-gap": 7, "drop": 1, "under-line": 2,
           "discrepancy-today": 3, "repair": 9}


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
    open: bool = True


@dataclass(frozen=True)
class Card:
    situation: str
    heading: str
    summary: str  # what was observed, in a clinician's words, numbers labelled
    first: datetime.date
    last: datetime.date
    encounter_id: str | None  # the session behind it (the link)
    raters: tuple[str, ...]
    scales: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    good_news: bool = False
    open: bool = True
    level: str = "alert"

    @property
    def weight(self) -> int:
        return WEIGHTS.get(self.situation, 8)

    @property
    def anchor(self) -> str:
        return f"card-{self.situation}-{self.first.isoformat()}"


@dataclass(frozen=True)
class Cards:
    status: str  # the status line: facts, one short sentence each
    prompts: tuple[Card, ...]  # worth asking about today
    open: tuple[Card, ...]  # open alerts, by clinical weight
    good_news: tuple[Card, ...]
    history: tuple[Card, ...]  # newest first


def situation_of(alert: Alert) -> str:
    if alert.kind == "attendance" and alert.rule == "gap":
        return "attendance-gap"
    if alert.kind == "attendance" and alert.rule == "client-unhappy":
        return "attendance-unhappy"
    if alert.kind == "discrepancy" and alert.level == "prompt":
        return "discrepancy-today"
    return str(alert.kind)


def _evidence(alert: Alert) -> Evidence:
    return Evidence(alert.date, alert.encounter_id, alert.rater, alert.scale, alert.reason,
                    alert.rule, alert.source, alert.open)


def _card(situation: str, members: Sequence[Alert]) -> Card:
    order = {"total": 0, "goal": 1, "task": 2, "bond": 3}
    ordered = sorted(members, key=lambda a: (
        wording.RATER_ORDER.index(a.rater) if a.rater in wording.RATER_ORDER else 9,
        order.get(a.scale or "", 9)))
    lead = ordered[0]
    heading = words.HEADINGS.get(situation, situation)
    is_open = any(a.open for a in members)
    if situation == "rupture" and not is_open:
        heading = words.RUPTURE_BACK
    return Card(
        situation=situation, heading=heading, summary=lead.reason,
        first=min(a.date for a in members), last=max(a.date for a in members),
        encounter_id=lead.encounter_id,
        raters=tuple(wording.raters_in_order(a.rater for a in members if a.rater)),
        scales=tuple(dict.fromkeys(a.scale for a in ordered if a.scale)),
        evidence=tuple(_evidence(a) for a in ordered),
        good_news=lead.good_news, open=is_open, level=lead.level)


def _group(alerts: Iterable[Alert]) -> list[Card]:
    """One card per situation and day (one event seen by both raters or on several scales);
    the client's absences one card while open, each on its own once history."""
    groups: dict[tuple[str, datetime.date | None], list[Alert]] = {}
    for alert in alerts:
        situation = situation_of(alert)
        together = situation == "attendance" and alert.open
        groups.setdefault((situation, None if together else alert.date), []).append(alert)
    return [_absences(members) if situation == "attendance"
            else _card(situation, members) for (situation, _), members in groups.items()]


def _absence_heading(members: Sequence[Alert]) -> str:
    """The session list's own words: cancelled by the client, did not attend, or both."""
    rules = {a.rule for a in members}
    absences = words.ABSENCE_WORDS
    return absences[rules.pop()] if len(rules) == 1 and rules <= set(absences) else (
        words.ABSENCES_MIXED)


def _absences(members: Sequence[Alert]) -> Card:
    """Recent absences as one card: how many since when, the latest in its own words."""
    ordered = sorted(members, key=lambda a: a.date)
    card = _card("attendance", [ordered[-1]])
    return replace(card, first=ordered[0].date, heading=_absence_heading(ordered), summary=(
        words.sessions_missed(len(ordered), wording.day(ordered[0].date),
                              wording.day(ordered[-1].date))
        if len(ordered) > 1 else ordered[0].reason),
        evidence=tuple(_evidence(a) for a in reversed(ordered)))


def _fold_slides(cards: list[Card]) -> list[Card]:
    """An open slide of a rater whose rupture is open is the same event seen twice (a fall
    from the usual level that has not come back): one card, both findings as evidence."""
    slides = {id(c): c for c in cards if c.situation == "falling-trend" and c.open}
    folded: set[int] = set()
    out = []
    for card in cards:
        if id(card) in slides:
            continue
        mine = [s for s in slides.values() if card.situation == "rupture" and card.open
                and set(s.raters) & set(card.raters)]
        if mine:
            folded |= {id(s) for s in mine}
            card = replace(card, heading=words.RUPTURE_SLIDING,
                           evidence=(*card.evidence, *(e for s in mine for e in s.evidence)))
        out.append(card)
    return out + [s for key, s in slides.items() if key not in folded]


def build_cards(alerts: Iterable[Alert], scored: Sequence[ScoredSession], today: datetime.date,
                attended: Sequence[str] = (), current: str | None = None) -> Cards:
    """``attended``: the attended sessions' encounter ids, oldest first, and ``current`` the
    session in context (for what is missing)."""
    every = list(alerts)
    latest_day = max((s.date for s in scored), default=None)
    prompts = [a for a in every if a.level == "prompt"]
    today_prompts = sorted(_group(a for a in prompts if a.date == latest_day and a.open),
                           key=lambda c: c.weight)
    cards = _fold_slides(_group(a for a in every if a.level != "prompt"))
    open_cards = sorted((c for c in cards if c.open and not c.good_news),
                        key=lambda c: (c.weight, -c.first.toordinal()))
    good = sorted((c for c in cards if c.good_news and (today - c.last).days <= RECENT_DAYS
                   and not _overtaken(c, every)), key=lambda c: c.last, reverse=True)
    history = sorted((c for c in cards if c not in open_cards and c not in good),
                     key=lambda c: c.last, reverse=True)
    held: dict[tuple[str | None, str | None], float] = {
        (a.rater, a.instrument): a.values["usual"] for a in every
        if a.kind == "rupture" and a.open and a.scale == "total" and "usual" in a.values}
    status = status_line(open_cards, today_prompts, good, scored, attended, current, held)
    return Cards(status, tuple(today_prompts), tuple(open_cards), tuple(good), tuple(history))


def _overtaken(news: Card, alerts: Sequence[Alert]) -> bool:
    """Good news is history once the same rater's ratings raised something after it (a
    repair in November is not news beside a new drop today)."""
    return any(a.date > news.last and a.rater in news.raters and not a.good_news
               and a.kind != "attendance" for a in alerts)


def usual_level(scored: Sequence[ScoredSession], newest: ScoredSession) -> float | None:
    """The median of the earlier totals of the same rater and instrument, over the rules'
    baseline window (the usual level the alerts compare with)."""
    settings = AlertSettings()
    earlier = [s.score.total.sum for s in sorted(scored, key=lambda s: s.date)
               if s.rater == newest.rater and s.score.instrument_url == newest.score.instrument_url
               and s.date < newest.date and s.score.total.sum is not None]
    earlier = earlier[-settings.baseline_window:]
    if len(earlier) < settings.baseline_min_sessions:
        return None
    return float(statistics.median(earlier))


def _latest(scored: Sequence[ScoredSession],
            held: Mapping[tuple[str | None, str | None], float]) -> str:
    newest_day = max(s.date for s in scored)
    parts = []
    for s in sorted((s for s in scored if s.date == newest_day),
                    key=lambda s: wording.RATER_ORDER.index(s.rater)
                    if s.rater in wording.RATER_ORDER else 9):
        text = wording.score(s.score.total.sum, s.score.instrument_url, s.score.total.maximum,
                             s.rater)
        usual = held.get((s.rater, s.score.instrument_url), usual_level(scored, s))
        if usual is not None:
            text = words.with_usual(text, wording.number(usual, s.score.instrument_url))
        parts.append(text)
    return words.latest(wording.day(newest_day), parts)


def _missing(scored: Sequence[ScoredSession], attended: Sequence[str]) -> list[str]:
    recent = list(attended)[-MISSING_WINDOW:]
    if len(recent) < MISSING_WINDOW:
        return []
    out = []
    for rater in wording.RATER_ORDER:
        rated = {s.encounter_id for s in scored if s.rater == rater}
        if not rated:
            continue
        gaps = sum(1 for e in recent if e not in rated)
        if gaps >= 2 or gaps == len(recent):
            out.append(words.missing(rater, gaps, len(recent)))
    return out


def _open_words(card: Card) -> str:
    """'rupture since 3 Nov 2026 (client)'; absences in the session list's words."""
    if card.situation != "attendance":
        said = words.STATUS_WORDS.get(card.situation, card.heading.lower())
        return words.open_since(said, wording.day(card.first), _who(card))
    said = card.heading[0].lower() + card.heading[1:]
    count = len(card.evidence)
    if count == 1:
        return words.absent_once(said, wording.day(card.first))
    return words.absent_times(said, count, wording.day(card.first))


def _who(card: Card) -> str:
    return words.raters(card.raters)


def status_line(open_cards: Sequence[Card], prompts: Sequence[Card], good: Sequence[Card],
                scored: Sequence[ScoredSession], attended: Sequence[str] = (),
                current: str | None = None,
                held: Mapping[tuple[str | None, str | None], float] | None = None) -> str:
    """Facts, one short sentence each; never a claim that nothing needs attention. ``held``:
    the usual level an open rupture is measured against, per rater and instrument (the
    ratings since the drop are not the client's usual)."""
    if not scored and not open_cards:
        return words.NOTHING_RECORDED
    sentences = [_latest(scored, held or {})] if scored else []
    if prompts:
        sentences.append(words.worth_asking([c.heading.lower() + _who(c) for c in prompts]))
    if open_cards:
        sentences.append(words.still_open(list(map(_open_words, open_cards))))
    for card in good[:1]:
        sentences.append(words.back_near_usual(wording.day(card.last), _who(card)))
    sentences += _missing(scored, attended)
    sentences += _not_yet(scored, current)
    return " ".join(sentences)


def _not_yet(scored: Sequence[ScoredSession], current: str | None) -> list[str]:
    """This session rated by one rater and not yet by another who rates this client (a
    session rated by no one says so in its own card, just below)."""
    done = {s.rater for s in scored if s.encounter_id == current}
    if current is None or not done:
        return []
    raters = {s.rater for s in scored}
    return [words.not_yet(rater) for rater in wording.RATER_ORDER
            if rater in raters and rater not in done]
