"""Corrections under faults: a scripted clinician (tests/support/fault_clinic.py) corrects one of
their stored ratings through the app while the faults run, and the judge checks on HAPI that
each correction was completed exactly once: version 2, the corrected answers, the scores they
give and no other live score, two Provenance (the save's and the correction's), and a clean
`alliance audit` of the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

import fhir_profiles
from plugin.alliance import instrument_from_questionnaire, score_answers
from plugin.audit.verify import RecordAuditor
from plugin.fhir.client import FhirClient
from plugin.fhir.record_resources import SUBMISSION_SYSTEM
from tests.support.fault_clinic import FHIR_JSON, ITEMS, Clinician, Save
from tests.support.forms import read_form


@dataclass
class Correction:
    save: Save
    qr_id: str = ""
    answers: dict[str, str] | None = None
    told: str = ""  # corrected | queued
    posts: int = 0


def correct(clinician: Clinician, handle: str, save: Save) -> Correction:
    """Open the stored rating's correction form and press Save until the app answers with
    "corrected" or "queued" (an error page before anything was sent: press again)."""
    found = requests.get(f"{clinician.hapi}/QuestionnaireResponse", headers=FHIR_JSON, timeout=60,
                         params={"identifier": f"{SUBMISSION_SYSTEM}|{save.submission_id}"})
    correction = Correction(save, qr_id=found.json()["entry"][0]["resource"]["id"])
    url = f"{clinician.app_url()}/panel/{handle}/responses/{correction.qr_id}/correct"

    def open_form() -> dict[str, str] | None:
        page = clinician.browser.get(url, timeout=60)
        if page.status_code != 200 or 'name="reason"' not in page.text:
            return None
        return dict(read_form(page.text, page.url).hidden)

    hidden = clinician._until("opening the correction", open_form)  # noqa: SLF001
    answers = {f"item-{i}": str(clinician.random.randint(0, 4)) for i in ITEMS}
    answers["item-goal-1"] = "0"
    answers["item-goal-2"] = "4"  # never the stored pair (the fault clinic's answers are random)
    correction.answers = answers
    data = {**hidden, **answers, "reason": "Corrected during a fault run"}  # type: ignore[dict-item]

    def press_save() -> str | None:
        correction.posts += 1
        answer = clinician.browser.post(url, data=data, timeout=90, allow_redirects=False)
        if answer.status_code == 303:
            query = parse_qs(urlsplit(answer.headers["Location"]).query)
            return "corrected" if query.get("saved") == ["corrected"] else \
                "queued" if "queued" in query else None
        return None

    correction.told = str(clinician._until("correcting", press_save))  # noqa: SLF001
    return correction


@dataclass(frozen=True)
class CorrectionVerdict:
    corrections: int
    told: dict[str, int]
    not_once: list[str]  # what was wrong, per record

    @property
    def clean(self) -> bool:
        return not self.not_once


def judge_corrections(hapi: str, corrections: list[Correction]) -> CorrectionVerdict:
    told: dict[str, int] = {}
    wrong: list[str] = []
    instrument = instrument_from_questionnaire(
        fhir_profiles.questionnaire("alliance-checkin-therapist"))
    client = FhirClient(hapi)
    for correction in corrections:
        told[correction.told] = told.get(correction.told, 0) + 1
        qr = client.read("QuestionnaireResponse", correction.qr_id)
        name = f"QuestionnaireResponse/{correction.qr_id}"
        if qr.get("status") != "amended" or qr["meta"]["versionId"] != "2":
            wrong.append(f"{name}: {qr.get('status')} at version {qr['meta']['versionId']}")
            continue
        answers = {k.removeprefix("item-"): v for k, v in (correction.answers or {}).items()}
        expected = {code: round(s.sum, 4) for code, s in score_answers(instrument, answers)
                    .scales.items() if s.scored and s.sum is not None}
        live = _live_scores(client, name)
        if live != expected:
            wrong.append(f"{name}: live scores {live}, the corrected answers give {expected}")
        provenance = client.search("Provenance", {"target": name})
        if len(provenance) != 2:
            wrong.append(f"{name}: {len(provenance)} Provenance, not 2")
        wrong += [f"{name}: {f.check}: {f.detail}"
                  for f in RecordAuditor(client).audit_response(qr) if not f.ok]
    return CorrectionVerdict(len(corrections), told, wrong)


def _live_scores(client: FhirClient, name: str) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for obs in client.search("Observation", {"derived-from": name, "_count": "50"}):
        if obs.get("status") != "entered-in-error":
            scale = obs["code"]["coding"][0]["code"]
            scores[scale] = "twice" if scale in scores else obs["valueQuantity"]["value"]
    return scores
