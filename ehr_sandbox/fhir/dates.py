"""FHIR date search: values as half-open ranges [start, end) in epoch seconds, and prefixes."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from ehr_sandbox.fhir.errors import BadRequest

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_DATE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?"
)

Range = tuple[float, float]


def parse_range(text: str) -> Range | None:
    """The range a date, dateTime or instant covers at its precision; None if unparsable."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    g = match.groupdict()
    try:
        year = int(g["y"])
        if g["m"] is None:
            start = datetime(year, 1, 1, tzinfo=UTC)
            return start.timestamp(), datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()
        month = int(g["m"])
        if g["d"] is None:
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            return start.timestamp(), end.timestamp()
        day = datetime(year, month, int(g["d"]), tzinfo=UTC)
        if g["H"] is None:
            return day.timestamp(), (day + timedelta(days=1)).timestamp()
        tz = g["tz"] or "Z"
        stamp = datetime.fromisoformat(
            f"{g['y']}-{g['m']}-{g['d']}T{g['H']}:{g['M']}:{g['S'] or '00'}"
            f"{(g['f'] or '')[:7]}{'+00:00' if tz == 'Z' else tz}"
        )
    except ValueError:
        return None
    step = 1.0 if g["S"] is not None else 60.0
    if g["f"]:
        step = 0.001
    return stamp.timestamp(), stamp.timestamp() + step


def value_range(value: object) -> Range | None:
    """The range of a resource element: a date/dateTime/instant string or a Period."""
    if isinstance(value, str):
        return parse_range(value)
    if isinstance(value, dict) and ("start" in value or "end" in value):
        start = parse_range(value["start"]) if isinstance(value.get("start"), str) else None
        end = parse_range(value["end"]) if isinstance(value.get("end"), str) else None
        return (start[0] if start else -math.inf, end[1] if end else math.inf)
    return None


def split_prefix(text: str) -> tuple[str, Range]:
    prefix = text[:2] if text[:2] in PREFIXES else "eq"
    body = text[2:] if text[:2] in PREFIXES else text
    found = parse_range(body)
    if found is None:
        raise BadRequest(f"invalid date search value {text!r}")
    return prefix, found


def date_matches(prefix: str, wanted: Range, target: Range) -> bool:
    (ps, pe), (ts, te) = wanted, target
    contained = ps <= ts and te <= pe
    if prefix == "eq":
        return contained
    if prefix == "ne":
        return not contained
    if prefix == "gt":
        return te > pe
    if prefix == "lt":
        return ts < ps
    if prefix == "ge":
        return te > pe or contained
    if prefix == "le":
        return ts < ps or contained
    if prefix == "sa":
        return ts >= pe
    if prefix == "eb":
        return te <= ps
    return ts < pe and te > ps  # ap: overlaps
