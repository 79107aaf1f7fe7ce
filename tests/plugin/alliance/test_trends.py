"""The signal on small hand-made series (shipped norms, default settings).

Check-in client: a noticeable drop is 4 points of 24 (subscales 3 of 8), the line 18; the
therapist form: 5 points, line 15. SRS: 5 points of 40, the published cut-off 36. WAI-SR:
6 points of 60, no line. Prompts are sensitive ("worth asking about"), alerts specific.
"""

from __future__ import annotations

import datetime

import pytest

from plugin.alliance import Instrument, ScoredSession, Visit, analyse_trends
from plugin.alliance import score_answers as score

START = datetime.date(2026, 9, 7)
REVERSED = {"task-2"}


def checkin_answers(goal: int, task: int, bond: int) -> dict[str, str]:
    answers: dict[str, str] = {}
    for component, total in (("goal", goal), ("task", task), ("bond", bond)):
        for link, weight in ((f"{component}-1", (total + 1) // 2), (f"{component}-2", total // 2)):
            answers[link] = str(4 - weight if link in REVERSED else weight)
    return answers


def by_total(instrument: Instrument, total: float) -> dict[str, str | float]:
    """Answers whose total is ``total``: numeric items share it, choice items take whole weights."""
    items = list(instrument.items.values())
    if items[0].numeric:
        return {i.link_id: round(total / len(items), 2) for i in items}
    lowest = [min(i.weights.values()) for i in items]
    left = total - sum(lowest)
    out: dict[str, str | float] = {}
    for item, low in zip(items, lowest, strict=True):
        step = min(left, max(item.weights.values()) - low)
        left -= step
        out[item.link_id] = next(c for c, w in item.weights.items() if w == low + step)
    assert left == 0
    return out


def day(i: int) -> datetime.date:
    return START + datetime.timedelta(weeks=i)


def totals(instrument: Instrument, values: list[float], rater: str = "client",
           every_weeks: int = 1) -> list[ScoredSession]:
    return [ScoredSession(f"e{i}", day(i * every_weeks), rater,
                          score(instrument, by_total(instrument, v)))
            for i, v in enumerate(values)]


def series(instrument, sums, rater="client"):
    return [ScoredSession(f"e{i}", day(i), rater, score(instrument, checkin_answers(*gtb)))
            for i, gtb in enumerate(sums)]


def found(alerts, *kinds):
    return [(a.kind, a.encounter_id, a.open) for a in alerts
            if a.kind in kinds and a.scale == "total"]


def test_a_real_drop_is_worth_asking_about_and_a_rupture_while_it_lasts(checkin):
    alerts = analyse_trends(totals(checkin, [20, 21, 19, 14, 15, 19, 20]))
    assert found(alerts, "drop") == [("drop", "e3", False)]
    assert found(alerts, "rupture") == [("rupture", "e3", False)]  # dated from the drop
    drop = next(a for a in alerts if a.kind == "drop")
    assert drop.level == "prompt" and drop.reason.startswith(
        "Alliance check-in total was 14 of 24 in session 4, 6 under this client's usual 20")
    assert "4 points (project default)" in drop.source
    rupture = next(a for a in alerts if a.kind == "rupture")
    assert rupture.level == "alert" and rupture.resolved_on == day(6)  # two ratings back
    back = [a for a in alerts if a.kind == "repair" and a.scale == "total"]
    assert [(a.encounter_id, a.level) for a in back] == [("e5", "news")]
    assert back[0].reason == ("Alliance check-in total came back to 19 of 24 in session 6, "
                              "near the usual 20, after the drop on 28 Sep 2026.")
    assert "repaired" not in back[0].reason  # a score cannot show a repair
    assert [a.encounter_id for a in alerts if a.kind == "under-line"] == ["e3", "e4"]


def test_a_drop_never_repaired_stays_open_and_becomes_low_for_weeks(checkin):
    alerts = analyse_trends(totals(checkin, [20, 20, 20, 14, 15, 15, 15, 15]))
    assert found(alerts, "rupture") == [("rupture", "e3", True)]
    assert found(alerts, "low-alliance") == [("low-alliance", "e3", True)]
    low = next(a for a in alerts if a.kind == "low-alliance")
    assert "under the line of 18 (project default) in each of the last 4 ratings" in low.reason


def test_an_open_rupture_stays_open_whatever_its_age(wai):
    alerts = analyse_trends(totals(wai, [56, 56, 56, 40] + [40] * 14))
    ruptures = [a for a in alerts if a.kind == "rupture" and a.scale == "total"]
    assert [(a.encounter_id, a.open) for a in ruptures] == [("e3", True)]
    assert (day(17) - ruptures[0].date).days > 84


def test_an_srs_under_36_is_always_worth_asking_about(srs):
    alerts = analyse_trends(totals(srs, [38, 29, 38]))
    assert {a.kind for a in alerts if a.encounter_id == "e1"} == {"under-line"}
    under = next(a for a in alerts if a.kind == "under-line")
    assert under.reason == ("SRS total was 29 of 40 in session 2, under the published cut-off "
                            "of 36.")
    assert "PCOMS" in under.source


def test_low_for_months_is_an_alert_not_steady(srs):
    alerts = analyse_trends(totals(srs, [33.5] * 12))
    assert len([a for a in alerts if a.kind == "under-line"]) == 12
    assert found(alerts, "low-alliance") == [("low-alliance", "e0", True)]


def test_a_return_above_the_line_closes_low_for_weeks(srs):
    alerts = analyse_trends(totals(srs, [33, 33, 34, 33, 37, 38]))
    assert found(alerts, "low-alliance") == [("low-alliance", "e0", False)]


def test_a_subscale_drop_is_worth_asking_about(checkin):
    bond_only = series(checkin, [(7, 7, 7)] * 4 + [(7, 7, 1)])  # bond 7 -> 1; total 21 -> 15
    prompts = [(a.kind, a.scale) for a in analyse_trends(bond_only) if a.encounter_id == "e4"]
    assert ("drop", "bond") in prompts and ("drop", "total") in prompts


def test_a_stable_noisy_series_raises_nothing(checkin):
    goal = [7, 6, 7, 8, 7, 6, 7, 7, 8, 7]
    task = [6, 7, 7, 6, 7, 7, 6, 7, 7, 6]
    bond = [7, 7, 6, 7, 8, 7, 7, 6, 7, 8]
    assert analyse_trends(series(checkin, list(zip(goal, task, bond, strict=True)))) == []


def test_one_rater_coming_back_never_closes_the_others_rupture(checkin, checkin_therapist):
    client = totals(checkin, [20, 20, 20, 12, 12, 12])
    therapist = totals(checkin_therapist, [18, 18, 18, 11, 18, 18], rater="therapist")
    alerts = analyse_trends(client + therapist)
    ruptures = {(a.rater, a.open) for a in alerts if a.kind == "rupture" and a.scale == "total"}
    assert ruptures == {("client", True)}
    assert {(a.rater, a.encounter_id) for a in alerts
            if a.kind == "repair" and a.scale == "total"} == {("therapist", "e4")}


def test_a_slide_over_eight_sessions(checkin):
    alerts = analyse_trends(totals(checkin, [22, 22, 22, 21, 20, 19, 18, 17, 16, 15]))
    slides = [a for a in alerts if a.kind == "falling-trend"]
    assert [(a.encounter_id, a.open) for a in slides] == [("e9", True)]
    assert slides[0].values["fall"] >= 5


def test_raters_apart_is_judged_on_the_pair_over_time(checkin, checkin_therapist):
    # therapist 13-14, client 21-22: apart by more than the usual gap (2.5) + 1.25 drops (5)
    client = totals(checkin, [22, 21, 22, 21, 22, 21])
    therapist = totals(checkin_therapist, [14, 13, 14, 13, 14, 13], rater="therapist")
    apart = [a for a in analyse_trends(client + therapist) if a.kind == "discrepancy"]
    assert [(a.rule, a.encounter_id, a.open) for a in apart] == [
        ("therapist-lower", "e0", True)]
    assert "Tryon" in apart[0].source and "project default" in apart[0].source
    # the client lower in one session: worth asking about that day, not an alert
    once = totals(checkin, [20, 12]) + totals(checkin_therapist, [18, 18], rater="therapist")
    today = [(a.rule, a.level) for a in analyse_trends(once) if a.kind == "discrepancy"]
    assert today == [("client-lower-today", "prompt")]


def test_different_instruments_are_never_compared(srs, checkin_therapist):
    mixed = [*totals(srs, [38, 38, 38]),
             *totals(checkin_therapist, [6, 6, 6], rater="therapist")]
    assert [a for a in analyse_trends(mixed) if a.kind == "discrepancy"] == []


def test_session_numbers_count_the_course(checkin, srs):
    checkins = totals(checkin, [21] * 10)
    first_srs = ScoredSession("e10", day(10), "client", score(srs, by_total(srs, 20)))
    visits = [Visit(f"e{i}", day(i), "attended") for i in range(11)]
    alerts = analyse_trends([*checkins, first_srs], visits=visits, today=day(10))
    assert [(a.kind, a.session_number) for a in alerts] == [("under-line", 11)]


def test_a_prorated_score_is_marked(checkin):
    sessions = totals(checkin, [21] * 4)
    answers = checkin_answers(4, 4, 4)
    del answers["bond-2"]  # 5 of 6 answered: total prorated 10 / 5 * 6 = 12
    sessions.append(ScoredSession("e4", day(4), "client", score(checkin, answers)))
    drop = next(a for a in analyse_trends(sessions) if a.kind == "drop" and a.scale == "total")
    assert drop.prorated and "12 of 24 (prorated: 5 of 6 items answered)" in drop.reason


@pytest.mark.parametrize("kind", ["drop", "rupture", "repair", "under-line", "low-alliance",
                                  "attendance"])
def test_every_signal_says_its_source(checkin, kind):
    sessions = totals(checkin, [21, 21, 21, 10, 10, 21, 21, 10, 10, 10, 10])
    visits = [Visit(f"e{i}", day(i), "attended") for i in range(11)]
    visits.append(Visit("missed", day(11), "no-show"))
    alerts = [a for a in analyse_trends(sessions, visits=visits, today=day(11))
              if a.kind == kind]
    assert alerts and all(a.source and a.reason and a.rule for a in alerts)
