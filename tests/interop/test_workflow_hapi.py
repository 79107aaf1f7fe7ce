"""The clinician's workflow against servers nobody on this project wrote: the app (a live
server) with oidc-provider as the authorization server and HAPI FHIR (JPA, R4) as the EHR's FHIR
server. Profiles and Questionnaires installed into HAPI, a slice of the sandbox's synthetic
cohort (with alliance histories) loaded, a real EHR launch, the panel read from HAPI, a therapist
and a client rating written as transactions, a resubmission stored once, a correction with
If-Match as version 2, the history read back, and every resource validated by HAPI.

One module-scoped scenario, steps as tests in order (each needs the ones before it)."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import fhir_profiles
from ehr_sandbox.cohort import build_cohort
from ehr_sandbox.settings import SandboxSettings
from plugin.alliance import instrument_from_questionnaire, score_answers
from plugin.audit.chain_verify import verify_chain
from plugin.audit.sink import read_events
from plugin.deploy.install import package_resources
from plugin.fhir.record_resources import SUBMISSION_SYSTEM
from plugin.web import create_app
from tests.support.forms import read_form
from tests.support.hapi_records import (
    ANSWERS,
    CLIENT,
    FHIR_JSON,
    entries,
    put_all,
    validate,
)
from tests.support.interop import CLIENT_IDS, Servers

pytestmark = pytest.mark.interop

THERAPIST = "alliance-checkin-therapist"
LOW = {"goal-1": "1", "goal-2": "0", "task-1": "1", "task-2": "1", "bond-1": "1", "bond-2": "0"}
PATIENTS = 3  # cohort clients loaded (after the 150-week one): steady, rupture-repair, decline


@dataclass
class Scenario:
    servers: Servers
    app: object
    patient: str
    encounter: str
    practitioner: str
    patient_name: str
    browser: requests.Session = field(default_factory=requests.Session)
    handle: str = ""
    saved: dict[str, str] = field(default_factory=dict)
    long_course: tuple = ()

    def url(self, path: str = "") -> str:
        return f"{self.servers.app_server.url}/panel/{self.handle}{path}"

    def get(self, path: str = "", **kw) -> requests.Response:
        return self.browser.get(self.url(path), timeout=30, **kw)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.browser.post(self.url(path), data=data, timeout=30, allow_redirects=False)

    def fhir(self, path: str, **params) -> dict:
        answer = requests.get(f"{self.servers.hapi}/{path}", params=params, timeout=30,
                              headers=FHIR_JSON)
        answer.raise_for_status()
        return answer.json()


def fields(page: requests.Response) -> dict[str, str]:
    return dict(read_form(page.text, page.url).hidden)


def filled(page: requests.Response, answers: dict[str, str], **extra) -> dict:
    return {**fields(page), **{f"item-{k}": v for k, v in answers.items()}, **extra}


def saved_id(answer: requests.Response) -> str:
    assert answer.status_code == 303, answer.text[:2000]
    return parse_qs(urlsplit(answer.headers["Location"]).query)["saved"][0]


@pytest.fixture(scope="module")
def scenario(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    hapi = servers.hapi
    # 1. The conformance package into HAPI (terminology first, then profiles, then forms), with
    #    the BALP stand-ins the app's AuditEvents claim.
    put_all(hapi, package_resources(with_balp_standins=True))
    # 2. A slice of the sandbox cohort: the clinic, its therapists and three clients with their
    #    sessions and recorded alliance histories.
    cohort = build_cohort(SandboxSettings.seed, time.time())
    starts = [i for i, r in enumerate(cohort.resources) if r["resourceType"] == "Patient"]
    head = cohort.resources[:starts[0]]
    body = cohort.resources[starts[1]:starts[1 + PATIENTS]]
    put_all(hapi, [*head, *body])
    plan = cohort.patients[1]
    name = plan.patient["name"][0]
    long_course = cohort.resources[starts[0]:starts[1]]
    # 3. The app, registered with oidc-provider as a public client, allowed to launch from HAPI.
    app_server = servers.app_server
    app = create_app({
        "public_url": app_server.url,
        "client_id": CLIENT_IDS["public"],
        "allowed_iss": hapi,
        "secret_key": "interop-" + "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy", "development": True,
        "data_dir": str(tmp_path_factory.mktemp("interop-app")),
    })
    app_server.start(app)
    scenario = Scenario(servers, app, plan.patient_id, plan.today.encounter_id,
                        plan.practitioner_id,
                        name.get("text") or " ".join([*name.get("given", []), name["family"]]))
    scenario.long_course = (cohort.patients[0], long_course)  # loaded by its own test
    return scenario


def test_ehr_launch_through_oidc_provider_opens_the_panel_read_from_hapi(scenario: Scenario):
    launch = scenario.servers.new_launch({
        "patient": scenario.patient, "encounter": scenario.encounter,
        "fhirUser": f"Practitioner/{scenario.practitioner}", "need_patient_banner": True})
    app_url = scenario.servers.app_server.url
    page = scenario.browser.get(f"{app_url}/launch",
                                params={"iss": scenario.servers.hapi, "launch": launch},
                                timeout=60)
    assert page.status_code == 200, page.text[:2000]
    assert urlsplit(page.url).path.startswith("/panel/")
    scenario.handle = urlsplit(page.url).path.split("/")[2]
    shown = re.search(r'<strong class="name">([^<]+)</strong>', page.text)
    assert shown, page.text[:2000]
    assert html.unescape(shown.group(1)).split()[-1] in scenario.patient_name
    assert "This session" in page.text and "not yet recorded" in page.text
    assert "Ratings are saved in the patient's record in the EHR" in html.unescape(page.text)
    # The recorded history read back from HAPI shows on the panel: a status line of facts.
    assert "Latest ratings, " in page.text


def test_therapist_rating_is_one_transaction_and_a_resubmission_stores_nothing_twice(
        scenario: Scenario):
    page = scenario.get(f"/record/{THERAPIST}")
    assert page.status_code == 200, page.text[:1000]
    data = filled(page, ANSWERS)
    first = saved_id(scenario.post(f"/record/{THERAPIST}", data))
    second = saved_id(scenario.post(f"/record/{THERAPIST}", data))
    assert first == second
    scenario.saved["therapist"] = first
    mine = entries(scenario.fhir("QuestionnaireResponse",
                                 identifier=f"{SUBMISSION_SYSTEM}|{data['submission_id']}"))
    assert [q["id"] for q in mine] == [first]
    qr = mine[0]
    assert qr["subject"]["reference"] == f"Patient/{scenario.patient}"
    assert qr["encounter"]["reference"] == f"Encounter/{scenario.encounter}"
    assert qr["author"]["reference"] == f"Practitioner/{scenario.practitioner}"
    observations = entries(scenario.fhir("Observation",
                                         **{"derived-from": f"QuestionnaireResponse/{first}"}))
    assert sorted(o["code"]["coding"][0]["code"] for o in observations) == [
        "bond", "goal", "task", "total"]
    provenances = entries(scenario.fhir("Provenance",
                                        target=f"QuestionnaireResponse/{first}"))
    assert len(provenances) == 1


def test_client_rating_through_the_hand_off(scenario: Scenario):
    choose = scenario.get("/record")
    start = scenario.post("/handoff/start", {**fields(choose), "questionnaire_id": CLIENT})
    assert start.status_code == 303, start.text[:1000]
    scenario.handle = urlsplit(start.headers["Location"]).path.split("/")[2]  # rotated
    lock = scenario.get("/handoff")
    code = re.search(r'class="unlock-code"[^>]*>([\d ]+)<', lock.text).group(1)
    client_url = scenario.servers.app_server.url + re.search(
        r'href="(/handoff/[^"?]+)"', lock.text).group(1)
    client = requests.Session()  # the client's own window
    form = client.get(client_url, timeout=30)
    assert scenario.patient_name.split()[-1] not in form.text
    sent = client.post(client_url, data=filled(form, LOW), timeout=30)
    assert sent.status_code == 200 and "Thank you" in sent.text
    thanks = scenario.get("/handoff")
    unlocked = scenario.post("/handoff/unlock", {**fields(thanks), "code": code})
    qr_id = saved_id(unlocked)
    scenario.handle = urlsplit(unlocked.headers["Location"]).path.split("/")[2]  # rotated again
    scenario.saved["client"] = qr_id
    qr = scenario.fhir(f"QuestionnaireResponse/{qr_id}")
    assert qr["author"]["reference"] == f"Patient/{scenario.patient}"
    assert qr["extension"][0]["valueCoding"]["code"] == "client"


def total_of(questionnaire_id: str, answers: dict[str, str]) -> float:
    instrument = instrument_from_questionnaire(fhir_profiles.questionnaire(questionnaire_id))
    value = score_answers(instrument, answers).scale("total").sum
    assert value is not None
    return value


def test_the_panel_shows_the_stored_scores_and_an_alert_for_the_low_client_rating(
        scenario: Scenario):
    page = scenario.get("")
    assert page.status_code == 200
    assert "not yet recorded" not in page.text.split("This session", 1)[1][:600]
    kinds = set(re.findall(r'class="alert alert-([a-z-]+) ', page.text))
    assert kinds, page.text[:3000]
    # "This session" lists each rater's total as scored from the answers sent (17 for the
    # therapist's ANSWERS, 6 for the client's LOW: the reverse-keyed items count 4 - answer),
    # labelled with instrument, scale and rater, the client first.
    current = page.text.split('id="current-h"', 1)[1].split("</section>", 1)[0]
    ratings = current.split('<ul class="today">', 1)[1].split("</ul>", 1)[0]
    found = re.findall(r"Check-in (\d+) of 24, (client|therapist)", ratings)
    assert found == [(f"{total_of(CLIENT, LOW):.0f}", "client"),
                     (f"{total_of(THERAPIST, ANSWERS):.0f}", "therapist")], current
    # and what the rules saw in the client's low rating: 6 is under the check-in's line of 18,
    # and 11 points under the therapist's 17, more than the form's noticeable drop of 4
    # (fhir_profiles/norms/alliance-checkin-client.json): both named, in one next step.
    assert "under the line" in ratings
    [step] = re.findall(r'<p class="next-step">(.*?)</p>', current, re.S)
    said = " ".join(step.split())
    assert "Next:</strong> Under the line of 18 (a project default)" in said, step
    assert "rated lower by the client than by the therapist: ask how the session felt" in said


def test_correction_uses_if_match_and_makes_version_2_with_readable_history(
        scenario: Scenario):
    qr_id = scenario.saved["therapist"]
    correct = scenario.get(f"/responses/{qr_id}/correct")
    assert correct.status_code == 200, correct.text[:1000]
    done = scenario.post(f"/responses/{qr_id}/correct",
                         filled(correct, {**ANSWERS, "goal-1": "0"}, reason="Mis-clicked 1"))
    assert done.status_code == 303, done.text[:2000]
    qr = scenario.fhir(f"QuestionnaireResponse/{qr_id}")
    assert qr["status"] == "amended" and qr["meta"]["versionId"] == "2"
    history = entries(scenario.fhir(f"QuestionnaireResponse/{qr_id}/_history"))
    raw = scenario.fhir(f"QuestionnaireResponse/{qr_id}/_history")
    assert sorted(h["meta"]["versionId"] for h in history) == ["1", "2"], str(raw)[:3000]
    view = scenario.get(f"/responses/{qr_id}")
    assert view.status_code == 200 and "amended" in view.text and "Versions" in view.text
    assert "Mis-clicked 1" in view.text

    # A stale version is refused by HAPI (412) and the app says so instead of overwriting.
    stale = requests.put(f"{scenario.servers.hapi}/QuestionnaireResponse/{qr_id}", json=qr,
                         headers={**FHIR_JSON, "If-Match": 'W/"1"'}, timeout=30)
    assert stale.status_code in (409, 412)


def test_a_150_week_course_is_read_through_hapis_paging_links(scenario: Scenario):
    """The panel asks for 500 per page; HAPI caps pages (50 by default) and links the rest with
    `?_getpages=` URLs on its base, which the app follows (same server only)."""
    plan, resources = scenario.long_course
    put_all(scenario.servers.hapi, resources)
    launch = scenario.servers.new_launch({
        "patient": plan.patient_id, "encounter": plan.today.encounter_id,
        "fhirUser": f"Practitioner/{plan.practitioner_id}", "need_patient_banner": True})
    page = requests.Session().get(f"{scenario.servers.app_server.url}/launch",
                                  params={"iss": scenario.servers.hapi, "launch": launch},
                                  timeout=120)
    assert page.status_code == 200, page.text[:2000]
    sessions = int(re.search(r"Sessions <span class=\"count\">\((\d+)\)", page.text).group(1))
    responses = int(re.search(r"Recorded responses \((\d+)\)", page.text).group(1))
    encounters = sum(r["resourceType"] == "Encounter" for r in resources)
    recorded = sum(r["resourceType"] == "QuestionnaireResponse" for r in resources)
    assert sessions >= 150 and encounters > 50  # more than one HAPI page
    assert responses == recorded
    kinds = set(re.findall(r'class="alert alert-([a-z-]+) ', page.text))
    assert {"rupture", "repair"} <= kinds


def _report(failures: dict[str, list[dict]]) -> str:
    return "\n".join(f"{name}: {i.get('diagnostics')} @ {i.get('expression')}"
                     for name, issues in failures.items() for i in issues)


def _validate_all(hapi: str, resources: list[dict]) -> dict[str, list[dict]]:
    failures = {}
    for resource in resources:
        errors = validate(hapi, resource)
        if errors:
            failures[f"{resource['resourceType']}/{resource['id']}"] = errors
    return failures


def test_every_resource_the_app_wrote_validates_against_its_profile_in_hapi(
        scenario: Scenario):
    written = []
    for qr_id in scenario.saved.values():
        written.append(scenario.fhir(f"QuestionnaireResponse/{qr_id}"))
        written += entries(scenario.fhir(
            "Observation", **{"derived-from": f"QuestionnaireResponse/{qr_id}"}))
        written += entries(scenario.fhir("Provenance",
                                         target=f"QuestionnaireResponse/{qr_id}"))
    assert len(written) >= 2 * (1 + 4 + 1)
    assert all(r["meta"].get("profile") for r in written)  # validated against our profiles
    failures = _validate_all(scenario.servers.hapi, written)
    assert not failures, _report(failures)


def test_the_workflow_left_audit_events_that_validate_against_balp_in_hapi(scenario: Scenario):
    """The launch, the panel views, the saves and the correction were audited; a correction
    against a stale version, refused by HAPI, is audited too; one of each kind validates."""
    qr_id = scenario.saved["therapist"]
    page = scenario.get(f"/responses/{qr_id}/correct")
    stale = {**filled(page, ANSWERS, reason="Stale form"), "version": "1"}
    assert scenario.post(f"/responses/{qr_id}/correct", stale).status_code == 409
    settings = scenario.app.extensions["alliance"].settings
    path = settings.data_dir / "audit" / "audit.jsonl"
    assert verify_chain(path) == []
    events = list(read_events(path))
    kinds: dict[tuple[str, str], dict] = {}
    for event in events:
        kinds.setdefault((event["action"], event["outcome"]), event)
    assert set(kinds) >= {("R", "0"), ("E", "0"), ("C", "0"), ("U", "0"), ("U", "4")}
    assert {e["agent"][1]["who"]["identifier"]["value"] for e in events} == {
        scenario.servers.hapi}
    failures = _validate_all(scenario.servers.hapi,
                             [{**e, "id": f"audit-{a}-{o}"} for (a, o), e in kinds.items()])
    assert not failures, _report(failures)


def test_the_questionnaires_terminology_and_capability_statement_validate_in_hapi(
        scenario: Scenario):
    # the earlier versions of the Questionnaires too (fhir_profiles/previous/): shipped and
    # installed, so a site's older responses name a form the server holds
    package = [r for r in fhir_profiles.load_resources() + fhir_profiles.previous_versions()
               if r["resourceType"] != "StructureDefinition"]
    assert {r["resourceType"] for r in package} == {
        "Questionnaire", "CodeSystem", "ValueSet", "CapabilityStatement"}
    failures = _validate_all(scenario.servers.hapi, package)
    assert not failures, _report(failures)


def test_the_structure_definitions_validate_in_hapi(scenario: Scenario):
    profiles = [r for r in fhir_profiles.load_resources()
                if r["resourceType"] == "StructureDefinition"]
    failures = _validate_all(scenario.servers.hapi, profiles)
    assert not failures, _report(failures)


def test_a_renderer_response_from_a_text_pack_validates_only_once_stored_without_the_wording(
        scenario: Scenario):
    """A WAI-SR response as an SDC renderer exports it from a site's text pack (item text and
    anchors copied in), with the context our app adds: HAPI rejects it under our profile
    (alliance-qr-1); stored through response_for_storage, it validates."""
    from plugin.alliance import apply_text_pack
    from plugin.fhir.foreign_responses import response_for_storage

    wai = fhir_profiles.questionnaire("wai-sr-client")
    pack = {"en": {**{str(n): f"[licensed item {n}]" for n in range(1, 13)},
                   "@options": {str(n): f"[licensed anchor {n}]" for n in range(1, 6)}}}
    worded = apply_text_pack(wai, pack, "en")
    items = [{"linkId": i["linkId"], "text": i["text"], "answer": [{"valueCoding": {
        k: i["answerOption"][2]["valueCoding"][k] for k in ("system", "code", "display")}}]}
        for i in worded["item"] if i["type"] == "choice"]
    context = scenario.fhir(f"QuestionnaireResponse/{scenario.saved['client']}")
    rendered = {k: v for k, v in context.items() if k not in ("id", "meta", "text")}
    rendered.update({"meta": {"profile": context["meta"]["profile"]}, "id": "rendered",
                     "questionnaire": f"{wai['url']}|{wai['version']}", "item": items})
    errors = validate(scenario.servers.hapi, rendered)
    assert any("alliance-qr-1" in str(i.get("diagnostics")) for i in errors), errors
    assert validate(scenario.servers.hapi, response_for_storage(rendered)) == []
