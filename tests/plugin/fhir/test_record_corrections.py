"""Corrections make a new version with If-Match; mistakes become entered-in-error, never deleted."""

from __future__ import annotations

import dataclasses
import datetime

from fhir.resources.R4B import get_fhir_model_class

import fhir_profiles
from plugin.fhir.record_bundles import (
    Submission,
    build_correction_bundle,
    build_entered_in_error_bundle,
    build_submission_records,
)

UTC = datetime.UTC
ANSWERS = {"goal-1": "4", "goal-2": "3", "task-1": "2", "task-2": "1", "bond-1": "4",
           "bond-2": "2"}


def stored():
    """Records as a server would return them after the first submission."""
    sub = Submission(fhir_profiles.questionnaire("alliance-checkin-client"), ANSWERS, "client",
                     "Patient/p1", "Encounter/e7", "Patient/p1",
                     datetime.datetime(2026, 11, 25, 10, 30, tzinfo=UTC), "sub-1",
                     "Alliance Panel", "0.1.0")
    records = build_submission_records(sub)
    qr = {**records.questionnaire_response, "id": "qr1", "meta": {
        **records.questionnaire_response["meta"], "versionId": "3"}}
    observations = [{**o, "id": f"obs-{scale}", "meta": {**o["meta"], "versionId": "1"}}
                    for scale, o in records.observations.items()]
    return sub, qr, observations


def test_correction_is_a_new_amended_version_with_if_match():
    sub, qr, observations = stored()
    corrected = dataclasses.replace(
        sub, answers={**ANSWERS, "bond-2": None, "bond-1": "1"}, author="Practitioner/pr1",
        recorded=datetime.datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        reason="Client's paper form misread")
    bundle = build_correction_bundle(corrected, qr, "3", observations)
    get_fhir_model_class("Bundle").model_validate(bundle)
    requests = [(e["request"]["method"], e["request"]["url"], e["request"].get("ifMatch"))
                for e in bundle["entry"]]
    assert requests[0] == ("PUT", "QuestionnaireResponse/qr1", 'W/"3"')
    assert bundle["entry"][0]["resource"]["status"] == "amended"
    assert ("PUT", "Observation/obs-total", 'W/"1"') in requests
    # bond has one answer of two now: its old score is withdrawn, not left standing
    bond = next(e["resource"] for e in bundle["entry"]
                if e["request"]["url"] == "Observation/obs-bond")
    assert bond["status"] == "entered-in-error"
    total = next(e["resource"] for e in bundle["entry"]
                 if e["request"]["url"] == "Observation/obs-total")
    # derived from the response version this correction makes (version 3 + 1)
    assert total["status"] == "amended" and total["derivedFrom"] == [
        {"reference": "QuestionnaireResponse/qr1/_history/4"}]
    prov = bundle["entry"][-1]["resource"]
    assert prov["activity"]["coding"][0]["code"] == "UPDATE"
    assert prov["reason"] == [{"text": "Client's paper form misread"}]
    assert prov["recorded"].startswith("2026-11-26T09:00:00")
    # the corrector is the Provenance's author; the response and its scores keep the client's
    assert [a["who"]["reference"] for a in prov["agent"]][0] == "Practitioner/pr1"
    response = bundle["entry"][0]["resource"]
    assert response["author"] == response["source"] == {"reference": "Patient/p1"}
    assert total["performer"] == [{"reference": "Patient/p1"}]
    assert all(m != "DELETE" for m, _u, _v in requests)


def test_entered_in_error_never_deletes():
    _sub, qr, observations = stored()
    bundle = build_entered_in_error_bundle(
        qr, "3", observations, author="Practitioner/pr1", reason="Wrong patient",
        recorded=datetime.datetime(2026, 11, 26, 9, 0, tzinfo=UTC), app_name="Alliance Panel",
        app_version="0.1.0")
    get_fhir_model_class("Bundle").model_validate(bundle)
    methods = {e["request"]["method"] for e in bundle["entry"]}
    assert methods == {"PUT", "POST"}
    statuses = [e["resource"]["status"] for e in bundle["entry"][:-1]]
    assert statuses == ["entered-in-error"] * (1 + len(observations))
    assert bundle["entry"][0]["request"]["ifMatch"] == 'W/"3"'
    prov = bundle["entry"][-1]["resource"]
    assert prov["activity"]["coding"][0]["code"] == "NULLIFY"
    # the Provenance names the exact versions these PUTs make (If-Match n makes n + 1)
    assert {t["reference"] for t in prov["target"]} == {
        "QuestionnaireResponse/qr1/_history/4",
        *(f"Observation/{o['id']}/_history/2" for o in observations)}
