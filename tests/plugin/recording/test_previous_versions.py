"""A response stored under an earlier version of its form (fhir_profiles/previous/) is read and
corrected with that version, the wording its rater answered; a new rating always uses the
current version."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import fhir_profiles
from plugin.config import load_settings
from plugin.fhir.client import FhirClient
from plugin.fhir.record_bundles import build_correction_bundle, build_submission_records
from plugin.recording.catalogue import FormCatalogue, build_form
from plugin.recording.one_rating import Slot, find_stored
from plugin.recording.submission import correction, new_submission
from tests.support.memory_fhir import MemoryFhir

NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
URL = f"{fhir_profiles.CANONICAL}/Questionnaire/alliance-checkin-client"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "1", "bond-1": "4",
           "bond-2": "3"}


def catalogue(tmp_path: Path) -> FormCatalogue:
    return FormCatalogue.from_settings(load_settings({
        "public_url": "https://app.example", "client_id": "c",
        "allowed_iss": "https://ehr.example/fhir",
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
        "data_dir": str(tmp_path),
        "instruments": "alliance-checkin-client,alliance-checkin-therapist"}))


def stored_0_1_0(forms: FormCatalogue) -> dict:
    """A client's rating as the app stored it when 0.1.0 was current."""
    old = json.loads((fhir_profiles.PACKAGE_DIR / "previous"
                      / "Questionnaire-alliance-checkin-client-0.1.0.json").read_text())
    sub = new_submission(build_form(old, []), ANSWERS, patient="Patient/p1",
                         encounter="Encounter/e1", author="Patient/p1", enterer=None,
                         submission_id="sub-old",
                         organization=None, now=lambda: NOW, channel="link")
    qr = build_submission_records(sub).questionnaire_response
    return {**qr, "id": "qr-old", "meta": {**qr["meta"], "versionId": "1"}}


def texts(qr: dict) -> dict[str, str]:
    return {i["linkId"]: i.get("text", "") for i in qr["item"]}


def test_a_0_1_0_response_is_read_with_the_0_1_0_form(tmp_path: Path) -> None:
    forms = catalogue(tmp_path)
    old = forms.for_response({"questionnaire": f"{URL}|0.1.0"})
    assert old.questionnaire["version"] == "0.1.0" and old.instrument.version == "0.1.0"
    assert texts(dict(old.display))["task-1"] == "What we did today made sense to me."
    assert old.id == "alliance-checkin-client" and old.hand_off
    # what the app offers, and what a response to the current version finds, is 0.2.0
    assert forms.form("alliance-checkin-client").questionnaire["version"] == "0.2.0"
    assert forms.for_response({"questionnaire": f"{URL}|0.2.0"}).instrument.version == "0.2.0"
    assert forms.for_response({"questionnaire": URL}).instrument.version == "0.2.0"


def test_a_correction_of_a_0_1_0_rating_stays_on_0_1_0(tmp_path: Path) -> None:
    forms = catalogue(tmp_path)
    qr = stored_0_1_0(forms)
    assert qr["questionnaire"] == f"{URL}|0.1.0"
    form = forms.for_response(qr)
    fixed = correction(qr, form, "client", "sub-old", {**ANSWERS, "bond-1": "1"},
                       corrector="Practitioner/pr1", reason="paper form misread",
                       organization=None, now=lambda: NOW)
    bundle = build_correction_bundle(fixed, qr, "1", [])
    response = bundle["entry"][0]["resource"]
    assert response["questionnaire"] == f"{URL}|0.1.0"
    assert texts(response)["bond-1"] == "I felt respected and understood today."
    assert texts(response) == texts(qr)


def test_a_new_rating_uses_the_current_version(tmp_path: Path) -> None:
    forms = catalogue(tmp_path)
    sub = new_submission(forms.form("alliance-checkin-client"), ANSWERS, patient="Patient/p1",
                         encounter="Encounter/e2", author="Patient/p1", enterer=None,
                         submission_id="sub-new", organization=None, now=lambda: NOW)
    qr = build_submission_records(sub).questionnaire_response
    assert qr["questionnaire"] == f"{URL}|0.2.0"
    assert texts(qr)["bond-1"] == "I felt respected and understood in this session."


def test_a_0_1_0_rating_holds_its_session_against_a_new_0_2_0_one(tmp_path: Path) -> None:
    """One rating per session, rater and form: the form is its canonical url, any version."""
    server = MemoryFhir()
    server.put(stored_0_1_0(catalogue(tmp_path)))
    client = FhirClient(server.base, http=server.session, retries=0)
    slot = Slot("https://ehr.example/fhir", "Patient/p1", "Encounter/e1", "client", URL)
    held = find_stored(client, slot)
    assert held is not None and held.qr_id == "qr-old"
