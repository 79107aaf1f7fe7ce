"""The panel's view model from constructed FHIR data: states, rows, grouping, trend geometry."""

from __future__ import annotations

import datetime
import json

import pytest

import fhir_profiles
from plugin.alliance import Alert, parse_site_norms
from plugin.fhir.record_bundles import Submission, build_submission_records
from plugin.panel.alert_list import group_alerts
from plugin.panel.charts import build_trends, usual_range
from plugin.panel.reads import PanelReads
from plugin.panel.view import build_panel, instrument_for, state_of
from tests.support.panel_data import DAY0, encounter, reads, response


def test_the_session_in_context_says_who_rated_it():
    data = reads([encounter(0), encounter(1, "in-progress")],
                 [response(1, "client", "high"), response(0, "therapist", "high")])
    view = build_panel(data, "e1", DAY0 + datetime.timedelta(weeks=1))
    assert view.current.id == "e1" and view.current_state == "client-rated"
    assert state_of(["client", "therapist"]) == "client- and therapist-rated"
    assert state_of([]) == "not yet recorded"
    rows = {row.session.id: row.raters for row in view.rows}
    assert rows == {"e0": ("therapist",), "e1": ("client",)}


def test_entered_in_error_leaves_the_trend_but_stays_listed():
    data = reads([encounter(n) for n in range(3)],
                 [response(0, "client", "high"), response(1, "client", "high"),
                  response(2, "client", "low", status="entered-in-error")])
    view = build_panel(data, None, DAY0 + datetime.timedelta(weeks=3))
    assert len(view.scored) == 2 and len(view.responses) == 3
    assert not [a for a in view.alerts if a.kind in ("rupture", "low-alliance")]


def test_a_rupture_in_several_scales_is_one_alert_with_each_reason():
    history = [response(n, "client", "high") for n in range(5)]
    history += [response(5, "client", "low"), response(6, "client", "low")]
    view = build_panel(reads([encounter(n) for n in range(7)], history), None,
                       DAY0 + datetime.timedelta(weeks=7))
    ruptures = [a for a in view.alerts if a.kind == "rupture"]
    assert len(ruptures) == 1 and ruptures[0].encounter_id == "e5"  # dated from the drop
    assert len(ruptures[0].reasons) >= 2
    assert ruptures[0].reasons[0].startswith("Alliance check-in total")
    assert view.alerts == sorted(view.alerts, key=lambda a: a.date, reverse=True)


def test_group_alerts_keeps_raters_and_sessions_apart():
    day = datetime.date(2026, 10, 1)
    alerts = [Alert("rupture", "e1", day, "r", "bond fell", "bond", "client"),
              Alert("rupture", "e1", day, "r", "total fell", "total", "client"),
              Alert("rupture", "e1", day, "r", "therapist total fell", "total", "therapist"),
              Alert("rupture", "e2", day, "r", "other session", "total", "client")]
    groups = group_alerts(alerts)
    assert len(groups) == 3
    client_e1 = next(g for g in groups if g.encounter_id == "e1" and g.rater == "client")
    assert client_e1.reasons == ("total fell", "bond fell")


def test_trend_charts_draw_both_raters_on_the_instruments_range():
    history = [response(n, r, "high" if n % 2 else "mid") for n in range(4)
               for r in ("client", "therapist")]
    view = build_panel(reads([encounter(n) for n in range(4)], history), None, DAY0)
    charts = build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions,
                          norms=view.norms)
    assert [c.scale for c in charts] == ["total", "goal", "task", "bond"]
    total = charts[0]
    assert total.title == "Check-in total, 0 to 24"
    assert [line.rater for line in total.lines] == ["client", "therapist"]
    points = [p for line in total.lines for p in line.points]
    assert all(8 <= p.y <= total.height - 30 for p in points)  # inside the plot area
    best = max(points, key=lambda p: p.value)
    assert best.y == min(p.y for p in points)  # SVG y grows downwards: best drawn highest
    assert len({p.x for p in points}) == 4  # one x per session day, shared by both raters
    assert "client: 4 ratings, from 12 on 1 Sep 2026 to 20 on 22 Sep 2026" in total.description
    # Each form is held to its own cut-off: the client form's 18, the therapist form's 15.
    assert total.threshold is not None and total.threshold[1] == "18"
    assert total.second_threshold is not None and total.second_threshold[1] == "15"
    assert total.second_threshold[0] > total.threshold[0]  # 15 drawn below 18
    assert total.description.endswith("the low lines are at 18 (client) and 15 (therapist), "
                                      "set by the project (not a published cut-off).")


def test_the_trend_shows_the_last_12_sessions_with_missed_ones_marked_and_all_on_demand():
    encounters = [encounter(n) for n in range(20)]
    encounters[17] = encounter(17, status="cancelled")
    history = [response(n, "client", "high") for n in range(20) if n != 17]
    view = build_panel(reads(encounters, history), None, DAY0)
    recent = build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions)[0]
    everything = build_trends(view.all_scored, view.all_instruments, view.marks,
                              view.sessions, show_all=True)[0]
    assert len(recent.lines[0].points) == 11 and len(recent.missed) == 1  # 12 slots, 1 missed
    assert recent.missed[0][1] == "29 Dec 2026"
    assert len(everything.lines[0].points) == 19
    labels = [label for _, label in recent.x_ticks]
    assert 3 <= len(labels) <= 5 and labels[-1] == "12 Jan 2027"  # dates along the axis


def test_a_low_alliance_that_persists_is_one_alert_saying_for_how_long():
    history = [response(n, "therapist", "low") for n in range(5)]
    history += [response(n, "therapist", "high") for n in range(5, 7)]
    history += [response(n, "therapist", "low") for n in range(7, 9)]
    view = build_panel(reads([encounter(n) for n in range(9)], history), None,
                       DAY0 + datetime.timedelta(weeks=9))
    lows = [a for a in view.alerts if a.kind == "low-alliance"]
    # the therapist's 4 of 24 is under their line of 15 from the first session: four in a row
    # make one alert dated from the first, closed by the two high sessions
    assert [(a.encounter_id, a.open) for a in lows] == [("e0", False)]
    assert "in each of the last 4 ratings, since 1 Sep 2026" in lows[0].reasons[0]
    marks = {e for (e, rater, scale), _ in view.marks.items()
             if rater == "therapist" and scale == "total"}
    assert {"e0", "e1", "e2", "e3", "e4", "e7", "e8"} <= marks  # every low one on the trend
    assert "e5" not in marks and view.marks[("e8", "therapist", "total")] == "prompt"
    assert not [k for k in view.marks if k[1] == "client"]  # rings only on the rater concerned


def test_the_open_alerts_label_every_number_with_instrument_scale_and_rater():
    history = [response(n, r, "low") for n in range(4) for r in ("therapist", "client")]
    view = build_panel(reads([encounter(n) for n in range(4)], history), None,
                       DAY0 + datetime.timedelta(weeks=4))
    assert view.cards is not None
    low = view.cards.open[0]
    assert low.raters == ("client", "therapist")  # one order of raters
    assert low.summary.startswith("Alliance check-in total has been under the line of 18 "
                                  "(project default)")
    assert view.cards.status.startswith(
        "Latest ratings, 22 Sep 2026: Check-in 4 of 24, client (usual 4); Check-in 4 of 24, "
        "therapist (usual 4).")
    assert "Open: low since 1 Sep 2026 (client and therapist)" in (
        view.cards.status)


def test_only_an_absence_open_says_where_the_ratings_stand_too():
    history = [response(n, "client", "high") for n in range(5)]
    data = PanelReads({"resourceType": "Patient", "id": "p1"},
                      [encounter(n) for n in range(5)], [appointment(5, "noshow")], history)
    view = build_panel(data, None, DAY0 + datetime.timedelta(weeks=6))
    assert view.cards is not None
    assert view.cards.status == ("Latest ratings, 29 Sep 2026: Check-in 20 of 24, client "
                                 "(usual 20). Open: did not attend on 6 Oct 2026.")


def srs_response(n: int, marks: float) -> dict:
    q = fhir_profiles.questionnaire("srs")
    day = DAY0 + datetime.timedelta(weeks=n)
    records = build_submission_records(Submission(
        questionnaire=q, answers={str(i): marks for i in range(1, 5)}, rater="client",
        patient="Patient/p1", encounter=f"Encounter/e{n}", author="Patient/p1",
        authored=datetime.datetime.combine(day, datetime.time(11), datetime.UTC),
        submission_id=f"s-{n}-srs", app_name="Alliance Panel", app_version="test"))
    return dict(records.questionnaire_response, id=f"qr-{n}-srs", status="completed")


def test_each_alert_carries_its_sources_and_a_repair_is_good_news():
    history = [response(n, "client", "high") for n in range(5)]
    history += [response(5, "client", "low"), response(6, "client", "low")]
    history += [response(7, "client", "high"), response(8, "client", "high")]
    view = build_panel(reads([encounter(n) for n in range(9)], history), None,
                       DAY0 + datetime.timedelta(weeks=9))
    rupture = next(a for a in view.alerts if a.kind == "rupture")
    repair = next(a for a in view.alerts if a.kind == "repair")
    assert any("noticeable drop: project default" in s for s in rupture.sources)
    assert not rupture.open and "not back yet" in rupture.reasons[0]
    assert repair.good_news and repair.encounter_id == "e7"
    assert any("Eubanks" in s for s in repair.sources)


def test_a_low_srs_is_an_alert_beside_a_majority_of_check_ins():
    history = [response(n, "client", "high") for n in range(5)] + [srs_response(5, 5)]
    view = build_panel(reads([encounter(n) for n in range(6)], history), None,
                       DAY0 + datetime.timedelta(weeks=6))
    low = [a for a in view.alerts if a.kind == "under-line"]
    assert [(a.encounter_id, a.reasons[0]) for a in low] == [
        ("e5", "SRS total was 20 of 40 in session 6, under the published cut-off of 36.")]
    assert any("PCOMS" in s for s in low[0].sources)
    assert view.instruments["client"].url.endswith("alliance-checkin-client")  # the chart's


def test_site_norms_change_the_cut_off_and_the_source_shown():
    # an SRS of 37: over the shipped cut-off of 36, under a site's 38
    history = [response(n, "client", "high") for n in range(5)] + [srs_response(5, 9.25)]
    data = reads([encounter(n) for n in range(6)], history)
    today = DAY0 + datetime.timedelta(weeks=6)
    assert [a for a in build_panel(data, None, today).alerts if a.kind == "under-line"] == []
    srs = instrument_for(fhir_profiles.questionnaire("srs")["url"])
    site = parse_site_norms(json.dumps([{"instrument": srs.url, "rater": "client", "scales": {
        "total": {"cutoff": {"value": 38, "source": "local norms, Clinic X 2025"}}}}]), [srs])
    low = [a for a in build_panel(data, None, today, site).alerts if a.kind == "under-line"]
    assert len(low) == 1 and "the published cut-off of 38" in low[0].reasons[0]
    assert any("local norms, Clinic X 2025" in s for s in low[0].sources)


def appointment(n: int, status: str, reason: dict | None = None) -> dict:
    day = DAY0 + datetime.timedelta(weeks=n)
    found = {"resourceType": "Appointment", "id": f"a{n}", "status": status,
             "start": f"{day}T10:00:00Z"}
    if reason is not None:
        found["cancelationReason"] = reason
    return found


def test_a_session_the_clinic_cancelled_is_not_the_clients_absence():
    appointments = [appointment(3, "cancelled", {"coding": [{"code": "prov"}]}),
                    appointment(4, "cancelled", {"text": "Cancelled by the client"}),
                    appointment(5, "noshow")]
    data = PanelReads({"resourceType": "Patient", "id": "p1"},
                      [encounter(n) for n in (0, 1, 2, 6)], appointments, [])
    view = build_panel(data, None, DAY0 + datetime.timedelta(weeks=6))
    absences = [(a.encounter_id, a.rules) for a in view.alerts if a.kind == "attendance"]
    assert absences == [("a5", ("no-show",)), ("a4", ("client-cancelled",))]
    status = {row.session.id: row.session.cancelled_by for row in view.rows}
    assert (status["a3"], status["a4"]) == ("clinic", "client")


def test_a_prorated_score_is_marked_on_the_chart_and_the_check_in_is_labelled():
    history = [response(n, "client", "high") for n in range(3)]
    partial = response(3, "client", "high")
    partial["item"] = [i for i in partial["item"] if i["linkId"] != "bond-2"]
    view = build_panel(reads([encounter(n) for n in range(4)], [*history, partial]), None,
                       DAY0 + datetime.timedelta(weeks=4))
    total = build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions)[0]
    assert [p.prorated for p in total.lines[0].points] == [False, False, False, True]
    assert "1 prorated from missing items" in total.description
    assert view.caveats[view.instruments["client"].url] == (
        "Alliance check-in: a feedback tool to start a conversation, not a validated measure.")


def wai_sr_response(n: int, option: int) -> dict:
    q = fhir_profiles.questionnaire("wai-sr-client")
    answers = {i["linkId"]: i["answerOption"][option]["valueCoding"]["code"]
               for i in q["item"] if i.get("answerOption")}
    day = DAY0 + datetime.timedelta(weeks=n)
    records = build_submission_records(Submission(
        questionnaire=q, answers=answers, rater="client", patient="Patient/p1",
        encounter=f"Encounter/e{n}", author="Patient/p1",
        authored=datetime.datetime.combine(day, datetime.time(11), datetime.UTC),
        submission_id=f"w-{n}", app_name="Alliance Panel", app_version="test"))
    return dict(records.questionnaire_response, id=f"w-{n}", status="completed")


def test_usual_range_is_the_middle_half_of_the_ratings_once_there_are_four():
    assert usual_range([1, 2, 3]) is None
    assert usual_range([5, 1, 4, 2, 3]) == (2.0, 4.0)
    assert usual_range([10, 20, 30, 40]) == (17.5, 32.5)


def test_a_scale_without_a_cutoff_shades_the_clients_usual_range_instead():
    options = [3, 4, 3, 2, 4, 3]  # option index per session, 1-5 scale
    history = [wai_sr_response(n, o) for n, o in enumerate(options)]
    view = build_panel(reads([encounter(n) for n in range(len(options))], history), None, DAY0)
    charts = build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions,
                          norms=view.norms)
    total = next(c for c in charts if c.scale == "total")
    assert total.threshold is None  # the WAI-SR has no published cut-off
    assert total.usual is not None
    top, bottom, label = total.usual
    values = sorted(p.value for p in total.lines[0].points)
    assert label == f"{usual_range(values)[0]:g} to {usual_range(values)[1]:g}"
    assert top < bottom  # SVG y grows downwards: the band's upper edge is drawn higher
    assert "the shaded band is the client's usual range" in total.description
    checkin = _checkin_total()
    assert checkin.threshold is not None and checkin.usual is None


def _checkin_total():
    history = [response(n, "client", "high" if n % 2 else "mid") for n in range(4)]
    view = build_panel(reads([encounter(n) for n in range(4)], history), None, DAY0)
    return build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions,
                        norms=view.norms)[0]


def test_an_unfinished_response_is_listed_and_never_scored():
    history = [response(n, "client", "high") for n in range(4)]
    history.append(response(4, "client", "low", status="in-progress"))
    view = build_panel(reads([encounter(n) for n in range(5)], history), None,
                       DAY0 + datetime.timedelta(weeks=5))
    unfinished = next(r for r in view.responses if r.id == "qr-4-client")
    assert unfinished.score is None and not unfinished.counts
    assert len(view.scored) == 4 and not [a for a in view.alerts if a.encounter_id == "e4"]


def test_cancellation_codes_are_read_as_hl7_defines_them():
    code = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
    appointments = [appointment(3, "cancelled", {"coding": [{"system": code, "code": "pat-dec"}]}),
                    appointment(4, "cancelled", {"coding": [{"system": code, "code": "pat-ucp"}]}),
                    appointment(5, "cancelled",
                                {"text": "client felt the sessions were not helping"}),
                    appointment(8, "booked")]
    data = PanelReads({"resourceType": "Patient", "id": "p1"},
                      [encounter(n) for n in (0, 1, 2)], appointments, [])
    view = build_panel(data, None, DAY0 + datetime.timedelta(weeks=7))
    rules = {a.encounter_id: a.rules for a in view.alerts if a.kind == "attendance"}
    assert rules == {"a4": ("client-unhappy",), "a5": ("client-cancelled",)}  # no gap: booked
    reasons = {row.session.id: row.session.reason for row in view.rows}
    assert reasons["a3"] is not None and reasons["a3"].why == "the record says the client has died"


def test_the_session_in_context_leads_with_its_ratings_the_clients_words_and_a_next_step():
    history = [response(n, "client", "high") for n in range(5)]
    today = response(5, "client", "low")
    today["item"].append({"linkId": "helpful", "answer": [
        {"valueString": "I felt rushed today and I am not sure this is helping"}]})
    history += [today, response(5, "therapist", "high")]
    day = DAY0 + datetime.timedelta(weeks=5)
    view = build_panel(reads([encounter(n) for n in range(6)], history), "e5", day)
    client = view.today.ratings[0]
    assert (client.rater, client.score, client.usual) == ("client", "Check-in 4 of 24, client",
                                                          "20")
    assert set(client.signals) == {"lower than usual", "under the line",
                                   "the client rated it lower than the therapist"}
    assert client.comment == "I felt rushed today and I am not sure this is helping"
    # one step for all the rules saw, in words, not one per rule
    assert view.today.steps == (
        "Under the line of 18 (a project default), lower than this client's usual and rated "
        "lower by the client than by the therapist: ask how the session felt before the "
        "client leaves.",)
    assert [(c.rater, c.text[:14]) for c in view.comments] == [("client", "I felt rushed ")]
    row = next(r for r in view.rows if r.session.id == "e5")
    assert row.scores == ("Check-in 4, client", "Check-in 20, therapist")
    # a day later the same session says "at the next session"
    later = build_panel(reads([encounter(n) for n in range(6)], history), "e5",
                        day + datetime.timedelta(days=1))
    assert all(s.endswith("at the next session.") for s in later.today.steps)


@pytest.mark.parametrize("count", [1, 2, 5, 7, 10, 12, 13, 20, 40])
def test_every_session_the_heading_counts_is_listed_up_to_the_window(count):
    from plugin.panel.charts import RECENT, window, window_rows

    # every other session rated from the third on: the oldest ones attended and not rated
    history = [response(n, "client", "high") for n in range(2, count, 2)]
    view = build_panel(reads([encounter(n) for n in range(count)], history), None,
                       DAY0 + datetime.timedelta(weeks=count))
    shown = window_rows(view, window(view.sessions, view.all_scored, False), False)
    assert len(view.rows) == count
    assert [r.session.id for r in shown] == [f"e{n}" for n in reversed(range(count))][:RECENT]


def test_a_long_course_shown_whole_is_drawn_by_month_and_lines_say_if_published():
    history = [response(n, "client", "high") for n in range(45)]
    view = build_panel(reads([encounter(n) for n in range(45)], history), None,
                       DAY0 + datetime.timedelta(weeks=45))
    whole = build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions,
                         show_all=True, norms=view.norms)[0]
    assert whole.monthly and 10 <= len(whole.lines[0].points) <= 12  # 45 weeks: 11 months
    assert "one point a month" in whole.description
    assert not whole.published and "set by the project" in whole.description  # check-in's 18
    recent = build_trends(view.all_scored, view.all_instruments, view.marks, view.sessions,
                          norms=view.norms)[0]
    assert not recent.monthly and len(recent.lines[0].points) == 12


def test_a_return_to_usual_is_marked_as_good_news_on_its_own_scale():
    history = [response(n, "client", "high") for n in range(5)]
    history += [response(5, "client", "low"), response(6, "client", "high")]
    view = build_panel(reads([encounter(n) for n in range(7)], history), None,
                       DAY0 + datetime.timedelta(weeks=7))
    assert view.marks[("e6", "client", "total")] == "news"
    assert view.marks[("e5", "client", "total")] == "prompt"


def test_a_response_stored_under_0_1_0_is_scored_and_counted_with_0_1_0() -> None:
    url = f"{fhir_profiles.CANONICAL}/Questionnaire/alliance-checkin-client"
    current = response(0, "client", "high")
    old = json.loads((fhir_profiles.PACKAGE_DIR / "previous"
                      / "Questionnaire-alliance-checkin-client-0.1.0.json").read_text())
    records = build_submission_records(Submission(
        questionnaire=old, answers={"goal-1": "4", "goal-2": "4", "task-1": "4", "task-2": "0",
                                    "bond-1": "4", "bond-2": "4"},
        rater="client", patient="Patient/p1", encounter="Encounter/e1", author="Patient/p1",
        authored=datetime.datetime(2026, 9, 8, 11, tzinfo=datetime.UTC),
        submission_id="s-old", app_name="Alliance Panel", app_version="test"))
    stored = dict(records.questionnaire_response, id="qr-old")
    assert stored["questionnaire"] == f"{url}|0.1.0"
    view = build_panel(reads([encounter(0), encounter(1)], [current, stored]), "e1",
                       DAY0 + datetime.timedelta(weeks=1))
    old_response = next(r for r in view.responses if r.id == "qr-old")
    assert old_response.problem is None and old_response.counts
    assert old_response.instrument is not None and old_response.instrument.version == "0.1.0"
    assert old_response.score is not None and old_response.score.total.sum == 24
    assert view.current_state == "client-rated"
    # both versions are one instrument on one trend
    assert len([s for s in view.scored if s.rater == "client"]) == 2
