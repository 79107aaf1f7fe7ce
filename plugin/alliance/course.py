"""The course of therapy the rules read: session numbers, each rated series, and the words
every alert shares (instrument label, scale, the proration mark).

A session's number counts the client's sessions in the course, whatever instrument (if any)
was filled in: the first WAI-SR in week 11 is in session 11, not "session 1". The course is
the attended visits when they are known, else every rated encounter.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plugin.alliance.alerts import ScoredSession, Visit
from plugin.alliance.norms import FormNorms, Sourced
from plugin.alliance.scoring import ScaleScore
from plugin.alliance.vocabulary import TOTAL
from plugin.wording import alerts as words

SCALE_NAMES = {TOTAL: "total", "goal": "agreement on goals", "task": "agreement on tasks",
               "bond": "bond"}


@dataclass(frozen=True)
class Course:
    """Session numbers of the client's course."""

    ids: dict[str, int]
    days: tuple[datetime.date, ...]

    def number(self, encounter_id: str, day: datetime.date) -> int:
        found = self.ids.get(encounter_id)
        return found if found is not None else max(bisect.bisect_right(self.days, day), 1)


def course_of(sessions: Sequence[ScoredSession], visits: Iterable[Visit]) -> Course:
    attended = sorted((v.date, v.id) for v in visits if v.status == "attended")
    if not attended:
        first: dict[str, datetime.date] = {}
        for s in sorted(sessions, key=lambda s: s.date):
            first.setdefault(s.encounter_id, s.date)
        attended = sorted((d, e) for e, d in first.items())
    return Course({e: i + 1 for i, (_, e) in enumerate(attended)},
                  tuple(d for d, _ in attended))


def fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def scale_words(form: FormNorms | None, title: str, scale: str) -> str:
    """'SRS total' or 'WAI-SR bond': which instrument and which of its scales."""
    label = form.label if form is not None else title
    return f"{label} {SCALE_NAMES.get(scale, scale)}"


def out_of(score: ScaleScore, value: float | None = None) -> str:
    """'31 of 40', with the proration said when some items were missing."""
    shown = score.sum if value is None else value
    return words.out_of(fmt(shown or 0.0), fmt(score.maximum),
                        (score.answered, score.n_items) if score.prorated else None)


def is_project_default(value: Sourced) -> bool:
    return value.source.lower().startswith("project default")


def sourced_size(value: Sourced) -> str:
    """'4 points (project default)': a size, labelled where it is not from a source."""
    return words.points(fmt(value.value or 0.0), project_default=is_project_default(value))


def line_words(cutoff: Sourced) -> str:
    """'the published cut-off of 36' or 'the line of 18 (project default)'."""
    return words.line(fmt(cutoff.value or 0.0), project_default=is_project_default(cutoff))


def caveat(form: FormNorms | None) -> str:
    """The sentence an unvalidated tool's score is never shown without."""
    if form is None or form.validated or not form.note:
        return ""
    return words.caveat(form.label, form.note)


def series_by_form(sessions: Sequence[ScoredSession]) -> dict[tuple[str, str],
                                                                list[ScoredSession]]:
    """Each rater's sessions per instrument, oldest first: every instrument is read on its own."""
    out: dict[tuple[str, str], list[ScoredSession]] = {}
    for s in sorted(sessions, key=lambda s: (s.date, s.encounter_id)):
        out.setdefault((s.rater, s.score.instrument_url), []).append(s)
    return out
