"""Where records go, with real servers: an EHR sandbox that will not take QuestionnaireResponses
and a second, empty sandbox as the companion store the app reaches with SMART backend services."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import requests

import fhir_profiles
from plugin import APP_NAME, __version__
from plugin.fhir.client import FhirClient
from plugin.fhir.record_bundles import Submission, build_submission_bundle
from plugin.fhir.stores import RecordStore
from plugin.web.security import BROWSER_COOKIE
from tests.support.launched import THERAPIST, filled, open_launch, saved_id

WITHOUT_RESPONSES = frozenset({"Observation", "Provenance", "Questionnaire"})
ANSWERS = {"goal-1": "3", "goal-2": "3", "task-1": "4", "task-2": "1", "bond-1": "3",
           "bond-2": "4"}


def _launched_store(dep) -> tuple[RecordStore, object]:
    """Launch from the first patient's chart; the RecordStore the app picks for that launch."""
    browser = dep.browser()
    page = dep.launch_ehr(browser, dep.patient_ids()[0])
    assert page.status_code == 200, page.text[:500]
    handle = urlsplit(page.url).path.rstrip("/").split("/")[-1]
    ext = dep.flask_app.extensions["alliance"]
    context = ext.launches.context(handle, browser.cookies.get(BROWSER_COOKIE))
    ehr = FhirClient(context.iss, token=lambda: context.access_token, http=dep.http)
    return ext.record_stores.for_launch(context, ehr), context


def _submission(store: RecordStore, context) -> Submission:
    practitioner = "/".join(context.fhir_user.rstrip("/").split("/")[-2:])
    return Submission(
        questionnaire=fhir_profiles.questionnaire("alliance-checkin-therapist"), answers=ANSWERS,
        rater="therapist", patient=store.ref("Patient", context.patient),
        encounter=store.ref("Encounter", context.encounter),
        author=store.ref(*practitioner.split("/")), authored=datetime.now(UTC),
        submission_id=str(uuid.uuid4()), app_name=APP_NAME, app_version=__version__)


def test_records_go_to_the_companion_when_the_ehr_will_not_take_them(deploy) -> None:
    dep = deploy(client_kind="asymmetric", ehr_writable=WITHOUT_RESPONSES, companion=True)
    ehr_cap = requests.get(f"{dep.iss}/metadata", timeout=10).json()
    qr_entry = next(r for r in ehr_cap["rest"][0]["resource"]
                    if r["type"] == "QuestionnaireResponse")
    assert "create" not in {i["code"] for i in qr_entry["interaction"]}

    store, context = _launched_store(dep)
    assert store.where == "companion"
    assert store.client.base_url == dep.companion_fhir
    assert "QuestionnaireResponse" in store.reason and store.transactions
    patient_url = f"{dep.iss}/Patient/{context.patient}"
    assert store.ref("Patient", context.patient) == patient_url

    submission = _submission(store, context)
    answer = store.client.transaction(build_submission_bundle(submission))
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses and all(s.startswith("201") for s in statuses), statuses

    # Stored in the companion, pointing at the EHR by absolute URL; not in the EHR.
    responses = store.client.search("QuestionnaireResponse",
                                    store.patient_search(context.patient))
    assert [r["identifier"]["value"] for r in responses] == [submission.submission_id]
    assert responses[0]["subject"]["reference"] == patient_url
    assert responses[0]["encounter"]["reference"] == f"{dep.iss}/Encounter/{context.encounter}"
    scores = store.client.search("Observation", {"patient": patient_url})
    assert len(scores) == 4
    assert {o["derivedFrom"][0]["reference"] for o in scores} == {  # the version it made
        f"QuestionnaireResponse/{responses[0]['id']}/_history/1"}
    provenance = store.client.search(
        "Provenance", {"target": f"QuestionnaireResponse/{responses[0]['id']}"})
    assert len(provenance) == 1 and len(provenance[0]["target"]) == 5
    ehr_store = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    assert not [qr for qr in ehr_store.scan("QuestionnaireResponse", context.patient)
                if qr.get("identifier", {}).get("value") == submission.submission_id]

    # Sending the same bundle again stores nothing new.
    store.client.transaction(build_submission_bundle(submission))
    assert len(store.client.search("QuestionnaireResponse",
                                   store.patient_search(context.patient))) == 1

    # Authenticated with SMART backend services: client_credentials + a signed assertion.
    token_calls = dep.http.to(f"{dep.companion.url}/auth/token")
    assert token_calls and all(c.status == 200 for c in token_calls)
    form = parse_qs(token_calls[0].body)
    assert form["grant_type"] == ["client_credentials"]
    assert form["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assert form["client_assertion"][0].count(".") == 2
    assert set(form["scope"][0].split()) == {
        "system/QuestionnaireResponse.cruds", "system/Observation.cruds",
        "system/Provenance.cruds"}
    writes = [e for e in dep.http.to(dep.companion_fhir) if e.method == "POST"]
    assert writes and all(e.status == 200 for e in writes)
    ehr_writes = [e for e in dep.http.to(dep.iss) if e.method == "PUT" or (
        e.method == "POST" and '"type": "batch"' not in e.body)]  # the panel reads by batch
    assert not ehr_writes

    # The companion refuses a caller without a token.
    anonymous = requests.get(f"{dep.companion_fhir}/QuestionnaireResponse",
                             params={"patient": patient_url}, timeout=10)
    assert anonymous.status_code == 401


def test_records_go_to_the_ehr_when_it_accepts_them(deploy) -> None:
    dep = deploy(client_kind="asymmetric", companion=True)
    store, context = _launched_store(dep)
    assert store.where == "ehr" and store.client.base_url == dep.iss
    assert store.ref("Patient", context.patient) == f"Patient/{context.patient}"
    assert not dep.http.to(f"{dep.companion.url}/auth/token")


def test_without_a_companion_an_ehr_that_refuses_records_is_still_used(deploy) -> None:
    dep = deploy(ehr_writable=WITHOUT_RESPONSES)
    store, _ = _launched_store(dep)
    assert store.where == "ehr" and "no companion store" in store.reason


def test_a_rating_saved_in_the_app_lands_in_the_companion_and_shows_on_the_panel(deploy) -> None:
    dep = deploy(client_kind="asymmetric", ehr_writable=WITHOUT_RESPONSES, companion=True)
    run = open_launch(dep)
    form = run.get(f"/record/{THERAPIST}")
    chooser = run.get("/record").text
    assert "Ratings are kept in a separate store your organisation set up" in chooser
    assert "companion store" in chooser  # in the IT team's fold
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(form)))

    companion = dep.flask_companion.extensions["ehr_sandbox"]["store"]
    ehr = dep.flask_sandbox.extensions["ehr_sandbox"]["store"]
    qr = companion.read("QuestionnaireResponse", qr_id).resource
    assert qr["subject"]["reference"] == f"{dep.iss}/Patient/{run.patient}"
    assert qr["encounter"]["reference"] == f"{dep.iss}/Encounter/{run.encounter}"
    assert ehr.read("QuestionnaireResponse", qr_id) is None

    panel = run.get("")
    assert "therapist-rated" in panel.text
    assert "Ratings are kept in a separate store your organisation set up" in panel.text
    details = panel.text.split("Details for your IT team", 1)[1]  # the address, folded away
    assert f"Records are stored in the companion store {dep.companion_fhir}" in details
