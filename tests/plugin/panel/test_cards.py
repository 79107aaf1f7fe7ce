"""Alerts to what a clinician reads first: a status line of facts, prompts for today, open
alerts kept open until the data shows otherwise, news where it happens, history."""

from __future__ import annotations

import datetime

import fhir_profiles
from plugin.alliance import (
    Alert,
    ScoredSession,
    analyse_trends,
    instrument_from_questionnaire,
    score_answers,
)
from plugin.panel.cards import build_cards

TODAY = datetime.date(2026, 12, 1)
CHECKIN = instrument_from_questionnaire(fhir_profiles.questionnaire("alliance-checkin-client"))
THERAPIST = instrument_from_questionnaire(
    fhir_profiles.questionnaire("alliance-checkin-therapist"))
SRS = instrument_from_questionnaire(fhir_profiles.questionnaire("srs"))


def day(weeks_ago: int) -> datetime.date:
    return TODAY - datetime.timedelta(weeks=weeks_ago)


def checkin(total: int, instrument=CHECKIN) -> dict[str, str]:
    weights = [min(4, max(0, total - 4 * i)) for i in range(6)]
    out = {}
    for (link, item), weight in zip(instrument.items.items(), weights, strict=False):
        out[link] = next(c for c, w in item.weights.items() if w == weight)
    return out


def course(totals: list[int], rater: str = "client", instrument=CHECKIN) -> list[ScoredSession]:
    n = len(totals)
    return [ScoredSession(f"e{i}", day(n - 1 - i), rater,
                          score_answers(instrument, checkin(t, instrument)))
            for i, t in enumerate(totals)]


def srs_course(totals: list[float]) -> list[ScoredSession]:
    n = len(totals)
    return [ScoredSession(f"e{i}", day(n - 1 - i), "client",
                          score_answers(SRS, {str(k): t / 4 for k in range(1, 5)}))
            for i, t in enumerate(totals)]


def cards_for(scored, attended=()):
    return build_cards(analyse_trends(scored, today=TODAY), scored, TODAY, attended)


def test_a_drop_today_is_worth_asking_about_and_the_status_says_the_facts():
    scored = course([20, 21, 19, 14])
    cards = cards_for(scored)
    assert [c.situation for c in cards.prompts] == ["drop", "under-line"]
    assert cards.prompts[0].raters == ("client",)
    assert cards.status.startswith("Latest ratings, 1 Dec 2026: Check-in 14 of 24, client "
                                   "(usual 20). Worth asking about today: lower than usual today"
                                   " (client); under the line (client).")
    assert "nothing" not in cards.status.lower() and "steady" not in cards.status.lower()


def test_an_open_rupture_is_open_whatever_its_age_and_dated_from_the_drop():
    scored = course([20, 20, 20, 14] + [15] * 14)  # 18 weeks: far beyond any fixed window
    cards = cards_for(scored)
    rupture = next(c for c in cards.open if c.situation == "rupture")
    assert rupture.first == day(14) and rupture.heading == "Rupture, not back to usual"
    assert cards.status.startswith("Latest ratings, 1 Dec 2026: Check-in 15 of 24, client "
                                   "(usual 20).")  # the usual before the drop
    assert "Open: rupture since 25 Aug 2026 (client)" in cards.status
    assert "sliding down" not in cards.status  # one step down is a rupture, not a slide


def test_the_therapist_coming_back_never_closes_the_clients_rupture():
    client = course([20, 20, 20, 12, 12, 12])
    therapist = course([18, 18, 18, 11, 18, 18], "therapist", THERAPIST)
    cards = cards_for(client + therapist)
    assert [(c.situation, c.raters) for c in cards.open if c.situation == "rupture"] == [
        ("rupture", ("client",))]
    news = [c for c in cards.good_news if c.raters == ("therapist",)]
    assert news and news[0].heading == "Good news: back near usual"
    assert "after the drop on" in news[0].summary and "repaired" not in news[0].summary


def test_low_for_months_is_never_steady():
    cards = cards_for(srs_course([33.5] * 12))
    assert [c.situation for c in cards.open] == ["low-alliance"]
    assert "under the published cut-off of 36" in cards.open[0].summary
    assert "Open: low since 15 Sep 2026 (client)" in cards.status


def test_nothing_open_is_said_as_facts_not_as_reassurance():
    scored = course([20, 21, 20, 21, 20])
    cards = cards_for(scored, attended=[s.encounter_id for s in scored])
    assert not cards.open and not cards.prompts
    assert cards.status == "Latest ratings, 1 Dec 2026: Check-in 20 of 24, client (usual 20)."


def test_missing_ratings_are_said():
    scored = course([20, 21, 20])
    attended = ["e0", "e1", "e2", "e3", "e4"]  # the last two sessions were not rated
    cards = build_cards(analyse_trends(scored, today=TODAY), scored, TODAY, attended, "e5")
    assert cards.status.endswith("No client rating in 2 of the last 3 sessions.")
    both = course([20, 21, 20]) + course([18, 18, 18], "therapist", THERAPIST)[:2]
    today = build_cards(analyse_trends(both, today=TODAY), both, TODAY, current="e2")
    assert today.status.endswith("This session: no therapist rating yet.")


def test_old_absences_go_to_history_and_recent_ones_stay_open():
    alerts = [Alert("attendance", f"v{w}", day(w), "no-show", "The client did not come.",
                    open=w <= 6) for w in (40, 8, 2, 1)]
    cards = build_cards(alerts, [], TODAY)
    assert [(c.first, c.last) for c in cards.open] == [(day(2), day(1))]  # one card
    assert cards.open[0].summary == ("2 sessions missed since 17 Nov 2026, the latest on "
                                     "24 Nov 2026.")
    assert [c.last for c in cards.history] == [day(8), day(40)]
    assert cards.status == "Open: did not attend, 2 times since 17 Nov 2026."


def test_no_rating_yet():
    assert build_cards([], [], TODAY).status == "No alliance rating recorded yet."



def test_good_news_overtaken_by_a_new_drop_is_history_not_news():
    # a rupture, repaired two weeks later, then a new drop today
    scored = course([20, 20, 20, 20, 12, 20, 20, 20, 13])
    cards = cards_for(scored)
    assert [c.situation for c in cards.prompts][:1] == ["drop"]
    assert not cards.good_news
    assert "Back near usual" not in cards.status
    assert any(c.good_news for c in cards.history)
    # with no new drop, the same repair is news
    calm = cards_for(course([20, 20, 20, 20, 12, 20, 20, 20, 20]))
    assert [c.heading for c in calm.good_news] == ["Good news: back near usual"]
