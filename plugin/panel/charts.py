"""Geometry of the trend charts a clinician reads. Numbers only; the template draws inline SVG.

- Each instrument on its own scale: a chart per instrument and scale (total first, then goals,
  tasks and bond), client and therapist forms of one instrument on one chart.
- The instrument's low line drawn where it has one (the line the low-alliance alerts cite);
  where it has none (WAI-SR), the client's usual range shaded: the middle half of their ratings.
- A recent window (the last ``RECENT`` sessions, all on demand): the x axis is the sessions in
  the window, missed ones included and marked with a cross on the axis, dates labelled.
- Readable in black and white: client solid with filled circles, therapist dashed with open
  squares; a rating with an alert gets a solid ring around its point (never covering it), one
  worth asking about (a prompt) a dashed ring, a prorated score (some items unanswered) a dotted
  ring.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plugin import wording
from plugin.alliance import Instrument, NormSet, ScoredSession
from plugin.fhir.readers import Session
from plugin.panel.months import by_month
from plugin.panel.view import PanelView, Response, SessionRow
from plugin.wording import status

WIDTH, HEIGHT = 320.0, 132.0
LEFT, RIGHT, TOP, BOTTOM = 30.0, 12.0, 16.0, 32.0
RECENT = 12  # sessions shown by default (project default: about three months of weekly work)
MONTHLY_AFTER = 40  # a whole course longer than this many rated dates is drawn by month
USUAL_MIN = 4  # ratings before a usual range is drawn (project default)
MISSED = ("cancelled", "no-show")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    day: datetime.date
    encounter_id: str
    alert: str  # "alert", "prompt", "news" or "": the strongest signal on this rating and scale
    prorated: bool = False


@dataclass(frozen=True)
class Line:
    rater: str
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    key: str  # unique on the page, for ids
    scale: str
    title: str  # "Check-in total, 0 to 24"
    instrument_url: str
    minimum: float
    maximum: float
    lines: tuple[Line, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    missed: tuple[tuple[float, str], ...]  # x and date of each missed session in the window
    threshold: tuple[float, str] | None  # y and label of the instrument's low line
    usual: tuple[float, float, str] | None = None  # y top, y bottom, label: the client's usual
    second_threshold: tuple[float, str] | None = None  # the therapist form's low line, when apart
    published: bool = False  # the low line is a published cut-off, not a project default
    monthly: bool = False  # a long course drawn as one point a month (the month's mean)
    width: float = WIDTH
    height: float = HEIGHT

    @property
    def description(self) -> str:
        parts = []
        for line in self.lines:
            values = [wording.number(p.value, self.instrument_url) for p in line.points]
            parts.append(status.chart_line(
                line.rater, len(values), values[0], wording.day(line.points[0].day), values[-1],
                wording.day(line.points[-1].day), sum(p.prorated for p in line.points)))
        lows = None if not self.threshold else (
            self.threshold[1], self.second_threshold[1] if self.second_threshold else None)
        return status.chart_description(
            self.title, parts, missed=len(self.missed), lows=lows,
            published=self.published, usual=self.usual[2] if self.usual else None,
            monthly=self.monthly)


def _y(value: float, lo: float, hi: float) -> float:
    span = (hi - lo) or 1.0
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - lo) / span)


def _families(scored: Sequence[ScoredSession]) -> list[str]:
    """Instrument short names in order of first use, newest data first in importance."""
    counts: dict[str, int] = {}
    for s in scored:
        name = wording.instrument_name(s.score.instrument_url).short
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: -counts[n])


def window(sessions: Sequence[Session], scored: Sequence[ScoredSession],
           show_all: bool) -> list[datetime.date]:
    """The session dates on the x axis, oldest first: rated or missed, the last RECENT."""
    days = {s.day for s in sessions if s.day and s.status in MISSED}
    days |= {s.date for s in scored}
    ordered = sorted(days)
    return ordered if show_all else ordered[-RECENT:]


def _x_ticks(days: Sequence[datetime.date],
             x_of: dict[datetime.date, float]) -> tuple[tuple[float, str], ...]:
    """About four date labels, the newest always; the year where it changes (the window's first
    and last dates, with their years, are written above the charts)."""
    every = max(1, round(len(days) / 4))
    chosen = [i for i in range(len(days)) if i % every == 0]
    last = len(days) - 1
    if chosen[-1] != last:
        if last - chosen[-1] < max(2, every):
            chosen.pop()
        chosen.append(last)
    ticks, year = [], None
    for i in chosen:
        d = days[i]
        label = f"{d.day} {d:%b}" + (f" {d.year}" if year is not None and d.year != year else "")
        year = d.year
        ticks.append((x_of[d], label))
    return tuple(ticks)


def usual_range(values: Sequence[float]) -> tuple[float, float] | None:
    """The middle half (25th to 75th percentile) of a client's ratings on a scale: drawn where
    the instrument has no published cut-off (project default; at least USUAL_MIN ratings)."""
    if len(values) < USUAL_MIN:
        return None
    ordered = sorted(values)

    def at(q: float) -> float:
        pos = q * (len(ordered) - 1)
        low = int(pos)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

    return at(0.25), at(0.75)


def _cutoffs(norms: NormSet | None, members: Sequence[ScoredSession],
             code: str) -> dict[str, tuple[float, bool]]:
    """Each rater's low line of a scale from the norms, and whether it is published (client and
    therapist forms have their own; most forms have none: then no line is drawn rather than one
    borrowed)."""
    found: dict[str, tuple[float, bool]] = {}
    if norms is None:
        return found
    for rater in wording.RATER_ORDER:
        for url in dict.fromkeys(s.score.instrument_url for s in members if s.rater == rater):
            form = norms.get(url, rater)
            cutoff = form.scale(code).cutoff if form else None
            if cutoff is not None and cutoff.value is not None:
                published = not cutoff.source.lower().startswith("project default")
                found.setdefault(rater, (cutoff.value, published))
    return found


def build_trends(scored: Sequence[ScoredSession], instruments: Sequence[Instrument],
                 marks: Mapping[tuple[str, str, str], str], sessions: Sequence[Session] = (),
                 show_all: bool = False, norms: NormSet | None = None) -> list[TrendChart]:
    """The charts of every instrument in `scored`, over the window of sessions; a course longer
    than ``MONTHLY_AFTER`` rated dates, shown whole, as one point a month."""
    days = window(sessions, scored, show_all)
    if not days:
        return []
    monthly = show_all and len(days) > MONTHLY_AFTER
    if monthly:
        scored, sessions, marks = by_month(scored), (), {}
        days = sorted({s.date for s in scored})
    step = (WIDTH - LEFT - RIGHT) / max(len(days) - 1, 1)
    x_of = {day: LEFT + i * step for i, day in enumerate(days)}
    missed_days = sorted({s.day for s in sessions if s.day in x_of and s.status in MISSED})
    missed = tuple((x_of[d], wording.day(d)) for d in missed_days)
    x_ticks = _x_ticks(days, x_of)
    by_url = {i.url: i for i in instruments}
    charts = []
    for family in _families(scored):
        members = [s for s in scored if s.date in x_of
                   and wording.instrument_name(s.score.instrument_url).short == family]
        if not members:
            continue
        instrument = by_url.get(members[0].score.instrument_url)
        if instrument is None:
            continue
        for code in ("total", "goal", "task", "bond"):
            scale = instrument.scales.get(code)
            if scale is None:
                continue
            lo, hi = scale.minimum, scale.maximum
            lines = []
            for rater in wording.RATER_ORDER:
                points = tuple(
                    Point(x_of[s.date], _y(v, lo, hi), v, s.date, s.encounter_id,
                          marks.get((s.encounter_id, rater, code), ""),
                          s.score.scale(code).prorated)
                    for s in sorted(members, key=lambda s: s.date)
                    if s.rater == rater and (v := s.score.scale(code).sum) is not None
                )
                if points:
                    lines.append(Line(rater, points))
            if not lines:
                continue
            threshold = None
            usual = other = None
            lines_of = _cutoffs(norms, members, code)
            cutoffs = {r: v for r, (v, _) in lines_of.items()
                       if lo <= v <= hi and any(line.rater == r for line in lines)}
            ordered = [cutoffs[r] for r in wording.RATER_ORDER if r in cutoffs]
            published = all(p for r, (_, p) in lines_of.items() if r in cutoffs)
            if ordered:
                threshold = (_y(ordered[0], lo, hi), f"{ordered[0]:g}")
            if len(ordered) > 1 and ordered[1] != ordered[0]:
                other = (_y(ordered[1], lo, hi), f"{ordered[1]:g}")
            if not ordered and (band := usual_range([p.value for p in lines[0].points
                                       if lines[0].rater == "client"])) is not None:
                usual = (_y(band[1], lo, hi), _y(band[0], lo, hi), f"{band[0]:g} to {band[1]:g}")
            y_ticks = tuple((_y(v, lo, hi), f"{v:g}") for v in (lo, (lo + hi) / 2, hi))
            title = f"{family} {wording.SCALE_NAMES[code].lower()}, {lo:g} to {hi:g}"
            charts.append(TrendChart(
                f"{family.lower().replace(' ', '-')}-{code}", code, title,
                members[0].score.instrument_url, lo, hi, tuple(lines), y_ticks, x_ticks,
                missed, threshold, usual, other, bool(ordered) and published, monthly))
    return charts


def table_rows(scored: Sequence[ScoredSession], sessions: Sequence[Session],
               show_all: bool) -> list[ScoredSession]:
    """The charts' ratings for their table: newest first, client before therapist."""
    days = set(window(sessions, scored, show_all))
    rank = {r: i for i, r in enumerate(wording.RATER_ORDER)}
    return sorted((s for s in scored if s.date in days),
                  key=lambda s: (-s.date.toordinal(), rank.get(s.rater, 9)))


def in_window(day: datetime.date | None, days: Sequence[datetime.date], show_all: bool) -> bool:
    """Whether a session or response of ``day`` is listed beside charts over ``days``: from the
    window's first date on (planned and undated ones too); all of them on demand."""
    return show_all or not days or day is None or day >= days[0]


def window_rows(view: PanelView, days: Sequence[datetime.date],
                show_all: bool) -> list[SessionRow]:
    """The latest ``RECENT`` sessions by count (rated or not: every one the heading counts,
    when there are no more), and the session in context wherever it is. The first view draws
    these only; the whole log is one click away (``?sessions=all``)."""
    del days  # the table is counted in sessions, not in the charts' rated dates
    if show_all:
        return list(view.rows)
    current = view.current.id if view.current else None
    latest = view.rows[:RECENT]
    return latest + [r for r in view.rows[RECENT:]
                     if r.session.id == current and r.session.resource_type == "Encounter"]


def window_responses(view: PanelView, days: Sequence[datetime.date],
                     show_all: bool) -> list[Response]:
    """The recorded responses of the sessions in the window (and of the session in context)."""
    current = view.current.id if view.current else None
    return [r for r in view.responses
            if in_window(r.day, days, show_all) or (current and r.encounter_id == current)]
