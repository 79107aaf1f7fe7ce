"""Simulated courses of therapy for the alert evaluation (alert_accuracy.py).

The assumptions below were fixed before the alert rules were designed or tuned, and nothing in
this module reads the rules or their thresholds: it knows the instruments (to answer them) and
nothing else of the app. docs/alert-accuracy.md states the same assumptions for readers.

Ratings (per rater and instrument):
- Each client has a true level (a total on the instrument's scale). The session's true level
  drifts around it and the drift persists: an AR(1) process with phi = 0.6 whose stationary SD
  is ``drift`` points of the total.
- Each item is the session's level (as an item mean) plus the client's own item offset (SD 0.25
  of an item point, fixed for the course) plus session noise (``item_noise``), then rounded to
  the nearest option (SRS: to 0.1 of the 10 cm line) and clipped to the item's range, so high
  levels pile up at the ceiling (most stable SRS totals fall between 36 and 40).
- Forms are skipped: each rater misses 1 rated session in 10; each item is left blank with
  probability 3%.
- Check-in therapists rate lower than their clients (by 2 points of 24 on average, SD 1.5
  between pairs) and only moderately in step with them: the therapist's drift is 0.4 times the
  client's plus an independent drift of its own; of a client's sudden drop the therapist sees
  a third.

Calendars: weekly (70%) or fortnightly courses of 20 attended sessions; each booked slot is
cancelled by the client with probability 5%, by the clinic 4%, missed without notice 4%;
three courses in ten have one break of 3 to 5 weeks.

Events (sizes in raw points, from the issue that set them, not from the rules):
- a sudden drop of 5-8 of 24 (check-in), 6-10 of 40 (SRS), 8-14 of 60 (WAI-SR) at attended
  session 6 to 14, repaired the next session or left open to the end;
- a slow decline of the same size spread over 8 sessions, the level staying down after;
- SRS clients truly under the cut-off of 36: a true level 0.5 to 3 points under it.
Stable clients have a true level at least 1 point above the cut-off where one is published
(SRS: 37 to 39.5), else spread over the upper part of the scale.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

import fhir_profiles
from plugin.alliance import (
    Instrument,
    ScoredSession,
    Visit,
    instrument_from_questionnaire,
    score_answers,
)

SESSIONS = 20
START = datetime.date(2026, 1, 5)
PHI = 0.6
ITEM_OFFSET_SD = 0.25
SKIP_FORM = 0.10
BLANK_ITEM = 0.03
CLIENT_CANCELS, CLINIC_CANCELS, NO_SHOW = 0.05, 0.04, 0.04


@dataclass(frozen=True)
class Spec:
    """One instrument as the simulation answers it (all sizes in points of the total)."""

    name: str
    questionnaire: str
    therapist_form: str | None
    cutoff: float | None  # the published or project line the stable clients sit above
    stable: tuple[float, float]  # the range of stable clients' true totals
    drop: tuple[float, float]  # a clinically sized event
    drift: float  # stationary SD of the persisting drift
    item_noise: float  # session noise per item, in item points


SPECS = (
    Spec("check-in", "alliance-checkin-client", "alliance-checkin-therapist", 18.0,
         (19.0, 23.5), (5.0, 8.0), 1.0, 0.35),
    Spec("SRS", "srs", None, 36.0, (37.0, 39.5), (6.0, 10.0), 1.0, 0.5),
    Spec("WAI-SR", "wai-sr-client", None, None, (40.0, 56.0), (8.0, 14.0), 2.0, 0.35),
)


def instrument(name: str) -> Instrument:
    return instrument_from_questionnaire(fhir_profiles.questionnaire(name))


@dataclass
class Course:
    """A simulated client: the calendar, every rating made, and where the event happened."""

    visits: list[Visit]
    sessions: list[ScoredSession]
    attended: list[str]  # attended encounter ids, in order
    event_at: int | None = None  # index into ``attended`` of the event's first session
    event_end: int | None = None  # a slow decline: the index where it is complete
    rated: dict[tuple[str, str], bool] = field(default_factory=dict)  # (rater, id) -> filled

    @property
    def today(self) -> datetime.date:
        return self.visits[-1].date


def calendar(rng: random.Random) -> tuple[list[Visit], list[str]]:
    """Booked slots until SESSIONS are attended: (every visit, the attended ids in order)."""
    step = 7 if rng.random() < 0.7 else 14
    break_at = rng.randint(4, 15) if rng.random() < 0.3 else None
    day, visits, attended, slot = START, [], [], 0
    while len(attended) < SESSIONS:
        if break_at is not None and len(attended) == break_at:
            day += datetime.timedelta(weeks=rng.randint(3, 5))
            break_at = None
        vid = f"v{slot}"
        roll = rng.random()
        if roll < CLIENT_CANCELS:
            visits.append(Visit(vid, day, "cancelled", "client"))
        elif roll < CLIENT_CANCELS + CLINIC_CANCELS:
            visits.append(Visit(vid, day, "cancelled", "clinic"))
        elif roll < CLIENT_CANCELS + CLINIC_CANCELS + NO_SHOW:
            visits.append(Visit(vid, day, "no-show"))
        else:
            visits.append(Visit(vid, day, "attended"))
            attended.append(vid)
        day += datetime.timedelta(days=step)
        slot += 1
    return visits, attended


def drift(rng: random.Random, sd: float, n: int) -> list[float]:
    """A persisting AR(1) drift with stationary SD ``sd``."""
    innovation = sd * (1 - PHI ** 2) ** 0.5
    value, out = rng.gauss(0.0, sd), []
    for _ in range(n):
        out.append(value)
        value = PHI * value + rng.gauss(0.0, innovation)
    return out


def answers(rng: random.Random, inst: Instrument, total: float, offsets: dict[str, float],
            noise: float) -> dict[str, str | float | None]:
    """One filled form whose true total is ``total``: items noisy, rounded, clipped, some blank."""
    n = len(inst.items)
    out: dict[str, str | float | None] = {}
    for link, item in inst.items.items():
        if rng.random() < BLANK_ITEM:
            out[link] = None
            continue
        if item.numeric:
            level = total / n + offsets[link] + rng.gauss(0.0, noise)
            out[link] = round(min(max(level, item.minimum), item.maximum), 1)
            continue
        low, high = min(item.weights.values()), max(item.weights.values())
        level = total / n + offsets[link] + rng.gauss(0.0, noise)
        level = min(max(level, low), high)
        out[link] = min(item.weights, key=lambda c: abs(item.weights[c] - level))
    return out


def simulate(rng: random.Random, spec: Spec, true_totals: list[float], tag: str,
             event_at: int | None = None, event_end: int | None = None,
             drops: list[float] | None = None) -> Course:
    """A course whose client's true total per attended session is ``true_totals`` (the event
    included); ``drops`` is the event's size per session, a third of which the therapist sees."""
    visits, attended = calendar(rng)
    visits = [Visit(f"{tag}{v.id}", v.date, v.status, v.cancelled_by) for v in visits]
    attended = [f"{tag}{a}" for a in attended]
    days = {v.id: v.date for v in visits}
    course = Course(visits, [], attended, event_at, event_end)
    forms = [("client", spec.questionnaire)]
    if spec.therapist_form:
        forms.append(("therapist", spec.therapist_form))
    client_drift = drift(rng, spec.drift, SESSIONS)
    for rater, name in forms:
        inst = instrument(name)
        offsets = {link: rng.gauss(0.0, ITEM_OFFSET_SD) for link in inst.items}
        own = drift(rng, spec.drift, SESSIONS)
        gap = rng.gauss(2.0, 1.5) if rater == "therapist" else 0.0
        for i, encounter in enumerate(attended):
            if rng.random() < SKIP_FORM:
                course.rated[(rater, encounter)] = False
                continue
            if rater == "client":
                total = true_totals[i] + client_drift[i]
            else:
                seen = (drops[i] if drops else 0.0) * (2 / 3)
                total = true_totals[i] + seen - gap + 0.4 * client_drift[i] + 0.9 * own[i]
            score = score_answers(inst, answers(rng, inst, total, offsets, spec.item_noise))
            course.rated[(rater, encounter)] = score.total.sum is not None
            if score.total.sum is not None:
                course.sessions.append(ScoredSession(encounter, days[encounter], rater, score))
    return course


def stable(rng: random.Random, spec: Spec, tag: str) -> Course:
    level = rng.uniform(*spec.stable)
    return simulate(rng, spec, [level] * SESSIONS, tag)


def sudden_drop(rng: random.Random, spec: Spec, tag: str, repaired: bool) -> Course:
    level = rng.uniform(*spec.stable)
    size = rng.uniform(*spec.drop)
    at = rng.randint(6, 14)
    back = at + 1 if repaired else SESSIONS
    drops = [size if at <= i < back else 0.0 for i in range(SESSIONS)]
    return simulate(rng, spec, [level - d for d in drops], tag, at, back, drops)


def slow_decline(rng: random.Random, spec: Spec, tag: str) -> Course:
    level = rng.uniform(*spec.stable)
    size = rng.uniform(*spec.drop)
    at = rng.randint(6, 11)
    drops = [size * min(max(i - at + 1, 0), 8) / 8 for i in range(SESSIONS)]
    return simulate(rng, spec, [level - d for d in drops], tag, at, at + 7, drops)


def under_cutoff(rng: random.Random, spec: Spec, tag: str) -> Course:
    assert spec.cutoff is not None
    level = spec.cutoff - rng.uniform(0.5, 3.0)
    return simulate(rng, spec, [level] * SESSIONS, tag)
