"""Record builders: valid R4 resources that meet their profiles, one transaction per form,
idempotent, and no licensed wording in what is stored."""

from __future__ import annotations

import datetime
import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

import fhir_profiles
from plugin.alliance import (
    UnknownOption,
    instrument_from_questionnaire,
    score_questionnaire_response,
)
from plugin.fhir.errors import InvalidSubmission
from plugin.fhir.record_bundles import build_submission_bundle, build_submission_records
from plugin.fhir.record_resources import RESOLVE_AS_VERSION_SPECIFIC
from tests.support.submissions import ANSWERS, submission


def profile(resource):
    return fhir_profiles.resource_by_url(resource["meta"]["profile"][0])


def missing_required(resource, sd) -> list[str]:
    """Ids of differential elements with min >= 1 that the resource does not carry."""
    diff = {e["id"]: e for e in sd["differential"]["element"]}
    missing = []
    for eid, element in diff.items():
        if element.get("min", 0) < 1 or eid.count(".") != 1:
            continue
        name = eid.split(".")[1]
        if ":" in name:
            base, slice_name = name.split(":")
            values = resource.get(base, [])
            if base == "extension":
                url = element["type"][0]["profile"][0]
                ok = any(v.get("url") == url for v in values)
            else:
                pattern = diff[f"{eid}.type"]["patternCodeableConcept"]["coding"][0]["code"]
                ok = any(c["code"] == pattern for v in values for c in v["type"]["coding"])
            if not ok:
                missing.append(eid)
        elif name.endswith("[x]"):
            if not any(k.startswith(name[:-3]) for k in resource):
                missing.append(eid)
        elif name not in resource:
            missing.append(eid)
    return missing


@pytest.mark.parametrize("qid", sorted(ANSWERS))
def test_every_record_parses_and_meets_its_profile(qid):
    bundle = build_submission_bundle(submission(qid))
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        sd = profile(resource)
        assert sd["type"] == resource["resourceType"]
        assert missing_required(resource, sd) == []


@pytest.mark.parametrize("qid", sorted(ANSWERS))
def test_references_resolve_within_the_bundle(qid):
    bundle = build_submission_bundle(submission(qid))
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(u.startswith("urn:uuid:") for u in full_urls)
    refs = [m for m in json.dumps(bundle).split('"reference": "')[1:]]
    urn_refs = {r.split('"')[0] for r in refs if r.startswith("urn:uuid:")}
    assert urn_refs and urn_refs <= full_urls
    qr_url = bundle["entry"][0]["fullUrl"]
    observations = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    # Each asks the server to name the version the transaction makes (one round trip).
    version_specific = [{"url": RESOLVE_AS_VERSION_SPECIFIC, "valueBoolean": True}]
    assert all(o["resource"]["derivedFrom"] == [
        {"reference": qr_url, "extension": version_specific}] for o in observations)
    provenance = bundle["entry"][-1]["resource"]
    assert {t["reference"] for t in provenance["target"]} == full_urls - {
        bundle["entry"][-1]["fullUrl"]}
    assert all(t["extension"] == version_specific for t in provenance["target"])
    # the patient, the session and the people are not in the Bundle: left as they are
    assert all("extension" not in o["resource"]["subject"] for o in observations)


def test_observations_hold_total_and_each_scored_component():
    records = build_submission_records(submission("alliance-checkin-client"))
    assert sorted(records.observations) == ["bond", "goal", "task", "total"]
    total = records.observations["total"]
    assert total["valueQuantity"]["value"] == 18
    assert total["component"][0]["valueQuantity"]["value"] == 3
    assert total["method"]["coding"][0]["code"] == "sum"
    assert total["category"][0]["coding"][0]["code"] == "survey"
    srs = build_submission_records(submission("srs"))
    assert list(srs.observations) == ["total"]


def test_missing_answers_give_prorated_and_absent_scores():
    answers = {k: v for k, v in ANSWERS["alliance-checkin-client"].items() if k != "bond-2"}
    records = build_submission_records(submission("alliance-checkin-client", answers=answers))
    assert "bond" not in records.observations
    assert records.observations["total"]["method"]["coding"][0]["code"] == "prorated-sum"
    assert records.observations["total"]["valueQuantity"]["value"] == pytest.approx(19.2)


def test_stored_answers_reproduce_the_score():
    for qid in ANSWERS:
        records = build_submission_records(submission(qid))
        instrument = instrument_from_questionnaire(fhir_profiles.questionnaire(qid))
        again = score_questionnaire_response(instrument, records.questionnaire_response)
        assert again == records.score


def test_licensed_instrument_response_has_no_item_text():
    for qid in ("wai-sr-client", "srs"):
        qr = build_submission_records(submission(qid)).questionnaire_response
        assert qr["item"] and all("text" not in item for item in qr["item"])
    qr = build_submission_records(submission("alliance-checkin-client")).questionnaire_response
    assert all("text" in item for item in qr["item"])


def test_licensed_instrument_with_text_pack_still_stores_no_text():
    from plugin.alliance import apply_text_pack

    q = apply_text_pack(fhir_profiles.questionnaire("wai-sr-client"),
                        {"en": {**{str(n): f"[site text {n}]" for n in range(1, 13)},
                                "@options": {str(n): f"[site anchor {n}]" for n in range(1, 6)}}},
                        "en")
    qr = build_submission_records(submission("wai-sr-client", questionnaire=q))
    assert all("text" not in item for item in qr.questionnaire_response["item"])
    codings = [i["answer"][0]["valueCoding"] for i in qr.questionnaire_response["item"]]
    assert "site" not in json.dumps(codings)
    assert {c["display"] for c in codings} == {"1 (lowest)", "2", "3", "4", "5 (highest)"}


@pytest.mark.parametrize("qid", ["alliance-checkin-client", "wai-sr-client"])
def test_answers_and_scales_carry_the_code_systems_system_and_display(qid):
    records = build_submission_records(submission(qid))
    options = {o["valueCoding"]["code"]: o["valueCoding"]
               for o in fhir_profiles.questionnaire(qid)["item"][0]["answerOption"]}
    for item in records.questionnaire_response["item"]:
        if "valueCoding" in item["answer"][0]:
            coding = item["answer"][0]["valueCoding"]
            shipped = options[coding["code"]]
            assert coding == {k: shipped[k] for k in ("system", "code", "display")}
    for obs in records.observations.values():
        [coding] = obs["code"]["coding"]
        assert coding["display"] == fhir_profiles.code_display(coding["system"], coding["code"])


def test_double_submission_builds_the_identical_idempotent_bundle():
    first = build_submission_bundle(submission("alliance-checkin-client"))
    second = build_submission_bundle(submission("alliance-checkin-client"))
    assert first == second
    conditions = [e["request"]["ifNoneExist"] for e in first["entry"]]
    assert len(set(conditions)) == len(conditions)
    sid = "9b2e4d4a-6c1f-4bb0-9a57-2f1a1d0c3e11"
    base = fhir_profiles.CANONICAL
    assert conditions[0] == f"identifier={base}/identifier/submission|{sid}"
    assert f"identifier={base}/identifier/score|{sid}/total" in conditions
    assert conditions[-1] == f"_tag={base}/identifier/submission|{sid}/provenance"
    assert all(e["request"]["method"] == "POST" for e in first["entry"])
    other = build_submission_bundle(submission("alliance-checkin-client", submission_id="x-2"))
    assert other["entry"][0]["fullUrl"] != first["entry"][0]["fullUrl"]


def test_provenance_names_author_app_version_and_organisation():
    prov = build_submission_records(submission("alliance-checkin-therapist")).provenance
    author, app = prov["agent"]
    assert author["who"] == {"reference": "Practitioner/pr1"}
    assert author["onBehalfOf"] == {"reference": "Organization/clinic"}
    assert app["who"]["reference"] == "#app" and app["who"]["display"] == "Alliance Panel 0.1.0"
    assert prov["contained"][0]["version"] == [{"value": "0.1.0"}]
    assert prov["recorded"].startswith("2026-11-25T10:30:00")


@pytest.mark.parametrize("changes", [
    {"authored": datetime.datetime(2026, 11, 25, 10, 30)},
    {"patient": "javascript:alert(1)//Patient/1"},
    {"patient": "Patient/has space"},
    {"encounter": "ftp://ehr.example/fhir/Encounter/1"},
    {"rater": "nurse"},
    {"submission_id": "a|b"},
])
def test_invalid_submissions_are_refused(changes):
    with pytest.raises(InvalidSubmission) as info:
        build_submission_bundle(submission("alliance-checkin-client", **changes))
    assert info.value.code == "fhir.invalid_submission"


def test_absolute_references_to_the_ehr_are_kept_for_a_companion_store():
    records = build_submission_records(submission(
        "alliance-checkin-client", patient="https://ehr.example/fhir/Patient/p1",
        encounter="https://ehr.example/fhir/Encounter/e1"))
    qr = records.questionnaire_response
    assert qr["subject"]["reference"] == "https://ehr.example/fhir/Patient/p1"
    assert qr["encounter"]["reference"] == "https://ehr.example/fhir/Encounter/e1"


def test_bad_answer_is_an_error_not_a_record():
    answers = {**ANSWERS["wai-sr-client"], "1": 9}
    with pytest.raises(UnknownOption):
        build_submission_bundle(submission("wai-sr-client", answers=answers))


def test_a_paper_form_typed_in_names_the_enterer_in_the_validated_provenance():
    sub = submission("alliance-checkin-client", enterer="Practitioner/pr1")
    bundle = build_submission_bundle(sub)
    get_fhir_model_class("Bundle").model_validate(bundle)
    provenance = bundle["entry"][-1]["resource"]
    agents = {a["type"]["coding"][0]["code"]: a["who"]["reference"] for a in provenance["agent"]}
    assert agents["author"] == "Patient/p1" and agents["enterer"] == "Practitioner/pr1"
    qr = bundle["entry"][0]["resource"]
    assert qr["author"] == qr["source"] == {"reference": "Patient/p1"}
    alone = build_submission_bundle(submission("alliance-checkin-client"))["entry"][-1]
    assert "enterer" not in {a["type"]["coding"][0]["code"] for a in alone["resource"]["agent"]}
