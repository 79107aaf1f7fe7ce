"""Attendance: the client's absences (one signal each, never a clinic cancellation), gaps
against the client's own rhythm, only recent ones open."""

from __future__ import annotations

import datetime

import pytest

from plugin.alliance import REASON_CODES, Visit, analyse_trends, cancellation, cancelled_by

D = datetime.date
MONDAY = D(2026, 1, 5)


def weekly(statuses: list[tuple[str, str | None]], every: int = 7) -> list[Visit]:
    return [Visit(f"v{i}", MONDAY + datetime.timedelta(days=every * i), status, by)  # type: ignore[arg-type]
            for i, (status, by) in enumerate(statuses)]


def test_one_signal_per_client_absence_and_none_for_the_clinic_or_an_unknown_reason():
    visits = weekly([("attended", None)] * 6 + [
        ("cancelled", "clinic"), ("cancelled", "client"), ("no-show", None),
        ("cancelled", None), ("attended", None)])
    alerts = analyse_trends([], [], visits, today=visits[-1].date)
    assert [(a.encounter_id, a.rule) for a in alerts] == [("v7", "client-cancelled"),
                                                          ("v8", "no-show")]
    assert alerts[0].reason == "The client cancelled the session of 23 Feb 2026."
    assert alerts[1].reason == "The client did not come on 2 Mar 2026."
    assert all(a.source and a.open for a in alerts)


def test_a_gap_is_measured_against_the_clients_own_rhythm():
    # fortnightly: 28 days without a session is within 2.5 x 14 = 35 days; weekly it is not
    fortnightly = weekly([("attended", None)] * 5, every=14)
    fortnightly.append(Visit("late", fortnightly[-1].date + datetime.timedelta(days=28),
                             "attended"))
    assert analyse_trends([], [], fortnightly, today=fortnightly[-1].date) == []
    week = weekly([("attended", None)] * 5)
    week.append(Visit("late", week[-1].date + datetime.timedelta(days=21), "attended"))
    gaps = analyse_trends([], [], week, today=week[-1].date)
    assert [(a.rule, a.encounter_id) for a in gaps] == [("gap", "late")]
    assert gaps[0].values == {"days": 21.0, "limit": 17.5, "rhythm": 7.0}
    assert "usually 7 days apart" in gaps[0].reason


def test_an_absence_is_not_also_a_gap():
    visits = weekly([("attended", None)] * 4 + [("no-show", None), ("attended", None)])
    alerts = analyse_trends([], [], visits, today=visits[-1].date)
    assert [a.rule for a in alerts] == ["no-show"]


def test_no_session_since_the_last_one_is_a_gap_up_to_today():
    visits = weekly([("attended", None)] * 5)
    today = visits[-1].date + datetime.timedelta(days=20)
    alerts = analyse_trends([], [], visits, today=today)
    assert [(a.rule, a.encounter_id, a.date) for a in alerts] == [("gap", None, today)]
    assert alerts[0].reason == ("Nothing has been booked since the session 20 days ago; this "
                                "client's sessions are usually 7 days apart.")


def test_without_a_rhythm_yet_the_default_of_21_days_applies():
    visits = [Visit("a", D(2026, 1, 1), "attended"), Visit("b", D(2026, 1, 8), "attended"),
              Visit("c", D(2026, 2, 5), "attended")]
    alerts = analyse_trends([], [], visits, today=D(2026, 2, 5))
    assert [(a.rule, a.encounter_id) for a in alerts] == [("gap", "c")]
    assert "project default" in alerts[0].source


def test_only_recent_absences_stay_open():
    visits = weekly([("attended", None), ("no-show", None)] + [("attended", None)] * 12
                    + [("no-show", None), ("attended", None)])
    alerts = analyse_trends([], [], visits, today=visits[-1].date)
    assert [(a.encounter_id, a.open) for a in alerts] == [("v1", False), ("v14", True)]


@pytest.mark.parametrize(("reason", "who"), [
    ({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason",
                  "code": "pat-crs"}]}, "client"),
    ({"coding": [{"code": "prov-pers"}]}, "clinic"),
    ({"coding": [{"code": "oth-weath"}]}, None),
    ({"text": "client felt the sessions were not helping"}, "client"),
    ({"text": "Patient rang the clinic to cancel"}, "client"),
    ({"text": "clinic closed for the holiday"}, "clinic"),
    ({"text": "Cancelled by the client"}, "client"),
    ({"text": "Therapist unwell"}, "clinic"),
    ({"coding": [{"code": "other"}]}, None),
    ({}, None),
    (None, None),
])
def test_who_cancelled_is_read_from_the_cancelation_reason(reason, who):
    assert cancelled_by(reason) == who


HL7_CODES = {  # appointment-cancellation-reason, HL7 terminology (R4 binding): all 32 codes
    "pat", "pat-crs", "pat-cpp", "pat-dec", "pat-fb", "pat-lt", "pat-mt", "pat-mv", "pat-preg",
    "pat-swl", "pat-ucp", "prov", "prov-pers", "prov-dch", "prov-edu", "prov-hosp", "prov-labs",
    "prov-mri", "prov-onc", "maint", "meds-inc", "other", "oth-cms", "oth-err", "oth-fin",
    "oth-iv", "oth-int", "oth-mu", "oth-room", "oth-oerr", "oth-swie", "oth-weath"}


def test_every_hl7_cancellation_code_is_mapped_on_purpose():
    assert set(REASON_CODES) == HL7_CODES


def coded(code: str) -> dict:
    return {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "appointment-cancellation-reason", "code": code}]}


def visits_ending_with(code: str) -> list[Visit]:
    visits = weekly([("attended", None)] * 4)
    reason = cancellation(coded(code))
    visits.append(Visit("x", visits[-1].date + datetime.timedelta(days=7), "cancelled",
                        reason.by, reason))
    return visits


def test_a_deceased_client_is_never_called_a_cancellation_by_the_client():
    alerts = analyse_trends([], [], visits_ending_with("pat-dec"))
    assert [a for a in alerts if a.encounter_id == "x"] == []
    assert cancellation(coded("pat-dec")).why == "the record says the client has died"


def test_unhappy_with_the_provider_is_an_alert_of_its_own():
    alerts = [a for a in analyse_trends([], [], visits_ending_with("pat-ucp"))
              if a.encounter_id == "x"]
    assert [(a.rule, a.open) for a in alerts] == [("client-unhappy", True)]
    assert "unhappy with or changing provider" in alerts[0].reason


def test_a_booked_session_ahead_is_not_a_gap():
    visits = weekly([("attended", None)] * 5)
    today = visits[-1].date + datetime.timedelta(days=20)
    ahead = Visit("next", today + datetime.timedelta(days=3), "booked")
    assert analyse_trends([], [], [*visits, ahead], today=today) == []
    assert [a.rule for a in analyse_trends([], [], visits, today=today)] == ["gap"]


def test_one_old_absence_with_sessions_since_is_history_a_repeated_one_is_not():
    once = weekly([("attended", None)] * 3 + [("cancelled", "client")] + [("attended", None)] * 3)
    alerts = analyse_trends([], [], once, today=once[-1].date)
    assert [(a.rule, a.open) for a in alerts] == [("client-cancelled", False)]
    twice = weekly([("attended", None)] * 3 + [("cancelled", "client"), ("attended", None),
                                               ("no-show", None)] + [("attended", None)] * 2)
    alerts = analyse_trends([], [], twice, today=twice[-1].date)
    assert [(a.rule, a.open) for a in alerts] == [("client-cancelled", True), ("no-show", True)]
