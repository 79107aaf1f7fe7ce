"""The fhir_profiles package: layout, parsing with fhir.resources R4B, snapshots, terminology."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

import fhir_profiles
from fhir_profiles.tools.snapshot import generate_snapshot

FILES = sorted(p for p in fhir_profiles.PACKAGE_DIR.glob("*.json") if p.name != "package.json")
SDS = [r for r in fhir_profiles.load_resources() if r["resourceType"] == "StructureDefinition"]


def test_package_manifest():
    pkg = json.loads((fhir_profiles.PACKAGE_DIR / "package.json").read_text())
    assert pkg["fhirVersions"] == ["4.0.1"]
    assert pkg["dependencies"] == {"hl7.fhir.r4.core": "4.0.1"}
    assert pkg["canonical"] == fhir_profiles.CANONICAL == "https://alliance-panel.org/fhir"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_is_one_valid_r4_resource_under_the_canonical_base(path: Path):
    resource = json.loads(path.read_text())
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert path.name == f"{resource['resourceType']}-{resource['id']}.json"
    assert resource["url"] == (f"{fhir_profiles.CANONICAL}/{resource['resourceType']}/"
                               f"{resource['id']}")
    assert resource.get("fhirVersion", "4.0.1") == "4.0.1"


@pytest.mark.parametrize("sd", SDS, ids=lambda r: r["id"])
def test_snapshot_covers_differential_and_is_current(sd):
    snapshot_ids = [e["id"] for e in sd["snapshot"]["element"]]
    assert {e["id"] for e in sd["differential"]["element"]} <= set(snapshot_ids)
    assert len(snapshot_ids) == len(set(snapshot_ids))
    for element in sd["snapshot"]["element"]:
        assert "definition" in element and "min" in element and "max" in element
    stale = "snapshot is stale: run python -m fhir_profiles.tools.snapshot"
    assert sd["snapshot"]["element"] == generate_snapshot(sd), stale


def test_profiles_require_what_the_issue_asks():
    def required(sd_id):
        sd = fhir_profiles.resource_by_url(f"{fhir_profiles.CANONICAL}/StructureDefinition/{sd_id}")
        return {e["id"] for e in sd["snapshot"]["element"] if e["min"] >= 1}
    qr = required("alliance-questionnaireresponse")
    for name in ("questionnaire", "status", "subject", "encounter", "authored", "author",
                 "source", "extension:raterRole", "identifier"):
        assert f"QuestionnaireResponse.{name}" in qr
    obs = required("alliance-score-observation")
    for name in ("category", "code", "subject", "encounter", "effective[x]", "derivedFrom"):
        assert f"Observation.{name}" in obs
    prov = required("alliance-provenance")
    for name in ("target", "recorded", "agent:author", "agent:app", "agent:app.who"):
        assert f"Provenance.{name}" in prov


def test_terminology_is_consistent():
    cs = fhir_profiles.resource_by_url(f"{fhir_profiles.CANONICAL}/CodeSystem/alliance-panel")
    codes = {c["code"] for group in cs["concept"] for c in [group, *group.get("concept", [])]}
    for vs in (r for r in fhir_profiles.load_resources() if r["resourceType"] == "ValueSet"):
        for include in vs["compose"]["include"]:
            assert include["system"] == cs["url"]
            assert {c["code"] for c in include["concept"]} <= codes
    for q in fhir_profiles.questionnaires():
        for item in q["item"]:
            for coding in item.get("code", []):
                assert coding["system"] == cs["url"] and coding["code"] in codes


def test_every_project_extension_used_has_a_definition():
    urls = {r["url"] for r in SDS}
    used = set()

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("url", "")).startswith(f"{fhir_profiles.CANONICAL}/Structure"):
                used.add(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    for q in fhir_profiles.questionnaires():
        walk(q.get("extension", []))
    assert used and used <= urls


def test_licensed_instruments_carry_no_wording():
    for qid in ("wai-sr-client", "srs"):
        q = fhir_profiles.questionnaire(qid)
        assert "licence" in q["copyright"] or "permission" in q["copyright"]
        for item in q["item"]:
            if item["linkId"].startswith("score-"):
                continue  # the SDC score items: our own wording ("Total score")
            assert "text" not in item
            for option in item.get("answerOption", []):
                # neutral point labels only ("1 (lowest)" ... "5 (highest)"), never anchors
                assert re.fullmatch(r"\d( \((lowest|highest)\))?", option["valueCoding"]["display"])


def test_checkin_says_it_is_not_validated_and_has_weights_on_every_option():
    for form in ("client", "therapist"):
        q = fhir_profiles.questionnaire(f"alliance-checkin-{form}")
        assert "not a validated psychometric instrument" in q["description"]
        choices = [i for i in q["item"] if i["type"] == "choice"]
        assert len(choices) == 6 and {i["code"][0]["code"] for i in choices} == {
            "goal", "task", "bond"}
        for item in choices:
            for option in item["answerOption"]:
                urls = {e["url"] for e in option["valueCoding"]["extension"]}
                assert urls == {"http://hl7.org/fhir/StructureDefinition/ordinalValue",
                                "http://hl7.org/fhir/StructureDefinition/itemWeight"}
        free = [i for i in q["item"] if i["type"] == "text"]
        assert len(free) == 1 and free[0]["required"] is False


def test_capability_statement_is_requirements():
    cap = fhir_profiles.resource_by_url(
        f"{fhir_profiles.CANONICAL}/CapabilityStatement/alliance-panel-requirements")
    assert cap["kind"] == "requirements"
    rest = cap["rest"][0]
    assert {i["code"] for i in rest["interaction"]} == {"transaction"}
    by_type = {r["type"]: r for r in rest["resource"]}
    assert by_type["QuestionnaireResponse"]["conditionalCreate"] is True
    assert by_type["QuestionnaireResponse"]["versioning"] == "versioned-update"
    assert {"read"} <= {i["code"] for i in by_type["Patient"]["interaction"]}


def test_loader_lookups():
    assert fhir_profiles.questionnaire("srs")["id"] == "srs"
    url = f"{fhir_profiles.CANONICAL}/Questionnaire/srs"
    assert fhir_profiles.questionnaire(url + "|0.1.0")["url"] == url
    assert fhir_profiles.resource_by_url(url)["id"] == "srs"
    with pytest.raises(fhir_profiles.ProfileNotFound):
        fhir_profiles.questionnaire("nope")
    first = fhir_profiles.questionnaire("srs")
    first["item"].clear()
    assert fhir_profiles.questionnaire("srs")["item"]  # callers get copies
