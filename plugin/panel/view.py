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
from plugin import wording
from plugin.alliance import (
    Alert,
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
    channel_of,
    current_version,
    parse_date,
    rater_of,
    read_patient,
    referenced_id,
    sessions,
)
from plugin.panel.alert_list import AlertGroup, alert_list
from plugin.panel.cards import Cards, build_cards
from plugin.panel.reads import PanelReads
from plugin.panel.today import Comment, Today, today_of
from plugin.wording import status

HIDDEN_STATUSES = frozenset({"entered-in-error", "stopped"})
COUNTED_STATUSES = frozenset({"completed", "amended"})  # in-progress: shown, never scored


@functools.lru_cache(maxsize=64)
def instrument_for(url: str) -> Instrument | None:
    """The instrument of a canonical URL from fhir_profiles/: the version it names when shipped
    (an earlier one from fhir_profiles/previous/), else the current one."""
    try:
        return instrument_from_questionnaire(fhir_profiles.questionnaire_or_current(url))
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
    comment: str | None = None  # the rater's own words (the form's free-text item), as typed
    authored: str | None = None  # when the answers were given (FHIR dateTime, as stored)
    channel: str | None = None  # how a client's answers came: link, portal, handoff, paper

    @property
    def counts(self) -> bool:
        return self.status in COUNTED_STATUSES and self.score is not None

    @property
    def rater_rank(self) -> int:
        """Client first, then therapist: one order of raters on every page."""
        return {"client": 0, "therapist": 1}.get(self.rater or "", 2)


def comment_of(qr: dict[str, Any], instrument: Instrument | None) -> str | None:
    """The answer to the form's free-text item(s), joined, as typed; None when left empty."""
    if instrument is None or not instrument.text_items:
        return None
    said = [str(answer.get("valueString")).strip()
            for item in qr.get("item") or [] if isinstance(item, dict)
            and item.get("linkId") in instrument.text_items
            for answer in item.get("answer") or [] if isinstance(answer, dict)
            and isinstance(answer.get("valueString"), str)]
    text = " ".join(s for s in said if s)
    return text or None


def read_response(qr: dict[str, Any], encounter_days: dict[str, datetime.date]) -> Response:
    encounter_id = referenced_id(qr.get("encounter"), "Encounter")
    instrument = instrument_for(str(qr.get("questionnaire") or ""))
    score, problem = None, None
    if str(qr.get("status")) not in COUNTED_STATUSES:
        pass  # unfinished or withdrawn answers are listed as such and never scored
    elif instrument is None:
        problem = status.UNKNOWN_QUESTIONNAIRE
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
        comment=comment_of(qr, instrument),
        authored=str(qr["authored"]) if qr.get("authored") else None,
        channel=channel_of(qr),
    )


@dataclass(frozen=True)
class SessionRow:
    session: Session
    raters: tuple[str, ...]
    alerts: tuple[str, ...]
    scores: tuple[str, ...] = ()  # "Check-in 14, client", client first


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
    marks: dict[tuple[str, str, str], str]  # (encounter, rater, scale) -> the mark on the trend
    notes: list[str] = field(default_factory=list)
    cards: Cards | None = None  # the status line, open alerts, good news and history
    latest_session: str | None = None  # the newest rated session (the status line's evidence)
    one_kind: str | None = None  # the session type when every session has the same one
    all_scored: list[ScoredSession] = field(default_factory=list)  # every instrument, both raters
    all_instruments: list[Instrument] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)  # newest first, missed ones included
    norms: NormSet | None = None  # the norms the alerts used (the charts draw their cut-offs)
    # instrument url -> the sentence its scores are never shown without (the check-in's
    # "a feedback tool, not a validated measure"), from the norms
    caveats: dict[str, str] = field(default_factory=dict)
    today: Today = field(default_factory=lambda: Today((), ()))  # the session in context first
    comments: list[Comment] = field(default_factory=list)  # in the raters' own words, newest first

    @property
    def trend_caveats(self) -> list[str]:
        """The caveats of the instruments drawn on the trend, each once."""
        drawn = [*self.instruments.values(), *self.all_instruments]
        found = (self.caveats.get(i.url) for i in drawn)
        return list(dict.fromkeys(c for c in found if c))


MARK_RANK = {"news": 0, "prompt": 1, "alert": 2}


def marks_of(alerts: Iterable[Alert],
             scored: Iterable[ScoredSession]) -> dict[tuple[str, str, str], str]:
    """Per rated (encounter, rater, scale): the strongest signal that concerns exactly that
    rating and scale: "alert", "prompt" (worth asking) or "news" (back near usual). A
    comparison of both raters marks both raters' totals; absences mark no rating."""
    rated = {(s.encounter_id, s.rater) for s in scored}
    marks: dict[tuple[str, str, str], str] = {}
    for alert in alerts:
        if alert.kind == "attendance" or not alert.encounter_id:
            continue
        for rater in [alert.rater] if alert.rater else ["client", "therapist"]:
            key = (alert.encounter_id, rater, alert.scale or "total")
            if (key[0], rater) in rated and MARK_RANK[alert.level] > MARK_RANK.get(
                    marks.get(key, ""), -1):
                marks[key] = alert.level
    return marks


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
        Visit(s.id, s.day, s.status, s.cancelled_by, s.reason)  # type: ignore[arg-type]
        for s in all_sessions
        if s.day and s.status in ("attended", "cancelled", "no-show", "booked")
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
    scores: dict[str, list[str]] = {}
    for r in sorted(counted, key=lambda r: r.rater_rank):
        if r.encounter_id and r.score is not None:
            scores.setdefault(r.encounter_id, []).append(wording.score(
                r.score.total.sum, r.score.instrument_url, None, r.rater))
    rows = [
        SessionRow(s, tuple(sorted(raters.get(s.id, ()))), tuple(alerts_by_session.get(s.id, ())),
                   tuple(scores.get(s.id, ())))
        for s in all_sessions
    ]
    comments = [Comment(r.day, r.rater, r.comment, r.encounter_id) for r in responses
                if r.comment and r.status not in HIDDEN_STATUSES]
    current = next((s for s in all_sessions if s.id == encounter_id
                    and s.resource_type == "Encounter"), None)
    current_responses = [r for r in responses if encounter_id and r.encounter_id == encounter_id]
    problems = [r for r in responses if r.problem]
    notes = list(reads.notes)
    if problems:
        notes.append(status.not_scored(len(problems)))
    kinds = {s.kind for s in all_sessions}
    return PanelView(
        cards=build_cards(alerts, every, today, attended=[
            s.id for s in reversed(all_sessions)
            if s.status == "attended" and s.resource_type == "Encounter"], current=encounter_id
            if any(s.id == encounter_id for s in all_sessions) else None),
        all_scored=every,
        norms=norms,
        all_instruments=[i for i in {r.instrument.url: r.instrument for r in counted
                                     if r.instrument}.values()],
        sessions=all_sessions,
        latest_session=max(scored, key=lambda s: s.date).encounter_id if scored else None,
        one_kind=kinds.pop() if len(kinds) == 1 else None,
        patient=read_patient(reads.patient),
        current=current,
        current_state=state_of(r.rater for r in current_responses if r.counts and r.rater),
        current_responses=current_responses,
        rows=rows,
        responses=responses,
        instruments=instruments,
        scored=scored,
        alerts=alert_list(alerts, scored),
        marks=marks_of(alerts, every),
        notes=notes,
        caveats=caveats_of(norms),
        today=today_of(current.id if current else None, current.day if current else None,
                       today, every, alerts, comments),
        comments=comments,
    )
