"""Pure parts of the FHIR server: date ranges and prefixes, references, the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from ehr_sandbox.fhir.dates import date_matches, parse_range, split_prefix, value_range
from ehr_sandbox.fhir.errors import BadRequest
from ehr_sandbox.fhir.references import LocalRef, is_valid_id, parse_reference
from ehr_sandbox.fhir.store import Store

from .harness import FHIR, Sandbox
from .resources import response


def _matches(query: str, value: object) -> bool:
    prefix, wanted = split_prefix(query)
    target = value_range(value)
    assert target is not None
    return date_matches(prefix, wanted, target)


@pytest.mark.parametrize(("query", "value", "expected"), [
    ("2026-11-25", "2026-11-25T10:00:00Z", True),
    ("2026-11", "2026-11-25", True),
    ("2026-11-25", "2026-11", False),  # a month is not inside a day
    ("ge2026-11-25", "2026-11-24T23:59:59Z", False),
    ("ge2026-11-25", "2026-11-25T00:00:00Z", True),
    ("gt2026-11-25", "2026-11-25T12:00:00Z", False),
    ("gt2026-11-25", "2026-11-26", True),
    ("le2026-11-25", "2026-11-25T23:00:00Z", True),
    ("lt2026-11-25", "2026-11-25T00:00:00Z", False),
    ("ne2026-11-25", "2026-11-24", True),
    ("sa2026-11-25", "2026-11-26", True),
    ("eb2026-11-25", "2026-11-24", True),
    ("ap2026-11-25", {"start": "2026-11-24", "end": "2026-11-25T01:00:00Z"}, True),
    ("ge2026-11-25T10:00:00+01:00", "2026-11-25T09:00:00Z", True),
    ("lt2026-11-25T10:00:00+01:00", "2026-11-25T09:00:00Z", False),
    ("le2026-11-25", {"start": "2026-11-25T09:00:00Z"}, False),  # open: reaches past the day
    ("le2026-11-25", {"start": "2026-11-24T09:00:00Z"}, True),  # started before the day
    ("2026-11-25", {"start": "2026-11-25T09:00:00Z"}, False),  # open: not contained
])
def test_date_prefixes(query: str, value: object, expected: bool) -> None:
    assert _matches(query, value) is expected


def test_date_precision_and_errors() -> None:
    start, end = parse_range("2026")  # type: ignore[misc]
    assert end - start == 365 * 86400
    assert parse_range("2026-13-01") is None and parse_range("yesterday") is None
    with pytest.raises(BadRequest):
        split_prefix("ge2026-1")


def test_references_and_ids() -> None:
    assert parse_reference("Patient/1", FHIR) == LocalRef("Patient", "1")
    assert parse_reference(f"{FHIR}/Encounter/a.b-c/_history/3", FHIR) == LocalRef(
        "Encounter", "a.b-c", 3)
    assert parse_reference("https://elsewhere.example/fhir/Patient/1", FHIR) is None
    assert parse_reference("urn:uuid:5", FHIR) is None
    assert is_valid_id("A-1.b") and not is_valid_id("a_b") and not is_valid_id("x" * 65)


def test_store_rolls_back_everything_in_an_atomic_block(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite", lambda: 0.0, new_id=iter(["a", "b", "c"]).__next__)
    store.create({"resourceType": "Questionnaire", "status": "active"}, patient=None)
    with pytest.raises(RuntimeError), store.atomic():
        store.create({"resourceType": "Questionnaire", "status": "draft"}, patient=None)
        store.update({"resourceType": "Questionnaire", "id": "a", "status": "retired"},
                     patient=None)
        raise RuntimeError("boom")
    assert [q["id"] for q in store.scan("Questionnaire")] == ["a"]
    current = store.read("Questionnaire", "a")
    assert current is not None and current.version == 1
    assert current.resource and current.resource["status"] == "active"
    assert len(store.history("Questionnaire", "a")) == 1


def test_update_can_create_with_a_client_id_but_not_a_bad_one(
    sandbox: Sandbox, clinician: dict
) -> None:
    questionnaire = {"resourceType": "Questionnaire", "id": "session-alliance",
                     "url": "https://alliance-panel.example/fhir/Questionnaire/session-alliance",
                     "version": "1.0.0", "status": "active"}
    got = sandbox.client.put("/fhir/Questionnaire/session-alliance", json=questionnaire,
                             headers=clinician)
    assert got.status_code == 201 and got.headers["ETag"] == 'W/"1"'
    found = sandbox.client.get(f"/fhir/Questionnaire?url={questionnaire['url']}|1.0.0",
                               headers=clinician).json
    assert found["total"] == 1
    long_id = "x" * 65
    bad = sandbox.client.put(f"/fhir/Questionnaire/{long_id}", json={**questionnaire,
                             "id": long_id}, headers=clinician)
    assert bad.status_code == 400


def test_server_output_is_valid_fhir(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[0]
    created = sandbox.client.post("/fhir/QuestionnaireResponse",
                                  json=response(plan.patient_id, plan.today.encounter_id),
                                  headers=clinician).json
    url = f"/fhir/QuestionnaireResponse/{created['id']}"
    sandbox.client.put(url, json={**created, "status": "amended"}, headers=clinician)
    outputs = [
        sandbox.client.get("/fhir/metadata").json,
        sandbox.client.get(f"/fhir/Encounter?patient={plan.patient_id}&_count=5",
                           headers=clinician).json,
        sandbox.client.get(f"{url}/_history", headers=clinician).json,
        sandbox.client.get("/fhir/Patient/nope", headers=clinician).json,
    ]
    for output in outputs:
        get_fhir_model_class(output["resourceType"]).model_validate(output)
