"""Alerts to cards: one card per clinical situation, open ones by clinical weight, good news
apart, older ones in the history, and a status sentence in a clinician's words."""

from __future__ import annotations

import datetime

from plugin.alliance import Alert
from plugin.panel.cards import build_cards

TODAY = datetime.date(2026, 12, 1)


def day(weeks_ago: int) -> datetime.date:
    return TODAY - datetime.timedelta(weeks=weeks_ago)


def alert(kind, weeks_ago, rater="client", scale="total", rule="a-rule", enc=None):
    return Alert(kind, enc or f"e{weeks_ago}", day(weeks_ago), rule, f"{kind} seen", scale,
                 rater)


def test_client_and_therapist_total_and_subscales_fold_into_one_card():
    cards = build_cards([alert("low-alliance", 1, "client"), alert("low-alliance", 1, "therapist"),
                         alert("low-alliance", 2, "client"),
                         alert("rupture", 3, "client", "total"),
                         alert("rupture", 3, "client", "bond")], [], TODAY)
    assert [c.situation for c in cards.open] == ["rupture", "low-alliance"]  # by clinical weight
    low = cards.open[1]
    assert low.raters == ("client", "therapist") and len(low.evidence) == 3
    assert low.summary == "Under the low line since 17 Nov 2026, 2 sessions."
    rupture = cards.open[0]
    assert rupture.heading == "Rupture, not yet repaired"
    assert rupture.summary == "Sudden drop on 10 Nov 2026. Bond fell too."
    assert cards.status == ("Rupture on 10 Nov 2026, not yet repaired; low since 17 Nov 2026 "
                            "(client and therapist).")


def test_a_repair_is_good_news_apart_and_closes_its_rupture():
    cards = build_cards([alert("rupture", 4), alert("repair", 2)], [], TODAY)
    assert not cards.open
    assert [c.heading for c in cards.good_news] == ["Good news: repaired"]
    assert [c.situation for c in cards.history] == ["rupture"]
    assert cards.status == "Steady now: repaired on 17 Nov 2026; nothing that needs attention."


def test_old_absences_go_to_the_history_and_recent_ones_count_together():
    alerts = [alert("attendance", 40, None, None, "cancelled"),
              alert("attendance", 8, None, None, "cancelled"),
              alert("attendance", 2, None, None, "no-show"),
              alert("attendance", 1, None, None, "no-show")]
    cards = build_cards(alerts, [], TODAY)
    assert [c.situation for c in cards.open] == ["attendance"]
    assert cards.open[0].summary == "2 sessions missed since 17 Nov 2026."
    assert [c.last for c in cards.history] == [day(8), day(40)]  # older absences: history
    assert cards.status == "Two sessions missed since 17 Nov 2026."  # no ratings to speak of


def test_an_unrepaired_rupture_stays_open_longer_than_other_alerts():
    cards = build_cards([alert("rupture", 9), alert("falling-trend", 9)], [], TODAY)
    assert [c.situation for c in cards.open] == ["rupture"]
    assert [c.situation for c in cards.history] == ["falling-trend"]


def test_no_alerts_says_steady():
    assert build_cards([], [], TODAY).status == "No alliance recorded yet."


def test_a_drift_down_while_low_is_one_card_with_both_findings():
    cards = build_cards([alert("low-alliance", 1, "client"), alert("falling-trend", 1, "therapist"),
                         alert("falling-trend", 2, "client")], [], TODAY)
    assert [c.heading for c in cards.open] == ["Low alliance, drifting down"]
    assert len(cards.open[0].evidence) == 3 and cards.open[0].raters == ("client", "therapist")
    assert cards.status == "Low since 24 Nov 2026 and drifting down (client and therapist)."
