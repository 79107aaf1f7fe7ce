"""Norms: what each instrument's scores are judged against, per rater, each value with its source.

The values are data, not code: the package ships one document per instrument and rater in
``fhir_profiles/norms/`` and a site may override any value with a local norms file (same
shape, see ``site_norms.py``). A document names the instrument (Questionnaire url) and rater,
and per scale its SD, its test-retest reliability (what session-to-session change needs;
internal consistency overstates stability), its cut-off, and the drop from the client's usual
level that the panel treats as worth asking about (``drop``, in the scale's raw points).
Every value carries a ``source``:
a citation, or "project default". A cut-off of ``null`` says "none published", and no low
alliance is then claimed. ``pairedWith`` names the other rater's form of the same instrument:
only such pairs are compared (``discrepancy.py``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import fhir_profiles
from plugin.alliance.errors import NormsError
from plugin.alliance.vocabulary import RATERS, Rater

FORM_KEYS = {"instrument", "rater", "label", "validated", "note", "pairedWith",
             "raterDifference", "scales"}
SCALE_KEYS = {"sd", "retest", "cutoff", "drop"}


@dataclass(frozen=True)
class Sourced:
    """One norm value (``None``: none published) and where it comes from."""

    value: float | None
    source: str


@dataclass(frozen=True)
class ScaleNorms:
    sd: Sourced | None = None
    retest: Sourced | None = None
    cutoff: Sourced | None = None
    drop: Sourced | None = None  # a fall from the client's usual a clinician would notice

    @property
    def reliable_change(self) -> float | None:
        """Jacobson & Truax (1991): 1.96 * SD * sqrt(2) * sqrt(1 - r), r = test-retest."""
        if self.sd is None or self.retest is None or None in (self.sd.value, self.retest.value):
            return None
        sd, r = float(self.sd.value or 0.0), float(self.retest.value or 0.0)
        return 1.96 * sd * math.sqrt(2.0) * math.sqrt(1.0 - r)


@dataclass(frozen=True)
class FormNorms:
    """The norms of one instrument as filled in by one rater."""

    instrument: str
    rater: Rater
    label: str
    validated: bool = True
    note: str | None = None
    paired_with: str | None = None
    rater_difference: Sourced | None = None  # usual client-minus-therapist gap, in SD units
    scales: Mapping[str, ScaleNorms] = field(default_factory=dict)

    def scale(self, code: str) -> ScaleNorms:
        return self.scales.get(code, ScaleNorms())

    @property
    def title(self) -> str:
        """The label with the caveat a clinician must read beside an unvalidated tool's score."""
        return f"{self.label} ({self.note})" if self.note and not self.validated else self.label


@dataclass(frozen=True)
class NormSet:
    forms: Mapping[tuple[str, str], FormNorms] = field(default_factory=dict)

    def get(self, instrument: str, rater: str) -> FormNorms | None:
        return self.forms.get((instrument.split("|", 1)[0], rater))


def _sourced(where: str, raw: Any, problems: list[str], *, unit: bool = False,
             nullable: bool = False) -> Sourced | None:
    if not isinstance(raw, dict) or set(raw) - {"value", "source"}:
        problems.append(f"{where}: expected {{\"value\": ..., \"source\": \"...\"}}.")
        return None
    value, source = raw.get("value"), raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}: every value needs a source (a citation or 'project default').")
    if value is None and nullable:
        return Sourced(None, str(source))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: value must be a number, got {value!r}.")
        return None
    if unit and not 0.0 <= value < 1.0:
        problems.append(f"{where}: a reliability must be at least 0 and under 1, got {value:g}.")
    elif not unit and not nullable and value <= 0:
        problems.append(f"{where}: must be above 0, got {value:g}.")
    return Sourced(float(value), str(source))


def _scale(where: str, raw: Any, base: ScaleNorms, problems: list[str]) -> ScaleNorms:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an object with sd, retest, cutoff and/or drop.")
        return base
    for key in sorted(set(raw) - SCALE_KEYS):
        problems.append(f"{where}: unknown key {key!r} (known: cutoff, drop, retest, sd).")
    return ScaleNorms(
        _sourced(f"{where}.sd", raw["sd"], problems) if "sd" in raw else base.sd,
        _sourced(f"{where}.retest", raw["retest"], problems, unit=True)
        if "retest" in raw else base.retest,
        _sourced(f"{where}.cutoff", raw["cutoff"], problems, nullable=True)
        if "cutoff" in raw else base.cutoff,
        _sourced(f"{where}.drop", raw["drop"], problems) if "drop" in raw else base.drop,
    )


def _form(where: str, raw: Any, known: NormSet, problems: list[str]) -> FormNorms | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an object.")
        return None
    for key in sorted(set(raw) - FORM_KEYS):
        problems.append(f"{where}: unknown key {key!r}.")
    url, rater = raw.get("instrument"), raw.get("rater")
    if not isinstance(url, str) or not url or rater not in RATERS:
        problems.append(f"{where}: needs an 'instrument' url and a 'rater' (client or therapist).")
        return None
    base = known.get(url, str(rater)) or FormNorms(url, rater, str(raw.get("label") or url))
    where = f"{where} ({url.rsplit('/', 1)[-1]}, {rater})"
    scales = dict(base.scales)
    raw_scales = raw.get("scales", {})
    if not isinstance(raw_scales, dict):
        problems.append(f"{where}.scales: expected an object keyed by scale code.")
        raw_scales = {}
    for code, value in raw_scales.items():
        scales[str(code)] = _scale(f"{where}.scales.{code}", value, base.scale(str(code)),
                                   problems)
    difference = base.rater_difference
    if "raterDifference" in raw:
        difference = _sourced(f"{where}.raterDifference", raw["raterDifference"], problems,
                              unit=True)
    return FormNorms(
        instrument=url.split("|", 1)[0], rater=rater, label=str(raw.get("label", base.label)),
        validated=bool(raw.get("validated", base.validated)), note=raw.get("note", base.note),
        paired_with=raw.get("pairedWith", base.paired_with), rater_difference=difference,
        scales=scales)


def merge_norms(base: NormSet, documents: Iterable[Any], origin: str) -> NormSet:
    """``base`` with each document's values laid over it; all problems reported at once."""
    problems: list[str] = []
    forms = dict(base.forms)
    for index, raw in enumerate(documents):
        form = _form(f"{origin} #{index + 1}", raw, base, problems)
        if form is not None:
            forms[(form.instrument, form.rater)] = form
    if problems:
        raise NormsError(f"{origin} is not valid", tuple(problems))
    return NormSet(forms)


@functools.cache
def shipped_norms() -> NormSet:
    """The norms shipped in ``fhir_profiles/norms/``."""
    return merge_norms(NormSet(), fhir_profiles.norms_documents(), "fhir_profiles/norms")
