"""Lenient reading: whatever shape a server sends, the panel gets readable values."""

from __future__ import annotations

from datetime import date

from plugin.fhir.readers import human_name, read_encounter, read_patient, sessions


def test_names_prefer_official_then_text_then_parts():
    assert (
        human_name(
            {
                "name": [
                    {"use": "nickname", "given": ["Bo"]},
                    {"use": "official", "given": ["Ana", "M"], "family": "Ruiz"},
                ]
            }
        )
        == "Ana M Ruiz"
    )
    assert human_name({"name": [{"text": "Dr. X"}]}) == "Dr. X"
    assert human_name({}) == "Unnamed"


def test_a_patient_with_almost_nothing_still_reads():
    summary = read_patient({"resourceType": "Patient", "id": "p"})
    assert summary.name == "Unnamed" and summary.birth_date == "—" and summary.identifier == "—"


def test_encounter_status_and_type_in_plain_words():
    session = read_encounter(
        {
            "id": "e1",
            "status": "finished",
            "period": {"start": "2026-03-02T10:00:00Z"},
            "type": [{"coding": [{"display": "Psychotherapy"}]}],
        }
    )
    assert (session.day, session.kind, session.status) == (
        date(2026, 3, 2),
        "Psychotherapy",
        "attended",
    )
    odd = read_encounter({"id": "e2", "status": "triaged", "period": "nonsense"})
    assert odd.day is None and odd.status == "triaged" and odd.kind == "Session"


def test_sessions_merge_missed_appointments_newest_first():
    encounters = [{"id": "e1", "status": "finished", "period": {"start": "2026-01-05"}}]
    appointments = [
        {"id": "a1", "status": "fulfilled", "start": "2026-01-05T10:00:00Z"},
        {"id": "a2", "status": "noshow", "start": "2026-01-12T10:00:00Z"},
        {"id": "a3", "status": "cancelled", "start": "2025-12-29T10:00:00Z"},
    ]
    listed = sessions(encounters, appointments)
    assert [(s.id, s.status) for s in listed] == [
        ("a2", "no-show"),
        ("e1", "attended"),
        ("a3", "cancelled"),
    ]
