"""Trend rules on constructed series: rupture and repair, stability, low and early alliance,
falling trend, rater discrepancy."""

from __future__ import annotations

import copy
import datetime

import pytest

import fhir_profiles
from plugin.alliance import (
    AlertSettings,
    ScoredSession,
    analyse_trends,
    instrument_from_questionnaire,
    score_answers,
)

START = datetime.date(2026, 9, 1)

REVERSED = {"task-2"}


def code_for(link_id: str, weight: int) -> str:
    """The option code of a check-in item that carries ``weight`` (task-2 is reverse-keyed)."""
    return str(4 - weight if link_id in REVERSED else weight)


def checkin_answers(goal: int, task: int, bond: int) -> dict[str, str]:
    answers: dict[str, str] = {}
    for component, total in (("goal", goal), ("task", task), ("bond", bond)):
        first, second = (total + 1) // 2, total // 2
        answers[f"{component}-1"] = code_for(f"{component}-1", first)
        answers[f"{component}-2"] = code_for(f"{component}-2", second)
    return answers


def series(instrument, sums, rater="client", prefix="e"):
    return [ScoredSession(f"{prefix}{i}", START + datetime.timedelta(weeks=i), rater,
                          score_answers(instrument, checkin_answers(*gtb)))
            for i, gtb in enumerate(sums)]


def kinds(alerts):
    return [(a.kind, a.scale, a.encounter_id) for a in alerts]


def test_v_shaped_rupture_and_repair(checkin):
    sums = [(7, 7, 7)] * 4 + [(7, 7, 3), (7, 7, 7), (7, 7, 7)]
    alerts = analyse_trends(series(checkin, sums), [checkin])
    rupture = [a for a in alerts if a.kind == "rupture"]
    repair = [a for a in alerts if a.kind == "repair"]
    assert [(a.scale, a.encounter_id) for a in rupture] == [("bond", "e4")]
    assert [(a.scale, a.encounter_id) for a in repair] == [("bond", "e5")]
    r = rupture[0]
    assert r.rule == "reliable-change-index"
    assert r.reason == "Bond fell from a usual 7 to 3, more than a reliable change."
    assert r.values["drop"] == 4 and r.values["criterion"] == pytest.approx(2.733, abs=1e-3)
    assert r.rater == "client" and r.date == START + datetime.timedelta(weeks=4)


def test_stable_noisy_series_raises_nothing(checkin):
    goal = [7, 6, 7, 8, 7, 6, 7, 7, 8, 7]
    task = [6, 7, 7, 6, 7, 7, 6, 7, 7, 6]
    bond = [7, 7, 6, 7, 8, 7, 7, 6, 7, 8]
    assert analyse_trends(series(checkin, list(zip(goal, task, bond, strict=True))),
                          [checkin]) == []


def test_early_low_alliance_then_low_alliance(checkin):
    sums = [(4, 4, 4), (7, 7, 7), (7, 7, 7), (7, 7, 7), (5, 5, 6)]
    alerts = analyse_trends(series(checkin, sums), [checkin])
    early = [a for a in alerts if a.kind == "early-low-alliance"]
    low = [a for a in alerts if a.kind == "low-alliance"]
    assert [a.encounter_id for a in early] == ["e0"]
    assert [a.encounter_id for a in low] == ["e4"]
    assert early[0].rule == "instrument-threshold" and early[0].values["threshold"] == 18
    assert "dropout" in early[0].reason


def test_configured_threshold_when_instrument_has_none(checkin):
    q = copy.deepcopy(fhir_profiles.questionnaire("alliance-checkin-client"))
    q["url"] += "-local"
    for ext in q["extension"]:
        ext["extension"] = [s for s in ext["extension"]
                            if not s["url"].startswith("lowThreshold")]
    local = instrument_from_questionnaire(q)
    sessions = series(local, [(7, 7, 7)] * 3 + [(6, 6, 6)])
    assert analyse_trends(sessions, [local]) == []
    settings = AlertSettings(low_thresholds={local.url: 20})
    low = [a for a in analyse_trends(sessions, [local], settings=settings)
           if a.kind == "low-alliance"]
    assert [(a.encounter_id, a.rule) for a in low] == [("e3", "configured-threshold")]


def test_own_variability_rule_without_reliability():
    q = copy.deepcopy(fhir_profiles.questionnaire("alliance-checkin-client"))
    q["url"] += "-unnormed"
    for ext in q["extension"]:
        ext["extension"] = [s for s in ext["extension"] if not s["url"].startswith(
            ("reliability", "standardDeviation"))]
    unnormed = instrument_from_questionnaire(q)
    bonds = [6, 7, 6, 7, 6, 7]
    sessions = series(unnormed, [(7, 7, b) for b in bonds] + [(7, 7, 2)])
    ruptures = [a for a in analyse_trends(sessions, [unnormed]) if a.kind == "rupture"]
    assert sorted((a.scale, a.rule) for a in ruptures) == [("bond", "own-variability"),
                                                           ("total", "own-variability")]
    assert "beyond this client's usual variation" in ruptures[0].reason
    # with fewer prior sessions than the rule needs, no rupture is claimed
    short = series(unnormed, [(7, 7, 6), (7, 7, 7), (7, 7, 2)])
    assert [a for a in analyse_trends(short, [unnormed]) if a.kind == "rupture"] == []


def test_falling_trend(checkin):
    sums = [(8, 8, 7), (8, 7, 7), (7, 7, 7), (7, 7, 6), (7, 6, 6)]  # 23, 22, 21, 20, 19
    alerts = analyse_trends(series(checkin, sums), [checkin])
    assert kinds(alerts) == [("falling-trend", "total", "e4")]
    assert alerts[0].values["decline"] == pytest.approx(4)


def test_client_and_therapist_series_are_kept_apart(checkin, checkin_therapist):
    client = series(checkin, [(7, 7, 7)] * 5)
    therapist = series(checkin_therapist, [(7, 7, 7)] * 4 + [(7, 7, 3)], rater="therapist")
    alerts = analyse_trends(client + therapist, [checkin, checkin_therapist])
    ruptures = [a for a in alerts if a.kind == "rupture"]
    assert [(a.rater, a.scale) for a in ruptures] == [("therapist", "bond")]


def test_discrepancy_only_past_the_margin(checkin, checkin_therapist):
    client = series(checkin, [(7, 7, 7), (7, 7, 7)])  # 21 of 24
    therapist = series(checkin_therapist, [(5, 5, 5), (6, 6, 6)], rater="therapist")  # 15, 18
    gaps = [a for a in analyse_trends(client + therapist, [checkin, checkin_therapist])
            if a.kind == "discrepancy"]
    assert [a.encounter_id for a in gaps] == ["e0"]  # 25% apart; e1 is 12.5%, under 20%
    assert gaps[0].values["gap_fraction"] == pytest.approx(0.25)
    assert gaps[0].reason.startswith("Client rated 21 of 24, therapist 15 of 24")
