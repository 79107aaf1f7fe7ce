from __future__ import annotations

from .harness import FHIR, Sandbox
from .resources import provenance, response


def test_create_assigns_id_location_etag_and_meta(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[2]
    body = {**response(plan.patient_id, plan.today.encounter_id), "id": "client-chosen"}
    got = sandbox.client.post("/fhir/QuestionnaireResponse", json=body, headers=clinician)
    assert got.status_code == 201
    created = got.json
    assert created["id"] != "client-chosen"
    assert got.headers["Location"] == f"{FHIR}/QuestionnaireResponse/{created['id']}/_history/1"
    assert got.headers["ETag"] == 'W/"1"'
    assert created["meta"] == {"versionId": "1", "lastUpdated": "2026-11-25T09:00:00.000Z"}
    assert "Last-Modified" in got.headers


def test_prefer_return_minimal(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[2]
    got = sandbox.client.post("/fhir/QuestionnaireResponse",
                              json=response(plan.patient_id, plan.today.encounter_id),
                              headers={**clinician, "Prefer": "return=minimal"})
    assert got.status_code == 201 and got.data == b"" and got.headers["Location"]


def test_conditional_create_returns_the_existing_one(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[2]
    body = response(plan.patient_id, plan.today.encounter_id, value="urn:uuid:once")
    condition = {"If-None-Exist": "identifier=urn:ietf:rfc:3986|urn:uuid:once"}
    first = sandbox.client.post("/fhir/QuestionnaireResponse", json=body,
                                headers={**clinician, **condition})
    again = sandbox.client.post("/fhir/QuestionnaireResponse", json=body,
                                headers={**clinician, **condition})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    listed = sandbox.client.get("/fhir/QuestionnaireResponse?identifier=urn:uuid:once",
                                headers=clinician).json
    assert listed["total"] == 1


def test_conditional_create_with_several_matches_is_412(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[2]
    body = response(plan.patient_id, plan.today.encounter_id, value="urn:uuid:twice")
    for _ in range(2):
        sandbox.client.post("/fhir/QuestionnaireResponse", json=body, headers=clinician)
    got = sandbox.client.post("/fhir/QuestionnaireResponse", json=body, headers={
        **clinician, "If-None-Exist": "identifier=urn:ietf:rfc:3986|urn:uuid:twice"})
    assert got.status_code == 412
    assert got.json["resourceType"] == "OperationOutcome"


def _created(sandbox: Sandbox, clinician: dict) -> dict:
    plan = sandbox.cohort.patients[2]
    return sandbox.client.post("/fhir/QuestionnaireResponse",
                               json=response(plan.patient_id, plan.today.encounter_id),
                               headers=clinician).json


def test_update_with_if_match(sandbox: Sandbox, clinician: dict) -> None:
    created = _created(sandbox, clinician)
    url = f"/fhir/QuestionnaireResponse/{created['id']}"
    amended = {**created, "status": "amended"}
    stale = sandbox.client.put(url, json=amended, headers={**clinician, "If-Match": 'W/"2"'})
    assert stale.status_code == 412
    sandbox.clock.now += 60
    ok = sandbox.client.put(url, json=amended, headers={**clinician, "If-Match": 'W/"1"'})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == 'W/"2"'
    assert ok.json["meta"]["versionId"] == "2"
    assert ok.json["meta"]["lastUpdated"] == "2026-11-25T09:01:00.000Z"
    again = sandbox.client.put(url, json=amended, headers={**clinician, "If-Match": 'W/"1"'})
    assert again.status_code == 412
    current = sandbox.client.get(url, headers=clinician).json
    assert current["status"] == "amended" and current["meta"]["versionId"] == "2"


def test_update_checks_the_body_id(sandbox: Sandbox, clinician: dict) -> None:
    created = _created(sandbox, clinician)
    got = sandbox.client.put(f"/fhir/QuestionnaireResponse/{created['id']}",
                             json={**created, "id": "other"}, headers=clinician)
    assert got.status_code == 400


def test_history_lists_every_version_newest_first(sandbox: Sandbox, clinician: dict) -> None:
    created = _created(sandbox, clinician)
    url = f"/fhir/QuestionnaireResponse/{created['id']}"
    for status in ("amended", "entered-in-error"):
        current = sandbox.client.get(url, headers=clinician).json
        sandbox.client.put(url, json={**current, "status": status}, headers=clinician)
    history = sandbox.client.get(f"{url}/_history", headers=clinician).json
    assert history["type"] == "history" and history["total"] == 3
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["3", "2", "1"]
    assert [e["resource"]["status"] for e in history["entry"]] == [
        "entered-in-error", "amended", "completed"]
    assert history["entry"][-1]["request"]["method"] == "POST"
    old = sandbox.client.get(f"{url}/_history/2", headers=clinician)
    assert old.status_code == 200 and old.json["status"] == "amended"


def test_invalid_resource_is_422(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[2]
    body = response(plan.patient_id, plan.today.encounter_id)
    body["item"][0]["answer"][0]["valueInteger"] = "four"
    got = sandbox.client.post("/fhir/QuestionnaireResponse", json=body, headers=clinician)
    assert got.status_code == 422
    assert got.json["issue"][0]["code"] == "processing"


def test_malformed_bodies(sandbox: Sandbox, clinician: dict) -> None:
    post = sandbox.client.post
    assert post("/fhir/Provenance", data="{not json", headers={
        **clinician, "Content-Type": "application/fhir+json"}).status_code == 400
    assert post("/fhir/Provenance", json={"resourceType": "Observation"},
                headers=clinician).status_code == 400
    assert post("/fhir/Provenance", data="<Provenance/>", headers={
        **clinician, "Content-Type": "application/fhir+xml"}).status_code == 415


def test_reference_to_a_missing_resource_is_refused(sandbox: Sandbox, clinician: dict) -> None:
    got = sandbox.client.post("/fhir/Provenance", json=provenance("QuestionnaireResponse/ghost"),
                              headers=clinician)
    assert got.status_code == 400
    assert "QuestionnaireResponse/ghost" in got.json["issue"][0]["diagnostics"]
    assert sandbox.client.get("/fhir/Provenance", headers=clinician).json["total"] == 0


def test_types_that_are_not_writable(sandbox: Sandbox, clinician: dict) -> None:
    patient = sandbox.cohort.patients[0].patient
    got = sandbox.client.put(f"/fhir/Patient/{patient['id']}", json=patient, headers=clinician)
    assert got.status_code == 405
    got = sandbox.client.post("/fhir/Encounter", json={"resourceType": "Encounter"},
                              headers=clinician)
    assert got.status_code == 405
