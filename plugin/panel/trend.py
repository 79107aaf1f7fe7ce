"""Geometry of the trend charts: one small chart per scale (total, goals, tasks, bond), client
and therapist as separate lines. Numbers only; the template draws them as inline SVG.

Readable in black and white: the client line is solid with filled circles, the therapist line
dashed with open squares, a session with an alert carries a triangle above its point, and a
prorated score (some items unanswered) a ring around its point.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plugin.alliance import Instrument, ScoredSession

WIDTH, HEIGHT = 320.0, 120.0
LEFT, RIGHT, TOP, BOTTOM = 30.0, 8.0, 10.0, 18.0
MARKERS_UP_TO = 40  # beyond this many sessions the points are drawn as lines only
LABELS = {"total": "Total", "goal": "Agreement on goals", "task": "Agreement on tasks",
          "bond": "Emotional bond"}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    day: datetime.date
    encounter_id: str
    alert: bool
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
    scale: str
    title: str
    minimum: float
    maximum: float
    lines: tuple[Line, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str, str], ...]  # x, label, text-anchor
    markers: bool
    width: float = WIDTH
    height: float = HEIGHT

    @property
    def description(self) -> str:
        parts = []
        for line in self.lines:
            values = [p.value for p in line.points]
            prorated = sum(p.prorated for p in line.points)
            parts.append(
                f"{line.rater} ratings over {len(values)} sessions, from {values[0]:g} to "
                f"{values[-1]:g} (lowest {min(values):g}, highest {max(values):g})"
                + (f", {prorated} prorated from missing items" if prorated else "")
            )
        scale = f"on a scale of {self.minimum:g} to {self.maximum:g}"
        return f"{self.title} {scale}: " + "; ".join(parts) + "." if parts else ""


def _y(value: float, lo: float, hi: float) -> float:
    span = (hi - lo) or 1.0
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - lo) / span)


def build_trends(
    scored: Sequence[ScoredSession],
    instruments: Mapping[str, Instrument],
    flagged: frozenset[str],
) -> list[TrendChart]:
    """One chart per scale of the client's instrument (else the therapist's). Both raters'
    forms of an instrument share their scale ranges; a rater whose instrument has another
    range for a scale is left off that chart rather than drawn on a wrong axis."""
    instrument = instruments.get("client") or instruments.get("therapist")
    if instrument is None or not scored:
        return []
    days = sorted({s.date for s in scored})
    step = (WIDTH - LEFT - RIGHT) / max(len(days) - 1, 1)
    x_of = {day: LEFT + i * step for i, day in enumerate(days)}
    charts = []
    for code in ("total", *instrument.components):
        scale = instrument.scales.get(code)
        if scale is None:
            continue
        lo, hi = scale.minimum, scale.maximum
        lines = []
        for rater in ("client", "therapist"):
            own = instruments.get(rater)
            own_scale = own.scales.get(code) if own else None
            if own_scale is None or (own_scale.minimum, own_scale.maximum) != (lo, hi):
                continue
            points = tuple(
                Point(x_of[s.date], _y(v, lo, hi), v, s.date, s.encounter_id,
                      s.encounter_id in flagged, s.score.scale(code).prorated)
                for s in sorted(scored, key=lambda s: s.date)
                if s.rater == rater and (v := s.score.scale(code).sum) is not None
            )
            if points:
                lines.append(Line(rater, points))
        if not lines:
            continue
        middle = (lo + hi) / 2
        y_ticks = tuple((_y(v, lo, hi), f"{v:g}") for v in (lo, middle, hi))
        x_ticks = ((x_of[days[0]], days[0].strftime("%d %b %Y"), "start"),
                   (x_of[days[-1]], days[-1].strftime("%d %b %Y"), "end"))
        charts.append(TrendChart(code, LABELS.get(code, code.title()), lo, hi, tuple(lines),
                                 y_ticks, x_ticks, len(days) <= MARKERS_UP_TO))
    return charts
