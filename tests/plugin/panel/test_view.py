"""The panel's view model from constructed FHIR data: states, rows, grouping, trend geometry."""

from __future__ import annotations

import datetime

import fhir_profiles
from plugin.alliance import Alert
from plugin.fhir.record_bundles import Submission, build_submission_records
from plugin.panel.alert_list import group_alerts
from plugin.panel.reads import PanelReads
from plugin.panel.trend import build_trends
from plugin.panel.view import build_panel, state_of

DAY0 = datetime.date(2026, 9, 1)


def encounter(n: int, status: str = "finished") -> dict:
    day = DAY0 + datetime.timedelta(weeks=n)
    return {"resourceType": "Encounter", "id": f"e{n}", "status": status,
            "period": {"start": f"{day}T10:00:00Z"}}


def response(n: int, rater: str, level: str, status: str = "completed") -> dict:
    qid = f"alliance-checkin-{rater}"
    q = fhir_profiles.questionnaire(qid)
    scored = [i for i in q["item"] if i.get("answerOption")]
    answers = {i["linkId"]: i["answerOption"][{"low": 0, "mid": 2, "high": -1}[level]]
               ["valueCoding"]["code"] for i in scored}
    day = DAY0 + datetime.timedelta(weeks=n)
    records = build_submission_records(Submission(
        questionnaire=q, answers=answers, rater=rater, patient="Patient/p1",
        encounter=f"Encounter/e{n}",
        author="Patient/p1" if rater == "client" else "Practitioner/t1",
        authored=datetime.datetime.combine(day, datetime.time(11), datetime.UTC),
        submission_id=f"s-{n}-{rater}", app_name="Alliance Panel", app_version="test"))
    qr = dict(records.questionnaire_response, id=f"qr-{n}-{rater}", status=status)
    return qr


def reads(encounters, responses) -> PanelReads:
    return PanelReads({"resourceType": "Patient", "id": "p1", "name": [{"text": "Ana"}]},
                      encounters, [], responses)


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
    history = [response(n, "client", "high") for n in range(5)] + [response(5, "client", "low")]
    view = build_panel(reads([encounter(n) for n in range(6)], history), None,
                       DAY0 + datetime.timedelta(weeks=6))
    ruptures = [a for a in view.alerts if a.kind == "rupture"]
    assert len(ruptures) == 1 and ruptures[0].encounter_id == "e5"
    assert len(ruptures[0].reasons) >= 2 and ruptures[0].reasons[0].startswith("Alliance total")
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
    charts = build_trends(view.scored, view.instruments, view.flagged)
    assert [c.scale for c in charts] == ["total", "goal", "task", "bond"]
    total = charts[0]
    assert [line.rater for line in total.lines] == ["client", "therapist"]
    points = [p for line in total.lines for p in line.points]
    assert all(10 <= p.y <= total.height - 18 for p in points)  # inside the plot area
    best = max(points, key=lambda p: p.value)
    assert best.y == min(p.y for p in points)  # SVG y grows downwards: best drawn highest
    assert len({p.x for p in points}) == 4  # one x per session day, shared by both raters
    assert "client ratings over 4 sessions" in total.description


def test_a_low_alliance_that_persists_is_one_alert_saying_for_how_long():
    history = [response(n, "therapist", "low") for n in range(5)]
    history += [response(n, "therapist", "high") for n in range(5, 7)]
    history += [response(n, "therapist", "low") for n in range(7, 9)]
    view = build_panel(reads([encounter(n) for n in range(9)], history), None,
                       DAY0 + datetime.timedelta(weeks=9))
    lows = [a for a in view.alerts if a.kind in ("low-alliance", "early-low-alliance")]
    persisting = [a for a in lows if a.sessions > 1]
    assert [(a.kind, a.encounter_id, a.sessions) for a in persisting] == [
        ("low-alliance", "e8", 2), ("low-alliance", "e4", 2), ("early-low-alliance", "e2", 3)]
    assert "each of the last 2 rated sessions" in persisting[0].reasons[-1]
    assert {"e0", "e1", "e2", "e3", "e4", "e7", "e8"} <= view.flagged  # every one on the trend
