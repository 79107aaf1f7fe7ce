"""The auditor's check of stored records: re-score every QuestionnaireResponse from its answers
and the Questionnaire version it names, and compare with what the FHIR server holds.

For each response (of one patient, or authored in a date range) the checks are:

- ``questionnaire``: the Questionnaire at the named ``url|version`` can be found (on the server,
  else in the shipped package: its current version or an earlier one kept in
  fhir_profiles/previous/), so an old version's responses are
  scored by that old version;
- ``score``: each scale the answers score has one live Observation with the same sum and mean,
  and no live Observation exists for a scale they do not score;
- ``entered-in-error``: a response marked entered-in-error has every score marked so too;
- ``versions``: a corrected response (version n > 1) still has versions 1..n in its history;
- ``provenance``: one Provenance per version targets the response. Where the server keeps the
  version in a reference (the app writes ``QuestionnaireResponse/id/_history/n`` and asks for it
  in a transaction), each version must be named by exactly one, and none may name a version the
  response never had; where it keeps none, their number must cover the versions. Two Provenance
  tagged as the record of one change (a resend stored twice) are named either way.

Every check gives a Finding (ok or not); the command prints them and exits non-zero on any
failure. The client is plugin.fhir's FhirClient; this module does no HTTP of its own.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import fhir_profiles
from plugin.alliance import (
    AllianceError,
    Instrument,
    instrument_from_questionnaire,
    score_questionnaire_response,
)
from plugin.alliance.vocabulary import COMPONENTS, TOTAL
from plugin.audit.errors import AuditQueryError
from plugin.audit.provenance_versions import named_version, provenance_problems
from plugin.fhir.errors import FhirError
from plugin.fhir.record_resources import SCORE_SYSTEM, SUBMISSION_SYSTEM, TEXT_PACK_SYSTEM

TOLERANCE = 1e-4  # scores are stored rounded to 4 decimals
SCALES = (TOTAL, *COMPONENTS)


Resource = dict[str, Any]


class ReadOnlyFhir(Protocol):
    def search(self, resource_type: str,
               params: Mapping[str, Any] | None = None) -> list[Resource]: ...

    def history(self, resource_type: str, resource_id: str) -> list[Resource]: ...


@dataclass(frozen=True)
class Finding:
    record: str  # "QuestionnaireResponse/abc" or "audit-log.jsonl line 3"
    patient: str
    check: str
    ok: bool
    detail: str
    warning: bool = False  # passed, but with a caveat the auditor must read (shown as WARN)


Found = Callable[[str, bool, str], Finding]


def _date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        datetime.date.fromisoformat(value[:10])
    except ValueError as err:
        raise AuditQueryError(f"--{name} must be a date like 2026-01-31, not {value!r}") from err
    return value


def response_query(patient: str | None, since: str | None,
                   until: str | None) -> dict[str, str | list[str]]:
    """The QuestionnaireResponse search for a patient and/or a date range (until is exclusive)."""
    if not patient and not since and not until:
        raise AuditQueryError("name a patient (--patient) or a date range (--since/--until)")
    params: dict[str, str | list[str]] = {"_count": "100"}
    if patient:
        params["subject"] = patient if "/" in patient else f"Patient/{patient}"
    authored = [f"ge{d}" for d in [_date(since, "since")] if d]
    authored += [f"lt{d}" for d in [_date(until, "until")] if d]
    if authored:
        params["authored"] = authored  # repeated: both bounds apply
    return params


class QuestionnaireVersions:
    """Questionnaires by ``url|version``: from the server first, else the shipped package."""

    def __init__(self, fhir: ReadOnlyFhir) -> None:
        self._fhir = fhir
        self._found: dict[str, Instrument | None] = {}

    def instrument(self, canonical: str) -> Instrument | None:
        if canonical not in self._found:
            self._found[canonical] = self._resolve(canonical)
        return self._found[canonical]

    def _resolve(self, canonical: str) -> Instrument | None:
        url, _, version = canonical.partition("|")
        params = {"url": url, **({"version": version} if version else {})}
        candidates = [q for q in self._fhir.search("Questionnaire", params)
                      if not version or q.get("version") == version]
        if not candidates:
            try:  # exactly the version named: the current one or one in previous/
                candidates = [fhir_profiles.questionnaire(canonical)]
            except fhir_profiles.ProfileNotFound:
                return None
        try:
            return instrument_from_questionnaire(candidates[0])
        except AllianceError:
            return None


def _live(resource: Mapping[str, Any]) -> bool:
    return resource.get("status") != "entered-in-error"


def _scale(obs: Mapping[str, Any]) -> str:
    codings = (obs.get("code") or {}).get("coding") or [{}]
    return str(codings[0].get("code", ""))


def _mean(obs: Mapping[str, Any]) -> float | None:
    for component in obs.get("component") or []:
        if any(c.get("code") == "mean" for c in (component.get("code") or {}).get("coding", [])):
            value = (component.get("valueQuantity") or {}).get("value")
            return float(value) if value is not None else None
    return None


def _differs(stored: Any, expected: float) -> bool:
    return stored is None or not math.isclose(float(stored), round(expected, 4),
                                              abs_tol=TOLERANCE)


class RecordAuditor:
    """Runs the checks above against one FHIR server."""

    def __init__(self, fhir: ReadOnlyFhir) -> None:
        self._fhir = fhir
        self._versions = QuestionnaireVersions(fhir)

    def audit(self, params: Mapping[str, Any]) -> list[Finding]:
        findings: list[Finding] = []
        for qr in self._fhir.search("QuestionnaireResponse", params):
            findings.extend(self.audit_response(qr))
        return findings

    def audit_response(self, qr: Mapping[str, Any]) -> list[Finding]:
        ref = f"QuestionnaireResponse/{qr.get('id')}"
        patient = str((qr.get("subject") or {}).get("reference", ""))

        def finding(check: str, ok: bool, detail: str) -> Finding:
            return Finding(ref, patient, check, ok, detail)

        try:
            observations = self._observations(qr)
        except FhirError as err:
            return [finding("score", False, f"cannot read its Observations: {err.message}")]
        results = [self._check_scores(qr, observations, finding)]
        results.append(self._check_versions(qr, finding))
        results.append(self._check_provenance(qr, finding))
        return results

    def _observations(self, qr: Mapping[str, Any]) -> list[Resource]:
        """Its score Observations: those carrying its submission's score identifiers (one per
        scale of the CodeSystem) and those derivedFrom it, each once."""
        found: dict[str, Resource] = {}
        ids = [i.get("value") for i in _identifiers(qr) if i.get("system") == SUBMISSION_SYSTEM]
        if ids:
            wanted = ",".join(f"{SCORE_SYSTEM}|{ids[0]}/{scale}" for scale in SCALES)
            for obs in self._fhir.search("Observation", {"identifier": wanted}):
                found[str(obs.get("id"))] = obs
        derived = self._fhir.search("Observation",
                                    {"derived-from": f"QuestionnaireResponse/{qr.get('id')}"})
        for obs in derived:
            found.setdefault(str(obs.get("id")), obs)
        return list(found.values())

    def _check_scores(self, qr: Mapping[str, Any], observations: list[Resource],
                      finding: Found) -> Finding:
        if qr.get("status") == "entered-in-error":
            live = [f"Observation/{o.get('id')}" for o in observations if _live(o)]
            if live:
                return finding("entered-in-error", False,
                               f"the response is entered-in-error but {', '.join(live)} is not")
            return finding("entered-in-error", True,
                           f"{len(observations)} score(s) marked entered-in-error too")
        canonical = str(qr.get("questionnaire", ""))
        instrument = self._versions.instrument(canonical)
        if instrument is None:
            return finding("questionnaire", False, f"no Questionnaire {canonical!r} to score by")
        try:
            score = score_questionnaire_response(instrument, qr)
        except AllianceError as err:
            return finding("score", False, f"the answers cannot be scored: {err.message}")
        by_scale: dict[str, Resource] = {}
        problems: list[str] = []
        for candidate in (o for o in observations if _live(o)):
            other = by_scale.setdefault(_scale(candidate), candidate)
            if other is not candidate:
                problems.append(f"{_scale(candidate)}: two live scores, "
                                f"Observation/{other.get('id')} and "
                                f"Observation/{candidate.get('id')}")
        for code, scale in score.scales.items():
            obs = by_scale.pop(code) if code in by_scale else None
            if not scale.scored or scale.sum is None or scale.mean is None:
                if obs is not None:
                    problems.append(f"{code}: Observation/{obs.get('id')} exists but the "
                                    "answers do not score this scale")
                continue
            if obs is None:
                problems.append(f"{code}: no Observation (expected {scale.sum:g})")
                continue
            named = _derived_version(obs)
            if named is not None and named != _version_number(qr):
                problems.append(f"{code}: Observation/{obs.get('id')} is derived from version "
                                f"{named}, the response is at version {_version_number(qr)}")
            stored = (obs.get("valueQuantity") or {}).get("value")
            if _differs(stored, scale.sum) or _differs(_mean(obs), scale.mean):
                problems.append(f"{code}: Observation/{obs.get('id')} says {stored}, "
                                f"the answers give {round(scale.sum, 4):g}")
        for code, obs in by_scale.items():
            problems.append(f"{code}: Observation/{obs.get('id')} has no scale in {canonical}")
        if problems:
            return finding("score", False, "; ".join(problems))
        scored = [c for c, s in score.scales.items() if s.scored]
        return finding("score", True, f"{len(scored)} score(s) match, by {canonical}")

    def _check_versions(self, qr: Mapping[str, Any], finding: Found) -> Finding:
        version = _version_number(qr)
        if version <= 1:
            return finding("versions", True, "one version")
        try:
            history = self._fhir.history("QuestionnaireResponse", str(qr.get("id")))
        except FhirError as err:
            return finding("versions", False, f"cannot read its history: {err.message}")
        kept = {_version_number(v) for v in history}
        missing = [str(n) for n in range(1, version + 1) if n not in kept]
        if missing:
            return finding("versions", False, f"version(s) {', '.join(missing)} of {version} "
                           "are gone from its history")
        return finding("versions", True, f"all {version} versions kept")

    def _check_provenance(self, qr: Mapping[str, Any], finding: Found) -> Finding:
        ref = f"QuestionnaireResponse/{qr.get('id')}"
        try:
            provenances = self._fhir.search("Provenance", {"target": ref})
        except FhirError as err:
            return finding("provenance", False, f"cannot search Provenance: {err.message}")
        needed = max(_version_number(qr), 1)
        problems = provenance_problems(provenances, ref, needed)
        if problems:
            return finding("provenance", False, "; ".join(problems))
        packs = sorted({str((e.get("what") or {}).get("identifier", {}).get("value"))
                        for p in provenances for e in p.get("entity") or []
                        if (e.get("what") or {}).get("identifier", {}).get("system")
                        == TEXT_PACK_SYSTEM})
        shown = f"; wording from text pack {', '.join(packs)}" if packs else ""
        named = sum(named_version(p, ref) is not None for p in provenances)
        how = ("each naming the version it accounts for" if named == len(provenances) else
               f"{len(provenances) - named} naming no version (the server keeps references "
               "without their version)")
        return finding("provenance", True, f"{len(provenances)} Provenance, {how}{shown}")


def _identifiers(resource: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    value = resource.get("identifier")
    if isinstance(value, dict):
        return [value]
    return value if isinstance(value, list) else []


def _derived_version(obs: Mapping[str, Any]) -> int | None:
    """The response version a score names in derivedFrom (``.../_history/n``), if it names
    one: a first save refers to the response it created (version 1) without a version, and
    some servers store references without their version."""
    for ref in obs.get("derivedFrom") or []:
        _, _, version = str(ref.get("reference", "")).partition("/_history/")
        if version.isdigit():
            return int(version)
    return None


def _version_number(resource: Mapping[str, Any]) -> int:
    value = str((resource.get("meta") or {}).get("versionId", "1"))
    return int(value) if value.isdigit() else 1
