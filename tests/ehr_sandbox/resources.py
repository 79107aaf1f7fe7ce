"""Small resources the tests write."""

from __future__ import annotations

QR_IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"
QUESTIONNAIRE = "https://alliance-panel.example/fhir/Questionnaire/session-alliance|1.0.0"


def response(patient: str, encounter: str, *, value: str = "urn:uuid:1", authored: str =
             "2026-11-25T09:30:00Z") -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": QR_IDENTIFIER_SYSTEM, "value": value},
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": f"Patient/{patient}"},
        "encounter": {"reference": f"Encounter/{encounter}"},
        "authored": authored,
        "item": [{"linkId": "goals", "answer": [{"valueInteger": 4}]}],
    }


def provenance(target: str, recorded: str = "2026-11-25T09:30:00Z") -> dict:
    return {
        "resourceType": "Provenance",
        "target": [{"reference": target}],
        "recorded": recorded,
        "agent": [{"who": {"display": "Alliance Panel 0.1.0"}}],
    }


def observation(patient: str, derived_from: str) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey"}]}],
        "code": {"coding": [{"system": "https://alliance-panel.example/fhir/CodeSystem/alliance",
                             "code": "alliance-total"}]},
        "subject": {"reference": f"Patient/{patient}"},
        "derivedFrom": [{"reference": derived_from}],
        "valueQuantity": {"value": 4.2},
    }
