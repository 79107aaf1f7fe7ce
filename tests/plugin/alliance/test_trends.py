"""Trend rules pinned on small hand-computed vectors (shipped norms and default settings).

Check-in client total: SD 4, test-retest r .75, so RC = 1.96 * 4 * sqrt(2) * sqrt(.25) = 5.544
and a rupture needs a drop of more than 1.3 RC = 7.207; subscales: SD 1.8, r .6, RC 3.156, x2
= 6.311. Cut-off 18 (client), 15 (therapist); standard error SD * sqrt(1 - r) = 2.
"""

from __future__ import annotations

import datetime

import pytest

from plugin.alliance import AlertSettings, NormSet, ScoredSession, Visit, analyse_trends
from plugin.alliance import score_answers as score

START = datetime.date(2026, 9, 7)
REVERSED = {"task-2"}


def checkin_answers(goal: int, task: int, bond: int) -> dict[str, str]:
    answers: dict[str, str] = {}
    for component, total in (("goal", goal), ("task", task), ("bond", bond)):
        for link, weight in ((f"{component}-1", (total + 1) // 2), (f"{component}-2", total // 2)):
            answers[link] = str(4 - weight if link in REVERSED else weight)
    return answers


def day(i: int) -> datetime.date:
    return START + datetime.timedelta(weeks=i)


def series(instrument, sums, rater="client", first=0):
    return [ScoredSession(f"e{first + i}", day(first + i), rater,
                          score(instrument, checkin_answers(*gtb)))
            for i, gtb in enumerate(sums)]


def of(alerts, *kinds):
    return [a for a in alerts if a.kind in kinds]


def test_rupture_then_repair_is_one_course_and_repair_is_good_news(checkin):
    sums = [(7, 7, 7)] * 4 + [(4, 4, 4), (7, 7, 7)]  # 21 x4, 12 (drop 9 > 7.207), 21
    alerts = analyse_trends(series(checkin, sums), [checkin])
    assert [(a.kind, a.scale, a.encounter_id) for a in alerts] == [
        ("rupture", "total", "e4"), ("repair", "total", "e5")]
    rupture, repair = alerts
    assert rupture.rule == "reliable-change"
    assert rupture.values["criterion"] == pytest.approx(7.207, abs=1e-3)
    assert rupture.reason == (
        "Alliance check-in total fell from a usual 21 to 12 of 24 in session 5, a drop of 9 "
        "(more than 7.2, the reliable-change criterion used). Repaired in the session of "
        "12 Oct 2026. The Alliance check-in is a feedback tool to start a conversation, not a "
        "validated measure.")
    assert not rupture.open and rupture.resolved_on == day(5)
    assert repair.good_news and not repair.open and "repaired" in repair.reason
    assert "Jacobson & Truax" in rupture.source and "test-retest r 0.75" in rupture.source
    assert "Eubanks" in repair.source


def test_an_unrepaired_rupture_stays_open_and_a_second_one_is_reported(checkin):
    sums = [(7, 7, 7)] * 4 + [(4, 4, 4), (4, 5, 4), (1, 1, 2)]  # 21 x4, 12, 13, then 4
    ruptures = of(analyse_trends(series(checkin, sums), [checkin]), "rupture")
    assert [(a.scale, a.encounter_id, a.open) for a in ruptures] == [
        ("total", "e4", True), ("total", "e6", True)]
    assert ruptures[0].reason.endswith("Not yet repaired. The Alliance check-in is a feedback "
                                       "tool to start a conversation, not a validated measure.")
    assert ruptures[1].reason.startswith(
        "Alliance check-in total fell again, from 12 to 4 of 24 in session 7, while the rupture "
        "of 5 Oct 2026 is open.")
    assert of(analyse_trends(series(checkin, sums), [checkin]), "repair") == []


def test_a_subscale_rupture_needs_the_stricter_subscale_criterion(checkin):
    bond_only = [(7, 7, 7)] * 4 + [(7, 7, 1)]  # bond 7 -> 1: 6 < 6.311; total drop 6 < 7.207
    assert of(analyse_trends(series(checkin, bond_only), [checkin]), "rupture") == []
    settings = AlertSettings(subscale_rupture_rc=1.5)  # 4.73: now the bond alone is a rupture
    ruptures = of(analyse_trends(series(checkin, bond_only), [checkin], settings=settings),
                  "rupture")
    assert [(a.scale, a.encounter_id) for a in ruptures] == [("bond", "e4")]
    assert ruptures[0].reason.startswith("Alliance check-in bond fell from a usual 7 to 1 of 8")


def test_stable_noisy_series_raises_nothing(checkin):
    goal = [7, 6, 7, 8, 7, 6, 7, 7, 8, 7]
    task = [6, 7, 7, 6, 7, 7, 6, 7, 7, 6]
    bond = [7, 7, 6, 7, 8, 7, 7, 6, 7, 8]
    assert analyse_trends(series(checkin, list(zip(goal, task, bond, strict=True))),
                          [checkin]) == []


def test_low_alliance_is_the_level_under_the_cut_off_not_one_score(checkin):
    # one 14 among 21s: mean of the last three (21, 21, 14) = 18.7, not under 18 - 2*2/sqrt(3)
    one_dip = [(7, 7, 7)] * 5 + [(5, 5, 4), (7, 7, 7)]
    assert of(analyse_trends(series(checkin, one_dip), [checkin]), "low-alliance") == []
    # 16, 15, 15 from session 5: mean 15.3 < 18 - 2.31 = 15.69
    low = [(7, 7, 7)] * 4 + [(6, 5, 5), (5, 5, 5), (5, 5, 5)]
    alerts = of(analyse_trends(series(checkin, low), [checkin]), "low-alliance")
    assert [(a.encounter_id, a.session_number) for a in alerts] == [("e6", 7)]
    assert alerts[0].values["mean"] == pytest.approx(46 / 3)
    assert alerts[0].reason.startswith(
        "Alliance check-in total averaged 15.3 over the last 3 sessions (15 of 24 now), under "
        "the cut-off of 18 (project default, not normed")


def test_therapist_ratings_have_their_own_cut_off(checkin, checkin_therapist):
    # 15, 15, 15, 15: for a client under 18 by more than the error from the second session on;
    # for the therapist (cut-off 15) nothing.
    client = of(analyse_trends(series(checkin, [(5, 5, 5)] * 4), [checkin]),
                "low-alliance", "early-low-alliance")
    assert [(a.kind, a.encounter_id) for a in client] == [
        ("early-low-alliance", "e1"), ("early-low-alliance", "e2"), ("low-alliance", "e3")]
    assert "Sharf, Primavera & Diener 2010" in client[0].reason
    assert "Sharf" in client[0].source
    therapist = series(checkin_therapist, [(5, 5, 5)] * 4, rater="therapist")
    assert analyse_trends(therapist, [checkin_therapist]) == []


def test_every_instrument_is_read_and_session_numbers_count_the_course(checkin, srs):
    # ten weekly check-ins, then the client's first SRS in week 11: 20 of 40
    checkins = series(checkin, [(7, 7, 7)] * 10)
    first_srs = ScoredSession("e10", day(10), "client",
                              score(srs, {"1": 5, "2": 5, "3": 5, "4": 5}))
    visits = [Visit(f"e{i}", day(i), "attended") for i in range(11)]
    alerts = analyse_trends([*checkins, first_srs], [checkin, srs], visits, today=day(10))
    assert [(a.kind, a.encounter_id, a.session_number) for a in alerts] == [
        ("low-alliance", "e10", 11)]
    assert alerts[0].reason == (
        "SRS total 20 of 40, under the cut-off of 36 (Duncan et al. 2003, Journal of Brief "
        "Therapy 3(1): a total under 36 is the PCOMS signal to talk about the alliance) by more "
        "than measurement error, up to session 11.")
    assert "feedback tool" not in alerts[0].reason  # the SRS is a validated measure


def test_discrepancy_only_between_paired_forms_and_weighted_toward_the_client_lower(
        checkin, checkin_therapist, srs):
    # criterion 1.5 * 1.96 * sqrt(2^2 + 2^2) = 8.315; usual gap .63 * 4 = 2.52
    client = series(checkin, [(4, 4, 4), (7, 7, 7), (8, 8, 7)])  # 12, 21, 23
    therapist = series(checkin_therapist, [(7, 7, 7), (4, 4, 4), (4, 4, 4)], rater="therapist")
    gaps = of(analyse_trends(client + therapist, [checkin, checkin_therapist]), "discrepancy")
    # e0: client 9 lower -> reported; e1: therapist 9 lower < 8.315 + 2.52 -> usual; e2: 11 lower
    assert [(a.encounter_id, a.rule) for a in gaps] == [("e0", "client-lower"),
                                                        ("e2", "therapist-lower")]
    assert gaps[0].reason.startswith(
        "In session 1 the client rated the Alliance check-in 12 of 24 and the therapist 21 of "
        "24: the client sees the alliance as weaker than the therapist does, by 9 points")
    assert "Tryon" in gaps[0].source
    # an SRS of the client beside the therapist's check-in is never compared
    srs_session = ScoredSession("e0", day(0), "client",
                                score(srs, {"1": 9.5, "2": 9.5, "3": 9.5, "4": 9.5}))
    mixed = [srs_session, *series(checkin_therapist, [(2, 2, 2)], rater="therapist")]
    assert of(analyse_trends(mixed, [srs, checkin_therapist]), "discrepancy") == []


def test_falling_trend_over_eight_sessions(checkin):
    sums = [(8, 8, 7), (8, 7, 7), (7, 7, 7), (7, 7, 6), (7, 6, 6), (6, 6, 6), (6, 6, 5),
            (6, 5, 5)]  # 23 down to 16: fitted decline 7 >= 1.2 RC = 6.65
    alerts = analyse_trends(series(checkin, sums), [checkin])
    assert [(a.kind, a.encounter_id) for a in alerts] == [("falling-trend", "e7")]
    assert alerts[0].values["decline"] == pytest.approx(7)
    assert "lower than this client's usual" in alerts[0].reason


def test_own_variability_stands_in_without_norms(checkin):
    bonds = [6, 7, 6, 7, 6, 7]  # SD .548, x3 = 1.64; usual 6.6, then 2
    sessions = series(checkin, [(7, 7, b) for b in bonds] + [(7, 7, 2)])
    ruptures = of(analyse_trends(sessions, [checkin], norms=NormSet()), "rupture")
    assert sorted((a.scale, a.rule) for a in ruptures) == [("bond", "own-variability"),
                                                           ("total", "own-variability")]
    assert "beyond this client's usual variation" in ruptures[0].reason
    assert "project default" in ruptures[0].source


def test_a_prorated_score_is_marked_in_the_alert(checkin):
    sessions = series(checkin, [(7, 7, 7)] * 4)
    answers = checkin_answers(4, 4, 4)
    del answers["bond-2"]  # 5 of 6 answered: total prorated 10 / 5 * 6 = 12
    sessions.append(ScoredSession("e4", day(4), "client", score(checkin, answers)))
    rupture = of(analyse_trends(sessions, [checkin]), "rupture")[0]
    assert rupture.prorated and "12 of 24 (prorated: 5 of 6 items answered)" in rupture.reason


def test_without_visits_the_course_is_every_rated_encounter(checkin, checkin_therapist, srs):
    # a therapist check-in in week 0, the client's check-ins from week 1, an SRS in week 3:
    # the SRS session is the course's fourth, not "session 1" of the SRS
    sessions = [*series(checkin_therapist, [(7, 7, 7)], rater="therapist"),
                *series(checkin, [(7, 7, 7)] * 2, first=1),
                ScoredSession("e3", day(3), "client",
                              score(srs, {"1": 5, "2": 5, "3": 5, "4": 5}))]
    alerts = analyse_trends(sessions, [checkin, checkin_therapist, srs])
    assert [(a.kind, a.session_number) for a in alerts] == [("low-alliance", 4)]


def test_every_alert_says_its_rule_and_source(checkin, checkin_therapist):
    client = series(checkin, [(7, 7, 7)] * 4 + [(2, 2, 2), (3, 2, 2), (7, 7, 7)])
    therapist = series(checkin_therapist, [(7, 7, 7)] * 7, rater="therapist")
    visits = [Visit(f"e{i}", day(i), "attended") for i in range(7)]
    visits.append(Visit("missed", day(7), "no-show"))
    alerts = analyse_trends(client + therapist, [checkin, checkin_therapist], visits,
                            today=day(7))
    assert {a.kind for a in alerts} == {"rupture", "repair", "low-alliance", "discrepancy",
                                        "attendance"}
    for alert in alerts:
        assert alert.rule and alert.source and alert.reason
        if alert.kind != "attendance":
            assert alert.instrument == checkin.url and alert.session_number is not None
