from __future__ import annotations

from pathlib import Path

from ehr_sandbox.app import create_sandbox
from ehr_sandbox.fhir.capability import OAUTH_URIS

from .fakes import FakeAuth, grant
from .harness import Sandbox, make_settings
from .resources import provenance, response


def test_missing_token_is_401_with_a_challenge(sandbox: Sandbox) -> None:
    got = sandbox.client.get("/fhir/Patient")
    assert got.status_code == 401
    assert got.headers["WWW-Authenticate"].startswith("Bearer")
    assert got.json["resourceType"] == "OperationOutcome"


def test_invalid_token_is_401_invalid_token(sandbox: Sandbox) -> None:
    got = sandbox.client.get("/fhir/Patient", headers={"Authorization": "Bearer forged"})
    assert got.status_code == 401
    assert 'error="invalid_token"' in got.headers["WWW-Authenticate"]
    basic = sandbox.client.get("/fhir/Patient", headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401


def test_scope_without_the_interaction_is_403(sandbox: Sandbox) -> None:
    pid = sandbox.cohort.patients[0].patient_id
    reader = sandbox.token(grant("user/Patient.r"))
    assert sandbox.client.get(f"/fhir/Patient/{pid}", headers=reader).status_code == 200
    assert sandbox.client.get("/fhir/Patient", headers=reader).status_code == 403
    assert sandbox.client.get("/fhir/Encounter", headers=reader).status_code == 403
    body = response(pid, sandbox.cohort.patients[0].today.encounter_id)
    got = sandbox.client.post("/fhir/QuestionnaireResponse", json=body, headers=reader)
    assert got.status_code == 403 and got.json["issue"][0]["code"] == "forbidden"


def test_a_string_the_scope_parser_refuses_grants_nothing_over_http(sandbox: Sandbox) -> None:
    """The FHIR server asks the sandbox's own AccessGrant (no scope matching in the tests)."""
    pid = sandbox.cohort.patients[0].patient_id
    query = f"/fhir/Encounter?patient={pid}"
    proper = sandbox.token(grant("patient/Encounter.rs", patient=pid))
    assert sandbox.client.get(query, headers=proper).status_code == 200
    for refused in ("patient/Encounter.sr",       # v2 letters out of order
                    "patient/Encounter.read?x=1",  # v1 never had a query
                    "clinic/Encounter.rs"):        # no such context
        headers = sandbox.token(grant(refused, patient=pid))
        got = sandbox.client.get(query, headers=headers)
        assert got.status_code == 403, refused
        assert got.json["issue"][0]["code"] == "forbidden"


def test_v1_scopes_read_and_write(sandbox: Sandbox) -> None:
    plan = sandbox.cohort.patients[0]
    headers = sandbox.token(grant("patient/*.read", "patient/QuestionnaireResponse.write",
                                  patient=plan.patient_id))
    assert sandbox.client.get("/fhir/Encounter", headers=headers).status_code == 200
    got = sandbox.client.post("/fhir/QuestionnaireResponse",
                              json=response(plan.patient_id, plan.today.encounter_id),
                              headers=headers)
    assert got.status_code == 201


def test_patient_scope_confines_reads_to_the_launch_patient(sandbox: Sandbox) -> None:
    mine, other = sandbox.cohort.patients[0], sandbox.cohort.patients[1]
    headers = sandbox.token(grant("patient/*.rs", "launch", "openid", patient=mine.patient_id))
    get = sandbox.client.get
    assert get(f"/fhir/Patient/{mine.patient_id}", headers=headers).status_code == 200
    assert get(f"/fhir/Patient/{other.patient_id}", headers=headers).status_code == 403
    assert get(f"/fhir/Encounter/{other.today.encounter_id}", headers=headers).status_code == 403
    assert get(f"/fhir/Encounter/{mine.today.encounter_id}", headers=headers).status_code == 200
    assert get(f"/fhir/Encounter?patient={other.patient_id}", headers=headers).status_code == 403
    everything = get("/fhir/Encounter?_count=500", headers=headers).json
    assert {e["resource"]["subject"]["reference"] for e in everything["entry"]} == {
        f"Patient/{mine.patient_id}"}
    patients = get("/fhir/Patient", headers=headers).json
    assert [e["resource"]["id"] for e in patients["entry"]] == [mine.patient_id]
    # Shared, non-patient resources stay readable.
    assert get(f"/fhir/Practitioner/{mine.practitioner_id}", headers=headers).status_code == 200


def test_patient_scope_confines_writes(sandbox: Sandbox, clinician: dict) -> None:
    mine, other = sandbox.cohort.patients[0], sandbox.cohort.patients[1]
    headers = sandbox.token(grant("patient/*.cruds", patient=mine.patient_id))
    post = sandbox.client.post
    theirs = response(other.patient_id, other.today.encounter_id)
    assert post("/fhir/QuestionnaireResponse", json=theirs, headers=headers).status_code == 403
    foreign = post("/fhir/QuestionnaireResponse", json=theirs, headers=clinician).json
    got = post("/fhir/Provenance", json=provenance(f"QuestionnaireResponse/{foreign['id']}"),
               headers=headers)
    assert got.status_code == 403
    moved = {**foreign, "subject": {"reference": f"Patient/{mine.patient_id}"}}
    got = sandbox.client.put(f"/fhir/QuestionnaireResponse/{foreign['id']}", json=moved,
                             headers=headers)
    assert got.status_code == 403
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": theirs, "request": {"method": "POST", "url": "QuestionnaireResponse"}}]}
    assert post("/fhir", json=bundle, headers=headers).status_code == 403
    ok = post("/fhir/QuestionnaireResponse",
              json=response(mine.patient_id, mine.today.encounter_id), headers=headers)
    assert ok.status_code == 201


def test_revinclude_hides_resources_outside_the_compartment(
    sandbox: Sandbox, clinician: dict
) -> None:
    mine = sandbox.cohort.patients[0]
    qr = sandbox.client.post("/fhir/QuestionnaireResponse",
                             json=response(mine.patient_id, mine.today.encounter_id),
                             headers=clinician).json
    sandbox.client.post("/fhir/Provenance", json=provenance(f"QuestionnaireResponse/{qr['id']}"),
                        headers=clinician)
    no_provenance = sandbox.token(grant("patient/QuestionnaireResponse.rs",
                                        patient=mine.patient_id))
    got = sandbox.client.get("/fhir/QuestionnaireResponse?_revinclude=Provenance:target",
                             headers=no_provenance).json
    assert [e["resource"]["resourceType"] for e in got["entry"]] == ["QuestionnaireResponse"]


def test_metadata_and_smart_configuration_need_no_token(sandbox: Sandbox) -> None:
    meta = sandbox.client.get("/fhir/metadata")
    assert meta.status_code == 200 and meta.json["fhirVersion"] == "4.0.1"
    rest = meta.json["rest"][0]
    oauth = next(e for e in rest["security"]["extension"] if e["url"] == OAUTH_URIS)
    uris = {e["url"]: e["valueUri"] for e in oauth["extension"]}
    assert uris == {"authorize": "http://ehr.test/auth/authorize",
                    "token": "http://ehr.test/auth/token"}
    assert {i["code"] for i in rest["interaction"]} == {"batch", "transaction"}
    smart = sandbox.client.get("/fhir/.well-known/smart-configuration")
    assert smart.status_code == 200 and smart.json["token_endpoint"].endswith("/token")


def _interactions(statement: dict) -> dict[str, set[str]]:
    return {r["type"]: {i["code"] for i in r["interaction"]}
            for r in statement["rest"][0]["resource"]}


def test_metadata_lists_writable_types_from_settings(sandbox: Sandbox, tmp_path: Path) -> None:
    default = _interactions(sandbox.client.get("/fhir/metadata").json)
    assert {"create", "update"} <= default["QuestionnaireResponse"]
    assert "create" not in default["Patient"] and "read" in default["Patient"]
    assert {"search-type", "vread", "history-instance"} <= default["Encounter"]
    settings = make_settings(tmp_path / "narrow", writable_types=frozenset({"Observation"}))
    app = create_sandbox(settings, auth_factory=lambda s, d: FakeAuth())
    narrow = _interactions(app.test_client().get("/fhir/metadata").json)
    assert "create" in narrow["Observation"]
    assert "create" not in narrow["QuestionnaireResponse"]
