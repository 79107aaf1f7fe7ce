from __future__ import annotations

from urllib.parse import urlsplit

from ehr_sandbox.fhir.search import MAX_COUNT, page_size

from .harness import FHIR, Sandbox
from .resources import observation, provenance, response


def _get_url(sandbox: Sandbox, url: str, headers: dict) -> dict:
    parts = urlsplit(url)
    got = sandbox.client.get(f"{parts.path}?{parts.query}", headers=headers)
    assert got.status_code == 200, got.json
    return got.json


def test_read_returns_resource_with_etag(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[1]
    got = sandbox.client.get(f"/fhir/Patient/{plan.patient_id}", headers=clinician)
    assert got.status_code == 200
    assert got.content_type.startswith("application/fhir+json")
    assert got.headers["ETag"] == 'W/"1"'
    assert got.json["meta"]["versionId"] == "1"
    assert got.json["name"] == plan.patient["name"]


def test_read_unknown_id_type_and_version(sandbox: Sandbox, clinician: dict) -> None:
    pid = sandbox.cohort.patients[0].patient_id
    assert sandbox.client.get("/fhir/Patient/nope", headers=clinician).status_code == 404
    assert sandbox.client.get("/fhir/Spaceship/1", headers=clinician).status_code == 404
    missing = sandbox.client.get(f"/fhir/Patient/{pid}/_history/7", headers=clinician)
    assert missing.status_code == 404
    assert missing.json["resourceType"] == "OperationOutcome"
    assert sandbox.client.get("/fhir/Patient/bad*id", headers=clinician).status_code == 400


def test_vread(sandbox: Sandbox, clinician: dict) -> None:
    pid = sandbox.cohort.patients[0].patient_id
    got = sandbox.client.get(f"/fhir/Patient/{pid}/_history/1", headers=clinician)
    assert got.status_code == 200 and got.json["id"] == pid


def test_deleted_resource_is_gone(sandbox: Sandbox, clinician: dict) -> None:
    pid = sandbox.cohort.patients[0].patient_id
    sandbox.store.delete("Patient", pid)
    assert sandbox.client.get(f"/fhir/Patient/{pid}", headers=clinician).status_code == 410


def test_paging_follows_next_links_and_returns_each_result_once(
    sandbox: Sandbox, clinician: dict
) -> None:
    plan = sandbox.cohort.patients[0]  # the long course
    page = _get_url(sandbox, f"{FHIR}/Encounter?patient={plan.patient_id}&_count=40", clinician)
    total, seen, pages = page["total"], [], 0
    while True:
        pages += 1
        assert len(page["entry"]) <= 40
        seen += [e["resource"]["id"] for e in page["entry"]]
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        assert nxt[0].startswith(f"{FHIR}/Encounter?")
        page = _get_url(sandbox, nxt[0], clinician)
    assert total == len(plan.attended) > 130
    assert sorted(seen) == sorted(s.encounter_id for s in plan.attended)
    assert len(set(seen)) == len(seen)
    assert pages == -(-total // 40)


def test_count_default_and_maximum(sandbox: Sandbox, clinician: dict) -> None:
    got = sandbox.client.get("/fhir/Appointment", headers=clinician).json
    assert len(got["entry"]) == 50 and got["total"] > 50
    got = sandbox.client.get("/fhir/Appointment?_count=100000", headers=clinician).json
    assert len(got["entry"]) == min(got["total"], MAX_COUNT)
    assert page_size([("_count", "100000")]) == MAX_COUNT == 500
    got = sandbox.client.get("/fhir/Appointment?_count=0", headers=clinician).json
    assert got["entry"] == [] and got["total"] > 0
    assert sandbox.client.get("/fhir/Appointment?_count=x", headers=clinician).status_code == 400


def test_sort_by_date_both_ways(sandbox: Sandbox, clinician: dict) -> None:
    pid = sandbox.cohort.patients[3].patient_id
    def starts(sort: str) -> list[str]:
        got = sandbox.client.get(f"/fhir/Encounter?patient={pid}&_sort={sort}",
                                 headers=clinician).json
        return [e["resource"]["period"]["start"] for e in got["entry"]]
    ascending = starts("date")
    assert ascending == sorted(ascending) and len(ascending) > 3
    assert starts("-date") == ascending[::-1]


def test_date_prefixes(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[0]
    pid = plan.patient_id
    def count(query: str) -> int:
        got = sandbox.client.get(f"/fhir/Encounter?patient={pid}&{query}", headers=clinician)
        assert got.status_code == 200, got.json
        return got.json["total"]
    dates = [s.start.date().isoformat() for s in plan.attended]
    assert count("date=ge2026-11-01") == sum(d >= "2026-11-01" for d in dates)
    assert count("date=lt2026-01-01") == sum(d < "2026-01-01" for d in dates)
    assert count("date=ge2026-01-01&date=le2026-03-31") == sum(
        "2026-01-01" <= d <= "2026-03-31" for d in dates)
    # Today's encounter is in progress: its open period is not contained in any day (eq),
    # but it does reach past the start of today (ge).
    assert count("date=2026-11-25") == 0
    assert count("date=ge2026-11-25") == 1
    assert count("date=2026-11-18") == int("2026-11-18" in dates)
    assert count("date=2026") == sum(d.startswith("2026") for d in dates) - 1  # today's is open
    assert sandbox.client.get("/fhir/Encounter?date=ge20261", headers=clinician).status_code == 400


def test_status_and_token_searches(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[3]
    got = sandbox.client.get(
        f"/fhir/Encounter?subject=Patient/{plan.patient_id}&status=in-progress",
        headers=clinician).json
    assert [e["resource"]["id"] for e in got["entry"]] == [plan.today.encounter_id]
    mrn = plan.patient["identifier"][0]
    got = sandbox.client.get(f"/fhir/Patient?identifier={mrn['system']}|{mrn['value']}",
                             headers=clinician).json
    assert [e["resource"]["id"] for e in got["entry"]] == [plan.patient_id]
    family = plan.patient["name"][0]["family"]
    got = sandbox.client.get(f"/fhir/Patient?name={family[:3].lower()}", headers=clinician).json
    assert plan.patient_id in [e["resource"]["id"] for e in got["entry"]]
    noshow = sandbox.client.get(
        f"/fhir/Appointment?patient={plan.patient_id}&status=noshow,cancelled",
        headers=clinician).json
    assert noshow["total"] == sum(s.status in ("noshow", "cancelled") for s in plan.sessions)


def test_appointment_actor_search(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[2]
    got = sandbox.client.get(f"/fhir/Appointment?actor=Practitioner/{plan.practitioner_id}"
                             f"&patient={plan.patient_id}&date=2026-11-25",
                             headers=clinician).json
    assert [e["resource"]["id"] for e in got["entry"]] == [plan.today.appointment_id]


def test_post_search_and_unknown_parameter(sandbox: Sandbox, clinician: dict) -> None:
    pid = sandbox.cohort.patients[1].patient_id
    got = sandbox.client.post("/fhir/Patient/_search", data={"_id": pid}, headers=clinician)
    assert got.status_code == 200 and got.json["total"] == 1
    bad = sandbox.client.get("/fhir/Patient?shoe-size=42", headers=clinician)
    assert bad.status_code == 400 and bad.json["issue"][0]["code"] == "invalid"
    lenient = sandbox.client.get("/fhir/Patient?shoe-size=42",
                                 headers={**clinician, "Prefer": "handling=lenient"})
    assert lenient.status_code == 200


def test_revinclude_provenance_and_include_derived_from(
    sandbox: Sandbox, clinician: dict
) -> None:
    plan = sandbox.cohort.patients[1]
    qr = sandbox.client.post("/fhir/QuestionnaireResponse",
                             json=response(plan.patient_id, plan.today.encounter_id),
                             headers=clinician).json
    prov = sandbox.client.post("/fhir/Provenance",
                               json=provenance(f"QuestionnaireResponse/{qr['id']}"),
                               headers=clinician).json
    derived = observation(plan.patient_id, f"QuestionnaireResponse/{qr['id']}")
    obs = sandbox.client.post("/fhir/Observation", json=derived, headers=clinician).json
    got = sandbox.client.get(
        f"/fhir/QuestionnaireResponse?patient={plan.patient_id}&_revinclude=Provenance:target",
        headers=clinician).json
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in got["entry"]}
    assert modes == {("QuestionnaireResponse", "match"), ("Provenance", "include")}
    assert got["total"] == 1
    assert {e["resource"]["id"] for e in got["entry"]} == {qr["id"], prov["id"]}
    got = sandbox.client.get(
        f"/fhir/Observation?derived-from=QuestionnaireResponse/{qr['id']}"
        "&_include=Observation:derived-from", headers=clinician).json
    assert [(e["resource"]["id"], e["search"]["mode"]) for e in got["entry"]] == [
        (obs["id"], "match"), (qr["id"], "include")]
    got = sandbox.client.get(f"/fhir/Provenance?target=QuestionnaireResponse/{qr['id']}",
                             headers=clinician).json
    assert got["total"] == 1


def test_questionnaire_response_searches(sandbox: Sandbox, clinician: dict) -> None:
    plan = sandbox.cohort.patients[1]
    body = response(plan.patient_id, plan.today.encounter_id, value="urn:uuid:abc")
    sandbox.client.post("/fhir/QuestionnaireResponse", json=body, headers=clinician)
    for query in (
        "identifier=urn:ietf:rfc:3986|urn:uuid:abc",
        f"encounter=Encounter/{plan.today.encounter_id}",
        f"encounter={plan.today.encounter_id}",
        "questionnaire=https://alliance-panel.example/fhir/Questionnaire/session-alliance",
        "status=completed&authored=ge2026-11-25",
        f"subject={FHIR}/Patient/{plan.patient_id}",
    ):
        got = sandbox.client.get(f"/fhir/QuestionnaireResponse?{query}", headers=clinician)
        assert got.json["total"] == 1, query
    got = sandbox.client.get("/fhir/QuestionnaireResponse?authored=lt2026-11-25",
                             headers=clinician)
    assert got.json["total"] == 0


def test_search_bundle_has_self_link_and_full_urls(sandbox: Sandbox, clinician: dict) -> None:
    got = sandbox.client.get("/fhir/Practitioner?_count=2", headers=clinician).json
    assert got["type"] == "searchset" and got["total"] == 3
    assert got["link"][0] == {"relation": "self", "url": f"{FHIR}/Practitioner?_count=2"}
    entry = got["entry"][0]
    assert entry["fullUrl"] == f"{FHIR}/Practitioner/{entry['resource']['id']}"
