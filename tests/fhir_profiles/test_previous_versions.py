"""Earlier versions of the shipped Questionnaires (fhir_profiles/previous/): responses stored
under them are read, scored and audited with the very form their raters answered. A previous
version is a Questionnaire as it was released; it differs from the current one in wording only
(never in items, options, weights or scoring), and it never reaches what the app offers or
what the renderers read."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

import fhir_profiles
from fhir_profiles.tools.narrative import with_narrative
from fhir_profiles.tools.sdc import _displays, sdc_questionnaire

PREVIOUS = sorted((fhir_profiles.PACKAGE_DIR / "previous").glob("*.json"))
CLIENT = f"{fhir_profiles.CANONICAL}/Questionnaire/alliance-checkin-client"


def _without_wording(q: dict[str, Any]) -> dict[str, Any]:
    bare = copy.deepcopy(q)
    for key in ("id", "text", "version", "date"):
        bare.pop(key, None)
    for item in bare["item"]:
        item.pop("text", None)
    return bare


def test_both_check_in_forms_ship_their_0_1_0_version() -> None:
    assert sorted(p.name for p in PREVIOUS) == [
        "Questionnaire-alliance-checkin-client-0.1.0.json",
        "Questionnaire-alliance-checkin-therapist-0.1.0.json"]


@pytest.mark.parametrize("path", PREVIOUS, ids=lambda p: p.name)
def test_a_previous_version_is_a_valid_r4_questionnaire_differing_in_wording_only(
        path: Path) -> None:
    old = json.loads(path.read_text(encoding="utf-8"))
    get_fhir_model_class("Questionnaire").model_validate(old)
    current = fhir_profiles.questionnaire(old["url"])
    # its own id (the current version's, then its version), so that a loader that PUTs by id
    # (a test server, a renderer's) never overwrites the current version with it
    assert old["id"] == f"{current['id']}-{old['version']}"
    assert path.name == f"Questionnaire-{old['id']}.json"
    assert old["url"].startswith(fhir_profiles.CANONICAL) and old["version"] != current["version"]
    assert _without_wording(old) == _without_wording(current)
    assert with_narrative(old) == old, "narrative is stale"
    displays = _displays(fhir_profiles.PACKAGE_DIR)
    assert sdc_questionnaire(old, displays) == old, "SDC extensions are stale"


def test_a_canonical_with_a_version_gives_that_version() -> None:
    old = fhir_profiles.questionnaire(f"{CLIENT}|0.1.0")
    assert old["version"] == "0.1.0"
    assert "What we did today made sense to me." in [i.get("text") for i in old["item"]]
    assert fhir_profiles.questionnaire(f"{CLIENT}|0.2.0")["version"] == "0.2.0"
    assert fhir_profiles.questionnaire(CLIENT)["version"] == "0.2.0"  # no version: current
    assert fhir_profiles.resource_by_url(f"{CLIENT}|0.1.0")["version"] == "0.1.0"
    with pytest.raises(fhir_profiles.ProfileNotFound):
        fhir_profiles.questionnaire(f"{CLIENT}|9.9.9")
    # a version this package never shipped: read with the current one where the app must
    assert fhir_profiles.questionnaire_or_current(f"{CLIENT}|9.9.9")["version"] == "0.2.0"
    assert fhir_profiles.questionnaire_or_current(f"{CLIENT}|0.1.0")["version"] == "0.1.0"


def test_what_the_app_offers_and_the_renderers_read_is_the_current_version_only() -> None:
    by_url: dict[str, list[str]] = {}
    for q in fhir_profiles.questionnaires():
        by_url.setdefault(q["url"], []).append(q["version"])
    assert by_url[CLIENT] == ["0.2.0"]
    assert all(len(versions) == 1 for versions in by_url.values())
    assert [r["version"] for r in fhir_profiles.load_resources() if r.get("url") == CLIENT] == [
        "0.2.0"]
    assert [(q["url"], q["version"]) for q in fhir_profiles.previous_versions()] == [
        (CLIENT, "0.1.0"), (CLIENT.replace("client", "therapist"), "0.1.0")]
