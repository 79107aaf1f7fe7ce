"""From what was read to what the panel shows: sessions, scored responses, trend and alerts.

Scores are recomputed from the stored answers with the instrument definitions in
fhir_profiles/, so what the panel shows is reproducible from the records themselves.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import fhir_profiles
from plugin.alliance import (
    AllianceError,
    Instrument,
    NormSet,
    Score,
    ScoredSession,
    Visit,
    analyse_trends,
    instrument_from_questionnaire,
    score_questionnaire_response,
    shipped_norms,
)
from plugin.fhir.readers import (
    PatientSummary,
    Session,
    current_version,
    parse_date,
    rater_of,
    read_patient,
    referenced_id,
    sessions,
)
from plugin.panel.alert_list import AlertGroup, alert_list
from plugin.panel.reads import PanelReads

HIDDEN_STATUSES = frozenset({"entered-in-error", "stopped"})


@functools.lru_cache(maxsize=64)
def instrument_for(url: str) -> Instrument | None:
    """The instrument of a canonical URL (with or without |version) from fhir_profiles/."""
    try:
        return instrument_from_questionnaire(fhir_profiles.resource_by_url(url.split("|")[0]))
    except (fhir_profiles.ProfileNotFound, AllianceError):
        return None


@dataclass(frozen=True)
class Response:
    """One stored QuestionnaireResponse, scored when its instrument is known."""

    id: str
    encounter_id: str | None
    day: datetime.date | None
    rater: str | None
    status: str
    version: str
    instrument: Instrument | None
    score: Score | None
    problem: str | None = None

    @property
    def counts(self) -> bool:
        return self.status not in HIDDEN_STATUSES and self.score is not None


def read_response(qr: dict[str, Any], encounter_days: dict[str, datetime.date]) -> Response:
    encounter_id = referenced_id(qr.get("encounter"), "Encounter")
    instrument = instrument_for(str(qr.get("questionnaire") or ""))
    score, problem = None, None
    if instrument is None:
        problem = "Its questionnaire is not one this app knows."
    else:
        try:
            score = score_questionnaire_response(instrument, qr)
        except AllianceError as err:
            problem = err.message
    return Response(
        id=str(qr.get("id", "")),
        encounter_id=encounter_id,
        day=encounter_days.get(encounter_id or "") or parse_date(qr.get("authored")),
        rater=rater_of(qr),
        status=str(qr.get("status") or "unknown"),
        version=current_version(qr),
        instrument=instrument,
        score=score,
        problem=problem,
    )


@dataclass(frozen=True)
class SessionRow:
    session: Session
    raters: tuple[str, ...]
    alerts: tuple[str, ...]


@dataclass(frozen=True)
class PanelView:
    patient: PatientSummary
    current: Session | None
    current_state: str
    current_responses: list[Response]
    rows: list[SessionRow]
    responses: list[Response]
    instruments: dict[str, Instrument]  # per rater, the one drawn on the trend
    scored: list[ScoredSession]
    alerts: list[AlertGroup]  # newest first, persisting conditions folded
    flagged: frozenset[str]  # encounters where a rating alert fired (marked on the trend)
    notes: list[str] = field(default_factory=list)
    # instrument url -> the sentence its scores are never shown without (the check-in's
    # "a feedback tool, not a validated measure"), from the norms
    caveats: dict[str, str] = field(default_factory=dict)

    @property
    def trend_caveats(self) -> list[str]:
        """The caveats of the instruments drawn on the trend, each once."""
        found = (self.caveats.get(i.url) for i in self.instruments.values())
        return list(dict.fromkeys(c for c in found if c))


def caveats_of(norms: NormSet) -> dict[str, str]:
    """Per instrument url, what a clinician must read beside an unvalidated tool's scores."""
    return {form.instrument: f"{form.label}: {form.note}."
            for form in norms.forms.values() if not form.validated and form.note}


def state_of(raters: Iterable[str]) -> str:
    found = set(raters)
    if found >= {"client", "therapist"}:
        return "client- and therapist-rated"
    if found:
        return f"{found.pop()}-rated"
    return "not yet recorded"


def build_panel(reads: PanelReads, encounter_id: str | None, today: datetime.date,
                norms: NormSet | None = None) -> PanelView:
    """The panel's view; ``norms`` are the site's (validated at start-up), else the shipped."""
    norms = norms or shipped_norms()
    all_sessions = sessions(reads.encounters, reads.appointments)
    days = {s.id: s.day for s in all_sessions if s.resource_type == "Encounter" and s.day}
    responses = sorted(
        (read_response(qr, days) for qr in reads.responses),
        key=lambda r: (r.day or datetime.date.min, r.id), reverse=True,
    )
    counted = [r for r in responses if r.counts and r.rater and r.day]
    # Per rater, the trend follows the instrument used most (the client and therapist forms of
    # one instrument); responses to other instruments stay listed with their scores.
    uses: dict[tuple[str, str], int] = {}
    for r in counted:
        assert r.score is not None and r.rater is not None
        key = (r.rater, r.score.instrument_url)
        uses[key] = uses.get(key, 0) + 1
    main: dict[str, str] = {}
    for (rater, url), _uses in sorted(uses.items(), key=lambda kv: -kv[1]):
        main.setdefault(rater, url)
    scored = [
        ScoredSession(r.encounter_id or r.id, r.day, r.rater, r.score)  # type: ignore[arg-type]
        for r in counted
        if r.score and r.rater and r.score.instrument_url == main.get(r.rater)
    ]
    visits = [
        Visit(s.id, s.day, s.status, s.cancelled_by)  # type: ignore[arg-type]
        for s in all_sessions
        if s.day and s.status in ("attended", "cancelled", "no-show")
    ]
    instruments = {rater: i for rater, url in main.items() if (i := instrument_for(url))}
    # Alerts read every instrument of each rater on its own scale; the chart keeps the main one.
    every = [ScoredSession(r.encounter_id or r.id, r.day, r.rater, r.score)  # type: ignore[arg-type]
             for r in counted if r.score and r.rater]
    alerts = analyse_trends(every, instruments.values(), visits, today=today, norms=norms)
    alerts_by_session: dict[str, list[str]] = {}
    for alert in alerts:
        if alert.encounter_id:
            alerts_by_session.setdefault(alert.encounter_id, []).append(alert.kind)
    raters: dict[str, set[str]] = {}
    for r in counted:
        if r.encounter_id and r.rater:
            raters.setdefault(r.encounter_id, set()).add(r.rater)
    rows = [
        SessionRow(s, tuple(sorted(raters.get(s.id, ()))), tuple(alerts_by_session.get(s.id, ())))
        for s in all_sessions
    ]
    current = next((s for s in all_sessions if s.id == encounter_id
                    and s.resource_type == "Encounter"), None)
    current_responses = [r for r in responses if encounter_id and r.encounter_id == encounter_id]
    problems = [r for r in responses if r.problem]
    notes = list(reads.notes)
    if problems:
        notes.append(f"{len(problems)} stored response(s) could not be scored and are left "
                     "out of the trend; open them from the list below.")
    return PanelView(
        patient=read_patient(reads.patient),
        current=current,
        current_state=state_of(r.rater for r in current_responses if r.counts and r.rater),
        current_responses=current_responses,
        rows=rows,
        responses=responses,
        instruments=instruments,
        scored=scored,
        alerts=alert_list(alerts, scored),
        flagged=frozenset(a.encounter_id for a in alerts
                          if a.kind != "attendance" and a.encounter_id),
        notes=notes,
        caveats=caveats_of(norms),
    )
