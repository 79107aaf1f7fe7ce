from __future__ import annotations

from .fakes import grant
from .harness import FHIR, Sandbox
from .resources import observation, provenance, response


def _record_bundle(patient: str, encounter: str, *, target: str = "urn:uuid:qr-1") -> dict:
    """QuestionnaireResponse + Provenance + Observation, linked by urn:uuid fullUrls."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:prov-1", "resource": provenance(target),
             "request": {"method": "POST", "url": "Provenance"}},
            {"fullUrl": "urn:uuid:obs-1", "resource": observation(patient, target),
             "request": {"method": "POST", "url": "Observation"}},
            {"fullUrl": "urn:uuid:qr-1", "resource": response(patient, encounter,
                                                             value="urn:uuid:qr-1"),
             "request": {"method": "POST", "url": "QuestionnaireResponse",
                         "ifNoneExist": "identifier=urn:ietf:rfc:3986|urn:uuid:qr-1"}},
        ],
    }


def _count(sandbox: Sandbox, headers: dict, rtype: str) -> int:
    return sandbox.client.get(f"/fhir/{rtype}?_summary=count", headers=headers).json["total"]


def test_transaction_rewrites_urn_uuid_references(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[4]
    got = sandbox.client.post("/fhir", json=_record_bundle(plan.patient_id,
                                                           plan.today.encounter_id),
                              headers=clinician)
    assert got.status_code == 200, got.json
    bundle = got.json
    assert bundle["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in bundle["entry"]]
    assert statuses == ["201 Created"] * 3
    prov, obs, qr = (e["resource"] for e in bundle["entry"])
    assert prov["target"] == [{"reference": f"QuestionnaireResponse/{qr['id']}"}]
    assert obs["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{qr['id']}"}]
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["response"]["location"] == (
            f"{FHIR}/{resource['resourceType']}/{resource['id']}/_history/1")
        assert entry["response"]["etag"] == 'W/"1"'
    stored = sandbox.client.get(f"/fhir/Provenance/{prov['id']}", headers=clinician).json
    assert stored["target"][0]["reference"] == f"QuestionnaireResponse/{qr['id']}"


def test_transaction_if_none_exist_reuses_the_existing_resource(
    sandbox: Sandbox, clinician: dict
) -> None:
    plan = sandbox.cohort.patients[4]
    bundle = _record_bundle(plan.patient_id, plan.today.encounter_id)
    first = sandbox.client.post("/fhir", json=bundle, headers=clinician).json
    again = sandbox.client.post("/fhir", json=bundle, headers=clinician).json
    assert again["entry"][2]["response"]["status"] == "200 OK"
    qr_id = first["entry"][2]["resource"]["id"]
    assert again["entry"][2]["resource"]["id"] == qr_id
    assert again["entry"][0]["resource"]["target"][0]["reference"] == (
        f"QuestionnaireResponse/{qr_id}")
    assert _count(sandbox, clinician, "QuestionnaireResponse") == 1


def test_transaction_is_all_or_nothing(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[4]
    bundle = _record_bundle(plan.patient_id, plan.today.encounter_id)
    bad = observation(plan.patient_id, "urn:uuid:qr-1")
    bad["valueQuantity"] = {"value": "high"}  # invalid: the last write fails
    bundle["entry"].append({"resource": bad, "request": {"method": "POST", "url": "Observation"}})
    got = sandbox.client.post("/fhir", json=bundle, headers=clinician)
    assert got.status_code == 422
    assert "entry 3" in got.json["issue"][0]["diagnostics"]
    for rtype in ("QuestionnaireResponse", "Provenance", "Observation"):
        assert _count(sandbox, clinician, rtype) == 0


def test_transaction_refuses_dangling_references(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[4]
    bundle = _record_bundle(plan.patient_id, plan.today.encounter_id,
                            target="urn:uuid:not-in-bundle")
    got = sandbox.client.post("/fhir", json=bundle, headers=clinician)
    assert got.status_code == 400
    bundle = _record_bundle(plan.patient_id, "no-such-encounter")
    got = sandbox.client.post("/fhir", json=bundle, headers=clinician)
    assert got.status_code == 400 and "Encounter/no-such-encounter" in got.json["issue"][0][
        "diagnostics"]
    assert _count(sandbox, clinician, "Provenance") == 0


def test_transaction_if_match_inside_entries(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[4]
    created = sandbox.client.post("/fhir/QuestionnaireResponse",
                                  json=response(plan.patient_id, plan.today.encounter_id),
                                  headers=clinician).json
    put = {"resource": {**created, "status": "amended"},
           "request": {"method": "PUT", "url": f"QuestionnaireResponse/{created['id']}",
                       "ifMatch": 'W/"9"'}}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [put]}
    assert sandbox.client.post("/fhir", json=bundle, headers=clinician).status_code == 412
    put["request"]["ifMatch"] = 'W/"1"'
    got = sandbox.client.post("/fhir", json=bundle, headers=clinician).json
    assert got["entry"][0]["response"]["status"] == "200 OK"
    assert got["entry"][0]["response"]["etag"] == 'W/"2"'


def test_batch_runs_get_entries_independently(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[5]
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": f"Patient/{plan.patient_id}"}},
        {"request": {"method": "GET",
                     "url": f"Encounter?patient={plan.patient_id}&_sort=-date&_count=3"}},
        {"request": {"method": "GET", "url": f"{FHIR}/Patient/missing"}},
        {"request": {"method": "GET",
                     "url": f"QuestionnaireResponse?patient={plan.patient_id}"}},
    ]}
    got = sandbox.client.post("/fhir", json=bundle, headers=clinician)
    assert got.status_code == 200
    entries = got.json["entry"]
    assert got.json["type"] == "batch-response"
    assert [e["response"]["status"] for e in entries] == [
        "200 OK", "200 OK", "404 Not Found", "200 OK"]
    assert entries[0]["resource"]["id"] == plan.patient_id
    encounters = entries[1]["resource"]
    assert encounters["type"] == "searchset" and len(encounters["entry"]) == 3
    assert encounters["entry"][0]["resource"]["id"] == plan.today.encounter_id
    assert entries[2]["response"]["outcome"]["resourceType"] == "OperationOutcome"


def test_batch_checks_each_entry_against_the_grant(sandbox: Sandbox) -> None:
    plan = sandbox.cohort.patients[5]
    headers = sandbox.token(grant("user/Patient.rs"))
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"request": {"method": "GET", "url": f"Patient/{plan.patient_id}"}},
        {"request": {"method": "GET", "url": f"Encounter?patient={plan.patient_id}"}},
    ]}
    got = sandbox.client.post("/fhir", json=bundle, headers=headers).json
    assert [e["response"]["status"] for e in got["entry"]] == ["200 OK", "403 Forbidden"]


def test_transaction_checks_each_entry_against_the_grant(sandbox: Sandbox) -> None:
    plan = sandbox.cohort.patients[4]
    headers = sandbox.token(grant("user/QuestionnaireResponse.cruds", "user/Observation.cruds"))
    got = sandbox.client.post("/fhir", json=_record_bundle(plan.patient_id,
                                                           plan.today.encounter_id),
                              headers=headers)
    assert got.status_code == 403
    assert _count(sandbox, sandbox.token(grant("user/*.rs")), "QuestionnaireResponse") == 0


def test_bundle_must_be_batch_or_transaction(sandbox: Sandbox, clinician: dict) -> None:
    got = sandbox.client.post("/fhir", json={"resourceType": "Bundle", "type": "collection"},
                              headers=clinician)
    assert got.status_code == 400


def test_patient_scoped_transaction_orders_creates_by_their_references(sandbox: Sandbox) -> None:
    """The Provenance comes first in the bundle but targets the response created after it."""
    plan = sandbox.cohort.patients[4]
    headers = sandbox.token(grant("patient/*.cruds", patient=plan.patient_id))
    got = sandbox.client.post("/fhir/", json=_record_bundle(plan.patient_id,
                                                            plan.today.encounter_id),
                              headers=headers)
    assert got.status_code == 200, got.json
    assert [e["response"]["status"] for e in got.json["entry"]] == ["201 Created"] * 3
