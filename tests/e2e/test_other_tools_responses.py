"""Responses another tool (an SDC form renderer) stored in the EHR, on the panel through a real
launch: an unfinished one listed as not finished and not scored, an out-of-range one with its
plain reason; LHC-Forms' own meta.profile on both changes nothing."""

from __future__ import annotations

import html

import fhir_profiles
from plugin.fhir.record_resources import rater_extension
from tests.support.launched import open_launch, store

LHC_FORMS_PROFILE = "http://hl7.org/fhir/4.0/StructureDefinition/QuestionnaireResponse"


def rendered(run, qid: str, status: str, items: list[dict]) -> dict:
    return {"resourceType": "QuestionnaireResponse", "meta": {"profile": [LHC_FORMS_PROFILE]},
            "extension": [rater_extension("client")],
            "questionnaire": fhir_profiles.questionnaire(qid)["url"], "status": status,
            "subject": {"reference": f"Patient/{run.patient}"},
            "encounter": {"reference": f"Encounter/{run.encounter}"},
            "authored": "2026-12-01T10:00:00Z", "item": items}


def test_other_tools_responses_show_as_unfinished_or_with_their_problem(deploy):
    dep = deploy()
    run = open_launch(dep)
    srs = [{"linkId": str(n), "answer": [{"valueDecimal": v}]}
           for n, v in ((1, 9.0), (2, 12.0), (3, 8.0), (4, 7.5))]
    wai = [{"linkId": "1", "answer": [{"valueCoding": {"code": "3"}}]}]
    for qr in (rendered(run, "srs", "completed", srs),
               rendered(run, "wai-sr-client", "in-progress", wai)):
        store(dep).create(qr, patient=run.patient)
    panel = html.unescape(run.get("").text)
    assert "(not finished)" in panel
    assert "Item 2: 12 is outside 0 to 10." in panel
